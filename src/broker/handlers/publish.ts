import { isUtf8 } from 'node:buffer';
import { PacketType, ReasonCode, type PublishPacket } from '../../codec/index.js';
import { TopicError, validateTopicName } from '../../topic/index.js';
import type { Verdict } from '../../hooks/types.js';
import type { ClientConnection } from '../client-connection.js';
import { Message, forwardableProperties } from '../message.js';

/**
 * Inbound PUBLISH [MQTT-3.3.4]: resolve the topic alias, check topic, QoS and retain against
 * what the broker offers, authorize, route, and acknowledge (PUBACK for QoS 1, PUBREC for
 * QoS 2, with exactly-once bookkeeping in the session).
 */
export function handlePublish(client: ClientConnection, packet: PublishPacket): void {
  const broker = client.broker;
  const options = broker.options;
  broker.metrics.publishReceived++;
  let topic = packet.topic;
  const props = packet.properties;

  // A client never sends a Subscription Identifier [MQTT-3.3.4-6].
  if (props !== null && props.subscriptionIdentifiers !== undefined) {
    client.fail(
      ReasonCode.PROTOCOL_ERROR,
      'subscription identifier in a PUBLISH from a client [MQTT-3.3.4-6]',
    );
    return;
  }
  // Topic Alias [MQTT-3.3.2-7..12]: 0 or above our maximum is 0x94, unknown is 0x82.
  if (props !== null && props.topicAlias !== undefined) {
    if (client.inboundAliases === null) {
      client.fail(ReasonCode.TOPIC_ALIAS_INVALID, 'topic aliases are not accepted');
      return;
    }
    const resolved = client.inboundAliases.resolve(props.topicAlias, topic);
    if (resolved instanceof TopicError) {
      client.fail(resolved.reasonCode, resolved.message);
      return;
    }
    topic = resolved;
  } else if (topic.length === 0 && client.protocolVersion === 5) {
    // v5: a zero-length Topic Name without a Topic Alias is a Protocol Error (§3.3.2.3.4).
    client.fail(ReasonCode.PROTOCOL_ERROR, 'empty topic name without a topic alias');
    return;
  }
  const invalid = validateTopicName(topic);
  if (invalid !== null) {
    client.fail(ReasonCode.TOPIC_NAME_INVALID, invalid.message); // [MQTT-3.3.2-2]
    return;
  }
  // A Response Topic is a Topic Name: no wildcards [MQTT-3.3.2-14].
  if (props?.responseTopic !== undefined && validateTopicName(props.responseTopic) !== null) {
    client.fail(ReasonCode.PROTOCOL_ERROR, 'invalid response topic [MQTT-3.3.2-14]');
    return;
  }
  if (packet.qos > options.maxQos) {
    client.fail(ReasonCode.QOS_NOT_SUPPORTED, 'QoS not supported [MQTT-3.2.2-11]');
    return;
  }
  if (packet.retain && !options.retainAvailable) {
    client.fail(ReasonCode.RETAIN_NOT_SUPPORTED, 'retain not supported [MQTT-3.2.2-14]');
    return;
  }

  const session = client.session;
  if (session === null) return;
  if (packet.qos === 2) {
    // A resent QoS 2 PUBLISH we already own is only acknowledged again [MQTT-4.3.3-9].
    if (session.awaitingRelease.has(packet.packetId)) {
      ackPublish(client, PacketType.PUBREC, packet.packetId, 0, broker.durable?.mark ?? 0);
      return;
    }
    // Receive Maximum: more unacknowledged QoS 2 than we allowed [MQTT-3.3.4-9].
    if (session.awaitingRelease.size >= options.receiveMaximum) {
      client.fail(ReasonCode.RECEIVE_MAXIMUM_EXCEEDED, 'receive maximum exceeded');
      return;
    }
  }

  // Payload Format Indicator 1 promises UTF-8 [MQTT-3.3.2-4]; we check it (0x99 otherwise).
  if (props !== null && props.payloadFormatIndicator === 1 && !isUtf8(packet.payload)) {
    refuse(client, packet, ReasonCode.PAYLOAD_FORMAT_INVALID);
    return;
  }

  const now = Date.now();
  const expiry = props?.messageExpiryInterval;
  const message = new Message(
    topic,
    packet.payload,
    packet.qos,
    packet.retain,
    forwardableProperties(props),
    expiry === undefined ? 0 : now + expiry * 1000,
    client.clientId,
  );

  if (broker.hooks.get('authorizePublish') === null) {
    accept(client, packet, message);
    return;
  }
  const verdict = broker.hooks.decide('authorizePublish', [client, message], 'allow');
  if (verdict instanceof Promise) {
    client.decoder.pause(); // keep per-client order [MQTT-4.6.0-?]
    if (packet.qos === 2) session.awaitingRelease.add(packet.packetId);
    verdict.then(
      (v) => {
        if (packet.qos === 2) session.awaitingRelease.delete(packet.packetId);
        decided(client, packet, message, v);
        client.decoder.resume();
      },
      () => {
        if (packet.qos === 2) session.awaitingRelease.delete(packet.packetId);
        decided(client, packet, message, 'deny');
        client.decoder.resume();
      },
    );
    return;
  }
  decided(client, packet, message, verdict);
}

