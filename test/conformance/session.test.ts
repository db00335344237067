// Sessions across connections: resume, redelivery with original packet ids, expiry,
// takeover, DISCONNECT rules and wills [MQTT-3.1.2-4..8, 3.1.4-3, 3.14, 4.1, 4.4].
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PacketType, ReasonCode, type ProtocolVersion } from '../../src/codec/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import {
  ack,
  connected,
  expectDisconnect,
  expectNone,
  publish,
  subscribed,
  uniqueId,
  type ConnectFields,
} from './support.js';

let b: RunningBroker;

before(async () => {
  b = await startBroker();
});

after(async () => {
  await b.close();
});

/** Drops the socket without DISCONNECT and waits until the broker has detached the session. */
async function drop(client: RawClient, clientId: string): Promise<void> {
  client.close();
  await waitFor(
    () => b.broker.sessions.get(clientId)?.client === null,
    `session ${clientId} detached`,
    2000,
  );
}

/** Reconnects `clientId` with Clean Start 0 and checks Session Present. */
async function resume(
  clientId: string,
  version: ProtocolVersion,
  present: boolean,
  fields: ConnectFields = {},
): Promise<RawClient> {
  const client = await RawClient.open(b.port, version);
  const connack = await client.connect({ clientId, clean: false, ...fields });
  assert.equal(connack.reasonCode, 0);
  assert.equal(
    connack.sessionPresent,
    present,
    `Session Present ${String(present)} [MQTT-3.2.2-3]`,
  );
  return client;
}

const persistent = { clean: true, properties: { sessionExpiryInterval: 60 } } as const;

test('[MQTT-3.14.2-2] session expiry set on DISCONNECT after 0 in CONNECT: DISCONNECT 0x82', async () => {
  const client = await connected(b.port, 5);
  client.send({
    type: PacketType.DISCONNECT,
    reasonCode: 0,
    properties: { sessionExpiryInterval: 30 },
  });
  const disconnect = await expectDisconnect(client, ReasonCode.PROTOCOL_ERROR);
  // The server never sends a Session Expiry Interval on DISCONNECT [MQTT-3.14.2-2].
  assert.equal(disconnect.properties?.sessionExpiryInterval, undefined);
});

test('[MQTT-4.4.0-1] QoS 1: in-flight messages are resent with DUP=1 and their packet ids, queued ones follow', async () => {
  for (const version of [5, 4] as const) {
    const id = uniqueId('s1');
    const fields = version === 5 ? { clientId: id, ...persistent } : { clientId: id, clean: false };
    const sub = await connected(b.port, version, fields);
    const pub = await connected(b.port, 5);
    const topic = `sess/${id}`;
    await subscribed(sub, topic, 1);
    pub.send(publish(topic, 'a', 1, 1));
    pub.send(publish(topic, 'b', 1, 2));
    const a = await sub.next(PacketType.PUBLISH);
    const bMsg = await sub.next(PacketType.PUBLISH);
    assert.equal(a.dup, false);
    sub.send(ack(PacketType.PUBACK, a.packetId)); // 'a' is done; 'b' stays in flight
    await waitFor(() => b.broker.sessions.get(id)?.inflight.size === 1, 'PUBACK processed', 2000);
    await drop(sub, id);
    // While offline: queued for the session [MQTT-3.1.2-23] / [MQTT-4.5.0-1].
    pub.send(publish(topic, 'c', 1, 3));
    pub.send(publish(topic, 'd', 0)); // QoS 0 to an offline session may be dropped
    for (let i = 0; i < 3; i++) await pub.next(PacketType.PUBACK);
    const back = await resume(id, version, true);
    const resent = await back.next(PacketType.PUBLISH);
    assert.equal(resent.payload.toString(), 'b');
    assert.equal(resent.dup, true, '[MQTT-3.3.1-1] DUP=1 on redelivery');
    assert.equal(resent.packetId, bMsg.packetId, 'original packet id');
    const queued = await back.next(PacketType.PUBLISH);
    assert.equal(queued.payload.toString(), 'c');
    assert.equal(queued.dup, false, 'a first delivery has DUP=0');
    assert.notEqual(queued.packetId, resent.packetId);
    back.send(ack(PacketType.PUBACK, resent.packetId));
    back.send(ack(PacketType.PUBACK, queued.packetId));
    await expectNone(back, PacketType.PUBLISH, 100);
    // 'a' was acknowledged: it is never resent.
    back.close();
    pub.close();
  }
});

