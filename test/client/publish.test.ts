// Our client's PUBLISH flows against a real Mosquitto and against edgemq: QoS 0/1/2 both
// ways, the inflight window, topic aliases, the broker's limits, failure acks and MQTT 5
// properties. The wire is observed through a WireTap, not taken from the client's word.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientErrorCode, type MqttClient } from '../../src/client/index.js';
import { PacketType, type PublishPacket } from '../../src/codec/index.js';
import { BROKER_KINDS, launch } from './brokers.js';
import { client, inbox, waitFor } from './support.js';
import { WireTap } from './wire-tap.js';

const publishes = (tap: WireTap, dir: 'out' | 'in'): PublishPacket[] =>
  (dir === 'out'
    ? tap.sent(PacketType.PUBLISH)
    : tap.received(PacketType.PUBLISH)) as PublishPacket[];

async function subscribed(c: MqttClient, filter: string, qos: 0 | 1 | 2 = 2): Promise<void> {
  await c.connect();
  const codes = await c.subscribe(filter, { qos });
  assert.ok((codes[0] ?? 0x80) < 0x80, `subscribe ${filter}: ${codes[0]}`);
}

for (const kind of BROKER_KINDS) {
  describe(`client publish against ${kind}`, { concurrency: true }, () => {
    for (const version of [4, 5] as const) {
      test(`[MQTT-4.3.1-1] [MQTT-4.3.2-1] [MQTT-4.3.3-1] v${version} QoS 0/1/2 publish and receive`, async (t) => {
        const broker = await launch(t, kind);
        if (broker === null) return;
        const tap = new WireTap(broker.port);
        const c = client(t, broker.port, { protocolVersion: version, transport: tap.transport });
        const got = inbox(c);
        await subscribed(c, 'q/#');
        await c.publish('q/0', 'zero', { qos: 0 });
        await c.publish('q/1', 'one', { qos: 1 });
        await c.publish('q/2', Buffer.alloc(5000, 2), { qos: 2 }); // header + payload written apart
        await waitFor(() => got.length === 3, 'three messages');
        assert.deepEqual(
          got.map((m) => [m.topic, m.qos, m.retain, m.dup, m.payload.length]),
          [
            ['q/0', 0, false, false, 4],
            ['q/1', 1, false, false, 3],
            ['q/2', 2, false, false, 5000],
          ],
        );
        assert.equal(got[1]?.payload.toString(), 'one');
        // Our side of the flows: PUBREL after PUBREC; PUBACK / PUBREC+PUBCOMP for what we got.
        assert.equal(tap.sent(PacketType.PUBREL).length, 1);
        assert.equal(tap.received(PacketType.PUBCOMP).length, 1);
        await waitFor(
          () => tap.sent(PacketType.PUBCOMP).length === 1,
          'PUBCOMP for the QoS 2 message',
        );
        assert.equal(tap.sent(PacketType.PUBACK).length, 1);
        assert.equal(tap.sent(PacketType.PUBREC).length, 1);
        assert.equal(c.inflightCount, 0);
      });
    }

    test('[MQTT-3.3.1-8] a retained message reaches a later subscriber with retain set', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const pub = client(t, broker.port);
      await pub.connect();
      await pub.publish('keep/me', 'kept', { qos: 1, retain: true });
      const sub = client(t, broker.port);
      const got = inbox(sub);
      await subscribed(sub, 'keep/#', 1);
      await waitFor(() => got.length === 1, 'the retained message');
      assert.equal(got[0]?.retain, true);
      assert.equal(got[0].payload.toString(), 'kept');
      await pub.publish('keep/me', '', { qos: 1, retain: true }); // clear it
    });

    for (const qos of [1, 2] as const) {
      test(`[MQTT-3.3.4-7] QoS ${qos}: at most Receive Maximum (2) unacknowledged PUBLISHes, the rest queued`, async (t) => {
        const broker = await launch(t, kind, { receiveMaximum: 2 });
        if (broker === null) return;
        const tap = new WireTap(broker.port);
        const c = client(t, broker.port, { transport: tap.transport });
        await c.connect();
        assert.equal(c.brokerLimits.receiveMaximum, 2);
        const all = Array.from({ length: 12 }, (_, i) => c.publish('win/t', `m${i}`, { qos }));
        assert.equal(c.inflightCount, 2);
        assert.equal(c.queuedCount, 10);
        await Promise.all(all);
        assert.equal(publishes(tap, 'out').length, 12);
        assert.equal(tap.maxOutstanding(), 2);
        assert.equal(c.queuedCount, 0);
      });
    }

    test('v3.1.1: our own maxInflight caps the window (no Receive Maximum in 3.1.1)', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, {
        protocolVersion: 4,
        maxInflight: 3,
        transport: tap.transport,
      });
      await c.connect();
      await Promise.all(
        Array.from({ length: 10 }, (_, i) => c.publish('cap/t', `m${i}`, { qos: 1 })),
      );
      assert.equal(tap.maxOutstanding(), 3);
    });

    test('[MQTT-3.3.2-9] outbound topic aliases: within the broker maximum, repeats go out with an empty topic', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, { transport: tap.transport });
      const got = inbox(c);
      await subscribed(c, 'alias/#', 1);
      const max = c.brokerLimits.topicAliasMaximum;
      assert.ok(max >= 1);
      const topics = Array.from({ length: max + 2 }, (_, i) => `alias/t${i}`);
      for (const topic of [...topics, ...topics]) await c.publish(topic, topic, { qos: 1 });
      await waitFor(() => got.length === topics.length * 2, 'every aliased message');
      assert.deepEqual(
        got.map((m) => m.topic),
        got.map((m) => m.payload.toString()),
        'each message arrives on its own full topic',
      );
      const out = publishes(tap, 'out');
      for (const p of out) {
        const alias = p.properties?.topicAlias;
        assert.ok(alias !== undefined && alias >= 1 && alias <= max, `alias ${alias}`);
      }
      const first = out[0];
      assert.equal(first?.topic, 'alias/t0');
      // A topic sent again while its alias is still mapped goes out as alias only.
      await c.publish('alias/t0', 'again', { qos: 1 });
      await c.publish('alias/t0', 'again', { qos: 1 });
      const last = publishes(tap, 'out').at(-1);
      assert.equal(last?.topic, '');
      assert.ok(publishes(tap, 'out').some((p) => p.topic === ''));
    });

    test('[MQTT-3.2.2-15] a PUBLISH above the broker Maximum Packet Size is refused and not sent', async (t) => {
      const broker = await launch(t, kind, { maxPacketSize: 300 });
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, { transport: tap.transport });
      await c.connect();
      await assert.rejects(c.publish('big', Buffer.alloc(400), { qos: 1 }), {
        code: ClientErrorCode.NOT_SUPPORTED,
        message: /Maximum Packet Size 300/,
      });
      await c.publish('small', Buffer.alloc(100), { qos: 1 });
      assert.deepEqual(
        publishes(tap, 'out').map((p) => p.topic),
        ['small'],
      );
      assert.equal(c.options.store.size, 0, 'the refused message left the store');
    });

    test('[MQTT-3.2.2-11] QoS above the broker Maximum QoS is refused', async (t) => {
      const broker = await launch(t, kind, { maxQos: 1 });
      if (broker === null) return;
      const c = client(t, broker.port);
      await c.connect();
      assert.equal(c.brokerLimits.maximumQoS, 1);
      await assert.rejects(c.publish('q', 'x', { qos: 2 }), {
        code: ClientErrorCode.NOT_SUPPORTED,
      });
      await c.publish('q', 'x', { qos: 1 });
    });

    for (const qos of [1, 2] as const) {
      test(`[MQTT-4.3.3-4] v5 QoS ${qos} failure ack (not authorized) rejects with its reason code`, async (t) => {
        const broker = await launch(t, kind, { denyPublishPrefix: 'deny/' });
        if (broker === null) return;
        const tap = new WireTap(broker.port);
        const c = client(t, broker.port, { transport: tap.transport });
        await c.connect();
        const error = await c.publish('deny/x', 'no', { qos }).then(
          () => assert.fail('publish should reject'),
          (e: unknown) => e as { code: string; reasonCode: number; message: string },
        );
        assert.equal(error.code, ClientErrorCode.PUBLISH_FAILED);
        assert.equal(error.reasonCode, 0x87);
        assert.match(error.message, /PUBLISH to "deny\/x" failed: not authorized \(0x87\)/);
        assert.equal(tap.sent(PacketType.PUBREL).length, 0, 'no PUBREL after a failure PUBREC');
        assert.equal(c.inflightCount, 0);
        await c.publish('allowed/x', 'yes', { qos }); // the id space and window recovered
      });
    }

    test('[MQTT-3.3.2-17] [MQTT-3.3.2-18] v5 user properties and PUBLISH properties round trip', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const c = client(t, broker.port);
      const got = inbox(c);
      await c.connect();
      await c.subscribe([{ topicFilter: 'props/#', qos: 1 }], {
        subscriptionIdentifier: 42,
        userProperties: [['sub', 'yes']],
      });
      const userProperties: [string, string][] = [
        ['a', '1'],
        ['b', 'x'],
        ['a', '2'],
      ];
      await c.publish('props/t', 'p', {
        qos: 1,
        properties: {
          userProperties,
          contentType: 'text/plain',
          correlationData: Buffer.from([1, 2, 3]),
          responseTopic: 'props/reply',
          payloadFormatIndicator: 1,
        },
      });
      await waitFor(() => got.length === 1, 'the message with properties');
      const p = got[0]?.properties;
      assert.deepEqual(p?.userProperties, userProperties);
      assert.equal(p.contentType, 'text/plain');
      assert.deepEqual(p.correlationData, Buffer.from([1, 2, 3]));
      assert.equal(p.responseTopic, 'props/reply');
      assert.equal(p.payloadFormatIndicator, 1);
      assert.deepEqual(p.subscriptionIdentifiers, [42]);
    });
  });
}

