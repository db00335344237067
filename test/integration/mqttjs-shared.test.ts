// Shared subscriptions with MQTT.js: `$share/{group}/{filter}` and `$queue/{filter}`, one
// member per message, round-robin distribution, several groups, hand-over of a leaving
// member's in-flight messages, and no retained messages on subscribe.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType, type PublishPacket } from '../../src/codec/index.js';
import {
  barrier,
  subscribe,
  unsubscribe,
  uniqueId,
  withBroker,
  type Connected,
} from '../helpers/mqttjs.js';
import type { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';

const payloads = (n: number, prefix = 'm'): string[] =>
  Array.from({ length: n }, (_, i) => `${prefix}${i}`);

function rawPublishes(raw: RawClient): PublishPacket[] {
  return raw.packets.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
}

async function rawSharedMember(
  raw: RawClient,
  filter: string,
  clientId: string,
  expiry = 0,
  qos: 1 | 2 = 1,
): Promise<void> {
  await raw.connect({
    clientId,
    properties: expiry === 0 ? null : { sessionExpiryInterval: expiry },
  });
  raw.send({
    type: PacketType.SUBSCRIBE,
    packetId: 1,
    subscriptions: [
      { topicFilter: filter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 },
    ],
    properties: null,
  });
  const suback = await raw.next(PacketType.SUBACK);
  assert.deepEqual(suback.reasonCodes, [qos]);
}

describe('MQTT.js: shared subscriptions', () => {
  test('[MQTT-4.8.2] $share: each message goes to exactly one member, round-robin across two', async () => {
    await withBroker({ sharedSubscriptionStrategy: 'round_robin' }, async ({ clients }) => {
      const a = await clients.connect({ protocolVersion: 5 });
      const b = await clients.connect({ protocolVersion: 5 });
      const plain = await clients.connect({ protocolVersion: 5 });
      assert.deepEqual(await subscribe(a.client, '$share/g/sh/t', { qos: 1 }), [1]);
      assert.deepEqual(await subscribe(b.client, '$share/g/sh/t', { qos: 1 }), [1]);
      await subscribe(plain.client, 'sh/t', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      const sent = payloads(10);
      for (const p of sent) await pub.client.publishAsync('sh/t', p, { qos: 1 });
      await plain.inbox.waitCount(10);
      await waitFor(
        () => a.inbox.messages.length + b.inbox.messages.length >= 10,
        'all shared copies',
      );
      assert.equal(a.inbox.messages.length, 5);
      assert.equal(b.inbox.messages.length, 5);
      // Together they saw every message once; the topic is the real one, not the $share filter.
      assert.deepEqual([...a.inbox.payloads(), ...b.inbox.payloads()].sort(), [...sent].sort());
      for (const m of [...a.inbox.messages, ...b.inbox.messages]) assert.equal(m.topic, 'sh/t');
      // A non-shared subscription on the same filter still gets every message.
      assert.deepEqual(plain.inbox.payloads(), sent);
      // Round-robin alternates strictly.
      const owner = sent.map((p) => (a.inbox.payloads().includes(p) ? 'a' : 'b'));
      for (let i = 1; i < owner.length; i++)
        assert.notEqual(owner[i], owner[i - 1], `alternation at ${i}`);
    });
  });

  test('[MQTT-4.8.2-3] every group gets one copy; members keep their own subscription QoS', async () => {
    await withBroker({}, async ({ clients }) => {
      const g1a = await clients.connect({ protocolVersion: 5 });
      const g1b = await clients.connect({ protocolVersion: 4 });
      const g2 = await clients.connect({ protocolVersion: 5 });
      await subscribe(g1a.client, '$share/one/grp/+', { qos: 2 });
      await subscribe(g1b.client, '$share/one/grp/+', { qos: 2 });
      await subscribe(g2.client, '$share/two/grp/#', { qos: 0 });
      const pub = await clients.connect({ protocolVersion: 5 });
      const sent = payloads(6);
      for (const p of sent) await pub.client.publishAsync('grp/x', p, { qos: 2 });
      await g2.inbox.waitCount(6);
      await waitFor(
        () => g1a.inbox.messages.length + g1b.inbox.messages.length >= 6,
        'group one copies',
      );
      assert.deepEqual(g2.inbox.payloads(), sent);
      for (const m of g2.inbox.messages) assert.equal(m.qos, 0);
      assert.deepEqual([...g1a.inbox.payloads(), ...g1b.inbox.payloads()].sort(), sent);
      for (const m of [...g1a.inbox.messages, ...g1b.inbox.messages]) assert.equal(m.qos, 2);
      assert.equal(g1a.inbox.messages.length, 3);
      assert.equal(g1b.inbox.messages.length, 3);
    });
  });

  test('[MQTT-4.8.2] $queue/{filter} is a shared subscription (3.1.1 members)', async () => {
    await withBroker({}, async ({ clients }) => {
      const a = await clients.connect({ protocolVersion: 4 });
      const b = await clients.connect({ protocolVersion: 4 });
      assert.deepEqual(await subscribe(a.client, '$queue/q/t', { qos: 1 }), [1]);
      assert.deepEqual(await subscribe(b.client, '$queue/q/t', { qos: 1 }), [1]);
      const pub = await clients.connect({ protocolVersion: 4 });
      const sent = payloads(6);
      for (const p of sent) await pub.client.publishAsync('q/t', p, { qos: 1 });
      await waitFor(() => a.inbox.messages.length + b.inbox.messages.length >= 6, 'queue copies');
      assert.equal(a.inbox.messages.length, 3);
      assert.equal(b.inbox.messages.length, 3);
      assert.deepEqual([...a.inbox.payloads(), ...b.inbox.payloads()].sort(), sent);
      // After unsubscribing, the other member gets everything.
      await unsubscribe(a.client, '$queue/q/t');
      for (const p of payloads(2, 'late')) await pub.client.publishAsync('q/t', p, { qos: 1 });
      await b.inbox.waitPayload('late1');
      assert.equal(a.inbox.messages.length, 3);
      assert.deepEqual(b.inbox.payloads().slice(3), ['late0', 'late1']);
    });
  });

  test('[MQTT-4.8.2] a member that unsubscribes hands its unacknowledged QoS 1 messages to another member', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const raw = await clients.raw(5);
      const rawId = uniqueId('leaver');
      await rawSharedMember(raw, '$share/h/leave/t', rawId);
      const stays = await clients.connect({ protocolVersion: 5 });
      await subscribe(stays.client, '$share/h/leave/t', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      const sent = payloads(4);
      for (const p of sent) await pub.client.publishAsync('leave/t', p, { qos: 1 });
      await waitFor(() => rawPublishes(raw).length === 2, 'two messages at the raw member');
      await stays.inbox.waitCount(2);
      const unacked = rawPublishes(raw).map((p) => p.payload.toString());
      assert.equal(broker.sessions.get(rawId)?.inflight.size, 2);

      raw.send({
        type: PacketType.UNSUBSCRIBE,
        packetId: 2,
        topicFilters: ['$share/h/leave/t'],
        properties: null,
      });
      assert.deepEqual((await raw.next(PacketType.UNSUBACK)).reasonCodes, [0]);
      await stays.inbox.waitCount(4);
      assert.deepEqual(stays.inbox.payloads().slice(2).sort(), [...unacked].sort());
      assert.deepEqual(stays.inbox.payloads().sort(), sent);
      assert.equal(
        broker.sessions.get(rawId)?.inflight.size,
        0,
        'nothing left in flight at the leaver',
      );
      // A late PUBACK from the leaver is harmless.
      for (const p of rawPublishes(raw))
        raw.send({
          type: PacketType.PUBACK,
          packetId: p.packetId,
          reasonCode: 0,
          properties: null,
        });
      await barrier(pub.client, stays.inbox, 'leave/t');
      assert.equal(stays.inbox.messages.length, 5);
    });
  });

  test('[MQTT-4.8.2] a member whose session ends hands its unacknowledged QoS 1 messages over', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(5);
      await rawSharedMember(raw, '$share/e/end/t', uniqueId('ender'));
      const stays = await clients.connect({ protocolVersion: 4 });
      await subscribe(stays.client, '$share/e/end/t', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      const sent = payloads(4);
      for (const p of sent) await pub.client.publishAsync('end/t', p, { qos: 1 });
      await waitFor(() => rawPublishes(raw).length === 2, 'two messages at the raw member');
      raw.close(); // session expiry 0: the session ends with the connection
      await stays.inbox.waitCount(4);
      assert.deepEqual(stays.inbox.payloads().sort(), sent);
    });
  });

  test('[MQTT-4.8.2-5] in-flight QoS 2 of a member whose session ends is not sent to another member', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(5);
      await rawSharedMember(raw, '$share/q2/q2end/t', uniqueId('q2ender'), 0, 2);
      const stays = await clients.connect({ protocolVersion: 5 });
      await subscribe(stays.client, '$share/q2/q2end/t', { qos: 2 });
      const pub = await clients.connect({ protocolVersion: 5 });
      for (const p of payloads(2)) await pub.client.publishAsync('q2end/t', p, { qos: 2 });
      await waitFor(() => rawPublishes(raw).length === 1, 'one QoS 2 message at the raw member');
      await stays.inbox.waitCount(1);
      const started = rawPublishes(raw)[0]?.payload.toString();
      raw.close(); // session expiry 0: the session ends before the delivery completed
      await barrier(pub.client, stays.inbox, 'q2end/t');
      assert.equal(stays.inbox.messages.length, 2, 'first message and the barrier only');
      assert.ok(
        !stays.inbox.payloads().includes(started ?? ''),
        `${started} must not be handed over`,
      );
    });
  });

  test('[MQTT-3.10.4-3] [MQTT-4.8.2-4] a member that unsubscribes completes its started QoS 2 delivery', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(5);
      await rawSharedMember(raw, '$share/q2u/q2un/t', uniqueId('q2unsub'), 0, 2);
      const stays = await clients.connect({ protocolVersion: 5 });
      await subscribe(stays.client, '$share/q2u/q2un/t', { qos: 2 });
      const pub = await clients.connect({ protocolVersion: 5 });
      for (const p of payloads(2)) await pub.client.publishAsync('q2un/t', p, { qos: 2 });
      await waitFor(() => rawPublishes(raw).length === 1, 'one QoS 2 message at the raw member');
      const started = rawPublishes(raw)[0];
      assert.ok(started !== undefined);
      raw.send({
        type: PacketType.UNSUBSCRIBE,
        packetId: 2,
        topicFilters: ['$share/q2u/q2un/t'],
        properties: null,
      });
      await raw.next(PacketType.UNSUBACK);
      raw.send({
        type: PacketType.PUBREC,
        packetId: started.packetId,
        reasonCode: 0,
        properties: null,
      });
      const rel = await raw.next(PacketType.PUBREL);
      assert.equal(rel.reasonCode, 0, 'the broker still knows the packet id');
      raw.send({
        type: PacketType.PUBCOMP,
        packetId: started.packetId,
        reasonCode: 0,
        properties: null,
      });
      await barrier(pub.client, stays.inbox, 'q2un/t');
      assert.equal(stays.inbox.messages.length, 2, 'first message and the barrier only');
      assert.ok(!stays.inbox.payloads().includes(started.payload.toString()));
    });
  });

  test('[MQTT-4.8.2] new messages go to a connected member while another member is offline', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('offline-member');
      const props = { sessionExpiryInterval: 60 };
      const away = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await subscribe(away.client, '$share/o/off/t', { qos: 1 });
      const here = await clients.connect({ protocolVersion: 5 });
      await subscribe(here.client, '$share/o/off/t', { qos: 1 });
      await away.client.endAsync();
      await waitFor(() => broker.sessions.get(id)?.client === null, 'member offline');
      const pub = await clients.connect({ protocolVersion: 5 });
      const sent = payloads(4);
      for (const p of sent) await pub.client.publishAsync('off/t', p, { qos: 1 });
      await here.inbox.waitCount(4);
      assert.deepEqual(here.inbox.payloads(), sent);
      assert.equal(broker.sessions.get(id)?.pendingCount, 0);
    });
  });

  test('[MQTT-3.3.1-9] retained messages are not sent on subscribe to a shared subscription', async () => {
    await withBroker({}, async ({ clients }) => {
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('shr/t', 'retained', { qos: 1, retain: true });
      await pub.client.publishAsync('shr/sentinel', 'sentinel', { qos: 1, retain: true });
      for (const protocolVersion of [4, 5] as const) {
        const member: Connected = await clients.connect({ protocolVersion });
        await subscribe(member.client, '$share/r/shr/t', { qos: 1 });
        await subscribe(member.client, 'shr/sentinel', { qos: 1 });
        await member.inbox.waitPayload('sentinel');
        assert.deepEqual(member.inbox.payloads('shr/t'), [], `v${protocolVersion}`);
        // Live messages do arrive through the shared subscription.
        await pub.client.publishAsync('shr/t', `live${protocolVersion}`, { qos: 1 });
        const live = await member.inbox.waitPayload(`live${protocolVersion}`, 'shr/t');
        assert.equal(live.retain, false);
        await unsubscribe(member.client, '$share/r/shr/t');
      }
    });
  });

  test('[MQTT-3.8.3-4] No Local on a shared subscription is a Protocol Error (DISCONNECT 0x82)', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(5);
      await raw.connect();
      raw.send({
        type: PacketType.SUBSCRIBE,
        packetId: 3,
        subscriptions: [
          {
            topicFilter: '$share/g/nl/t',
            qos: 1,
            noLocal: true,
            retainAsPublished: false,
            retainHandling: 0,
          },
        ],
        properties: null,
      });
      const d = await raw.next(PacketType.DISCONNECT);
      assert.equal(d.reasonCode, 0x82);
      await raw.waitClosed();
    });
  });
});
