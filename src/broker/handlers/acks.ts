import {
  PacketType,
  ReasonCode,
  type PubackPacket,
  type PubcompPacket,
  type PubrecPacket,
  type PubrelPacket,
} from '../../codec/index.js';
import type { ClientConnection } from '../client-connection.js';
import { OutState } from '../session.js';

/** PUBACK: QoS 1 delivery done [MQTT-4.3.2]. Unknown ids are ignored. */
export function handlePuback(client: ClientConnection, packet: PubackPacket): void {
  const session = client.session;
  if (session === null) return;
  const out = session.inflight.get(packet.packetId);
  if (out === undefined || out.qos !== 1) return;
  client.broker.delivery.complete(session, out);
}

/** PUBREC: QoS 2 step one [MQTT-4.3.3]; answer PUBREL (0x92 for an unknown id in v5). */
export function handlePubrec(client: ClientConnection, packet: PubrecPacket): void {
  const session = client.session;
  if (session === null) return;
  const out = session.inflight.get(packet.packetId);
  if (out === undefined || out.qos !== 2) {
    const code = client.protocolVersion === 5 ? ReasonCode.PACKET_IDENTIFIER_NOT_FOUND : 0;
    client.sendAck(PacketType.PUBREL, packet.packetId, code);
    return;
  }
  // A PUBREC with a failure code ends the exchange: no PUBREL [MQTT-4.3.3-?].
  if (packet.reasonCode >= 0x80) {
    client.broker.delivery.complete(session, out);
    return;
  }
  out.state = OutState.RELEASED;
  client.broker.durable?.released(session, out);
  client.sendAck(PacketType.PUBREL, packet.packetId, 0); // [MQTT-4.3.3-4]
}

/** PUBCOMP: QoS 2 delivery done. */
export function handlePubcomp(client: ClientConnection, packet: PubcompPacket): void {
  const session = client.session;
  if (session === null) return;
  const out = session.inflight.get(packet.packetId);
  if (out === undefined || out.qos !== 2) return;
  client.broker.delivery.complete(session, out);
}

/** PUBREL for an inbound QoS 2 message: release its id and answer PUBCOMP [MQTT-4.3.3-11]. */
export function handlePubrel(client: ClientConnection, packet: PubrelPacket): void {
  const session = client.session;
  if (session === null) return;
  const known = session.awaitingRelease.delete(packet.packetId);
  if (known) client.broker.durable?.awaiting(session, packet.packetId, false);
  const code = known || client.protocolVersion !== 5 ? 0 : ReasonCode.PACKET_IDENTIFIER_NOT_FOUND;
  client.sendAck(PacketType.PUBCOMP, packet.packetId, code);
}