describe('client publish against edgemq only', () => {
  test('[MQTT-3.3.2-10] inbound topic aliases from the broker resolve to full topics', async (t) => {
    const broker = await launch(t, 'edgemq', { edgemq: { outboundTopicAlias: 10 } });
    if (broker === null) return;
    const tap = new WireTap(broker.port);
    const sub = client(t, broker.port, {
      transport: tap.transport,
      properties: { topicAliasMaximum: 10 },
    });
    const got = inbox(sub);
    await subscribed(sub, 'in/#', 1);
    const pub = client(t, broker.port);
    await pub.connect();
    for (let i = 0; i < 3; i++) await pub.publish('in/alias/topic', `m${i}`, { qos: 1 });
    await pub.publish('in/other', 'o', { qos: 0 });
    await waitFor(() => got.length === 4, 'four messages');
    assert.deepEqual(
      got.map((m) => m.topic),
      ['in/alias/topic', 'in/alias/topic', 'in/alias/topic', 'in/other'],
    );
    const wire = publishes(tap, 'in');
    assert.ok(
      wire.some((p) => p.topic === '' && p.properties?.topicAlias !== undefined),
      'the broker did send alias-only PUBLISHes',
    );
  });

  test('[MQTT-3.2.2-14] retain is refused when the broker has no Retain Available', async (t) => {
    const broker = await launch(t, 'edgemq', { edgemq: { retainAvailable: false } });
    if (broker === null) return;
    const c = client(t, broker.port);
    await c.connect();
    await assert.rejects(c.publish('r', 'x', { qos: 1, retain: true }), {
      code: ClientErrorCode.NOT_SUPPORTED,
    });
  });
});
