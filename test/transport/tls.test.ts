// TLS listener: one-way and mutual TLS (verify_peer, fail_if_no_peer_cert), the client
// certificate's identity at the authenticate hook, use_identity_as_username, start-up errors
// for bad key files, failed handshakes that harm nobody else, certificate reload, and the
// independent clients mosquitto_pub / mosquitto_sub and Python paho over TLS.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TLSSocket } from 'node:tls';
import { describe, test } from 'node:test';
import type { ConnectContext } from '../../src/hooks/types.js';
import type { ListenerSpec, ListenerTlsSpec, TlsListenerSpec } from '../../src/broker/options.js';
import { brokerListeners, reloadCertificates } from '../../src/server.js';
import { TransportError } from '../../src/transport/errors.js';
import type { ListenerStats } from '../../src/transport/types.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { testCerts } from '../helpers/certs.js';
import { Children } from '../helpers/child.js';
import { Clients, subscribe, uniqueId } from '../helpers/mqttjs.js';
import { findBinary, findPahoPython, requirePeer } from '../helpers/peers.js';
import { isSubscribed } from '../helpers/subscribed.js';
import { TransportClients, serverTls } from '../helpers/transports.js';
import { waitFor, within } from '../helpers/wait.js';

const certs = testCerts();
const CA = { ca: certs.ca, rejectUnauthorized: true };
const CLIENT_CERT = { key: readFileSync(certs.clientKey), cert: readFileSync(certs.clientCert) };
const ROGUE_CERT = { key: readFileSync(certs.rogueKey), cert: readFileSync(certs.rogueCert) };
const REQUIRED = { verifyPeer: true, failIfNoPeerCert: true };
const OPTIONAL = { verifyPeer: true, failIfNoPeerCert: false };
const PAHO = fileURLToPath(new URL('./paho/roundtrip.py', import.meta.url));

function tlsListener(tls: ListenerTlsSpec, extra: Partial<TlsListenerSpec> = {}): ListenerSpec {
  return { ...extra, kind: 'tls', host: '127.0.0.1', port: 0, tls };
}

function statsOf(running: RunningBroker, index = 0): ListenerStats {
  const listener = brokerListeners(running.broker)[index];
  assert.ok(listener !== undefined);
  return listener.stats;
}

/** Runs `fn` with a TLS broker and clients that trust the test CA; all closed after. */
async function withTls(
  listener: ListenerSpec,
  fn: (running: RunningBroker, clients: TransportClients) => Promise<void>,
): Promise<void> {
  const running = await startBroker({}, [listener]);
  const clients = new TransportClients(running.url, running.port, CA);
  try {
    await fn(running, clients);
  } finally {
    try {
      await clients.closeAll();
    } finally {
      await within(running.close(), 'broker stop', 3000);
    }
  }
}

/** Records what the authenticate hook saw and lets the client in. */
function recordAuth(running: RunningBroker): ConnectContext[] {
  const seen: ConnectContext[] = [];
  running.broker.hooks.add('authenticate', (ctx) => {
    seen.push(ctx);
    return 'next';
  });
  return seen;
}

function serialOf(stream: unknown): string {
  return (stream as TLSSocket).getPeerCertificate().serialNumber.toUpperCase();
}

