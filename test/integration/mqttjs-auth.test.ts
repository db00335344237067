// Authentication and authorization hooks with MQTT.js: allowAnonymous, authenticate
// (sync and async), authorizePublish / authorizeSubscribe, and MQTT 5 enhanced
// authentication through the enhancedAuth hook and AUTH packets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MqttClient } from 'mqtt';
import { PacketType, ReasonCode, encodePacket } from '../../src/codec/index.js';
import type { ConnectContext } from '../../src/hooks/types.js';
import { barrier, subscribe, uniqueId, withBroker } from '../helpers/mqttjs.js';
import { within } from '../helpers/wait.js';

const later = <T>(value: T, ms = 15): Promise<T> =>
  new Promise((resolve) => {
    setTimeout(() => {
      resolve(value);
    }, ms);
  });

describe('MQTT.js: authentication', () => {
  test('[MQTT-3.1.4-2] allowAnonymous=false refuses clients without a user name (v4 0x05, v5 0x87)', async () => {
    await withBroker({ allowAnonymous: false }, async ({ clients, broker }) => {
      broker.hooks.add('authenticate', (ctx) =>
        ctx.username === 'alice' && ctx.password?.toString() === 'secret' ? 'allow' : 'next',
      );
      assert.equal(await clients.refused({ protocolVersion: 4 }), 0x05);
      assert.equal(await clients.refused({ protocolVersion: 5 }), ReasonCode.NOT_AUTHORIZED);
      // A user name the hooks do not accept: bad user name or password.
      assert.equal(
        await clients.refused({ protocolVersion: 4, username: 'bob', password: 'x' }),
        0x04,
      );
      assert.equal(
        await clients.refused({ protocolVersion: 5, username: 'alice', password: 'wrong' }),
        ReasonCode.BAD_USER_NAME_OR_PASSWORD,
      );
      const ok = await clients.connect({
        protocolVersion: 5,
        username: 'alice',
        password: 'secret',
      });
      assert.equal(ok.connack.reasonCode, 0);
      assert.ok(broker.metrics.authFailures >= 4);
    });
  });

  test('[MQTT-3.1.4-2] authenticate sees the CONNECT fields and may refuse with its own reason code', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const seen: ConnectContext[] = [];
      broker.hooks.add('authenticate', (ctx) => {
        seen.push(ctx);
        return ctx.username === 'banned' ? { reasonCode: ReasonCode.BANNED } : 'allow';
      });
      const id = uniqueId('ctx');
      await clients.connect({
        protocolVersion: 5,
        clientId: id,
        username: 'carol',
        password: Buffer.from([1, 2, 3]),
        keepalive: 42,
        clean: true,
        properties: { userProperties: { device: 'pump-7' } },
      });
      const ctx = seen[0];
      assert.equal(ctx?.clientId, id);
      assert.equal(ctx.username, 'carol');
      assert.deepEqual(ctx.password, Buffer.from([1, 2, 3]));
      assert.equal(ctx.keepalive, 42);
      assert.equal(ctx.clean, true);
      assert.equal(ctx.protocolVersion, 5);
      assert.equal(ctx.remoteAddress.replace(/^::ffff:/, ''), '127.0.0.1');
      assert.deepEqual(ctx.properties?.userProperties, [['device', 'pump-7']]);
      assert.equal(
        await clients.refused({ protocolVersion: 5, username: 'banned' }),
        ReasonCode.BANNED,
      );
      // 3.1.1 has no such code: it gets "not authorized".
      assert.equal(await clients.refused({ protocolVersion: 4, username: 'banned' }), 0x05);
    });
  });

  test('[MQTT-3.1.4-2] an async authenticate hook: packets sent right behind CONNECT wait for it, in order', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      broker.hooks.add('authenticate', (ctx) =>
        later(ctx.username === 'slow-ok' ? 'allow' : 'deny', 30),
      );
      const raw = await clients.raw(5);
      // CONNECT, SUBSCRIBE and PUBLISH in one write, before any CONNACK.
      raw.sendRaw(
        Buffer.concat([
          encodePacket(
            {
              type: PacketType.CONNECT,
              protocolName: 'MQTT',
              protocolVersion: 5,
              clean: true,
              keepalive: 30,
              clientId: uniqueId('async'),
              username: 'slow-ok',
              password: null,
              will: null,
              properties: null,
            },
            5,
          ),
          encodePacket(
            {
              type: PacketType.SUBSCRIBE,
              packetId: 1,
              subscriptions: [
                {
                  topicFilter: 'async/t',
                  qos: 1,
                  noLocal: false,
                  retainAsPublished: false,
                  retainHandling: 0,
                },
              ],
              properties: null,
            },
            5,
          ),
          encodePacket(
            {
              type: PacketType.PUBLISH,
              topic: 'async/t',
              payload: Buffer.from('self'),
              qos: 1,
              retain: false,
              dup: false,
              packetId: 2,
              properties: null,
            },
            5,
          ),
        ]),
      );
      const connack = await raw.next(PacketType.CONNACK);
      assert.equal(connack.reasonCode, 0);
      assert.equal((await raw.next(PacketType.SUBACK)).reasonCodes[0], 1);
      assert.equal((await raw.next(PacketType.PUBACK)).reasonCode, 0);
      assert.equal((await raw.next(PacketType.PUBLISH)).payload.toString(), 'self');

      assert.equal(
        await clients.refused({ protocolVersion: 5, username: 'slow-no' }),
        ReasonCode.BAD_USER_NAME_OR_PASSWORD,
      );
      assert.equal(await clients.refused({ protocolVersion: 4, username: 'slow-no' }), 0x04);
    });
  });
});

