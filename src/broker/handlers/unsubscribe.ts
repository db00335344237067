import {
  PacketType,
  ReasonCode,
  encodeUnsuback,
  type UnsubscribePacket,
} from '../../codec/index.js';
import { TopicError, parseSubscriptionFilter } from '../../topic/index.js';
import type { ClientConnection } from '../client-connection.js';

/** UNSUBSCRIBE [MQTT-3.10.4]: one reason code per filter in v5 (0x11 when none existed). */
export function handleUnsubscribe(client: ClientConnection, packet: UnsubscribePacket): void {
  const broker = client.broker;
  const session = client.session;
  if (session === null) return;
  const codes: number[] = [];
  for (const raw of packet.topicFilters) {
    if (parseSubscriptionFilter(raw) instanceof TopicError) {
      codes.push(ReasonCode.TOPIC_FILTER_INVALID);
      continue;
    }
    const removed = broker.router.remove(session, raw);
    codes.push(removed ? ReasonCode.SUCCESS : ReasonCode.NO_SUBSCRIPTION_EXISTED);
    if (removed) {
      broker.durable?.unsubscribed(session, raw);
      broker.hooks.notify('unsubscribed', client, raw);
    }
  }
  // UNSUBACK even when nothing matched [MQTT-3.10.4-5].
  client.send(
    encodeUnsuback(
      {
        type: PacketType.UNSUBACK,
        packetId: packet.packetId,
        reasonCodes: codes,
        properties: null,
      },
      client.protocolVersion,
    ),
  );
}