describe('TLS listener: one-way TLS', () => {
  test('a client that trusts the CA connects and sees the server certificate', async () => {
    await withTls(tlsListener(serverTls()), async (running, clients) => {
      const c = await clients.connect({ protocolVersion: 5 });
      assert.equal(serialOf(c.client.stream), certs.serverSerial);
      assert.equal([...running.broker.clients][0]?.transport, 'tls');
      assert.equal([...running.broker.clients][0]?.certificate, null, 'no client certificate');
    });
  });

  test('a client that does not trust the CA fails its handshake; it is counted, others are unaffected', async () => {
    await withTls(tlsListener(serverTls()), async (running, clients) => {
      const ok = await clients.connect({ protocolVersion: 5 });
      await subscribe(ok.client, 'still/here', { qos: 1 });
      const untrusting = new Clients(running.url, running.port);
      try {
        await assert.rejects(untrusting.connect({ rejectUnauthorized: true }));
      } finally {
        await untrusting.closeAll();
      }
      await waitFor(() => statsOf(running).handshakeFailures === 1, 'handshake failure counted');
      await ok.client.publishAsync('still/here', 'alive', { qos: 1 });
      await ok.inbox.waitPayload('alive');
    });
  });

  test('garbage instead of a ClientHello closes that socket only and is counted', async () => {
    await withTls(tlsListener(serverTls()), async (running, clients) => {
      const ok = await clients.connect({ protocolVersion: 4 });
      const errors: Error[] = [];
      const sock = netConnect(running.port, '127.0.0.1');
      sock.on('error', (e) => errors.push(e));
      sock.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      await within(
        new Promise((resolve) => sock.once('close', resolve)),
        'garbage socket closed',
        3000,
      );
      await waitFor(() => statsOf(running).handshakeFailures === 1, 'handshake failure counted');
      assert.equal(ok.closed(), false);
      await subscribe(ok.client, 'g/t', { qos: 1 });
      await ok.client.publishAsync('g/t', 'fine', { qos: 1 });
      await ok.inbox.waitPayload('fine');
    });
  });

  test('an encrypted key opens with key_password', async () => {
    const tls = { ...serverTls(), keyFile: certs.serverKeyEncrypted };
    await withTls(
      tlsListener({ ...tls, keyPassword: certs.serverKeyPassword }),
      async (_running, clients) => {
        const c = await clients.connect({ protocolVersion: 4 });
        assert.equal(c.connack.returnCode, 0);
      },
    );
  });
});

describe('TLS listener: start-up errors name the file', () => {
  const cases: [string, Partial<ListenerTlsSpec>, string, RegExp][] = [
    [
      'an unreadable key file',
      { keyFile: '/nonexistent/edgemq/key.pem' },
      'EMQ_ERR_TLS_FILE',
      /cannot read TLS key file \/nonexistent\/edgemq\/key\.pem \(ENOENT\)/,
    ],
    [
      'an unreadable certificate file',
      { certFile: '/nonexistent/cert.pem' },
      'EMQ_ERR_TLS_FILE',
      /cannot read TLS certificate file \/nonexistent\/cert\.pem/,
    ],
    [
      'an unreadable CA file',
      { caFile: '/nonexistent/ca.pem' },
      'EMQ_ERR_TLS_FILE',
      /cannot read TLS CA file \/nonexistent\/ca\.pem/,
    ],
    [
      'a wrong key password',
      { keyFile: certs.serverKeyEncrypted, keyPassword: 'wrong' },
      'EMQ_ERR_TLS_CONFIG',
      /server\.enc\.key/,
    ],
    [
      'a key that does not match the certificate',
      { keyFile: certs.clientKey },
      'EMQ_ERR_TLS_CONFIG',
      /client\.key.*server\.crt/,
    ],
  ];
  for (const kind of ['tls', 'wss'] as const) {
    for (const [what, override, code, message] of cases) {
      test(`${what} stops ${kind} start-up with ${code}`, async () => {
        const tls = { ...serverTls(), ...override };
        const spec: ListenerSpec =
          kind === 'tls'
            ? { kind, host: '127.0.0.1', port: 0, tls }
            : { kind, host: '127.0.0.1', port: 0, tls };
        await assert.rejects(startBroker({}, [spec]), (error: unknown) => {
          assert.ok(error instanceof TransportError, String(error));
          assert.equal(error.code, code);
          assert.match(error.message, message);
          return true;
        });
      });
    }
  }

  test('verify_peer without a CA file is a configuration error', async () => {
    const noCa = serverTls(certs, REQUIRED);
    delete noCa.caFile;
    await assert.rejects(startBroker({}, [tlsListener(noCa)]), /verify_peer needs a CA file/);
  });
});

