// The SQLite Persistence (better-sqlite3: synchronous, which is the point). WAL, statements
// prepared once, one transaction per batch. The hot mutations (messages, queue rows) are
// buffered in memory and applied at commit in multi-row statements; the rare ones
// (sessions, subscriptions, wills, retained, awaiting-release ids) run at once, after the
// buffers, inside the batch's transaction, so the order of the calls is kept. With
// `inflightGraceMs`, sent QoS 1 rows wait that long for their PUBACK before they are
// written (deferred-rows.ts). With synchronous 'full' the WAL is synced off the event loop
// after commits (wal-sync.ts). `settled` tells which batches are durable.
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import { PersistenceError } from '../errors.js';
import { encodeProperties } from '../properties.js';
import type {
  OutboundRow,
  OutboundStateValue,
  Persistence,
  QueueRef,
  RestoredState,
  SessionData,
  StorableMessage,
  StoreCounts,
  StoredDelivery,
  SubscriptionData,
  WillData,
} from '../types.js';
import { applyBuffered, insertRows } from './apply-pending.js';
import { errorText, openDatabase, type SqliteOptions } from './open-database.js';
import { deliveries } from './queue-rows.js';
import { restoreState } from './restore-state.js';
import { Statements, type DeliveryRow } from './statements.js';
import { WalSync } from './wal-sync.js';
import { WriteBuffer } from './write-buffer.js';