function decided(
  client: ClientConnection,
  packet: PublishPacket,
  message: Message,
  verdict: Verdict,
): void {
  if (!client.connected) return;
  if (verdict === 'allow' || verdict === 'next') accept(client, packet, message);
  else refuse(client, packet, verdict === 'deny' ? ReasonCode.NOT_AUTHORIZED : verdict.reasonCode);
}

function accept(client: ClientConnection, packet: PublishPacket, message: Message): void {
  const broker = client.broker;
  // Persistence: what this PUBLISH writes decides whether its ack waits for the commit.
  const mark = broker.durable?.mark ?? 0;
  const refusedBefore = broker.delivery.refusals;
  const matched = broker.publish(message, client);
  if (packet.qos === 0) return;
  const v5 = client.protocolVersion === 5;
  // v5 may say nobody was listening (0x10) [MQTT-3.4.2.1], or that no session could take
  // it because the persistence store is full (0x97).
  let code = matched === 0 && v5 ? ReasonCode.NO_MATCHING_SUBSCRIBERS : 0;
  if (matched > 0 && v5 && broker.delivery.refusals - refusedBefore >= matched)
    code = ReasonCode.QUOTA_EXCEEDED;
  if (packet.qos === 1) {
    ackPublish(client, PacketType.PUBACK, packet.packetId, code, mark);
  } else {
    const session = client.session;
    if (session !== null && code < 0x80) {
      session.awaitingRelease.add(packet.packetId);
      broker.durable?.awaiting(session, packet.packetId, true);
    }
    ackPublish(client, PacketType.PUBREC, packet.packetId, code, mark);
  }
}

/** PUBACK / PUBREC: through the persistence group commit when there is one. */
function ackPublish(
  client: ClientConnection,
  type: 4 | 5,
  packetId: number,
  code: number,
  mark: number,
): void {
  const durable = client.broker.durable;
  if (durable === null) client.sendAck(type, packetId, code);
  else durable.ack(client, type, packetId, code, mark);
}

/** A refused message: QoS 0 is dropped, QoS 1/2 get the reason in PUBACK/PUBREC (v5). */
function refuse(client: ClientConnection, packet: PublishPacket, reasonCode: number): void {
  client.broker.metrics.messagesDropped++;
  if (packet.qos === 0) return;
  // 3.1.1 has no way to refuse: the message is acknowledged and dropped [MQTT-3.3.5-2].
  const code = client.protocolVersion === 5 ? reasonCode : 0;
  ackPublish(
    client,
    packet.qos === 1 ? PacketType.PUBACK : PacketType.PUBREC,
    packet.packetId,
    code,
    client.broker.durable?.mark ?? 0,
  );
}