describe('TLS listener: mutual TLS', () => {
  test('fail_if_no_peer_cert: a client without a certificate is refused and counted', async () => {
    await withTls(tlsListener(serverTls(certs, REQUIRED)), async (running, clients) => {
      await assert.rejects(clients.connect({ protocolVersion: 5 }));
      await waitFor(() => statsOf(running).rejected === 1, 'refusal counted');
      assert.equal(running.broker.clients.size, 0);
    });
  });

  test('an untrusted client certificate is refused (required and optional)', async () => {
    for (const policy of [REQUIRED, OPTIONAL]) {
      await withTls(tlsListener(serverTls(certs, policy)), async (running, clients) => {
        await assert.rejects(clients.connect({ protocolVersion: 5, ...ROGUE_CERT }));
        await waitFor(() => statsOf(running).rejected === 1, 'refusal counted');
        assert.equal(running.broker.clients.size, 0);
      });
    }
  });

  test('the client certificate CN and subject reach the authenticate hook', async () => {
    await withTls(tlsListener(serverTls(certs, REQUIRED)), async (running, clients) => {
      const seen = recordAuth(running);
      await clients.connect({ protocolVersion: 5, username: 'alice', ...CLIENT_CERT });
      assert.equal(seen.length, 1);
      const ctx = seen[0];
      assert.equal(ctx?.certificate?.cn, 'device-1');
      assert.equal(ctx.certificate.subject.O, 'edgemq-tests');
      assert.equal(ctx.certificate.subject.OU, 'sensors');
      assert.equal(ctx.username, 'alice', 'the user name is the client’s own by default');
      assert.equal(ctx.transport, 'tls');
    });
  });

  test('verify_peer without fail_if_no_peer_cert: no certificate is fine, certificate null', async () => {
    await withTls(tlsListener(serverTls(certs, OPTIONAL)), async (running, clients) => {
      const seen = recordAuth(running);
      await clients.connect({ protocolVersion: 4 });
      await clients.connect({ protocolVersion: 4, ...CLIENT_CERT });
      assert.deepEqual(
        seen.map((c) => c.certificate?.cn ?? null),
        [null, 'device-1'],
      );
    });
  });

  test('use_identity_as_username: the CN becomes the user name; no certificate, no entry', async () => {
    const spec = tlsListener(serverTls(certs, OPTIONAL), { useIdentityAsUsername: true });
    await withTls(spec, async (running, clients) => {
      const seen = recordAuth(running);
      await clients.connect({
        protocolVersion: 5,
        username: 'mallory',
        password: 'pw',
        ...CLIENT_CERT,
      });
      assert.equal(seen[0]?.username, 'device-1');
      assert.equal(seen[0].password, null, 'the certificate is the credential');
      assert.equal([...running.broker.clients][0]?.username, 'device-1');
      // NOT_AUTHORIZED: 0x87 (v5), return code 5 (3.1.1).
      assert.equal(await clients.refused({ protocolVersion: 5, username: 'device-1' }), 0x87);
      assert.equal(await clients.refused({ protocolVersion: 4 }), 5);
      assert.equal(seen.length, 1, 'refused before the hook');
    });
  });

  test('with allow_anonymous false, the certificate identity still lets the client in', async () => {
    const spec = tlsListener(serverTls(certs, REQUIRED), { useIdentityAsUsername: true });
    const running = await startBroker({ allowAnonymous: false }, [spec]);
    const clients = new TransportClients(running.url, running.port, CA);
    try {
      await clients.connect({ protocolVersion: 4, ...CLIENT_CERT });
    } finally {
      try {
        await clients.closeAll();
      } finally {
        await running.close();
      }
    }
  });
});

