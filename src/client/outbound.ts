// The outgoing QoS flows [MQTT-4.3]: the inflight window (the broker's Receive Maximum and
// our own cap), the queue beyond it, outbound Topic Aliases, the broker's limits, the acks,
// and redelivery after a reconnect with DUP and the same packet identifiers [MQTT-4.4.0-1].
import {
  MAX_PACKET_SIZE,
  PacketType,
  ReasonCode,
  encodePubAckLike,
  encodePublish,
  encodePublishHeader,
  type PubAckLikePacket,
  type Properties,
  type ProtocolVersion,
  type PublishPacket,
} from '../codec/index.js';
import { OutboundAliases } from '../topic/index.js';
import type { Connection } from './connection.js';
import { ClientErrorCode, MqttClientError } from './errors.js';
import { NO_LIMITS, type BrokerLimits } from './limits.js';
import type { OutgoingMessage } from './message.js';
import { reasonName } from './reason-codes.js';
import type { SessionState } from './session-state.js';
import { OutgoingState, type MessageStore } from './store.js';

/** Payloads up to this size are copied into the packet; larger ones are written as a second buffer. */
export const INLINE_PAYLOAD = 2048;
/** Topic Alias property plus a possible longer properties length: what an alias can add. */
const ALIAS_OVERHEAD = 4;

export class Outbound {
  private readonly state: SessionState;
  private readonly store: MessageStore;
  private readonly maxInflight: number;
  private readonly useAliases: boolean;
  private conn: Connection | null;
  private version: ProtocolVersion;
  private limits: BrokerLimits;
  private aliases: OutboundAliases | null;
  private window: number;
  /** Called whenever nothing is left in flight or queued (end() waits on it). */
  onIdle: (() => void) | null;

  constructor(state: SessionState, store: MessageStore, maxInflight: number, useAliases: boolean) {
    this.state = state;
    this.store = store;
    this.maxInflight = maxInflight;
    this.useAliases = useAliases;
    this.conn = null;
    this.version = 5;
    this.limits = NO_LIMITS;
    this.aliases = null;
    this.window = maxInflight;
    this.onIdle = null;
  }

  get idle(): boolean {
    return this.state.inflight.size === 0 && this.state.queue.length === 0;
  }

  /** A connection was accepted: resend what is unfinished, then send what waited. */
  attach(conn: Connection, version: ProtocolVersion, limits: BrokerLimits): void {
    this.conn = conn;
    this.version = version;
    this.limits = limits;
    this.window = Math.min(limits.receiveMaximum, this.maxInflight);
    // Aliases never outlive a connection [MQTT-3.3.2-7].
    this.aliases =
      version === 5 && this.useAliases && limits.topicAliasMaximum > 0
        ? new OutboundAliases(limits.topicAliasMaximum)
        : null;
    this.pump();
  }

  detach(): void {
    this.conn = null;
    this.aliases = null;
    this.state.connectionLost();
  }

  /** A new message from publish(). */
  publish(m: OutgoingMessage): void {
    if (m.qos > 0) this.store.put(m);
    const s = this.state;
    if (
      this.conn !== null &&
      (m.qos === 0 ||
        (s.queue.length === 0 && s.sentCount === s.inflight.size && s.sentCount < this.window))
    ) {
      this.transmit(m);
    } else {
      s.queue.push(m);
    }
  }

  /** Sends as much as the window allows: first unfinished messages of an earlier connection, in order. */
  pump(): void {
    const conn = this.conn;
    if (conn === null) return;
    const s = this.state;
    if (s.sentCount < s.inflight.size) {
      for (const m of s.inflight.values()) {
        if (s.sentCount >= this.window) return;
        if (!m.sent) this.resend(m, conn);
      }
    }
    while (s.queue.length > 0) {
      const m = s.queue.peek() as OutgoingMessage;
      if (m.qos > 0 && s.sentCount >= this.window) return;
      s.queue.shift();
      this.transmit(m);
      if (this.conn === null) return;
    }
  }

  onPuback(p: PubAckLikePacket<4>): void {
    const m = this.state.inflight.get(p.packetId);
    if (m?.qos !== 1) return; // unknown id: nothing to do
    this.complete(m, p.reasonCode, p.properties);
  }

