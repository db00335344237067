// The broker's side of persistence (DESIGN.md "Persistence and durability"): which state is
// written, the group commit that acks wait for, restore at start, and the stored backlog
// that is streamed back in pages.
//
// The group commit that acks wait for is group-commit.ts; restore at start is
// durable-restore.ts.
//
// Only sessions that outlive their connection (3.1.1 clean session 0, v5 session expiry
// > 0) and retained messages are written; clean-session traffic and QoS 0 never are.
import {
  OutboundState,
  type Persistence,
  type QueueRef,
  type StoredDelivery,
  type WillData,
} from '../persistence/types.js';
import type { Broker } from './broker.js';
import type { ClientConnection } from './client-connection.js';
import { restoreDurableState } from './durable-restore.js';
import { GroupCommit, LOG_EVERY_MS } from './group-commit.js';
import type { Message } from './message.js';
import { NEVER_EXPIRES, type Outbound, type Session, type SubscriptionRecord } from './session.js';
import { groupKey, outboundOf } from './stored-delivery.js';
import { Timer, type TimerTarget } from './timer-wheel.js';

export class Durability implements TimerTarget {
  readonly store: Persistence;
  private readonly broker: Broker;
  private readonly groupCommit: GroupCommit;
  private closed: boolean;
  /** Retries reads of stored backlogs that failed (after `resendInterval`). */
  private readonly retryTimer: Timer;
  private readonly retryReads: Set<Session>;
  private fullLoggedAt: number;
  private fullEvents: number;

  constructor(broker: Broker, store: Persistence) {
    this.broker = broker;
    this.store = store;
    this.groupCommit = new GroupCommit(broker, store);
    this.closed = false;
    this.retryTimer = new Timer(this);
    this.retryReads = new Set();
    this.fullLoggedAt = 0;
    this.fullEvents = 0;
    store.onBatch = () => {
      broker.requestCommit();
    };
  }

  /** Queued messages a persistent session keeps in memory; also the page size. */
  private get window(): number {
    return Math.max(1, this.broker.options.persistence.flushMemThreshold);
  }

  // ------------------------------------------------------------ group commit

  /** The write counter before a PUBLISH is routed: `ack()` compares it. */
  get mark(): number {
    return this.groupCommit.mark;
  }

  /** PUBACK / PUBREC for an inbound PUBLISH (GroupCommit.ack). */
  ack(client: ClientConnection, type: 4 | 5, packetId: number, code: number, mark: number): void {
    this.groupCommit.ack(client, type, packetId, code, mark);
  }

  /** Called by the broker's per-turn flush before any socket is written. */
  commitTurn(): void {
    if (this.closed) return;
    this.groupCommit.commitTurn();
  }

  // ------------------------------------------------------------------- state

  /** After CONNECT bound `client` to `session` (session-registry.ts attach). */
  attached(session: Session, client: ClientConnection): void {
    if (session.expiryInterval === 0) {
      if (session.persisted) this.unpersist(session);
      return;
    }
    if (!session.persisted) this.persistAll(session);
    else
      this.store.upsertSession({
        clientId: session.clientId,
        expiryInterval: session.expiryInterval,
        expiresAt: 0,
      });
    this.store.setWill(session.clientId, storedWill(client.will, client, 0));
  }

  /** The connection of a session that lives on ended: its expiry deadline and will. */
  detached(session: Session, client: ClientConnection): void {
    if (!session.persisted || session.expiryInterval === 0) return;
    const now = Date.now();
    this.store.upsertSession({
      clientId: session.clientId,
      expiryInterval: session.expiryInterval,
      expiresAt: session.expiryInterval === NEVER_EXPIRES ? 0 : now + session.expiryInterval * 1000,
    });
    this.store.setWill(
      session.clientId,
      storedWill(session.delayedWill, client, now + client.willDelay * 1000),
    );
  }

  /** A delayed will was published: the session lives on without it. */
  willPublished(session: Session): void {
    if (session.persisted) this.store.setWill(session.clientId, null);
  }

  ended(session: Session): void {
    this.retryReads.delete(session);
    if (!session.persisted) return;
    session.persisted = false;
    session.spilled = 0;
    this.store.deleteSession(session.clientId);
  }

  subscribed(session: Session, record: SubscriptionRecord): void {
    if (!session.persisted) return;
    this.store.addSubscription(session.clientId, {
      rawFilter: record.rawFilter,
      qos: record.qos,
      noLocal: record.noLocal,
      retainAsPublished: record.retainAsPublished,
      retainHandling: record.retainHandling,
      subscriptionId: record.subscriptionId,
    });
  }

