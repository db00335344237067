// Keep alive (PINGREQ / PINGRESP and its timeout) and will messages, against a real
// Mosquitto and against edgemq.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientErrorCode, MqttClientError } from '../../src/client/index.js';
import { PacketType } from '../../src/codec/index.js';
import { BROKER_KINDS, launch } from './brokers.js';
import { client, inbox, next, waitFor } from './support.js';
import { WireTap } from './wire-tap.js';

for (const kind of BROKER_KINDS) {
  describe(`client keepalive and will against ${kind}`, { concurrency: true }, () => {
    test('[MQTT-3.1.2-23] an idle client sends PINGREQ within the keep alive and gets PINGRESP', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, { keepalive: 1, transport: tap.transport });
      await c.connect();
      const started = Date.now();
      await waitFor(() => tap.received(PacketType.PINGRESP).length >= 1, 'PINGRESP', 3000);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 2500, `PINGREQ after ${elapsed} ms`);
      assert.equal(tap.sent(PacketType.PINGREQ).length, 1);
      assert.equal(c.connected, true);
      assert.equal(tap.connections, 1);
    });

    test('no PINGRESP within pingTimeoutMs: KEEPALIVE_TIMEOUT, offline, then a reconnect', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, {
        keepalive: 1,
        pingTimeoutMs: 300,
        transport: tap.transport,
        reconnect: { initialDelayMs: 20, maxDelayMs: 50 },
      });
      const errors: Error[] = [];
      c.on('error', (e) => errors.push(e));
      await c.connect();
      tap.dropIncoming = true; // the broker goes silent (as far as the client can tell)
      const offline = next(c, 'offline', 4000);
      await offline;
      tap.dropIncoming = false;
      const timeout = errors.find((e) => e instanceof MqttClientError);
      assert.equal(timeout?.code, ClientErrorCode.KEEPALIVE_TIMEOUT);
      await next(c, 'connect', 3000);
      assert.equal(tap.connections, 2);
    });

    for (const version of [4, 5] as const) {
      test(`[MQTT-3.1.2-8] v${version} will is published when the client's connection drops without DISCONNECT`, async (t) => {
        const broker = await launch(t, kind);
        if (broker === null) return;
        const observer = client(t, broker.port);
        const got = inbox(observer);
        await observer.connect();
        await observer.subscribe('will/#', { qos: 1 });
        const tap = new WireTap(broker.port);
        const c = client(t, broker.port, {
          protocolVersion: version,
          transport: tap.transport,
          reconnect: false,
          will: {
            topic: 'will/gone',
            payload: 'bye',
            qos: 1,
            properties: { userProperties: [['why', 'crash']], willDelayInterval: 0 },
          },
        });
        await c.connect();
        tap.cut(); // the socket is destroyed: no DISCONNECT reaches the broker
        await waitFor(() => got.length === 1, 'the will message');
        assert.equal(got[0]?.topic, 'will/gone');
        assert.equal(got[0].payload.toString(), 'bye');
        if (version === 5) assert.deepEqual(got[0].properties?.userProperties, [['why', 'crash']]);
      });
    }

    test('[MQTT-3.1.2-10] a normal DISCONNECT discards the will; v5 reason 0x04 publishes it', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const observer = client(t, broker.port);
      const got = inbox(observer);
      await observer.connect();
      await observer.subscribe('lastwill/#', { qos: 1 });
      const will = (topic: string) => ({ topic, payload: 'w', qos: 1 as const });

      const normal = client(t, broker.port, { will: will('lastwill/normal') });
      await normal.connect();
      await normal.end();
      const withWill = client(t, broker.port, { will: will('lastwill/asked') });
      await withWill.connect();
      await withWill.end(false, { reasonCode: 0x04 });
      await observer.publish('lastwill/sentinel', 's', { qos: 1 });
      await waitFor(() => got.some((m) => m.topic === 'lastwill/sentinel'), 'the sentinel');
      await waitFor(() => got.some((m) => m.topic === 'lastwill/asked'), 'the requested will');
      assert.equal(got.filter((m) => m.topic === 'lastwill/normal').length, 0);
    });
  });
}
