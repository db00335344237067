// The pluggable store of outgoing QoS 1/2 messages. A message is put when publish() is
// called and deleted when the broker completes it (PUBACK, PUBCOMP, or a failure ack), so
// what is in the store is exactly what a reconnect - or a restarted process - must still
// deliver [MQTT-4.4.0-1]. Memory now; bridges plug a SQLite store in later.
import type { Properties, QoS } from '../codec/index.js';

/** Where an outgoing QoS 1/2 message is in its flow. */
export const OutgoingState = {
  /** Accepted by publish(), not yet sent: no packet identifier yet. */
  QUEUED: 0,
  /** PUBLISH sent with `packetId`, waiting for PUBACK (QoS 1) or PUBREC (QoS 2). */
  PUBLISHED: 1,
  /** QoS 2 past PUBREC: PUBREL sent, waiting for PUBCOMP. Resent as PUBREL. */
  RELEASED: 2,
} as const;
export type OutgoingStateValue = (typeof OutgoingState)[keyof typeof OutgoingState];

/** What a store keeps of one message. `packetId` and `state` change as the flow advances. */
export interface StoredMessage {
  /** Client-local sequence number: the store's key, and the send order. */
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  /** 1 or 2: QoS 0 messages are never stored. */
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties | null;
  /** 0 while QUEUED. */
  packetId: number;
  state: OutgoingStateValue;
}

/**
 * Synchronous by design (like better-sqlite3): the client calls it inline on the publish
 * and ack paths and never awaits. A store that does slow I/O should buffer and write behind.
 * The object passed to put() is the client's live record: a store that keeps references
 * (the memory store) sees later packetId/state changes, and update() is also called for them.
 */
export interface MessageStore {
  /** Every message not yet completed, in `seq` order. Called once, when the client is created. */
  load(): StoredMessage[];
  put(message: StoredMessage): void;
  /** `packetId` or `state` of a stored message changed. */
  update(message: StoredMessage): void;
  delete(seq: number): void;
  /** Number of messages held. */
  readonly size: number;
}

/** Keeps messages in a Map for the life of the process: survives reconnects, not restarts. */
export class MemoryMessageStore implements MessageStore {
  private readonly messages: Map<number, StoredMessage>;

  constructor() {
    this.messages = new Map();
  }

  get size(): number {
    return this.messages.size;
  }

  load(): StoredMessage[] {
    return [...this.messages.values()].sort((a, b) => a.seq - b.seq);
  }

  put(message: StoredMessage): void {
    this.messages.set(message.seq, message);
  }

  update(message: StoredMessage): void {
    this.messages.set(message.seq, message);
  }

  delete(seq: number): void {
    this.messages.delete(seq);
  }
}
