// MQTT 5 properties with MQTT.js: message expiry, forwarded publication properties,
// request/response information, and v3 <-> v5 interworking.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType, ReasonCode, type UserProperty } from '../../src/codec/index.js';
import { barrier, subscribe, uniqueId, withBroker } from '../helpers/mqttjs.js';
import { waitFor, within } from '../helpers/wait.js';

describe('MQTT.js v5: message expiry', () => {
  test('[MQTT-3.3.2-6] [MQTT-3.3.2-5] the remaining lifetime is forwarded; expired messages are not delivered late', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('expiry');
      const props = { sessionExpiryInterval: 60 };
      const sub = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await subscribe(sub.client, 'exp/#', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('exp/live', 'live', {
        qos: 1,
        properties: { messageExpiryInterval: 60 },
      });
      const live = await sub.inbox.waitPayload('live');
      assert.equal(live.properties?.messageExpiryInterval, 60);
      await pub.client.publishAsync('exp/none', 'none', { qos: 1 });
      assert.equal(
        (await sub.inbox.waitPayload('none')).properties?.messageExpiryInterval,
        undefined,
      );

      await within(sub.client.endAsync(), 'DISCONNECT');
      await waitFor(() => broker.sessions.get(id)?.client === null, 'session offline');
      const sentAt = Date.now();
      await pub.client.publishAsync('exp/short', 'short', {
        qos: 1,
        properties: { messageExpiryInterval: 1 },
      });
      await pub.client.publishAsync('exp/long', 'long', {
        qos: 1,
        properties: { messageExpiryInterval: 10 },
      });
      const expiredBefore = broker.metrics.messagesExpired;
      await waitFor(() => Date.now() - sentAt > 1150, 'the short expiry', 3000);

      const back = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      assert.equal(back.connack.sessionPresent, true);
      const long = await back.inbox.waitPayload('long');
      const remaining = long.properties?.messageExpiryInterval ?? -1;
      assert.ok(
        remaining >= 7 && remaining <= 9,
        `remaining ${remaining}, expected 10 minus the time offline`,
      );
      await barrier(pub.client, back.inbox, 'exp/marker');
      assert.equal(back.inbox.messages.length, 2, 'long and the barrier: short expired offline');
      assert.equal(back.inbox.messages[0]?.payload, 'long');
      assert.equal(broker.metrics.messagesExpired - expiredBefore, 1);
    });
  });
});

describe('MQTT.js v5: message expiry in flight', () => {
  test('[MQTT-4.3.3-7] [MQTT-4.4.0-1] a started delivery is completed after reconnect even if expired; the window moves on', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('expiry-window');
      const props = { sessionExpiryInterval: 60, receiveMaximum: 1 };
      const raw = await clients.raw(5);
      await raw.connect({ clientId: id, clean: false, properties: props });
      raw.send({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          {
            topicFilter: 'expw/t',
            qos: 1,
            noLocal: false,
            retainAsPublished: false,
            retainHandling: 0,
          },
        ],
        properties: null,
      });
      await raw.next(PacketType.SUBACK);
      const pub = await clients.connect({ protocolVersion: 5 });
      const sentAt = Date.now();
      await pub.client.publishAsync('expw/t', 'short', {
        qos: 1,
        properties: { messageExpiryInterval: 1 },
      });
      assert.equal((await raw.next(PacketType.PUBLISH)).payload.toString(), 'short');
      raw.close(); // never acknowledged
      await waitFor(() => broker.sessions.get(id)?.client === null, 'session offline');
      await waitFor(() => Date.now() - sentAt > 1150, 'the expiry', 3000);

      const back = await clients.raw(5);
      await back.connect({ clientId: id, clean: false, properties: props });
      // Expiry stops only a first delivery: the started one is resent as it was, with DUP.
      const resent = await back.next(PacketType.PUBLISH);
      assert.deepEqual([resent.payload.toString(), resent.dup], ['short', true]);
      back.send({
        type: PacketType.PUBACK,
        packetId: resent.packetId,
        reasonCode: 0,
        properties: null,
      });
      await pub.client.publishAsync('expw/t', 'next', { qos: 1 });
      const p = await back.next(PacketType.PUBLISH);
      assert.deepEqual([p.payload.toString(), p.dup], ['next', false]);
      assert.equal(broker.sessions.get(id)?.inflight.size, 1);
    });
  });
});

