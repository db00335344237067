// CONNECT / CONNACK / PINGREQ / keep alive conformance at the byte level [MQTT-3.1, 3.2, 3.12].
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ConnackReturnCode, PacketType, ReasonCode, encodePacket } from '../../src/codec/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import {
  connected,
  expectConnackRefusal,
  expectDisconnect,
  expectNone,
  expectSilentClose,
  publish,
  sleep,
  subscribe,
  subscribed,
  uniqueId,
  ack,
} from './support.js';

let b: RunningBroker;

before(async () => {
  b = await startBroker();
});

after(async () => {
  await b.close();
});

/** A CONNECT built by hand: `name`, `level`, `flags`, keep alive 60, client id "a". */
function rawConnect(name: string, level: number, flags: number, v5Props = level === 5): Buffer {
  const nameBytes = Buffer.from(name);
  const body = Buffer.concat([
    Buffer.from([0, nameBytes.length]),
    nameBytes,
    Buffer.from([level, flags, 0, 60]),
    v5Props ? Buffer.from([0]) : Buffer.alloc(0),
    Buffer.from([0, 1, 0x61]),
  ]);
  return Buffer.concat([Buffer.from([0x10, body.length]), body]);
}

test('[MQTT-3.1.0-1] a first packet that is not CONNECT closes the connection', async () => {
  const client = await RawClient.open(b.port, 4);
  client.sendRaw('c0 00'); // PINGREQ
  await expectSilentClose(client);
  const v5 = await RawClient.open(b.port, 5);
  v5.sendRaw('82 06 00 01 00 01 61 00'); // SUBSCRIBE
  await v5.waitClosed();
  assert.equal(
    v5.packets.some((p) => p.type === PacketType.SUBACK),
    false,
  );
});

test('[MQTT-3.1.0-2] a second CONNECT is a protocol error: v5 DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.send({
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 60,
    clientId: uniqueId(),
    username: null,
    password: null,
    will: null,
    properties: null,
  });
  await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.1.0-2] a second CONNECT closes a 3.1.1 connection', async () => {
  const client = await connected(b.port, 4);
  client.sendRaw(rawConnect('MQTT', 4, 0x02));
  await expectSilentClose(client);
});

test('[MQTT-3.1.2-2] protocol level 6 is refused with CONNACK 0x01 (3.1.1 form) and closed', async () => {
  const client = await RawClient.open(b.port, 4);
  client.sendRaw(rawConnect('MQTT', 6, 0x02, false));
  const connack = await client.next(PacketType.CONNACK);
  assert.equal(connack.reasonCode, ConnackReturnCode.UNACCEPTABLE_PROTOCOL_VERSION);
  assert.equal(connack.sessionPresent, false);
  await client.waitClosed();
});

test('[MQTT-3.1.2-1] an unknown protocol name is never accepted and the connection closes', async () => {
  for (const name of ['MQTX', 'mqtt', 'MQIsdp']) {
    // MQIsdp is valid only with level 3; here it claims level 4.
    const client = await RawClient.open(b.port, 4);
    client.sendRaw(rawConnect(name, 4, 0x02));
    await client.waitClosed();
    const connacks = client.packets.filter((p) => p.type === PacketType.CONNACK);
    for (const c of connacks) assert.notEqual(c.reasonCode, 0, `${name} must not be accepted`);
  }
});

test('[MQTT-3.1.2-3] the reserved CONNECT flag closes a 3.1.1 connection', async () => {
  const client = await RawClient.open(b.port, 4);
  client.sendRaw(rawConnect('MQTT', 4, 0x03));
  await expectSilentClose(client);
});

test('[MQTT-3.1.2-3] the reserved CONNECT flag is refused in v5 with CONNACK 0x81', async () => {
  const client = await RawClient.open(b.port, 5);
  client.sendRaw(rawConnect('MQTT', 5, 0x03));
  await expectConnackRefusal(client, ReasonCode.MALFORMED_PACKET);
});

test('[MQTT-3.1.2-12] will QoS 3 is malformed: v5 CONNACK 0x81', async () => {
  const client = await RawClient.open(b.port, 5);
  // flags: will flag + will QoS 3 + clean; will properties, topic "w", payload "x"
  client.sendRaw('10 15 0004 4d515454 05 1e 003c 00 0001 61 00 0001 77 0001 78');
  await expectConnackRefusal(client, ReasonCode.MALFORMED_PACKET);
});

test('[MQTT-3.1.2-22 (3.1.1)] password flag without user name flag closes the connection', async () => {
  const client = await RawClient.open(b.port, 4);
  client.sendRaw('10 10 0004 4d515454 04 42 003c 0001 61 0001 70');
  await expectSilentClose(client);
});

test('[MQTT-3.1.3-8] 3.1.1 empty client id with clean session 0 gets CONNACK 0x02 and is closed', async () => {
  const client = await RawClient.open(b.port, 4);
  const connack = await client.connect({ clientId: '', clean: false });
  assert.equal(connack.reasonCode, ConnackReturnCode.IDENTIFIER_REJECTED);
  assert.equal(connack.sessionPresent, false);
  await client.waitClosed();
});

