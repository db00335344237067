// Retained messages and wills with MQTT.js: set / replace / delete, wildcard delivery,
// retained expiry; wills on abnormal loss, not after a normal DISCONNECT, after
// DISCONNECT 0x04, Will Delay Interval and its cancellation, will properties.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { IClientOptions } from 'mqtt';
import {
  barrier,
  dropConnection,
  subscribe,
  uniqueId,
  withBroker,
  type Connected,
} from '../helpers/mqttjs.js';
import { waitFor, within } from '../helpers/wait.js';

type Will = NonNullable<IClientOptions['will']>;

describe('MQTT.js: retained messages', () => {
  for (const protocolVersion of [4, 5] as const) {
    test(`[MQTT-3.3.1-5] [MQTT-3.3.1-6] a retained message is stored, replaced and sent on subscribe with RETAIN 1 (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients, broker }) => {
        const pub = await clients.connect({ protocolVersion });
        await pub.client.publishAsync('ret/t', 'first', { qos: 1, retain: true });
        await pub.client.publishAsync('ret/t', 'second', { qos: 2, retain: true });
        // RETAIN 0 neither stores nor replaces [MQTT-3.3.1-8].
        await pub.client.publishAsync('ret/t', 'not-retained', { qos: 1, retain: false });
        await pub.client.publishAsync('ret/sentinel', 'sentinel', { qos: 0, retain: true });
        await waitFor(() => broker.retained.size === 2, 'two retained topics');

        const sub = await clients.connect({ protocolVersion });
        await subscribe(sub.client, 'ret/t', { qos: 1 });
        await subscribe(sub.client, 'ret/sentinel', { qos: 1 });
        await sub.inbox.waitPayload('sentinel');
        const got = sub.inbox.on('ret/t');
        assert.equal(got.length, 1, 'only the latest retained message');
        assert.equal(got[0]?.payload, 'second');
        assert.equal(got[0].retain, true);
        assert.equal(got[0].qos, 1, 'QoS 2 retained, subscription QoS 1');
        assert.equal(sub.inbox.on('ret/sentinel')[0]?.qos, 0);
      });
    });
  }

  test('[MQTT-3.3.1-6] [MQTT-3.3.1-7] an empty retained payload deletes the topic and is still forwarded live', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const pub = await clients.connect({ protocolVersion: 5 });
      const live = await clients.connect({ protocolVersion: 4 });
      await subscribe(live.client, 'del/t', { qos: 1 });
      await pub.client.publishAsync('del/t', 'doomed', { qos: 1, retain: true });
      await pub.client.publishAsync('del/t', '', { qos: 1, retain: true });
      const emptied = await live.inbox.waitCount(2);
      assert.deepEqual(
        emptied.map((m) => [m.payload, m.retain]),
        [
          ['doomed', false],
          ['', false],
        ],
      );
      assert.equal(broker.retained.get('del/t'), undefined);

      await pub.client.publishAsync('del/sentinel', 'sentinel', { qos: 1, retain: true });
      const late = await clients.connect({ protocolVersion: 5 });
      await subscribe(late.client, 'del/t', { qos: 1 });
      await subscribe(late.client, 'del/sentinel', { qos: 1 });
      await late.inbox.waitPayload('sentinel');
      assert.deepEqual(late.inbox.payloads('del/t'), []);
    });
  });

  test('[MQTT-3.3.1-9] [MQTT-4.7.1-2] retained messages are delivered through wildcard filters', async () => {
    await withBroker({}, async ({ clients }) => {
      const pub = await clients.connect({ protocolVersion: 5 });
      for (const topic of ['rw/a/x', 'rw/b/x', 'rw/a/y', 'rw'])
        await pub.client.publishAsync(topic, topic, { qos: 1, retain: true });
      await pub.client.publishAsync('sentinel', 'sentinel', { qos: 1, retain: true });
      const cases: [string, string[]][] = [
        ['rw/+/x', ['rw/a/x', 'rw/b/x']],
        ['rw/#', ['rw', 'rw/a/x', 'rw/a/y', 'rw/b/x']],
        ['+/a/+', ['rw/a/x', 'rw/a/y']],
      ];
      for (const [filter, expected] of cases) {
        const sub = await clients.connect({ protocolVersion: 5 });
        await subscribe(sub.client, filter, { qos: 1 });
        await subscribe(sub.client, 'sentinel', { qos: 1 });
        await sub.inbox.waitPayload('sentinel');
        const got = sub.inbox.messages.filter((m) => m.topic !== 'sentinel');
        assert.deepEqual(got.map((m) => m.topic).sort(), expected, filter);
        for (const m of got) assert.equal(m.retain, true);
      }
    });
  });

  test('[MQTT-3.3.2-5] [MQTT-3.3.2-6] a retained message expires; before that it carries its remaining lifetime', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const pub = await clients.connect({ protocolVersion: 5 });
      const published = Date.now();
      await pub.client.publishAsync('rexp/t', 'short-lived', {
        qos: 1,
        retain: true,
        properties: {
          messageExpiryInterval: 1,
          contentType: 'text/plain',
          userProperties: { k: 'v' },
        },
      });
      await pub.client.publishAsync('rexp/sentinel', 'sentinel', { qos: 1, retain: true });
      const early = await clients.connect({ protocolVersion: 5 });
      await subscribe(early.client, 'rexp/t', { qos: 1 });
      const m = await early.inbox.waitPayload('short-lived');
      assert.equal(m.retain, true);
      assert.equal(m.properties?.messageExpiryInterval, 1);
      // Its other properties are kept with it [MQTT-3.3.2-17, 3.3.2-20].
      assert.equal(m.properties.contentType, 'text/plain');
      assert.deepEqual({ ...m.properties.userProperties }, { k: 'v' });

      await waitFor(() => Date.now() - published > 1100, 'the message expiry', 3000);
      const late = await clients.connect({ protocolVersion: 5 });
      await subscribe(late.client, 'rexp/t', { qos: 1 });
      await subscribe(late.client, 'rexp/sentinel', { qos: 1 });
      await late.inbox.waitPayload('sentinel');
      assert.deepEqual(late.inbox.payloads('rexp/t'), []);
      assert.equal(broker.retained.get('rexp/t'), undefined, 'expired retained message removed');
    });
  });
});

/** A watcher on the will topic plus a client that sets the will. */
async function willSetup(
  clients: Parameters<Parameters<typeof withBroker>[1]>[0]['clients'],
  protocolVersion: 4 | 5,
  will: Partial<Will>,
  options: IClientOptions = {},
): Promise<{ watcher: Connected; owner: Connected; topic: string }> {
  const topic = `will/${uniqueId('t')}`;
  const watcher = await clients.connect({ protocolVersion: 5 });
  await subscribe(watcher.client, [topic, 'will/marker'], { qos: 2 });
  const owner = await clients.connect({
    protocolVersion,
    ...options,
    will: { topic, payload: Buffer.from('gone'), qos: 1, retain: false, ...will },
  });
  return { watcher, owner, topic };
}

describe('MQTT.js: wills', () => {
  for (const protocolVersion of [4, 5] as const) {
    test(`[MQTT-3.1.2-8] the will is published when the connection is lost (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients }) => {
        const { watcher, owner, topic } = await willSetup(clients, protocolVersion, { qos: 2 });
        dropConnection(owner.client);
        const m = await watcher.inbox.waitPayload('gone', topic);
        assert.equal(m.qos, 2);
        assert.equal(m.retain, false);
        assert.equal(watcher.inbox.messages.length, 1);
      });
    });

    test(`[MQTT-3.1.2-10] [MQTT-3.14.4-3] no will after a normal DISCONNECT (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients, broker }) => {
        const { watcher, owner, topic } = await willSetup(clients, protocolVersion, {});
        const id = owner.client.options.clientId ?? '';
        await within(owner.client.endAsync(), 'DISCONNECT');
        await waitFor(() => broker.sessions.get(id) === undefined, 'session ended');
        await barrier(watcher.client, watcher.inbox, 'will/marker');
        assert.deepEqual(watcher.inbox.payloads(topic), []);
      });
    });
  }

  test('[MQTT-3.14.4-3] DISCONNECT 0x04 (with will message) publishes the will', async () => {
    await withBroker({}, async ({ clients }) => {
      const { watcher, owner, topic } = await willSetup(clients, 5, {});
      await within(owner.client.endAsync({ reasonCode: 0x04 }), 'DISCONNECT 0x04');
      const m = await watcher.inbox.waitPayload('gone', topic);
      assert.equal(m.qos, 1);
    });
  });

  test('[MQTT-3.1.2-8] a retained will is stored as the retained message', async () => {
    await withBroker({}, async ({ clients }) => {
      const { owner, topic } = await willSetup(clients, 4, { retain: true });
      dropConnection(owner.client);
      const late = await clients.connect({ protocolVersion: 5 });
      await waitFor(() => late.client.connected, 'connected');
      await subscribe(late.client, topic, { qos: 1 });
      const m = await late.inbox.waitPayload('gone', topic, 3000);
      assert.equal(m.retain, true);
    });
  });

  test('[MQTT-3.1.4-3] a taken-over connection publishes its will', async () => {
    await withBroker({}, async ({ clients }) => {
      const { watcher, owner, topic } = await willSetup(
        clients,
        5,
        {},
        { clean: false, properties: { sessionExpiryInterval: 30 } },
      );
      await clients.connect({
        protocolVersion: 5,
        clientId: owner.client.options.clientId ?? '',
        clean: false,
        properties: { sessionExpiryInterval: 30 },
      });
      await watcher.inbox.waitPayload('gone', topic);
    });
  });

  test('[MQTT-3.1.3-9] Will Delay Interval: the will is sent after the delay', async () => {
    await withBroker({}, async ({ clients }) => {
      const { watcher, owner, topic } = await willSetup(
        clients,
        5,
        { properties: { willDelayInterval: 1 } },
        { clean: false, properties: { sessionExpiryInterval: 30 } },
      );
      const lostAt = Date.now();
      dropConnection(owner.client);
      const m = await watcher.inbox.waitPayload('gone', topic, 3000);
      const delay = m.at - lostAt;
      assert.ok(delay >= 900 && delay < 2500, `will after ${delay} ms, expected ~1000`);
      assert.ok(
        !Object.keys(m.properties ?? {}).includes('willDelayInterval'),
        'Will Delay Interval is not forwarded',
      );
    });
  });

  test('[MQTT-3.1.3-9] a reconnect inside the Will Delay Interval cancels the will', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const props = { sessionExpiryInterval: 30 };
      const { watcher, owner, topic } = await willSetup(
        clients,
        5,
        { properties: { willDelayInterval: 1 } },
        { clean: false, properties: props },
      );
      const id = owner.client.options.clientId ?? '';
      const lostAt = Date.now();
      dropConnection(owner.client);
      await waitFor(() => broker.sessions.get(id)?.client === null, 'connection lost');
      const back = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: false,
        properties: props,
      });
      assert.equal(back.connack.sessionPresent, true);
      assert.ok(Date.now() - lostAt < 900, 'reconnected inside the delay');
      // Past the delay (plus timer resolution), then a barrier: the will never came.
      await waitFor(() => Date.now() - lostAt > 1400, 'past the will delay', 3000);
      await barrier(watcher.client, watcher.inbox, 'will/marker');
      assert.deepEqual(watcher.inbox.payloads(topic), []);
    });
  });

  test('[MQTT-3.1.2-4] [MQTT-3.1.3-9] a reconnect with Clean Start 1 ends the session: the delayed will goes out at once', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const props = { sessionExpiryInterval: 30 };
      const { watcher, owner, topic } = await willSetup(
        clients,
        5,
        { properties: { willDelayInterval: 10 } },
        { clean: false, properties: props },
      );
      const id = owner.client.options.clientId ?? '';
      dropConnection(owner.client);
      await waitFor(() => broker.sessions.get(id)?.client === null, 'connection lost');
      const back = await clients.connect({
        protocolVersion: 5,
        clientId: id,
        clean: true,
        properties: props,
      });
      assert.equal(back.connack.sessionPresent, false);
      await watcher.inbox.waitPayload('gone', topic, 1500);
    });
  });

  test('[MQTT-3.1.3-9] with Session Expiry 0 the session ends at once, so a delayed will is not held back', async () => {
    await withBroker({}, async ({ clients }) => {
      const { watcher, owner, topic } = await willSetup(clients, 5, {
        properties: { willDelayInterval: 10 },
      });
      const lostAt = Date.now();
      dropConnection(owner.client);
      const m = await watcher.inbox.waitPayload('gone', topic, 1500);
      assert.ok(m.at - lostAt < 1000);
    });
  });

  test('[MQTT-3.1.3-10] will properties are kept: payload format, content type, response topic, correlation data, user properties, expiry', async () => {
    await withBroker({}, async ({ clients }) => {
      const { watcher, owner, topic } = await willSetup(clients, 5, {
        payload: Buffer.from('{"state":"offline"}'),
        properties: {
          payloadFormatIndicator: true,
          messageExpiryInterval: 60,
          contentType: 'application/json',
          responseTopic: 'will/reply',
          correlationData: Buffer.from([1, 2, 3, 250]),
          userProperties: { site: 'north', rack: ['r1', 'r2'] },
        },
      });
      dropConnection(owner.client);
      const m = await watcher.inbox.waitPayload('{"state":"offline"}', topic);
      const p = m.properties;
      assert.equal(p?.payloadFormatIndicator, true);
      assert.equal(p.contentType, 'application/json');
      assert.equal(p.responseTopic, 'will/reply');
      assert.deepEqual(p.correlationData, Buffer.from([1, 2, 3, 250]));
      assert.deepEqual({ ...p.userProperties }, { site: 'north', rack: ['r1', 'r2'] });
      assert.ok(
        p.messageExpiryInterval !== undefined &&
          p.messageExpiryInterval <= 60 &&
          p.messageExpiryInterval >= 58,
      );
    });
  });
});
