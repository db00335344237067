// Outbound flow control: the client's Receive Maximum and Maximum Packet Size, packet
// identifier allocation, and ordering [MQTT-3.3.4, 3.1.2-24/25, 2.2.1, 4.6].
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PacketType, encodePacket, type PublishPacket } from '../../src/codec/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { ack, connected, expectNone, publish, subscribed, uniqueId } from './support.js';

let b: RunningBroker;

before(async () => {
  b = await startBroker({ maxInflight: 3 });
});

after(async () => {
  await b.close();
});

/** Publishes `n` QoS `qos` messages "0".."n-1" on `topic` and waits for their acks. */
async function publishMany(
  pub: RawClient,
  topic: string,
  n: number,
  qos: 1 | 2 = 1,
): Promise<void> {
  for (let i = 0; i < n; i++) pub.send(publish(topic, String(i), qos, i + 1));
  for (let i = 0; i < n; i++) {
    if (qos === 1) {
      await pub.next(PacketType.PUBACK);
    } else {
      const rec = await pub.next(PacketType.PUBREC);
      pub.send(ack(PacketType.PUBREL, rec.packetId));
      await pub.next(PacketType.PUBCOMP);
    }
  }
}

test('[MQTT-3.3.4-9] never more unacknowledged QoS 1 PUBLISH than the client Receive Maximum; each PUBACK releases the next', async () => {
  const sub = await connected(b.port, 5, { properties: { receiveMaximum: 2 } });
  const pub = await connected(b.port, 5);
  const topic = `rm/${uniqueId()}`;
  await subscribed(sub, topic, 1);
  await publishMany(pub, topic, 6);
  const first = await sub.next(PacketType.PUBLISH);
  const second = await sub.next(PacketType.PUBLISH);
  await expectNone(sub, PacketType.PUBLISH, 200);
  const got = [first, second];
  // Acknowledge one at a time: exactly one more arrives for each PUBACK.
  for (let i = 2; i < 6; i++) {
    const oldest = got[i - 2] as PublishPacket;
    sub.send(ack(PacketType.PUBACK, oldest.packetId));
    got.push(await sub.next(PacketType.PUBLISH));
    await expectNone(sub, PacketType.PUBLISH, 60);
  }
  // [MQTT-4.6.0-5] in the order they were published.
  assert.deepEqual(
    got.map((p) => p.payload.toString()),
    ['0', '1', '2', '3', '4', '5'],
  );
  sub.close();
  pub.close();
});

test('[MQTT-3.3.4-9] a QoS 2 message counts until PUBCOMP; PUBREC >= 0x80 frees the slot', async () => {
  const sub = await connected(b.port, 5, { properties: { receiveMaximum: 1 } });
  const pub = await connected(b.port, 5);
  const topic = `rm2/${uniqueId()}`;
  await subscribed(sub, topic, 2);
  await publishMany(pub, topic, 3, 2);
  const m0 = await sub.next(PacketType.PUBLISH);
  sub.send(ack(PacketType.PUBREC, m0.packetId));
  const rel = await sub.next(PacketType.PUBREL);
  assert.equal(rel.packetId, m0.packetId);
  await expectNone(sub, PacketType.PUBLISH, 150); // still one in flight (PUBREL sent)
  sub.send(ack(PacketType.PUBCOMP, m0.packetId));
  const m1 = await sub.next(PacketType.PUBLISH);
  assert.equal(m1.payload.toString(), '1');
  // Refuse it: PUBREC with 0x80 ends the exchange, no PUBREL, and the slot is free.
  sub.send(ack(PacketType.PUBREC, m1.packetId, 0x80));
  const m2 = await sub.next(PacketType.PUBLISH);
  assert.equal(m2.payload.toString(), '2');
  assert.equal(
    sub.packets.some((p) => p.type === PacketType.PUBREL),
    false,
    'no PUBREL after a failed PUBREC',
  );
  sub.close();
  pub.close();
});

test('[MQTT-3.3.4-10] a full Receive Maximum window delays neither other packets nor QoS 0 messages', async () => {
  const sub = await connected(b.port, 5, { properties: { receiveMaximum: 1 } });
  const pub = await connected(b.port, 5);
  const topic = `rmq0/${uniqueId()}`;
  await subscribed(sub, `${topic}/q1`, 1, 1);
  await subscribed(sub, `${topic}/q0`, 0, 2);
  await publishMany(pub, `${topic}/q1`, 3);
  const held = await sub.next(PacketType.PUBLISH);
  assert.equal(held.qos, 1);
  sub.sendRaw('c0 00');
  await sub.next(PacketType.PINGRESP);
  await subscribed(sub, `${topic}/other`, 1, 3);
  pub.send(publish(`${topic}/q0`, 'q0', 0));
  const q0 = await sub.next(PacketType.PUBLISH);
  assert.equal(q0.payload.toString(), 'q0');
  assert.equal(q0.qos, 0);
  sub.send(ack(PacketType.PUBACK, held.packetId));
  assert.equal((await sub.next(PacketType.PUBLISH)).payload.toString(), '1');
  sub.close();
  pub.close();
});

test('[MQTT-3.3.4-9] the broker inflight cap also bounds a 3.1.1 client', async () => {
  const sub = await connected(b.port, 4);
  const pub = await connected(b.port, 4);
  const topic = `cap/${uniqueId()}`;
  await subscribed(sub, topic, 1);
  await publishMany(pub, topic, 5);
  const got = [
    await sub.next(PacketType.PUBLISH),
    await sub.next(PacketType.PUBLISH),
    await sub.next(PacketType.PUBLISH),
  ];
  await expectNone(sub, PacketType.PUBLISH, 200);
  for (const p of got) sub.send(ack(PacketType.PUBACK, p.packetId));
  assert.equal((await sub.next(PacketType.PUBLISH)).payload.toString(), '3');
  assert.equal((await sub.next(PacketType.PUBLISH)).payload.toString(), '4');
  sub.close();
  pub.close();
});

