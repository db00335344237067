import {
  PacketType,
  ReasonCode,
  encodeConnack,
  type ConnectPacket,
  type Properties,
} from '../../codec/index.js';
import { InboundAliases, OutboundAliases, validateTopicName } from '../../topic/index.js';
import type { ConnectContext, Verdict } from '../../hooks/types.js';
import { ClientState, type ClientConnection } from '../client-connection.js';
import { Message, forwardableProperties } from '../message.js';
import { startEnhancedAuth } from './auth.js';

import { NEVER_EXPIRES } from '../session.js';

/** CONNECT [MQTT-3.1.4]: validate, authenticate, then accept (see acceptConnect). */
export function handleConnect(client: ClientConnection, packet: ConnectPacket): void {
  const broker = client.broker;
  const options = broker.options;
  const v5 = packet.protocolVersion === 5;
  client.protocolVersion = packet.protocolVersion;
  client.state = ClientState.AUTHENTICATING;
  const props = packet.properties;
  if (v5) client.requestProblemInformation = props?.requestProblemInformation !== 0;
  // Known from here on, so that even a refusing CONNACK respects it [MQTT-3.2.2-19].
  if (v5 && props?.maximumPacketSize !== undefined)
    client.maxPacketSizeOut = props.maximumPacketSize;

  // Client identifier [MQTT-3.1.3]. An empty id is assigned one, except that 3.1.1 requires
  // clean session for it [MQTT-3.1.3-8] and 3.1 requires 1..23 characters.
  let clientId = packet.clientId;
  let assigned = false;
  if (clientId === '') {
    if (packet.protocolVersion === 3 || (packet.protocolVersion === 4 && !packet.clean)) {
      client.fail(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, 'empty client identifier');
      return;
    }
    // Web Crypto: node:crypto loads (and its ~1 MB of RSS is paid) only when first needed.
    clientId = `edgemq-${Buffer.from(crypto.getRandomValues(new Uint8Array(8))).toString('hex')}`;
    assigned = true;
  }
  client.clientId = clientId;
  client.username = packet.username;
  client.keepalive = packet.keepalive;

  // use_identity_as_username (Mosquitto): the verified client certificate's CN is the user
  // name and the certificate is the credential; without one the client is refused.
  const byIdentity = client.conn.listener.useIdentityAsUsername;
  if (byIdentity) {
    const cn = client.certificate?.cn ?? null;
    if (cn === null) {
      broker.metrics.authFailures++;
      client.fail(ReasonCode.NOT_AUTHORIZED, 'a verified client certificate with a CN is required');
      return;
    }
    client.username = cn;
  }

  // Will checks: a valid topic name [MQTT-3.1.3-11], a QoS and retain the broker supports.
  if (packet.will !== null) {
    const will = packet.will;
    if (validateTopicName(will.topic) !== null) {
      client.fail(ReasonCode.TOPIC_NAME_INVALID, 'invalid will topic');
      return;
    }
    if (will.qos > options.maxQos) {
      client.fail(ReasonCode.QOS_NOT_SUPPORTED, 'will QoS not supported [MQTT-3.2.2-12]');
      return;
    }
    if (will.retain && !options.retainAvailable) {
      client.fail(ReasonCode.RETAIN_NOT_SUPPORTED, 'retained will not supported [MQTT-3.2.2-13]');
      return;
    }
  }

  // Enhanced authentication runs its own AUTH exchange before CONNACK [MQTT-4.12].
  if (v5 && props?.authenticationMethod !== undefined) {
    startEnhancedAuth(client, packet, assigned);
    return;
  }

  const ctx: ConnectContext = {
    clientId,
    username: client.username,
    password: byIdentity ? null : packet.password,
    protocolVersion: packet.protocolVersion,
    remoteAddress: client.remoteAddress,
    remotePort: client.remotePort,
    transport: client.transport,
    clean: packet.clean,
    keepalive: packet.keepalive,
    properties: props,
    certificate: client.certificate,
  };
  const fallback: Verdict = options.allowAnonymous || byIdentity ? 'allow' : 'deny';
  const verdict = broker.hooks.decide('authenticate', [ctx], fallback);
  if (verdict instanceof Promise) {
    client.decoder.pause(); // later packets wait for the decision, in order
    verdict.then(
      (v) => {
        finishAuthentication(client, packet, assigned, v);
        client.decoder.resume();
      },
      (error: unknown) => {
        broker.log.warn({ err: error, clientId }, 'authenticate hook failed');
        finishAuthentication(client, packet, assigned, {
          reasonCode: ReasonCode.UNSPECIFIED_ERROR,
        });
      },
    );
    return;
  }
  finishAuthentication(client, packet, assigned, verdict);
}

function finishAuthentication(
  client: ClientConnection,
  packet: ConnectPacket,
  assigned: boolean,
  verdict: Verdict,
): void {
  if (client.state !== ClientState.AUTHENTICATING) return; // closed while waiting
  if (verdict === 'allow' || verdict === 'next') {
    acceptConnect(client, packet, assigned, null);
    return;
  }
  client.broker.metrics.authFailures++;
  const code =
    verdict === 'deny'
      ? packet.username === null
        ? ReasonCode.NOT_AUTHORIZED
        : ReasonCode.BAD_USER_NAME_OR_PASSWORD
      : verdict.reasonCode;
  client.fail(code, 'not authorized');
}