  onPubrec(p: PubAckLikePacket<5>, conn: Connection): void {
    const m = this.state.inflight.get(p.packetId);
    if (m?.qos !== 2) {
      // An unknown id: PUBREL with 0x92 Packet Identifier not found (v5 §3.6.2.1).
      if (p.reasonCode < 0x80)
        this.sendPubrel(conn, p.packetId, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
      return;
    }
    if (p.reasonCode >= 0x80) {
      // PUBREL follows only a PUBREC below 0x80 [MQTT-4.3.3-4]: a failure ends the flow.
      this.complete(m, p.reasonCode, p.properties);
      return;
    }
    if (m.state === OutgoingState.PUBLISHED) {
      m.state = OutgoingState.RELEASED;
      this.store.update(m);
    }
    this.sendPubrel(conn, m.packetId, 0); // [MQTT-4.3.3-4]; again for a repeated PUBREC
  }

  onPubcomp(p: PubAckLikePacket<7>): void {
    const m = this.state.inflight.get(p.packetId);
    if (m?.state !== OutgoingState.RELEASED) return;
    // 0x92 means the broker no longer knew the id: it had the message since PUBREC anyway.
    this.complete(m, 0, null);
  }

  /** end(): rejects every pending publish; QoS 1/2 messages stay in the store. */
  abandon(error: Error): void {
    const s = this.state;
    for (const m of s.inflight.values()) settle(m, error);
    const keep: OutgoingMessage[] = [];
    for (const m of s.queue.drain()) {
      settle(m, error);
      if (m.qos > 0) keep.push(m);
    }
    for (const m of keep) s.queue.push(m);
  }

  private complete(m: OutgoingMessage, reasonCode: number, properties: Properties | null): void {
    const s = this.state;
    s.inflight.delete(m.packetId);
    if (m.sent) s.sentCount--;
    this.store.delete(m.seq);
    if (reasonCode >= 0x80) {
      const why = properties?.reasonString;
      settle(
        m,
        new MqttClientError(
          ClientErrorCode.PUBLISH_FAILED,
          `PUBLISH to "${m.topic}" failed: ${reasonName(reasonCode)}${why === undefined ? '' : ` - ${why}`}`,
          reasonCode,
        ),
      );
    } else {
      settle(m, null);
    }
    this.pump();
    if (this.onIdle !== null && this.idle) this.onIdle();
  }

  /** First transmission of a message (QoS 0 sent and forgotten; QoS 1/2 takes a packet id). */
  private transmit(m: OutgoingMessage): void {
    const conn = this.conn;
    if (conn === null) return;
    const refusal = this.refuse(m);
    if (refusal !== null) {
      if (m.qos > 0) this.store.delete(m.seq);
      settle(m, refusal);
      return;
    }
    if (m.qos === 0) {
      this.writePublish(conn, m, false);
      return;
    }
    const id = this.state.allocateId();
    if (id === 0) {
      this.state.queue.push(m); // all 65535 ids busy: wait for an ack
      return;
    }
    m.packetId = id;
    m.state = OutgoingState.PUBLISHED;
    m.sent = true;
    this.state.inflight.set(id, m);
    this.state.sentCount++;
    this.store.update(m);
    this.writePublish(conn, m, false);
  }

  /** Retransmission on a new connection: PUBLISH with DUP, or PUBREL past PUBREC [MQTT-4.4.0-1]. */
  private resend(m: OutgoingMessage, conn: Connection): void {
    m.sent = true;
    this.state.sentCount++;
    if (m.state === OutgoingState.RELEASED) this.sendPubrel(conn, m.packetId, 0);
    else this.writePublish(conn, m, true);
  }

  /** Why the broker's CONNACK forbids this message, or null. */
  private refuse(m: OutgoingMessage): MqttClientError | null {
    const l = this.limits;
    if (m.qos > l.maximumQoS) {
      return notSupported(
        `QoS ${m.qos} exceeds the broker's Maximum QoS ${l.maximumQoS} [MQTT-3.2.2-11]`,
      );
    }
    if (m.retain && !l.retainAvailable) {
      return notSupported('the broker does not support retained messages [MQTT-3.2.2-14]');
    }
    if (l.maximumPacketSize < MAX_PACKET_SIZE) {
      const size =
        encodePublishHeader(publishPacket(m, m.topic, m.properties, false), this.version).length +
        m.payload.length +
        (this.aliases === null ? 0 : ALIAS_OVERHEAD);
      if (size > l.maximumPacketSize) {
        return notSupported(
          `PUBLISH of ${size} bytes exceeds the broker's Maximum Packet Size ${l.maximumPacketSize} [MQTT-3.2.2-15]`,
        );
      }
    }
    return null;
  }

  private writePublish(conn: Connection, m: OutgoingMessage, dup: boolean): void {
    let topic = m.topic;
    let properties = m.properties;
    // A retransmission carries the full topic: the alias map it was sent with is gone.
    if (!dup && this.aliases !== null) {
      const a = this.aliases.assign(topic);
      if (a.alias !== 0) {
        if (!a.sendTopic) topic = ''; // an alias the broker knows stands for the topic (§3.3.2.3.4)
        properties =
          properties === null ? { topicAlias: a.alias } : { ...properties, topicAlias: a.alias };
      }
    }
    const packet = publishPacket(m, topic, properties, dup);
    const cb = m.qos === 0 ? m.settle : null;
    m.settle = m.qos === 0 ? null : m.settle;
    if (m.payload.length <= INLINE_PAYLOAD) {
      conn.send(encodePublish(packet, this.version), cb ?? undefined);
    } else {
      conn.send(encodePublishHeader(packet, this.version));
      conn.send(m.payload, cb ?? undefined);
    }
  }

  private sendPubrel(conn: Connection, packetId: number, reasonCode: number): void {
    conn.send(
      encodePubAckLike(
        { type: PacketType.PUBREL, packetId, reasonCode, properties: null },
        this.version,
      ),
    );
  }
}

function publishPacket(
  m: OutgoingMessage,
  topic: string,
  properties: Properties | null,
  dup: boolean,
): PublishPacket {
  return {
    type: PacketType.PUBLISH,
    topic,
    payload: m.payload,
    qos: m.qos,
    retain: m.retain,
    dup,
    packetId: m.packetId,
    properties,
  };
}

function settle(m: OutgoingMessage, error: Error | null): void {
  const s = m.settle;
  m.settle = null;
  if (s !== null) s(error);
}

function notSupported(message: string): MqttClientError {
  return new MqttClientError(ClientErrorCode.NOT_SUPPORTED, message);
}
