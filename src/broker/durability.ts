// The broker's side of persistence (DESIGN.md "Persistence and durability"): which state is
// written, the group commit that acks wait for, restore at start, and the stored backlog
// that is streamed back in pages.
//
// The promise: when PUBACK / PUBREC leaves for a QoS 1/2 message, the message is committed
// for every persistent session it was routed to. How it is kept without a timer:
//   1. Every write of an event-loop turn joins one batch (one SQLite transaction).
//   2. An ack whose PUBLISH wrote to the batch is not sent at once but held here.
//   3. The broker's per-turn flush (the setImmediate that writes every client's output)
//      commits first, then releases the held acks, then writes the sockets. An ack never
//      leaves before the commit that covers its message, and no ack waits longer than the
//      turn it was made in.
//   4. A failed commit (disk full, I/O error) rolls the batch back: its acks become 0x97
//      Quota exceeded (v5) or a closed connection (3.1.1, which cannot refuse: the client
//      sends the message again), and the error is logged. Never a crash, never a lost acked
//      message. The batch's messages may still reach subscribers that are online (they
//      were routed in memory): at least once, not lost.
//
// Only sessions that outlive their connection (3.1.1 clean session 0, v5 session expiry
// > 0) and retained messages are written; clean-session traffic and QoS 0 never are.
import { PacketType, ReasonCode, encodePubAckLike } from '../codec/index.js';
import {
  OutboundState,
  PersistenceError,
  type MessageData,
  type Persistence,
  type QueueRef,
  type RestoredSession,
  type StoredDelivery,
  type WillData,
} from '../persistence/index.js';
import { TopicError, parseSubscriptionFilter } from '../topic/index.js';
import type { Broker } from './broker.js';
import type { ClientConnection } from './client-connection.js';
import { Message } from './message.js';
import {
  OutState,
  Outbound,
  SubscriptionRecord,
  type Session,
  type SharedGroupRef,
} from './session.js';
import { Timer, type TimerTarget } from './timer-wheel.js';

/** Session Expiry Interval that means "never expires" (as handlers/connect.ts). */
const NEVER_EXPIRES = 0xffffffff;
/** Warnings about a full store or failing commits: at most one per this many ms. */
const LOG_EVERY_MS = 10_000;

/** An ack held until the batch that covers its message is committed. */
interface HeldAck {
  readonly client: ClientConnection;
  readonly type: 4 | 5;
  readonly packetId: number;
  readonly code: number;
  /** Its PUBLISH wrote to the batch (else it waits only to keep the ack order). */
  readonly durable: boolean;
}

function groupKey(group: SharedGroupRef | null): string | null {
  return group === null ? null : `${group.name}/${group.filter}`;
}

function messageOf(m: MessageData): Message {
  const message = new Message(
    m.topic,
    m.payload,
    m.qos,
    m.retain,
    m.properties,
    m.expiresAt,
    m.origin,
  ).markOwned();
  message.storeId = m.id;
  return message;
}

export class Durability implements TimerTarget {
  readonly store: Persistence;
  private readonly broker: Broker;
  private held: HeldAck[];
  private closed: boolean;
  /** Retries reads of stored backlogs that failed (after `resendInterval`). */
  private readonly retryTimer: Timer;
  private readonly retryReads: Set<Session>;
  /** `store.writes` at the last commit: a turn without writes has nothing to commit. */
  private committedWrites: number;
  private failingSince: number;
  private failureLoggedAt: number;
  private fullLoggedAt: number;
  private fullEvents: number;

  constructor(broker: Broker, store: Persistence) {
    this.broker = broker;
    this.store = store;
    this.held = [];
    this.closed = false;
    this.retryTimer = new Timer(this);
    this.retryReads = new Set();
    this.committedWrites = store.writes;
    this.failingSince = 0;
    this.failureLoggedAt = 0;
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
    return this.store.writes;
  }

  /**
   * PUBACK / PUBREC for an inbound PUBLISH. Held until the turn's commit when the PUBLISH
   * wrote to the batch (or an earlier ack of this turn is held: acks keep their order).
   */
  ack(client: ClientConnection, type: 4 | 5, packetId: number, code: number, mark: number): void {
    const durable = this.store.writes !== mark;
    if (!durable && this.held.length === 0) {
      client.send(
        encodePubAckLike(
          { type, packetId, reasonCode: code, properties: null },
          client.protocolVersion,
        ),
      );
      return;
    }
    this.held.push({ client, type, packetId, code, durable });
  }

