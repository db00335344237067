// IPv6 binds: one broker with tcp, tls, ws and wss listeners all on ::1; a message published
// over one transport reaches subscribers on all four, and the hook sees ::1 as the address.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConnectContext } from '../../src/hooks/types.js';
import { startBroker } from '../helpers/broker.js';
import { subscribe, type Connected } from '../helpers/mqttjs.js';
import {
  TRANSPORTS,
  TransportClients,
  clientOptions,
  listenerSpec,
} from '../helpers/transports.js';
import { within } from '../helpers/wait.js';

describe('IPv6 listeners', () => {
  test('tcp, tls, ws and wss bound on ::1 carry one message to each other', async () => {
    const running = await startBroker(
      {},
      TRANSPORTS.map((kind) => listenerSpec(kind, '::1')),
    );
    const seen: ConnectContext[] = [];
    running.broker.hooks.add('authenticate', (ctx) => {
      seen.push(ctx);
      return 'next';
    });
    const all: TransportClients[] = [];
    try {
      const subs: Connected[] = [];
      for (const [i, bound] of running.listeners.entries()) {
        const kind = TRANSPORTS[i] ?? 'tcp';
        assert.equal(bound.host, '::1');
        assert.match(bound.url, /\/\/\[::1\]:\d+/);
        const clients = new TransportClients(bound.url, bound.port, {
          ...clientOptions(kind),
          servername: 'localhost',
          // MQTT.js builds its WebSocket URL without the brackets an IPv6 host needs.
          transformWsUrl: (url) => url.replace('//::1:', '//[::1]:'),
        });
        all.push(clients);
        const c = await clients.connect({ protocolVersion: 5 });
        await subscribe(c.client, 'v6/t', { qos: 1 });
        subs.push(c);
      }
      await subs[0]?.client.publishAsync('v6/t', 'over ipv6', { qos: 1 });
      for (const s of subs) await s.inbox.waitPayload('over ipv6');
      assert.deepEqual(
        seen.map((c) => [c.transport, c.remoteAddress]),
        TRANSPORTS.map((kind) => [kind, '::1']),
      );
    } finally {
      try {
        for (const clients of all) await clients.closeAll();
      } finally {
        await within(running.close(), 'broker stop', 3000);
      }
    }
  });
});
