// Inbound PUBLISH and the QoS 1 / QoS 2 exchanges at the byte level [MQTT-3.3, 3.4-3.7, 4.3].
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import {
  ack,
  connected,
  expectConnackRefusal,
  expectDisconnect,
  expectNone,
  expectSilentClose,
  publish,
  subscribed,
  uniqueId,
} from './support.js';
import { RawClient } from '../helpers/raw-client.js';

let b: RunningBroker;

before(async () => {
  b = await startBroker({ maxTopicAlias: 3 });
});

after(async () => {
  await b.close();
});

test('[MQTT-3.3.2-2] a Topic Name with a wildcard: v5 DISCONNECT 0x90', async () => {
  for (const topic of ['a/+', 'a/#', '#', '+']) {
    const client = await connected(b.port, 5);
    client.send(publish(topic, 'x', 0));
    await expectDisconnect(client, ReasonCode.TOPIC_NAME_INVALID);
  }
});

test('[MQTT-3.3.2-2] a Topic Name with a wildcard closes a 3.1.1 connection', async () => {
  for (const qos of [0, 1] as const) {
    const client = await connected(b.port, 4);
    client.send(publish('a/+/b', 'x', qos, qos === 0 ? 0 : 1));
    await expectSilentClose(client);
    assert.equal(
      client.packets.some((p) => p.type === PacketType.PUBACK),
      false,
      'no PUBACK for a rejected PUBLISH',
    );
  }
});

test('[MQTT-3.3.1-4] PUBLISH with QoS 3 is malformed: v5 DISCONNECT 0x81, 3.1.1 closed', async () => {
  const v5 = await connected(b.port, 5);
  v5.sendRaw('36 06 0001 61 0001 00');
  await expectDisconnect(v5, ReasonCode.MALFORMED_PACKET);
  const v4 = await connected(b.port, 4);
  v4.sendRaw('36 05 0001 61 0001');
  await expectSilentClose(v4);
});

test('[MQTT-3.3.1-2] DUP set on a QoS 0 PUBLISH is malformed: v5 DISCONNECT 0x81', async () => {
  const client = await connected(b.port, 5);
  client.sendRaw('38 04 0001 61 00');
  await expectDisconnect(client, ReasonCode.MALFORMED_PACKET);
});

test('[MQTT-2.2.1-3] a QoS 1 PUBLISH with packet identifier 0: v5 DISCONNECT 0x82, 3.1.1 closed', async () => {
  const v5 = await connected(b.port, 5);
  v5.sendRaw('32 06 0001 61 0000 00');
  await expectDisconnect(v5, ReasonCode.PROTOCOL_ERROR);
  const v4 = await connected(b.port, 4);
  v4.sendRaw('32 05 0001 61 0000');
  await expectSilentClose(v4);
});

test('[MQTT-4.3.2-2] QoS 1: PUBACK carries the packet identifier and the message is delivered', async () => {
  const sub = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const topic = `q1/${uniqueId()}`;
  await subscribed(sub, topic, 1);
  pub.send(publish(topic, 'one', 1, 0x1234));
  const puback = await pub.next(PacketType.PUBACK);
  assert.equal(puback.packetId, 0x1234);
  assert.equal(puback.reasonCode, ReasonCode.SUCCESS);
  const got = await sub.next(PacketType.PUBLISH);
  assert.equal(got.qos, 1);
  assert.equal(got.dup, false);
  assert.notEqual(got.packetId, 0);
  sub.send(ack(PacketType.PUBACK, got.packetId));
  sub.close();
  pub.close();
});

test('[MQTT-3.3.1-3] the outgoing DUP flag is set only by retransmission, never copied from the incoming PUBLISH', async () => {
  const sub = await connected(b.port, 5);
  const pub = await connected(b.port, 4);
  const topic = `dup/${uniqueId()}`;
  await subscribed(sub, topic, 2);
  pub.send(publish(topic, 'q1', 1, 1, null, { dup: true }));
  await pub.next(PacketType.PUBACK);
  pub.send(publish(topic, 'q2', 2, 2, null, { dup: true }));
  await pub.next(PacketType.PUBREC);
  pub.send(ack(PacketType.PUBREL, 2));
  for (const body of ['q1', 'q2']) {
    const got = await sub.next(PacketType.PUBLISH);
    assert.equal(got.payload.toString(), body);
    assert.equal(got.dup, false);
  }
  // [MQTT-4.3.2-5] after PUBACK the same packet id is a new message, DUP or not.
  pub.send(publish(topic, 'q1 again', 1, 1, null, { dup: true }));
  await pub.next(PacketType.PUBACK);
  assert.equal((await sub.next(PacketType.PUBLISH)).payload.toString(), 'q1 again');
  sub.close();
  pub.close();
});

