import { PacketType, type ProtocolVersion } from './constants.js';
import type { Packet } from './packets.js';
import { encodeAuth, encodeDisconnect, encodePubAckLike } from './encode-ack.js';
import { encodeConnack, encodeConnect } from './encode-connect.js';
import { encodePublish } from './encode-publish.js';
import {
  encodeSuback,
  encodeSubscribe,
  encodeUnsuback,
  encodeUnsubscribe,
} from './encode-subscribe.js';

const PINGREQ_BYTES = Buffer.from([PacketType.PINGREQ << 4, 0]);
const PINGRESP_BYTES = Buffer.from([PacketType.PINGRESP << 4, 0]);

/**
 * Encodes any packet for a peer speaking `version`, into one right-sized buffer. v5-only
 * parts (properties, reason codes) are left out for 3.1 / 3.1.1 peers. The returned buffer
 * may be shared (ping packets): never write into it.
 */
export function encodePacket(packet: Packet, version: ProtocolVersion): Buffer {
  switch (packet.type) {
    case PacketType.CONNECT:
      return encodeConnect(packet);
    case PacketType.CONNACK:
      return encodeConnack(packet, version);
    case PacketType.PUBLISH:
      return encodePublish(packet, version);
    case PacketType.PUBACK:
    case PacketType.PUBREC:
    case PacketType.PUBREL:
    case PacketType.PUBCOMP:
      return encodePubAckLike(packet, version);
    case PacketType.SUBSCRIBE:
      return encodeSubscribe(packet, version);
    case PacketType.SUBACK:
      return encodeSuback(packet, version);
    case PacketType.UNSUBSCRIBE:
      return encodeUnsubscribe(packet, version);
    case PacketType.UNSUBACK:
      return encodeUnsuback(packet, version);
    case PacketType.PINGREQ:
      return PINGREQ_BYTES;
    case PacketType.PINGRESP:
      return PINGRESP_BYTES;
    case PacketType.DISCONNECT:
      return encodeDisconnect(packet, version);
    case PacketType.AUTH:
      return encodeAuth(packet);
  }
}
