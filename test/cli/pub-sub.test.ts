// `edgemq pub | sub | conn` against an edgemq broker: round trips at every QoS, the -v and
// JSON output, MQTT 5 properties end to end, stdin lines, retained messages, wills, CONNACK.
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MqttClient, type ReceivedMessage } from '../../src/client/index.js';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { Children } from '../helpers/child.js';
import { waitFor } from '../helpers/wait.js';
import { cli, lines, subscribed } from './cli.js';

/** An in-process subscriber collecting what arrives on `filter`. */
async function collector(
  port: number,
  filter: string,
): Promise<{ client: MqttClient; got: ReceivedMessage[] }> {
  const client = new MqttClient({ port, host: '127.0.0.1', protocolVersion: 5, reconnect: false });
  const got: ReceivedMessage[] = [];
  client.on('message', (m) => got.push(m));
  await client.connect();
  await client.subscribe(filter, { qos: 1 });
  return { client, got };
}

describe('edgemq pub / sub / conn', { concurrency: true }, () => {
  let broker: RunningBroker;
  let port: string;
  let dir: string;
  before(async () => {
    broker = await startBroker();
    port = String(broker.port);
    dir = mkdtempSync(join(tmpdir(), 'edgemq-cli-'));
  });
  after(async () => {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const at = (): string[] => ['-h', '127.0.0.1', '-p', port];

  test('round trip at QoS 0, 1 and 2; -C ends sub; -v prints topic, QoS, retain, v5 properties', async () => {
    const children = new Children();
    try {
      const sub = cli(children, [
        'sub',
        ...at(),
        '-V',
        '5',
        '-t',
        'rt/#',
        '-q',
        '2',
        '-C',
        '4',
        '-v',
        '--subscription-id',
        '7',
      ]);
      await subscribed(sub);
      const pubs = [
        cli(children, ['pub', ...at(), '-V', '5', '-t', 'rt/0', '-m', 'zero', '-q', '0']),
        cli(children, [
          'pub',
          ...at(),
          '-V',
          '5',
          '-t',
          'rt/1',
          '-m',
          'one',
          '-q',
          '1',
          '-C',
          '2',
          '-I',
          '0',
          '--user-property',
          'k=v',
          '--user-property',
          'lang=en',
          '--content-type',
          'text',
          '--response-topic',
          'rt/reply',
          '--correlation-data',
          'c-42',
          '--message-expiry',
          '60',
          '--payload-format',
          '1',
        ]),
      ];
      for (const p of pubs) assert.equal((await p.wait(15_000)).code, 0, p.describe());
      const q2 = cli(children, ['pub', ...at(), '-V', '5', '-t', 'rt/2', '-m', 'two', '-q', '2']);
      assert.equal((await q2.wait(15_000)).code, 0, q2.describe());
      assert.equal((await sub.wait(15_000)).code, 0, sub.describe());
      const out = lines(sub.stdout).sort();
      assert.equal(out.length, 4, sub.describe());
      assert.equal(out[0], 'rt/0 qos=0 retain=0 [subscription-id=7] zero');
      const one = out[1]!;
      assert.match(one, /^rt\/1 qos=1 retain=0 \[.*\] one$/);
      for (const part of [
        'user:k=v',
        'user:lang=en',
        'content-type=text',
        'response-topic=rt/reply',
        'correlation-data=c-42',
        'payload-format-indicator=1',
        'subscription-id=7',
      ]) {
        assert.ok(one.includes(part), `${part} in ${one}`);
      }
      assert.match(one, /message-expiry-interval=(60|59)/);
      assert.equal(out[1], out[2]);
      assert.equal(out[3], 'rt/2 qos=2 retain=0 [subscription-id=7] two');
    } finally {
      await children.killAll();
    }
  });

  test('--format json: one object per line, base64 for a binary payload, properties', async () => {
    const children = new Children();
    try {
      const file = join(dir, 'blob.bin');
      writeFileSync(file, Buffer.from([0xff, 0x00, 0xfe]));
      const sub = cli(children, [
        'sub',
        ...at(),
        '-V',
        '5',
        '-t',
        'js/+',
        '-C',
        '2',
        '-v',
        '--format',
        'json',
      ]);
      await subscribed(sub);
      const text = cli(children, [
        'pub',
        ...at(),
        '-V',
        '5',
        '-t',
        'js/a',
        '-m',
        'héllo',
        '-q',
        '1',
        '--user-property',
        'a=b',
      ]);
      assert.equal((await text.wait(15_000)).code, 0, text.describe());
      const bin = cli(children, ['pub', ...at(), '-V', '5', '-t', 'js/b', '-f', file, '-q', '1']);
      assert.equal((await bin.wait(15_000)).code, 0, bin.describe());
      assert.equal((await sub.wait(15_000)).code, 0, sub.describe());
      const objects = lines(sub.stdout).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(objects[0], {
        topic: 'js/a',
        qos: 1,
        retain: false,
        payload: 'héllo',
        encoding: 'utf8',
        properties: { userProperties: [['a', 'b']] },
      });
      assert.deepEqual(objects[1], {
        topic: 'js/b',
        qos: 1,
        retain: false,
        payload: Buffer.from([0xff, 0x00, 0xfe]).toString('base64'),
        encoding: 'base64',
      });
    } finally {
      await children.killAll();
    }
  });

  test('-l publishes each stdin line (blank lines skipped), round-robin over -n clients', async () => {
    const children = new Children();
    const { client, got } = await collector(broker.port, 'ln/t');
    try {
      const pub = cli(
        children,
        ['pub', ...at(), '-t', 'ln/t', '-l', '-q', '1', '-n', '2'],
        'a\n\nb\r\nc',
      );
      assert.equal((await pub.wait(15_000)).code, 0, pub.describe());
      await waitFor(() => got.length >= 3, '3 lines', 15_000);
      assert.deepEqual(got.map((m) => m.payload.toString()).sort(), ['a', 'b', 'c']);
    } finally {
      await client.end(true);
      await children.killAll();
    }
  });

  test('-r publishes retained; a later sub gets it with retain=1', async () => {
    const children = new Children();
    try {
      const pub = cli(children, ['pub', ...at(), '-t', 'ret/t', '-m', 'kept', '-r', '-q', '1']);
      assert.equal((await pub.wait(15_000)).code, 0, pub.describe());
      const sub = cli(children, ['sub', ...at(), '-t', 'ret/#', '-C', '1', '-v']);
      assert.equal((await sub.wait(15_000)).code, 0, sub.describe());
      assert.equal(sub.stdout, 'ret/t qos=1 retain=1 kept\n');
    } finally {
      await children.killAll();
    }
  });

  test('conn prints the CONNACK; --hold keeps it; SIGTERM disconnects (no will), SIGKILL fires the will', async () => {
    const children = new Children();
    const { client, got } = await collector(broker.port, 'will/#');
    try {
      const once = cli(children, [
        'conn',
        ...at(),
        '-V',
        '5',
        '-n',
        '2',
        '-i',
        'cc',
        '--session-expiry',
        '30',
      ]);
      assert.equal((await once.wait(15_000)).code, 0, once.describe());
      const acks = lines(once.stdout);
      assert.equal(acks.length, 2, once.describe());
      assert.match(acks[0]!, /^cc-0 CONNACK reason=0x00 \(success\) session-present=0( \[.*\])?$/);
      assert.match(acks[1]!, /^cc-1 CONNACK reason=0x00 \(success\) session-present=0/);
      const v4 = cli(children, ['conn', ...at(), '-i', 'cc-v4']);
      assert.equal((await v4.wait(15_000)).code, 0, v4.describe());
      assert.equal(v4.stdout, 'cc-v4 CONNACK return-code=0 (accepted) session-present=0\n');

      const will = ['--will-topic', 'will/t', '--will-qos', '1'];
      const polite = cli(children, [
        'conn',
        ...at(),
        '-i',
        'polite',
        '--hold',
        'forever',
        ...will,
        '--will-msg',
        'p',
      ]);
      const killed = cli(children, [
        'conn',
        ...at(),
        '-i',
        'killed',
        '--hold',
        'forever',
        ...will,
        '--will-msg',
        'bye',
      ]);
      for (const c of [polite, killed])
        await c.waitUntil((x) => x.stdout.includes('CONNACK'), 'CONNACK', 15_000);
      polite.kill('SIGTERM');
      assert.equal((await polite.wait(10_000)).code, 0, polite.describe());
      killed.kill('SIGKILL');
      await waitFor(() => got.length > 0, 'the will', 15_000);
      assert.deepEqual(
        got.map((m) => [m.topic, m.payload.toString()]),
        [['will/t', 'bye']],
      );
    } finally {
      await client.end(true);
      await children.killAll();
    }
  });
});
