// Listeners from the configuration, as NanoMQ writes them: listeners.ssl / ws / wss (and
// named instances) mapped to ListenerSpecs, wss sharing the ssl key and certificate, IPv6
// binds, --url schemes with the TLS flags; then `edgemq start` end to end: MQTT.js over
// tls, ws and wss, bad TLS files stopping start-up with one line, and `edgemq reload`
// swapping the certificate without dropping connected clients.
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import mqtt, { type MqttClient } from 'mqtt';
import type { ListenerSpec } from '../../src/broker/options.js';
import { ConfigError } from '../../src/config/errors.js';
import { parseStartArgs } from '../../src/config/flags.js';
import { loadConfig, type LoadConfigOptions } from '../../src/config/load.js';
import { listenerSpecs, toBrokerOptions } from '../../src/config/to-broker-options.js';
import { Children, type Child } from '../helpers/child.js';
import { testCerts } from '../helpers/certs.js';
import { tempFiles, warnedKeys } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const LISTENING = /^edgemq listening on (\w+):\/\/(\S+):(\d+)$/gm;

/** The listeners of a HOCON text (plus load options such as flags). */
function listenersOf(text: string, options: LoadConfigOptions = {}): ListenerSpec[] {
  const files = tempFiles({ 'nanomq.conf': text });
  return listenerSpecs(loadConfig({ conf: files.path('nanomq.conf'), ...options }).config);
}

function fromFlags(argv: string[], text?: string): ListenerSpec[] {
  const flags = parseStartArgs(argv);
  if (text === undefined) return listenerSpecs(loadConfig({ argvFlags: flags }).config);
  return listenersOf(text, { argvFlags: flags });
}

/** Asserts toBrokerOptions fails with a ConfigError whose message matches. */
function configFails(text: string, message: RegExp, argv: string[] = []): void {
  const files = tempFiles({ 'nanomq.conf': text });
  const { config } = loadConfig({
    conf: files.path('nanomq.conf'),
    argvFlags: parseStartArgs(argv),
  });
  assert.throws(
    () => toBrokerOptions(config),
    (e: unknown) => e instanceof ConfigError && message.test(e.message),
  );
}

const SSL = `listeners.ssl {
  bind = "0.0.0.0:8883"
  keyfile = "/etc/certs/key.pem"
  certfile = "/etc/certs/cert.pem"
  cacertfile = "/etc/certs/cacert.pem"
  key_password = "yourpass"
  verify_peer = true
  fail_if_no_peer_cert = true
}
`;

const SSL_TLS = {
  keyFile: '/etc/certs/key.pem',
  certFile: '/etc/certs/cert.pem',
  caFile: '/etc/certs/cacert.pem',
  keyPassword: 'yourpass',
  verifyPeer: true,
  failIfNoPeerCert: true,
};