test('[MQTT-4.3.3-10] QoS 2: a resent PUBLISH before PUBREL gets PUBREC again and is not delivered twice', async () => {
  for (const version of [4, 5] as const) {
    const sub = await connected(b.port, 5);
    const pub = await connected(b.port, version);
    const topic = `q2/${uniqueId()}`;
    await subscribed(sub, topic, 2);
    pub.send(publish(topic, 'exactly once', 2, 10));
    const rec = await pub.next(PacketType.PUBREC);
    assert.equal(rec.packetId, 10);
    assert.equal(rec.reasonCode, 0);
    pub.send(publish(topic, 'exactly once', 2, 10, null, { dup: true }));
    const rec2 = await pub.next(PacketType.PUBREC);
    assert.equal(rec2.packetId, 10);
    pub.send(ack(PacketType.PUBREL, 10));
    const comp = await pub.next(PacketType.PUBCOMP);
    assert.equal(comp.packetId, 10);
    assert.equal(comp.reasonCode, 0);
    const got = await sub.next(PacketType.PUBLISH);
    assert.equal(got.payload.toString(), 'exactly once');
    assert.equal(got.qos, 2);
    await expectNone(sub, PacketType.PUBLISH, 150);
    // [MQTT-4.3.3-12] after PUBCOMP the same packet id is a new message.
    pub.send(publish(topic, 'again', 2, 10));
    await pub.next(PacketType.PUBREC);
    pub.send(ack(PacketType.PUBREL, 10));
    await pub.next(PacketType.PUBCOMP);
    const second = await sub.next(PacketType.PUBLISH);
    assert.equal(second.payload.toString(), 'again');
    sub.close();
    pub.close();
  }
});

test('[MQTT-4.3.3-4] QoS 2 towards a subscriber: PUBLISH, PUBREC → PUBREL, PUBCOMP', async () => {
  const sub = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const topic = `q2out/${uniqueId()}`;
  await subscribed(sub, topic, 2);
  pub.send(publish(topic, 'x', 2, 1));
  await pub.next(PacketType.PUBREC);
  const got = await sub.next(PacketType.PUBLISH);
  assert.equal(got.qos, 2);
  sub.send(ack(PacketType.PUBREC, got.packetId));
  const rel = await sub.next(PacketType.PUBREL);
  assert.equal(rel.packetId, got.packetId);
  assert.equal(rel.reasonCode, 0);
  sub.send(ack(PacketType.PUBCOMP, got.packetId));
  // A PUBREC for an id that is not in flight: v5 PUBREL 0x92.
  sub.send(ack(PacketType.PUBREC, 999));
  const stray = await sub.next(PacketType.PUBREL);
  assert.equal(stray.packetId, 999);
  assert.equal(stray.reasonCode, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
  sub.close();
  pub.close();
});

test('[MQTT-3.7.2.1] PUBREL for an unknown packet id: v5 PUBCOMP 0x92, 3.1.1 PUBCOMP', async () => {
  const v5 = await connected(b.port, 5);
  v5.send(ack(PacketType.PUBREL, 77));
  const comp = await v5.next(PacketType.PUBCOMP);
  assert.equal(comp.packetId, 77);
  assert.equal(comp.reasonCode, ReasonCode.PACKET_IDENTIFIER_NOT_FOUND);
  const v4 = await connected(b.port, 4);
  v4.send(ack(PacketType.PUBREL, 78));
  const comp4 = await v4.next(PacketType.PUBCOMP);
  assert.equal(comp4.packetId, 78);
  v5.close();
  v4.close();
});

test('[MQTT-3.3.2-8] Topic Alias 0: DISCONNECT 0x94', async () => {
  const client = await connected(b.port, 5);
  client.send(publish('alias/a', 'x', 0, 0, { topicAlias: 0 }));
  await expectDisconnect(client, ReasonCode.TOPIC_ALIAS_INVALID);
});

test('[MQTT-3.3.2-9] Topic Alias above the broker Topic Alias Maximum: DISCONNECT 0x94', async () => {
  const client = await connected(b.port, 5);
  client.send(publish('alias/a', 'x', 0, 0, { topicAlias: 4 }));
  await expectDisconnect(client, ReasonCode.TOPIC_ALIAS_INVALID);
});

test('[MQTT-3.3.2-9] a Topic Alias when the broker allows none: DISCONNECT 0x94', async () => {
  const none = await startBroker({ maxTopicAlias: 0 });
  try {
    const client = await RawClient.open(none.port, 5);
    const connack = await client.connect({ clientId: uniqueId() });
    assert.equal(connack.properties?.topicAliasMaximum ?? 0, 0);
    client.send(publish('alias/a', 'x', 0, 0, { topicAlias: 1 }));
    await expectDisconnect(client, ReasonCode.TOPIC_ALIAS_INVALID);
  } finally {
    await none.close();
  }
});

test('[MQTT-3.3.2.3.4] an empty Topic Name with an unmapped Topic Alias: DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.send(publish('', 'x', 0, 0, { topicAlias: 2 }));
  await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.3.2-1] an empty Topic Name without a Topic Alias: v5 DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.send(publish('', 'x', 0));
  await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.3.2-12] a Topic Alias mapping is reused, replaced, and never forwarded', async () => {
  const sub = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const base = `alias/${uniqueId()}`;
  await subscribed(sub, `${base}/#`, 0);
  pub.send(publish(`${base}/one`, 'a', 0, 0, { topicAlias: 1 }));
  pub.send(publish('', 'b', 0, 0, { topicAlias: 1 }));
  pub.send(publish(`${base}/two`, 'c', 0, 0, { topicAlias: 1 })); // remapped
  pub.send(publish('', 'd', 0, 0, { topicAlias: 1 }));
  const seen: string[] = [];
  for (let i = 0; i < 4; i++) {
    const got = await sub.next(PacketType.PUBLISH);
    seen.push(`${got.topic}=${got.payload.toString()}`);
    // Aliases are per connection: the subscriber never sees the publisher's [MQTT-3.3.2-7].
    assert.equal(got.properties?.topicAlias, undefined);
  }
  assert.deepEqual(seen, [`${base}/one=a`, `${base}/one=b`, `${base}/two=c`, `${base}/two=d`]);
  pub.close();
  // A new connection starts with no mappings [MQTT-3.3.2-7].
  const again = await connected(b.port, 5);
  again.send(publish('', 'e', 0, 0, { topicAlias: 1 }));
  await expectDisconnect(again, ReasonCode.PROTOCOL_ERROR);
  sub.close();
});

