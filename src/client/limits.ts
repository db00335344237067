// What the broker's CONNACK allows this client (MQTT 5 §3.2.2.3); 3.1.1 brokers state
// nothing, so the protocol's own limits apply.
import { MAX_PACKET_SIZE, type ConnackPacket, type QoS } from '../codec/index.js';

export class BrokerLimits {
  /** QoS 1/2 PUBLISHes we may have unacknowledged [MQTT-3.3.4-7]. */
  readonly receiveMaximum: number;
  /** Highest alias we may send; 0 = none [MQTT-3.3.2-9]. */
  readonly topicAliasMaximum: number;
  /** Largest packet we may send [MQTT-3.2.2-15]. */
  readonly maximumPacketSize: number;
  /** Highest QoS we may publish with [MQTT-3.2.2-11]. */
  readonly maximumQoS: QoS;
  /** Whether retained PUBLISHes are allowed [MQTT-3.2.2-14]. */
  readonly retainAvailable: boolean;
  readonly wildcardSubscriptionAvailable: boolean;
  readonly subscriptionIdentifierAvailable: boolean;
  readonly sharedSubscriptionAvailable: boolean;
  /** Server Keep Alive: replaces the keepalive we asked for [MQTT-3.2.2-21]; null = ours stands. */
  readonly serverKeepAlive: number | null;

  constructor(connack: ConnackPacket | null) {
    const p = connack?.properties ?? null;
    this.receiveMaximum = p?.receiveMaximum ?? 65535;
    this.topicAliasMaximum = p?.topicAliasMaximum ?? 0;
    this.maximumPacketSize = p?.maximumPacketSize ?? MAX_PACKET_SIZE;
    this.maximumQoS = (p?.maximumQoS ?? 2) as QoS;
    this.retainAvailable = (p?.retainAvailable ?? 1) === 1;
    this.wildcardSubscriptionAvailable = (p?.wildcardSubscriptionAvailable ?? 1) === 1;
    this.subscriptionIdentifierAvailable = (p?.subscriptionIdentifierAvailable ?? 1) === 1;
    this.sharedSubscriptionAvailable = (p?.sharedSubscriptionAvailable ?? 1) === 1;
    this.serverKeepAlive = p?.serverKeepAlive ?? null;
  }
}

/** Before any CONNACK, and for 3.1.1: no limits beyond the protocol's. */
export const NO_LIMITS = new BrokerLimits(null);
