// The console formatter, fed pino JSON lines directly: one readable line per record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConsoleStream, formatConsoleLine } from '../../src/logging/index.js';

const T = Date.parse('2026-11-22T00:40:12.345Z');
const line = (o: object): string => `${JSON.stringify(o)}\n`;

test('each level renders as `ISO-time LEVEL msg key=value`', () => {
  const cases: [number, string][] = [
    [10, 'TRACE'],
    [20, 'DEBUG'],
    [30, 'INFO '],
    [40, 'WARN '],
    [50, 'ERROR'],
    [60, 'FATAL'],
  ];
  for (const [level, label] of cases) {
    const out = formatConsoleLine(
      line({ level, time: T, msg: 'listening', kind: 'tcp', host: '127.0.0.1', port: 1883 }),
    );
    assert.equal(
      out,
      `2026-11-22T00:40:12.345Z ${label} listening kind=tcp host=127.0.0.1 port=1883\n`,
    );
  }
});

test('values: spaces, quotes and `=` are JSON-quoted; objects are JSON; no msg is fine', () => {
  const out = formatConsoleLine(
    line({ level: 30, time: T, a: 'two words', b: 'x=y', c: '', d: true, e: null, f: { g: [1] } }),
  );
  assert.equal(
    out,
    '2026-11-22T00:40:12.345Z INFO  a="two words" b="x=y" c="" d=true e=null f={"g":[1]}\n',
  );
});

test('control characters cannot break the line or reach the terminal', () => {
  const out = formatConsoleLine(
    line({ level: 40, time: T, msg: 'bad\nline\u001b[31m', clientId: 'a\nb' }),
  );
  assert.equal(out, '2026-11-22T00:40:12.345Z WARN  bad\\nline\\u001b[31m clientId="a\\nb"\n');
  assert.equal(out.split('\n').length, 2);
});

test('an error field shows type and message inline, its stack frames on the next lines', () => {
  const out = formatConsoleLine(
    line({
      level: 50,
      time: T,
      msg: 'accept failed',
      err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' },
    }),
  );
  assert.equal(
    out,
    '2026-11-22T00:40:12.345Z ERROR accept failed err="Error: boom"\n    at f (x.js:1:1)\n',
  );
});

test('colour wraps the time and the level; a non-JSON line passes through', () => {
  const out = formatConsoleLine(line({ level: 30, time: T, msg: 'hi' }), { color: true });
  assert.equal(out, '\u001b[2m2026-11-22T00:40:12.345Z\u001b[0m \u001b[32mINFO \u001b[0m hi\n');
  assert.equal(formatConsoleLine('not json'), 'not json\n');
});

test('createConsoleStream writes each formatted line to its sink synchronously', () => {
  const seen: string[] = [];
  const s = createConsoleStream((t) => seen.push(t));
  s.write(line({ level: 20, time: T, msg: 'a' }));
  assert.deepEqual(seen, ['2026-11-22T00:40:12.345Z DEBUG a\n']);
});
