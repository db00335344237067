// MQTT 5 limits with MQTT.js: the CONNACK capability properties and what the broker does
// when they are ignored, topic aliases in both directions, Maximum Packet Size both ways.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { subscribe, withBroker } from '../helpers/mqttjs.js';
import { waitFor } from '../helpers/wait.js';

describe('MQTT.js v5: topic aliases from the client', () => {
  test('[MQTT-3.3.2-12] an alias set with a topic is used for later PUBLISH with an empty topic', async () => {
    await withBroker({ maxTopicAlias: 2 }, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 4 });
      await subscribe(sub.client, 'ta/#', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      assert.equal(pub.connack.properties?.topicAliasMaximum, 2);
      await pub.client.publishAsync('ta/one', 'a', { qos: 1, properties: { topicAlias: 1 } });
      await pub.client.publishAsync('', 'b', { qos: 1, properties: { topicAlias: 1 } });
      await pub.client.publishAsync('ta/two', 'c', { qos: 0, properties: { topicAlias: 2 } });
      await pub.client.publishAsync('', 'd', { qos: 1, properties: { topicAlias: 2 } });
      // An alias may be remapped to another topic [MQTT-3.3.2-10..11 non-normative].
      await pub.client.publishAsync('ta/three', 'e', { qos: 1, properties: { topicAlias: 1 } });
      await pub.client.publishAsync('', 'f', { qos: 2, properties: { topicAlias: 1 } });
      await sub.inbox.waitCount(6);
      assert.deepEqual(
        sub.inbox.messages.map((m) => `${m.topic}:${m.payload}`),
        ['ta/one:a', 'ta/one:b', 'ta/two:c', 'ta/two:d', 'ta/three:e', 'ta/three:f'],
      );
    });
  });

  for (const [name, alias, topic, code] of [
    ['above Topic Alias Maximum', 3, 'ta/x', ReasonCode.TOPIC_ALIAS_INVALID],
    ['0', 0, 'ta/x', ReasonCode.TOPIC_ALIAS_INVALID],
    ['never set (empty topic)', 2, '', ReasonCode.PROTOCOL_ERROR],
  ] as const) {
    test(`[MQTT-3.3.2-8] [MQTT-3.3.2-9] a topic alias ${name} ends the connection (DISCONNECT 0x${code.toString(16)})`, async () => {
      await withBroker({ maxTopicAlias: 2 }, async ({ clients }) => {
        const raw = await clients.raw(5);
        await raw.connect();
        raw.send({
          type: PacketType.PUBLISH,
          topic,
          payload: Buffer.from('x'),
          qos: 0,
          retain: false,
          dup: false,
          packetId: 0,
          properties: { topicAlias: alias },
        });
        const d = await raw.next(PacketType.DISCONNECT);
        assert.equal(d.reasonCode, code);
        await raw.waitClosed();
      });
    });
  }

  test('[MQTT-3.2.2-17] with max_topic_alias 0 the CONNACK has no Topic Alias Maximum and an alias is refused', async () => {
    await withBroker({ maxTopicAlias: 0 }, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5 });
      assert.equal(c.connack.properties?.topicAliasMaximum, undefined);
      const raw = await clients.raw(5);
      await raw.connect();
      raw.send({
        type: PacketType.PUBLISH,
        topic: 'a',
        payload: Buffer.from('x'),
        qos: 0,
        retain: false,
        dup: false,
        packetId: 0,
        properties: { topicAlias: 1 },
      });
      assert.equal(
        (await raw.next(PacketType.DISCONNECT)).reasonCode,
        ReasonCode.TOPIC_ALIAS_INVALID,
      );
    });
  });
});

