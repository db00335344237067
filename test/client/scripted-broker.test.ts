// Client behaviour a real broker does not show on demand, against a scripted broker:
// duplicate QoS 2 deliveries, Server Keep Alive, bad topic aliases, a broker DISCONNECT,
// and a restart of the client process with the same message store.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ClientErrorCode,
  MemoryMessageStore,
  MqttClient,
  MqttClientError,
  OutgoingState,
} from '../../src/client/index.js';
import {
  PacketType,
  type DisconnectPacket,
  type PubAckLikePacket,
  type PublishPacket,
} from '../../src/codec/index.js';
import { FakeBroker } from './fake-broker.js';
import { client, inbox, next, waitFor } from './support.js';

async function fake(t: { after(fn: () => Promise<void>): void }): Promise<FakeBroker> {
  const broker = await FakeBroker.start();
  t.after(() => broker.close());
  return broker;
}

const publish = (packetId: number, dup: boolean, payload: string): PublishPacket => ({
  type: PacketType.PUBLISH,
  topic: 'x/y',
  payload: Buffer.from(payload),
  qos: 2,
  retain: false,
  dup,
  packetId,
  properties: null,
});

describe('client against a scripted broker', { concurrency: true }, () => {
  test('[MQTT-4.3.3-10] [MQTT-4.3.3-12] inbound QoS 2: a resent PUBLISH before PUBREL is not delivered twice', async (t) => {
    const broker = await fake(t);
    const c = client(t, broker.port);
    const got = inbox(c);
    const connecting = c.connect();
    const s = await broker.accept(1);
    await connecting;
    s.send(publish(7, false, 'first'));
    s.send(publish(7, true, 'first'));
    await s.expect(PacketType.PUBREC, 2);
    assert.equal(got.length, 1, 'delivered once before PUBREL');
    s.send({ type: PacketType.PUBREL, packetId: 7, reasonCode: 0, properties: null });
    const comp = await s.expect<PubAckLikePacket<7>>(PacketType.PUBCOMP);
    assert.equal(comp.packetId, 7);
    s.send(publish(7, false, 'second')); // the id is free again: a new message
    await waitFor(() => got.length === 2, 'the second message');
    assert.deepEqual(
      got.map((m) => m.payload.toString()),
      ['first', 'second'],
    );
  });

  test('[MQTT-3.2.2-21] the Server Keep Alive replaces the keepalive we asked for', async (t) => {
    const broker = await fake(t);
    const c = client(t, broker.port, { keepalive: 600 });
    const connecting = c.connect();
    const s = await broker.accept(1, { serverKeepAlive: 1 });
    await connecting;
    const started = Date.now();
    await s.expect(PacketType.PINGREQ, 1, 3000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 900 && elapsed < 2500, `PINGREQ after ${elapsed} ms`);
  });

  test('[MQTT-3.3.2-10] a Topic Alias above our maximum: DISCONNECT 0x94 and a PROTOCOL error', async (t) => {
    const broker = await fake(t);
    const c = client(t, broker.port, { properties: { topicAliasMaximum: 2 }, reconnect: false });
    const errors: MqttClientError[] = [];
    c.on('error', (e) => {
      if (e instanceof MqttClientError) errors.push(e);
    });
    const connecting = c.connect();
    const s = await broker.accept(1);
    await connecting;
    s.send({ ...publish(0, false, 'a'), qos: 0, properties: { topicAlias: 3 } });
    const disconnect = await s.expect<DisconnectPacket>(PacketType.DISCONNECT);
    assert.equal(disconnect.reasonCode, 0x94);
    assert.equal(errors[0]?.code, ClientErrorCode.PROTOCOL);
    assert.equal(errors[0].reasonCode, 0x94);
    await waitFor(() => !c.connected, 'the client closed the connection');
  });

  test('a v5 DISCONNECT from the broker is reported with its reason, then the client reconnects', async (t) => {
    const broker = await fake(t);
    const c = client(t, broker.port, { reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
    const connecting = c.connect();
    const s = await broker.accept(1);
    await connecting;
    const disconnected = next(c, 'disconnect');
    s.send({
      type: PacketType.DISCONNECT,
      reasonCode: 0x8b,
      properties: { reasonString: 'maintenance' },
    });
    const [packet] = (await disconnected) as [DisconnectPacket];
    assert.equal(packet.reasonCode, 0x8b);
    assert.equal(packet.properties?.reasonString, 'maintenance');
    const reconnected = next(c, 'connect');
    await broker.accept(2);
    await reconnected;
  });

  test('[MQTT-4.4.0-1] a new client on the same store resends what an earlier one left unfinished', async (t) => {
    const broker = await fake(t);
    const store = new MemoryMessageStore();
    const first = new MqttClient({ host: '127.0.0.1', port: broker.port, store, reconnect: false });
    const connecting = first.connect();
    const s1 = await broker.accept(1, { receiveMaximum: 2 });
    await connecting;
    const p1 = first.publish('m/1', 'one', { qos: 1 }); // will stay unacked
    const p2 = first.publish('m/2', 'two', { qos: 2 }); // will get PUBREC only
    const p3 = first.publish('m/3', 'three', { qos: 1 }); // beyond Receive Maximum: queued
    const sent2 = await s1.expect<PublishPacket>(PacketType.PUBLISH, 2);
    s1.send({ type: PacketType.PUBREC, packetId: sent2.packetId, reasonCode: 0, properties: null });
    await s1.expect(PacketType.PUBREL);
    await first.end(true); // the "process" stops: promises reject, the store keeps all three
    for (const p of [p1, p2, p3]) await assert.rejects(p, { code: ClientErrorCode.CLOSED });
    assert.deepEqual(
      store.load().map((m) => [m.topic, m.state]),
      [
        ['m/1', OutgoingState.PUBLISHED],
        ['m/2', OutgoingState.RELEASED],
        ['m/3', OutgoingState.QUEUED],
      ],
    );
    const sent1 = s1.packets.find((p) => p.type === PacketType.PUBLISH) as PublishPacket;

    const second = client(t, broker.port, { store, clientId: 'same', clean: false });
    assert.equal(second.inflightCount, 2);
    assert.equal(second.queuedCount, 1);
    const reconnecting = second.connect();
    const s2 = await broker.accept(2);
    await reconnecting;
    const resent = await s2.expect<PublishPacket>(PacketType.PUBLISH, 1);
    assert.deepEqual([resent.topic, resent.dup, resent.packetId], ['m/1', true, sent1.packetId]);
    const rel = await s2.expect<PubAckLikePacket<6>>(PacketType.PUBREL);
    assert.equal(rel.packetId, sent2.packetId);
    const fresh = await s2.expect<PublishPacket>(PacketType.PUBLISH, 2);
    assert.deepEqual([fresh.topic, fresh.dup], ['m/3', false]);
    s2.send({
      type: PacketType.PUBACK,
      packetId: resent.packetId,
      reasonCode: 0,
      properties: null,
    });
    s2.send({ type: PacketType.PUBCOMP, packetId: rel.packetId, reasonCode: 0, properties: null });
    s2.send({ type: PacketType.PUBACK, packetId: fresh.packetId, reasonCode: 0, properties: null });
    await waitFor(() => store.size === 0, 'the store to empty');
  });

  test('a v5 PUBACK failure carries the reason string into the error', async (t) => {
    const broker = await fake(t);
    const c = client(t, broker.port);
    const connecting = c.connect();
    const s = await broker.accept(1);
    await connecting;
    const pending = c.publish('q/t', 'x', { qos: 1 });
    const p = await s.expect<PublishPacket>(PacketType.PUBLISH);
    s.send({
      type: PacketType.PUBACK,
      packetId: p.packetId,
      reasonCode: 0x97,
      properties: { reasonString: 'over quota' },
    });
    await assert.rejects(pending, {
      code: ClientErrorCode.PUBLISH_FAILED,
      reasonCode: 0x97,
      message: 'PUBLISH to "q/t" failed: quota exceeded (0x97) - over quota',
    });
  });
});
