// $SYS topics with MQTT.js: NanoMQ's `$SYS/brokers/connected|disconnected` JSON events and
// the periodic `$SYS/broker/...` statistics; wildcards at the first level never match them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PacketType } from '../../src/codec/index.js';
import {
  barrier,
  dropConnection,
  subscribe,
  uniqueId,
  withBroker,
  type Inbox,
} from '../helpers/mqttjs.js';
import { waitFor, within } from '../helpers/wait.js';

const CONNECTED_KEYS = [
  'username',
  'ts',
  'proto_name',
  'keepalive',
  'return_code',
  'proto_ver',
  'client_id',
  'clean_start',
  'IPv4',
];
const DISCONNECTED_KEYS = ['username', 'ts', 'reason_code', 'client_id', 'IPv4'];

/** Waits for the event on `topic` about `clientId` and returns its parsed JSON. */
async function sysEvent(
  inbox: Inbox,
  topic: string,
  clientId: string,
): Promise<Record<string, unknown>> {
  const find = () =>
    inbox
      .on(topic)
      .map((m) => JSON.parse(m.payload) as Record<string, unknown>)
      .find((e) => e.client_id === clientId);
  await waitFor(() => find() !== undefined, `${topic} for ${clientId}`);
  return find() as Record<string, unknown>;
}

describe('MQTT.js: $SYS client events', () => {
  test('[NanoMQ b.7] $SYS/brokers/connected carries the CONNECT fields (v5, v3.1.1, v3.1)', async () => {
    await withBroker({}, async ({ clients }) => {
      const watcher = await clients.connect({ protocolVersion: 5 });
      await subscribe(watcher.client, '$SYS/brokers/+', { qos: 0 });
      const cases = [
        {
          opts: {
            protocolVersion: 5 as const,
            username: 'alice',
            password: 'pw',
            keepalive: 30,
            clean: true,
          },
          name: 'MQTT',
          ver: 5,
          clean: 1,
          user: 'alice',
        },
        {
          opts: { protocolVersion: 4 as const, keepalive: 45, clean: false },
          name: 'MQTT',
          ver: 4,
          clean: 0,
          user: '',
        },
        {
          opts: {
            protocolVersion: 3 as const,
            protocolId: 'MQIsdp' as const,
            keepalive: 20,
            clean: true,
          },
          name: 'MQIsdp',
          ver: 3,
          clean: 1,
          user: '',
        },
      ];
      for (const c of cases) {
        const clientId = uniqueId('sys').slice(0, 23);
        const before = Date.now();
        await clients.connect({ ...c.opts, clientId });
        const e = await sysEvent(watcher.inbox, '$SYS/brokers/connected', clientId);
        assert.deepEqual(Object.keys(e), CONNECTED_KEYS);
        assert.equal(e.username, c.user);
        assert.equal(typeof e.ts, 'number');
        assert.ok((e.ts as number) >= before && (e.ts as number) <= Date.now());
        assert.equal(e.proto_name, c.name);
        assert.equal(e.keepalive, c.opts.keepalive);
        assert.equal(e.return_code, '0');
        assert.equal(e.proto_ver, c.ver);
        assert.equal(e.clean_start, c.clean);
        assert.equal(e.IPv4, '127.0.0.1');
      }
    });
  });

  test('[NanoMQ b.7] $SYS/brokers/disconnected carries the reason code as hex', async () => {
    await withBroker({}, async ({ clients }) => {
      const watcher = await clients.connect({ protocolVersion: 5 });
      await subscribe(watcher.client, '$SYS/brokers/disconnected', { qos: 0 });

      const normal = await clients.connect({ protocolVersion: 5, username: 'bob' });
      const normalId = normal.client.options.clientId ?? '';
      await within(normal.client.endAsync(), 'DISCONNECT');
      const e = await sysEvent(watcher.inbox, '$SYS/brokers/disconnected', normalId);
      assert.deepEqual(Object.keys(e), DISCONNECTED_KEYS);
      assert.equal(e.username, 'bob');
      assert.equal(e.reason_code, '0');
      assert.equal(e.IPv4, '127.0.0.1');
      assert.equal(typeof e.ts, 'number');

      const withWill = await clients.connect({ protocolVersion: 5 });
      await within(withWill.client.endAsync({ reasonCode: 0x04 }), 'DISCONNECT 0x04');
      assert.equal(
        (
          await sysEvent(
            watcher.inbox,
            '$SYS/brokers/disconnected',
            withWill.client.options.clientId ?? '',
          )
        ).reason_code,
        '4',
      );

      const id = uniqueId('taken');
      await clients.connect({ protocolVersion: 5, clientId: id });
      await clients.connect({ protocolVersion: 5, clientId: id });
      assert.equal(
        (await sysEvent(watcher.inbox, '$SYS/brokers/disconnected', id)).reason_code,
        '8e',
      );

      const raw = await clients.raw(5);
      const silentId = uniqueId('silent');
      await raw.connect({ clientId: silentId, keepalive: 1 });
      await raw.next(PacketType.DISCONNECT, 3000);
      assert.equal(
        (await sysEvent(watcher.inbox, '$SYS/brokers/disconnected', silentId)).reason_code,
        '8d',
      );

      const dropped = await clients.connect({ protocolVersion: 4 });
      dropConnection(dropped.client);
      const d = await sysEvent(
        watcher.inbox,
        '$SYS/brokers/disconnected',
        dropped.client.options.clientId ?? '',
      );
      assert.match(String(d.reason_code), /^[0-9a-f]+$/);
      assert.notEqual(d.reason_code, '0', 'a lost connection is not a normal disconnection');
    });
  });

  test('[MQTT-4.7.2-1] filters starting with a wildcard do not match $SYS topics', async () => {
    await withBroker({}, async ({ clients }) => {
      const all = await clients.connect({ protocolVersion: 5 });
      await subscribe(all.client, ['#', '+/brokers/connected'], { qos: 0 });
      const sys = await clients.connect({ protocolVersion: 5 });
      await subscribe(sys.client, ['$SYS/#', 'marker'], { qos: 0 });
      const newcomer = await clients.connect({ protocolVersion: 5 });
      await sysEvent(sys.inbox, '$SYS/brokers/connected', newcomer.client.options.clientId ?? '');
      await barrier(newcomer.client, all.inbox, 'marker');
      assert.deepEqual(
        all.inbox.messages.map((m) => m.topic),
        ['marker'],
      );
    });
  });
});

