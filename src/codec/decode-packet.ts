import { PacketType, type ProtocolVersion } from './constants.js';
import { malformed, protocolError } from './errors.js';
import type { Packet } from './packets.js';
import type { Reader } from './reader.js';
import { decodeConnect } from './decode-connect.js';
import { decodePublish } from './decode-publish.js';
import {
  decodeSuback,
  decodeSubscribe,
  decodeUnsuback,
  decodeUnsubscribe,
} from './decode-subscribe.js';
import { decodeAuth, decodeConnack, decodeDisconnect, decodePubAckLike } from './decode-ack.js';

// Ping packets carry nothing, so one frozen instance of each serves every connection.
const PINGREQ = Object.freeze({ type: PacketType.PINGREQ });
const PINGRESP = Object.freeze({ type: PacketType.PINGRESP });

/**
 * Fixed-header flag bits every packet type but PUBLISH must carry [MQTT-2.1.3-1]:
 * 0b0010 for PUBREL, SUBSCRIBE and UNSUBSCRIBE, 0 for the rest. Index = packet type.
 */
const REQUIRED_FLAGS = [-1, 0, 0, -1, 0, 0, 2, 0, 2, 0, 2, 0, 0, 0, 0, 0];

/**
 * Decodes one packet body (the reader spans exactly Remaining Length bytes). `version` 0
 * means no CONNECT has been seen: only CONNECT is acceptable then [MQTT-3.1.0-1].
 * Throws only MalformedPacketError.
 */
export function decodePacket(r: Reader, firstByte: number, version: 0 | ProtocolVersion): Packet {
  const type = firstByte >> 4;
  const flags = firstByte & 0x0f;
  if (type === 0) throw malformed('[MQTT-2.1.2]', 'packet type 0 is reserved');
  const required = REQUIRED_FLAGS[type] as number;
  if (required !== -1 && flags !== required) {
    throw malformed(
      '[MQTT-2.1.3-1]',
      `invalid fixed header flags 0x${flags.toString(16)} for packet type ${type}`,
    );
  }
  if (version === 0) {
    if (type !== PacketType.CONNECT)
      throw protocolError('[MQTT-3.1.0-1]', 'first packet is not CONNECT');
    return decodeConnect(r);
  }
  switch (type) {
    case PacketType.CONNECT:
      return decodeConnect(r);
    case PacketType.CONNACK:
      return decodeConnack(r, version);
    case PacketType.PUBLISH:
      return decodePublish(r, flags, version);
    case PacketType.PUBACK:
      return decodePubAckLike(r, PacketType.PUBACK, version, 'PUBACK');
    case PacketType.PUBREC:
      return decodePubAckLike(r, PacketType.PUBREC, version, 'PUBREC');
    case PacketType.PUBREL:
      return decodePubAckLike(r, PacketType.PUBREL, version, 'PUBREL');
    case PacketType.PUBCOMP:
      return decodePubAckLike(r, PacketType.PUBCOMP, version, 'PUBCOMP');
    case PacketType.SUBSCRIBE:
      return decodeSubscribe(r, version);
    case PacketType.SUBACK:
      return decodeSuback(r, version);
    case PacketType.UNSUBSCRIBE:
      return decodeUnsubscribe(r, version);
    case PacketType.UNSUBACK:
      return decodeUnsuback(r, version);
    case PacketType.PINGREQ:
      r.expectEnd('PINGREQ');
      return PINGREQ;
    case PacketType.PINGRESP:
      r.expectEnd('PINGRESP');
      return PINGRESP;
    case PacketType.DISCONNECT:
      return decodeDisconnect(r, version);
    default:
      return decodeAuth(r, version);
  }
}