describe('MQTT.js v5: publication properties', () => {
  test('[MQTT-3.3.2-4] [MQTT-3.3.2-15] [MQTT-3.3.2-16] [MQTT-3.3.2-17] [MQTT-3.3.2-20] properties are forwarded unaltered', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, 'props/t', { qos: 2 });
      const pub = await clients.connect({ protocolVersion: 5 });
      const correlationData = Buffer.from([0, 1, 2, 0xff, 0x80]);
      await pub.client.publishAsync('props/t', 'héllo', {
        qos: 2,
        properties: {
          payloadFormatIndicator: true,
          contentType: 'text/plain; charset=utf-8',
          responseTopic: 'props/reply/1',
          correlationData,
          userProperties: { first: '1', second: ['a', 'b'], 'with space': 'ü' },
        },
      });
      const m = await sub.inbox.waitPayload('héllo');
      assert.equal(m.properties?.payloadFormatIndicator, true);
      assert.equal(m.properties.contentType, 'text/plain; charset=utf-8');
      assert.equal(m.properties.responseTopic, 'props/reply/1');
      assert.deepEqual(m.properties.correlationData, correlationData);
      assert.deepEqual(
        { ...m.properties.userProperties },
        { first: '1', second: ['a', 'b'], 'with space': 'ü' },
      );
      assert.deepEqual(Object.keys(m.properties.userProperties ?? {}), [
        'first',
        'second',
        'with space',
      ]);
      assert.equal(m.properties.topicAlias, undefined);
    });
  });

  test('[MQTT-3.3.2-18] user properties keep their order, repeated names included', async () => {
    await withBroker({}, async ({ clients }) => {
      const sub = await clients.raw(5);
      await sub.connect();
      sub.send({
        type: PacketType.SUBSCRIBE,
        packetId: 1,
        subscriptions: [
          {
            topicFilter: 'order/t',
            qos: 1,
            noLocal: false,
            retainAsPublished: false,
            retainHandling: 0,
          },
        ],
        properties: null,
      });
      await sub.next(PacketType.SUBACK);
      const pub = await clients.raw(5);
      await pub.connect();
      const userProperties: UserProperty[] = [
        ['z', '1'],
        ['a', '2'],
        ['z', '3'],
        ['m', ''],
        ['a', '2'],
      ];
      pub.send({
        type: PacketType.PUBLISH,
        topic: 'order/t',
        payload: Buffer.from('o'),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 5,
        properties: { userProperties },
      });
      await pub.next(PacketType.PUBACK);
      const got = await sub.next(PacketType.PUBLISH);
      assert.deepEqual(got.properties?.userProperties, userProperties);
    });
  });

  test('[§3.4.2.1] PUBACK / PUBREC 0x10 when nobody subscribed (v5), 0x00 otherwise', async () => {
    await withBroker({}, async ({ clients }) => {
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('nobody/t', 'x', { qos: 1 });
      await pub.client.publishAsync('nobody/t', 'x', { qos: 2 });
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, 'somebody/t', { qos: 1 });
      await pub.client.publishAsync('somebody/t', 'y', { qos: 1 });
      const codes = pub.received
        .filter((p) => p.cmd === 'puback' || p.cmd === 'pubrec')
        .map((p) => [p.cmd, p.reasonCode ?? 0]);
      assert.deepEqual(codes, [
        ['puback', ReasonCode.NO_MATCHING_SUBSCRIBERS],
        ['pubrec', ReasonCode.NO_MATCHING_SUBSCRIBERS],
        ['puback', 0],
      ]);
    });
  });

  test('[MQTT-3.3.2-4] a PUBLISH whose payload is not the UTF-8 it claims gets PUBACK 0x99', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(5);
      await raw.connect();
      raw.send({
        type: PacketType.PUBLISH,
        topic: 'pfi/t',
        payload: Buffer.from([0xc3, 0x28]),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 3,
        properties: { payloadFormatIndicator: 1 },
      });
      const ack = await raw.next(PacketType.PUBACK);
      assert.deepEqual([ack.packetId, ack.reasonCode], [3, ReasonCode.PAYLOAD_FORMAT_INVALID]);
    });
  });

  test('[MQTT-3.3.2-14] a Response Topic with wildcards is a Protocol Error', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const watcher = await clients.connect({ protocolVersion: 5 });
      await subscribe(watcher.client, 'rt/#', { qos: 1 });
      const raw = await clients.raw(5);
      await raw.connect();
      raw.send({
        type: PacketType.PUBLISH,
        topic: 'rt/t',
        payload: Buffer.from('q'),
        qos: 1,
        retain: false,
        dup: false,
        packetId: 4,
        properties: { responseTopic: 'replies/+' },
      });
      assert.equal((await raw.next(PacketType.DISCONNECT)).reasonCode, ReasonCode.PROTOCOL_ERROR);
      const pub = await clients.connect({ protocolVersion: 5 });
      await barrier(pub.client, watcher.inbox, 'rt/marker');
      assert.deepEqual(watcher.inbox.payloads('rt/t'), []);
      assert.equal(broker.retained.size, 0);
    });
  });

  test('[MQTT-3.1.2-28] Response Information only when requested', async () => {
    await withBroker({}, async ({ clients }) => {
      const asked = await clients.connect({
        protocolVersion: 5,
        properties: { requestResponseInformation: true },
      });
      const info = asked.connack.properties?.responseInformation;
      assert.equal(typeof info, 'string');
      assert.ok((info ?? '').length > 0);
      // The topic root can be used for replies (a valid topic prefix).
      await subscribe(asked.client, `${info}/#`, { qos: 1 });
      const responder = await clients.connect({ protocolVersion: 5 });
      await responder.client.publishAsync(`${info}/answer`, '42', { qos: 1 });
      await asked.inbox.waitPayload('42');

      const notAsked = await clients.connect({ protocolVersion: 5 });
      assert.equal(notAsked.connack.properties?.responseInformation, undefined);
      const declined = await clients.connect({
        protocolVersion: 5,
        properties: { requestResponseInformation: false },
      });
      assert.equal(declined.connack.properties?.responseInformation, undefined);
    });
  });
});

