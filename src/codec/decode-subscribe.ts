import {
  PacketType,
  SUBACK_FAILURE_V4,
  VALID_REASON_CODES,
  type ProtocolVersion,
  type QoS,
} from './constants.js';
import { malformed, protocolError } from './errors.js';
import type {
  SubackPacket,
  SubscribePacket,
  Subscription,
  UnsubackPacket,
  UnsubscribePacket,
} from './packets.js';
import { decodeProperties } from './properties.js';
import type { Reader } from './reader.js';

/** Packet Identifier of SUBSCRIBE, UNSUBSCRIBE and the acks: never 0 [MQTT-2.2.1-3]. */
export function readPacketId(r: Reader, what: string): number {
  const id = r.u16('packet identifier');
  if (id === 0) throw protocolError('[MQTT-2.2.1-3]', `${what} with packet identifier 0`);
  return id;
}

/** SUBSCRIBE [MQTT-3.8]. */
export function decodeSubscribe(r: Reader, version: ProtocolVersion): SubscribePacket {
  const packetId = readPacketId(r, 'SUBSCRIBE');
  const properties = version === 5 ? decodeProperties(r, PacketType.SUBSCRIBE) : null;
  const subscriptions: Subscription[] = [];
  while (r.remaining > 0) {
    const topicFilter = r.utf8('topic filter');
    const options = r.u8('subscription options');
    const qos = options & 0x03;
    // QoS 3 is malformed in 3.1.1 [MQTT-3-8.3-4] but a Protocol Error in 5.0 [MQTT-3.8.3.1].
    if (qos === 3 && version !== 5) throw malformed('[MQTT-3.8.3-4]', 'subscription with QoS 3');
    if (qos === 3) throw protocolError('[MQTT-3.8.3.1]', 'subscription with Maximum QoS 3');
    if (version !== 5) {
      // 3.1.1: the upper six bits are reserved [MQTT-3-8.3-4].
      if ((options & 0xfc) !== 0)
        throw malformed('[MQTT-3.8.3-4]', 'reserved subscription option bits set');
      subscriptions.push({
        topicFilter,
        qos: qos as QoS,
        noLocal: false,
        retainAsPublished: false,
        retainHandling: 0,
      });
      continue;
    }
    if ((options & 0xc0) !== 0)
      throw malformed('[MQTT-3.8.3-5]', 'reserved subscription option bits set');
    const retainHandling = (options >> 4) & 0x03;
    if (retainHandling === 3) throw protocolError('[MQTT-3.8.3.1]', 'retain handling 3');
    subscriptions.push({
      topicFilter,
      qos: qos as QoS,
      noLocal: (options & 0x04) !== 0,
      retainAsPublished: (options & 0x08) !== 0,
      retainHandling: retainHandling as 0 | 1 | 2,
    });
  }
  // At least one Topic Filter / Subscription Options pair [MQTT-3.8.3-2].
  if (subscriptions.length === 0)
    throw protocolError('[MQTT-3.8.3-2]', 'SUBSCRIBE without a topic filter');
  return { type: PacketType.SUBSCRIBE, packetId, subscriptions, properties };
}

/** UNSUBSCRIBE [MQTT-3.10]. */
export function decodeUnsubscribe(r: Reader, version: ProtocolVersion): UnsubscribePacket {
  const packetId = readPacketId(r, 'UNSUBSCRIBE');
  const properties = version === 5 ? decodeProperties(r, PacketType.UNSUBSCRIBE) : null;
  const topicFilters: string[] = [];
  while (r.remaining > 0) topicFilters.push(r.utf8('topic filter'));
  if (topicFilters.length === 0)
    throw protocolError('[MQTT-3.10.3-2]', 'UNSUBSCRIBE without a topic filter');
  return { type: PacketType.UNSUBSCRIBE, packetId, topicFilters, properties };
}

function readReasonCodes(r: Reader, type: number, version: ProtocolVersion): number[] {
  const codes: number[] = [];
  const valid = VALID_REASON_CODES[type];
  while (r.remaining > 0) {
    const code = r.u8('reason code');
    const ok = version === 5 ? valid?.has(code) === true : code <= 2 || code === SUBACK_FAILURE_V4;
    if (!ok)
      throw malformed(
        type === PacketType.SUBACK ? '[MQTT-3.9.3]' : '[MQTT-3.11.3]',
        `invalid reason code 0x${code.toString(16)}`,
      );
    codes.push(code);
  }
  return codes;
}

/** SUBACK [MQTT-3.9]. */
export function decodeSuback(r: Reader, version: ProtocolVersion): SubackPacket {
  const packetId = readPacketId(r, 'SUBACK');
  const properties = version === 5 ? decodeProperties(r, PacketType.SUBACK) : null;
  const reasonCodes = readReasonCodes(r, PacketType.SUBACK, version);
  if (reasonCodes.length === 0)
    throw protocolError('[MQTT-3.9.3-1]', 'SUBACK without a reason code');
  return { type: PacketType.SUBACK, packetId, reasonCodes, properties };
}

/** UNSUBACK [MQTT-3.11]: 3.1.1's has no payload, 5.0's one reason code per filter. */
export function decodeUnsuback(r: Reader, version: ProtocolVersion): UnsubackPacket {
  const packetId = readPacketId(r, 'UNSUBACK');
  if (version !== 5) {
    r.expectEnd('UNSUBACK');
    return { type: PacketType.UNSUBACK, packetId, reasonCodes: [], properties: null };
  }
  const properties = decodeProperties(r, PacketType.UNSUBACK);
  const reasonCodes = readReasonCodes(r, PacketType.UNSUBACK, version);
  if (reasonCodes.length === 0)
    throw protocolError('[MQTT-3.11.3-1]', 'UNSUBACK without a reason code');
  return { type: PacketType.UNSUBACK, packetId, reasonCodes, properties };
}
