// The group commit that acks wait for (DESIGN.md "Persistence and durability").
//
// The promise: when PUBACK / PUBREC leaves for a QoS 1/2 message, the message is durable
// for every persistent session it was routed to (or already acknowledged by it). How:
//   1. Every write of an event-loop turn joins one batch (one SQLite transaction).
//   2. An ack whose PUBLISH wrote to the batch is not sent at once but held here.
//   3. The broker's per-turn flush (the setImmediate that writes every client's output)
//      commits first, then releases the acks of every settled batch, then writes the
//      sockets. A batch is settled when the store says it is durable (`store.settled`):
//      - with synchronous 'full' once the WAL sync after its commit has completed (off the
//        event loop; the store wakes the broker then), else at its commit;
//      - a sent QoS 1 delivery may be held back a few ms instead of written (its
//        subscriber's PUBACK usually comes first, and then it is never written): its batch
//        settles when every such row is acknowledged or written, with a timer for the
//        deadline.
//      Acks leave in batch order, so a client's acks keep the order of its PUBLISHes.
//   4. A failed commit or WAL sync (disk full, I/O error) rolls the batch back and refuses
//      every ack still waiting: 0x97 Quota exceeded (v5) or a closed connection (3.1.1,
//      which cannot refuse: the client sends the message again), and the error is logged.
//      Never a crash, never a lost acked message. The messages may still reach subscribers
//      that are online (they were routed in memory): at least once, not lost.
import { PacketType, ReasonCode } from '../codec/index.js';
import type { Persistence } from '../persistence/index.js';
import type { Broker } from './broker.js';
import type { ClientConnection } from './client-connection.js';

/** Warnings about a full store or failing commits: at most one per this many ms. */
export const LOG_EVERY_MS = 10_000;

/** An ack held until the batch that covers its message is committed. */
interface HeldAck {
  readonly client: ClientConnection;
  readonly type: 4 | 5;
  readonly packetId: number;
  readonly code: number;
  /** Its PUBLISH wrote to the batch (else it waits only to keep the ack order). */
  readonly durable: boolean;
}

/** The acks of one batch, sent when the store has settled it. */
interface WaitingAcks {
  readonly batch: number;
  readonly acks: HeldAck[];
}

/** Holds the acks of a turn until the commit that covers their messages. */
export class GroupCommit {
  private readonly store: Persistence;
  private readonly broker: Broker;
  /** This turn's held acks. */
  private held: HeldAck[];
  /** Acks of committed batches that are not settled yet, oldest first. */
  private waiting: WaitingAcks[];
  /** Wakes the broker when held-back rows are due (nothing else may happen before). */
  private wakeTimer: NodeJS.Timeout | null;
  private readonly wake: () => void;
  /** `store.writes` at the last commit: a turn without writes has nothing to commit. */
  private committedWrites: number;
  private failingSince: number;
  /** `store.generation` last seen: a batch failed (here or in another user's commit). */
  private generation: number;
  private failureLoggedAt: number;

  constructor(broker: Broker, store: Persistence) {
    this.broker = broker;
    this.store = store;
    this.held = [];
    this.waiting = [];
    this.wakeTimer = null;
    this.wake = () => {
      this.wakeTimer = null;
      broker.requestCommit();
    };
    this.committedWrites = store.writes;
    this.failingSince = 0;
    this.failureLoggedAt = 0;
    this.generation = store.generation;
  }

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
    if (!durable && this.held.length === 0 && this.waiting.length === 0) {
      client.sendAck(type, packetId, code);
      return;
    }
    this.held.push({ client, type, packetId, code, durable });
  }

  /** Called by the broker's per-turn flush before any socket is written. */
  commitTurn(): void {
    const store = this.store;
    const metrics = this.broker.metrics;
    let ok = true;
    const due = store.deferredUntil !== 0 && performance.now() >= store.deferredUntil;
    const wrote = store.writes !== this.committedWrites || due;
    // With acks waiting, an empty commit still runs: it settles batches and reports a
    // failed WAL sync.
    if (wrote || this.waiting.length > 0) {
      const started = performance.now();
      ok = store.commit();
      this.committedWrites = store.writes;
      if (wrote) {
        metrics.persistenceCommits++;
        metrics.persistenceCommitMs += performance.now() - started;
      }
    }
    // A batch failed since the last turn, maybe in a commit of another store user (the
    // client store): what waits here may have been in it.
    if (store.generation !== this.generation) {
      this.generation = store.generation;
      ok = false;
    }
    if (!ok) this.commitFailed();
    else if (this.failingSince !== 0) {
      this.broker.log.warn(
        { file: store.location, failedForMs: Date.now() - this.failingSince },
        'persistence: commits succeed again',
      );
      this.failingSince = 0;
    }
    if (this.held.length > 0) {
      this.waiting.push({ batch: store.batch, acks: this.held });
      this.held = [];
    }
    // Oldest first: a client's acks leave in the order of its PUBLISHes [MQTT-4.6.0-2].
    while (this.waiting.length > 0) {
      const next = this.waiting[0] as WaitingAcks;
      if (ok && next.batch > store.settled) break;
      this.waiting.shift();
      this.release(next.acks, ok);
    }
    // Held-back rows are written at their deadline even when no ack waits for them (a
    // will or a retained message sent to a subscriber that does not acknowledge it).
    if (this.wakeTimer === null && store.deferredUntil !== 0) {
      const delay = Math.max(0, store.deferredUntil - performance.now()) + 1;
      this.wakeTimer = setTimeout(this.wake, delay);
      this.wakeTimer.unref();
    }
  }

  /** Stops the deadline timer (the broker is stopping). */
  stop(): void {
    if (this.wakeTimer !== null) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
  }

  /** Sends held acks: as they are when `durable`, else refusing those that wrote. */
  private release(acks: HeldAck[], durable: boolean): void {
    for (const a of acks) {
      const client = a.client;
      if (durable || !a.durable) {
        client.sendAck(a.type, a.packetId, a.code);
        continue;
      }
      // Not durable: the publisher must not take it as delivered.
      this.broker.metrics.persistenceRefused++;
      if (a.type === PacketType.PUBREC) client.session?.awaitingRelease.delete(a.packetId);
      if (client.protocolVersion === 5) {
        client.sendAck(a.type, a.packetId, ReasonCode.QUOTA_EXCEEDED);
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
}