test('[MQTT-3.3.4-7] more unacknowledged QoS 2 PUBLISH than the Receive Maximum: DISCONNECT 0x93', async () => {
  const small = await startBroker({ receiveMaximum: 2 });
  try {
    const client = await RawClient.open(small.port, 5);
    const connack = await client.connect({ clientId: uniqueId() });
    assert.equal(connack.properties?.receiveMaximum, 2);
    client.send(publish('rm/a', '1', 2, 1));
    client.send(publish('rm/a', '2', 2, 2));
    assert.equal((await client.next(PacketType.PUBREC)).packetId, 1);
    assert.equal((await client.next(PacketType.PUBREC)).packetId, 2);
    // Completing one frees a slot: a third is fine then.
    client.send(ack(PacketType.PUBREL, 1));
    await client.next(PacketType.PUBCOMP);
    client.send(publish('rm/a', '3', 2, 3));
    assert.equal((await client.next(PacketType.PUBREC)).packetId, 3);
    // Now two (2 and 3) wait for PUBREL: one more is over the limit.
    client.send(publish('rm/a', '4', 2, 4));
    await expectDisconnect(client, ReasonCode.RECEIVE_MAXIMUM_EXCEEDED);
  } finally {
    await small.close();
  }
});

test('[MQTT-3.2.2-11] a QoS 2 PUBLISH to a Maximum QoS 1 broker: DISCONNECT 0x9B', async () => {
  const qos1 = await startBroker({ maxQos: 1 });
  try {
    const client = await RawClient.open(qos1.port, 5);
    const connack = await client.connect({ clientId: uniqueId() });
    assert.equal(connack.properties?.maximumQoS, 1);
    // [MQTT-3.8.4-8] a QoS 2 subscription is granted QoS 1.
    client.send({
      type: PacketType.SUBSCRIBE,
      packetId: 1,
      subscriptions: [
        {
          topicFilter: 'mq/#',
          qos: 2,
          noLocal: false,
          retainAsPublished: false,
          retainHandling: 0,
        },
      ],
      properties: null,
    });
    assert.deepEqual((await client.next(PacketType.SUBACK)).reasonCodes, [1]);
    client.send(publish('mq/a', 'x', 2, 5));
    await expectDisconnect(client, ReasonCode.QOS_NOT_SUPPORTED);
    // [MQTT-3.2.2-12] a will QoS above the maximum is refused at CONNECT.
    const will = await RawClient.open(qos1.port, 5);
    const refused = await will.connect({
      clientId: uniqueId(),
      will: { topic: 'w', payload: Buffer.from('x'), qos: 2, retain: false, properties: null },
    });
    assert.equal(refused.reasonCode, ReasonCode.QOS_NOT_SUPPORTED);
    await will.waitClosed();
  } finally {
    await qos1.close();
  }
});