test('[MQTT-3.1.3-6] 3.1.1 empty client id with clean session 1 is accepted', async () => {
  const client = await RawClient.open(b.port, 4);
  const connack = await client.connect({ clientId: '', clean: true });
  assert.equal(connack.reasonCode, 0);
  assert.equal(connack.sessionPresent, false);
  client.sendRaw('c0 00');
  await client.next(PacketType.PINGRESP);
  client.close();
});

test('[MQTT-3.1.3-7] [MQTT-3.2.2-16] v5 empty client id gets an Assigned Client Identifier', async () => {
  const client = await RawClient.open(b.port, 5);
  const connack = await client.connect({ clientId: '' });
  assert.equal(connack.reasonCode, 0);
  const assigned = connack.properties?.assignedClientIdentifier;
  assert.equal(typeof assigned, 'string');
  assert.ok((assigned ?? '').length > 0);
  client.close();
});

test('[MQTT-3.1.2.11.3] v5 Receive Maximum 0 in CONNECT is refused with CONNACK 0x82', async () => {
  const client = await RawClient.open(b.port, 5);
  client.sendRaw('10 11 0004 4d515454 05 02 003c 03 21 0000 0001 61');
  await expectConnackRefusal(client, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-4.12.0-1] an unsupported authentication method is refused with CONNACK 0x8C', async () => {
  const client = await RawClient.open(b.port, 5);
  client.send({
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 60,
    clientId: uniqueId(),
    username: null,
    password: null,
    will: null,
    properties: { authenticationMethod: 'NO-SUCH-METHOD' },
  });
  await expectConnackRefusal(client, ReasonCode.BAD_AUTHENTICATION_METHOD);
});

test('[MQTT-3.1.2-1] an MQTT 3.1 client (MQIsdp, level 3) works end to end', async () => {
  const sub = await connected(b.port, 3, { clientId: 'mq31-sub' });
  const pub = await connected(b.port, 3, { clientId: 'mq31-pub' });
  const v5 = await connected(b.port, 5);
  await subscribed(sub, 'legacy/+', 1);
  await subscribed(v5, 'legacy/#', 1);
  pub.send(publish('legacy/a', 'from 3.1', 1, 7));
  const puback = await pub.next(PacketType.PUBACK);
  assert.equal(puback.packetId, 7);
  const got = await sub.next(PacketType.PUBLISH);
  assert.equal(got.topic, 'legacy/a');
  assert.equal(got.payload.toString(), 'from 3.1');
  assert.equal(got.qos, 1);
  sub.send(ack(PacketType.PUBACK, got.packetId));
  const got5 = await v5.next(PacketType.PUBLISH);
  assert.equal(got5.payload.toString(), 'from 3.1');
  v5.send(ack(PacketType.PUBACK, got5.packetId));
  // And back: a v5 publisher reaches the 3.1 subscriber.
  v5.send(publish('legacy/b', 'from 5', 0));
  const back = await sub.next(PacketType.PUBLISH);
  assert.equal(back.topic, 'legacy/b');
  assert.equal(back.qos, 0);
  for (const c of [sub, pub, v5]) c.close();
});

test('[MQTT-3.2.2-9..3.2.2-16] v5 CONNACK carries the broker capabilities', async () => {
  const custom = await startBroker({
    maxQos: 1,
    retainAvailable: false,
    maxTopicAlias: 7,
    receiveMaximum: 20,
    maxPacketSize: 4096,
    wildcardSubscriptionAvailable: true,
    subscriptionIdentifierAvailable: false,
    sharedSubscriptionAvailable: true,
  });
  try {
    const client = await RawClient.open(custom.port, 5);
    const connack = await client.connect({ clientId: uniqueId() });
    assert.equal(connack.reasonCode, 0);
    const p = connack.properties ?? {};
    assert.equal(p.maximumQoS, 1);
    assert.equal(p.retainAvailable, 0);
    assert.equal(p.topicAliasMaximum, 7);
    assert.equal(p.receiveMaximum, 20);
    assert.equal(p.maximumPacketSize, 4096);
    assert.notEqual(p.wildcardSubscriptionAvailable, 0);
    assert.equal(p.subscriptionIdentifierAvailable, 0);
    assert.notEqual(p.sharedSubscriptionAvailable, 0);
    client.close();
  } finally {
    await custom.close();
  }
});

test('[MQTT-3.12.4-1] PINGREQ is answered with PINGRESP', async () => {
  for (const version of [3, 4, 5] as const) {
    const client = await connected(b.port, version);
    client.sendRaw('c0 00');
    await client.next(PacketType.PINGRESP);
    client.close();
  }
});

test('[MQTT-3.12.3-1] a PINGREQ with a body is malformed: v5 DISCONNECT 0x81', async () => {
  const client = await connected(b.port, 5);
  client.sendRaw('c0 01 00');
  await expectDisconnect(client, ReasonCode.MALFORMED_PACKET);
});

