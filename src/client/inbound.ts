// Incoming PUBLISH and PUBREL [MQTT-4.3]: resolve Topic Aliases the broker sends, hand the
// message to the application, and acknowledge QoS 1 / QoS 2 automatically. QoS 2 is
// delivered once: a PUBLISH whose packet id is awaiting PUBREL is acknowledged again but
// not emitted again [MQTT-4.3.3-10 (v5) / MQTT-4.3.3-2 (3.1.1)].
import {
  PacketType,
  ReasonCode,
  encodePubAckLike,
  type ProtocolVersion,
  type PublishPacket,
  type PubrelPacket,
} from '../codec/index.js';
import { InboundAliases, type TopicError } from '../topic/index.js';
import type { Connection } from './connection.js';
import { ReceivedMessage } from './message.js';
import type { SessionState } from './session-state.js';

export class Inbound {
  private readonly state: SessionState;
  private readonly deliver: (message: ReceivedMessage) => void;
  private version: ProtocolVersion;
  private aliases: InboundAliases | null;

  constructor(state: SessionState, deliver: (message: ReceivedMessage) => void) {
    this.state = state;
    this.deliver = deliver;
    this.version = 5;
    this.aliases = null;
  }

  /** A connection was accepted; `topicAliasMaximum` is what our CONNECT allowed the broker. */
  attach(version: ProtocolVersion, topicAliasMaximum: number): void {
    this.version = version;
    // A fresh map per connection [MQTT-3.3.2-7]; aliases above our maximum are errors [MQTT-3.3.2-10].
    this.aliases = version === 5 ? new InboundAliases(topicAliasMaximum) : null;
  }

  /** Returns the protocol error to close the connection with, or null. */
  onPublish(p: PublishPacket, conn: Connection): TopicError | null {
    let topic = p.topic;
    if (this.aliases !== null) {
      const resolved = this.aliases.resolve(p.properties?.topicAlias, topic);
      if (typeof resolved !== 'string') return resolved;
      topic = resolved;
    }
    const message = new ReceivedMessage(topic, p.payload, p.qos, p.retain, p.dup, p.properties);
    switch (p.qos) {
      case 0:
        this.deliver(message);
        return null;
      case 1:
        this.deliver(message);
        this.ack(conn, PacketType.PUBACK, p.packetId, 0);
        return null;
      case 2:
        if (!this.state.inboundQos2.has(p.packetId)) {
          this.state.inboundQos2.add(p.packetId);
          this.deliver(message);
        }
        this.ack(conn, PacketType.PUBREC, p.packetId, 0);
        return null;
    }
  }

  onPubrel(p: PubrelPacket, conn: Connection): void {
    const known = this.state.inboundQos2.delete(p.packetId);
    // [MQTT-4.3.3-11 (v5)]: PUBCOMP even for an unknown id, then with 0x92 in v5.
    this.ack(
      conn,
      PacketType.PUBCOMP,
      p.packetId,
      known ? 0 : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
    );
  }

  private ack(
    conn: Connection,
    type: typeof PacketType.PUBACK | typeof PacketType.PUBREC | typeof PacketType.PUBCOMP,
    packetId: number,
    reasonCode: number,
  ): void {
    conn.send(encodePubAckLike({ type, packetId, reasonCode, properties: null }, this.version));
  }
}
