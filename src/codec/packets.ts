// The packet model: one discriminated union over the numeric packet type. Every decoder
// builds these shapes with all fields present (in a fixed order) so V8 keeps them
// monomorphic; `properties` is null when a packet carries none (always for 3.1/3.1.1).
import type { PacketType, ProtocolVersion, QoS } from './constants.js';

export type UserProperty = [name: string, value: string];

/** MQTT 5 properties [MQTT-2.2.2.2]; which packet may carry which is in properties.ts. */
export interface Properties {
  payloadFormatIndicator?: number;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Buffer;
  /** Several only in PUBLISH (one per matching subscription), one in SUBSCRIBE. */
  subscriptionIdentifiers?: number[];
  sessionExpiryInterval?: number;
  assignedClientIdentifier?: string;
  serverKeepAlive?: number;
  authenticationMethod?: string;
  authenticationData?: Buffer;
  requestProblemInformation?: number;
  willDelayInterval?: number;
  requestResponseInformation?: number;
  responseInformation?: string;
  serverReference?: string;
  reasonString?: string;
  receiveMaximum?: number;
  topicAliasMaximum?: number;
  topicAlias?: number;
  maximumQoS?: number;
  retainAvailable?: number;
  /** In wire order; names may repeat [MQTT-3.3.2-18]. */
  userProperties?: UserProperty[];
  maximumPacketSize?: number;
  wildcardSubscriptionAvailable?: number;
  subscriptionIdentifierAvailable?: number;
  sharedSubscriptionAvailable?: number;
}

export interface Will {
  topic: string;
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  properties: Properties | null;
}

export interface ConnectPacket {
  type: typeof PacketType.CONNECT;
  /** "MQTT" for levels 4 and 5, "MQIsdp" for level 3. */
  protocolName: string;
  protocolVersion: ProtocolVersion;
  /** Clean Session (3.1.1) / Clean Start (5). */
  clean: boolean;
  keepalive: number;
  clientId: string;
  username: string | null;
  password: Buffer | null;
  will: Will | null;
  properties: Properties | null;
}

export interface ConnackPacket {
  type: typeof PacketType.CONNACK;
  sessionPresent: boolean;
  /** v5 reason code, or the 3.1.1 return code (0..5). */
  reasonCode: number;
  properties: Properties | null;
}

export interface PublishPacket {
  type: typeof PacketType.PUBLISH;
  /** Empty when a v5 sender uses an established Topic Alias [MQTT-3.3.2-12]. */
  topic: string;
  /** A view into the received bytes: copy it before keeping it beyond this turn. */
  payload: Buffer;
  qos: QoS;
  retain: boolean;
  dup: boolean;
  /** 0 for QoS 0. */
  packetId: number;
  properties: Properties | null;
}

/** PUBACK, PUBREC, PUBREL and PUBCOMP share one shape. */
export interface PubAckLikePacket<T extends number> {
  type: T;
  packetId: number;
  /** Always 0 for 3.1.1; v5 may omit it on the wire, meaning 0 [MQTT-3.4.2.1]. */
  reasonCode: number;
  properties: Properties | null;
}
export type PubackPacket = PubAckLikePacket<typeof PacketType.PUBACK>;
export type PubrecPacket = PubAckLikePacket<typeof PacketType.PUBREC>;
export type PubrelPacket = PubAckLikePacket<typeof PacketType.PUBREL>;
export type PubcompPacket = PubAckLikePacket<typeof PacketType.PUBCOMP>;

export interface Subscription {
  topicFilter: string;
  /** Maximum QoS requested. */
  qos: QoS;
  noLocal: boolean;
  retainAsPublished: boolean;
  retainHandling: 0 | 1 | 2;
}

export interface SubscribePacket {
  type: typeof PacketType.SUBSCRIBE;
  packetId: number;
  subscriptions: Subscription[];
  properties: Properties | null;
}

export interface SubackPacket {
  type: typeof PacketType.SUBACK;
  packetId: number;
  /** Granted QoS or failure code, one per subscription, in order [MQTT-3.9.3-1]. */
  reasonCodes: number[];
  properties: Properties | null;
}

export interface UnsubscribePacket {
  type: typeof PacketType.UNSUBSCRIBE;
  packetId: number;
  topicFilters: string[];
  properties: Properties | null;
}

export interface UnsubackPacket {
  type: typeof PacketType.UNSUBACK;
  packetId: number;
  /** One per filter in v5; empty in 3.1.1, whose UNSUBACK has no payload. */
  reasonCodes: number[];
  properties: Properties | null;
}

export interface PingreqPacket {
  type: typeof PacketType.PINGREQ;
}

export interface PingrespPacket {
  type: typeof PacketType.PINGRESP;
}

export interface DisconnectPacket {
  type: typeof PacketType.DISCONNECT;
  reasonCode: number;
  properties: Properties | null;
}

export interface AuthPacket {
  type: typeof PacketType.AUTH;
  reasonCode: number;
  properties: Properties | null;
}

export type Packet =
  | ConnectPacket
  | ConnackPacket
  | PublishPacket
  | PubackPacket
  | PubrecPacket
  | PubrelPacket
  | PubcompPacket
  | SubscribePacket
  | SubackPacket
  | UnsubscribePacket
  | UnsubackPacket
  | PingreqPacket
  | PingrespPacket
  | DisconnectPacket
  | AuthPacket;