/**
 * Accepts an authenticated CONNECT: takeover of a live client id, session start or resume,
 * CONNACK with the broker's capabilities, then redelivery of the resumed session.
 */
export function acceptConnect(
  client: ClientConnection,
  packet: ConnectPacket,
  assigned: boolean,
  authProperties: Properties | null,
): void {
  const broker = client.broker;
  const options = broker.options;
  const v5 = packet.protocolVersion === 5;
  const props = packet.properties;

  // Keep alive, capped by the broker: v5 is told through Server Keep Alive [MQTT-3.2.2-21].
  let serverKeepAlive = -1;
  // A request for no keep alive (0) is overridden only when a cap below the maximum is set.
  const capped = options.maxKeepalive > 0 && options.maxKeepalive < 65_535;
  if (capped && (packet.keepalive === 0 || packet.keepalive > options.maxKeepalive)) {
    if (v5) {
      serverKeepAlive = options.maxKeepalive;
      client.keepalive = options.maxKeepalive;
    } else if (packet.keepalive > options.maxKeepalive) {
      client.keepalive = options.maxKeepalive;
    }
  }

  // Session expiry: 3.1.1 clean session 0 means a session that never expires.
  let expiry = v5 ? (props?.sessionExpiryInterval ?? 0) : packet.clean ? 0 : NEVER_EXPIRES;
  let grantedExpiry = -1;
  if (expiry > options.maxSessionExpiry) {
    expiry = options.maxSessionExpiry;
    grantedExpiry = expiry;
  }
  client.connectSessionExpiry = expiry;

  // Will (kept until a normal DISCONNECT) [MQTT-3.1.2-8].
  if (packet.will !== null) {
    const w = packet.will;
    const wp = w.properties;
    // Its expiry starts when the will is published, so it is kept apart until then.
    client.will = new Message(
      w.topic,
      Buffer.from(w.payload),
      w.qos,
      w.retain,
      willForwardProperties(wp),
      0,
      client.clientId,
    );
    client.willExpiry = wp?.messageExpiryInterval ?? 0;
    client.willDelay = wp?.willDelayInterval ?? 0;
  }

  // v5 limits the client set for what we send it.
  if (v5) {
    client.maxPacketSizeOut = props?.maximumPacketSize ?? client.maxPacketSizeOut;
    client.sendWindow = Math.min(props?.receiveMaximum ?? 65_535, options.maxInflight);
    if (options.maxTopicAlias > 0)
      client.inboundAliases = new InboundAliases(options.maxTopicAlias);
    const clientAliasMax = props?.topicAliasMaximum ?? 0;
    if (options.outboundTopicAlias > 0 && clientAliasMax > 0) {
      client.outboundAliases = new OutboundAliases(
        Math.min(clientAliasMax, options.outboundTopicAlias),
      );
    }
  }

  const { session, present } = broker.sessions.attach(client, packet.clean, expiry);
  client.state = ClientState.CONNECTED;

  const connack: Properties = {};
  if (v5) {
    if (assigned) connack.assignedClientIdentifier = client.clientId;
    if (grantedExpiry !== -1) connack.sessionExpiryInterval = grantedExpiry;
    if (serverKeepAlive !== -1) connack.serverKeepAlive = serverKeepAlive;
    connack.receiveMaximum = options.receiveMaximum;
    if (options.maxQos < 2) connack.maximumQoS = options.maxQos;
    connack.retainAvailable = options.retainAvailable ? 1 : 0;
    // Absent means "the protocol's limit" (3.2.2.3.6). Sending the protocol maximum
    // (268,435,460) instead breaks clients that cap the value at 268,435,455 (paho 1.6).
    if (options.maxPacketSize < 268_435_460) connack.maximumPacketSize = options.maxPacketSize;
    if (options.maxTopicAlias > 0) connack.topicAliasMaximum = options.maxTopicAlias;
    connack.wildcardSubscriptionAvailable = options.wildcardSubscriptionAvailable ? 1 : 0;
    connack.subscriptionIdentifierAvailable = options.subscriptionIdentifierAvailable ? 1 : 0;
    connack.sharedSubscriptionAvailable = options.sharedSubscriptionAvailable ? 1 : 0;
    // Request Response Information [MQTT-3.1.2-28]: a per-client topic root to reply on.
    if (props?.requestResponseInformation === 1)
      connack.responseInformation = `edgemq/response/${client.clientId}`;
    if (authProperties !== null) Object.assign(connack, authProperties);
  }
  // CONNACK is the first packet the server sends [MQTT-3.2.0-1]; Session Present per
  // [MQTT-3.2.2-2, 3.2.2-3].
  client.send(
    encodeConnack(
      {
        type: PacketType.CONNACK,
        sessionPresent: present,
        reasonCode: 0,
        properties: v5 ? connack : null,
      },
      packet.protocolVersion,
    ),
  );
  client.startTimers();
  broker.clientConnected(client, packet);
  // Resumed session: resend unacknowledged PUBLISH / PUBREL first, then the queue [MQTT-4.4.0-1].
  broker.delivery.resume(session);
}

/** Will properties that travel with the will message (Will Delay Interval does not). */
function willForwardProperties(p: Properties | null): Properties | null {
  if (p === null) return null;
  const copy: Properties = { ...p };
  delete copy.willDelayInterval;
  delete copy.messageExpiryInterval; // re-derived from expiresAt on delivery
  return forwardableProperties(Object.keys(copy).length === 0 ? null : copy);
}
