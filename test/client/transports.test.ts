// Our client over TLS (one-way and mutual), WebSocket and secure WebSocket: against edgemq
// listeners of each kind, over TLS against a real Mosquitto, and reconnecting over ws after
// the broker restarts on the same port (a fresh socket per attempt).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { ListenerSpec } from '../../src/broker/options.js';
import {
  ClientErrorCode,
  MqttClient,
  MqttClientError,
  tlsTransport,
  wsTransport,
  type ClientOptions,
  type Transport,
} from '../../src/client/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { testCerts, type TestCerts } from '../helpers/certs.js';
import { MOSQUITTO_PATH, startMosquitto } from '../helpers/mosquitto-broker.js';
import { requirePeer } from '../helpers/peers.js';
import { inbox, next, waitFor } from './support.js';

const FAST_RECONNECT = { initialDelayMs: 50, maxDelayMs: 200, factor: 2, jitter: 0.2 };

/** A client ended (forcefully) when the test finishes; no automatic reconnect unless asked. */
function newClient(t: TestContext, options: ClientOptions): MqttClient {
  const c = new MqttClient({ keepalive: 30, reconnect: false, connectTimeoutMs: 5000, ...options });
  c.on('error', () => {});
  t.after(() => c.end(true));
  return c;
}

/** Connects, subscribes to `topic`, publishes to it and returns what came back. */
async function roundTrip(c: MqttClient, topic: string, payload: Buffer): Promise<Buffer> {
  await c.connect();
  const got = inbox(c);
  await c.subscribe(topic, { qos: 1 });
  await c.publish(topic, payload, { qos: 1 });
  await waitFor(() => got.length > 0, `the message on ${topic}`);
  return got[0]!.payload;
}

/** Rejects with the MqttClientError of a refused connection attempt. */
async function connectError(c: MqttClient): Promise<MqttClientError> {
  try {
    await c.connect();
  } catch (error) {
    assert.ok(error instanceof MqttClientError, String(error));
    return error;
  }
  throw new Error('the connection was accepted');
}

