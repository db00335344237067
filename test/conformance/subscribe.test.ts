// SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK and subscription options [MQTT-3.8 to 3.11].
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PacketType, ReasonCode, SUBACK_FAILURE_V4 } from '../../src/codec/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import {
  ack,
  connected,
  expectDisconnect,
  expectNone,
  expectSilentClose,
  publish,
  subscribe,
  subscribed,
  uniqueId,
} from './support.js';

let b: RunningBroker;

before(async () => {
  b = await startBroker();
});

after(async () => {
  await b.close();
});

test('[MQTT-3.8.3-2] a SUBSCRIBE without topic filters: v5 DISCONNECT 0x82, 3.1.1 closed', async () => {
  const v5 = await connected(b.port, 5);
  v5.sendRaw('82 03 0001 00');
  await expectDisconnect(v5, ReasonCode.PROTOCOL_ERROR);
  const v4 = await connected(b.port, 4);
  v4.sendRaw('82 02 0001');
  await expectSilentClose(v4);
});

test('[MQTT-3.8.3-5] reserved subscription option bits: v5 DISCONNECT 0x81, 3.1.1 closed', async () => {
  const v5 = await connected(b.port, 5);
  v5.sendRaw('82 07 0001 00 0001 61 c0');
  await expectDisconnect(v5, ReasonCode.MALFORMED_PACKET);
  const v4 = await connected(b.port, 4);
  v4.sendRaw('82 06 0001 0001 61 04'); // 3.1.1 has no No Local: bits 2-7 are reserved
  await expectSilentClose(v4);
});

test('[MQTT-3.8.3.1] Maximum QoS 3 or Retain Handling 3: v5 DISCONNECT 0x82', async () => {
  const qos3 = await connected(b.port, 5);
  qos3.sendRaw('82 07 0001 00 0001 61 03');
  await expectDisconnect(qos3, ReasonCode.PROTOCOL_ERROR);
  const rh3 = await connected(b.port, 5);
  rh3.sendRaw('82 07 0001 00 0001 61 30');
  await expectDisconnect(rh3, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.8.1-1] SUBSCRIBE fixed header flags other than 0010: v5 DISCONNECT 0x81', async () => {
  const client = await connected(b.port, 5);
  client.sendRaw('80 07 0001 00 0001 61 00');
  await expectDisconnect(client, ReasonCode.MALFORMED_PACKET);
});

test('[MQTT-3.8.3-4] No Local on a shared subscription: DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.send(subscribe(1, [{ topicFilter: '$share/g/nl/a', qos: 1, noLocal: true }]));
  await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
  assert.equal(
    client.packets.some((p) => p.type === PacketType.SUBACK),
    false,
  );
});

test('[MQTT-3.8.2.1.2] Subscription Identifier 0: DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.sendRaw('82 09 0001 02 0b 00 0001 61 00');
  await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.9.3-1] SUBACK has one reason code per filter, in order, failures included (v5)', async () => {
  const client = await connected(b.port, 5);
  client.send(
    subscribe(0x4242, [
      { topicFilter: 'order/a', qos: 0 },
      { topicFilter: 'order/#', qos: 1 },
      { topicFilter: 'order/#/x', qos: 1 },
      { topicFilter: 'order/c', qos: 2 },
      { topicFilter: 'order/d+', qos: 0 },
      { topicFilter: '$share/g/order/e', qos: 1 },
      { topicFilter: '$share//order/f', qos: 1 },
    ]),
  );
  const suback = await client.next(PacketType.SUBACK);
  assert.equal(suback.packetId, 0x4242); // [MQTT-3.8.4-2]
  const bad = ReasonCode.TOPIC_FILTER_INVALID;
  assert.deepEqual(suback.reasonCodes, [0, 1, bad, 2, bad, 1, bad]);
  client.close();
});

