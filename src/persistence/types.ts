// The persistence interface: narrow, synchronous and write-behind (DESIGN.md "Persistence
// and durability"). Memory holds the live state; a Persistence is the log that is read
// back at start. Mutations are cheap calls that join the current batch; `commit()` ends
// the batch (SQLite: one transaction). Nothing here returns a promise: the broker calls it
// inline on the hot path and only `open()` and `readQueuePage()` read.
import type { Properties, QoS } from '../codec/index.js';

/**
 * A message as it is stored: once, whatever number of queue rows and retained entries
 * refer to it. The broker's `Message` has these fields, so it is passed as it is.
 */
export interface StorableMessage {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** Forwardable v5 properties (no topic alias, no subscription identifiers). */
  readonly properties: Properties | null;
  /** Wall-clock ms after which it must not be delivered; 0 = never. */
  readonly expiresAt: number;
  /** The publisher's client id ('' = the broker), for No Local. */
  readonly origin: string;
}

/** A stored message with its id. */
export interface MessageData extends StorableMessage {
  readonly id: number;
}

/** Where an outbound QoS 1/2 delivery is (the broker's `OutState`). */
export const OutboundState = {
  /** Waiting for a window slot or for the client; no packet id yet. */
  QUEUED: 0,
  /** PUBLISH sent with `packetId`; resent with DUP after a restart. */
  PUBLISHED: 1,
  /** QoS 2 past PUBREC: PUBREL sent; resent as PUBREL after a restart. */
  RELEASED: 2,
} as const;
export type OutboundStateValue = (typeof OutboundState)[keyof typeof OutboundState];

/**
 * A queue row as its store knows it: what `enqueue` returns and `updateOutbound` /
 * `removeOutbound` take. Stores may keep more in it (what deleting the row needs).
 */
export interface QueueRef {
  /** Store-wide increasing sequence number: the queue order, and the row's key. */
  readonly seq: number;
}

/** One delivery owed to a session: a row of the session's queue, in `seq` order. */
export interface OutboundRow extends QueueRef {
  readonly clientId: string;
  readonly messageId: number;
  readonly qos: 1 | 2;
  /** The retain flag the delivery carries (Retain As Published). */
  readonly retain: boolean;
  readonly subscriptionIds: readonly number[] | null;
  /** `<group>/<filter>` of the shared subscription it came through, or null. */
  readonly group: string | null;
  readonly state: OutboundStateValue;
  readonly packetId: number;
}

/** A queue row with its message, as `open()` and `readQueuePage()` return it. */
export interface StoredDelivery {
  readonly row: OutboundRow;
  readonly message: MessageData;
}

/** A session that outlives its connection (3.1.1 clean session 0, v5 session expiry > 0). */
export interface SessionData {
  readonly clientId: string;
  /** Seconds; 0xFFFFFFFF = never expires. */
  readonly expiryInterval: number;
  /**
   * Wall-clock ms at which the session expires. 0 while a client is connected (or when it
   * never expires): a session restored with 0 starts its expiry clock at the restart.
   */
  readonly expiresAt: number;
}

/** A subscription as the session keeps it. */
export interface SubscriptionData {
  /** The filter as the client sent it (with `$share/<group>/` when shared). */
  readonly rawFilter: string;
  readonly qos: QoS;
  readonly noLocal: boolean;
  readonly retainAsPublished: boolean;
  readonly retainHandling: 0 | 1 | 2;
  /** 0 = none. */
  readonly subscriptionId: number;
}

/** A will that belongs to a persistent session. */
export interface WillData {
  readonly topic: string;
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties | null;
  /** Message Expiry Interval (s) applied when it is published; 0 = none. */
  readonly expiryInterval: number;
  /** Will Delay Interval (s). */
  readonly delay: number;
  /**
   * Wall-clock ms at which it is due. 0 while its connection is alive: after a crash the
   * connection counts as lost at the restart, so the delay runs from then.
   */
  readonly publishAt: number;
}

/** A persistent session as `open()` restores it. */
export interface RestoredSession extends SessionData {
  readonly subscriptions: SubscriptionData[];
  /**
   * The in-flight window, in seq order: every row up to the last one past QUEUED. Rows
   * leave a queue in seq order, so QUEUED rows before that one were sent too (QoS 1 rows
   * are not updated when they are sent): they come back as in flight without a packet id.
   */
  readonly inflight: StoredDelivery[];
  /** Inbound QoS 2 packet ids: PUBREC sent, PUBREL not received. */
  readonly awaitingRelease: number[];
  readonly will: WillData | null;
  /** QUEUED rows after the in-flight window: not loaded, read with `readQueuePage`. */
  readonly queued: number;
}