describe('MQTT.js: 3.1 / 3.1.1 and 5 clients together', () => {
  test('[MQTT-3.3.2] v5 -> v3.1.1 and v3.1: payload and QoS arrive, v5 properties are dropped', async () => {
    await withBroker({}, async ({ clients }) => {
      const v4 = await clients.connect({ protocolVersion: 4 });
      const v3 = await clients.connect({
        protocolVersion: 3,
        protocolId: 'MQIsdp',
        clientId: `v31-${process.pid}`,
      });
      await subscribe(v4.client, 'mix/#', { qos: 2 });
      await subscribe(v3.client, 'mix/#', { qos: 1 });
      const v5 = await clients.connect({ protocolVersion: 5 });
      await v5.client.publishAsync('mix/from5', 'five', {
        qos: 2,
        properties: {
          userProperties: { a: 'b' },
          contentType: 'text/plain',
          messageExpiryInterval: 30,
          responseTopic: 'mix/r',
        },
      });
      const at4 = await v4.inbox.waitPayload('five');
      const at3 = await v3.inbox.waitPayload('five');
      assert.equal(at4.qos, 2);
      assert.equal(at3.qos, 1);
      assert.equal(at4.properties, undefined);
      assert.equal(at3.properties, undefined);
      assert.equal(at4.topic, 'mix/from5');
    });
  });

  test('[MQTT-3.3.2] v3.1.1 and v3.1 -> v5: delivered with no properties but the subscription identifier', async () => {
    await withBroker({}, async ({ clients }) => {
      const v5 = await clients.connect({ protocolVersion: 5 });
      await subscribe(v5.client, 'mix/#', { qos: 2, properties: { subscriptionIdentifier: 9 } });
      const v4 = await clients.connect({ protocolVersion: 4 });
      const v3 = await clients.connect({
        protocolVersion: 3,
        protocolId: 'MQIsdp',
        clientId: `v31p-${process.pid}`,
      });
      await v4.client.publishAsync('mix/from4', 'four', { qos: 1, retain: false });
      await v3.client.publishAsync('mix/from3', 'three', { qos: 2 });
      const four = await v5.inbox.waitPayload('four');
      const three = await v5.inbox.waitPayload('three');
      assert.deepEqual({ ...four.properties }, { subscriptionIdentifier: 9 });
      assert.deepEqual({ ...three.properties }, { subscriptionIdentifier: 9 });
      assert.equal(four.qos, 1);
      assert.equal(three.qos, 2);
    });
  });
});
