// createLogger: targets, run-time level changes, several targets at once, nothing done for
// disabled levels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type LogOptions, type LogStderr } from '../../src/logging/index.js';

function base(to: LogOptions['to'], level: LogOptions['level'] = 'info'): LogOptions {
  return { to, level, dir: '.', file: 'nanomq.log', rotation: { size: 0, count: 0 } };
}

function capture(isTTY: boolean): LogStderr & { readonly text: string[] } {
  const text: string[] = [];
  return {
    isTTY,
    text,
    write: (s: string) => text.push(s),
  };
}

test('console, not a TTY: pino JSON lines', async () => {
  const stderr = capture(false);
  const { logger, close } = createLogger(base(['console']), { stderr });
  logger.info({ kind: 'tcp' }, 'listening');
  await close();
  assert.equal(stderr.text.length, 1);
  const rec = JSON.parse(stderr.text[0]!) as Record<string, unknown>;
  assert.equal(rec['level'], 30);
  assert.equal(rec['msg'], 'listening');
  assert.equal(rec['kind'], 'tcp');
  assert.equal('pid' in rec || 'hostname' in rec, false);
});

test('console, a TTY: readable lines', async () => {
  const stderr = capture(true);
  const { logger, close } = createLogger(base(['console']), { stderr, color: false });
  logger.warn({ host: '127.0.0.1', port: 1883 }, 'listening');
  await close();
  assert.match(
    stderr.text[0]!,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z WARN {2}listening host=127\.0\.0\.1 port=1883\n$/,
  );
});

test('setLevel suppresses and enables debug at run time', async () => {
  const stderr = capture(false);
  const { logger, setLevel, close } = createLogger(base(['console'], 'info'), { stderr });
  logger.debug({}, 'd1');
  assert.equal(logger.isLevelEnabled('debug'), false);
  setLevel('debug');
  assert.equal(logger.level, 'debug');
  assert.equal(logger.isLevelEnabled('debug'), true);
  logger.debug({}, 'd2');
  setLevel('warn');
  logger.debug({}, 'd3');
  logger.info({}, 'i1');
  logger.warn({}, 'w1');
  assert.throws(() => {
    setLevel('loud' as never);
  }, /log\.level "loud"/);
  await close();
  const msgs = stderr.text.map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.deepEqual(msgs, ['d2', 'w1']);
});

test('a disabled level does no serialization work', async () => {
  const stderr = capture(false);
  const { logger, close } = createLogger(base(['console'], 'info'), { stderr });
  let serialized = 0;
  const probe = {
    toJSON: () => {
      serialized++;
      return 'p';
    },
  };
  for (let i = 0; i < 1000; i++) logger.debug({ probe }, 'hot path');
  assert.equal(serialized, 0);
  assert.equal(stderr.text.length, 0);
  logger.info({ probe }, 'on');
  assert.equal(serialized, 1);
  await close();
});

test('several targets at once get every enabled record, and setLevel applies to all', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'edgemq-log-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const stderr = capture(false);
  const { logger, setLevel, close } = createLogger(
    { ...base(['console', 'file', 'console'], 'info'), dir },
    { stderr },
  );
  logger.info({}, 'both');
  logger.debug({}, 'neither');
  setLevel('trace');
  logger.trace({}, 'trace too');
  logger.error({ err: new Error('boom') }, 'failure');
  await close();
  const fileMsgs = readFileSync(join(dir, 'nanomq.log'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { msg: string }).msg);
  const consoleMsgs = stderr.text.map((l) => (JSON.parse(l) as { msg: string }).msg);
  assert.deepEqual(fileMsgs, ['both', 'trace too', 'failure']);
  assert.deepEqual(consoleMsgs, fileMsgs); // duplicated target written once
  assert.match(stderr.text[2]!, /"err":\{"type":"Error","message":"boom","stack":"Error: boom/);
});

test('no targets: logging is a no-op; bad settings are config errors naming the key', async () => {
  const { logger, close } = createLogger(base([]));
  logger.error({}, 'nowhere');
  await close();
  const bad = (o: LogOptions, key: RegExp): void => {
    assert.throws(
      () => createLogger(o),
      (e: Error & { code?: string }) => e.code === 'EMQ_ERR_CONFIG_INVALID' && key.test(e.message),
    );
  };
  bad(base(['console'], 'loud' as never), /^log\.level "loud"/);
  bad(base(['stdout' as never]), /^log\.to "stdout"/);
  bad({ ...base(['file']), rotation: { size: -1, count: 1 } }, /^log\.rotation\.size -1/);
  bad({ ...base(['file']), rotation: { size: 1, count: 1.5 } }, /^log\.rotation\.count 1\.5/);
});
