import type { QoS, Subscription } from '../codec/index.js';
import type { QueueRef } from '../persistence/index.js';
import type { Message } from './message.js';
import { RingQueue } from '../collections/ring-queue.js';
import { Timer, type TimerTarget } from './timer-wheel.js';
import type { ClientConnection } from './client-connection.js';
import type { SharedGroup } from '../topic/index.js';
import { PacketIdMap } from '../collections/packet-id-map.js';

export type SharedGroupRef = SharedGroup<Session, SubscriptionRecord>;

/** Session Expiry Interval that means "never expires" [MQTT-3.1.2-?]. */
export const NEVER_EXPIRES = 0xffffffff;

/** A subscription as the session keeps it [MQTT-3.8.3.1]. */
export class SubscriptionRecord {
  /** The filter as the client sent it (with `$share/g/` if shared). */
  readonly rawFilter: string;
  /** The filter matched against topics. */
  readonly filter: string;
  readonly group: string | null;
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
  subscriptionId: number;

  constructor(
    rawFilter: string,
    filter: string,
    group: string | null,
    sub: Subscription,
    subscriptionId: number,
  ) {
    this.rawFilter = rawFilter;
    this.filter = filter;
    this.group = group;
    this.qos = sub.qos;
    this.noLocal = sub.noLocal;
    this.retainAsPublished = sub.retainAsPublished;
    this.retainHandling = sub.retainHandling;
    this.subscriptionId = subscriptionId;
  }
}

/** Outbound QoS 1/2 delivery state [MQTT-4.3]. */
export const OutState = {
  /** Queued, no packet id yet. */
  QUEUED: 0,
  /** PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
  PUBLISHED: 1,
  /** PUBREL sent, waiting for PUBCOMP. */
  RELEASED: 2,
} as const;

export class Outbound {
  readonly message: Message;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly subscriptionIds: number[] | null;
  /** The shared group it was routed through: it goes to another member if this one leaves. */
  readonly group: SharedGroupRef | null;
  packetId: number;
  state: number;
  sentAt: number;
  /** Its row in the persistence queue (durability.ts); null = not persisted. */
  row: QueueRef | null;

  constructor(
    message: Message,
    qos: QoS,
    retain: boolean,
    subscriptionIds: number[] | null,
    group: SharedGroupRef | null,
  ) {
    this.message = message;
    this.qos = qos;
    this.retain = retain;
    this.subscriptionIds = subscriptionIds;
    this.group = group;
    this.packetId = 0;
    this.state = OutState.QUEUED;
    this.sentAt = 0;
    this.row = null;
  }
}

/** Who is told when a session's timers fire (the broker). */
export interface SessionOwner {
  sessionExpired(session: Session): void;
  willDelayElapsed(session: Session): void;
}

/**
 * The state that outlives a connection [MQTT-4.1]: subscriptions, QoS 1/2 messages in
 * flight or queued towards the client, and QoS 2 packet ids received but not yet released.
 */
export class Session implements TimerTarget {
  readonly clientId: string;
  private readonly owner: SessionOwner;
  client: ClientConnection | null;
  readonly subscriptions: Map<string, SubscriptionRecord>;
  /** Outbound QoS>0 messages by packet id; values() in send order (packet-id-map.ts). */
  readonly inflight: PacketIdMap<Outbound>;
  /** Outbound messages waiting for a free slot in the window or for the client to return. */
  readonly queue: RingQueue<Outbound>;
  /** Inbound QoS 2 packet ids: PUBREC sent, PUBREL not yet received [MQTT-4.3.3-?]. */
  readonly awaitingRelease: Set<number>;
  /** Seconds the session lives after its connection ends; 0xFFFFFFFF = never expires. */
  expiryInterval: number;
  readonly expiryTimer: Timer;
  /** A will waiting out its Will Delay Interval after the connection was lost. */
  delayedWill: Message | null;
  readonly willTimer: Timer;
  private nextId: number;

  // Persistence (durability.ts). A persisted session has a row per queued / in-flight
  // delivery; `queue` then holds only a window of the queued ones, and `spilled` more wait
  // in the store only, after seq `loadedSeq`, read back in pages as the queue drains.
  persisted: boolean;
  spilled: number;
  loadedSeq: number;

  // Per-publish routing scratch (see router.ts): avoids a Map per PUBLISH.
  routeEpoch: number;
  routeQos: number;
  routeRetainAsPublished: boolean;
  routeSubscriptionIds: number[] | null;

  constructor(clientId: string, owner: SessionOwner) {
    this.clientId = clientId;
    this.owner = owner;
    this.client = null;
    this.subscriptions = new Map();
    this.inflight = new PacketIdMap();
    this.queue = new RingQueue();
    this.awaitingRelease = new Set();
    this.expiryInterval = 0;
    this.expiryTimer = new Timer(this);
    this.delayedWill = null;
    this.willTimer = new Timer(this);
    this.nextId = 1;
    this.persisted = false;
    this.spilled = 0;
    this.loadedSeq = 0;
    this.routeEpoch = 0;
    this.routeQos = 0;
    this.routeRetainAsPublished = false;
    this.routeSubscriptionIds = null;
  }

  onTimer(timer: Timer): void {
    if (timer === this.expiryTimer) this.owner.sessionExpired(this);
    else this.owner.willDelayElapsed(this);
  }

  /** Messages held for the client: in flight plus queued (bounded by max_mqueue_len). */
  get pendingCount(): number {
    return this.inflight.size + this.queue.length;
  }

  /** A free, non-zero packet id [MQTT-2.2.1-3]; 0 when all 65535 are in use. */
  allocatePacketId(): number {
    if (this.inflight.size >= 65_535) return 0;
    let id = this.nextId;
    while (this.inflight.has(id)) id = id === 65_535 ? 1 : id + 1;
    this.nextId = id === 65_535 ? 1 : id + 1;
    return id;
  }
}
