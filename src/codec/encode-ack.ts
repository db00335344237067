import { PacketType, type ProtocolVersion } from './constants.js';
import type { AuthPacket, DisconnectPacket, PubAckLikePacket, Properties } from './packets.js';
import { propertiesContentSize, propertiesSize, writeProperties } from './properties.js';
import { Writer, packetSize } from './writer.js';

/**
 * PUBACK, PUBREC, PUBREL, PUBCOMP [MQTT-3.4 to 3.7]. The 4-byte short form is used whenever
 * it says everything: always in 3.1.1, and in v5 for reason 0 without properties
 * [MQTT-3.4.2.1]. PUBREL carries flags 0b0010 [MQTT-3.6.1-1].
 */
export function encodePubAckLike(
  p: PubAckLikePacket<4 | 5 | 6 | 7>,
  version: ProtocolVersion,
): Buffer {
  const first = (p.type << 4) | (p.type === PacketType.PUBREL ? 0x02 : 0);
  if (version !== 5 || (p.reasonCode === 0 && p.properties === null)) {
    // The common ack, four bytes: written directly (one per QoS>0 message, no Writer).
    const buf = Buffer.allocUnsafe(4);
    buf[0] = first;
    buf[1] = 2;
    buf[2] = p.packetId >> 8;
    buf[3] = p.packetId & 0xff;
    return buf;
  }
  const props = propertiesContentSize(p.properties);
  const remaining = 3 + (props > 0 ? propertiesSize(props) : 0);
  const w = new Writer(packetSize(remaining));
  w.fixedHeader(first, remaining);
  w.u16(p.packetId);
  w.u8(p.reasonCode);
  if (props > 0) writeProperties(w, p.properties, props);
  return w.buf;
}

/** A v5 "reason code then properties" packet, with both omitted when they say nothing. */
function encodeReasonPacket(
  type: number,
  reasonCode: number,
  properties: Properties | null,
): Buffer {
  const props = propertiesContentSize(properties);
  const remaining = props > 0 ? 1 + propertiesSize(props) : reasonCode !== 0 ? 1 : 0;
  const w = new Writer(packetSize(remaining));
  w.fixedHeader(type << 4, remaining);
  if (remaining > 0) w.u8(reasonCode);
  if (props > 0) writeProperties(w, properties, props);
  return w.buf;
}

/** DISCONNECT [MQTT-3.14]: two bytes in 3.1.1. */
export function encodeDisconnect(p: DisconnectPacket, version: ProtocolVersion): Buffer {
  if (version !== 5) return Buffer.from([PacketType.DISCONNECT << 4, 0]);
  return encodeReasonPacket(PacketType.DISCONNECT, p.reasonCode, p.properties);
}

/** AUTH [MQTT-3.15] (MQTT 5 only). */
export function encodeAuth(p: AuthPacket): Buffer {
  return encodeReasonPacket(PacketType.AUTH, p.reasonCode, p.properties);
}
