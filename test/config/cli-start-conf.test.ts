// `edgemq start --conf F` end to end: a separate process (the CLI source through tsx), the
// config taking effect on a real MQTT.js client, warnings on stderr, and bad config stopping
// start-up with exit code 2 and one line on stderr.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import mqtt, { type IDisconnectPacket, type MqttClient } from 'mqtt';
import { Children, type Child } from '../helpers/child.js';
import { fixture, tempFiles } from './support.js';
import { freePort } from '../helpers/free-port.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const LISTENING = /^edgemq listening on (\w+):\/\/([^\s]+):(\d+)$/gm;

function cli(children: Children, args: string[], env: NodeJS.ProcessEnv = {}): Child {
  return children.spawn(process.execPath, [...CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

function ports(child: Child): number[] {
  return [...child.stderr.matchAll(LISTENING)].map((m) => Number(m[3]));
}

async function started(
  children: Children,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<Child> {
  const child = cli(children, ['start', ...args], env);
  await child.waitUntil((c) => ports(c).length > 0, 'a listening line', 20_000);
  return child;
}

/** Runs the CLI to completion and checks the one-line error contract. */
async function failsWith(args: string[], mentions: RegExp): Promise<Child> {
  const children = new Children();
  try {
    const child = cli(children, args);
    await child.wait(20_000);
    assert.equal(child.exit?.code, 2, child.describe());
    const lines = child.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, `one stderr line expected: ${child.describe()}`);
    assert.match(lines[0]!, /^edgemq: /);
    assert.match(lines[0]!, mentions);
    assert.doesNotMatch(child.stderr, /\n\s+at /, 'no stack trace');
    return child;
  } finally {
    await children.killAll();
  }
}

async function connect(
  port: number,
): Promise<{ client: MqttClient; disconnects: IDisconnectPacket[] }> {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    protocolVersion: 5,
    reconnectPeriod: 0,
    connectTimeout: 5000,
  });
  const disconnects: IDisconnectPacket[] = [];
  client.on('disconnect', (p) => disconnects.push(p));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => {
      resolve();
    });
    client.once('error', reject);
  });
  return { client, disconnects };
}