  unsubscribed(session: Session, rawFilter: string): void {
    if (session.persisted) this.store.removeSubscription(session.clientId, rawFilter);
  }

  /** Inbound QoS 2 id owned (PUBREC) or released (PUBREL). */
  awaiting(session: Session, packetId: number, owned: boolean): void {
    if (session.persisted) this.store.setAwaitingRelease(session.clientId, packetId, owned);
  }

  /** A retained message was set or cleared. $SYS statistics are made again, not kept. */
  retained(message: Message): void {
    if (message.topic.startsWith('$SYS/')) return;
    if (message.payload.length === 0) {
      this.store.setRetained(message.topic, null);
      return;
    }
    this.ensureStored(message);
    this.store.setRetained(message.topic, message.storeId);
  }

  /** A session becomes persistent while it already holds state (resumed with expiry > 0). */
  private persistAll(session: Session): void {
    session.persisted = true;
    const id = session.clientId;
    this.store.upsertSession({
      clientId: id,
      expiryInterval: session.expiryInterval,
      expiresAt: 0,
    });
    for (const record of session.subscriptions.values()) this.subscribed(session, record);
    for (const packetId of session.awaitingRelease)
      this.store.setAwaitingRelease(id, packetId, true);
    for (const out of session.inflight.values())
      this.insert(session, out, out.state as 0 | 1 | 2, out.packetId);
    for (const out of session.queue.toArray()) {
      this.insert(session, out, OutboundState.QUEUED, 0);
      session.loadedSeq = (out.row as QueueRef).seq;
    }
  }

