// QoS 0/1/2 in both directions with MQTT.js, downgrade to the subscription maximum,
// redelivery with DUP on session resume (raw client that never acks), exactly-once QoS 2,
// the client's Receive Maximum, and the max_mqueue_len bound for an offline session.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  PacketType,
  ReasonCode,
  type Packet,
  type PublishPacket,
  type QoS,
} from '../../src/codec/index.js';
import type { RawClient } from '../helpers/raw-client.js';
import { barrier, subscribe, uniqueId, withBroker } from '../helpers/mqttjs.js';
import { waitFor, within } from '../helpers/wait.js';

function rawSubscribe(raw: RawClient, topicFilter: string, qos: QoS, packetId = 1): void {
  raw.send({
    type: PacketType.SUBSCRIBE,
    packetId,
    subscriptions: [
      { topicFilter, qos, noLocal: false, retainAsPublished: false, retainHandling: 0 },
    ],
    properties: null,
  });
}

function rawPublish(
  raw: RawClient,
  topic: string,
  payload: string,
  qos: QoS,
  packetId: number,
  dup = false,
): void {
  raw.send({
    type: PacketType.PUBLISH,
    topic,
    payload: Buffer.from(payload),
    qos,
    retain: false,
    dup,
    packetId,
    properties: null,
  });
}

function publishes(packets: Packet[]): PublishPacket[] {
  return packets.filter((p): p is PublishPacket => p.type === PacketType.PUBLISH);
}

