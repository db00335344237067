// The two message shapes of the client: what arrives ('message' event) and what leaves.
import type { Properties, QoS } from '../codec/index.js';
import { validateTopicName } from '../topic/index.js';
import { invalid, type MqttClientError } from './errors.js';
import { OutgoingState, type OutgoingStateValue, type StoredMessage } from './store.js';

/** The payload of the 'message' event. */
export class ReceivedMessage {
  /** The full topic, also when the broker sent a Topic Alias. */
  readonly topic: string;
  /** A view into the received bytes: copy it to keep a small part of a large read. */
  readonly payload: Buffer;
  readonly qos: QoS;
  readonly retain: boolean;
  readonly dup: boolean;
  /** MQTT 5 properties as received (a Topic Alias included); null for 3.1.1 or when none. */
  readonly properties: Properties | null;

  constructor(
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    dup: boolean,
    properties: Properties | null,
  ) {
    this.topic = topic;
    this.payload = payload;
    this.qos = qos;
    this.retain = retain;
    this.dup = dup;
    this.properties = properties;
  }
}

export type Settle = (error: Error | null) => void;

/** An outgoing message from publish() until completion; for QoS 1/2 also the stored record. */
export class OutgoingMessage implements StoredMessage {
  readonly seq: number;
  readonly topic: string;
  readonly payload: Buffer;
  /** QoS 0 messages use this class too, but only while queued offline; never stored. */
  readonly qos: QoS;
  readonly retain: boolean;
  readonly properties: Properties | null;
  packetId: number;
  state: OutgoingStateValue;
  /** Sent (PUBLISH or PUBREL) on the current connection: counts against the window. */
  sent: boolean;
  /** Settles the publish() promise; null for messages loaded from the store. */
  settle: Settle | null;

  constructor(
    seq: number,
    topic: string,
    payload: Buffer,
    qos: QoS,
    retain: boolean,
    properties: Properties | null,
    settle: Settle | null,
  ) {
    this.seq = seq;
    this.topic = topic;
    this.payload = payload;
    this.qos = qos;
    this.retain = retain;
    this.properties = properties;
    this.packetId = 0;
    this.state = OutgoingState.QUEUED;
    this.sent = false;
    this.settle = settle;
  }

  static fromStored(m: StoredMessage): OutgoingMessage {
    const out = new OutgoingMessage(m.seq, m.topic, m.payload, m.qos, m.retain, m.properties, null);
    out.packetId = m.packetId;
    out.state = m.state;
    return out;
  }
}

/** The QoS of a message about to be published, or why it cannot be (topic, QoS). */
export function publishQos(topic: string, requested: number | undefined): QoS | MqttClientError {
  const bad = validateTopicName(topic);
  if (bad !== null) return invalid(`invalid topic name "${topic}": ${bad.message}`);
  const qos: number = requested ?? 0; // checked at run time for JavaScript callers
  if (qos !== 0 && qos !== 1 && qos !== 2) return invalid(`invalid QoS ${qos}`);
  return qos;
}