test('[MQTT-4.4.0-1] QoS 2: an unanswered PUBLISH is resent with DUP, a PUBREC-ed one gets its PUBREL again', async () => {
  const id = uniqueId('s2');
  const sub = await connected(b.port, 5, { clientId: id, ...persistent });
  const pub = await connected(b.port, 5);
  const topic = `sess2/${id}`;
  await subscribed(sub, topic, 2);
  for (const [n, body] of [
    [1, 'x'],
    [2, 'y'],
  ] as const) {
    pub.send(publish(topic, body, 2, n));
    await pub.next(PacketType.PUBREC);
    pub.send(ack(PacketType.PUBREL, n));
    await pub.next(PacketType.PUBCOMP);
  }
  const x = await sub.next(PacketType.PUBLISH);
  const y = await sub.next(PacketType.PUBLISH);
  sub.send(ack(PacketType.PUBREC, x.packetId));
  const rel = await sub.next(PacketType.PUBREL);
  assert.equal(rel.packetId, x.packetId);
  await drop(sub, id);
  const back = await resume(id, 5, true, { properties: { sessionExpiryInterval: 60 } });
  // Resent in the original order: PUBREL for x, PUBLISH (DUP) for y [MQTT-4.6.0-1].
  const rel2 = await back.next(PacketType.PUBREL);
  assert.equal(rel2.packetId, x.packetId);
  const y2 = await back.next(PacketType.PUBLISH);
  assert.equal(y2.packetId, y.packetId);
  assert.equal(y2.dup, true);
  assert.equal(y2.payload.toString(), 'y');
  // [MQTT-4.3.3-6] x is never published again once PUBREL was sent.
  back.send(ack(PacketType.PUBCOMP, x.packetId));
  back.send(ack(PacketType.PUBREC, y2.packetId));
  assert.equal((await back.next(PacketType.PUBREL)).packetId, y2.packetId);
  back.send(ack(PacketType.PUBCOMP, y2.packetId));
  await expectNone(back, PacketType.PUBLISH, 100);
  await waitFor(() => b.broker.sessions.get(id)?.inflight.size === 0, 'all complete', 2000);
  back.close();
  pub.close();
});

test('[MQTT-4.4.0-1] [MQTT-4.3.3-7] an in-flight message is resent on reconnect even after its expiry interval passed', async () => {
  const id = uniqueId('sx');
  const sub = await connected(b.port, 5, {
    clientId: id,
    clean: true,
    properties: { sessionExpiryInterval: 60, receiveMaximum: 1 },
  });
  const pub = await connected(b.port, 5);
  const topic = `sessx/${id}`;
  await subscribed(sub, topic, 2);
  pub.send(publish(topic, 'short-lived', 2, 1, { messageExpiryInterval: 1 }));
  await pub.next(PacketType.PUBREC);
  pub.send(ack(PacketType.PUBREL, 1));
  const first = await sub.next(PacketType.PUBLISH);
  assert.equal(first.properties?.messageExpiryInterval, 1);
  await drop(sub, id);
  await new Promise((resolve) => setTimeout(resolve, 1100));
  pub.send(publish(topic, 'next', 2, 2));
  await pub.next(PacketType.PUBREC);
  pub.send(ack(PacketType.PUBREL, 2));
  const back = await resume(id, 5, true, {
    properties: { sessionExpiryInterval: 60, receiveMaximum: 1 },
  });
  // Onward delivery had started: the copy is not deleted, it is resent with its packet id.
  const again = await back.next(PacketType.PUBLISH);
  assert.equal(again.packetId, first.packetId);
  assert.equal(again.dup, true);
  assert.equal(again.payload.toString(), 'short-lived');
  back.send(ack(PacketType.PUBREC, again.packetId));
  await back.next(PacketType.PUBREL);
  back.send(ack(PacketType.PUBCOMP, again.packetId));
  // ... and completing it frees the only slot of the window for the next message.
  assert.equal((await back.next(PacketType.PUBLISH)).payload.toString(), 'next');
  back.close();
  pub.close();
});

test('[MQTT-4.3.3-10] inbound QoS 2 state survives a reconnect: the resent PUBLISH is not delivered twice', async () => {
  const id = uniqueId('s3');
  const sub = await connected(b.port, 5);
  const topic = `sess3/${id}`;
  await subscribed(sub, topic, 0);
  const pub = await connected(b.port, 5, { clientId: id, ...persistent });
  pub.send(publish(topic, 'once', 2, 42));
  assert.equal((await pub.next(PacketType.PUBREC)).packetId, 42);
  assert.equal((await sub.next(PacketType.PUBLISH)).payload.toString(), 'once');
  await drop(pub, id);
  const back = await resume(id, 5, true, { properties: { sessionExpiryInterval: 60 } });
  back.send(publish(topic, 'once', 2, 42, null, { dup: true }));
  assert.equal((await back.next(PacketType.PUBREC)).packetId, 42);
  back.send(ack(PacketType.PUBREL, 42));
  const comp = await back.next(PacketType.PUBCOMP);
  assert.equal(comp.reasonCode, 0, 'the packet id was still known');
  await expectNone(sub, PacketType.PUBLISH, 150);
  back.close();
  sub.close();
});

