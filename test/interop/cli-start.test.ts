// `edgemq start` as a user runs it: a separate process (the CLI source through tsx),
// exit codes, error lines, listeners from --url, and a clean shutdown on SIGTERM.
import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { PacketType, ReasonCode } from '../../src/codec/index.js';
import { Children, type Child } from '../helpers/child.js';
import { RawClient } from '../helpers/raw-client.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const LISTENING = /^edgemq listening on (\w+):\/\/([^\s]+):(\d+)$/gm;

function cli(children: Children, args: string[]): Child {
  return children.spawn(process.execPath, [...CLI, ...args], { cwd: ROOT });
}

/** Runs the CLI to completion (bounded) and returns it. */
async function run(args: string[]): Promise<Child> {
  const children = new Children();
  try {
    const child = cli(children, args);
    await child.wait(20_000);
    return child;
  } finally {
    await children.killAll();
  }
}

/** The ports of the "edgemq listening on tcp://HOST:PORT" lines printed so far. */
function listening(child: Child): number[] {
  return [...child.stderr.matchAll(LISTENING)].map((m) => Number(m[3]));
}

/** Starts `edgemq start ARGS` and waits for `count` listening lines; returns their ports. */
async function start(
  children: Children,
  args: string[],
  count = 1,
): Promise<{ child: Child; ports: number[] }> {
  const child = cli(children, ['start', ...args]);
  await child.waitUntil((c) => listening(c).length >= count, `${count} listening line(s)`, 20_000);
  return { child, ports: listening(child) };
}

/** Exit status 2 and exactly one stderr line starting with `edgemq: `, without a stack trace. */
function assertUsageError(child: Child, mentions: string): void {
  assert.equal(child.exit?.code, 2, child.describe());
  const errLines = child.stderr.trimEnd().split('\n');
  assert.equal(errLines.length, 1, `one stderr line expected: ${child.describe()}`);
  assert.match(errLines[0]!, /^edgemq: /);
  assert.ok(errLines[0]!.includes(mentions), child.describe());
  assert.doesNotMatch(child.stderr, /\n\s+at /, 'no stack trace');
}

/** A v5 CONNECT / CONNACK on `port`, proving a listener speaks MQTT. */
async function connectV5(port: number): Promise<RawClient> {
  const client = await RawClient.open(port, 5);
  const connack = await client.connect();
  assert.equal(connack.reasonCode, ReasonCode.SUCCESS);
  return client;
}

describe('edgemq CLI', () => {
  test('--help prints the usage on stdout and exits 0', async () => {
    const child = await run(['--help']);
    assert.equal(child.exit?.code, 0, child.describe());
    assert.match(child.stdout, /^Usage: edgemq <command>/);
    assert.equal(child.stderr, '');
  });

  test('start --help prints the start options and exits 0', async () => {
    const child = await run(['start', '--help']);
    assert.equal(child.exit?.code, 0, child.describe());
    assert.match(child.stdout, /--url URL/);
    assert.match(child.stdout, /--log_level LEVEL/);
  });

  test('an unknown command exits 2 and names the command', async () => {
    const child = await run(['frobnicate']);
    assert.equal(child.exit?.code, 2, child.describe());
    assert.match(child.stderr, /^edgemq: unknown command 'frobnicate'/);
    assert.doesNotMatch(child.stderr, /\n\s+at /);
  });

  for (const [what, url] of [
    ['an unsupported scheme', 'http://127.0.0.1:1883'],
    ['a string that is not a URL', 'not a url'],
    ['an out-of-range port', 'nmq-tcp://127.0.0.1:70000'],
  ] as const) {
    test(`start --url with ${what} exits 2 with one clear stderr line`, async () => {
      const child = await run(['start', '--url', url]);
      assertUsageError(child, `--url ${url}`);
    });
  }

  test('start --log_level nope exits 2 and lists the levels', async () => {
    const child = await run(['start', '--log_level', 'nope', '--url', 'nmq-tcp://127.0.0.1:0']);
    assertUsageError(child, '--log_level nope');
    assert.match(child.stderr, /trace, debug, info, warn, error, fatal/);
  });

  test('start with an unknown option exits 2 with one stderr line', async () => {
    const child = await run(['start', '--bogus']);
    assertUsageError(child, '--bogus');
  });

  test('start on a port already in use exits 2 with one stderr line naming the address', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const child = await run(['start', '--url', `nmq-tcp://127.0.0.1:${port}`]);
      assertUsageError(child, 'EADDRINUSE');
      assert.ok(child.stderr.includes(`127.0.0.1:${port}`), child.describe());
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  test('SIGTERM: a v5 client gets DISCONNECT 0x8B (Server shutting down) and the process exits 0 [MQTT-3.14.2-1]', async () => {
    const children = new Children();
    let client: RawClient | null = null;
    try {
      const { child, ports } = await start(children, ['--url', 'nmq-tcp://127.0.0.1:0']);
      assert.equal(ports.length, 1);
      client = await connectV5(ports[0]!);
      child.kill('SIGTERM');
      const disconnect = await client.next(PacketType.DISCONNECT, 10_000);
      assert.equal(disconnect.reasonCode, ReasonCode.SERVER_SHUTTING_DOWN);
      assert.equal(disconnect.reasonCode, 0x8b);
      await client.waitClosed(10_000);
      const exit = await child.wait(10_000);
      assert.deepEqual(exit, { code: 0, signal: null }, child.describe());
    } finally {
      client?.close();
      await children.killAll();
    }
  });

  for (const scheme of ['nmq-tcp', 'mqtt-tcp', 'tcp'] as const) {
    test(`start --url ${scheme}://127.0.0.1:0 opens an MQTT listener`, async () => {
      const children = new Children();
      let client: RawClient | null = null;
      try {
        const { child, ports } = await start(children, ['--url', `${scheme}://127.0.0.1:0`]);
        assert.equal(ports.length, 1, child.describe());
        assert.ok(ports[0]! > 0);
        client = await connectV5(ports[0]!);
      } finally {
        client?.close();
        await children.killAll();
      }
    });
  }

  test('a repeated --url opens one listener per URL, each serving MQTT', async () => {
    const children = new Children();
    const clients: RawClient[] = [];
    try {
      const { child, ports } = await start(
        children,
        ['--url', 'nmq-tcp://127.0.0.1:0', '--url', 'mqtt-tcp://127.0.0.1:0'],
        2,
      );
      assert.equal(ports.length, 2, child.describe());
      assert.notEqual(ports[0], ports[1]);
      for (const port of ports) clients.push(await connectV5(port));
      child.kill('SIGTERM');
      const exit = await child.wait(10_000);
      assert.equal(exit.code, 0, child.describe());
    } finally {
      for (const c of clients) c.close();
      await children.killAll();
    }
  });
});