  /** Called by the broker's per-turn flush before any socket is written. */
  commitTurn(): void {
    if (this.closed) return;
    const metrics = this.broker.metrics;
    let ok = true;
    if (this.store.writes !== this.committedWrites) {
      const started = performance.now();
      ok = this.store.commit();
      this.committedWrites = this.store.writes;
      metrics.persistenceCommits++;
      metrics.persistenceCommitMs += performance.now() - started;
    }
    if (!ok) this.commitFailed();
    else if (this.failingSince !== 0) {
      this.broker.log.warn(
        { file: this.store.location, failedForMs: Date.now() - this.failingSince },
        'persistence: commits succeed again',
      );
      this.failingSince = 0;
    }
    if (this.held.length === 0) return;
    const acks = this.held;
    this.held = [];
    for (const a of acks) {
      const client = a.client;
      if (ok || !a.durable) {
        client.send(
          encodePubAckLike(
            { type: a.type, packetId: a.packetId, reasonCode: a.code, properties: null },
            client.protocolVersion,
          ),
        );
        continue;
      }
      // Not durable: the publisher must not take it as delivered.
      this.broker.metrics.persistenceRefused++;
      if (a.type === PacketType.PUBREC) client.session?.awaitingRelease.delete(a.packetId);
      if (client.protocolVersion === 5) {
        client.send(
          encodePubAckLike(
            {
              type: a.type,
              packetId: a.packetId,
              reasonCode: ReasonCode.QUOTA_EXCEEDED,
              properties: null,
            },
            5,
          ),
        );
      } else {
        // 3.1.1 has no failure ack: without one the client sends the message again.
        client.disconnect(ReasonCode.QUOTA_EXCEEDED, 'persistence failed');
      }
    }
  }

