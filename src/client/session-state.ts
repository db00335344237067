// The client side of the session [MQTT-4.1]: packet identifiers, QoS 1/2 messages in
// flight out, QoS 2 messages received but not released, and pending SUBSCRIBE /
// UNSUBSCRIBE requests. Lives across connections; cleared when the broker has no session.
import type { Properties, Subscription } from '../codec/index.js';
import { RingQueue } from '../collections/ring-queue.js';
import { OutgoingMessage } from './message.js';
import { OutgoingState, type MessageStore } from './store.js';

/** A SUBSCRIBE or UNSUBSCRIBE waiting for its ack. */
export class PendingRequest {
  readonly kind: 'subscribe' | 'unsubscribe';
  readonly subscriptions: Subscription[];
  readonly topicFilters: string[];
  readonly properties: Properties | null;
  /** Reason codes (UNSUBACK of 3.1.1: one 0x00 per filter), or the error. */
  readonly settle: (error: Error | null, codes: number[]) => void;

  constructor(
    kind: 'subscribe' | 'unsubscribe',
    subscriptions: Subscription[],
    topicFilters: string[],
    properties: Properties | null,
    settle: (error: Error | null, codes: number[]) => void,
  ) {
    this.kind = kind;
    this.subscriptions = subscriptions;
    this.topicFilters = topicFilters;
    this.properties = properties;
    this.settle = settle;
  }
}

export class SessionState {
  /** QoS 1/2 messages holding a packet identifier, in send order. */
  readonly inflight: Map<number, OutgoingMessage>;
  /** Messages waiting for a connection or for room in the window, oldest first. */
  readonly queue: RingQueue<OutgoingMessage>;
  /** QoS 2 packet ids received and PUBREC'd, not yet released: duplicates are not emitted. */
  readonly inboundQos2: Set<number>;
  readonly requests: Map<number, PendingRequest>;
  /** Inflight messages sent on the current connection: what the window counts. */
  sentCount: number;
  private nextId: number;
  private nextSeq: number;

  constructor() {
    this.inflight = new Map();
    this.queue = new RingQueue();
    this.inboundQos2 = new Set();
    this.requests = new Map();
    this.sentCount = 0;
    this.nextId = 1;
    this.nextSeq = 1;
  }

  /** Takes over what a store kept from an earlier run (or an earlier client object). */
  restore(store: MessageStore): void {
    for (const stored of store.load()) {
      const m = OutgoingMessage.fromStored(stored);
      if (m.seq >= this.nextSeq) this.nextSeq = m.seq + 1;
      if (m.state !== OutgoingState.QUEUED && m.packetId !== 0 && !this.inflight.has(m.packetId)) {
        this.inflight.set(m.packetId, m);
      } else {
        m.packetId = 0;
        m.state = OutgoingState.QUEUED;
        this.queue.push(m);
      }
    }
  }

  takeSeq(): number {
    return this.nextSeq++;
  }

  /** A free packet identifier (1..65535, never 0 [MQTT-2.2.1-3]), or 0 when all are in use. */
  allocateId(): number {
    for (let tries = 0; tries < 65535; tries++) {
      const id = this.nextId;
      this.nextId = id === 65535 ? 1 : id + 1;
      if (!this.inflight.has(id) && !this.requests.has(id)) return id;
    }
    return 0;
  }

  /** After a connection is lost: nothing is in flight on a connection any more. */
  connectionLost(): void {
    for (const m of this.inflight.values()) m.sent = false;
    this.sentCount = 0;
  }
}
