// CONNECT and session life with MQTT.js as the independent client: clean session / clean
// start, session present, assigned client identifiers, takeover, session expiry and the
// DISCONNECT update rules, keepalive enforcement and the server keep alive cap.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { barrier, subscribe, uniqueId, withBroker } from '../helpers/mqttjs.js';
import { waitFor, within } from '../helpers/wait.js';

describe('MQTT.js: clean session and session present', () => {
  test('[MQTT-3.1.2-6] [MQTT-3.2.2-3] 3.1.1 clean=false resumes the session with Session Present and queued QoS 1', async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('v4-persist');
      const first = await clients.connect({ protocolVersion: 4, clientId: id, clean: false });
      assert.equal(first.connack.sessionPresent, false);
      assert.deepEqual(await subscribe(first.client, 'persist/v4', { qos: 1 }), [1]);
      await within(first.client.endAsync(), 'DISCONNECT');

      const pub = await clients.connect({ protocolVersion: 4 });
      await pub.client.publishAsync('persist/v4', 'while-away', { qos: 1 });

      const again = await clients.connect({ protocolVersion: 4, clientId: id, clean: false });
      assert.equal(again.connack.sessionPresent, true);
      const [m] = await again.inbox.waitCount(1, 'persist/v4');
      assert.equal(m?.payload, 'while-away');
      assert.equal(m.qos, 1);
      // The subscription survived too: a live message arrives without resubscribing.
      await pub.client.publishAsync('persist/v4', 'live', { qos: 1 });
      await again.inbox.waitPayload('live', 'persist/v4');
    });
  });

  test('[MQTT-3.1.2-6] [MQTT-3.2.2-2] 3.1.1 clean=true discards the stored session', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('v4-clean');
      const first = await clients.connect({ protocolVersion: 4, clientId: id, clean: false });
      await subscribe(first.client, 'clean/v4', { qos: 1 });
      await within(first.client.endAsync(), 'DISCONNECT');
      assert.ok(broker.sessions.get(id) !== undefined, 'persistent session kept while offline');

      const cleanOne = await clients.connect({ protocolVersion: 4, clientId: id, clean: true });
      assert.equal(cleanOne.connack.sessionPresent, false);
      await within(cleanOne.client.endAsync(), 'DISCONNECT');
      await waitFor(
        () => broker.sessions.get(id) === undefined,
        'clean session ended at disconnect',
      );

      const after = await clients.connect({ protocolVersion: 4, clientId: id, clean: false });
      assert.equal(after.connack.sessionPresent, false);
      // No subscription came back: a publish to the old filter is not delivered.
      const pub = await clients.connect({ protocolVersion: 4 });
      await subscribe(after.client, 'clean/marker', { qos: 1 });
      await pub.client.publishAsync('clean/v4', 'ghost', { qos: 1 });
      await barrier(pub.client, after.inbox, 'clean/marker');
      assert.deepEqual(after.inbox.payloads('clean/v4'), []);
    });
  });

  test('[MQTT-3.1.2-4] [MQTT-3.2.2-2] v5 clean start=true never reports Session Present', async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('v5-clean');
      const first = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: { sessionExpiryInterval: 30 },
      });
      assert.equal(first.connack.sessionPresent, false);
      await within(first.client.endAsync(), 'DISCONNECT');
      const second = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: true,
        properties: { sessionExpiryInterval: 30 },
      });
      assert.equal(second.connack.sessionPresent, false);
      assert.equal(second.connack.reasonCode, 0);
    });
  });
});