  private commitFailed(): void {
    const now = Date.now();
    this.broker.metrics.persistenceFailures++;
    if (this.failingSince === 0) this.failingSince = now;
    if (now - this.failureLoggedAt >= LOG_EVERY_MS) {
      this.failureLoggedAt = now;
      this.broker.log.error(
        {
          file: this.store.location,
          err: this.store.lastError,
          failures: this.broker.metrics.persistenceFailures,
        },
        'persistence: commit failed; QoS>0 publishes of this batch refused (0x97)',
      );
    }
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
    const will = client.will;
    this.store.setWill(
      session.clientId,
      will === null
        ? null
        : {
            topic: will.topic,
            payload: will.payload,
            qos: will.qos,
            retain: will.retain,
            properties: will.properties,
            expiryInterval: client.willExpiry,
            delay: client.willDelay,
            publishAt: 0,
          },
    );
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
    const will = session.delayedWill;
    this.store.setWill(
      session.clientId,
      will === null
        ? null
        : {
            topic: will.topic,
            payload: will.payload,
            qos: will.qos,
            retain: will.retain,
            properties: will.properties,
            expiryInterval: client.willExpiry,
            delay: client.willDelay,
            publishAt: now + client.willDelay * 1000,
          },
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
    for (const d of page) session.queue.push(this.outbound(d));
    session.loadedSeq = last.row.seq;
    return true;
  }

  onTimer(): void {
    const sessions = [...this.retryReads];
    this.retryReads.clear();
    for (const session of sessions) this.broker.delivery.pump(session);
  }

  private outbound(d: StoredDelivery, message: Message = messageOf(d.message)): Outbound {
    const row = d.row;
    let group: SharedGroupRef | null = null;
    if (row.group !== null) {
      const slash = row.group.indexOf('/');
      group =
        this.broker.router.trie.getGroup(row.group.slice(slash + 1), row.group.slice(0, slash)) ??
        null;
    }
    const out = new Outbound(
      message,
      row.qos,
      row.retain,
      row.subscriptionIds === null ? null : [...row.subscriptionIds],
      group,
    );
    out.row = row;
    return out;
  }

  // ----------------------------------------------------------------- restore

  /**
   * Loads everything before the listeners open: sessions (offline) with subscriptions,
   * in-flight deliveries (resent with DUP on resume), QoS 2 ids, wills and their delays,
   * retained messages. Queued messages stay in the store and are read as sessions drain.
   * Throws PersistenceError when the store cannot be opened.
   */
  restore(): void {
    const started = Date.now();
    const state = this.store.open();
    const broker = this.broker;
    const now = Date.now();
    const shared = new Map<number, Message>();
    const message = (m: MessageData): Message => {
      let msg = shared.get(m.id);
      if (msg === undefined) {
        msg = messageOf(m);
        shared.set(m.id, msg);
      }
      return msg;
    };
    for (const m of state.retained) broker.retained.set(message(m));
    const expired: Session[] = [];
    const wills: Session[] = [];
    let queued = 0;
    for (const s of state.sessions) {
      const session = broker.sessions.restore(s.clientId);
      session.persisted = true;
      session.expiryInterval = s.expiryInterval;
      this.restoreSubscriptions(session, s);
      for (const id of s.awaitingRelease) session.awaitingRelease.add(id);
      this.restoreInflight(session, s.inflight, message);
      session.spilled = s.queued;
      queued += s.queued;
      if (s.expiryInterval !== NEVER_EXPIRES) {
        // A session whose client was connected at the crash: its clock starts now.
        const expiresAt = s.expiresAt === 0 ? now + s.expiryInterval * 1000 : s.expiresAt;
        if (s.expiresAt === 0)
          this.store.upsertSession({
            clientId: s.clientId,
            expiryInterval: s.expiryInterval,
            expiresAt,
          });
        if (expiresAt <= now) expired.push(session);
        else broker.timers.schedule(session.expiryTimer, expiresAt - now);
      }
      if (s.will !== null && this.restoreWill(session, s.will, now)) wills.push(session);
    }
    // Due wills go out (to the restored sessions), then expired sessions end.
    for (const session of wills) broker.publishDelayedWill(session);
    for (const session of expired) broker.endSession(session);
    if (!this.store.commit())
      throw new PersistenceError(
        'EMQ_ERR_PERSIST_IO',
        this.store.location,
        `${this.store.location}: writing the restored state failed (${String(this.store.lastError)})`,
        { cause: this.store.lastError },
      );
    broker.log.info(
      {
        file: this.store.location,
        sessions: state.sessions.length,
        retained: state.retained.length,
        queued,
        ms: Date.now() - started,
      },
      'persistence: state restored',
    );
  }

  private restoreSubscriptions(session: Session, s: RestoredSession): void {
    for (const sub of s.subscriptions) {
      const parsed = parseSubscriptionFilter(sub.rawFilter);
      if (parsed instanceof TopicError) {
        this.broker.log.warn(
          { clientId: s.clientId, filter: sub.rawFilter },
          'persistence: stored subscription ignored (invalid filter)',
        );
        continue;
      }
      this.broker.router.add(
        session,
        new SubscriptionRecord(
          sub.rawFilter,
          parsed.filter,
          parsed.group,
          {
            topicFilter: sub.rawFilter,
            qos: sub.qos,
            noLocal: sub.noLocal,
            retainAsPublished: sub.retainAsPublished,
            retainHandling: sub.retainHandling,
          },
          sub.subscriptionId,
        ),
      );
    }
  }

  /**
   * The in-flight window, resent on resume (PUBLISH with DUP, or PUBREL) in seq order.
   * Rows keep their packet ids (a QoS 2 receiver knows a resent PUBLISH by its id); rows
   * without one (QoS 1 sent without an update) get ids no kept row uses.
   */
  private restoreInflight(
    session: Session,
    window: StoredDelivery[],
    message: (m: MessageData) => Message,
  ): void {
    const outs: Outbound[] = [];
    const fresh: Outbound[] = [];
    for (const d of window) {
      const out = this.outbound(d, message(d.message));
      const row = d.row;
      session.loadedSeq = Math.max(session.loadedSeq, row.seq);
      outs.push(out);
      if (
        row.state !== OutboundState.QUEUED &&
        row.packetId !== 0 &&
        !session.inflight.has(row.packetId)
      ) {
        out.packetId = row.packetId;
        out.state = row.state;
        session.inflight.set(out.packetId, out); // reserves the id
      } else {
        out.state = row.state === OutboundState.RELEASED ? OutState.RELEASED : OutState.PUBLISHED;
        fresh.push(out);
      }
    }
    for (const out of fresh) {
      out.packetId = session.allocatePacketId();
      if (out.packetId !== 0) session.inflight.set(out.packetId, out);
      if (out.qos === 2 && out.packetId !== 0)
        this.store.updateOutbound(
          session.clientId,
          out.row as QueueRef,
          out.state as 1 | 2,
          out.packetId,
        );
    }
    // Rebuild in seq order (the Map's order is the resend order).
    session.inflight.clear();
    for (const out of outs) {
      if (out.packetId !== 0) session.inflight.set(out.packetId, out);
      else {
        out.state = OutState.QUEUED;
        session.queue.push(out); // all 65535 ids taken: waits for a free one
      }
    }
  }

  /** A stored will: due now (true), or waits out the rest of its delay. */
  private restoreWill(session: Session, will: WillData, now: number): boolean {
    // Alive at the crash: the connection counts as lost now [MQTT-3.1.2-8].
    const publishAt = will.publishAt !== 0 ? will.publishAt : now + will.delay * 1000;
    const lostAt = publishAt - will.delay * 1000;
    session.delayedWill = new Message(
      will.topic,
      will.payload,
      will.qos,
      will.retain,
      will.properties,
      will.expiryInterval > 0 ? lostAt + will.expiryInterval * 1000 : 0,
      session.clientId,
    ).markOwned();
    if (publishAt <= now || session.expiryInterval === 0) return true;
    if (will.publishAt === 0) this.store.setWill(session.clientId, { ...will, publishAt });
    this.broker.timers.schedule(session.willTimer, publishAt - now);
    return false;
  }

  // ----------------------------------------------------------------- closing

  /** Commits what is pending and closes the store (broker.stop). */
  close(): void {
    if (this.closed) return;
    this.commitTurn();
    this.closed = true;
    this.broker.timers.cancel(this.retryTimer);
    try {
      this.store.close();
    } catch (error) {
      this.broker.log.error({ err: error, file: this.store.location }, 'persistence: close failed');
    }
  }
}
