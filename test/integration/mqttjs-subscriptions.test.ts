// Subscriptions with MQTT.js: wildcards, overlapping subscriptions, No Local, Retain As
// Published, Retain Handling, subscription identifiers, UNSUBACK and SUBACK codes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType, ReasonCode, type QoS } from '../../src/codec/index.js';
import { barrier, subscribe, unsubscribe, withBroker, type Received } from '../helpers/mqttjs.js';

/** MQTT.js gives one Subscription Identifier as a number and several as an array. */
function subIds(m: Received | undefined): number[] {
  const ids = m?.properties?.subscriptionIdentifier;
  if (ids === undefined) return [];
  return (Array.isArray(ids) ? [...ids] : [ids]).sort((a, b) => a - b);
}

describe('MQTT.js: wildcards', () => {
  for (const protocolVersion of [4, 5] as const) {
    test(`[MQTT-4.7.1-1] [MQTT-4.7.1-2] '#' and '+' match the right levels (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients }) => {
        const pub = await clients.connect({ protocolVersion });
        const filters = ['wild/+/x', 'wild/#', '+/a/#', 'wild/+', '#'];
        const subs = [];
        for (const filter of filters) {
          const c = await clients.connect({ protocolVersion });
          assert.deepEqual(await subscribe(c.client, [filter, 'marker/t'], { qos: 1 }), [1, 1]);
          subs.push({ filter, c });
        }
        const topics = ['wild', 'wild/a/x', 'wild/a/b/x', 'wild/a', 'wild//x', 'other/a'];
        for (const topic of topics) await pub.client.publishAsync(topic, topic, { qos: 1 });
        const expected: Record<string, string[]> = {
          'wild/+/x': ['wild/a/x', 'wild//x'],
          // '#' also matches the parent level [MQTT-4.7.1-2].
          'wild/#': ['wild', 'wild/a/x', 'wild/a/b/x', 'wild/a', 'wild//x'],
          '+/a/#': ['wild/a/x', 'wild/a/b/x', 'wild/a', 'other/a'],
          'wild/+': ['wild/a'],
          '#': topics,
        };
        for (const { filter, c } of subs) {
          await barrier(pub.client, c.inbox, 'marker/t');
          const got = c.inbox.messages.filter((m) => m.topic !== 'marker/t').map((m) => m.topic);
          assert.deepEqual(got, expected[filter], `filter ${filter}`);
        }
      });
    });
  }
});

describe('MQTT.js: overlapping subscriptions', () => {
  test('[MQTT-3.3.4-2] [MQTT-3.3.4-4] one copy at the highest QoS with every matching subscription identifier (v5)', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, 'ov/#', { qos: 0, properties: { subscriptionIdentifier: 1 } });
      await subscribe(sub.client, 'ov/+', { qos: 2, properties: { subscriptionIdentifier: 2 } });
      await subscribe(sub.client, 'ov/a', { qos: 1 }); // no identifier
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('ov/a', 'overlap', { qos: 2 });
      await pub.client.publishAsync('ov/b/c', 'only-hash', { qos: 2 });
      await sub.inbox.waitPayload('only-hash');
      await barrier(pub.client, sub.inbox, 'ov/a');
      const [first, second] = sub.inbox.messages;
      assert.equal(sub.inbox.messages.length, 3, 'one copy each, plus the barrier');
      assert.equal(first?.payload, 'overlap');
      assert.equal(first.qos, 2);
      assert.deepEqual(subIds(first), [1, 2]);
      assert.equal(second?.payload, 'only-hash');
      assert.equal(second.qos, 0);
      assert.deepEqual(subIds(second), [1]);
    });
  });

  test('[MQTT-3.3.4-2] one copy at the highest QoS (3.1.1)', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 4 });
      assert.deepEqual(
        await subscribe(sub.client, { 'ov4/#': { qos: 0 }, 'ov4/a': { qos: 1 } }),
        [0, 1],
      );
      const pub = await clients.connect({ protocolVersion: 4 });
      await pub.client.publishAsync('ov4/a', 'x', { qos: 2 });
      await sub.inbox.waitPayload('x');
      await barrier(pub.client, sub.inbox, 'ov4/a');
      assert.equal(sub.inbox.messages.length, 2, 'one copy of x, then the barrier');
      assert.deepEqual([sub.inbox.messages[0]?.payload, sub.inbox.messages[0]?.qos], ['x', 1]);
    });
  });
});

describe('MQTT.js v5: subscription options', () => {
  test('[MQTT-3.8.3-3] No Local: own messages are not sent back, others are', async () => {
    await withBroker({}, async ({ clients }) => {
      const self = await clients.connect({ protocolVersion: 5 });
      const plain = await clients.connect({ protocolVersion: 5 });
      await subscribe(self.client, 'nl/t', { qos: 1, nl: true });
      await subscribe(plain.client, 'nl/t', { qos: 1 });
      await self.client.publishAsync('nl/t', 'mine', { qos: 1 });
      await plain.client.publishAsync('nl/t', 'theirs', { qos: 1 });
      await self.inbox.waitPayload('theirs');
      await plain.inbox.waitPayload('theirs');
      assert.deepEqual(self.inbox.payloads(), ['theirs']);
      // Without No Local, one's own message comes back.
      assert.deepEqual(plain.inbox.payloads(), ['mine', 'theirs']);
    });
  });

  test('[MQTT-3.8.3-3] [MQTT-3.3.4-3] No Local skips only its own subscription: an overlapping one still delivers', async () => {
    await withBroker({}, async ({ clients }) => {
      const self = await clients.connect({ protocolVersion: 5 });
      await subscribe(self.client, 'nlo/#', {
        qos: 2,
        nl: true,
        properties: { subscriptionIdentifier: 1 },
      });
      await subscribe(self.client, 'nlo/t', { qos: 1, properties: { subscriptionIdentifier: 2 } });
      await self.client.publishAsync('nlo/t', 'mine', { qos: 2 });
      const m = await self.inbox.waitPayload('mine');
      assert.equal(m.qos, 1, 'QoS of the subscription that matched');
      assert.deepEqual(subIds(m), [2]);
      await self.client.publishAsync('nlo/other', 'not-back', { qos: 1 });
      await barrier(self.client, self.inbox, 'nlo/t');
      assert.deepEqual(self.inbox.payloads('nlo/other'), []);
    });
  });

  test('[MQTT-3.3.1-12] [MQTT-3.3.1-13] Retain As Published keeps the RETAIN flag on live messages', async () => {
    await withBroker({}, async ({ clients }) => {
      const rap = await clients.connect({ protocolVersion: 5 });
      const norap = await clients.connect({ protocolVersion: 5 });
      const v4 = await clients.connect({ protocolVersion: 4 });
      await subscribe(rap.client, 'rap/t', { qos: 1, rap: true });
      await subscribe(norap.client, 'rap/t', { qos: 1, rap: false });
      await subscribe(v4.client, 'rap/t', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('rap/t', 'live-retained', { qos: 1, retain: true });
      await pub.client.publishAsync('rap/t', 'live-plain', { qos: 1, retain: false });
      for (const c of [rap, norap, v4]) await c.inbox.waitCount(2);
      assert.deepEqual(
        rap.inbox.messages.map((m) => m.retain),
        [true, false],
      );
      assert.deepEqual(
        norap.inbox.messages.map((m) => m.retain),
        [false, false],
      );
      // 3.1.1: a message matching an established subscription goes out with RETAIN 0 [MQTT-3.3.1-9 v3.1.1].
      assert.deepEqual(
        v4.inbox.messages.map((m) => m.retain),
        [false, false],
      );

      // A retained message sent because of a new subscription has RETAIN 1 either way.
      const late = await clients.connect({ protocolVersion: 5 });
      await subscribe(late.client, 'rap/t', { qos: 1, rap: false });
      const m = await late.inbox.waitPayload('live-retained');
      assert.equal(m.retain, true);
    });
  });

  test('[MQTT-3.3.1-9] [MQTT-3.3.1-10] [MQTT-3.3.1-11] Retain Handling 0, 1 and 2', async () => {
    await withBroker({}, async ({ clients }) => {
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('rh/t', 'kept', { qos: 1, retain: true });
      await pub.client.publishAsync('rh/sentinel', 'sentinel', { qos: 1, retain: true });

      /** Subscribes to rh/t with `rh`, then to the sentinel; returns how many 'kept' arrived. */
      const round = async (
        c: Awaited<ReturnType<typeof clients.connect>>,
        rh: number,
      ): Promise<number> => {
        const before = c.inbox.payloads('rh/sentinel').length;
        await subscribe(c.client, 'rh/t', { qos: 1, rh });
        await subscribe(c.client, 'rh/sentinel', { qos: 1 });
        await c.inbox.waitCount(before + 1, 'rh/sentinel');
        return c.inbox.payloads('rh/t').length;
      };

      const rh0 = await clients.connect({ protocolVersion: 5 });
      assert.equal(await round(rh0, 0), 1, 'RH 0 sends on subscribe');
      assert.equal(await round(rh0, 0), 2, 'RH 0 sends again on a repeated subscribe');

      const rh1 = await clients.connect({ protocolVersion: 5 });
      assert.equal(await round(rh1, 1), 1, 'RH 1 sends for a new subscription');
      assert.equal(await round(rh1, 1), 1, 'RH 1 does not send when the subscription existed');

      const rh2 = await clients.connect({ protocolVersion: 5 });
      assert.equal(await round(rh2, 2), 0, 'RH 2 never sends retained messages');
      // It is a real subscription all the same.
      await pub.client.publishAsync('rh/t', 'live', { qos: 1 });
      assert.equal((await rh2.inbox.waitPayload('live', 'rh/t')).retain, false);
    });
  });

  test('[MQTT-3.3.4-3] [MQTT-3.8.4-3] subscription identifiers: on live and retained deliveries, replaced with the subscription', async () => {
    await withBroker({}, async ({ clients }) => {
      const pub = await clients.connect({ protocolVersion: 4 });
      await pub.client.publishAsync('sid/r', 'retained', { qos: 1, retain: true });
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, 'sid/+', { qos: 1, properties: { subscriptionIdentifier: 42 } });
      const retained = await sub.inbox.waitPayload('retained');
      assert.deepEqual(subIds(retained), [42]);
      await pub.client.publishAsync('sid/x', 'live', { qos: 1 });
      assert.deepEqual(subIds(await sub.inbox.waitPayload('live')), [42]);
      // The same filter again with another identifier replaces it.
      await subscribe(sub.client, 'sid/+', {
        qos: 1,
        properties: { subscriptionIdentifier: 268_435_455 },
      });
      await pub.client.publishAsync('sid/x', 'replaced', { qos: 1 });
      assert.deepEqual(subIds(await sub.inbox.waitPayload('replaced')), [268_435_455]);
      // And without one, messages carry none.
      await subscribe(sub.client, 'sid/+', { qos: 1 });
      await pub.client.publishAsync('sid/x', 'none', { qos: 1 });
      assert.deepEqual(subIds(await sub.inbox.waitPayload('none')), []);
    });
  });
});

describe('MQTT.js: SUBACK and UNSUBACK codes', () => {
  test('[MQTT-3.11.3-1] [MQTT-3.10.4-5] UNSUBACK: 0x00 for a removed subscription, 0x11 when none existed (v5)', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, ['u/a', 'u/marker'], { qos: 1 });
      assert.deepEqual(await unsubscribe(sub.client, ['u/a', 'u/none']), [
        ReasonCode.SUCCESS,
        ReasonCode.NO_SUBSCRIPTION_EXISTED,
      ]);
      assert.deepEqual(await unsubscribe(sub.client, 'u/a'), [ReasonCode.NO_SUBSCRIPTION_EXISTED]);
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('u/a', 'after-unsubscribe', { qos: 1 });
      await barrier(pub.client, sub.inbox, 'u/marker');
      assert.deepEqual(sub.inbox.payloads('u/a'), []);
    });
  });

  test('[MQTT-3.10.4-5] 3.1.1 UNSUBACK also when nothing matched', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 4 });
      assert.deepEqual(await unsubscribe(sub.client, 'never/subscribed'), []);
      await subscribe(sub.client, 'u4/t', { qos: 0 });
      assert.deepEqual(await unsubscribe(sub.client, 'u4/t'), []);
    });
  });

  for (const version of [4, 5] as const) {
    const failure = version === 5 ? ReasonCode.TOPIC_FILTER_INVALID : 0x80;
    test(`[MQTT-3.9.3-1] [MQTT-3.8.4-7] SUBACK answers each filter in order, 0x${failure.toString(16)} for invalid ones (v${version})`, async () => {
      await withBroker({}, async ({ clients }) => {
        // MQTT.js validates filters itself, so the invalid ones are sent raw.
        const raw = await clients.raw(version);
        await raw.connect();
        const sub = (topicFilter: string, qos: QoS) => ({
          topicFilter,
          qos,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0 as const,
        });
        raw.send({
          type: PacketType.SUBSCRIBE,
          packetId: 11,
          subscriptions: [
            sub('ok/t', 1),
            sub('a/#/b', 0),
            sub('bad/x+', 2),
            sub('$share//t', 1),
            sub('fine/#', 2),
          ],
          properties: null,
        });
        const suback = await raw.next(PacketType.SUBACK);
        assert.equal(suback.packetId, 11);
        assert.deepEqual(suback.reasonCodes, [1, failure, failure, failure, 2]);
        // The connection stays usable and the valid filters work.
        const pub = await clients.connect({ protocolVersion: 5 });
        await pub.client.publishAsync('fine/x', 'yes', { qos: 2 });
        const p = await raw.next(PacketType.PUBLISH);
        assert.deepEqual([p.topic, p.payload.toString(), p.qos], ['fine/x', 'yes', 2]);
      });
    });
  }
});