test('[MQTT-3.2.2-14] a retained PUBLISH to a broker without retain: DISCONNECT 0x9A', async () => {
  const noRetain = await startBroker({ retainAvailable: false });
  try {
    const client = await RawClient.open(noRetain.port, 5);
    const connack = await client.connect({ clientId: uniqueId() });
    assert.equal(connack.properties?.retainAvailable, 0);
    client.send(publish('r/a', 'x', 0, 0, null, { retain: true }));
    await expectDisconnect(client, ReasonCode.RETAIN_NOT_SUPPORTED);
    const will = await RawClient.open(noRetain.port, 5);
    will.send({
      type: PacketType.CONNECT,
      protocolName: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: uniqueId(),
      username: null,
      password: null,
      will: { topic: 'w', payload: Buffer.from('x'), qos: 0, retain: true, properties: null },
      properties: null,
    });
    await expectConnackRefusal(will, ReasonCode.RETAIN_NOT_SUPPORTED);
  } finally {
    await noRetain.close();
  }
});

test('[MQTT-3.3.2.3.2] Payload Format Indicator 1 with invalid UTF-8: PUBACK / PUBREC 0x99, not delivered', async () => {
  const sub = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const topic = `pfi/${uniqueId()}`;
  await subscribed(sub, topic, 1);
  const bad = Buffer.from([0x66, 0xff, 0xfe, 0x80]);
  pub.send(publish(topic, bad, 1, 3, { payloadFormatIndicator: 1 }));
  const puback = await pub.next(PacketType.PUBACK);
  assert.equal(puback.packetId, 3);
  assert.equal(puback.reasonCode, ReasonCode.PAYLOAD_FORMAT_INVALID);
  pub.send(publish(topic, bad, 2, 4, { payloadFormatIndicator: 1 }));
  const pubrec = await pub.next(PacketType.PUBREC);
  assert.equal(pubrec.reasonCode, ReasonCode.PAYLOAD_FORMAT_INVALID);
  await expectNone(sub, PacketType.PUBLISH, 100);
  // [MQTT-3.3.2-4] valid UTF-8 goes through with the indicator unaltered.
  pub.send(publish(topic, 'héllo', 1, 5, { payloadFormatIndicator: 1, contentType: 'text/plain' }));
  assert.equal((await pub.next(PacketType.PUBACK)).reasonCode, 0);
  const got = await sub.next(PacketType.PUBLISH);
  assert.equal(got.payload.toString(), 'héllo');
  assert.equal(got.properties?.payloadFormatIndicator, 1);
  assert.equal(got.properties.contentType, 'text/plain');
  sub.send(ack(PacketType.PUBACK, got.packetId));
  sub.close();
  pub.close();
});

test('[MQTT-3.4.2.1] v5 PUBACK / PUBREC 0x10 when nobody subscribes; 3.1.1 plain PUBACK', async () => {
  const client = await connected(b.port, 5);
  const topic = `nobody/${uniqueId()}`;
  client.send(publish(topic, 'x', 1, 1));
  const puback = await client.next(PacketType.PUBACK);
  assert.equal(puback.reasonCode, ReasonCode.NO_MATCHING_SUBSCRIBERS);
  client.send(publish(topic, 'x', 2, 2));
  const pubrec = await client.next(PacketType.PUBREC);
  assert.equal(pubrec.reasonCode, ReasonCode.NO_MATCHING_SUBSCRIBERS);
  client.send(ack(PacketType.PUBREL, 2));
  assert.equal((await client.next(PacketType.PUBCOMP)).reasonCode, 0);
  const v4 = await connected(b.port, 4);
  v4.send(publish(topic, 'x', 1, 9));
  const ack4 = await v4.next(PacketType.PUBACK);
  assert.equal(ack4.packetId, 9);
  assert.equal(ack4.reasonCode, 0);
  client.close();
  v4.close();
});

test('[MQTT-3.8.4-8] delivery QoS is the minimum of the PUBLISH QoS and the granted QoS', async () => {
  const sub0 = await connected(b.port, 5);
  const sub1 = await connected(b.port, 5);
  const pub = await connected(b.port, 5);
  const topic = `minqos/${uniqueId()}`;
  await subscribed(sub0, topic, 0);
  await subscribed(sub1, topic, 1);
  pub.send(publish(topic, 'x', 2, 1));
  await pub.next(PacketType.PUBREC);
  const g0 = await sub0.next(PacketType.PUBLISH);
  const g1 = await sub1.next(PacketType.PUBLISH);
  assert.equal(g0.qos, 0);
  assert.equal(g0.packetId, 0);
  assert.equal(g1.qos, 1);
  sub1.send(ack(PacketType.PUBACK, g1.packetId));
  pub.send(ack(PacketType.PUBREL, 1));
  await pub.next(PacketType.PUBCOMP);
  for (const c of [sub0, sub1, pub]) c.close();
});