export interface RestoredState {
  readonly sessions: RestoredSession[];
  /** Retained messages, expired ones already left out. */
  readonly retained: MessageData[];
}

export interface StoreCounts {
  readonly sessions: number;
  readonly subscriptions: number;
  /** Stored messages (each once, however many rows refer to it). */
  readonly messages: number;
  /** Queue rows (deliveries owed), in any state. */
  readonly queued: number;
  readonly retained: number;
  readonly wills: number;
}

/**
 * The broker's durable state. Every mutation joins the current batch; `commit()` makes
 * the batch durable at once (all or nothing). Mutations never throw: a failure marks the
 * batch failed and `commit()` returns false (the batch is then rolled back).
 */
export interface Persistence {
  readonly kind: 'memory' | 'sqlite';
  /** Where it lives (a file path; 'memory'). */
  readonly location: string;

  /** Opens (creating or migrating the store) and restores everything but queued rows. */
  open(): RestoredState;

  upsertSession(session: SessionData): void;
  /** Deletes the session with its subscriptions, queue, awaiting-release ids and will. */
  deleteSession(clientId: string): void;
  /** Adds or replaces (same raw filter) a subscription. */
  addSubscription(clientId: string, subscription: SubscriptionData): void;
  removeSubscription(clientId: string, rawFilter: string): void;

  /** A new message id (never 0). */
  allocateMessageId(): number;
  /**
   * Stores a message under `id` (from allocateMessageId). Storing an id that is already
   * stored is a no-op, so a message can be stored again after a failed batch. A message
   * that no queue row or retained entry refers to by the end of the batch is not kept.
   */
  storeMessage(id: number, message: StorableMessage): void;

  /** Appends a delivery to the session's queue; returns its row. */
  enqueue(
    clientId: string,
    messageId: number,
    qos: 1 | 2,
    retain: boolean,
    subscriptionIds: readonly number[] | null,
    group: string | null,
    state: OutboundStateValue,
    packetId: number,
  ): QueueRef;
  /** A delivery was sent (PUBLISHED with its packet id) or released (RELEASED). */
  updateOutbound(
    clientId: string,
    row: QueueRef,
    state: OutboundStateValue,
    packetId: number,
  ): void;
  /**
   * A delivery is done (or dropped); its message goes when nothing refers to it. `row` is
   * what `enqueue` returned or a row `open()` / `readQueuePage()` gave.
   */
  removeOutbound(clientId: string, row: QueueRef): void;
  /** QUEUED rows of a session with seq > afterSeq, in order, at most `limit`. */
  readQueuePage(clientId: string, afterSeq: number, limit: number): StoredDelivery[];
  /** Queue rows (any state) in the whole store: what `disk_cache_size` bounds. */
  readonly queuedCount: number;

  setAwaitingRelease(clientId: string, packetId: number, awaiting: boolean): void;
  /** The retained message of `topic`, or none (null). */
  setRetained(topic: string, messageId: number | null): void;
  setWill(clientId: string, will: WillData | null): void;

  /** What is stored (committed or pending), for tests, logs and $SYS. */
  counts(): StoreCounts;

  /** Counts mutations: the broker compares it around a PUBLISH to see if it wrote. */
  readonly writes: number;
  /** Bumped by every failed batch: messages stored before it must be stored again. */
  readonly generation: number;
  /**
   * The owner should run `commit()` soon: called once per batch at its first mutation, and
   * when a batch settles later (a WAL sync completed).
   */
  onBatch: (() => void) | null;
  /**
   * Ends the batch. True when it is durable (or was empty); false when it failed and was
   * rolled back (`lastError` says why). The store stays usable.
   */
  commit(): boolean;
  /** Numbers the batches: the one the last `commit()` ended (0 before the first). */
  readonly batch: number;
  /**
   * Every batch up to this number is settled: committed, and none of its rows still held
   * back unwritten (a store may hold a sent QoS 1 row for a while: when its PUBACK comes
   * first it is never written). Acks of a batch wait until it is settled. A store that
   * holds nothing back settles each batch at its commit.
   */
  readonly settled: number;
  /** performance.now() by which held-back rows must be written (by a commit); 0 if none. */
  readonly deferredUntil: number;
  readonly lastError: Error | null;
  /** Commits what is pending and closes. */
  close(): void;
}