describe('config → listeners', () => {
  test('listeners.ssl, ws and wss as NanoMQ writes them; no "not implemented" warning', () => {
    const files = tempFiles({
      'nanomq.conf': `listeners.tcp.bind = "0.0.0.0:1883"\n${SSL}listeners.ws { bind = "0.0.0.0:8083/mqtt" }\nlisteners.wss { bind = "0.0.0.0:8086/mqtt" }\n`,
    });
    const { config, warnings } = loadConfig({ conf: files.path('nanomq.conf') });
    assert.deepEqual(warnings, []);
    assert.deepEqual(toBrokerOptions(config).listeners, [
      { kind: 'tcp', host: '0.0.0.0', port: 1883 },
      { kind: 'tls', host: '0.0.0.0', port: 8883, tls: SSL_TLS },
      { kind: 'ws', host: '0.0.0.0', port: 8083, path: '/mqtt' },
      // wss shares the ssl key, certificate, CA and client-certificate policy.
      { kind: 'wss', host: '0.0.0.0', port: 8086, path: '/mqtt', tls: SSL_TLS },
    ]);
  });

  test('wss works without a ws listener, with TLS settings of its own', () => {
    assert.deepEqual(
      listenersOf(
        'listeners.tcp = null\nlisteners.wss {\n  bind = "127.0.0.1:9443/secure"\n  keyfile = k.pem\n  certfile = c.pem\n  use_identity_as_username = true\n}\n',
      ),
      [
        {
          kind: 'wss',
          host: '127.0.0.1',
          port: 9443,
          path: '/secure',
          tls: { keyFile: 'k.pem', certFile: 'c.pem', verifyPeer: false, failIfNoPeerCert: false },
          useIdentityAsUsername: true,
        },
      ],
    );
  });

  test('wss with its own key and certificate ignores the ssl ones; its own cacertfile wins', () => {
    const specs = listenersOf(
      `listeners.tcp = null\n${SSL}listeners.wss {\n  keyfile = w.key\n  certfile = w.crt\n}\nlisteners.wss.inherits { bind = "0.0.0.0:9001/mqtt", cacertfile = other-ca.pem }\n`,
    );
    assert.deepEqual(
      specs.map((s) => ('tls' in s ? s.tls : null)),
      [
        SSL_TLS,
        { keyFile: 'w.key', certFile: 'w.crt', verifyPeer: false, failIfNoPeerCert: false },
        // A named wss instance falls back on listeners.wss first.
        {
          keyFile: 'w.key',
          certFile: 'w.crt',
          caFile: 'other-ca.pem',
          verifyPeer: false,
          failIfNoPeerCert: false,
        },
      ],
    );
  });

  test('named instances of every kind, IPv6 binds, proxy_protocol, use_identity_as_username', () => {
    const specs = listenersOf(
      [
        'listeners.tcp { bind = "[::]:1883", proxy_protocol = true }',
        'listeners.tcp.lan { bind = "[::1]:1884" }',
        SSL,
        'listeners.ssl.devices {',
        '  bind = "[::]:8884"',
        '  verify_peer = false',
        '  proxy_protocol = true',
        '  use_identity_as_username = true',
        '}',
        'listeners.ssl.other { bind = "127.0.0.1:8885", keyfile = o.key, certfile = o.crt }',
        'listeners.ws { bind = "[::1]:8083" }',
        'listeners.ws.browser { bind = "0.0.0.0:8090/ws" }',
        'listeners.wss.browser { bind = "[::]:8091/mqtt" }',
        '',
      ].join('\n'),
    );
    assert.deepEqual(specs, [
      { kind: 'tcp', host: '::', port: 1883, proxyProtocol: true },
      { kind: 'tcp', host: '::1', port: 1884, name: 'lan' },
      { kind: 'tls', host: '0.0.0.0', port: 8883, tls: SSL_TLS },
      {
        kind: 'tls',
        host: '::',
        port: 8884,
        name: 'devices',
        // The key and certificate of listeners.ssl; the instance's own verify settings.
        tls: { ...SSL_TLS, verifyPeer: false, failIfNoPeerCert: false },
        proxyProtocol: true,
        useIdentityAsUsername: true,
      },
      {
        kind: 'tls',
        host: '127.0.0.1',
        port: 8885,
        name: 'other',
        tls: { keyFile: 'o.key', certFile: 'o.crt', verifyPeer: false, failIfNoPeerCert: false },
      },
      { kind: 'ws', host: '::1', port: 8083, path: '/mqtt' },
      { kind: 'ws', host: '0.0.0.0', port: 8090, path: '/ws', name: 'browser' },
      // listeners.wss exists through its named instance: its own block and the named one.
      { kind: 'wss', host: '0.0.0.0', port: 8086, path: '/mqtt', tls: SSL_TLS },
      { kind: 'wss', host: '::', port: 8091, path: '/mqtt', name: 'browser', tls: SSL_TLS },
    ]);
  });

  test('a listeners.ssl block holding only named instances is not a listener itself', () => {
    const specs = listenersOf(
      'listeners.tcp = null\nlisteners.ssl.a { bind = "0.0.0.0:8881", keyfile = a.key, certfile = a.crt }\nlisteners.ssl.b { bind = "0.0.0.0:8882", keyfile = b.key, certfile = b.crt }\n',
    );
    assert.deepEqual(
      specs.map((s) => `${s.kind}:${s.name ?? ''}:${s.port}`),
      ['tls:a:8881', 'tls:b:8882'],
    );
  });

  test('the NanoMQ example file: three TLS listeners, ws and wss (sharing the ssl files)', () => {
    const specs = listenerSpecs(
      loadConfig({
        conf: fileURLToPath(
          new URL('../../../shared/fixtures/nanomq-conf/nanomq_example.conf', import.meta.url),
        ),
      }).config,
    );
    assert.deepEqual(
      specs.map((s) => `${s.kind}:${s.name ?? 'default'}:${s.port}`),
      [
        'tcp:default:1883',
        'tcp:default_1:1884',
        'tcp:default_2:1885',
        'tls:default:8883',
        'tls:default_1:8881',
        'tls:default_2:8884',
        'ws:default:8083',
        'wss:default:8086',
      ],
    );
    const wss = specs.at(-1);
    assert.ok(wss?.kind === 'wss');
    assert.equal(wss.tls.certFile, '/etc/certs/cert.pem');
  });

  test('legacy websocket.tls_url: wss with tls.enable, using the tls.* files', () => {
    const files = tempFiles({
      'old.conf': [
        'url=nmq-tcp://0.0.0.0:1883',
        'tls.enable=true',
        'tls.url=tls+nmq-tcp://0.0.0.0:8883',
        'tls.keyfile=/k.pem',
        'tls.certfile=/c.pem',
        'websocket.enable=false',
        'websocket.tls_url=nmq-wss://0.0.0.0:8084/mqtt',
        '',
      ].join('\n'),
    });
    // websocket.enable=false: no ws and no wss, as in NanoMQ.
    const off = loadConfig({ oldConf: files.path('old.conf') }).config;
    assert.deepEqual(
      listenerSpecs(off).map((s) => s.kind),
      ['tcp', 'tls'],
    );
    writeFileSync(
      files.path('old.conf'),
      'tls.enable=true\ntls.keyfile=/k.pem\ntls.certfile=/c.pem\nwebsocket.enable=true\nwebsocket.tls_url=nmq-wss://0.0.0.0:8084/mqtt\n',
    );
    const on = listenerSpecs(loadConfig({ oldConf: files.path('old.conf') }).config);
    assert.deepEqual(on.at(-1), {
      kind: 'wss',
      host: '0.0.0.0',
      port: 8084,
      path: '/mqtt',
      tls: { keyFile: '/k.pem', certFile: '/c.pem', verifyPeer: false, failIfNoPeerCert: false },
    });
  });

  test('missing TLS settings and bad binds are config errors naming the key', () => {
    configFails(
      'listeners.ssl { bind = "0.0.0.0:8883" }\n',
      /^listeners\.ssl: no TLS key and certificate \(set keyfile and certfile in listeners\.ssl\)$/,
    );
    configFails(
      'listeners.ssl { keyfile = k.pem }\n',
      /^listeners\.ssl\.certfile is missing \(a TLS listener needs both keyfile and certfile\)$/,
    );
    configFails('listeners.ssl { certfile = c.pem }\n', /^listeners\.ssl\.keyfile is missing/);
    configFails(
      'listeners.ssl { keyfile = k.pem, certfile = c.pem }\nlisteners.ssl.x { bind = "0.0.0.0:1", keyfile = x.pem }\n',
      /^listeners\.ssl\.x\.certfile is missing/,
    );
    configFails(
      'listeners.wss { bind = "0.0.0.0:8086/mqtt" }\n',
      /^listeners\.wss: no TLS key and certificate \(set keyfile and certfile in listeners\.wss\)$/,
    );
    configFails(
      'listeners.ssl { keyfile = k.pem, certfile = c.pem, verify_peer = true }\n',
      /^listeners\.ssl\.cacertfile is missing \(verify_peer = true/,
    );
    configFails(
      'listeners.tcp { bind = "0.0.0.0:1883/mqtt" }\n',
      /^listeners\.tcp\.bind: "0\.0\.0\.0:1883\/mqtt" is not a valid address \(expected HOST:PORT\)$/,
    );
  });
});

describe('--url schemes and the TLS flags', () => {
  const TLS_FLAGS = [
    '--cacert',
    'ca.pem',
    '-E',
    'c.pem',
    '--key',
    'k.pem',
    '--keypass',
    'pw',
    '--verify',
    '--fail',
    'true',
  ];
  const FLAG_TLS = {
    keyFile: 'k.pem',
    certFile: 'c.pem',
    caFile: 'ca.pem',
    keyPassword: 'pw',
    verifyPeer: true,
    failIfNoPeerCert: true,
  };

  test('tls+nmq-tcp://, nmq-ws:// and nmq-wss:// with IPv6 hosts and paths', () => {
    assert.deepEqual(
      fromFlags([
        '--url',
        'tls+nmq-tcp://[::1]:8883',
        '--url',
        'nmq-ws://[::]:8083/ws',
        '--url',
        'nmq-ws://127.0.0.1:8084',
        '--url',
        'nmq-wss://0.0.0.0:8086/mqtt',
        ...TLS_FLAGS,
      ]),
      [
        { kind: 'tls', host: '::1', port: 8883, tls: FLAG_TLS },
        { kind: 'ws', host: '::', port: 8083, path: '/ws' },
        { kind: 'ws', host: '127.0.0.1', port: 8084, path: '/mqtt', name: 'url_2' },
        { kind: 'wss', host: '0.0.0.0', port: 8086, path: '/mqtt', tls: FLAG_TLS },
      ],
    );
  });

  test('nmq-wss:// alone takes the TLS flags itself: no ssl listener appears', () => {
    assert.deepEqual(fromFlags(['--url', 'nmq-wss://127.0.0.1:0/mqtt', ...TLS_FLAGS]), [
      { kind: 'wss', host: '127.0.0.1', port: 0, path: '/mqtt', tls: FLAG_TLS },
    ]);
  });

  test("--url keeps the file's ssl settings for the TLS URLs, not its listeners", () => {
    const file = `listeners.tcp.bind = "0.0.0.0:1883"\n${SSL}listeners.ws {}\n`;
    assert.deepEqual(fromFlags(['--url', 'nmq-wss://127.0.0.1:9443/mqtt'], file), [
      { kind: 'wss', host: '127.0.0.1', port: 9443, path: '/mqtt', tls: SSL_TLS },
    ]);
    assert.deepEqual(fromFlags(['--url', 'tls+nmq-tcp://127.0.0.1:9883', '--keypass', 'x'], file), [
      { kind: 'tls', host: '127.0.0.1', port: 9883, tls: { ...SSL_TLS, keyPassword: 'x' } },
    ]);
  });

  test('TLS flags with only plain --url listeners are reported and ignored', () => {
    const { config, warnings } = loadConfig({
      argvFlags: parseStartArgs(['--url', 'nmq-tcp://127.0.0.1:1883', '--cert', 'c.pem']),
    });
    assert.deepEqual(warnedKeys(warnings), [
      'no tls+nmq-tcp:// or nmq-wss:// --url to apply it to (ignored)',
    ]);
    assert.deepEqual(
      listenerSpecs(config).map((s) => s.kind),
      ['tcp'],
    );
  });

  test('a wss URL with no TLS settings anywhere is a config error', () => {
    configFails('', /^listeners\.wss: no TLS key and certificate/, [
      '--url',
      'nmq-wss://127.0.0.1:0/mqtt',
    ]);
  });
});

// ---- edgemq start, end to end ----

function cli(children: Children, args: string[], runDir: string): Child {
  return children.spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, EDGEMQ_RUN_DIR: runDir },
  });
}