describe('edgemq start with a config file', () => {
  test('listeners.tcp.bind and mqtt.max_packet_size take effect; warnings are printed once', async () => {
    const port = await freePort();
    const files = tempFiles({
      'nanomq.conf': [
        'mqtt {',
        '  max_packet_size = 1KB',
        '  max_topic_alias = 7',
        '}',
        `listeners.tcp { bind = "127.0.0.1:${port}" }`,
        'listeners.ws { bind = "127.0.0.1:0/mqtt" }',
        'mqtt.batch_resend = true',
        'log { level = info }',
        '',
      ].join('\n'),
    });
    const children = new Children();
    let client: MqttClient | null = null;
    try {
      const child = await started(children, ['--conf', files.path('nanomq.conf')]);
      // The two "listening" lines may reach us in separate chunks.
      await child.waitUntil((c) => ports(c).length >= 2, 'the ws listening line', 10_000);
      assert.equal(ports(child)[0], port, child.describe());
      assert.equal(ports(child).length, 2, 'tcp and ws');
      const warnings = child.stderr.split('\n').filter((l) => l.startsWith('edgemq: warning: '));
      assert.deepEqual(warnings, [
        `edgemq: warning: ${files.path('nanomq.conf')}:7:1: mqtt.batch_resend: true has no effect (batched resend is not implemented yet)`,
      ]);

      const conn = await connect(port);
      client = conn.client;
      // A small message goes round trip...
      await conn.client.subscribeAsync('t/#', { qos: 1 });
      const got = new Promise<string>((resolve) =>
        conn.client.once('message', (_t, payload) => {
          resolve(payload.toString());
        }),
      );
      await conn.client.publishAsync('t/small', 'hello', { qos: 1 });
      assert.equal(await got, 'hello');
      // ...a packet over 1KB gets the connection closed (v5: DISCONNECT 0x95, Packet too large).
      const closed = new Promise<void>((resolve) =>
        conn.client.once('close', () => {
          resolve();
        }),
      );
      conn.client.publish('t/big', Buffer.alloc(2048, 1), { qos: 0 });
      await closed;
      assert.equal(conn.disconnects[0]?.reasonCode, 0x95);
    } finally {
      client?.end(true);
      await children.killAll();
    }
  });

  test('CONNACK carries the configured limits (Topic Alias Maximum, Maximum Packet Size)', async () => {
    const files = tempFiles({
      'nanomq.conf': 'mqtt.max_topic_alias = 7\nmqtt.max_packet_size = 4KB\n',
    });
    const children = new Children();
    let client: MqttClient | null = null;
    try {
      const child = await started(children, [
        '--conf',
        files.path('nanomq.conf'),
        '--url',
        'nmq-tcp://127.0.0.1:0',
      ]);
      const connack = new Promise<{ topicAliasMaximum?: number; maximumPacketSize?: number }>(
        (resolve) => {
          client = mqtt.connect({
            host: '127.0.0.1',
            port: ports(child)[0]!,
            protocolVersion: 5,
            reconnectPeriod: 0,
          });
          client.once('connect', (p) => {
            resolve(p.properties ?? {});
          });
        },
      );
      const props = await connack;
      assert.equal(props.topicAliasMaximum, 7);
      assert.equal(props.maximumPacketSize, 4096);
    } finally {
      (client as MqttClient | null)?.end(true);
      await children.killAll();
    }
  });

  test('EDGEMQ_ and NANOMQ_ environment variables apply; flags win over them', async () => {
    const port = await freePort();
    const children = new Children();
    try {
      const child = await started(children, ['--log_level', 'warn'], {
        EDGEMQ_LISTENERS_TCP_BIND: `127.0.0.1:${port}`,
        NANOMQ_LOG_LEVEL: 'nonsense-but-overridden',
      });
      assert.deepEqual(ports(child), [port]);
    } finally {
      await children.killAll();
    }
  });

  test('the NanoMQ fixtures start (listeners replaced by --url)', async () => {
    for (const args of [
      ['--conf', fixture('nanomq.conf')],
      ['--conf', fixture('nanomq_example.conf')],
      ['--old_conf', fixture('nanomq_old.conf')],
    ]) {
      const children = new Children();
      try {
        const child = await started(children, [...args, '--url', 'nmq-tcp://127.0.0.1:0']);
        assert.equal(ports(child).length, 1, child.describe());
        assert.match(child.stderr, /edgemq: warning: .*mqtt\.property_size: not implemented yet/);
        // log.to includes file: the fixture's log file (dir /tmp) is opened for writing.
        if (args[1] === fixture('nanomq.conf')) assert.ok(existsSync('/tmp/nanomq.log'));
        const lines = child.stderr.split('\n').filter((l) => l !== '');
        assert.equal(new Set(lines).size, lines.length, 'each warning once');
      } finally {
        await children.killAll();
      }
    }
  });

  test('a syntax error exits 2 with file:line:column', async () => {
    const files = tempFiles({
      'nanomq.conf': 'mqtt {\n  max_packet_size = 1KB\n  retry_interval 10s\n}\n',
    });
    await failsWith(
      ['start', '--conf', files.path('nanomq.conf')],
      /nanomq\.conf:3:18: expected '=', ':' or '\{' after the key 'retry_interval', found '1'$/,
    );
  });

  test('a missing file exits 2', async () => {
    await failsWith(
      ['start', '--conf', '/nonexistent/nanomq.conf'],
      /cannot read config file \/nonexistent\/nanomq\.conf: no such file$/,
    );
    await failsWith(
      ['start', '--old_conf', '/nonexistent/old.conf'],
      /cannot read config file \/nonexistent\/old\.conf/,
    );
  });

  test('an invalid value exits 2 naming the key, the value and what was expected', async () => {
    const files = tempFiles({ 'nanomq.conf': 'mqtt.keepalive_multiplier = abc\n' });
    await failsWith(
      ['start', '--conf', files.path('nanomq.conf')],
      /nanomq\.conf:1:1: mqtt\.keepalive_multiplier: "abc" is not a number \(expected a number > 0\.5\)$/,
    );
  });

  test('a bad flag value exits 2 naming the flag', async () => {
    await failsWith(
      ['start', '-S', 'lots'],
      /^edgemq: --msq_len lots: mqtt\.max_mqueue_len: "lots" is not a number/,
    );
  });
});
