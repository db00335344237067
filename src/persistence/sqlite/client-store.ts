// Our MQTT client's offline message store on SQLite (src/client/store.ts `MessageStore`),
// for bridges: outgoing QoS 1/2 messages survive a restart of the process. It shares the
// broker's database and batches when given its SqlitePersistence, or opens its own.
//
// The persistence layer may not import the client (DESIGN.md layers): the shapes below are
// the client's `StoredMessage` / `MessageStore`, which this class satisfies structurally
// (test/persistence/client-store.test.ts checks it against the real interface).
import type Database from 'better-sqlite3';
import type { Properties, QoS } from '../../codec/index.js';
import { decodeProperties, encodeProperties } from '../properties.js';
import { SqlitePersistence, type SqliteOptions } from './store.js';

/** The client's StoredMessage. */
export interface ClientStoredMessage {
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties | null;
  packetId: number;
  state: 0 | 1 | 2;
}

interface Row {
  seq: number;
  topic: string;
  payload: Buffer;
  qos: number;
  retain: number;
  properties: string | null;
  packet_id: number;
  state: number;
}

export class SqliteMessageStore {
  /** The store's name: one database holds the stores of several clients (bridges). */
  readonly name: string;
  private readonly store: SqlitePersistence;
  private readonly owned: boolean;
  private count: number;
  private readonly insert: Database.Statement;
  private readonly change: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly all: Database.Statement;

  /**
   * `store`: an open SqlitePersistence to share (its owner commits the batches), or the
   * options to open a database of its own (committed once per event-loop turn).
   */
  constructor(store: SqlitePersistence | SqliteOptions, name: string) {
    this.name = name;
    if (store instanceof SqlitePersistence) {
      this.store = store;
      this.owned = false;
    } else {
      this.store = new SqlitePersistence(store);
      this.store.open();
      this.owned = true;
      let scheduled = false;
      this.store.onBatch = () => {
        if (scheduled) return;
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          this.store.commit();
        });
      };
    }
    const db = this.store.database;
    this.insert = db.prepare(
      `INSERT OR REPLACE INTO client_outgoing (store, seq, topic, payload, qos, retain, properties,
       packet_id, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.change = db.prepare(
      'UPDATE client_outgoing SET packet_id = ?, state = ? WHERE store = ? AND seq = ?',
    );
    this.remove = db.prepare('DELETE FROM client_outgoing WHERE store = ? AND seq = ?');
    this.all = db.prepare(
      `SELECT seq, topic, payload, qos, retain, properties, packet_id, state FROM client_outgoing
       WHERE store = ? ORDER BY seq`,
    );
    this.count = (
      db.prepare('SELECT count(*) AS n FROM client_outgoing WHERE store = ?').get(name) as {
        n: number;
      }
    ).n;
  }

  get size(): number {
    return this.count;
  }

  load(): ClientStoredMessage[] {
    this.store.commit();
    return (this.all.all(this.name) as Row[]).map((r) => ({
      seq: r.seq,
      topic: r.topic,
      payload: r.payload,
      qos: r.qos as QoS,
      retain: r.retain !== 0,
      properties: decodeProperties(r.properties),
      packetId: r.packet_id,
      state: r.state as 0 | 1 | 2,
    }));
  }

  put(m: ClientStoredMessage): void {
    this.count++;
    this.store.runInBatch(() =>
      this.insert.run(
        this.name,
        m.seq,
        m.topic,
        m.payload,
        m.qos,
        m.retain ? 1 : 0,
        encodeProperties(m.properties),
        m.packetId,
        m.state,
      ),
    );
  }

  update(m: ClientStoredMessage): void {
    this.store.runInBatch(() => this.change.run(m.packetId, m.state, this.name, m.seq));
  }

  delete(seq: number): void {
    this.store.runInBatch(() => {
      this.count -= this.remove.run(this.name, seq).changes;
    });
  }

  /** Commits what is pending now (the owner's commit does it too). */
  flush(): boolean {
    return this.store.commit();
  }

  /** Commits and, when the database is its own, closes it. */
  close(): void {
    if (this.owned) this.store.close();
    else this.store.commit();
  }
}