function freshRunDir(): string {
  return mkdtempSync(join(tmpdir(), 'edgemq-run-'));
}

/** kind → port of every `edgemq listening on` line, in order. */
function bound(child: Child): { kind: string; port: number }[] {
  return [...child.stderr.matchAll(LISTENING)].map((m) => ({ kind: m[1]!, port: Number(m[3]) }));
}

async function startCli(children: Children, args: string[], runDir: string, listeners: number) {
  const child = cli(children, ['start', ...args], runDir);
  await child.waitUntil((c) => bound(c).length === listeners, `${listeners} listeners`, 20_000);
  return child;
}

/** Runs `edgemq start ...` to completion: exit 2 and exactly one stderr line matching. */
async function startFails(args: string[], mentions: RegExp): Promise<void> {
  const children = new Children();
  try {
    const child = cli(children, ['start', ...args], freshRunDir());
    await child.wait(20_000);
    assert.equal(child.exit?.code, 2, child.describe());
    const lines = child.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one stderr line expected: ${child.describe()}`);
    assert.match(lines[0]!, /^edgemq: /);
    assert.match(lines[0]!, mentions);
  } finally {
    await children.killAll();
  }
}

async function mqttConnect(url: string, options: mqtt.IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync(url, {
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
}

async function roundTrip(client: MqttClient, topic: string): Promise<void> {
  await client.subscribeAsync(topic, { qos: 1 });
  const got = new Promise<string>((resolve) =>
    client.once('message', (_t, payload) => {
      resolve(payload.toString());
    }),
  );
  await client.publishAsync(topic, `via ${topic}`, { qos: 1 });
  assert.equal(await got, `via ${topic}`);
}

/** The serial number of the certificate a TLS listener presents now. */
function servedSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('edgemq start with TLS and WebSocket listeners', () => {
  test('ssl + ws + wss from --conf (wss sharing the ssl files): MQTT.js on each', async () => {
    const certs = testCerts();
    const files = tempFiles({
      'nanomq.conf': [
        'listeners.tcp = null',
        'listeners.ssl {',
        '  bind = "127.0.0.1:0"',
        `  keyfile = "${certs.serverKeyEncrypted}"`,
        `  key_password = "${certs.serverKeyPassword}"`,
        `  certfile = "${certs.serverCert}"`,
        `  cacertfile = "${certs.caCert}"`,
        '}',
        'listeners.ws { bind = "127.0.0.1:0/mqtt" }',
        'listeners.wss { bind = "127.0.0.1:0/mqtt" }',
        '',
      ].join('\n'),
    });
    const children = new Children();
    const clients: MqttClient[] = [];
    try {
      const child = await startCli(
        children,
        ['--conf', files.path('nanomq.conf')],
        freshRunDir(),
        3,
      );
      const ports = bound(child);
      assert.deepEqual(
        ports.map((p) => p.kind),
        ['tls', 'ws', 'wss'],
      );
      assert.doesNotMatch(child.stderr, /warning/);
      const [tls, ws, wss] = ports.map((p) => p.port);
      clients.push(await mqttConnect(`mqtts://127.0.0.1:${tls}`, { ca: certs.ca }));
      clients.push(await mqttConnect(`ws://127.0.0.1:${ws}/mqtt`));
      clients.push(await mqttConnect(`wss://127.0.0.1:${wss}/mqtt`, { ca: certs.ca }));
      for (const [i, c] of clients.entries()) await roundTrip(c, `e2e/${i}`);
      // An untrusted client: the handshake fails, the broker keeps serving.
      await assert.rejects(mqttConnect(`mqtts://127.0.0.1:${tls}`, { rejectUnauthorized: true }));
      assert.ok(clients.every((c) => c.connected));
    } finally {
      for (const c of clients) c.end(true);
      await children.killAll();
    }
  });

  test('--url nmq-wss:// with --cert/--key/--cacert/--verify/--fail: mutual TLS, no ws listener', async () => {
    const certs = testCerts();
    const children = new Children();
    let client: MqttClient | null = null;
    try {
      const child = await startCli(
        children,
        [
          '--url',
          'nmq-wss://127.0.0.1:0/secure',
          '--cert',
          certs.serverCert,
          '--key',
          certs.serverKey,
          '--cacert',
          certs.caCert,
          '--verify',
          '--fail',
        ],
        freshRunDir(),
        1,
      );
      const [wss] = bound(child);
      assert.equal(wss?.kind, 'wss');
      const url = `wss://127.0.0.1:${wss.port}/secure`;
      await assert.rejects(mqttConnect(url, { ca: certs.ca }), 'no client certificate');
      client = await mqttConnect(url, {
        ca: certs.ca,
        cert: readFileSync(certs.clientCert),
        key: readFileSync(certs.clientKey),
      });
      await roundTrip(client, 'wss/mutual');
    } finally {
      client?.end(true);
      await children.killAll();
    }
  });

  test('a missing key file stops start-up: exit 2, one line naming the file', async () => {
    const certs = testCerts();
    await startFails(
      [
        '--url',
        'nmq-tcp://127.0.0.1:0',
        '--url',
        'tls+nmq-tcp://127.0.0.1:0',
        '--cert',
        certs.serverCert,
        '--key',
        '/nonexistent/server.key',
      ],
      /cannot read TLS key file \/nonexistent\/server\.key \(ENOENT\)$/,
    );
  });

  test('an unreadable certificate file (a directory) in the config file: exit 2, one line', async () => {
    const certs = testCerts();
    const files = tempFiles({
      'nanomq.conf': `listeners.tcp.bind = "127.0.0.1:0"\nlisteners.wss {\n  bind = "127.0.0.1:0/mqtt"\n  keyfile = "${certs.serverKey}"\n  certfile = "${certs.dir}"\n}\n`,
    });
    await startFails(
      ['--conf', files.path('nanomq.conf')],
      new RegExp(`cannot read TLS certificate file ${certs.dir} \\(EISDIR\\)$`),
    );
  });

  test('a missing keyfile key in the config: exit 2, one line naming the key', async () => {
    const files = tempFiles({
      'nanomq.conf': 'listeners.ssl {\n  bind = "127.0.0.1:0"\n  certfile = "/c.pem"\n}\n',
    });
    await startFails(
      ['--conf', files.path('nanomq.conf')],
      /^edgemq: listeners\.ssl\.keyfile is missing \(a TLS listener needs both keyfile and certfile\)$/,
    );
  });

  test('edgemq reload swaps the certificate for new handshakes; connected clients stay', async () => {
    const certs = testCerts();
    const dir = mkdtempSync(join(tmpdir(), 'edgemq-reload-certs-'));
    const key = join(dir, 'server.key');
    const cert = join(dir, 'server.crt');
    copyFileSync(certs.serverKey, key);
    copyFileSync(certs.serverCert, cert);
    const files = tempFiles({
      'nanomq.conf': `listeners.tcp = null\nlisteners.ssl {\n  bind = "127.0.0.1:0"\n  keyfile = "${key}"\n  certfile = "${cert}"\n}\nlisteners.wss { bind = "127.0.0.1:0/mqtt" }\nlog.level = info\n`,
    });
    const runDir = freshRunDir();
    const children = new Children();
    const clients: MqttClient[] = [];
    try {
      const child = await startCli(children, ['--conf', files.path('nanomq.conf')], runDir, 2);
      const [tls, wss] = bound(child).map((b) => b.port);
      assert.equal(await servedSerial(tls!, certs.ca), certs.serverSerial);
      clients.push(await mqttConnect(`mqtts://127.0.0.1:${tls}`, { ca: certs.ca }));
      clients.push(await mqttConnect(`wss://127.0.0.1:${wss}/mqtt`, { ca: certs.ca }));
      let closes = 0;
      for (const c of clients) c.on('close', () => closes++);

      copyFileSync(certs.server2Key, key);
      copyFileSync(certs.server2Cert, cert);
      const reload = await children.run(process.execPath, [...CLI, 'reload'], {
        cwd: ROOT,
        env: { ...process.env, EDGEMQ_RUN_DIR: runDir },
      });
      assert.equal(reload.exit?.code, 0, reload.describe());
      await child.waitUntil(
        (c) => c.stderr.split('certificates reloaded').length === 3,
        'both listeners reloaded',
      );
      assert.equal(await servedSerial(tls!, certs.ca), certs.server2Serial);
      assert.equal(await servedSerial(wss!, certs.ca), certs.server2Serial);

      // A broken certificate file: logged, and the listener keeps the certificate it has.
      writeFileSync(cert, 'not a certificate\n');
      process.kill(child.pid, 'SIGHUP');
      await child.waitUntil(
        (c) => c.stderr.split('\n').some((l) => /tls:default/.test(l) && /error/i.test(l)),
        'the reload error',
      );
      assert.equal(await servedSerial(tls!, certs.ca), certs.server2Serial);

      for (const [i, c] of clients.entries()) await roundTrip(c, `reload/${i}`);
      assert.equal(closes, 0, 'no client was dropped');
      assert.equal(child.exit, null);
    } finally {
      for (const c of clients) c.end(true);
      await children.killAll();
    }
  });
});