test('[MQTT-3.1.0-1] a socket that never sends CONNECT is closed after connectTimeout', async () => {
  const quick = await startBroker({ connectTimeout: 1 });
  try {
    const started = Date.now();
    const client = await RawClient.open(quick.port, 5);
    await expectSilentClose(client, 3000);
    const took = Date.now() - started;
    assert.ok(took >= 900, `closed after ${took} ms, not before the 1 s connect timeout`);
    assert.ok(took < 2000, `closed after ${took} ms`);
  } finally {
    await quick.close();
  }
});

test('[MQTT-3.1.2-22] keep alive 1: a silent client is disconnected (v5 0x8D, 3.1.1 closed)', async () => {
  const started = Date.now();
  const v5 = await connected(b.port, 5, { keepalive: 1 });
  const v4 = await connected(b.port, 4, { keepalive: 1 });
  const [t5, t4] = await Promise.all([
    expectDisconnect(v5, ReasonCode.KEEP_ALIVE_TIMEOUT).then(() => Date.now() - started),
    expectSilentClose(v4).then(() => Date.now() - started),
  ]);
  for (const took of [t5, t4]) {
    assert.ok(took >= 1000, `closed after ${took} ms: too early for keep alive 1`);
    assert.ok(
      took <= 1500 + 250,
      `closed after ${took} ms: later than 1.5 x keep alive + one tick`,
    );
  }
});

test('[MQTT-3.1.2-20] PINGREQ within the keep alive keeps the connection open', async () => {
  const client = await connected(b.port, 5, { keepalive: 1 });
  for (let i = 0; i < 4; i++) {
    await sleep(500);
    client.sendRaw('c0 00');
    await client.next(PacketType.PINGRESP);
  }
  assert.equal(client.closed, false);
  await expectNone(client, PacketType.DISCONNECT, 50);
  client.close();
});

test('[MQTT-3.2.0-1] packets pipelined behind CONNECT are handled after the CONNACK', async () => {
  const client = await RawClient.open(b.port, 5);
  const id = uniqueId();
  const topic = `pipe/${id}`;
  const connect = encodePacket(
    {
      type: PacketType.CONNECT,
      protocolName: 'MQTT',
      protocolVersion: 5,
      clean: true,
      keepalive: 60,
      clientId: id,
      username: null,
      password: null,
      will: null,
      properties: null,
    },
    5,
  );
  const sub = encodePacket(subscribe(1, [topic]), 5);
  const pub = encodePacket(publish(topic, 'piped', 0), 5);
  client.sendRaw(Buffer.concat([connect, sub, pub]));
  await waitFor(() => client.packets.length >= 3, 'CONNACK, SUBACK and the PUBLISH');
  assert.deepEqual(
    client.packets.map((p) => p.type),
    [PacketType.CONNACK, PacketType.SUBACK, PacketType.PUBLISH],
  );
  const got = await client.next(PacketType.PUBLISH);
  assert.equal(got.payload.toString(), 'piped');
  client.close();
});

test('[MQTT-4.12.0-7] AUTH from a client that did not start enhanced authentication: DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.send({
    type: PacketType.AUTH,
    reasonCode: 0x19,
    properties: { authenticationMethod: 'X' },
  });
  await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
});

test('[MQTT-3.14.2-3] a server DISCONNECT never exceeds the client Maximum Packet Size', async () => {
  const client = await connected(b.port, 5, { properties: { maximumPacketSize: 8 } });
  client.send(publish('a/+/wildcard', 'x', 0));
  const disconnect = await expectDisconnect(client, ReasonCode.TOPIC_NAME_INVALID);
  assert.ok(encodePacket(disconnect, 5).length <= 8, 'no Reason String that would not fit');
  // With room to spare, the Reason String is sent (problem information is on by default).
  const roomy = await connected(b.port, 5);
  roomy.send(publish('a/+/wildcard', 'x', 0));
  const told = await expectDisconnect(roomy, ReasonCode.TOPIC_NAME_INVALID);
  assert.equal(typeof told.properties?.reasonString, 'string');
});

test('[MQTT-3.2.2-19] a refusing CONNACK never exceeds the client Maximum Packet Size', async () => {
  const client = await RawClient.open(b.port, 5);
  client.send({
    type: PacketType.CONNECT,
    protocolName: 'MQTT',
    protocolVersion: 5,
    clean: true,
    keepalive: 60,
    clientId: uniqueId(),
    username: null,
    password: null,
    will: null,
    properties: { authenticationMethod: 'NO-SUCH-METHOD', maximumPacketSize: 8 },
  });
  const connack = await client.next(PacketType.CONNACK);
  assert.equal(connack.reasonCode, ReasonCode.BAD_AUTHENTICATION_METHOD);
  assert.ok(encodePacket(connack, 5).length <= 8, 'no Reason String that would not fit');
  await client.waitClosed();
});
