// Our client's CONNECT / CONNACK, SUBSCRIBE / UNSUBSCRIBE and DISCONNECT against a real
// Mosquitto and against edgemq; refusal and unreachable-broker errors.
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ClientErrorCode, MqttClient, MqttClientError } from '../../src/client/index.js';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { freePort } from '../helpers/free-port.js';
import { BROKER_KINDS, launch } from './brokers.js';
import { client, inbox, waitFor } from './support.js';
import { WireTap } from './wire-tap.js';

for (const kind of BROKER_KINDS) {
  describe(`client connect against ${kind}`, { concurrency: true }, () => {
    for (const version of [3, 4, 5] as const) {
      test(`[MQTT-3.2.2-1] v${version} connect: CONNACK accepted, no session present`, async (t) => {
        const broker = await launch(t, kind);
        if (broker === null) return;
        const c = client(t, broker.port, { protocolVersion: version });
        const connack = await c.connect();
        assert.equal(connack.reasonCode, 0);
        assert.equal(connack.sessionPresent, false);
        assert.equal(c.connected, true);
        assert.equal(c.state, 'connected');
        await c.end();
        assert.equal(c.state, 'closed');
        assert.equal(c.connected, false);
      });
    }

    test('[MQTT-3.2.2-16] v5 empty client id: the broker assigns one and the client keeps it', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const c = client(t, broker.port, { clientId: '' });
      const connack = await c.connect();
      const assigned = connack.properties?.assignedClientIdentifier;
      assert.ok(assigned !== undefined && assigned.length > 0);
      assert.equal(c.clientIdentifier, assigned);
    });

    test('v5 CONNACK limits are exposed: Receive Maximum, Topic Alias Maximum, Maximum Packet Size', async (t) => {
      const broker = await launch(t, kind, { receiveMaximum: 7, maxPacketSize: 4096 });
      if (broker === null) return;
      const c = client(t, broker.port);
      await c.connect();
      assert.equal(c.brokerLimits.receiveMaximum, 7);
      assert.equal(c.brokerLimits.maximumPacketSize, 4096);
      assert.ok(c.brokerLimits.topicAliasMaximum > 0, 'both brokers advertise topic aliases');
    });

    for (const version of [4, 5] as const) {
      test(`[MQTT-3.2.2-${version === 5 ? 7 : 5}] v${version} refused connect (anonymous not allowed) rejects with the reason`, async (t) => {
        const broker = await launch(t, kind, { allowAnonymous: false });
        if (broker === null) return;
        const c = client(t, broker.port, { protocolVersion: version });
        const error = await c.connect().then(
          () => assert.fail('connect() should reject'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof MqttClientError);
        assert.equal(error.code, ClientErrorCode.CONNECT_REFUSED);
        const expected = version === 5 ? [0x86, 0x87] : [4, 5];
        assert.ok(expected.includes(error.reasonCode ?? -1), `reason ${error.reasonCode}`);
        assert.match(error.message, new RegExp(`refused by 127\\.0\\.0\\.1:${broker.port}`));
        assert.match(error.message, /not authorized|bad user name/);
        assert.equal(c.state, 'idle', 'a refused first connect does not retry');
      });
    }

    test('[MQTT-3.9.3-1] subscribe returns one SUBACK code per filter, in order; unsubscribe', async (t) => {
      const broker = await launch(t, kind, { maxQos: 1 });
      if (broker === null) return;
      const c = client(t, broker.port);
      await c.connect();
      const codes = await c.subscribe([
        { topicFilter: 'sub/a', qos: 0 },
        { topicFilter: 'sub/b', qos: 1, noLocal: true },
        { topicFilter: 'sub/c', qos: 2, retainHandling: 2, retainAsPublished: true },
      ]);
      assert.deepEqual(codes, [0, 1, 1], 'QoS 2 is downgraded to the Maximum QoS 1');
      assert.deepEqual(await c.unsubscribe(['sub/a', 'sub/b']), [0, 0]);
      const v5Codes = await c.unsubscribe('sub/none');
      assert.deepEqual(v5Codes, [ReasonCode.NO_SUBSCRIPTION_EXISTED]);
    });

    test('[MQTT-3.14.4-1] end() sends DISCONNECT and closes; later calls reject with CLOSED', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, { transport: tap.transport });
      await c.connect();
      let closed = 0;
      c.on('close', () => closed++);
      await c.end(false, { reasonCode: 0 });
      assert.equal(tap.sent(PacketType.DISCONNECT).length, 1);
      assert.equal(closed, 1);
      await assert.rejects(c.publish('t', 'x'), { code: ClientErrorCode.CLOSED });
      await assert.rejects(c.subscribe('t'), { code: ClientErrorCode.CLOSED });
    });

    test('a subscription granted on the broker delivers with noLocal honoured (v5)', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const c = client(t, broker.port);
      await c.connect();
      const got = inbox(c);
      await c.subscribe([
        { topicFilter: 'nl/#', qos: 1, noLocal: true },
        { topicFilter: 'own/#', qos: 1 },
      ]);
      await c.publish('nl/x', 'not to me', { qos: 1 });
      await c.publish('own/x', 'to me', { qos: 1 });
      await waitFor(() => got.length >= 1, 'own message');
      assert.deepEqual(
        got.map((m) => m.topic),
        ['own/x'],
        '[MQTT-3.8.3-3] no-local: our own message on nl/x is not sent back',
      );
    });
  });
}

describe('client connect errors (no broker needed)', { concurrency: true }, () => {
  test('unreachable port: connect() rejects naming host:port as unreachable', async (t) => {
    const port = await freePort(); // nothing listens there
    const c = client(t, port);
    const error = await c.connect().then(
      () => assert.fail('connect() should reject'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof MqttClientError);
    assert.equal(error.code, ClientErrorCode.UNREACHABLE);
    assert.equal(error.message, `broker 127.0.0.1:${port} is unreachable (ECONNREFUSED)`);
  });

  test('no CONNACK within connectTimeoutMs: CONNECT_TIMEOUT', async (t) => {
    const sockets: Socket[] = [];
    const server = createServer((s) => sockets.push(s)); // accepts, never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const s of sockets) s.destroy();
      server.close();
    });
    const address = server.address();
    assert.ok(address !== null && typeof address === 'object');
    const c = client(t, address.port, { connectTimeoutMs: 200 });
    const started = Date.now();
    await assert.rejects(c.connect(), {
      code: ClientErrorCode.CONNECT_TIMEOUT,
      message: `no CONNACK from 127.0.0.1:${address.port} within 200 ms`,
    });
    assert.ok(Date.now() - started < 2000);
  });

  test('invalid arguments reject before anything is sent', async () => {
    const c = new MqttClient({ port: 1, reconnect: false });
    await assert.rejects(c.publish('a/+', 'x'), { code: ClientErrorCode.INVALID_ARGUMENT });
    await assert.rejects(c.publish('', 'x'), { code: ClientErrorCode.INVALID_ARGUMENT });
    await assert.rejects(c.subscribe('a/#/b'), { code: ClientErrorCode.INVALID_ARGUMENT });
    await assert.rejects(c.subscribe('a'), { code: ClientErrorCode.NOT_CONNECTED });
    assert.throws(() => new MqttClient({ protocolVersion: 6 as 5 }), RangeError);
    await c.end();
  });
});