  /**
   * A persistent session resumed without expiry: what it holds comes back to memory,
   * bounded by max_mqueue_len like any in-memory session (the rest is dropped, counted),
   * and leaves the store.
   */
  private unpersist(session: Session): void {
    const limit = this.broker.options.maxMqueueLen;
    while (session.spilled > 0 && session.pendingCount < limit) if (!this.refill(session)) break;
    if (session.spilled > 0) {
      this.broker.metrics.messagesDropped += session.spilled;
      this.broker.log.warn(
        { clientId: session.clientId, dropped: session.spilled },
        'persistence: session resumed without expiry; stored messages beyond max_mqueue_len dropped',
      );
    }
    for (const out of session.inflight.values()) out.row = null;
    for (const out of session.queue.toArray()) out.row = null;
    this.ended(session);
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Room for one more stored delivery (disk_cache_size)? When full: refused, or the
   * oldest queued message dropped to make room (fullPolicy); counted and logged.
   */
  admit(session: Session): boolean {
    const options = this.broker.options.persistence;
    if (options.diskCacheSize === 0 || this.store.queuedCount < options.diskCacheSize) return true;
    const metrics = this.broker.metrics;
    let admitted = false;
    if (options.fullPolicy === 'drop_oldest' && this.dropOldest(session)) {
      metrics.persistenceDropped++;
      admitted = true;
    } else {
      metrics.persistenceRefused++;
    }
    this.fullEvents++;
    const now = Date.now();
    if (now - this.fullLoggedAt >= LOG_EVERY_MS) {
      this.fullLoggedAt = now;
      this.broker.log.warn(
        {
          stored: this.store.queuedCount,
          diskCacheSize: options.diskCacheSize,
          policy: options.fullPolicy,
          refused: metrics.persistenceRefused,
          dropped: metrics.persistenceDropped,
          events: this.fullEvents,
        },
        options.fullPolicy === 'refuse'
          ? 'persistence: disk_cache_size reached; new messages for persistent sessions refused'
          : 'persistence: disk_cache_size reached; oldest queued messages dropped',
      );
      this.fullEvents = 0;
    }
    return admitted;
  }

  /** Drops the oldest queued message: of `prefer`, else the oldest of any session. */
  private dropOldest(prefer: Session): boolean {
    let victim: Session | null = prefer.queue.length > 0 || prefer.spilled > 0 ? prefer : null;
    if (victim === null) {
      let best = Infinity;
      for (const s of this.broker.sessions.values()) {
        if (!s.persisted) continue;
        const head = s.queue.peek()?.row?.seq ?? (s.spilled > 0 ? s.loadedSeq + 1 : Infinity);
        if (head < best) {
          best = head;
          victim = s;
        }
      }
    }
    if (victim === null) return false;
    if (victim.queue.length === 0) this.refill(victim);
    const out = victim.queue.shift();
    if (out === undefined) return false;
    this.done(victim, out);
    this.broker.delivery.dropped(victim, out.message, 'store full');
    return true;
  }

  /** A new delivery that is not sent now: in the memory window, or in the store only. */
  queue(session: Session, out: Outbound): void {
    this.insert(session, out, OutboundState.QUEUED, 0);
    if (session.spilled === 0 && session.queue.length < this.window) {
      session.queue.push(out);
      session.loadedSeq = (out.row as QueueRef).seq;
    } else {
      out.row = null; // not kept in memory: read back from the store
      session.spilled++;
    }
  }

  /** A delivery went out with its packet id (Delivery.send). */
  sent(session: Session, out: Outbound): void {
    if (out.row === null) this.insert(session, out, OutboundState.PUBLISHED, out.packetId);
    // QoS 1 rows are not updated: restored as sent anyway (see RestoredSession.inflight).
    else if (out.qos === 2)
      this.store.updateOutbound(session.clientId, out.row, OutboundState.PUBLISHED, out.packetId);
  }

  /** PUBREC received: the QoS 2 delivery waits for PUBCOMP. */
  released(session: Session, out: Outbound): void {
    if (out.row !== null)
      this.store.updateOutbound(session.clientId, out.row, OutboundState.RELEASED, out.packetId);
  }

  /** A delivery is complete, dropped or handed to another session. */
  done(session: Session, out: Outbound): void {
    if (out.row === null) return;
    this.store.removeOutbound(session.clientId, out.row);
    out.row = null;
  }

  private insert(session: Session, out: Outbound, state: 0 | 1 | 2, packetId: number): void {
    this.ensureStored(out.message);
    out.row = this.store.enqueue(
      session.clientId,
      out.message.storeId,
      out.qos === 2 ? 2 : 1,
      out.retain,
      out.subscriptionIds,
      groupKey(out.group),
      state,
      packetId,
    );
  }

  /**
   * Stores the message (once per batch: the store ignores an id it has). Asked on every
   * new reference, so a message whose earlier references are gone is stored again.
   */
  private ensureStored(message: Message): void {
    if (message.storeId === 0) message.storeId = this.store.allocateMessageId();
    this.store.storeMessage(message.storeId, message);
  }

  /**
   * Reads the next page of a session's stored backlog into its queue. False when nothing
   * came (none left, or the read failed: retried after resendInterval).
   */
  refill(session: Session): boolean {
    if (session.spilled <= 0 || this.closed) return false;
    let page: StoredDelivery[];
    try {
      page = this.store.readQueuePage(session.clientId, session.loadedSeq, this.window);
    } catch (error) {
      this.broker.log.error(
        { clientId: session.clientId, err: error },
        'persistence: reading stored messages failed; retrying',
      );
      this.retryReads.add(session);
      if (!this.retryTimer.scheduled)
        this.broker.timers.schedule(
          this.retryTimer,
          this.broker.options.persistence.resendInterval * 1000,
        );
      return false;
    }
    const last = page[page.length - 1];
    if (last === undefined) {
      session.spilled = 0; // the count was off (rows of a failed batch): nothing is left
      return false;
    }
    session.spilled = Math.max(0, session.spilled - page.length);
    for (const d of page) session.queue.push(outboundOf(this.broker, d));
    session.loadedSeq = last.row.seq;
    return true;
  }

  onTimer(): void {
    const sessions = [...this.retryReads];
    this.retryReads.clear();
    for (const session of sessions) this.broker.delivery.pump(session);
  }

  // ----------------------------------------------------------------- restore

  /**
   * Loads everything before the listeners open: sessions (offline) with subscriptions,
   * in-flight deliveries (resent with DUP on resume), QoS 2 ids, wills and their delays,
   * retained messages. Queued messages stay in the store and are read as sessions drain.
   * Throws PersistenceError when the store cannot be opened.
   */
  restore(): void {
    restoreDurableState(this.broker, this.store);
  }

  // ----------------------------------------------------------------- closing

  /** Commits what is pending and closes the store (broker.stop). */
  close(): void {
    if (this.closed) return;
    this.commitTurn();
    this.closed = true;
    this.groupCommit.stop();
    this.broker.timers.cancel(this.retryTimer);
    try {
      this.store.close();
    } catch (error) {
      this.broker.log.error({ err: error, file: this.store.location }, 'persistence: close failed');
    }
  }
}

/** The will as the store keeps it; `publishAt` is 0 while its connection is up. */
function storedWill(
  will: Message | null,
  client: ClientConnection,
  publishAt: number,
): WillData | null {
  if (will === null) return null;
  return {
    topic: will.topic,
    payload: will.payload,
    qos: will.qos,
    retain: will.retain,
    properties: will.properties,
    expiryInterval: client.willExpiry,
    delay: client.willDelay,
    publishAt,
  };
}
