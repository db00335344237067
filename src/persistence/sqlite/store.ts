// The SQLite Persistence (better-sqlite3: synchronous, which is the point). WAL, statements
// prepared once, one transaction per batch. The hot mutations (messages, queue rows) are
// buffered in memory and applied at commit in multi-row statements; the rare ones
// (sessions, subscriptions, wills, retained, awaiting-release ids) run at once, after the
// buffers, inside the batch's transaction, so the order of the calls is kept.
import {
  accessSync,
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  openSync,
  readSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { QoS } from '../../codec/index.js';
import { PersistenceError, type PersistenceErrorCode } from '../errors.js';
import { decodeProperties, encodeProperties } from '../properties.js';
import {
  OutboundState,
  type MessageData,
  type OutboundRow,
  type OutboundStateValue,
  type Persistence,
  type QueueRef,
  type RestoredSession,
  type RestoredState,
  type SessionData,
  type StorableMessage,
  type StoreCounts,
  type StoredDelivery,
  type SubscriptionData,
  type WillData,
} from '../types.js';
import { checkSchema, migrate } from './schema.js';
import { CHUNKS, Statements, type DeliveryRow } from './statements.js';

export interface SqliteOptions {
  /** Directory of the database file; created when missing. */
  dataDir: string;
  /** Default 'edgemq.db'. */
  fileName?: string;
  /**
   * PRAGMA synchronous. 'full' (default): a commit is on disk (fsync of the WAL) before the
   * acks it covers are sent, so it survives power loss. 'normal' survives a crash of the
   * process (kill -9) but not of the machine; 'off' neither, fully.
   */
  synchronous?: 'full' | 'normal' | 'off';
  /** How long to wait for a lock held by another process before failing. Default 500 ms. */
  busyTimeoutMs?: number;
  /** PRAGMA max_page_count: a hard cap on the file size in pages (and the tests' "disk full"). */
  maxPageCount?: number;
  /** PRAGMA quick_check at open (reads every page once). Default true. */
  integrityCheck?: boolean;
  /** Page cache in KiB. Default 16384. */
  cacheKiB?: number;
}

/**
 * What this store hands out as a QueueRef: `shared` says the row refers to `messages`
 * (else its message is written in the row), so that deleting it knows whether a reference
 * count goes down, without a query.
 */
interface SqliteRef extends QueueRef {
  readonly messageId: number;
  shared: boolean;
}

/** One buffered queue row. */
interface PendingRow extends SqliteRef {
  clientId: string;
  seq: number;
  messageId: number;
  qos: 1 | 2;
  retain: boolean;
  subscriptionIds: readonly number[] | null;
  group: string | null;
  state: OutboundStateValue;
  packetId: number;
  /** The message itself, written into the row: it is its only reference. */
  inline: StorableMessage | null;
}

/**
 * A message stored in this batch, with the references the batch gave it. At apply time a
 * message with exactly one reference, a queue row of the batch, is written into that row
 * (one insert and one delete in all, the common case of one persistent subscriber); any
 * other goes to `messages` once. One with no reference is not written at all.
 */
interface FreshMessage {
  readonly id: number;
  readonly message: StorableMessage;
  refs: number;
  /** The row of its only reference, while it has exactly one and it is a queue row. */
  row: PendingRow | null;
  retained: boolean;
  /** 0 not yet, 1 inline in `row`, 2 in `messages`. */
  stored: 0 | 1 | 2;
}

const SYNC = { full: 'FULL', normal: 'NORMAL', off: 'OFF' } as const;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/** The PersistenceError code for an SQLite error at open. */
function openErrorCode(error: unknown): PersistenceErrorCode {
  const code = (error as { code?: unknown }).code;
  if (typeof code !== 'string') return 'EMQ_ERR_PERSIST_OPEN';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'))
    return 'EMQ_ERR_PERSIST_CORRUPT';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return 'EMQ_ERR_PERSIST_LOCKED';
  if (
    code.startsWith('SQLITE_READONLY') ||
    code === 'EACCES' ||
    code === 'EROFS' ||
    code === 'EPERM'
  )
    return 'EMQ_ERR_PERSIST_READONLY';
  return 'EMQ_ERR_PERSIST_OPEN';
}

const OPEN_MESSAGES: Record<PersistenceErrorCode, string> = {
  EMQ_ERR_PERSIST_OPEN: 'cannot open the database',
  EMQ_ERR_PERSIST_READONLY: 'the database or its directory is read-only',
  EMQ_ERR_PERSIST_LOCKED:
    'the database is locked by another process (another edgemq on this data directory?)',
  EMQ_ERR_PERSIST_CORRUPT: 'the database file is corrupt or not an SQLite database',
  EMQ_ERR_PERSIST_FOREIGN: 'the file is not an edgemq database',
  EMQ_ERR_PERSIST_VERSION: 'the database was written by a newer edgemq',
  EMQ_ERR_PERSIST_IO: 'I/O error',
};

function errorText(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  const msg = typeof e.message === 'string' ? e.message : String(error);
  return typeof e.code === 'string' && !msg.startsWith(e.code) ? `${e.code}: ${msg}` : msg;
}

interface Extra {
  /** Subscription identifiers. */
  s?: number[];
  /** `<group>/<filter>` of a shared subscription. */
  g?: string;
  /** Properties of an inline message (JSON text, properties.ts). */
  p?: string;
  /** Expiry of an inline message (ms). */
  e?: number;
}

/** queue.flags of a row (schema.ts). */
function flagsOf(
  qos: number,
  retain: boolean,
  state: number,
  message: StorableMessage | null,
  packetId: number,
): number {
  let f = qos | (retain ? 4 : 0) | (state << 3) | (packetId << 8);
  if (message !== null) f |= (message.qos << 5) | (message.retain ? 128 : 0);
  return f;
}

/** queue.extra of a row: null for the common row (no ids, group, properties, expiry). */
function extraOf(r: PendingRow, m: StorableMessage | null): string | null {
  const props = m === null ? null : m.properties;
  const expires = m === null ? 0 : m.expiresAt;
  if (r.subscriptionIds === null && r.group === null && props === null && expires === 0)
    return null;
  const extra: Extra = {};
  if (r.subscriptionIds !== null) extra.s = [...r.subscriptionIds];
  if (r.group !== null) extra.g = r.group;
  if (props !== null) extra.p = encodeProperties(props) as string;
  if (expires !== 0) extra.e = expires;
  return JSON.stringify(extra);
}

/** The delivery of a row, or null for a row whose message is missing. */
function deliveryOf(r: DeliveryRow): StoredDelivery | null {
  if (r.topic === null || r.payload === null) return null;
  const extra = r.extra === null ? null : (JSON.parse(r.extra) as Extra);
  const f = r.flags;
  const shared = r.shared !== 0;
  const row: OutboundRow & SqliteRef = {
    shared,
    clientId: r.client_id,
    seq: r.seq,
    messageId: r.msg_id,
    qos: (f & 3) === 2 ? 2 : 1,
    retain: (f & 4) !== 0,
    subscriptionIds: extra?.s ?? null,
    group: extra?.g ?? null,
    state: ((f >> 3) & 3) as OutboundStateValue,
    packetId: (f >> 8) & 0xffff,
  };
  const message: MessageData = shared
    ? {
        id: r.msg_id,
        topic: r.topic,
        payload: r.payload,
        qos: (r.m_qos ?? 0) as QoS,
        retain: r.m_retain === 1,
        properties: decodeProperties(r.m_properties),
        expiresAt: r.m_expires_at ?? 0,
        origin: r.m_origin ?? '',
      }
    : {
        id: r.msg_id,
        topic: r.topic,
        payload: r.payload,
        qos: ((f >> 5) & 3) as QoS,
        retain: (f & 128) !== 0,
        properties: decodeProperties(extra?.p ?? null),
        expiresAt: extra?.e ?? 0,
        origin: '',
      };
  return { row, message };
}

function deliveries(rows: DeliveryRow[]): StoredDelivery[] {
  const out: StoredDelivery[] = [];
  for (const r of rows) {
    const d = deliveryOf(r);
    if (d !== null) out.push(d);
  }
  return out;
}

export class SqlitePersistence implements Persistence {
  readonly kind = 'sqlite';
  readonly location: string;
  onBatch: (() => void) | null;
  private readonly options: SqliteOptions;
  private db: Database.Database | null;
  private st: Statements | null;
  /** A transaction is open (the batch has applied statements). */
  private inTx: boolean;
  /** The batch has mutations (buffered or applied). */
  private dirty: boolean;
  /** The first error of this batch: everything after it is skipped, commit rolls back. */
  private failure: Error | null;
  private last: Error | null;
  private gen: number;
  private mutations: number;
  private nextMessageId: number;
  private nextSeq: number;
  private queueRows: number;
  private committedQueueRows: number;
  /** Messages stored in this batch (see FreshMessage). */
  private fresh: Map<number, FreshMessage>;
  /** Fresh messages not written yet. */
  private unwritten: FreshMessage[];
  /** Buffered inserts by seq: an update or delete of a buffered row edits or drops it here. */
  private newRows: Map<number, PendingRow>;
  private updates: Map<number, { clientId: string; state: OutboundStateValue; packetId: number }>;
  /** Rows with their message inline, by client: deleted in multi-row statements. */
  private deletes: Map<string, number[]>;
  private deleteCount: number;
  /** Rows that refer to `messages`: deleted one by one, each lowering its message's count. */
  private sharedDeletes: { clientId: string; seq: number; messageId: number }[];

  constructor(options: SqliteOptions) {
    this.options = options;
    this.location = resolve(join(options.dataDir, options.fileName ?? 'edgemq.db'));
    this.onBatch = null;
    this.db = null;
    this.st = null;
    this.inTx = false;
    this.dirty = false;
    this.failure = null;
    this.last = null;
    this.gen = 0;
    this.mutations = 0;
    this.nextMessageId = 1;
    this.nextSeq = 1;
    this.queueRows = 0;
    this.committedQueueRows = 0;
    this.fresh = new Map();
    this.unwritten = [];
    this.newRows = new Map();
    this.updates = new Map();
    this.deletes = new Map();
    this.deleteCount = 0;
    this.sharedDeletes = [];
  }

  get queuedCount(): number {
    return this.queueRows;
  }

  get writes(): number {
    return this.mutations;
  }

  get generation(): number {
    return this.gen;
  }

  get lastError(): Error | null {
    return this.last;
  }

  /** The open database handle (the client store shares it). */
  get database(): Database.Database {
    if (this.db === null) throw new Error('the SQLite store is not open');
    return this.db;
  }

  // ------------------------------------------------------------------ open

  open(): RestoredState {
    if (this.db !== null) throw new Error('the SQLite store is already open');
    const file = this.location;
    const dir = resolve(this.options.dataDir);
    this.prepareDirectory(dir, file);
    let db: Database.Database;
    try {
      db = new Database(file, { timeout: this.options.busyTimeoutMs ?? 500 });
    } catch (error) {
      throw this.openError(error, file, dir);
    }
    try {
      this.configure(db);
      const schema = checkSchema(db);
      if (schema.kind === 'foreign')
        throw new PersistenceError(
          'EMQ_ERR_PERSIST_FOREIGN',
          file,
          `${file}: ${OPEN_MESSAGES.EMQ_ERR_PERSIST_FOREIGN} (${schema.detail}); move it away or choose another data directory`,
        );
      if (schema.kind === 'newer')
        throw new PersistenceError(
          'EMQ_ERR_PERSIST_VERSION',
          file,
          `${file}: ${OPEN_MESSAGES.EMQ_ERR_PERSIST_VERSION} (schema version ${schema.version})`,
        );
      if (schema.version > 0 && this.options.integrityCheck !== false) {
        const result = db.pragma('quick_check(1)', { simple: true }) as string;
        if (result !== 'ok')
          throw new PersistenceError(
            'EMQ_ERR_PERSIST_CORRUPT',
            file,
            `${file}: ${OPEN_MESSAGES.EMQ_ERR_PERSIST_CORRUPT} (quick_check: ${result})`,
          );
      }
      // The first write takes the file's lock for good (locking_mode=EXCLUSIVE): a second
      // broker on the same directory fails here instead of corrupting the first one's state.
      migrate(db, schema.version);
      db.exec('BEGIN IMMEDIATE; COMMIT');
      this.db = db;
      this.st = new Statements(db);
      return this.restore();
    } catch (error) {
      this.db = null;
      this.st = null;
      try {
        db.close();
      } catch {
        // already failing
      }
      if (error instanceof PersistenceError) throw error;
      throw this.openError(error, file, dir);
    }
  }

  private prepareDirectory(dir: string, file: string): void {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (error) {
      throw this.openError(error, dir, dir);
    }
    try {
      accessSync(dir, constants.W_OK);
      if (existsSync(file)) accessSync(file, constants.R_OK | constants.W_OK);
    } catch (error) {
      throw this.openError(error, file, dir);
    }
    // Not even SQLite (SQLite would only say "file is not a database").
    const header = Buffer.alloc(16);
    let fd = -1;
    try {
      fd = openSync(file, 'r');
      const n = readSync(fd, header, 0, 16, 0);
      if (n > 0 && !header.subarray(0, n).equals(SQLITE_HEADER.subarray(0, n)))
        throw new PersistenceError(
          'EMQ_ERR_PERSIST_FOREIGN',
          file,
          `${file}: not an SQLite database (it starts with ${JSON.stringify(header.subarray(0, Math.min(n, 8)).toString('latin1'))}); move it away or choose another data directory`,
        );
    } catch (error) {
      if (error instanceof PersistenceError) throw error;
      // missing: created below
    } finally {
      if (fd !== -1) closeSync(fd);
    }
  }

  private configure(db: Database.Database): void {
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${SYNC[this.options.synchronous ?? 'full']}`);
    db.pragma(`cache_size = -${this.options.cacheKiB ?? 16384}`);
    db.pragma('temp_store = MEMORY');
    if (this.options.maxPageCount !== undefined)
      db.pragma(`max_page_count = ${this.options.maxPageCount}`);
  }

  private openError(error: unknown, file: string, dir: string): PersistenceError {
    let code = openErrorCode(error);
    if (code === 'EMQ_ERR_PERSIST_OPEN') {
      // SQLite says CANTOPEN for a directory it may not write in.
      try {
        accessSync(dir, constants.W_OK);
      } catch {
        code = 'EMQ_ERR_PERSIST_READONLY';
      }
    }
    return new PersistenceError(
      code,
      file,
      `${file}: ${OPEN_MESSAGES[code]} (${errorText(error)})`,
      {
        cause: error,
      },
    );
  }

  private restore(): RestoredState {
    const st = this.statements();
    const now = Date.now();
    let maxMessageId = (st.maxIds.get() as { msg: number | null }).msg ?? 0;
    let maxSeq = 0;

    const byId = new Map<string, RestoredSession & { inflight: StoredDelivery[] }>();
    for (const r of st.allSessions.all() as {
      client_id: string;
      expiry_interval: number;
      expires_at: number;
    }[]) {
      byId.set(r.client_id, {
        clientId: r.client_id,
        expiryInterval: r.expiry_interval,
        expiresAt: r.expires_at,
        subscriptions: [],
        inflight: [],
        awaitingRelease: [],
        will: null,
        queued: 0,
      });
    }
    for (const r of st.allSubscriptions.all() as {
      client_id: string;
      filter: string;
      qos: number;
      no_local: number;
      retain_as_published: number;
      retain_handling: number;
      subscription_id: number;
    }[]) {
      byId.get(r.client_id)?.subscriptions.push({
        rawFilter: r.filter,
        qos: r.qos as QoS,
        noLocal: r.no_local !== 0,
        retainAsPublished: r.retain_as_published !== 0,
        retainHandling: r.retain_handling as 0 | 1 | 2,
        subscriptionId: r.subscription_id,
      });
    }
    for (const r of st.allAwaiting.all() as { client_id: string; packet_id: number }[])
      byId.get(r.client_id)?.awaitingRelease.push(r.packet_id);
    const wills = new Map<string, WillData>();
    for (const r of st.allWills.all() as {
      client_id: string;
      topic: string;
      payload: Buffer;
      qos: number;
      retain: number;
      properties: string | null;
      expiry_interval: number;
      delay: number;
      publish_at: number;
    }[]) {
      wills.set(r.client_id, {
        topic: r.topic,
        payload: r.payload,
        qos: r.qos as QoS,
        retain: r.retain !== 0,
        properties: decodeProperties(r.properties),
        expiryInterval: r.expiry_interval,
        delay: r.delay,
        publishAt: r.publish_at,
      });
    }

    const sessions: RestoredSession[] = [];
    // One pass over the queue: per session its QUEUED rows and the in-flight window's end;
    // the highest seq and message id (inline rows hold ids that `messages` does not).
    const summaries = new Map<string, { queued: number; last: number | null }>();
    let total = 0;
    for (const r of st.queueSummary.all() as {
      client_id: string;
      rows: number;
      queued: number;
      last: number | null;
      seq: number;
      msg: number;
    }[]) {
      summaries.set(r.client_id, { queued: r.queued, last: r.last });
      total += r.rows;
      maxSeq = Math.max(maxSeq, r.seq);
      maxMessageId = Math.max(maxMessageId, r.msg);
    }
    this.nextMessageId = maxMessageId + 1;
    this.nextSeq = maxSeq + 1;
    for (const s of byId.values()) {
      const summary = summaries.get(s.clientId);
      let queued = summary?.queued ?? 0;
      const inflight: StoredDelivery[] = [];
      if (summary !== undefined && summary.last !== null) {
        // Everything up to the last row that was sent was sent (rows leave the queue in
        // seq order): QUEUED rows among them are QoS 1 rows sent without an update.
        for (const r of st.sessionHead.all(s.clientId, summary.last) as DeliveryRow[]) {
          if (((r.flags >> 3) & 3) === OutboundState.QUEUED) queued--;
          const d = deliveryOf(r);
          if (d !== null) inflight.push(d);
        }
      }
      sessions.push({ ...s, inflight, queued, will: wills.get(s.clientId) ?? null });
    }
    this.queueRows = total;
    this.committedQueueRows = total;

    const retained: MessageData[] = [];
    const expired: string[] = [];
    for (const r of st.allRetained.all() as {
      r_topic: string;
      id: number;
      topic: string;
      payload: Buffer;
      qos: number;
      retain: number;
      properties: string | null;
      expires_at: number;
      origin: string;
    }[]) {
      if (r.expires_at !== 0 && r.expires_at <= now) {
        expired.push(r.r_topic);
        continue;
      }
      retained.push({
        id: r.id,
        topic: r.topic,
        payload: r.payload,
        qos: r.qos as QoS,
        retain: r.retain !== 0,
        properties: decodeProperties(r.properties),
        expiresAt: r.expires_at,
        origin: r.origin,
      });
    }
    // Expired retained messages, and messages nothing refers to (stored in a batch whose
    // references were all cancelled): gone before anyone sees them.
    const db = this.database;
    db.transaction(() => {
      for (const topic of expired) st.deleteRetained.run(topic);
      db.prepare('DELETE FROM messages WHERE refs <= 0').run();
    })();
    return { sessions, retained };
  }

  // ------------------------------------------------------------- mutations

  upsertSession(session: SessionData): void {
    if (!this.immediate()) return;
    this.run(() =>
      this.statements().upsertSession.run(
        session.clientId,
        session.expiryInterval,
        session.expiresAt,
      ),
    );
  }

  deleteSession(clientId: string): void {
    if (!this.immediate()) return;
    this.run(() => {
      const st = this.statements();
      st.deleteSessionSubscriptions.run(clientId);
      st.deleteSessionAwaiting.run(clientId);
      st.deleteSessionWill.run(clientId);
      // Its references to shared messages go first, then its rows.
      const shared = st.sessionSharedRefs.all(clientId) as { id: number; n: number }[];
      for (const r of shared) st.addRefs.run(-r.n, r.id);
      this.queueRows -= st.deleteSessionQueue.run(clientId).changes;
      for (const r of shared) st.deleteUnreferenced.run(r.id);
      st.deleteSession.run(clientId);
    });
  }

  addSubscription(clientId: string, s: SubscriptionData): void {
    if (!this.immediate()) return;
    this.run(() =>
      this.statements().upsertSubscription.run(
        clientId,
        s.rawFilter,
        s.qos,
        s.noLocal ? 1 : 0,
        s.retainAsPublished ? 1 : 0,
        s.retainHandling,
        s.subscriptionId,
      ),
    );
  }

  removeSubscription(clientId: string, rawFilter: string): void {
    if (!this.immediate()) return;
    this.run(() => this.statements().deleteSubscription.run(clientId, rawFilter));
  }

  allocateMessageId(): number {
    return this.nextMessageId++;
  }

  storeMessage(id: number, message: StorableMessage): void {
    this.touch();
    if (this.fresh.has(id)) return;
    const entry: FreshMessage = { id, message, refs: 0, row: null, retained: false, stored: 0 };
    this.fresh.set(id, entry);
    this.unwritten.push(entry);
  }

  /** One more reference to a fresh message (a queue row, or null for a retained entry). */
  private reference(entry: FreshMessage, row: PendingRow | null): void {
    entry.refs++;
    entry.row = entry.refs === 1 ? row : null;
    if (row === null) entry.retained = true;
    // Inline in a row already applied, and now a second reference: it needs `messages`.
    if (entry.stored === 1) {
      entry.stored = 0;
      this.unwritten.push(entry);
    }
  }

  enqueue(
    clientId: string,
    messageId: number,
    qos: 1 | 2,
    retain: boolean,
    subscriptionIds: readonly number[] | null,
    group: string | null,
    state: OutboundStateValue,
    packetId: number,
  ): QueueRef {
    this.touch();
    const seq = this.nextSeq++;
    const row: PendingRow = {
      clientId,
      seq,
      messageId,
      qos,
      retain,
      subscriptionIds,
      group,
      state,
      packetId,
      inline: null,
      shared: true,
    };
    this.newRows.set(seq, row);
    const entry = this.fresh.get(messageId);
    if (entry !== undefined) this.reference(entry, row);
    this.queueRows++;
    return row;
  }

  updateOutbound(
    clientId: string,
    ref: QueueRef,
    state: OutboundStateValue,
    packetId: number,
  ): void {
    this.touch();
    const row = this.newRows.get(ref.seq);
    if (row !== undefined) {
      row.state = state;
      row.packetId = packetId;
      return;
    }
    this.updates.set(ref.seq, { clientId, state, packetId });
  }

  removeOutbound(clientId: string, ref: QueueRef): void {
    this.touch();
    this.queueRows--;
    const seq = ref.seq;
    const pending = this.newRows.get(seq);
    if (pending !== undefined) {
      this.newRows.delete(seq);
      const entry = this.fresh.get(pending.messageId);
      if (entry !== undefined) {
        entry.refs--;
        if (entry.row === pending) entry.row = null;
      }
      return;
    }
    this.updates.delete(seq);
    const r = ref as SqliteRef;
    if (r.shared) {
      this.sharedDeletes.push({ clientId, seq, messageId: r.messageId });
      return;
    }
    let list = this.deletes.get(clientId);
    if (list === undefined) {
      list = [];
      this.deletes.set(clientId, list);
    }
    list.push(seq);
    this.deleteCount++;
  }

  readQueuePage(clientId: string, afterSeq: number, limit: number): StoredDelivery[] {
    if (this.failure === null) {
      this.applyPending();
    }
    try {
      return deliveries(
        this.statements().queuePage.all(clientId, afterSeq, limit) as DeliveryRow[],
      );
    } catch (error) {
      this.last = error as Error;
      throw new PersistenceError(
        'EMQ_ERR_PERSIST_IO',
        this.location,
        `${this.location}: reading the queue of ${clientId} failed (${errorText(error)})`,
        { cause: error },
      );
    }
  }

  setAwaitingRelease(clientId: string, packetId: number, awaiting: boolean): void {
    if (!this.immediate()) return;
    const st = this.statements();
    this.run(() =>
      awaiting
        ? st.insertAwaiting.run(clientId, packetId)
        : st.deleteAwaiting.run(clientId, packetId),
    );
  }

  setRetained(topic: string, messageId: number | null): void {
    if (messageId !== null) {
      const entry = this.fresh.get(messageId);
      if (entry !== undefined) this.reference(entry, null);
    }
    if (!this.immediate()) return;
    const st = this.statements();
    this.run(() =>
      messageId === null ? st.deleteRetained.run(topic) : st.upsertRetained.run(topic, messageId),
    );
  }

  setWill(clientId: string, will: WillData | null): void {
    if (!this.immediate()) return;
    const st = this.statements();
    this.run(() =>
      will === null
        ? st.deleteSessionWill.run(clientId)
        : st.upsertWill.run(
            clientId,
            will.topic,
            will.payload,
            will.qos,
            will.retain ? 1 : 0,
            encodeProperties(will.properties),
            will.expiryInterval,
            will.delay,
            will.publishAt,
          ),
    );
  }

  /**
   * Runs `fn` inside the current batch, after the buffered writes (the client store's
   * statements). An error fails the batch like any other write.
   */
  runInBatch(fn: (db: Database.Database) => unknown): void {
    if (!this.immediate()) return;
    this.run(() => fn(this.database));
  }

  counts(): StoreCounts {
    if (this.failure === null) this.applyPending();
    return this.statements().counts.get() as StoreCounts;
  }

  // ----------------------------------------------------------------- batch

  commit(): boolean {
    if (!this.dirty) return true;
    this.dirty = false;
    if (this.failure === null) this.applyPending();
    if (this.failure === null && this.inTx) {
      try {
        this.fresh.clear();
        this.statements().commit.run();
        this.inTx = false;
        this.committedQueueRows = this.queueRows;
        return true;
      } catch (error) {
        this.failure = error as Error;
      }
    }
    if (this.failure === null) return true;
    this.abandon();
    return false;
  }

  /** Rolls the failed batch back; the store goes on with the next batch. */
  private abandon(): void {
    this.last = this.failure;
    this.failure = null;
    this.gen++;
    this.clearPending();
    this.fresh.clear();
    const db = this.db;
    if (db !== null && db.inTransaction) {
      try {
        this.statements().rollback.run();
      } catch {
        // SQLite may have rolled back already
      }
    }
    this.inTx = false;
    try {
      this.queueRows = (this.statements().countQueue.get() as { n: number }).n;
    } catch {
      this.queueRows = this.committedQueueRows;
    }
    this.committedQueueRows = this.queueRows;
  }

  close(): void {
    if (this.db === null) return;
    this.commit();
    try {
      this.db.close();
    } finally {
      this.db = null;
      this.st = null;
    }
  }

  /**
   * Closes the handle without committing the open batch: what a crash leaves behind
   * (tests only; kill -9 is the real thing).
   */
  closeWithoutCommit(): void {
    if (this.db === null) return;
    this.clearPending();
    this.fresh.clear();
    if (this.db.inTransaction) this.statements().rollback.run();
    this.db.close();
    this.db = null;
    this.st = null;
  }

  // --------------------------------------------------------------- helpers

  private statements(): Statements {
    if (this.st === null) throw new Error('the SQLite store is not open');
    return this.st;
  }

  private touch(): void {
    this.mutations++;
    if (!this.dirty) {
      this.dirty = true;
      this.onBatch?.();
    }
  }

  /** For a mutation that runs at once: buffers first (order), in the transaction. */
  private immediate(): boolean {
    this.touch();
    if (this.failure !== null) return false;
    this.applyPending();
    return this.healthy() && this.ensureTx();
  }

  /** No write of this batch failed (a call: `failure` changes behind TypeScript's back). */
  private healthy(): boolean {
    return this.failure === null;
  }

  private ensureTx(): boolean {
    if (this.inTx) return true;
    try {
      this.statements().begin.run();
      this.inTx = true;
      return true;
    } catch (error) {
      this.failure = error as Error;
      return false;
    }
  }

  private run(fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      this.failure = error as Error;
    }
  }

  private clearPending(): void {
    this.unwritten = [];
    this.newRows = new Map();
    this.updates = new Map();
    this.deletes = new Map();
    this.deleteCount = 0;
    this.sharedDeletes = [];
  }

  /**
   * Applies the buffered messages and queue rows in multi-row statements. A queue row that
   * refers to `messages` adds to its `refs`; deleting one lowers it, and the message goes
   * with its last reference (retained references are counted by triggers).
   */
  private applyPending(): void {
    if (
      this.unwritten.length === 0 &&
      this.newRows.size === 0 &&
      this.updates.size === 0 &&
      this.deleteCount === 0 &&
      this.sharedDeletes.length === 0
    )
      return;
    if (!this.ensureTx()) return;
    const st = this.statements();
    const fresh = this.unwritten;
    const rows = this.newRows;
    const updates = this.updates;
    const deletes = this.deletes;
    const expectedDeletes = this.deleteCount;
    const sharedDeletes = this.sharedDeletes;
    this.clearPending();
    try {
      // Messages first: the queue triggers count references on existing message rows.
      const table: FreshMessage[] = [];
      for (const e of fresh) {
        if (e.refs <= 0) {
          this.unwritten.push(e); // may still get a reference in this batch
        } else if (
          e.refs === 1 &&
          e.row !== null &&
          e.stored === 0 &&
          rows.get(e.row.seq) === e.row
        ) {
          e.row.inline = e.message;
          e.stored = 1;
        } else {
          table.push(e);
          e.stored = 2;
        }
      }
      const args: unknown[] = [];
      let i = 0;
      while (i < table.length) {
        const n = chunk(table.length - i);
        args.length = 0;
        for (let k = 0; k < n; k++) {
          const { id, message: m } = table[i + k] as FreshMessage;
          args.push(
            id,
            m.topic,
            m.payload,
            m.qos,
            m.retain ? 1 : 0,
            encodeProperties(m.properties),
            m.expiresAt,
            m.origin,
          );
        }
        (st.insertMessages.get(n) as Database.Statement).run(args);
        i += n;
      }
      const list = [...rows.values()];
      /** References this apply adds to messages in `messages`. */
      let added: Map<number, number> | null = null;
      i = 0;
      while (i < list.length) {
        const n = chunk(list.length - i);
        args.length = 0;
        for (let k = 0; k < n; k++) {
          const r = list[i + k] as PendingRow;
          const m = r.inline;
          r.shared = m === null;
          args.push(
            r.clientId,
            r.seq,
            r.messageId,
            flagsOf(r.qos, r.retain, r.state, m, r.packetId),
            extraOf(r, m),
          );
          if (m === null) {
            args.push(null, null);
            added ??= new Map();
            added.set(r.messageId, (added.get(r.messageId) ?? 0) + 1);
          } else {
            args.push(m.topic, m.payload);
          }
        }
        (st.insertQueue.get(n) as Database.Statement).run(args);
        i += n;
      }
      if (added !== null) for (const [id, n] of added) st.addRefs.run(n, id);
      for (const [seq, u] of updates)
        st.updateQueue.run((u.state << 3) | (u.packetId << 8), u.clientId, seq);
      let deleted = 0;
      for (const [clientId, seqs] of deletes) {
        let j = 0;
        while (j < seqs.length) {
          const n = chunk(seqs.length - j);
          args.length = 0;
          args.push(clientId);
          for (let k = 0; k < n; k++) args.push(seqs[j + k]);
          deleted += (st.deleteQueue.get(n) as Database.Statement).run(args).changes;
          j += n;
        }
      }
      for (const d of sharedDeletes) {
        if (st.deleteQueueOne.run(d.clientId, d.seq).changes === 0) continue;
        deleted++;
        st.addRefs.run(-1, d.messageId);
        st.deleteUnreferenced.run(d.messageId);
      }
      // Rows lost with an earlier failed batch were counted as removed but were not there.
      this.queueRows += expectedDeletes + sharedDeletes.length - deleted;
    } catch (error) {
      this.failure = error as Error;
    }
  }
}

function chunk(left: number): 64 | 16 | 4 | 1 {
  for (const n of CHUNKS) if (left >= n) return n;
  return 1;
}

export type { OutboundRow };