test('[MQTT-2.2.1-3] packet identifiers towards a client are non-zero and unique among those in flight', async () => {
  const wide = await startBroker({ maxInflight: 10 });
  try {
    const sub = await connected(wide.port, 5, { properties: { receiveMaximum: 10 } });
    const pub = await connected(wide.port, 5);
    const topic = `ids/${uniqueId()}`;
    await subscribed(sub, topic, 1);
    const total = 40;
    await publishMany(pub, topic, total);
    const inFlight = new Map<number, string>();
    const received: string[] = [];
    let turn = 0;
    while (received.length < total) {
      // Fill the window, then check it and acknowledge one from the middle.
      while (inFlight.size < 10 && received.length < total) {
        const p = await sub.next(PacketType.PUBLISH);
        assert.notEqual(p.packetId, 0);
        assert.equal(
          inFlight.has(p.packetId),
          false,
          `packet id ${p.packetId} reused while in flight`,
        );
        inFlight.set(p.packetId, p.payload.toString());
        received.push(p.payload.toString());
      }
      if (received.length < total) await expectNone(sub, PacketType.PUBLISH, 20);
      const ids = [...inFlight.keys()];
      const pick = ids[turn++ % ids.length] as number;
      inFlight.delete(pick);
      sub.send(ack(PacketType.PUBACK, pick));
    }
    assert.equal(new Set(received).size, total);
    sub.close();
    pub.close();
  } finally {
    await wide.close();
  }
});

test('[MQTT-3.1.2-24] a message larger than the client Maximum Packet Size is never sent to it', async () => {
  const max = 120;
  const sub = await connected(b.port, 5, {
    properties: { maximumPacketSize: max, receiveMaximum: 1 },
  });
  const pub = await connected(b.port, 5);
  const topic = `mps/${uniqueId()}`;
  await subscribed(sub, topic, 1);
  const big = 'B'.repeat(200);
  const fits = 'f'.repeat(60);
  pub.send(publish(topic, big, 1, 1));
  pub.send(publish(topic, fits, 1, 2));
  pub.send(publish(topic, big, 0));
  pub.send(publish(topic, 'last', 0));
  await pub.next(PacketType.PUBACK);
  await pub.next(PacketType.PUBACK);
  // [MQTT-3.1.2-25] the oversize QoS 1 message counts as delivered: it does not hold the
  // single-slot window, so the one that fits arrives.
  const a = await sub.next(PacketType.PUBLISH);
  assert.equal(a.payload.toString(), fits);
  assert.ok(encodePacket(a, 5).length <= max);
  sub.send(ack(PacketType.PUBACK, a.packetId));
  const last = await sub.next(PacketType.PUBLISH);
  assert.equal(last.payload.toString(), 'last');
  await expectNone(sub, PacketType.PUBLISH, 100);
  assert.equal(sub.closed, false);
  sub.close();
  pub.close();
});

test('[MQTT-3.1.2-24] Maximum Packet Size also applies to retained messages', async () => {
  const retainTopic = `mpsr/${uniqueId()}`;
  const pub = await connected(b.port, 5);
  pub.send(publish(`${retainTopic}/big`, 'R'.repeat(300), 1, 1, null, { retain: true }));
  pub.send(publish(`${retainTopic}/small`, 'r', 1, 2, null, { retain: true }));
  await pub.next(PacketType.PUBACK);
  await pub.next(PacketType.PUBACK);
  const sub = await connected(b.port, 5, { properties: { maximumPacketSize: 100 } });
  await subscribed(sub, `${retainTopic}/#`, 1);
  const got = await sub.next(PacketType.PUBLISH);
  assert.equal(got.payload.toString(), 'r');
  assert.equal(got.retain, true);
  sub.send(ack(PacketType.PUBACK, got.packetId));
  await expectNone(sub, PacketType.PUBLISH, 100);
  // Clear the retained messages again.
  pub.send(publish(`${retainTopic}/big`, '', 0, 0, null, { retain: true }));
  pub.send(publish(`${retainTopic}/small`, '', 0, 0, null, { retain: true }));
  sub.close();
  pub.close();
});

test('[MQTT-3.1.2-25] an in-flight message too large for the new connection is dropped as if sent, freeing its slot', async () => {
  const id = uniqueId('mps');
  const props = { sessionExpiryInterval: 60, receiveMaximum: 1 };
  const sub = await connected(b.port, 5, { clientId: id, properties: props });
  const pub = await connected(b.port, 5);
  const topic = `mpsre/${id}`;
  await subscribed(sub, topic, 1);
  pub.send(publish(topic, 'L'.repeat(500), 1, 1));
  await pub.next(PacketType.PUBACK);
  await sub.next(PacketType.PUBLISH); // not acknowledged
  sub.close();
  await waitFor(() => b.broker.sessions.get(id)?.client === null, 'session detached', 2000);
  pub.send(publish(topic, 'small', 1, 2));
  await pub.next(PacketType.PUBACK);
  const back = await RawClient.open(b.port, 5);
  const connack = await back.connect({
    clientId: id,
    clean: false,
    properties: { ...props, maximumPacketSize: 100 },
  });
  assert.equal(connack.sessionPresent, true);
  const got = await back.next(PacketType.PUBLISH);
  assert.equal(got.payload.toString(), 'small');
  back.send(ack(PacketType.PUBACK, got.packetId));
  await expectNone(back, PacketType.PUBLISH, 100);
  back.close();
  pub.close();
});
