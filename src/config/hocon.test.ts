import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError } from './errors.js';
import { parseHocon, parseHoconFile } from './hocon.js';

function parse(text: string, env: Record<string, string> = {}): unknown {
  return parseHocon(text, { file: 'test.conf', env }).value;
}

/** Asserts that `text` fails with EMQ_ERR_CONFIG_SYNTAX and a message matching `message`. */
function syntaxError(text: string, message: RegExp): void {
  assert.throws(
    () => parse(text),
    (e: unknown) => {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.code, 'EMQ_ERR_CONFIG_SYNTAX');
      assert.match(e.message, message);
      return true;
    },
  );
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'edgemq-hocon-'));
}

describe('HOCON parser: structure', () => {
  test('braces are optional at the root; = : and nothing before { are separators', () => {
    assert.deepEqual(parse('a = 1\nb: 2\nc { d = 3 }'), { a: 1, b: 2, c: { d: 3 } });
    assert.deepEqual(parse('{ a = 1, b = 2 }'), { a: 1, b: 2 });
  });

  test('dotted keys and nested blocks are the same thing', () => {
    assert.deepEqual(parse('log.dir = "/tmp"'), parse('log { dir = "/tmp" }'));
    assert.deepEqual(parse('a.b.c = 1'), { a: { b: { c: 1 } } });
  });

  test('quoted keys keep their dots', () => {
    assert.deepEqual(parse('"a.b" = 1\n"admin": "public"'), { 'a.b': 1, admin: 'public' });
    assert.deepEqual(parse('a."b.c".d = 1'), { a: { 'b.c': { d: 1 } } });
  });

  test('a later key overrides an earlier one; blocks merge', () => {
    assert.deepEqual(parse('a = 1\na = 2'), { a: 2 });
    assert.deepEqual(parse('a { x = 1, y = 2 }\na { y = 3 }\na.z = 4'), {
      a: { x: 1, y: 3, z: 4 },
    });
    assert.deepEqual(parse('a { x = 1 }\na = 5'), { a: 5 });
    assert.deepEqual(parse('a = 5\na { x = 1 }'), { a: { x: 1 } });
  });

  test('commas and newlines separate fields and elements; trailing commas are fine', () => {
    assert.deepEqual(parse('a = [1, 2,\n3\n4,]\nb { x = 1, y = 2, }'), {
      a: [1, 2, 3, 4],
      b: { x: 1, y: 2 },
    });
  });

  test('arrays of objects without commas (as in nanomq_acl.conf)', () => {
    assert.deepEqual(
      parse(
        'rules = [\n  {"permit": "allow", "topics": ["$SYS/#"]}\n  # comment\n  {"permit": "deny"}\n]',
      ),
      {
        rules: [{ permit: 'allow', topics: ['$SYS/#'] }, { permit: 'deny' }],
      },
    );
  });

  test('+= appends to an array', () => {
    assert.deepEqual(parse('a += 1\na += 2'), { a: [1, 2] });
    assert.deepEqual(parse('a = [0]\na += 1'), { a: [0, 1] });
  });

  test('object and array concatenation', () => {
    assert.deepEqual(parse('a = { x = 1 } { y = 2 }'), { a: { x: 1, y: 2 } });
    assert.deepEqual(parse('a = [1] [2]'), { a: [1, 2] });
  });
});

