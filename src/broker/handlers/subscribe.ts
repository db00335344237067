import {
  PacketType,
  ReasonCode,
  SUBACK_FAILURE_V4,
  encodeSuback,
  type QoS,
  type SubscribePacket,
  type Subscription,
} from '../../codec/index.js';
import { TopicError, isWildcardFilter, parseSubscriptionFilter } from '../../topic/index.js';
import type { Verdict } from '../../hooks/types.js';
import type { ClientConnection } from '../client-connection.js';
import { SubscriptionRecord } from '../session.js';

/** A subscription that passed the syntax checks, waiting for authorization. */
interface Candidate {
  readonly sub: Subscription;
  readonly filter: string;
  readonly group: string | null;
}

/**
 * SUBSCRIBE [MQTT-3.8.4]: each filter is checked, authorized and granted (or refused with
 * its own code), SUBACK answers in order, then retained messages follow per Retain Handling.
 */
export function handleSubscribe(client: ClientConnection, packet: SubscribePacket): void {
  const options = client.broker.options;
  const subscriptionId = packet.properties?.subscriptionIdentifiers?.[0] ?? 0;
  if (subscriptionId !== 0 && !options.subscriptionIdentifierAvailable) {
    client.fail(
      ReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED,
      'subscription identifiers not supported',
    );
    return;
  }
  const codes: number[] = [];
  const candidates: (Candidate | null)[] = [];
  const verdicts: (Verdict | Promise<Verdict>)[] = [];
  let async = false;
  for (const sub of packet.subscriptions) {
    const parsed = parseSubscriptionFilter(sub.topicFilter);
    let code = -1;
    if (parsed instanceof TopicError) code = ReasonCode.TOPIC_FILTER_INVALID;
    else if (parsed.group !== null && !options.sharedSubscriptionAvailable)
      code = ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED;
    else if (!options.wildcardSubscriptionAvailable && isWildcardFilter(parsed.filter))
      code = ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED;
    else if (parsed.group !== null && sub.noLocal) {
      // No Local on a shared subscription is a Protocol Error [MQTT-3.8.3-4].
      client.fail(ReasonCode.PROTOCOL_ERROR, 'No Local on a shared subscription');
      return;
    }
    if (code !== -1 || parsed instanceof TopicError) {
      codes.push(client.protocolVersion === 5 ? code : SUBACK_FAILURE_V4);
      candidates.push(null);
      verdicts.push('deny');
      continue;
    }
    codes.push(-1);
    candidates.push({ sub, filter: parsed.filter, group: parsed.group });
    const verdict = client.broker.hooks.decide('authorizeSubscribe', [client, sub], 'allow');
    if (verdict instanceof Promise) async = true;
    verdicts.push(verdict);
  }
  if (!async) {
    finishSubscribe(client, packet, subscriptionId, codes, candidates, verdicts as Verdict[]);
    return;
  }
  client.decoder.pause();
  Promise.all(verdicts.map((v) => Promise.resolve(v).catch((): Verdict => 'deny'))).then(
    (settled) => {
      if (client.connected)
        finishSubscribe(client, packet, subscriptionId, codes, candidates, settled);
      client.decoder.resume();
    },
    () => {
      client.decoder.resume();
    },
  );
}

function finishSubscribe(
  client: ClientConnection,
  packet: SubscribePacket,
  subscriptionId: number,
  codes: number[],
  candidates: (Candidate | null)[],
  verdicts: Verdict[],
): void {
  const broker = client.broker;
  const session = client.session;
  if (session === null) return;
  const retained: { record: SubscriptionRecord; isNew: boolean }[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i];
    if (candidate === null || candidate === undefined) continue;
    const verdict = verdicts[i] as Verdict;
    if (verdict !== 'allow' && verdict !== 'next') {
      const reason = verdict === 'deny' ? ReasonCode.NOT_AUTHORIZED : verdict.reasonCode;
      codes[i] = client.protocolVersion === 5 ? reason : SUBACK_FAILURE_V4;
      continue;
    }
    // Granted QoS: what was asked, capped by what the broker supports [MQTT-3.8.4-8].
    const granted = Math.min(candidate.sub.qos, broker.options.maxQos) as QoS;
    const record = new SubscriptionRecord(
      candidate.sub.topicFilter,
      candidate.filter,
      candidate.group,
      { ...candidate.sub, qos: granted },
      subscriptionId,
    );
    // An identical filter replaces the old subscription [MQTT-3.8.4-3].
    const isNew = broker.router.add(session, record);
    broker.durable?.subscribed(session, record);
    codes[i] = granted;
    broker.hooks.notify('subscribed', client, candidate.sub);
    // Retained messages go to new non-shared subscriptions only [MQTT-3.3.1-9..11].
    if (record.group === null) retained.push({ record, isNew });
  }
  client.send(
    encodeSuback(
      { type: PacketType.SUBACK, packetId: packet.packetId, reasonCodes: codes, properties: null },
      client.protocolVersion,
    ),
  );
  for (const { record, isNew } of retained) {
    if (record.retainHandling === 2 || (record.retainHandling === 1 && !isNew)) continue;
    broker.sendRetained(session, record);
  }
}