test('[MQTT-3.9.3-2] SUBACK return codes in order with 0x80 for failures (3.1.1)', async () => {
  const client = await connected(b.port, 4);
  client.send(
    subscribe(7, [
      { topicFilter: 'v4/a', qos: 2 },
      { topicFilter: 'v4/#/b', qos: 0 },
      { topicFilter: 'v4/+', qos: 1 },
    ]),
  );
  const suback = await client.next(PacketType.SUBACK);
  assert.equal(suback.packetId, 7);
  assert.deepEqual(suback.reasonCodes, [2, SUBACK_FAILURE_V4, 1]);
  client.close();
});

test('[MQTT-3.8.4-7] unsupported wildcard / shared / subscription identifiers get 0xA2 / 0x9E / DISCONNECT 0xA1', async () => {
  const limited = await startBroker({
    wildcardSubscriptionAvailable: false,
    sharedSubscriptionAvailable: false,
    subscriptionIdentifierAvailable: false,
  });
  try {
    const client = await connected(limited.port, 5);
    client.send(subscribe(1, ['lim/+', 'lim/#', '$share/g/lim/a', 'lim/a']));
    const suback = await client.next(PacketType.SUBACK);
    assert.deepEqual(suback.reasonCodes, [
      ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
      ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
      ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
      0,
    ]);
    client.send(subscribe(2, ['lim/b'], { subscriptionIdentifiers: [5] }));
    await expectDisconnect(client, ReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED);
  } finally {
    await limited.close();
  }
});

test('[MQTT-3.11.3-1] UNSUBACK: 0x00 for a removed subscription, 0x11 when none existed', async () => {
  const client = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const topic = `unsub/${uniqueId()}`;
  await subscribed(client, topic, 0);
  client.send({
    type: PacketType.UNSUBSCRIBE,
    packetId: 9,
    topicFilters: [topic, `${topic}/none`],
    properties: null,
  });
  const unsuback = await client.next(PacketType.UNSUBACK);
  assert.equal(unsuback.packetId, 9); // [MQTT-3.10.4-4]
  assert.deepEqual(unsuback.reasonCodes, [ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED]);
  // [MQTT-3.10.4-2] no new messages for the removed filter.
  pub.send(publish(topic, 'x', 0));
  await expectNone(client, PacketType.PUBLISH, 150);
  client.close();
  pub.close();
});

test('[MQTT-3.10.4-5] 3.1.1 UNSUBACK even when nothing matched; [MQTT-3.10.3-2] empty UNSUBSCRIBE closes', async () => {
  const client = await connected(b.port, 4);
  client.send({
    type: PacketType.UNSUBSCRIBE,
    packetId: 3,
    topicFilters: ['never/subscribed'],
    properties: null,
  });
  const unsuback = await client.next(PacketType.UNSUBACK);
  assert.equal(unsuback.packetId, 3);
  client.sendRaw('a2 02 0004');
  await expectSilentClose(client);
  const v5 = await connected(b.port, 5);
  v5.sendRaw('a2 03 0004 00');
  await expectDisconnect(v5, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.8.3-3] No Local: a client does not get its own messages back', async () => {
  const client = await connected(b.port, 5);
  const other = await connected(b.port, 5);
  const topic = `nolocal/${uniqueId()}`;
  client.send(subscribe(1, [{ topicFilter: topic, qos: 0, noLocal: true }]));
  await client.next(PacketType.SUBACK);
  await subscribed(other, topic, 0);
  client.send(publish(topic, 'mine', 0));
  assert.equal((await other.next(PacketType.PUBLISH)).payload.toString(), 'mine');
  await expectNone(client, PacketType.PUBLISH, 100);
  other.send(publish(topic, 'theirs', 0));
  assert.equal((await client.next(PacketType.PUBLISH)).payload.toString(), 'theirs');
  client.close();
  other.close();
});

