// `edgemq start` loads only what its configuration needs (docs/benchmarks.md, "Idle RSS"):
// with plain TCP listeners, neither the WebSocket transport (and the ws package) nor the TLS
// transport is loaded, and the config schema does not load TypeBox. A structural guard for
// the idle-RSS target: it records every module the process loads (fixtures/log-modules.ts)
// from start to a clean SIGTERM exit, instead of measuring memory (which drifts).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Children } from '../helpers/child.js';
import { ROOT } from './cli.js';

const CLI = [
  '--import',
  'tsx',
  '--import',
  './test/cli/fixtures/log-modules.ts',
  'src/cli/main.ts',
];

/** Runs `edgemq start ARGS` until it listens, stops it with SIGTERM; the modules it loaded. */
async function modulesLoadedBy(args: string[]): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'edgemq-modules-'));
  const log = join(dir, 'modules.txt');
  const children = new Children();
  try {
    const child = children.spawn(process.execPath, [...CLI, 'start', ...args], {
      cwd: ROOT,
      env: { ...process.env, EDGEMQ_TEST_MODULE_LOG: log, EDGEMQ_RUN_DIR: join(dir, 'run') },
    });
    await child.waitUntil((c) => /edgemq listening on /.test(c.stderr), 'listening', 20_000);
    child.kill('SIGTERM');
    const exit = await child.wait(20_000);
    assert.equal(exit.code, 0, child.describe());
  } finally {
    await children.killAll();
  }
  const urls = readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u !== '');
  assert.ok(
    urls.some((u) => u.endsWith('/src/cli/start.ts')),
    'the log records our modules',
  );
  return urls;
}

const WS = [/\/src\/transport\/ws\.ts$/, /\/node_modules\/ws\//];
const TLS = [/\/src\/transport\/tls\.ts$/, /\/src\/transport\/tls-material\.ts$/];
const TYPEBOX = [/\/node_modules\/@sinclair\/typebox\//];
const SQLITE = [/\/node_modules\/better-sqlite3\//, /\/src\/persistence\/sqlite\//];
/**
 * Node modules only some configurations need: -d, syslog, assigned client ids. The load
 * hook sees ES imports only (not `require`, not the `crypto` global), which is what these
 * guard against: a static `import` of them coming back. (process.moduleLoadList would see
 * every load, but tsx, which runs this child, loads all three itself.)
 */
const OPTIONAL_BUILTINS = [/^node:child_process$/, /^node:dgram$/, /^node:crypto$/];

function loaded(urls: readonly string[], patterns: readonly RegExp[]): string[] {
  return urls.filter((u) => patterns.some((p) => p.test(u)));
}

describe('edgemq start loads only what its configuration needs', { concurrency: true }, () => {
  test('TCP listener, persistence on (the benchmark command): no ws, TLS or TypeBox', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'edgemq-data-'));
    const urls = await modulesLoadedBy([
      '--url',
      'nmq-tcp://127.0.0.1:0',
      '--data-dir',
      join(dir, 'data'),
    ]);
    assert.deepEqual(loaded(urls, WS), []);
    assert.deepEqual(loaded(urls, TLS), []);
    assert.deepEqual(loaded(urls, TYPEBOX), []);
    assert.deepEqual(loaded(urls, OPTIONAL_BUILTINS), []);
    assert.notDeepEqual(loaded(urls, SQLITE), [], 'persistence on: SQLite is loaded');
  });

  test('a WebSocket listener loads the ws transport (the log sees lazy imports)', async () => {
    const urls = await modulesLoadedBy(['--url', 'nmq-ws://127.0.0.1:0/mqtt', '--no-persistence']);
    assert.ok(loaded(urls, WS).length >= 2, 'src/transport/ws.ts and the ws package');
  });

  test('--no-persistence: better-sqlite3 and the SQLite store are not loaded', async () => {
    const urls = await modulesLoadedBy(['--url', 'nmq-tcp://127.0.0.1:0', '--no-persistence']);
    assert.deepEqual(loaded(urls, WS), []);
    assert.deepEqual(loaded(urls, SQLITE), []);
  });
});
