// File logging and rotation by size and count, on a real temporary directory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, RotatingFileStream, type LogOptions } from '../../src/logging/index.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'edgemq-log-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

function fileOptions(dir: string, size: number, count: number): LogOptions {
  return { to: ['file'], level: 'info', dir, file: 'nanomq.log', rotation: { size, count } };
}

function jsonLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('file target: creates the directory and writes one pino JSON line per record', async (t) => {
  const dir = join(tempDir(t), 'nested', 'logs');
  const { logger, close } = createLogger(fileOptions(dir, 1 << 20, 5));
  logger.info({ kind: 'tcp', port: 1883 }, 'listening');
  logger.warn({ clientId: 'c1' }, 'slow consumer');
  logger.debug({ x: 1 }, 'hidden');
  await close();
  const records = jsonLines(join(dir, 'nanomq.log'));
  assert.equal(records.length, 2);
  assert.equal(records[0]!['level'], 30);
  assert.equal(records[0]!['msg'], 'listening');
  assert.equal(records[0]!['port'], 1883);
  assert.equal(typeof records[0]!['time'], 'number');
  assert.equal(records[1]!['level'], 40);
  assert.equal(records[1]!['clientId'], 'c1');
});

test('file target appends to an existing file', async (t) => {
  const dir = tempDir(t);
  for (const msg of ['first', 'second']) {
    const { logger, close } = createLogger(fileOptions(dir, 1 << 20, 5));
    logger.info({}, msg);
    await close();
  }
  assert.deepEqual(
    jsonLines(join(dir, 'nanomq.log')).map((r) => r['msg']),
    ['first', 'second'],
  );
});

test('rotation: size 2 KB, count 3, ~10 KB written → nanomq.log, .1, .2, .3 and no .4', async (t) => {
  const dir = tempDir(t);
  const { logger, close } = createLogger(fileOptions(dir, 2048, 3));
  const pad = 'x'.repeat(60);
  const N = 100; // ~100 bytes a line → ~10 KB
  for (let seq = 0; seq < N; seq++) logger.info({ seq, pad }, 'line');
  await close();

  assert.deepEqual(readdirSync(dir).sort(), [
    'nanomq.log',
    'nanomq.log.1',
    'nanomq.log.2',
    'nanomq.log.3',
  ]);
  const base = join(dir, 'nanomq.log');
  const seqs = (path: string): number[] => jsonLines(path).map((r) => r['seq'] as number);
  for (const name of ['nanomq.log', 'nanomq.log.1', 'nanomq.log.2', 'nanomq.log.3'])
    assert.ok(statSync(join(dir, name)).size <= 2048, `${name} is at most 2048 bytes`);
  // newest in the base file, then .1, .2, .3, contiguous
  const chain = [`${base}.3`, `${base}.2`, `${base}.1`, base].flatMap(seqs);
  assert.equal(chain.at(-1), N - 1);
  for (let i = 1; i < chain.length; i++) assert.equal(chain[i], chain[i - 1]! + 1);
  // the oldest lines were dropped, and the three rotated files were full
  assert.ok(chain[0]! > 0);
  for (const n of [1, 2, 3]) assert.ok(statSync(`${base}.${n}`).size > 2048 - 200);
});

test('rotation with count 0 truncates the file in place', (t) => {
  const dir = tempDir(t);
  const f = new RotatingFileStream({ dir, file: 'a.log', maxSize: 100, count: 0 });
  for (let i = 0; i < 10; i++) f.write(`${'y'.repeat(40)}${i}\n`);
  f.close();
  assert.deepEqual(readdirSync(dir), ['a.log']);
  assert.equal(
    readFileSync(join(dir, 'a.log'), 'utf8'),
    `${'y'.repeat(40)}8\n${'y'.repeat(40)}9\n`,
  );
});

test('close() leaves everything on disk; later log calls are dropped without throwing', async (t) => {
  const dir = tempDir(t);
  const { logger, close } = createLogger(fileOptions(dir, 1 << 20, 1));
  for (let i = 0; i < 500; i++) logger.info({ i }, 'burst');
  await close();
  await close(); // idempotent
  logger.error({}, 'after close');
  const records = jsonLines(join(dir, 'nanomq.log'));
  assert.equal(records.length, 500);
  assert.equal(records.at(-1)!['i'], 499);
});

test('a log dir that cannot be created is a config error naming the key', async (t) => {
  const dir = tempDir(t);
  const first = createLogger(fileOptions(dir, 0, 0)); // dir/nanomq.log is a plain file
  await first.close();
  assert.throws(
    () => createLogger(fileOptions(join(dir, 'nanomq.log', 'sub'), 0, 0)),
    (e: Error & { code?: string }) =>
      e.code === 'EMQ_ERR_CONFIG_INVALID' && e.message.startsWith('log.dir '),
  );
});