test('[MQTT-3.3.4-2] [MQTT-3.3.4-3] overlapping subscriptions: one copy at the highest QoS with every identifier', async () => {
  const client = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const base = `overlap/${uniqueId()}`;
  client.send(
    subscribe(1, [{ topicFilter: `${base}/+`, qos: 0 }], { subscriptionIdentifiers: [11] }),
  );
  await client.next(PacketType.SUBACK);
  client.send(
    subscribe(2, [{ topicFilter: `${base}/#`, qos: 1 }], { subscriptionIdentifiers: [22] }),
  );
  await client.next(PacketType.SUBACK);
  pub.send(publish(`${base}/x`, 'x', 1, 1));
  await pub.next(PacketType.PUBACK);
  const got = await client.next(PacketType.PUBLISH);
  assert.equal(got.qos, 1);
  assert.deepEqual([...(got.properties?.subscriptionIdentifiers ?? [])].sort(), [11, 22]);
  client.send(ack(PacketType.PUBACK, got.packetId));
  await expectNone(client, PacketType.PUBLISH, 100);
  // [MQTT-3.8.4-3] an identical filter replaces the subscription (new id, new QoS).
  client.send(
    subscribe(3, [{ topicFilter: `${base}/#`, qos: 0 }], { subscriptionIdentifiers: [33] }),
  );
  assert.deepEqual((await client.next(PacketType.SUBACK)).reasonCodes, [0]);
  pub.send(publish(`${base}/y`, 'y', 1, 2));
  const again = await client.next(PacketType.PUBLISH);
  assert.equal(again.qos, 0);
  assert.deepEqual([...(again.properties?.subscriptionIdentifiers ?? [])].sort(), [11, 33]);
  client.close();
  pub.close();
});

test('[MQTT-3.3.1-9] [MQTT-3.3.1-12] [MQTT-3.3.1-13] retain flag: set for retained on subscribe, cleared on live forward unless Retain As Published', async () => {
  const pub = await connected(b.port, 5);
  const topic = `rflag/${uniqueId()}`;
  pub.send(publish(topic, 'kept', 1, 1, null, { retain: true }));
  await pub.next(PacketType.PUBACK);
  const plain = await connected(b.port, 5);
  const rap = await connected(b.port, 5);
  await subscribed(plain, topic, 0);
  rap.send(subscribe(1, [{ topicFilter: topic, qos: 0, retainAsPublished: true }]));
  await rap.next(PacketType.SUBACK);
  for (const c of [plain, rap]) {
    const stored = await c.next(PacketType.PUBLISH);
    assert.equal(stored.payload.toString(), 'kept');
    assert.equal(stored.retain, true);
  }
  pub.send(publish(topic, 'live', 0, 0, null, { retain: true }));
  assert.equal((await plain.next(PacketType.PUBLISH)).retain, false);
  assert.equal((await rap.next(PacketType.PUBLISH)).retain, true);
  // [MQTT-3.3.1-6] a zero-byte retained message clears it; [MQTT-3.3.1-7] and is not stored.
  pub.send(publish(topic, '', 0, 0, null, { retain: true }));
  await plain.next(PacketType.PUBLISH);
  const late = await connected(b.port, 5);
  await subscribed(late, topic, 0);
  await expectNone(late, PacketType.PUBLISH, 100);
  for (const c of [pub, plain, rap, late]) c.close();
});

test('[MQTT-3.3.1-10] [MQTT-3.3.1-11] Retain Handling 1 sends retained only for a new subscription, 2 never', async () => {
  const pub = await connected(b.port, 5);
  const topic = `rh/${uniqueId()}`;
  pub.send(publish(topic, 'kept', 1, 1, null, { retain: true }));
  await pub.next(PacketType.PUBACK);
  const client = await connected(b.port, 5);
  client.send(subscribe(1, [{ topicFilter: topic, qos: 0, retainHandling: 2 }]));
  await client.next(PacketType.SUBACK);
  await expectNone(client, PacketType.PUBLISH, 100);
  client.send(subscribe(3, [{ topicFilter: topic, qos: 0, retainHandling: 1 }]));
  await client.next(PacketType.SUBACK);
  await expectNone(client, PacketType.PUBLISH, 100); // exists already: nothing
  const fresh = await connected(b.port, 5);
  fresh.send(subscribe(1, [{ topicFilter: topic, qos: 0, retainHandling: 1 }]));
  await fresh.next(PacketType.SUBACK);
  assert.equal((await fresh.next(PacketType.PUBLISH)).payload.toString(), 'kept');
  pub.send(publish(topic, '', 0, 0, null, { retain: true }));
  for (const c of [pub, client, fresh]) c.close();
});
