// Hostile clients: garbage, truncation, lies about sizes, bad properties, slowloris and
// floods of malformed connections. Bad input closes that client only: a good client
// connected alongside keeps its round trip working, and no connection leaks.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { Prng } from '../helpers/prng.js';
import { RawClient } from '../helpers/raw-client.js';
import {
  GoodClient,
  connected,
  dribble,
  expectClientCount,
  expectConnackRefusal,
  expectDisconnect,
  expectNone,
  expectSilentClose,
  publish,
  subscribed,
} from './support.js';

const MAX_PACKET = 1024;
let b: RunningBroker;
let good: GoodClient;

before(async () => {
  b = await startBroker({ maxPacketSize: MAX_PACKET, connectTimeout: 1 });
  good = await GoodClient.open(b.port);
});

after(async () => {
  good.close();
  await b.close();
});

/** After each hostile episode: the good client still works and only it is connected. */
async function goodStillWorks(tag: string): Promise<void> {
  await good.roundTrip(tag);
  await expectClientCount(b.broker, 1, 'only the good client left');
  assert.equal(b.broker.metrics.connectionsCurrent, 1);
}

const CONNECT_V5 = '10 10 0004 4d515454 05 02 0001 00 0003 616263'; // keep alive 1, id "abc"

test('[MQTT-4.13.1-1] random garbage bytes close only the sender', async () => {
  const prng = new Prng(0x5eed);
  const clients: RawClient[] = [];
  for (let i = 0; i < 30; i++) {
    const c = await RawClient.open(b.port, 5);
    const garbage = Buffer.alloc(prng.range(1, 200));
    for (let k = 0; k < garbage.length; k++) garbage[k] = prng.int(256);
    if (i % 3 === 0) c.sendRaw(CONNECT_V5.replace('616263', `6${(i % 10).toString()}6263`));
    c.sendRaw(garbage);
    clients.push(c);
  }
  await Promise.all(clients.map((c) => c.waitClosed(4000)));
  await goodStillWorks('after garbage');
});

test('[MQTT-4.2-1] truncated packets followed by a close leave nothing behind', async () => {
  const topic = 'trunc/t';
  const watcher = await connected(b.port, 5);
  await subscribed(watcher, topic, 0);
  const halfConnect = await RawClient.open(b.port, 5);
  halfConnect.sendRaw('10 10 0004 4d51');
  const halfPublish = await connected(b.port, 5);
  halfPublish.sendRaw('30 20 0007 7472756e632f74 00 6869'); // says 32 bytes, sends 12
  const headerOnly = await connected(b.port, 4);
  headerOnly.sendRaw('30 f0 07'); // a 1008-byte PUBLISH that never comes
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const c of [halfConnect, halfPublish, headerOnly]) c.close();
  await expectNone(watcher, PacketType.PUBLISH, 100);
  watcher.close();
  await goodStillWorks('after truncation');
});

test('[MQTT-3.1.0-1] a PUBLISH before CONNECT is not routed and closes the connection', async () => {
  const watcher = await connected(b.port, 5);
  await subscribed(watcher, 'early/#', 0);
  const early = await RawClient.open(b.port, 5);
  early.sendRaw('30 0a 0007 6561726c792f61 6869'); // PUBLISH early/a "hi" (3.1.1 form)
  await expectSilentClose(early);
  const early5 = await RawClient.open(b.port, 5);
  early5.sendRaw('32 0d 0007 6561726c792f61 0001 00 6869');
  await expectSilentClose(early5);
  await expectNone(watcher, PacketType.PUBLISH, 100);
  watcher.close();
  await goodStillWorks('after early publish');
});

test('[MQTT-3.2.2-15] a Remaining Length above maxPacketSize: v5 DISCONNECT 0x95 as soon as the header arrives', async () => {
  const v5 = await connected(b.port, 5);
  const started = Date.now();
  v5.sendRaw('30 ff ff ff 7f'); // 268,435,455 bytes announced, none sent
  await expectDisconnect(v5, ReasonCode.PACKET_TOO_LARGE);
  assert.ok(Date.now() - started < 500, 'refused from the header alone');
  const justOver = await connected(b.port, 5);
  justOver.sendRaw('30 fe 07'); // 1 + 2 + 1022 = 1025 bytes
  await expectDisconnect(justOver, ReasonCode.PACKET_TOO_LARGE);
  const v4 = await connected(b.port, 4);
  v4.sendRaw('30 ff ff ff 7f');
  await expectSilentClose(v4);
  const beforeConnect = await RawClient.open(b.port, 5);
  beforeConnect.sendRaw('10 ff ff ff 7f');
  await expectSilentClose(beforeConnect);
  await goodStillWorks('after oversize headers');
});

test('[MQTT-3.2.2-15] a packet of exactly maxPacketSize is accepted', async () => {
  const client = await connected(b.port, 5);
  // 1 + 2 (Remaining Length 1021) + topic 3 + id 2 + props 1 + payload 1015 = 1024
  const p = publish('a', Buffer.alloc(1015, 0x41), 1, 1);
  client.send(p);
  const puback = await client.next(PacketType.PUBACK);
  assert.equal(puback.packetId, 1);
  client.close();
  await goodStillWorks('after max-size packet');
});

test('[MQTT-1.5.5-1] a Remaining Length of 5 bytes or not minimally encoded: DISCONNECT 0x81', async () => {
  const five = await connected(b.port, 5);
  five.sendRaw('30 80 80 80 80 01');
  await expectDisconnect(five, ReasonCode.MALFORMED_PACKET);
  const padded = await connected(b.port, 5);
  padded.sendRaw('c0 80 00');
  await expectDisconnect(padded, ReasonCode.MALFORMED_PACKET);
  await goodStillWorks('after bad remaining length');
});