describe('client transports against edgemq', () => {
  let certs: TestCerts;
  let broker: RunningBroker;
  const port = (name: string): number => {
    const i = LISTENERS.findIndex((l) => l.name === name);
    return broker.listeners[i]!.port;
  };
  let LISTENERS: ListenerSpec[] = [];

  before(async () => {
    certs = testCerts();
    const oneWay = { keyFile: certs.serverKey, certFile: certs.serverCert };
    const mutual = {
      ...oneWay,
      caFile: certs.caCert,
      verifyPeer: true,
      failIfNoPeerCert: true,
    };
    LISTENERS = [
      { kind: 'tcp', host: '127.0.0.1', port: 0, name: 'plain' },
      {
        kind: 'tls',
        host: '127.0.0.1',
        port: 0,
        name: 'tls',
        tls: { ...oneWay, verifyPeer: false, failIfNoPeerCert: false },
      },
      { kind: 'tls', host: '127.0.0.1', port: 0, name: 'mtls', tls: mutual },
      { kind: 'ws', host: '127.0.0.1', port: 0, name: 'ws', path: '/mqtt' },
      {
        kind: 'wss',
        host: '127.0.0.1',
        port: 0,
        name: 'wss',
        path: '/mqtt',
        tls: { ...oneWay, verifyPeer: false, failIfNoPeerCert: false },
      },
      { kind: 'wss', host: '127.0.0.1', port: 0, name: 'mwss', path: '/secure', tls: mutual },
    ];
    broker = await startBroker({}, LISTENERS);
  });
  after(() => broker.close());

  test('tls one-way: the broker certificate verified against the CA', async (t) => {
    const c = newClient(t, {
      host: '127.0.0.1',
      port: port('tls'),
      transport: tlsTransport({ host: '127.0.0.1', port: port('tls'), ca: certs.ca }),
    });
    assert.equal((await roundTrip(c, 'tls/one', Buffer.from('over tls'))).toString(), 'over tls');
  });

  test('tls with servername: SNI and the name checked is localhost', async (t) => {
    const c = newClient(t, {
      transport: tlsTransport({
        host: '127.0.0.1',
        port: port('tls'),
        ca: certs.ca,
        servername: 'localhost',
      }),
    });
    await c.connect();
  });

  test('tls refuses a broker certificate it cannot verify (no CA given)', async (t) => {
    const c = newClient(t, {
      host: '127.0.0.1',
      port: port('tls'),
      transport: tlsTransport({ host: '127.0.0.1', port: port('tls') }),
    });
    const error = await connectError(c);
    assert.equal(error.code, ClientErrorCode.CONNECTION_LOST);
    assert.match(error.message, /certificate/i);
  });

  test('tls rejectUnauthorized: false accepts the unverified certificate', async (t) => {
    const c = newClient(t, {
      transport: tlsTransport({
        host: '127.0.0.1',
        port: port('tls'),
        rejectUnauthorized: false,
      }),
    });
    await c.connect();
  });

  test('mutual tls: a client certificate signed by the CA is accepted, none is refused', async (t) => {
    const withCert = newClient(t, {
      transport: tlsTransport({
        host: '127.0.0.1',
        port: port('mtls'),
        ca: certs.ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
      }),
    });
    const payload = await roundTrip(withCert, 'mtls/one', Buffer.from('mutual'));
    assert.equal(payload.toString(), 'mutual');

    const without = newClient(t, {
      transport: tlsTransport({ host: '127.0.0.1', port: port('mtls'), ca: certs.ca }),
    });
    const error = await connectError(without);
    assert.equal(error.code, ClientErrorCode.CONNECTION_LOST);

    const rogue = newClient(t, {
      transport: tlsTransport({
        host: '127.0.0.1',
        port: port('mtls'),
        ca: certs.ca,
        cert: readFileSync(certs.rogueCert),
        key: readFileSync(certs.rogueKey),
      }),
    });
    await connectError(rogue);
  });

  test('mutual tls with an encrypted client key and its passphrase', async (t) => {
    const encrypted = join(certs.dir, 'client.enc.key');
    execFileSync('openssl', [
      'pkey',
      '-in',
      certs.clientKey,
      '-aes256',
      '-passout',
      'pass:client-secret',
      '-out',
      encrypted,
    ]);
    const c = newClient(t, {
      transport: tlsTransport({
        host: '127.0.0.1',
        port: port('mtls'),
        ca: certs.ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(encrypted),
        passphrase: 'client-secret',
      }),
    });
    await c.connect();
  });

  test('ws: MQTT over WebSocket, a large message spans many frames', async (t) => {
    const c = newClient(t, {
      transport: wsTransport({ url: `ws://127.0.0.1:${port('ws')}/mqtt` }),
    });
    const big = Buffer.alloc(300_000, 7);
    big.write('head');
    const payload = await roundTrip(c, 'ws/big', big);
    assert.ok(payload.equals(big));
  });

  test('ws: a wrong path is refused with the HTTP status in the error', async (t) => {
    const c = newClient(t, {
      transport: wsTransport({ url: `ws://127.0.0.1:${port('ws')}/nope` }),
    });
    const error = await connectError(c);
    assert.match(error.message, /404/);
  });

  test('wss one-way and the url option for every scheme', async (t) => {
    const viaTransport = newClient(t, {
      transport: wsTransport({ url: `wss://127.0.0.1:${port('wss')}/mqtt`, ca: certs.ca }),
    });
    assert.equal((await roundTrip(viaTransport, 'wss/one', Buffer.from('wss'))).toString(), 'wss');

    for (const url of [
      `mqtt://127.0.0.1:${port('plain')}`,
      `mqtts://127.0.0.1:${port('tls')}`,
      `ws://127.0.0.1:${port('ws')}/mqtt`,
      `wss://127.0.0.1:${port('wss')}/mqtt`,
      `wss://localhost:${port('wss')}/mqtt`,
    ]) {
      const c = newClient(t, { url, tls: { ca: certs.ca } });
      await c.connect();
      await c.end();
    }
    assert.throws(() => new MqttClient({ url: 'http://127.0.0.1:1/' }), /scheme http:/);
  });

  test('mutual wss: client certificate required', async (t) => {
    const url = `wss://127.0.0.1:${port('mwss')}/secure`;
    const c = newClient(t, {
      url,
      tls: {
        ca: certs.ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
      },
    });
    await c.connect();
    const without = newClient(t, { url, tls: { ca: certs.ca } });
    await connectError(without);
  });

  test('messages cross transports: tls publisher, ws and wss subscribers', async (t) => {
    const onWs = newClient(t, { url: `ws://127.0.0.1:${port('ws')}/mqtt` });
    const onWss = newClient(t, {
      url: `wss://127.0.0.1:${port('wss')}/mqtt`,
      tls: { ca: certs.ca },
    });
    const pub = newClient(t, { url: `mqtts://127.0.0.1:${port('tls')}`, tls: { ca: certs.ca } });
    const gotWs = inbox(onWs);
    const gotWss = inbox(onWss);
    for (const s of [onWs, onWss]) {
      await s.connect();
      await s.subscribe('cross/#', { qos: 1 });
    }
    await pub.connect();
    for (let i = 0; i < 50; i++)
      await pub.publish(`cross/${i}`, `m${i}`, { qos: i % 3 === 0 ? 2 : 1 });
    await waitFor(() => gotWs.length === 50 && gotWss.length === 50, '50 messages on ws and wss');
    assert.deepEqual(
      gotWs.map((m) => m.payload.toString()),
      Array.from({ length: 50 }, (_, i) => `m${i}`),
    );
  });
});