test('[MQTT-3.1.2-4] Clean Start 1 discards the session: Session Present 0 and nothing queued', async () => {
  const id = uniqueId('s4');
  const sub = await connected(b.port, 5, { clientId: id, ...persistent });
  const topic = `sess4/${id}`;
  await subscribed(sub, topic, 1);
  await drop(sub, id);
  const pub = await connected(b.port, 5);
  pub.send(publish(topic, 'lost', 1, 1));
  await pub.next(PacketType.PUBACK);
  const fresh = await RawClient.open(b.port, 5);
  const connack = await fresh.connect({
    clientId: id,
    clean: true,
    properties: { sessionExpiryInterval: 60 },
  });
  assert.equal(connack.sessionPresent, false, '[MQTT-3.2.2-2]');
  await expectNone(fresh, PacketType.PUBLISH, 150);
  // The old subscription went with the session.
  pub.send(publish(topic, 'new', 1, 2));
  await pub.next(PacketType.PUBACK);
  await expectNone(fresh, PacketType.PUBLISH, 100);
  fresh.close();
  pub.close();
});

test('[MQTT-4.1.0-2] a session is discarded once its expiry interval has passed', async () => {
  const id = uniqueId('s5');
  const client = await connected(b.port, 5, {
    clientId: id,
    clean: true,
    properties: { sessionExpiryInterval: 1 },
  });
  await subscribed(client, `sess5/${id}`, 1);
  await drop(client, id);
  const kept = await resume(id, 5, true, { properties: { sessionExpiryInterval: 1 } });
  await drop(kept, id);
  await waitFor(() => b.broker.sessions.get(id) === undefined, 'session expired', 2500);
  const back = await resume(id, 5, false);
  back.close();
});

test('[MQTT-3.14.2.2.2] DISCONNECT may lower the session expiry to 0, which ends the session', async () => {
  const id = uniqueId('s6');
  const client = await connected(b.port, 5, { clientId: id, ...persistent });
  client.send({
    type: PacketType.DISCONNECT,
    reasonCode: 0,
    properties: { sessionExpiryInterval: 0 },
  });
  await client.waitClosed();
  const back = await resume(id, 5, false);
  back.close();
});

test('[MQTT-3.1.4-3] a second connection with the same client id takes over: DISCONNECT 0x8E to the first', async () => {
  const id = uniqueId('s7');
  const first = await connected(b.port, 5, { clientId: id, ...persistent });
  await subscribed(first, `sess7/${id}`, 1);
  const second = await resume(id, 5, true, { properties: { sessionExpiryInterval: 60 } });
  await expectDisconnect(first, ReasonCode.SESSION_TAKEN_OVER);
  const v4first = await connected(b.port, 4, { clientId: `${id}-4` });
  const v4second = await connected(b.port, 4, { clientId: `${id}-4` });
  await v4first.waitClosed();
  assert.equal(v4second.closed, false);
  second.sendRaw('c0 00');
  await second.next(PacketType.PINGRESP);
  second.close();
  v4second.close();
});

test('[MQTT-3.1.2-8] [MQTT-3.14.4-3] the will: published on a lost connection and on DISCONNECT 0x04, not on a normal DISCONNECT', async () => {
  const watcher = await connected(b.port, 5);
  const base = `will/${uniqueId()}`;
  await subscribed(watcher, `${base}/#`, 1);
  const open = async (name: string): Promise<RawClient> =>
    connected(b.port, 5, {
      will: {
        topic: `${base}/${name}`,
        payload: Buffer.from(name),
        qos: 1,
        retain: false,
        properties: null,
      },
    });
  const lost = await open('lost');
  const normal = await open('normal');
  const withWill = await open('with-will');
  const failing = await open('client-error');
  normal.send({ type: PacketType.DISCONNECT, reasonCode: 0, properties: null });
  await normal.waitClosed();
  withWill.send({
    type: PacketType.DISCONNECT,
    reasonCode: ReasonCode.DISCONNECT_WITH_WILL_MESSAGE,
    properties: null,
  });
  await withWill.waitClosed();
  // Only 0x00 deletes the will: a DISCONNECT with an error code still publishes it.
  failing.send({
    type: PacketType.DISCONNECT,
    reasonCode: ReasonCode.UNSPECIFIED_ERROR,
    properties: null,
  });
  await failing.waitClosed();
  lost.close();
  const got: string[] = [];
  for (let i = 0; i < 3; i++) {
    const p = await watcher.next(PacketType.PUBLISH);
    got.push(p.payload.toString());
    watcher.send(ack(PacketType.PUBACK, p.packetId));
  }
  assert.deepEqual(got.sort(), ['client-error', 'lost', 'with-will']);
  await expectNone(watcher, PacketType.PUBLISH, 150);
  // A protocol error also publishes the will (the connection was not closed normally).
  const bad = await open('bad');
  bad.sendRaw('36 06 0001 61 0001 00');
  await expectDisconnect(bad, ReasonCode.MALFORMED_PACKET);
  assert.equal((await watcher.next(PacketType.PUBLISH)).payload.toString(), 'bad');
  watcher.close();
});