describe('MQTT.js: client identifiers and takeover', () => {
  test('[MQTT-3.1.3-6] [MQTT-3.2.2-16] v5 empty client id gets an Assigned Client Identifier', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const c = await clients.connect({ protocolVersion: 5, clientId: '' });
      const assigned = c.connack.properties?.assignedClientIdentifier;
      assert.equal(typeof assigned, 'string');
      assert.ok((assigned ?? '').length > 0);
      assert.ok(
        broker.sessions.get(assigned ?? '') !== undefined,
        'session is stored under the assigned id',
      );
      // The connection works under that id.
      await subscribe(c.client, 'assigned/t', { qos: 1 });
      await c.client.publishAsync('assigned/t', 'hello', { qos: 1 });
      await c.inbox.waitPayload('hello', 'assigned/t');
    });
  });

  test('[MQTT-3.1.3-7] 3.1.1 empty client id with clean session is accepted', async () => {
    await withBroker({}, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 4, clientId: '', clean: true });
      assert.equal(c.connack.returnCode, 0);
      assert.equal(c.connack.sessionPresent, false);
    });
  });

  test('[MQTT-3.1.3-8] 3.1.1 empty client id with clean session 0 gets CONNACK 0x02', async () => {
    await withBroker({}, async ({ clients }) => {
      // MQTT.js refuses to send this CONNECT, so the raw client does.
      const raw = await clients.raw(4);
      const connack = await raw.connect({ clientId: '', clean: false });
      assert.equal(connack.reasonCode, 0x02);
      assert.equal(connack.sessionPresent, false);
      await raw.waitClosed();
    });
  });

  test('[MQTT-3.1.4-3] v5 takeover: the old connection gets DISCONNECT 0x8E and the session moves', async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('takeover5');
      const old = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      await subscribe(old.client, 'takeover/t', { qos: 1 });
      const next = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      assert.equal(next.connack.sessionPresent, true);
      await waitFor(() => old.disconnects.length > 0, 'DISCONNECT on the old connection');
      assert.equal(old.disconnects[0]?.reasonCode, ReasonCode.SESSION_TAKEN_OVER);
      await waitFor(() => old.closed(), 'old socket closed');
      // The subscription now delivers to the new connection only.
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('takeover/t', 'to-new', { qos: 1 });
      await next.inbox.waitPayload('to-new', 'takeover/t');
      assert.deepEqual(old.inbox.payloads(), []);
    });
  });

  test('[MQTT-3.1.4-3] [MQTT-3.1.2-4] a takeover with Clean Start 1 discards the old session', async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('takeover-clean');
      const old = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      await subscribe(old.client, 'tkc/t', { qos: 1 });
      const next = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: true,
        properties: { sessionExpiryInterval: 60 },
      });
      assert.equal(next.connack.sessionPresent, false);
      await waitFor(
        () => old.disconnects[0]?.reasonCode === ReasonCode.SESSION_TAKEN_OVER,
        'DISCONNECT 0x8E',
      );
      await subscribe(next.client, 'tkc/marker', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('tkc/t', 'old-subscription', { qos: 1 });
      await barrier(pub.client, next.inbox, 'tkc/marker');
      assert.deepEqual(next.inbox.payloads('tkc/t'), []);
    });
  });

  test('[MQTT-3.1.4-3] 3.1.1 takeover closes the old connection', async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('takeover4');
      const old = await clients.connect({ protocolVersion: 4, clientId: id });
      const next = await clients.connect({ protocolVersion: 4, clientId: id });
      assert.equal(next.connack.returnCode, 0);
      await waitFor(() => old.closed(), 'old socket closed');
      assert.equal(next.closed(), false);
    });
  });
});

describe('MQTT.js: session expiry interval (v5)', () => {
  test('[MQTT-3.1.2-23] a session is resumed when the client returns within the expiry', async () => {
    await withBroker({}, async ({ clients }) => {
      const id = uniqueId('expiry-in');
      const props = { sessionExpiryInterval: 1 };
      const first = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await subscribe(first.client, 'expiry/in', { qos: 1 });
      await within(first.client.endAsync(), 'DISCONNECT');
      const pub = await clients.connect({ protocolVersion: 5 });
      await pub.client.publishAsync('expiry/in', 'kept', { qos: 1 });
      const again = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      assert.equal(again.connack.sessionPresent, true);
      const m = await again.inbox.waitPayload('kept', 'expiry/in');
      assert.equal(m.qos, 1);
    });
  });

  test('[MQTT-3.1.2-23] a session is gone once its expiry interval passed', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('expiry-out');
      const props = { sessionExpiryInterval: 1 };
      const first = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      await subscribe(first.client, 'expiry/out', { qos: 1 });
      const pub = await clients.connect({ protocolVersion: 5 });
      await within(first.client.endAsync(), 'DISCONNECT');
      const leftAt = Date.now();
      await pub.client.publishAsync('expiry/out', 'lost', { qos: 1 });
      await waitFor(() => broker.sessions.get(id) === undefined, 'session expiry', 3000);
      const lived = Date.now() - leftAt;
      assert.ok(lived >= 900, `session lived ${lived} ms, expected about 1000`);

      const again = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      assert.equal(again.connack.sessionPresent, false);
      await subscribe(again.client, 'expiry/marker', { qos: 1 });
      await pub.client.publishAsync('expiry/out', 'after', { qos: 1 });
      await barrier(pub.client, again.inbox, 'expiry/marker');
      assert.deepEqual(
        again.inbox.payloads('expiry/out'),
        [],
        'neither the queued nor the new message: no subscription',
      );
    });
  });

  test('[MQTT-3.1.2-23] Session Expiry Interval 0 (absent) ends the session with the connection', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('expiry-zero');
      const first = await clients.connect({ protocolVersion: 5, clientId: id, clean: false });
      await subscribe(first.client, 'expiry/zero', { qos: 1 });
      await within(first.client.endAsync(), 'DISCONNECT');
      await waitFor(() => broker.sessions.get(id) === undefined, 'session ended');
      const again = await clients.connect({ protocolVersion: 5, clientId: id, clean: false });
      assert.equal(again.connack.sessionPresent, false);
    });
  });

  test('[MQTT-3.14.2-2] DISCONNECT may shorten the expiry to 0: the session ends at once', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const id = uniqueId('expiry-update');
      const first = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      await within(
        first.client.endAsync({ reasonCode: 0, properties: { sessionExpiryInterval: 0 } }),
        'DISCONNECT',
      );
      await waitFor(
        () => broker.sessions.get(id) === undefined,
        'session ended by the DISCONNECT update',
      );
      const again = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: { sessionExpiryInterval: 60 },
      });
      assert.equal(again.connack.sessionPresent, false);
    });
  });

  test('[MQTT-3.14.2-2] DISCONNECT setting a non-zero expiry after 0 in CONNECT is a Protocol Error', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const raw = await clients.raw(5);
      const id = uniqueId('expiry-bad');
      const connack = await raw.connect({ clientId: id, clean: false });
      assert.equal(connack.reasonCode, 0);
      raw.send({
        type: PacketType.DISCONNECT,
        reasonCode: 0,
        properties: { sessionExpiryInterval: 30 },
      });
      const disconnect = await raw.next(PacketType.DISCONNECT);
      assert.equal(disconnect.reasonCode, ReasonCode.PROTOCOL_ERROR);
      await raw.waitClosed();
      await waitFor(() => broker.sessions.get(id) === undefined, 'session not extended');
    });
  });
});