export type { SqliteOptions };

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
  /** The batch's buffered messages and queue rows. */
  private readonly buffer: WriteBuffer;
  /** 0: every row is written at its batch's commit. */
  private readonly graceMs: number;
  private batchNo: number;
  /** Syncs the WAL after commits (synchronous 'full'); null: COMMIT alone is enough. */
  private walSync: WalSync | null;
  /** total_changes() at the last commit that changed rows. */
  private changes: number;

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
    this.buffer = new WriteBuffer();
    this.graceMs = options.inflightGraceMs ?? 0;
    this.batchNo = 0;
    this.changes = 0;
    this.walSync = null;
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

  get batch(): number {
    return this.batchNo;
  }

  get settled(): number {
    const durable = this.walSync?.durableThrough(this.batchNo) ?? this.batchNo;
    return Math.min(durable, this.buffer.deferred.settledThrough(this.batchNo, durable));
  }

  get deferredUntil(): number {
    return this.buffer.deferred.nextDue;
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
    try {
      return openDatabase(this.options, this.location, (db) => {
        this.db = db;
        this.st = new Statements(db);
        if ((this.options.synchronous ?? 'full') === 'full')
          this.walSync = new WalSync(
            `${this.location}-wal`,
            () => this.onBatch?.(),
            this.options.syncWal,
          );
        const restored = restoreState(this.st, db);
        this.nextMessageId = restored.nextMessageId;
        this.nextSeq = restored.nextSeq;
        this.queueRows = restored.queueRows;
        this.committedQueueRows = restored.queueRows;
        return restored.state;
      });
    } catch (error) {
      this.db = null;
      this.st = null;
      throw error;
    }
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
      this.queueRows -= this.buffer.deferred.removeClient(clientId);
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
    this.buffer.storeMessage(id, message);
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
    const row = this.buffer.enqueue(
      clientId,
      seq,
      messageId,
      qos,
      retain,
      subscriptionIds,
      group,
      state,
      packetId,
    );
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
    this.buffer.updateOutbound(clientId, ref, state, packetId);
  }

  removeOutbound(clientId: string, ref: QueueRef): void {
    this.touch();
    this.queueRows--;
    this.buffer.removeOutbound(clientId, ref);
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
    if (messageId !== null) this.buffer.referenceRetained(messageId);
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
    if (this.failure === null) {
      this.applyPending();
      if (this.buffer.deferred.size > 0) {
        this.touch(); // the rows now in the transaction need a commit
        this.writeDeferred(true);
      }
    }
    return this.statements().counts.get() as StoreCounts;
  }

  // ----------------------------------------------------------------- batch

  commit(): boolean {
    return this.endBatch(false);
  }

  /** Commits the batch with the deferred rows that are due (all of them with `all`). */
  private endBatch(all: boolean): boolean {
    // A WAL sync failed: the batches it covered are not durable; fail this one with them.
    const syncFailure = this.walSync?.takeFailure() ?? null;
    if (syncFailure !== null) this.failure ??= syncFailure;
    if (this.failure === null) this.writeDeferred(all);
    let wrote = false;
    if (this.dirty) {
      this.dirty = false;
      if (this.failure === null) this.applyPending();
      if (this.failure === null && this.inTx) {
        try {
          this.buffer.fresh.clear();
          this.statements().commit.run();
          this.inTx = false;
          this.committedQueueRows = this.queueRows;
          wrote = true;
        } catch (error) {
          this.failure = error as Error;
        }
      }
    }
    this.batchNo++;
    if (wrote && this.walSync !== null && this.changedRows()) this.walSync.committed(this.batchNo);
    if (this.failure !== null) {
      this.abandon();
      return false;
    }
    this.buffer.deferred.committed(this.batchNo, performance.now() + this.graceMs);
    return true;
  }

  /**
   * Writes the deferred rows that are due (all with `all`) into the batch; their batches
   * settle when it commits.
   */
  private writeDeferred(all: boolean): void {
    const deferred = this.buffer.deferred;
    if (deferred.size === 0) return;
    const now = performance.now();
    if (!all && !deferred.anyDue(now)) return;
    this.dirty = true;
    if (!this.ensureTx()) return;
    try {
      // Committed by the next endBatch, which will be batch number batchNo + 1.
      insertRows(this.statements(), deferred.takeDue(now, all, this.batchNo + 1), []);
    } catch (error) {
      this.failure = error as Error;
    }
  }

  /** Rolls the failed batch back; the store goes on with the next batch. */
  private abandon(): void {
    this.last = this.failure;
    this.failure = null;
    this.gen++;
    this.buffer.clear();
    this.buffer.fresh.clear();
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
    this.endBatch(true);
    try {
      // With synchronous = NORMAL, closing checkpoints and syncs the database file.
      this.db.close();
    } finally {
      this.db = null;
      this.st = null;
      this.walSync?.close();
      this.walSync = null;
    }
  }

  /**
   * Closes the handle without committing the open batch: what a crash leaves behind
   * (tests only; kill -9 is the real thing).
   */
  closeWithoutCommit(): void {
    if (this.db === null) return;
    this.buffer.clear();
    this.buffer.fresh.clear();
    if (this.db.inTransaction) this.statements().rollback.run();
    this.db.close();
    this.db = null;
    this.st = null;
    this.walSync?.close();
    this.walSync = null;
  }

  // --------------------------------------------------------------- helpers

  /**
   * Whether the transaction just committed changed rows (else it wrote nothing to the WAL
   * and needs no sync: with every delivery acknowledged within the grace, most do not).
   */
  private changedRows(): boolean {
    const n = (this.statements().totalChanges.get() as { n: number }).n;
    if (n === this.changes) return false;
    this.changes = n;
    return true;
  }

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

  /**
   * Applies the buffered messages and queue rows in multi-row statements. A queue row that
   * refers to `messages` adds to its `refs`; deleting one lowers it, and the message goes
   * with its last reference (retained references are counted by triggers).
   */
  private applyPending(): void {
    if (this.buffer.empty) return;
    if (!this.ensureTx()) return;
    const st = this.statements();
    const buffered = this.buffer.take();
    try {
      this.queueRows += applyBuffered(
        st,
        buffered,
        this.buffer.unwritten,
        this.graceMs > 0 ? this.buffer.deferred : null,
      );
    } catch (error) {
      this.failure = error as Error;
    }
  }
}

export type { OutboundRow };