describe('MQTT.js: authorization', () => {
  for (const protocolVersion of [4, 5] as const) {
    test(`[MQTT-3.3.5-2] authorizePublish: a refused message is not routed (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients, broker }) => {
        broker.hooks.add('authorizePublish', (_client, message) =>
          message.topic.startsWith('secret/') ? 'deny' : 'next',
        );
        // An async second opinion for another prefix.
        broker.hooks.add('authorizePublish', (_client, message) =>
          later(message.topic.startsWith('slow/no') ? 'deny' : 'allow', 5),
        );
        const sub = await clients.connect({ protocolVersion: 5 });
        await subscribe(sub.client, ['secret/#', 'open/#', 'slow/#'], { qos: 1 });
        const pub = await clients.connect({ protocolVersion });
        if (protocolVersion === 5) {
          // v5: PUBACK / PUBREC carry 0x87 (§3.4.2.1).
          await assert.rejects(
            pub.client.publishAsync('secret/a', 'no', { qos: 1 }),
            (e: { code?: number }) => e.code === ReasonCode.NOT_AUTHORIZED,
          );
          await assert.rejects(
            pub.client.publishAsync('slow/no', 'no', { qos: 2 }),
            (e: { code?: number }) => e.code === ReasonCode.NOT_AUTHORIZED,
          );
        } else {
          // 3.1.1 cannot refuse: the message is acknowledged and dropped.
          await within(pub.client.publishAsync('secret/a', 'no', { qos: 1 }), 'PUBACK');
          await within(pub.client.publishAsync('slow/no', 'no', { qos: 2 }), 'PUBCOMP');
        }
        await pub.client.publishAsync('secret/b', 'no', { qos: 0 });
        // Allowed messages, sync and async, keep their order.
        for (const p of ['o1', 'o2', 'o3']) pub.client.publish('open/t', p, { qos: 1 });
        pub.client.publish('slow/yes', 'o4', { qos: 0 });
        await barrier(pub.client, sub.inbox, 'open/t');
        assert.deepEqual(sub.inbox.payloads().slice(0, 4), ['o1', 'o2', 'o3', 'o4']);
        assert.equal(sub.inbox.messages.length, 5);
        assert.equal(pub.closed(), false);
      });
    });

    test(`[MQTT-3.9.3-1] authorizeSubscribe: refused filters get ${protocolVersion === 5 ? '0x87' : '0x80'} in SUBACK (v${protocolVersion})`, async () => {
      await withBroker({}, async ({ clients, broker }) => {
        broker.hooks.add('authorizeSubscribe', (_client, sub) =>
          sub.topicFilter.startsWith('private/') ? 'deny' : 'next',
        );
        broker.hooks.add('authorizeSubscribe', (_client, sub) =>
          later(
            sub.topicFilter === 'later/no' ? { reasonCode: ReasonCode.QUOTA_EXCEEDED } : 'allow',
          ),
        );
        const c = await clients.connect({ protocolVersion });
        const fail = protocolVersion === 5 ? ReasonCode.NOT_AUTHORIZED : 0x80;
        const quota = protocolVersion === 5 ? ReasonCode.QUOTA_EXCEEDED : 0x80;
        const codes = await subscribe(c.client, {
          'public/t': { qos: 1 },
          'private/t': { qos: 1 },
          'later/no': { qos: 2 },
          'later/yes': { qos: 2 },
        });
        assert.deepEqual(codes, [1, fail, quota, 2]);
        const pub = await clients.connect({ protocolVersion: 5 });
        await pub.client.publishAsync('private/t', 'hidden', { qos: 1 });
        await pub.client.publishAsync('later/yes', 'shown', { qos: 1 });
        await barrier(pub.client, c.inbox, 'public/t');
        assert.deepEqual(c.inbox.payloads().slice(0, 1), ['shown']);
        assert.equal(c.inbox.messages.length, 2);
      });
    });
  }
});

describe('MQTT.js v5: enhanced authentication', () => {
  test('[MQTT-4.12.0-1] no hook for the method: CONNACK 0x8C (Bad authentication method)', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      assert.equal(
        await clients.refused({
          protocolVersion: 5,
          properties: { authenticationMethod: 'SCRAM-SHA-1' },
        }),
        ReasonCode.BAD_AUTHENTICATION_METHOD,
      );
      broker.hooks.add('enhancedAuth', (step) =>
        step.method === 'demo' ? { result: 'success' } : 'next',
      );
      assert.equal(
        await clients.refused({
          protocolVersion: 5,
          properties: { authenticationMethod: 'other' },
        }),
        ReasonCode.BAD_AUTHENTICATION_METHOD,
      );
    });
  });

  test('[MQTT-4.12.0-2] [MQTT-4.12.0-5] challenge / response over AUTH, then CONNACK with the method', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      const steps: { step: number; data: string | undefined }[] = [];
      broker.hooks.add('enhancedAuth', async (step) => {
        if (step.method !== 'demo') return 'next';
        steps.push({ step: step.step, data: step.data?.toString() });
        await later(null, 5);
        if (step.step === 0) return { result: 'continue', data: Buffer.from('challenge') };
        return step.data?.toString() === 'answer:challenge'
          ? { result: 'success', data: Buffer.from('welcome') }
          : { result: 'fail', reasonCode: ReasonCode.BAD_USER_NAME_OR_PASSWORD };
      });
      const respond = (client: MqttClient, answer: string) => {
        client.handleAuth = (packet, cb) => {
          const challenge = packet.properties?.authenticationData?.toString() ?? '';
          cb(undefined, {
            cmd: 'auth',
            reasonCode: 0x18,
            properties: {
              authenticationMethod: 'demo',
              authenticationData: Buffer.from(`${answer}:${challenge}`),
            },
          });
        };
      };
      const ok = await clients.connect(
        {
          protocolVersion: 5,
          properties: { authenticationMethod: 'demo', authenticationData: Buffer.from('hello') },
        },
        (c) => {
          respond(c, 'answer');
        },
      );
      assert.equal(ok.connack.reasonCode, 0);
      assert.equal(ok.connack.properties?.authenticationMethod, 'demo');
      assert.equal(ok.connack.properties.authenticationData?.toString(), 'welcome');
      assert.deepEqual(steps, [
        { step: 0, data: 'hello' },
        { step: 1, data: 'answer:challenge' },
      ]);
      // The connection works.
      await subscribe(ok.client, 'ea/t', { qos: 1 });

      const bad = await clients.refused(
        { protocolVersion: 5, properties: { authenticationMethod: 'demo' } },
        (c) => {
          respond(c, 'wrong');
        },
      );
      assert.equal(bad, ReasonCode.BAD_USER_NAME_OR_PASSWORD);
    });
  });

  test('[MQTT-4.12.1-1] re-authentication on a live connection with AUTH 0x19', async () => {
    await withBroker({}, async ({ clients, broker }) => {
      broker.hooks.add('enhancedAuth', (step) => {
        if (step.method !== 'token') return 'next';
        return step.data?.toString() === (step.reauthenticate ? 't2' : 't1')
          ? { result: 'success' }
          : { result: 'fail' };
      });
      const raw = await clients.raw(5);
      const connack = await raw.connect({
        properties: { authenticationMethod: 'token', authenticationData: Buffer.from('t1') },
      });
      assert.equal(connack.reasonCode, 0);
      assert.equal(connack.properties?.authenticationMethod, 'token');
      raw.send({
        type: PacketType.AUTH,
        reasonCode: ReasonCode.RE_AUTHENTICATE,
        properties: { authenticationMethod: 'token', authenticationData: Buffer.from('t2') },
      });
      const auth = await raw.next(PacketType.AUTH);
      assert.equal(auth.reasonCode, 0);
      assert.equal(auth.properties?.authenticationMethod, 'token');
      // A failed re-authentication ends the connection.
      raw.send({
        type: PacketType.AUTH,
        reasonCode: ReasonCode.RE_AUTHENTICATE,
        properties: { authenticationMethod: 'token', authenticationData: Buffer.from('nope') },
      });
      const d = await raw.next(PacketType.DISCONNECT);
      assert.ok(d.reasonCode >= 0x80);
      await raw.waitClosed();
    });
  });
});