describe('MQTT.js: periodic $SYS/broker statistics', () => {
  test('[MQTT-4.7.2] $SYS/broker/... statistics are retained and republished every sys_interval', async () => {
    await withBroker({ sysInterval: 1 }, async ({ clients }) => {
      const sub = await clients.connect({ protocolVersion: 5 });
      await subscribe(sub.client, '$SYS/broker/#', { qos: 0 });
      const names = [
        'version',
        'uptime',
        'clients/connected',
        'clients/total',
        'subscriptions/count',
        'retained messages/count',
        'messages/received',
        'messages/sent',
        'messages/dropped',
        'bytes/received',
        'bytes/sent',
      ];
      await waitFor(
        () => names.every((n) => sub.inbox.on(`$SYS/broker/${n}`).length > 0),
        'every statistic (retained)',
      );
      for (const n of names)
        assert.equal(sub.inbox.on(`$SYS/broker/${n}`)[0]?.retain, true, `${n} is retained`);
      assert.match(sub.inbox.on('$SYS/broker/version')[0]?.payload ?? '', /^edgemq /);
      assert.match(sub.inbox.on('$SYS/broker/uptime')[0]?.payload ?? '', /^\d+ seconds$/);

      const pub = await clients.connect({ protocolVersion: 5 });
      for (let i = 0; i < 3; i++) await pub.client.publishAsync('stats/t', 'x', { qos: 1 });
      const received = () =>
        sub.inbox.on('$SYS/broker/messages/received').map((m) => Number(m.payload));
      const before = received()[0] ?? 0;
      // The next round (live, so RETAIN 0) counts the new messages and both clients.
      await waitFor(
        () => received().some((n) => n >= before + 3),
        'a later statistics round',
        3000,
      );
      const live = sub.inbox.on('$SYS/broker/clients/connected').at(-1);
      assert.equal(live?.retain, false);
      assert.ok(Number(live.payload) >= 2);
      for (const n of names.slice(2)) {
        for (const m of sub.inbox.on(`$SYS/broker/${n}`)) assert.match(m.payload, /^\d+$/, n);
      }
    });
  });
});