describe('MQTT.js v5: topic aliases to the client', () => {
  test('[MQTT-3.3.2-11] the broker assigns aliases up to the client Topic Alias Maximum', async () => {
    await withBroker({ outboundTopicAlias: 10 }, async ({ clients }) => {
      const sub = await clients.connect({
        protocolVersion: 5,
        properties: { topicAliasMaximum: 2 },
      });
      await subscribe(sub.client, 'oa/#', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 4 });
      const topics = ['oa/a', 'oa/a', 'oa/b', 'oa/b', 'oa/c', 'oa/a', 'oa/c'];
      for (const [i, t] of topics.entries())
        await pub.client.publishAsync(t, `p${i}`, { qos: i % 2 === 0 ? 0 : 1 });
      await sub.inbox.waitCount(topics.length);
      // MQTT.js resolved every alias: the application sees the real topics.
      assert.deepEqual(
        sub.inbox.messages.map((m) => m.topic),
        topics,
      );
      const aliases = sub.received
        .filter((p) => p.cmd === 'publish')
        .map((p) => p.properties?.topicAlias);
      assert.equal(aliases.length, topics.length);
      for (const a of aliases)
        assert.ok(a !== undefined && a >= 1 && a <= 2, `alias ${a} within the client maximum`);
      // MQTT.js restores the topic on the packet object, so count the distinct aliases used:
      // three topics through two aliases means one was remapped.
      assert.equal(new Set(aliases).size, 2);
      assert.deepEqual(sub.errors, []);
    });
  });

  test('[MQTT-3.1.2-25] [MQTT-3.3.2-11] a PUBLISH dropped for size does not leave an alias the client never learnt', async () => {
    await withBroker({ outboundTopicAlias: 10 }, async ({ clients }) => {
      const sub = await clients.connect({
        protocolVersion: 5,
        properties: { topicAliasMaximum: 5, maximumPacketSize: 100 },
      });
      await subscribe(sub.client, 'oab/t', { qos: 0 });
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('oab/t', 'x'.repeat(500), { qos: 1 });
      await pub.client.publishAsync('oab/t', 'small', { qos: 1 });
      await pub.client.publishAsync('oab/t', 'again', { qos: 1 });
      await sub.inbox.waitPayload('again', 'oab/t');
      assert.deepEqual(sub.inbox.payloads(), ['small', 'again']);
      assert.deepEqual(sub.errors, []);
    });
  });
});

describe('MQTT.js v5: Maximum Packet Size', () => {
  test('[MQTT-3.1.2-24] [MQTT-3.1.2-25] the broker never sends a PUBLISH larger than the client allows', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const sub = await clients.connect({
        protocolVersion: 5,
        properties: { maximumPacketSize: 100 },
      });
      await subscribe(sub.client, 'mps/t', { qos: 0 });
      const pub = await clients.connect({ protocolVersion: 5 });
      // A QoS 0 PUBLISH on 'mps/t' without properties is 10 bytes + payload.
      const fits = 'f'.repeat(90);
      const tooBig = 'x'.repeat(91);
      const dropped = broker.metrics.messagesDropped;
      await pub.client.publishAsync('mps/t', tooBig, { qos: 1 });
      await pub.client.publishAsync('mps/t', 'y'.repeat(5000), { qos: 1 });
      await pub.client.publishAsync('mps/t', fits, { qos: 1 });
      await sub.inbox.waitPayload(fits);
      assert.deepEqual(sub.inbox.payloads(), [fits]);
      assert.equal(broker.metrics.messagesDropped - dropped, 2);
      assert.deepEqual(sub.errors, []);
      assert.equal(sub.closed(), false);
      for (const p of sub.received) if (p.cmd === 'publish') assert.ok((p.length ?? 0) + 2 <= 100);
    });
  });

  test('[MQTT-4.13.1-1] [§3.2.2.3.6] a client PUBLISH above the broker Maximum Packet Size gets DISCONNECT 0x95', async () => {
    await withBroker({ maxPacketSize: 200 }, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5 });
      assert.equal(c.connack.properties?.maximumPacketSize, 200);
      const raw = await clients.raw(5);
      await raw.connect();
      raw.send({
        type: PacketType.PUBLISH,
        topic: 'big',
        payload: Buffer.alloc(300),
        qos: 0,
        retain: false,
        dup: false,
        packetId: 0,
        properties: null,
      });
      assert.equal((await raw.next(PacketType.DISCONNECT)).reasonCode, ReasonCode.PACKET_TOO_LARGE);
      await raw.waitClosed();
    });
  });
});