for (const protocolVersion of [4, 5] as const) {
  describe(`MQTT.js v${protocolVersion}: QoS levels`, () => {
    test(`[MQTT-4.3.1] [MQTT-4.3.2] [MQTT-4.3.3] QoS 0, 1 and 2 in both directions (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients }) => {
        const sub = await clients.connect({ protocolVersion });
        const pub = await clients.connect({ protocolVersion });
        assert.deepEqual(await subscribe(sub.client, 'qos/+', { qos: 2 }), [2]);
        for (const qos of [0, 1, 2] as const) {
          await within(
            pub.client.publishAsync(`qos/${qos}`, `payload-${qos}`, { qos }),
            `ack for QoS ${qos}`,
          );
          const m = await sub.inbox.waitPayload(`payload-${qos}`, `qos/${qos}`);
          assert.equal(m.qos, qos);
          assert.equal(m.retain, false);
          assert.equal(m.dup, false);
        }
        // And the other way round: the subscriber publishes, the publisher receives.
        await subscribe(pub.client, 'back/#', { qos: 2 });
        for (const qos of [0, 1, 2] as const) {
          await sub.client.publishAsync(`back/${qos}`, `back-${qos}`, { qos });
          const m = await pub.inbox.waitPayload(`back-${qos}`);
          assert.equal(m.qos, qos);
        }
        assert.equal(sub.inbox.messages.length, 3);
        // QoS 1 completed with PUBACK, QoS 2 with PUBREC then PUBCOMP [MQTT-4.3.2-4, 4.3.3-8].
        const acks = pub.received
          .filter((p) => p.cmd === 'puback' || p.cmd === 'pubrec' || p.cmd === 'pubcomp')
          .map((p) => p.cmd);
        assert.deepEqual(acks, ['puback', 'pubrec', 'pubcomp']);
      });
    });

    test(`[MQTT-3.8.4-8] delivery QoS is the minimum of the published and the granted QoS (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients }) => {
        const pub = await clients.connect({ protocolVersion });
        const subs = [];
        for (const granted of [0, 1, 2] as const) {
          const c = await clients.connect({ protocolVersion });
          assert.deepEqual(await subscribe(c.client, 'down/#', { qos: granted }), [granted]);
          subs.push({ granted, c });
        }
        for (const published of [0, 1, 2] as const) {
          await pub.client.publishAsync(`down/${published}`, `p${published}`, { qos: published });
        }
        for (const { granted, c } of subs) {
          const got = await c.inbox.waitCount(3);
          for (const m of got) {
            const published = Number(m.payload.slice(1));
            assert.equal(
              m.qos,
              Math.min(published, granted),
              `published ${published}, granted ${granted}`,
            );
          }
        }
      });
    });

    test(`[MQTT-4.3.3] QoS 2 delivers every message exactly once and in order (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients }) => {
        const sub = await clients.connect({ protocolVersion });
        const pub = await clients.connect({ protocolVersion });
        await subscribe(sub.client, 'exact/t', { qos: 2 });
        const sent = Array.from({ length: 30 }, (_, i) => `m${i}`);
        await Promise.all(sent.map((p) => pub.client.publishAsync('exact/t', p, { qos: 2 })));
        await sub.inbox.waitCount(30);
        await barrier(pub.client, sub.inbox, 'exact/t');
        assert.deepEqual(sub.inbox.payloads('exact/t').slice(0, 30), sent);
        assert.equal(sub.inbox.messages.length, 31, 'no duplicates');
      });
    });
  });
}

describe('redelivery on session resume', () => {
  for (const version of [4, 5] as const) {
    test(`[MQTT-4.4.0-1] [MQTT-3.3.1-1] unacknowledged QoS 1 is resent with DUP after reconnect (v${version})`, async () => {
      await withBroker({}, async ({ clients, broker }) => {
        const id = uniqueId('dup1');
        const props = version === 5 ? { sessionExpiryInterval: 60 } : null;
        const raw = await clients.raw(version);
        await raw.connect({ clientId: id, clean: false, properties: props });
        rawSubscribe(raw, 'redeliver/q1', 1);
        await raw.next(PacketType.SUBACK);
        const pub = await clients.connect({ protocolVersion: version });
        await pub.client.publishAsync('redeliver/q1', 'r1', { qos: 1 });
        const first = await raw.next(PacketType.PUBLISH);
        assert.equal(first.dup, false);
        assert.equal(first.qos, 1);
        raw.close(); // no PUBACK
        await waitFor(() => broker.sessions.get(id)?.client === null, 'session detached');

        const again = await clients.raw(version);
        const connack = await again.connect({ clientId: id, clean: false, properties: props });
        assert.equal(connack.sessionPresent, true);
        const resent = await again.next(PacketType.PUBLISH);
        assert.equal(resent.dup, true);
        assert.equal(resent.packetId, first.packetId);
        assert.equal(resent.qos, 1);
        assert.equal(resent.payload.toString(), 'r1');
        assert.equal(resent.topic, 'redeliver/q1');
        again.send({
          type: PacketType.PUBACK,
          packetId: resent.packetId,
          reasonCode: 0,
          properties: null,
        });
        await pub.client.publishAsync('redeliver/q1', 'r2', { qos: 1 });
        const next = await again.next(PacketType.PUBLISH);
        assert.equal(next.payload.toString(), 'r2');
        assert.equal(next.dup, false);
        assert.equal(publishes(again.packets).length, 0, 'r1 is not sent a third time');
        assert.equal(broker.sessions.get(id)?.inflight.size, 1, 'only r2 in flight');
      });
    });
  }

  test("[MQTT-3.1.4-3] [MQTT-4.4.0-1] a takeover resends the old connection's unacknowledged QoS 1 with DUP", async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('takeover-inflight');
      const props = { sessionExpiryInterval: 60 };
      const old = await clients.raw(5);
      await old.connect({ clientId: id, clean: false, properties: props });
      rawSubscribe(old, 'tk/t', 1);
      await old.next(PacketType.SUBACK);
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('tk/t', 'in-flight', { qos: 1 });
      const first = await old.next(PacketType.PUBLISH);
      const next = await clients.raw(5);
      const connack = await next.connect({ clientId: id, clean: false, properties: props });
      assert.equal(connack.sessionPresent, true);
      assert.equal(
        (await old.next(PacketType.DISCONNECT)).reasonCode,
        ReasonCode.SESSION_TAKEN_OVER,
      );
      const resent = await next.next(PacketType.PUBLISH);
      assert.deepEqual(
        [resent.dup, resent.packetId, resent.payload.toString()],
        [true, first.packetId, 'in-flight'],
      );
    });
  });

  test('[MQTT-4.4.0-1] [MQTT-4.3.3] QoS 2: PUBLISH resent with DUP before PUBREC, PUBREL (not PUBLISH) after it', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('dup2');
      const props = { sessionExpiryInterval: 60 };
      const raw = await clients.raw(5);
      await raw.connect({ clientId: id, clean: false, properties: props });
      rawSubscribe(raw, 'redeliver/q2', 2);
      await raw.next(PacketType.SUBACK);
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('redeliver/q2', 'x2', { qos: 2 });
      const first = await raw.next(PacketType.PUBLISH);
      assert.equal(first.qos, 2);
      raw.close();
      await waitFor(() => broker.sessions.get(id)?.client === null, 'session detached');

      const second = await clients.raw(5);
      await second.connect({ clientId: id, clean: false, properties: props });
      const resent = await second.next(PacketType.PUBLISH);
      assert.deepEqual(
        [resent.dup, resent.packetId, resent.payload.toString()],
        [true, first.packetId, 'x2'],
      );
      second.send({
        type: PacketType.PUBREC,
        packetId: resent.packetId,
        reasonCode: 0,
        properties: null,
      });
      const rel = await second.next(PacketType.PUBREL);
      assert.equal(rel.packetId, first.packetId);
      second.close(); // no PUBCOMP
      await waitFor(() => broker.sessions.get(id)?.client === null, 'session detached');

      const third = await clients.raw(5);
      await third.connect({ clientId: id, clean: false, properties: props });
      const relAgain = await third.next(PacketType.PUBREL);
      assert.equal(relAgain.packetId, first.packetId);
      third.send({
        type: PacketType.PUBCOMP,
        packetId: first.packetId,
        reasonCode: 0,
        properties: null,
      });
      await waitFor(() => broker.sessions.get(id)?.inflight.size === 0, 'QoS 2 flow complete');
      assert.equal(
        publishes(third.packets).length,
        0,
        'the released message is not published again',
      );
    });
  });

  test('[MQTT-4.3.3-9] a resent inbound QoS 2 PUBLISH is not delivered twice, across a reconnect too', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, 'once/#', { qos: 2 });
      const id = uniqueId('q2pub');
      const props = { sessionExpiryInterval: 60 };
      const raw = await clients.raw(5);
      await raw.connect({ clientId: id, clean: false, properties: props });

      rawPublish(raw, 'once/a', 'only-once', 2, 7);
      assert.equal((await raw.next(PacketType.PUBREC)).packetId, 7);
      rawPublish(raw, 'once/a', 'only-once', 2, 7, true);
      assert.equal((await raw.next(PacketType.PUBREC)).packetId, 7);
      raw.send({ type: PacketType.PUBREL, packetId: 7, reasonCode: 0, properties: null });
      const comp = await raw.next(PacketType.PUBCOMP);
      assert.deepEqual([comp.packetId, comp.reasonCode], [7, 0]);
      // PUBREL for an id that is no longer held: v5 answers 0x92.
      raw.send({ type: PacketType.PUBREL, packetId: 7, reasonCode: 0, properties: null });
      assert.equal(
        (await raw.next(PacketType.PUBCOMP)).reasonCode,
        ReasonCode.PACKET_IDENTIFIER_NOT_FOUND,
      );

      // The PUBREC state lives in the session: resent after a reconnect, still one copy.
      rawPublish(raw, 'once/b', 'across', 2, 9);
      await raw.next(PacketType.PUBREC);
      raw.close();
      const back = await clients.raw(5);
      const connack = await back.connect({ clientId: id, clean: false, properties: props });
      assert.equal(connack.sessionPresent, true);
      rawPublish(back, 'once/b', 'across', 2, 9, true);
      assert.equal((await back.next(PacketType.PUBREC)).packetId, 9);
      back.send({ type: PacketType.PUBREL, packetId: 9, reasonCode: 0, properties: null });
      assert.equal((await back.next(PacketType.PUBCOMP)).reasonCode, 0);
      // A released id may carry a new message.
      rawPublish(back, 'once/c', 'new-with-7', 2, 7);
      await back.next(PacketType.PUBREC);
      back.send({ type: PacketType.PUBREL, packetId: 7, reasonCode: 0, properties: null });
      await back.next(PacketType.PUBCOMP);

      await sub.inbox.waitPayload('new-with-7');
      assert.deepEqual(sub.inbox.payloads(), ['only-once', 'across', 'new-with-7']);
    });
  });
});

describe('flow control and queue bounds', () => {
  test('[MQTT-3.3.4-9] no more unacknowledged QoS 1 PUBLISH than the client Receive Maximum', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(5);
      await raw.connect({ properties: { receiveMaximum: 2 } });
      raw.send({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          {
            topicFilter: 'window/q1',
            qos: 1,
            noLocal: false,
            retainAsPublished: false,
            retainHandling: 0,
          },
          {
            topicFilter: 'window/q0',
            qos: 0,
            noLocal: false,
            retainAsPublished: false,
            retainHandling: 0,
          },
        ],
        properties: null,
      });
      await raw.next(PacketType.SUBACK);
      const pub = await clients.connect({ protocolVersion: 5 });
      for (let i = 0; i < 5; i++) await pub.client.publishAsync('window/q1', `w${i}`, { qos: 1 });
      // QoS 0 is outside the window: once it arrived, the broker has written all it would.
      await pub.client.publishAsync('window/q0', 'marker', { qos: 0 });
      await waitFor(
        () => publishes(raw.packets).some((p) => p.topic === 'window/q0'),
        'QoS 0 marker',
      );
      const inFlight = publishes(raw.packets).filter((p) => p.qos === 1);
      assert.deepEqual(
        inFlight.map((p) => p.payload.toString()),
        ['w0', 'w1'],
      );
      raw.packets.length = 0;
      const got: string[] = inFlight.map((p) => p.payload.toString());
      let acked = [...inFlight];
      while (got.length < 5) {
        const p = acked.shift();
        assert.ok(p !== undefined, 'window stalled');
        raw.send({
          type: PacketType.PUBACK,
          packetId: p.packetId,
          reasonCode: 0,
          properties: null,
        });
        const next = await raw.next(PacketType.PUBLISH);
        got.push(next.payload.toString());
        acked = [...acked, next];
      }
      assert.deepEqual(got, ['w0', 'w1', 'w2', 'w3', 'w4']);
    });
  });

  test('[MQTT-3.3.4-9] [§3.2.2.3.3] more unreleased QoS 2 PUBLISH than our Receive Maximum: DISCONNECT 0x93', async () => {
    await withBroker({ receiveMaximum: 2 }, async ({ clients }) => {
      const raw = await clients.raw(5);
      const connack = await raw.connect();
      assert.equal(connack.properties?.receiveMaximum, 2);
      for (const id of [1, 2]) {
        rawPublish(raw, 'rm/t', `q${id}`, 2, id);
        await raw.next(PacketType.PUBREC);
      }
      // Releasing one frees a slot.
      raw.send({ type: PacketType.PUBREL, packetId: 1, reasonCode: 0, properties: null });
      await raw.next(PacketType.PUBCOMP);
      rawPublish(raw, 'rm/t', 'q3', 2, 3);
      await raw.next(PacketType.PUBREC);
      rawPublish(raw, 'rm/t', 'q4', 2, 4);
      assert.equal(
        (await raw.next(PacketType.DISCONNECT)).reasonCode,
        ReasonCode.RECEIVE_MAXIMUM_EXCEEDED,
      );
      await raw.waitClosed();
    });
  });

  test('[MQTT-4.5.0] max_mqueue_len bounds an offline session; the overflow is dropped and counted', async () => {
    await withBroker({ maxMqueueLen: 3 }, async ({ clients, broker }) => {
      const id = uniqueId('mqueue');
      const props = { sessionExpiryInterval: 60 };
      const first = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await subscribe(first.client, 'queue/t', { qos: 1 });
      await within(first.client.endAsync(), 'DISCONNECT');
      await waitFor(() => broker.sessions.get(id)?.client === null, 'session offline');

      const pub = await clients.connect({ protocolVersion: 5 });
      const droppedBefore = broker.metrics.messagesDropped;
      for (let i = 0; i < 5; i++) await pub.client.publishAsync('queue/t', `q${i}`, { qos: 1 });
      assert.equal(broker.metrics.messagesDropped - droppedBefore, 2);
      assert.equal(broker.sessions.get(id)?.pendingCount, 3);

      const again = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      assert.equal(again.connack.sessionPresent, true);
      await again.inbox.waitCount(3);
      await barrier(pub.client, again.inbox, 'queue/t');
      assert.deepEqual(again.inbox.payloads('queue/t').slice(0, 3), ['q0', 'q1', 'q2']);
      assert.equal(again.inbox.messages.length, 4, 'q3 and q4 were dropped');
      for (const m of again.inbox.messages) assert.equal(m.qos, 1);
    });
  });

  test('[MQTT-4.5.0] QoS 0 is not queued for an offline session', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('offline-q0');
      const props = { sessionExpiryInterval: 60 };
      const first = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await subscribe(first.client, 'q0off/t', { qos: 1 });
      await within(first.client.endAsync(), 'DISCONNECT');
      await waitFor(() => broker.sessions.get(id)?.client === null, 'session offline');
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('q0off/t', 'zero', { qos: 0 });
      await pub.client.publishAsync('q0off/t', 'one', { qos: 1 });
      const again = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await again.inbox.waitPayload('one');
      await barrier(pub.client, again.inbox, 'q0off/t');
      assert.deepEqual(again.inbox.payloads().slice(0, 1), ['one']);
      assert.equal(again.inbox.messages.length, 2);
    });
  });
});