describe('HOCON parser: values', () => {
  test('numbers, booleans and null', () => {
    assert.deepEqual(parse('a = 1\nb = 1.25\nc = -3\nd = 1e3\ne = true\nf = false\ng = null'), {
      a: 1,
      b: 1.25,
      c: -3,
      d: 1000,
      e: true,
      f: false,
      g: null,
    });
  });

  test('unquoted strings: units, addresses and words stay strings', () => {
    assert.deepEqual(
      parse('a = 10s\nb = 256MB\nc = 0.0.0.0\nd = warn\ne = 0.0.0.0:1883\nf = 0123'),
      {
        a: '10s',
        b: '256MB',
        c: '0.0.0.0',
        d: 'warn',
        e: '0.0.0.0:1883',
        f: '0123',
      },
    );
  });

  test('quoted strings with JSON escapes; quoted numbers stay strings', () => {
    assert.deepEqual(parse(String.raw`a = "x\"y\\z\n\u0041"` + '\nb = "10"'), {
      a: 'x"y\\z\nA',
      b: '10',
    });
    assert.deepEqual(parse('a = "# not a comment // neither"'), {
      a: '# not a comment // neither',
    });
  });

  test('triple-quoted strings are raw and may span lines', () => {
    assert.deepEqual(parse('a = """line "1"\nline \\n 2"""'), { a: 'line "1"\nline \\n 2' });
    assert.deepEqual(parse('a = """x""""'), { a: 'x"' });
  });

  test('simple values on one line concatenate, keeping the whitespace between them', () => {
    assert.deepEqual(parse('a = hello   world  # trailing'), { a: 'hello   world' });
    assert.deepEqual(parse('a = "x" y "z"'), { a: 'x yz'.replace('yz', 'y z') });
  });

  test('comments: # and // anywhere outside strings', () => {
    assert.deepEqual(parse('# c\n// c\na = 1 # c\nb = 2 // c\nc { # c\n d = 3 // c\n}'), {
      a: 1,
      b: 2,
      c: { d: 3 },
    });
  });

  test('CRLF line ends and a BOM', () => {
    assert.deepEqual(parse('\ufeffa = 1\r\nb { c = 2 }\r\n'), { a: 1, b: { c: 2 } });
  });
});

describe('HOCON parser: substitutions', () => {
  test('${path} copies a value; ${?VAR} falls back to the environment', () => {
    assert.deepEqual(parse('a = 5\nb = ${a}\nc { d = ${a} }'), { a: 5, b: 5, c: { d: 5 } });
    assert.deepEqual(parse('dir = ${?LOGDIR}', { LOGDIR: '/var/log' }), { dir: '/var/log' });
    assert.deepEqual(parse('host = "h"\nurl = "tcp://"${host}":1883"'), {
      host: 'h',
      url: 'tcp://h:1883',
    });
  });

  test('an optional substitution that finds nothing drops the key', () => {
    assert.deepEqual(parse('a = 1\nb = ${?NOPE}'), { a: 1 });
  });

  test('a required substitution that finds nothing is an error with its position', () => {
    syntaxError('a = 1\nb = ${nope}', /^test\.conf:2:5: cannot resolve \$\{nope\}/);
  });

  test('substitution cycles are reported', () => {
    syntaxError('a = ${b}\nb = ${a}', /substitution cycle/);
  });
});

