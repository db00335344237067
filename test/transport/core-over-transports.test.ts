// The core scenarios, unchanged, over every transport: tcp, tls, ws and wss (each broker has
// only that one listener, so wss runs without a ws listener). MQTT.js is the client.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { barrier, dropConnection, subscribe, uniqueId } from '../helpers/mqttjs.js';
import { TRANSPORTS, withBrokerOn } from '../helpers/transports.js';

for (const kind of TRANSPORTS) {
  describe(`core over ${kind}`, () => {
    for (const protocolVersion of [4, 5] as const) {
      test(`[MQTT-3.2.0-1] CONNECT v${protocolVersion} is accepted with CONNACK 0 (${kind})`, async () => {
        await withBrokerOn(kind, {}, async ({ clients, broker }) => {
          const c = await clients.connect({ protocolVersion });
          assert.equal(c.connack.sessionPresent, false);
          assert.equal(
            protocolVersion === 5 ? c.connack.reasonCode : c.connack.returnCode,
            0,
            'accepted',
          );
          const [client] = [...broker.clients];
          assert.equal(client?.transport, kind);
        });
      });
    }

    test(`[MQTT-4.3] QoS 0, 1 and 2 round trip, and a 256 KiB message (${kind})`, async () => {
      await withBrokerOn(kind, {}, async ({ clients }) => {
        const sub = await clients.connect({ protocolVersion: 5 });
        assert.deepEqual(await subscribe(sub.client, 'rt/#', { qos: 2 }), [2]);
        const pub = await clients.connect({ protocolVersion: 4 });
        pub.client.publish('rt/0', 'zero', { qos: 0 });
        await pub.client.publishAsync('rt/1', 'one', { qos: 1 });
        await pub.client.publishAsync('rt/2', 'two', { qos: 2 });
        const big = 'x'.repeat(256 * 1024);
        await pub.client.publishAsync('rt/big', big, { qos: 1 });
        const got = await sub.inbox.waitCount(4);
        assert.deepEqual(
          got.map((m) => [m.topic, m.qos, m.payload.length]),
          [
            ['rt/0', 0, 4],
            ['rt/1', 1, 3],
            ['rt/2', 2, 3],
            ['rt/big', 1, big.length],
          ],
        );
        assert.equal(got[3]?.payload, big);
      });
    });

    test(`[MQTT-3.3.1-6] a retained message reaches a later subscriber (${kind})`, async () => {
      await withBrokerOn(kind, {}, async ({ clients }) => {
        const pub = await clients.connect({ protocolVersion: 5 });
        await pub.client.publishAsync('ret/t', 'kept', { qos: 1, retain: true });
        const sub = await clients.connect({ protocolVersion: 4 });
        await subscribe(sub.client, 'ret/t', { qos: 1 });
        const m = await sub.inbox.waitPayload('kept');
        assert.equal(m.retain, true);
        assert.equal(m.qos, 1);
      });
    });

    test(`[MQTT-3.1.2-8] the will is published on abnormal loss (${kind})`, async () => {
      await withBrokerOn(kind, {}, async ({ clients }) => {
        const watcher = await clients.connect({ protocolVersion: 5 });
        await subscribe(watcher.client, 'will/t', { qos: 1 });
        const dying = await clients.connect({
          protocolVersion: 4,
          will: { topic: 'will/t', payload: Buffer.from('gone'), qos: 1, retain: false },
        });
        dropConnection(dying.client);
        const will = await watcher.inbox.waitPayload('gone', 'will/t');
        assert.equal(will.qos, 1);
      });
    });

    test(`[MQTT-4.8.2] a shared subscription gives each message to one member (${kind})`, async () => {
      await withBrokerOn(kind, {}, async ({ clients }) => {
        const a = await clients.connect({ protocolVersion: 5 });
        const b = await clients.connect({ protocolVersion: 5 });
        await subscribe(a.client, '$share/g/sh/t', { qos: 1 });
        await subscribe(b.client, '$share/g/sh/t', { qos: 1 });
        const plain = await clients.connect({ protocolVersion: 5 });
        await subscribe(plain.client, 'sh/t', { qos: 1 });
        const pub = await clients.connect({ protocolVersion: 5 });
        const sent = Array.from({ length: 10 }, (_, i) => `m${i}`);
        for (const p of sent) await pub.client.publishAsync('sh/t', p, { qos: 1 });
        await plain.inbox.waitCount(10);
        await barrier(pub.client, plain.inbox, 'sh/t', uniqueId('bar'));
        const got = [...a.inbox.payloads(), ...b.inbox.payloads()].filter((p) => sent.includes(p));
        assert.deepEqual(got.sort(), [...sent].sort(), 'each message exactly once in the group');
        assert.ok(a.inbox.messages.length > 0 && b.inbox.messages.length > 0, 'both members');
      });
    });
  });
}
