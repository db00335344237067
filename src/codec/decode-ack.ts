import { PacketType, VALID_REASON_CODES, type ProtocolVersion } from './constants.js';
import { malformed } from './errors.js';
import type {
  AuthPacket,
  ConnackPacket,
  DisconnectPacket,
  PubAckLikePacket,
  Properties,
} from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';
import { readPacketId } from './decode-subscribe.js';

function checkReason(type: number, code: number, what: string): number {
  if (VALID_REASON_CODES[type]?.has(code) !== true) {
    throw malformed('[MQTT-2.4]', `reason code 0x${code.toString(16)} is not valid in ${what}`);
  }
  return code;
}

/**
 * A v5 tail of "reason code, then properties", either of which may be absent: a missing
 * reason code means 0x00 and missing properties mean none [MQTT-3.4.2.1, 3.14.2.1, 3.15.2.1].
 */
function reasonAndProperties(r: Reader, type: number, what: string): [number, Properties | null] {
  if (r.remaining === 0) return [0, null];
  const code = checkReason(type, r.u8('reason code'), what);
  const properties = r.remaining === 0 ? null : decodeProperties(r, type);
  r.expectEnd(what);
  return [code, properties];
}

/** PUBACK, PUBREC, PUBREL, PUBCOMP [MQTT-3.4 to 3.7]. */
export function decodePubAckLike<T extends 4 | 5 | 6 | 7>(
  r: Reader,
  type: T,
  version: ProtocolVersion,
  what: string,
): PubAckLikePacket<T> {
  const packetId = readPacketId(r, what);
  if (version !== 5) {
    r.expectEnd(what);
    return { type, packetId, reasonCode: 0, properties: null };
  }
  const [reasonCode, properties] = reasonAndProperties(r, type, what);
  return { type, packetId, reasonCode, properties };
}

/** CONNACK [MQTT-3.2]. */
export function decodeConnack(r: Reader, version: ProtocolVersion): ConnackPacket {
  const flags = r.u8('connect acknowledge flags');
  if ((flags & 0xfe) !== 0) throw malformed('[MQTT-3.2.2-1]', 'reserved CONNACK flag bits set');
  const sessionPresent = flags === 1;
  const code = r.u8('connect reason code');
  if (version !== 5) {
    if (code > 5) throw malformed('[MQTT-3.2.2.3]', `invalid CONNACK return code ${code}`);
    r.expectEnd('CONNACK');
    // Session Present must be 0 with a non-zero return code [MQTT-3.2.2-4].
    if (sessionPresent && code !== 0)
      throw malformed('[MQTT-3.2.2-4]', 'session present on a refused CONNACK');
    return { type: PacketType.CONNACK, sessionPresent, reasonCode: code, properties: null };
  }
  checkReason(PacketType.CONNACK, code, 'CONNACK');
  if (sessionPresent && code >= 0x80) {
    throw malformed('[MQTT-3.2.2-6]', 'session present on a refused CONNACK');
  }
  const properties = decodeProperties(r, PacketType.CONNACK);
  r.expectEnd('CONNACK');
  return { type: PacketType.CONNACK, sessionPresent, reasonCode: code, properties };
}

/** DISCONNECT [MQTT-3.14]: empty in 3.1.1. */
export function decodeDisconnect(r: Reader, version: ProtocolVersion): DisconnectPacket {
  if (version !== 5) {
    r.expectEnd('DISCONNECT');
    return { type: PacketType.DISCONNECT, reasonCode: 0, properties: null };
  }
  const [reasonCode, properties] = reasonAndProperties(r, PacketType.DISCONNECT, 'DISCONNECT');
  return { type: PacketType.DISCONNECT, reasonCode, properties };
}

/** AUTH [MQTT-3.15]: MQTT 5 only; type 15 is reserved before it [MQTT-2.1.2]. */
export function decodeAuth(r: Reader, version: ProtocolVersion): AuthPacket {
  if (version !== 5) throw malformed('[MQTT-2.1.2]', 'packet type 15 is reserved before MQTT 5');
  const [reasonCode, properties] = reasonAndProperties(r, PacketType.AUTH, 'AUTH');
  return { type: PacketType.AUTH, reasonCode, properties };
}