describe('HOCON parser: include', () => {
  test('include "file" is relative to the including file and merges in place', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'pwd.conf'), '"admin": "public"\n"client": "secret"\n');
    writeFileSync(join(dir, 'acl.conf'), 'rules = [{"permit": "allow"}]\n');
    writeFileSync(
      join(dir, 'main.conf'),
      'auth {\n  password = {include "pwd.conf"}\n  acl = {include file("acl.conf")}\n}\ninclude "more.conf"\nx = 2\n',
    );
    writeFileSync(join(dir, 'more.conf'), 'x = 1\ny = 1\n');
    const { value } = parseHoconFile(join(dir, 'main.conf'));
    assert.deepEqual(value, {
      auth: {
        password: { admin: 'public', client: 'secret' },
        acl: { rules: [{ permit: 'allow' }] },
      },
      x: 2,
      y: 1,
    });
  });

  test('a missing include is a warning with its position; include required() is an error', () => {
    const dir = tempDir();
    const warnings: string[] = [];
    writeFileSync(join(dir, 'a.conf'), 'a = 1\nb = {include "nope.conf"}\n');
    const { value } = parseHoconFile(join(dir, 'a.conf'), { onWarning: (w) => warnings.push(w) });
    assert.deepEqual(value, { a: 1, b: {} });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /a\.conf:2:6: include "nope\.conf": file not found \(ignored\)$/);
    writeFileSync(join(dir, 'b.conf'), 'include required("nope.conf")\n');
    assert.throws(
      () => parseHoconFile(join(dir, 'b.conf')),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'EMQ_ERR_CONFIG_FILE');
        assert.match(e.message, /b\.conf:1:1: include "nope\.conf"/);
        return true;
      },
    );
  });

  test('include cycles are detected', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'a.conf'), 'include "b.conf"\n');
    writeFileSync(join(dir, 'b.conf'), 'x = 1\ninclude "a.conf"\n');
    assert.throws(
      () => parseHoconFile(join(dir, 'a.conf')),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'EMQ_ERR_CONFIG_SYNTAX');
        assert.match(e.message, /b\.conf:2:1: include cycle: .*a\.conf -> .*b\.conf -> .*a\.conf/);
        return true;
      },
    );
  });

  test('a key named include is still a key', () => {
    assert.deepEqual(parse('include = 1\ninclude_dir { x = 2 }'), {
      include: 1,
      include_dir: { x: 2 },
    });
  });

  test('a missing top-level file is EMQ_ERR_CONFIG_FILE', () => {
    assert.throws(
      () => parseHoconFile('/nonexistent/nanomq.conf'),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'EMQ_ERR_CONFIG_FILE');
        assert.match(
          e.message,
          /cannot read config file \/nonexistent\/nanomq\.conf: no such file/,
        );
        return true;
      },
    );
  });
});

describe('HOCON parser: errors carry file:line:column', () => {
  test('an unclosed block names where it was opened', () => {
    syntaxError(
      'mqtt {\n  max_packet_size = 1KB\n',
      /^test\.conf:3:1: expected '}' to close the '\{' at 1:6$/,
    );
  });

  test('an unclosed array', () => {
    syntaxError(
      'a = [1, 2\nb = 3',
      /^test\.conf:2:3: unexpected '=' in a value \(a missing '\]', '\}' or new line before it\?\)$/,
    );
  });

  test('a key without a value', () => {
    syntaxError(
      'mqtt {\n  retry_interval\n}',
      /^test\.conf:2:17: expected '=', ':' or '\{' after the key 'retry_interval', found end of line$/,
    );
  });

  test('an unterminated string', () => {
    syntaxError('a = "abc\nb = 1', /^test\.conf:1:9: unterminated string \(opened at 1:5\)$/);
  });

  test('a stray closing brace', () => {
    syntaxError('a = 1\n}', /^test\.conf:2:1: unexpected '\}'/);
  });

  test('two values on one line without a separator', () => {
    syntaxError('a { x = 1 } b', /^test\.conf:1:13: expected ',' or a new line/);
  });

  test('an empty value', () => {
    syntaxError('a =\n', /^test\.conf:2:1: expected a value, found end of file$/);
  });

  test('empty key elements and __proto__', () => {
    syntaxError('a..b = 1', /^test\.conf:1:3: empty key element/);
    syntaxError('__proto__ { x = 1 }', /__proto__/);
  });

  test('an unknown escape', () => {
    syntaxError('a = "\\q"', /^test\.conf:1:6: unknown escape/);
  });

  test('an array at the root', () => {
    syntaxError('[1, 2]', /root of a config file must be an object/);
  });
});

describe('HOCON parser: origins', () => {
  test('records where each key was written', () => {
    const { origins } = parseHocon(
      'mqtt {\n  retry_interval = 5s\n}\nlog.level = info\nl = [\n  1\n]',
      { file: 'x.conf' },
    );
    assert.deepEqual(origins.get('mqtt.retry_interval'), {
      kind: 'file',
      file: 'x.conf',
      line: 2,
      column: 3,
    });
    assert.deepEqual(origins.get('log.level'), {
      kind: 'file',
      file: 'x.conf',
      line: 4,
      column: 1,
    });
    assert.deepEqual(origins.get('l.0'), { kind: 'file', file: 'x.conf', line: 6, column: 3 });
  });
});