describe('MQTT.js: keep alive', () => {
  test('[MQTT-3.1.2-22] a client silent for keepalive x 1.25 is disconnected (v5: 0x8D); a pinging one stays', async () => {
    await withBroker({}, async ({ clients }) => {
      const silent = await clients.raw(5);
      const pinging = await clients.raw(4);
      await silent.connect({ keepalive: 1 });
      const since = Date.now();
      await pinging.connect({ keepalive: 1 });
      const pinger = setInterval(() => {
        pinging.send({ type: PacketType.PINGREQ });
      }, 400);
      try {
        const d = await silent.next(PacketType.DISCONNECT, 3000);
        const after = Date.now() - since;
        assert.equal(d.reasonCode, ReasonCode.KEEP_ALIVE_TIMEOUT);
        assert.ok(after >= 1150 && after < 2500, `disconnected after ${after} ms, expected ~1250`);
        await silent.waitClosed();
        // The pinging client outlived 1.5 x its keepalive and got its PINGRESPs.
        await waitFor(() => Date.now() - since > 1600, 'past the keepalive limit');
        assert.equal(pinging.closed, false);
        await pinging.next(PacketType.PINGRESP);
      } finally {
        clearInterval(pinger);
      }
    });
  });

  test('[MQTT-3.1.2-22] a silent 3.1.1 client is closed after keepalive x 1.25', async () => {
    await withBroker({}, async ({ clients }) => {
      const raw = await clients.raw(4);
      await raw.connect({ keepalive: 1 });
      const since = Date.now();
      await raw.waitClosed(3000);
      const after = Date.now() - since;
      assert.ok(after >= 1150 && after < 2500, `closed after ${after} ms`);
      assert.equal(raw.packets.length, 0, '3.1.1 gets no DISCONNECT');
    });
  });

  test('[MQTT-3.2.2-21] Server Keep Alive caps a larger keep alive and is enforced', async () => {
    await withBroker({ maxKeepalive: 1 }, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5, keepalive: 60 });
      assert.equal(c.connack.properties?.serverKeepAlive, 1);
      // MQTT.js adopts the server's value; a raw client that ignores it is cut off at 1 x 1.25 s.
      const raw = await clients.raw(5);
      const connack = await raw.connect({ keepalive: 60 });
      assert.equal(connack.properties?.serverKeepAlive, 1);
      const since = Date.now();
      const d = await raw.next(PacketType.DISCONNECT, 3000);
      assert.equal(d.reasonCode, ReasonCode.KEEP_ALIVE_TIMEOUT);
      assert.ok(Date.now() - since < 2500);
    });
  });

  test('[MQTT-3.2.2-21] no Server Keep Alive when the requested keep alive is within the cap', async () => {
    await withBroker({ maxKeepalive: 120 }, async ({ clients }) => {
      const c = await clients.connect({ protocolVersion: 5, keepalive: 30 });
      assert.equal(c.connack.properties?.serverKeepAlive, undefined);
    });
  });
});