describe('client over TLS against Mosquitto', () => {
  /** The certificates in a directory mosquitto can read after dropping to its own user. */
  function readableCopies(certs: TestCerts): { dir: string; path: (name: string) => string } {
    const dir = mkdtempSync(join(tmpdir(), 'edgemq-mosquitto-certs-'));
    chmodSync(dir, 0o755);
    for (const [name, from] of [
      ['ca.crt', certs.caCert],
      ['server.crt', certs.serverCert],
      ['server.key', certs.serverKey],
    ] as const) {
      copyFileSync(from, join(dir, name));
      chmodSync(join(dir, name), 0o644);
    }
    return { dir, path: (name) => join(dir, name) };
  }

  for (const mutual of [false, true]) {
    test(`${mutual ? 'mutual' : 'one-way'} TLS`, async (t) => {
      if (requirePeer(t, 'mosquitto', MOSQUITTO_PATH) === null) return;
      const certs = testCerts();
      const files = readableCopies(certs);
      t.after(() => {
        rmSync(files.dir, { recursive: true, force: true });
      });
      const mosquitto = await startMosquitto({
        config: [
          `cafile ${files.path('ca.crt')}`,
          `certfile ${files.path('server.crt')}`,
          `keyfile ${files.path('server.key')}`,
          ...(mutual ? ['require_certificate true'] : []),
        ],
      });
      t.after(() => mosquitto.close());
      const clientPair = mutual
        ? { cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) }
        : {};
      const c = newClient(t, {
        url: `mqtts://127.0.0.1:${mosquitto.port}`,
        protocolVersion: 4,
        tls: { ca: certs.ca, ...clientPair },
      });
      const payload = await roundTrip(c, 'mosq/tls', Buffer.from('to mosquitto'));
      assert.equal(payload.toString(), 'to mosquitto');
      if (mutual) {
        const without = newClient(t, {
          url: `mqtts://127.0.0.1:${mosquitto.port}`,
          tls: { ca: certs.ca },
        });
        await connectError(without);
      }
    });
  }
});

describe('reconnect over ws', () => {
  test('after the broker restarts on the same port: a fresh WebSocket per attempt', async (t) => {
    const listeners: ListenerSpec[] = [{ kind: 'ws', host: '127.0.0.1', port: 0, path: '/mqtt' }];
    let broker = await startBroker({}, listeners);
    const wsPort = broker.port;
    t.after(() => broker.close());

    const made: Duplex[] = [];
    const factory = wsTransport({ url: `ws://127.0.0.1:${wsPort}/mqtt` });
    const counting: Transport = () => {
      const socket = factory();
      made.push(socket);
      return socket;
    };
    const c = newClient(t, {
      transport: counting,
      clientId: 'ws-reconnect',
      reconnect: FAST_RECONNECT,
    });
    const got = inbox(c);
    await c.connect();
    await c.subscribe('again/#', { qos: 1 });

    const offline = next(c, 'offline');
    await broker.close();
    await offline;
    // Let at least one attempt fail against the closed port before the broker comes back.
    await next(c, 'reconnect');
    const reconnected = next(c, 'connect', 10_000);
    broker = await startBroker({}, [{ ...listeners[0]!, port: wsPort }]);
    await reconnected;

    assert.ok(made.length >= 2, `a socket per attempt (${made.length})`);
    assert.equal(new Set(made).size, made.length, 'every attempt got a new socket');
    assert.ok(
      made.slice(0, -1).every((s) => s.destroyed),
      'earlier sockets are closed',
    );

    // The clean session lost the subscription; the client re-subscribed by itself.
    const pub = newClient(t, { url: `ws://127.0.0.1:${wsPort}/mqtt` });
    await pub.connect();
    const deadline = Date.now() + 5000;
    while (got.length === 0 && Date.now() < deadline) {
      await pub.publish('again/x', 'back', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(got[0]!.payload.toString(), 'back');
  });
});
