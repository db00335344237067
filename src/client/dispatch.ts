// What the client does with each packet of an accepted connection (after CONNACK): the QoS
// flows, subscription acks, pings and the broker's DISCONNECT. A packet a server must not
// send comes back as a protocol violation for the client to report and close on.
import { PacketType, ReasonCode, type DisconnectPacket, type Packet } from '../codec/index.js';
import type { Connection } from './connection.js';
import type { Inbound } from './inbound.js';
import type { KeepAlive } from './keepalive.js';
import type { Outbound } from './outbound.js';
import type { Requests } from './requests.js';

/** The parts of a client session that packets are handed to. */
export interface PacketFlows {
  readonly inbound: Inbound;
  readonly outbound: Outbound;
  readonly requests: Requests;
  readonly keepAlive: KeepAlive;
  /** The broker's DISCONNECT (the connection is then closed). */
  readonly onDisconnect: (packet: DisconnectPacket) => void;
}

export interface Violation {
  readonly message: string;
  readonly reasonCode: number;
}

/** Hands `packet` to its flow; returns the protocol violation it is, or null. */
export function dispatchOnline(
  packet: Packet,
  conn: Connection,
  flows: PacketFlows,
): Violation | null {
  switch (packet.type) {
    case PacketType.PUBLISH: {
      const error = flows.inbound.onPublish(packet, conn);
      if (error === null) return null;
      const clause = error.clause === null ? '' : ` [${error.clause}]`;
      return { message: `${error.message}${clause}`, reasonCode: error.reasonCode };
    }
    case PacketType.PUBACK:
      flows.outbound.onPuback(packet);
      return null;
    case PacketType.PUBREC:
      flows.outbound.onPubrec(packet, conn);
      return null;
    case PacketType.PUBREL:
      flows.inbound.onPubrel(packet, conn);
      return null;
    case PacketType.PUBCOMP:
      flows.outbound.onPubcomp(packet);
      return null;
    case PacketType.SUBACK:
    case PacketType.UNSUBACK: {
      const violation = flows.requests.onAck(packet);
      return violation === null ? null : protocol(violation);
    }
    case PacketType.PINGRESP:
      flows.keepAlive.onPingresp();
      return null;
    case PacketType.DISCONNECT:
      flows.onDisconnect(packet);
      conn.closeSoon();
      return null;
    case PacketType.AUTH:
      return protocol('AUTH (enhanced authentication is not supported)');
    case PacketType.CONNECT:
    case PacketType.SUBSCRIBE:
    case PacketType.UNSUBSCRIBE:
    case PacketType.PINGREQ:
      return protocol(`a server must not send packet type ${packet.type}`);
    case PacketType.CONNACK:
      return protocol('a second CONNACK [MQTT-3.2.0-2]');
  }
}

function protocol(message: string): Violation {
  return { message, reasonCode: ReasonCode.PROTOCOL_ERROR };
}