describe('MQTT.js v5: CONNACK capabilities', () => {
  test('[MQTT-3.2.2] defaults: every feature available, limits announced', async () => {
    await withBroker({}, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5, keepalive: 30 });
      const p = c.connack.properties;
      assert.equal(c.connack.reasonCode, 0);
      assert.equal(p?.maximumQoS, undefined, 'absent means QoS 2');
      assert.equal(p?.retainAvailable, true);
      assert.equal(p.wildcardSubscriptionAvailable, true);
      assert.equal(p.subscriptionIdentifiersAvailable, true);
      assert.equal(p.sharedSubscriptionAvailable, true);
      assert.equal(p.topicAliasMaximum, 1024);
      assert.equal(p.receiveMaximum, 65_535);
      assert.equal(p.maximumPacketSize, undefined, 'absent: the protocol limit');
      assert.equal(p.serverKeepAlive, undefined);
      assert.equal(p.assignedClientIdentifier, undefined);
    });
  });

  test('[MQTT-3.2.2-9] [MQTT-3.2.2-11] [MQTT-3.2.2-14] restricted broker: capabilities announced and enforced', async () => {
    const restricted = {
      maxQos: 1 as const,
      retainAvailable: false,
      wildcardSubscriptionAvailable: false,
      subscriptionIdentifierAvailable: false,
      sharedSubscriptionAvailable: false,
      maxTopicAlias: 5,
      receiveMaximum: 10,
      maxPacketSize: 4096,
      maxKeepalive: 30,
    };
    await withBroker(restricted, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5, keepalive: 60 });
      const p = c.connack.properties;
      assert.equal(p?.maximumQoS, 1);
      assert.equal(p.retainAvailable, false);
      assert.equal(p.wildcardSubscriptionAvailable, false);
      assert.equal(p.subscriptionIdentifiersAvailable, false);
      assert.equal(p.sharedSubscriptionAvailable, false);
      assert.equal(p.topicAliasMaximum, 5);
      assert.equal(p.receiveMaximum, 10);
      assert.equal(p.maximumPacketSize, 4096);
      assert.equal(p.serverKeepAlive, 30);

      // SUBSCRIBE: QoS 2 granted as 1, wildcard 0xA2, shared 0x9E, in one SUBACK.
      const codes = await subscribe(c.client, {
        'cap/t': { qos: 2 },
        'cap/+': { qos: 0 },
        '$share/g/cap/t': { qos: 1 },
      });
      assert.deepEqual(codes, [
        1,
        ReasonCode.WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED,
        ReasonCode.SHARED_SUBSCRIPTIONS_NOT_SUPPORTED,
      ]);
      // 3.1.1 gets its QoS capped too.
      const v4 = await clients.connect({ protocolVersion: 4 });
      assert.deepEqual(await subscribe(v4.client, 'cap/t', { qos: 2 }), [1]);
      // A will the broker cannot honour is refused in CONNACK [MQTT-3.2.2-12, 3.2.2-13].
      const will = { topic: 'cap/will', payload: Buffer.from('w'), retain: false };
      assert.equal(
        await clients.refused({ protocolVersion: 5, will: { ...will, qos: 2 } }),
        ReasonCode.QOS_NOT_SUPPORTED,
      );
      assert.equal(
        await clients.refused({ protocolVersion: 5, will: { ...will, qos: 1, retain: true } }),
        ReasonCode.RETAIN_NOT_SUPPORTED,
      );
    });
  });

  for (const [name, send, code] of [
    [
      'QoS 2 PUBLISH above Maximum QoS',
      { qos: 2, retain: false, properties: null },
      ReasonCode.QOS_NOT_SUPPORTED,
    ],
    [
      'retained PUBLISH without Retain Available',
      { qos: 1, retain: true, properties: null },
      ReasonCode.RETAIN_NOT_SUPPORTED,
    ],
  ] as const) {
    test(`[MQTT-3.2.2-12] [MQTT-3.2.2-15] ${name}: DISCONNECT 0x${code.toString(16)}`, async () => {
      await withBroker({ maxQos: 1, retainAvailable: false }, async ({ clients }) => {
        const c = await clients.connect({ protocolVersion: 5 });
        c.client.publish('cap/x', 'x', { qos: send.qos, retain: send.retain });
        await waitFor(() => c.disconnects.length > 0, 'DISCONNECT');
        assert.equal(c.disconnects[0]?.reasonCode, code);
      });
    });
  }

  test('[§3.2.2.3.13] a Subscription Identifier when not available: DISCONNECT 0xA1', async () => {
    await withBroker({ subscriptionIdentifierAvailable: false }, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5 });
      c.client.subscribe('sid/t', { qos: 1, properties: { subscriptionIdentifier: 7 } });
      await waitFor(() => c.disconnects.length > 0, 'DISCONNECT');
      assert.equal(c.disconnects[0]?.reasonCode, ReasonCode.SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED);
    });
  });
});