test('[MQTT-2.2.2.2] invalid properties: duplicate 0x82, unknown / misplaced / overrunning 0x81', async () => {
  const cases: [string, string, number][] = [
    [
      'duplicate Payload Format Indicator',
      '30 09 0001 61 04 0101 0101 78',
      ReasonCode.PROTOCOL_ERROR,
    ],
    ['unknown property 0x7f', '30 07 0001 61 02 7f00 78', ReasonCode.MALFORMED_PACKET],
    [
      'Session Expiry Interval in PUBLISH',
      '30 0a 0001 61 05 11 00000001 78',
      ReasonCode.MALFORMED_PACKET,
    ],
    ['property length past the packet', '30 05 0001 61 09 78', ReasonCode.MALFORMED_PACKET],
    ['Payload Format Indicator 2', '30 07 0001 61 02 0102 78', ReasonCode.PROTOCOL_ERROR],
    [
      'Subscription Identifier from a client',
      '30 07 0001 61 02 0b01 78',
      ReasonCode.PROTOCOL_ERROR,
    ],
    ['invalid UTF-8 in the topic', '30 05 0002 c328 00', ReasonCode.MALFORMED_PACKET],
    ['U+0000 in the topic', '30 05 0002 6100 00', ReasonCode.MALFORMED_PACKET],
  ];
  for (const [what, hex, code] of cases) {
    const client = await connected(b.port, 5);
    client.sendRaw(hex);
    await expectDisconnect(client, code).catch((error: unknown) => {
      throw new Error(`${what}: ${String(error)}`);
    });
  }
  // In CONNECT the same faults are refused with CONNACK.
  const dup = await RawClient.open(b.port, 5);
  dup.sendRaw('10 14 0004 4d515454 05 02 003c 06 21000a 21000a 0001 61');
  await expectConnackRefusal(dup, ReasonCode.PROTOCOL_ERROR);
  const unknown = await RawClient.open(b.port, 5);
  unknown.sendRaw('10 10 0004 4d515454 05 02 003c 02 7f00 0001 61');
  await expectConnackRefusal(unknown, ReasonCode.MALFORMED_PACKET);
  await goodStillWorks('after bad properties');
});

test('[MQTT-3.1.0-1] slowloris before CONNECT: dribbling bytes does not extend the connect timeout', async () => {
  const client = await RawClient.open(b.port, 5);
  const started = Date.now();
  // A 2 s dribble of a CONNECT (10 ms a byte would finish it; 120 ms a byte does not).
  void dribble(client, Buffer.from(CONNECT_V5.replace(/\s+/g, ''), 'hex'), 120);
  await expectSilentClose(client, 3000);
  const took = Date.now() - started;
  assert.ok(took < 1600, `closed after ${took} ms; connectTimeout is 1 s`);
  await goodStillWorks('after pre-CONNECT slowloris');
});

test('[MQTT-3.1.2-22] slowloris after CONNECT: bytes of an unfinished packet are not a Control Packet for keep alive', async () => {
  const client = await connected(b.port, 5, { keepalive: 1 });
  const started = Date.now();
  const body = Buffer.concat([
    Buffer.from('30 3c 0003 612f62 00'.replace(/\s+/g, ''), 'hex'),
    Buffer.alloc(54, 0x7a),
  ]);
  void dribble(client, body, 100); // 62 bytes over 6 s
  await expectDisconnect(client, ReasonCode.KEEP_ALIVE_TIMEOUT);
  const took = Date.now() - started;
  assert.ok(
    took <= 1500 + 300,
    `closed after ${took} ms; keep alive 1 allows 1.5 s without a packet`,
  );
  await goodStillWorks('after post-CONNECT slowloris');
});

/** Malformed openings, cycled through by the flood test. */
const MALFORMED: string[] = [
  'c0 00', // PINGREQ first
  '10 0d 0004 4d515454 06 02 003c 0001 61', // level 6
  '10 0d 0004 4d515454 04 03 003c 0001 61', // reserved flag
  '10 ff ff ff 7f', // far too large
  '10 80 80 80 80 01', // 5-byte remaining length
  '00 00', // reserved packet type
  '10 02 0004', // truncated inside the protocol name
  'ff ff ff ff ff ff ff ff',
  `${CONNECT_V5} 36 06 0001 61 0001 00`, // QoS 3
  `${CONNECT_V5} 30 05 0002 612b 00`, // wildcard topic
  `${CONNECT_V5} 82 03 0001 00`, // empty SUBSCRIBE
  `${CONNECT_V5} ${CONNECT_V5}`, // second CONNECT
];

test('[MQTT-4.13.1-1] 200 malformed clients in a loop: each is closed, the good client is unaffected, nothing leaks', async () => {
  const sessionsBefore = b.broker.sessions.size;
  const total = 200;
  const batch = 25;
  for (let start = 0; start < total; start += batch) {
    const clients = await Promise.all(
      Array.from({ length: batch }, () => RawClient.open(b.port, 5)),
    );
    clients.forEach((c, k) => {
      c.sendRaw(MALFORMED[(start + k) % MALFORMED.length] as string);
    });
    await Promise.all(clients.map((c) => c.waitClosed(3000)));
    await good.roundTrip(`flood ${start}`);
  }
  await goodStillWorks('after the flood');
  assert.equal(b.broker.sessions.size, sessionsBefore, 'no session left behind');
});
