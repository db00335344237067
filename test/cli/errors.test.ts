// Bad input to the client tools and the bench: one line on stderr, the right exit code, no
// stack trace; --help everywhere.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { assertOneErrorLine, run } from './cli.js';
import { freePort } from '../helpers/free-port.js';

describe('CLI tools: bad input and --help', { concurrency: true }, () => {
  let dead: string;
  before(async () => {
    dead = String(await freePort());
  });

  test('an unknown flag: exit 2, one line naming it', async () => {
    assertOneErrorLine(
      await run(['pub', '-t', 'a', '-m', 'x', '--bogus']),
      2,
      /unknown option --bogus/,
    );
  });

  test('a bad value: exit 2, one line naming the flag', async () => {
    assertOneErrorLine(
      await run(['sub', '-t', 'a', '-q', '3']),
      2,
      /--qos: expected an integer in 0\.\.2, got '3'/,
    );
  });

  test('a v5 property without -V 5: exit 2', async () => {
    assertOneErrorLine(
      await run(['pub', '-t', 'a', '-m', 'x', '--content-type', 'text']),
      2,
      /--content-type needs MQTT 5/,
    );
  });

  test('pub and sub to an unreachable broker: exit 1, one line saying unreachable', async () => {
    const [pub, sub] = await Promise.all([
      run(['pub', '-h', '127.0.0.1', '-p', dead, '-t', 'a', '-m', 'x']),
      run(['sub', '-h', '127.0.0.1', '-p', dead, '-t', 'a']),
    ]);
    assertOneErrorLine(
      pub,
      1,
      new RegExp(`^edgemq pub: broker 127\\.0\\.0\\.1:${dead} is unreachable`),
    );
    assertOneErrorLine(sub, 1, /^edgemq sub: .* unreachable/);
  });

  test('bench: bad mode, missing topic, bad value, unreachable', async () => {
    const [mode, topic, qos, down] = await Promise.all([
      run(['bench', 'flood']),
      run(['bench', 'pub', '-c', '1']),
      run(['bench', 'sub', '-t', 'x', '-q', '3']),
      run(['bench', 'conn', '-h', '127.0.0.1', '-p', dead, '-c', '2', '-i', '0']),
    ]);
    assertOneErrorLine(mode, 2, /unknown mode 'flood'/);
    assertOneErrorLine(topic, 2, /missing -t TOPIC/);
    assertOneErrorLine(qos, 2, /^edgemq bench: --qos: expected an integer in 0\.\.2/);
    assert.equal(down.exit?.code, 1, down.describe());
    assert.match(down.stderr, /^edgemq bench: broker 127\.0\.0\.1:\d+ is unreachable/);
    assert.equal(down.stderr.trimEnd().split('\n').length, 1, down.describe());
  });

  test('--help on every command: exit 0 and its usage', async () => {
    const cases: [string[], RegExp][] = [
      [['pub', '--help'], /^Usage: edgemq pub /],
      [['sub', '--help'], /^Usage: edgemq sub /],
      [['conn', '--help'], /^Usage: edgemq conn /],
      [['bench', '--help'], /^Usage: edgemq bench \{ pub \| sub \| conn \| pubsub \}/],
      [['bench', 'start', 'pub', '--help'], /^Usage: edgemq bench pub /],
    ];
    const children = await Promise.all(cases.map(([args]) => run(args)));
    children.forEach((child, i) => {
      assert.equal(child.exit?.code, 0, child.describe());
      assert.match(child.stdout, cases[i]![1]);
      assert.equal(child.stderr, '');
    });
  });
});
