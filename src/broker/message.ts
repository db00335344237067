import type { Properties, QoS } from '../codec/index.js';

/**
 * One published message as the broker routes it. It is shared by every delivery; the
 * payload bytes are never copied per subscriber.
 */
export class Message {
  readonly topic: string;
  /** A view into the received bytes until own() copies it (when the message is kept). */
  payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  /** v5 properties to forward (without topic alias and subscription identifiers). */
  readonly properties: Properties | null;
  /** Wall-clock ms after which it must not be delivered, 0 = never [MQTT-3.3.2-5]. */
  readonly expiresAt: number;
  /** Client id of the publisher ('' for the broker itself), for No Local [MQTT-3.8.3-3]. */
  readonly origin: string;
  /** Headers encoded once per wire form and reused by every delivery of that form. */
  headerCache: (Buffer | undefined)[] | null;
  /** UTF-8 length of the topic, computed once on first delivery (-1 until then). */
  topicBytes: number;
  /** Its id in the persistence store (durability.ts); 0 = not stored. */
  storeId: number;
  private owned: boolean;

  constructor(
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    properties: Properties | null,
    expiresAt: number,
    origin: string,
  ) {
    this.topic = topic;
    this.payload = payload;
    this.qos = qos;
    this.retain = retain;
    this.properties = properties;
    this.expiresAt = expiresAt;
    this.origin = origin;
    this.headerCache = null;
    this.topicBytes = -1;
    this.storeId = 0;
    this.owned = false;
  }

  /**
   * Copies the payload out of the socket chunk it was decoded from, once, before the message
   * is kept (queued, in flight or retained): a kept view would pin the whole 64 KiB chunk.
   */
  own(): this {
    if (!this.owned) {
      this.payload = Buffer.from(this.payload);
      this.owned = true;
    }
    return this;
  }

  /** The payload is already its own buffer (read from the store): own() need not copy it. */
  markOwned(): this {
    this.owned = true;
    return this;
  }

  isExpired(now: number): boolean {
    return this.expiresAt !== 0 && now >= this.expiresAt;
  }

  /** Seconds of message expiry left, rounded up, for forwarding [MQTT-3.3.2-6]. */
  remainingExpiry(now: number): number {
    return Math.max(0, Math.ceil((this.expiresAt - now) / 1000));
  }
}

/** Splits forwardable properties from those that never travel with the message. */
export function forwardableProperties(props: Properties | null): Properties | null {
  if (props === null) return null;
  if (props.topicAlias === undefined && props.subscriptionIdentifiers === undefined) return props;
  const copy: Properties = { ...props };
  delete copy.topicAlias; // per connection [MQTT-3.3.2-7]
  delete copy.subscriptionIdentifiers; // set per delivery [MQTT-3.3.4-6]
  return Object.keys(copy).length === 0 ? null : copy;
}