describe('TLS listener: certificate reload', () => {
  test('new handshakes use the new certificate; connected clients stay; a bad file keeps the old one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgemq-reload-'));
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    copyFileSync(certs.serverKey, keyFile);
    copyFileSync(certs.serverCert, certFile);
    const tls = { ...serverTls(), keyFile, certFile };
    try {
      await withTls(tlsListener(tls), async (running, clients) => {
        const before = await clients.connect({ protocolVersion: 5 });
        assert.equal(serialOf(before.client.stream), certs.serverSerial);
        await subscribe(before.client, 'reload/t', { qos: 1 });

        copyFileSync(certs.server2Key, keyFile);
        copyFileSync(certs.server2Cert, certFile);
        assert.deepEqual(reloadCertificates(running.broker), [
          { listener: 'tls:default', error: null },
        ]);
        const after = await clients.connect({ protocolVersion: 5 });
        assert.equal(serialOf(after.client.stream), certs.server2Serial);
        await after.client.publishAsync('reload/t', 'across reload', { qos: 1 });
        await before.inbox.waitPayload('across reload');
        assert.equal(before.closed(), false);

        writeFileSync(certFile, 'not a certificate');
        const [failed] = reloadCertificates(running.broker);
        assert.ok(failed?.error instanceof TransportError);
        assert.equal(failed.error.code, 'EMQ_ERR_TLS_CONFIG');
        const third = await clients.connect({ protocolVersion: 5 });
        assert.equal(serialOf(third.client.stream), certs.server2Serial, 'old context kept');
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('TLS listener: independent clients', () => {
  const PUB = findBinary('mosquitto_pub', ['/usr/bin/mosquitto_pub']);
  const SUB = findBinary('mosquitto_sub', ['/usr/bin/mosquitto_sub']);
  const PYTHON = findPahoPython();

  for (const mutual of [false, true]) {
    const label = mutual ? 'mutual TLS (--cert/--key)' : 'one-way TLS (--cafile)';
    test(`mosquitto_sub and mosquitto_pub over ${label}`, async (t) => {
      const pub = requirePeer(t, 'mosquitto_pub', PUB);
      const sub = requirePeer(t, 'mosquitto_sub', SUB);
      if (pub === null || sub === null) return;
      const policy = mutual ? REQUIRED : { verifyPeer: false, failIfNoPeerCert: false };
      await withTls(tlsListener(serverTls(certs, policy)), async (running) => {
        const seen = recordAuth(running);
        const children = new Children();
        const tlsArgs = [
          '--cafile',
          certs.caCert,
          ...(mutual ? ['--cert', certs.clientCert, '--key', certs.clientKey] : []),
        ];
        const base = ['-h', '127.0.0.1', '-p', String(running.port), ...tlsArgs];
        try {
          const id = uniqueId('msub');
          const s = children.spawn(sub, [
            ...base,
            '-i',
            id,
            '-t',
            'mq/tls',
            '-q',
            '1',
            '-C',
            '1',
            '-W',
            '10',
          ]);
          await s.waitUntil(
            () => isSubscribed(running.broker, id, ['mq/tls']),
            'mosquitto_sub subscribed',
          );
          const p = await children.run(pub, [...base, '-t', 'mq/tls', '-q', '1', '-m', 'over tls']);
          assert.equal(p.exit?.code, 0, p.describe());
          await s.wait(10_000);
          assert.equal(s.stdout.trim(), 'over tls', s.describe());
          const cns = seen.map((c) => c.certificate?.cn ?? null);
          assert.deepEqual(cns, mutual ? ['device-1', 'device-1'] : [null, null]);
        } finally {
          await children.killAll();
        }
      });
    });
  }

  test('mosquitto_pub without a client certificate is refused by fail_if_no_peer_cert', async (t) => {
    const pub = requirePeer(t, 'mosquitto_pub', PUB);
    if (pub === null) return;
    await withTls(tlsListener(serverTls(certs, REQUIRED)), async (running) => {
      const children = new Children();
      try {
        const args = ['-h', '127.0.0.1', '-p', String(running.port), '--cafile', certs.caCert];
        const p = await children.run(pub, [...args, '-t', 'x', '-m', 'y']);
        assert.notEqual(p.exit?.code, 0, p.describe());
        await waitFor(() => statsOf(running).rejected === 1, 'refusal counted');
      } finally {
        await children.killAll();
      }
    });
  });

  test('Python paho over mutual TLS', async (t) => {
    const py = requirePeer(t, 'python3 with paho-mqtt', PYTHON);
    if (py === null) return;
    await withTls(tlsListener(serverTls(certs, REQUIRED)), async (running) => {
      const children = new Children();
      try {
        const args = ['tcp', '127.0.0.1', running.port, '-', certs.caCert];
        const c = await children.run(py, [
          PAHO,
          ...args.map(String),
          certs.clientCert,
          certs.clientKey,
          'paho/tls',
        ]);
        assert.equal(c.exit?.code, 0, c.describe());
        assert.deepEqual(JSON.parse(c.stdout), {
          topic: 'paho/tls',
          payload: 'hello from paho over tcp',
          qos: 1,
        });
      } finally {
        await children.killAll();
      }
    });
  });
});
