// The client's offline message store on SQLite: the MessageStore contract across a restart
// of the process (a new store object on the same file), shared with a broker's database or
// on its own, and an MqttClient whose unsent messages survive into the next client object.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  MqttClient,
  OutgoingState,
  type MessageStore,
  type StoredMessage,
} from '../../src/client/index.js';
import { SqliteMessageStore, SqlitePersistence } from '../../src/persistence/index.js';
import { startBroker } from '../helpers/broker.js';
import { waitFor } from '../helpers/wait.js';
import { tempDir } from './helpers.js';

function stored(seq: number, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    seq,
    topic: `t/${seq}`,
    payload: Buffer.from([seq, 0, 255]),
    qos: 1,
    retain: false,
    properties: null,
    packetId: 0,
    state: OutgoingState.QUEUED,
    ...extra,
  };
}

test('SqliteMessageStore keeps the MessageStore contract across a restart', async () => {
  const dir = tempDir();
  try {
    const store = new SqliteMessageStore({ dataDir: dir.path }, 'bridge-1');
    const a: MessageStore = store; // the client's interface, satisfied structurally
    a.put(stored(1));
    a.put(
      stored(2, {
        qos: 2,
        retain: true,
        properties: { contentType: 'x', correlationData: Buffer.from('c') },
      }),
    );
    a.put(stored(3));
    const m2 = stored(2, {
      qos: 2,
      retain: true,
      properties: { contentType: 'x', correlationData: Buffer.from('c') },
    });
    m2.packetId = 7;
    m2.state = OutgoingState.RELEASED;
    a.update(m2);
    a.delete(1);
    assert.equal(a.size, 2);
    await new Promise((r) => setImmediate(r)); // its own database commits once per turn
    store.close();

    const b = new SqliteMessageStore({ dataDir: dir.path }, 'bridge-1');
    assert.equal(b.size, 2);
    assert.deepEqual(b.load(), [m2, stored(3)]);
    b.close();
    // Sharing needs an open store.
    assert.throws(
      () => new SqliteMessageStore(new SqlitePersistence({ dataDir: dir.path }), 'x'),
      /not open/,
    );
  } finally {
    dir.remove();
  }
});

test('SqliteMessageStore shares a broker store database and its batches', () => {
  const dir = tempDir();
  try {
    const p = new SqlitePersistence({ dataDir: dir.path });
    p.open();
    const s1 = new SqliteMessageStore(p, 'one');
    const s2 = new SqliteMessageStore(p, 'two');
    s1.put(stored(1));
    s2.put(stored(1, { topic: 'other' }));
    assert.equal(p.commit(), true);
    assert.deepEqual(
      s1.load().map((m) => m.topic),
      ['t/1'],
    );
    assert.deepEqual(
      s2.load().map((m) => m.topic),
      ['other'],
    );
    p.close();
  } finally {
    dir.remove();
  }
});

test('an MqttClient on a SqliteMessageStore: messages published offline survive the client', async () => {
  const dir = tempDir();
  const b = await startBroker();
  try {
    const store1 = new SqliteMessageStore({ dataDir: dir.path }, 'c1');
    const offline = new MqttClient({
      port: 1,
      reconnect: false,
      store: store1,
      clientId: 'store-pub',
    });
    const pending = [
      offline.publish('s/1', 'one', { qos: 1 }),
      offline.publish('s/2', 'two', { qos: 2 }),
    ];
    for (const p of pending) p.catch(() => undefined);
    await offline.end();
    assert.equal(store1.size, 2);
    store1.close();

    const sub = new MqttClient({ port: b.port, reconnect: false });
    await sub.connect();
    await sub.subscribe('s/#', { qos: 2 });
    const got: string[] = [];
    sub.on('message', (m) => got.push(m.payload.toString()));
    const store2 = new SqliteMessageStore({ dataDir: dir.path }, 'c1');
    const later = new MqttClient({
      port: b.port,
      reconnect: false,
      store: store2,
      clientId: 'store-pub',
    });
    await later.connect();
    await waitFor(() => got.length === 2 && store2.size === 0, 'stored messages delivered');
    assert.deepEqual(got, ['one', 'two']);
    await later.end();
    await sub.end();
    store2.close();
  } finally {
    await b.close();
    dir.remove();
  }
});
