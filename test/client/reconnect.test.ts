// Automatic reconnect against a real Mosquitto and against edgemq: after a broker restart
// (a new broker on the same port, no session) and after a cut connection (the session
// survives on the broker), with redelivery from the message store and no loss.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ClientOptions } from '../../src/client/index.js';
import {
  PacketType,
  type ConnackPacket,
  type Packet,
  type PublishPacket,
} from '../../src/codec/index.js';
import { BROKER_KINDS, launch } from './brokers.js';
import { client, inbox, next, waitFor } from './support.js';
import { WireTap } from './wire-tap.js';

const FAST_RECONNECT = { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0.2 };

/** A persistent session for either version (v5 needs a Session Expiry Interval to keep one). */
function persistent(version: 4 | 5, clientId: string): ClientOptions {
  return {
    protocolVersion: version,
    clientId,
    clean: false,
    reconnect: FAST_RECONNECT,
    ...(version === 5 ? { properties: { sessionExpiryInterval: 300 } } : {}),
  };
}

const onConnection = (tap: WireTap, n: number, dir: 'out' | 'in', type: number): Packet[] =>
  tap.log
    .filter((e) => e.connection === n && e.dir === dir && e.packet.type === type)
    .map((e) => e.packet);

for (const kind of BROKER_KINDS) {
  describe(`client reconnect against ${kind}`, { concurrency: true }, () => {
    for (const version of [4, 5] as const) {
      test(`v${version} broker restart: reconnect, re-subscribe, deliver the QoS 1 message published while down`, async (t) => {
        const broker = await launch(t, kind);
        if (broker === null) return;
        const c = client(t, broker.port, persistent(version, `restart-${kind}-${version}`));
        const got = inbox(c);
        let reconnects = 0;
        c.on('reconnect', () => reconnects++);
        await c.connect();
        await c.subscribe('restart/#', { qos: 1 });

        const offline = next(c, 'offline');
        await broker.stop();
        await offline;
        const pending = c.publish('restart/t', 'while-down', { qos: 1 });
        assert.equal(c.options.store.size, 1, 'the message waits in the store');
        assert.equal(c.connected, false);

        const reconnected = next(c, 'connect');
        await broker.start(); // same port, fresh broker: no session
        const [connack] = (await reconnected) as [ConnackPacket];
        assert.equal(connack.sessionPresent, false);
        await pending; // PUBACK from the new broker
        await waitFor(() => got.length === 1, 'the message through the restored subscription');
        assert.equal(got[0]?.payload.toString(), 'while-down');
        assert.equal(c.options.store.size, 0);
        assert.ok(reconnects >= 1);
      });
    }

    for (const version of [4, 5] as const) {
      test(`[MQTT-4.4.0-1] [MQTT-3.3.1-1] v${version} QoS 1 unacked at a cut is resent with DUP and the same packet id; session resumed`, async (t) => {
        const broker = await launch(t, kind);
        if (broker === null) return;
        const observer = client(t, broker.port);
        const seen = inbox(observer);
        await observer.connect();
        await observer.subscribe('resume/#', { qos: 1 });

        const tap = new WireTap(broker.port);
        const c = client(t, broker.port, {
          ...persistent(version, `resume1-${kind}-${version}`),
          transport: tap.transport,
        });
        await c.connect();
        await c.subscribe('resume/own', { qos: 1 });
        tap.dropIncoming = true; // the PUBACK will never reach the client
        const pending = c.publish('resume/t', 'once', { qos: 1 });
        await waitFor(() => seen.length === 1, 'the broker routed the message');
        tap.cut();
        tap.dropIncoming = false;
        await pending; // completed on the new connection

        const connacks = tap.received(PacketType.CONNACK) as ConnackPacket[];
        assert.equal(connacks.length, 2);
        assert.equal(connacks[1]?.sessionPresent, true);
        const first = onConnection(tap, 1, 'out', PacketType.PUBLISH)[0] as PublishPacket;
        const again = onConnection(tap, 2, 'out', PacketType.PUBLISH) as PublishPacket[];
        assert.equal(again.length, 1);
        assert.equal(first.dup, false);
        assert.equal(again[0]?.dup, true);
        assert.equal(again[0].packetId, first.packetId);
        assert.equal(again[0].topic, 'resume/t', 'a resend carries the full topic, never an alias');
        assert.equal(
          onConnection(tap, 2, 'out', PacketType.SUBSCRIBE).length,
          0,
          'no re-subscription when the session is present',
        );
        assert.equal(c.options.store.size, 0);
      });
    }

    test('[MQTT-4.4.0-1] v5 QoS 2 past PUBREC: PUBREL (not PUBLISH) is resent, delivered exactly once', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const observer = client(t, broker.port);
      const seen = inbox(observer);
      await observer.connect();
      await observer.subscribe('exact/#', { qos: 2 });

      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, {
        ...persistent(5, `resume2-${kind}`),
        transport: tap.transport,
      });
      await c.connect();
      tap.dropAfter = PacketType.PUBREC; // PUBREC arrives, PUBCOMP will not
      const pending = c.publish('exact/t', 'exactly-once', { qos: 2 });
      await waitFor(
        () => tap.sent(PacketType.PUBREL).length === 1,
        'PUBREL on the first connection',
      );
      tap.cut();
      tap.dropAfter = null;
      tap.dropIncoming = false;
      await pending;

      const published = onConnection(tap, 1, 'out', PacketType.PUBLISH) as PublishPacket[];
      assert.equal(published.length, 1);
      assert.equal(onConnection(tap, 2, 'out', PacketType.PUBLISH).length, 0);
      const rel = onConnection(tap, 2, 'out', PacketType.PUBREL);
      assert.equal(rel.length, 1);
      assert.equal((rel[0] as { packetId: number }).packetId, published[0]?.packetId);
      assert.equal(onConnection(tap, 2, 'in', PacketType.PUBCOMP).length, 1);

      await c.publish('exact/sentinel', 'end', { qos: 1 });
      await waitFor(() => seen.some((m) => m.topic === 'exact/sentinel'), 'the sentinel');
      assert.equal(seen.filter((m) => m.topic === 'exact/t').length, 1, 'no duplicate downstream');
    });

    test('reconnect: false stays offline after a lost connection', async (t) => {
      const broker = await launch(t, kind);
      if (broker === null) return;
      const tap = new WireTap(broker.port);
      const c = client(t, broker.port, { reconnect: false, transport: tap.transport });
      await c.connect();
      const closed = next(c, 'close');
      const offline = next(c, 'offline');
      tap.cut();
      await offline;
      await closed;
      assert.equal(c.state, 'idle');
      assert.equal(tap.connections, 1);
      await c.connect(); // a manual connect() still works
      assert.equal(tap.connections, 2);
    });
  });
}
