// `edgemq bench`: short runs with few clients against an edgemq broker. The structure of
// the output is checked (progress, live lines, summary with percentiles), never the speed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBroker, type RunningBroker } from '../helpers/broker.js';
import { Children, type Child } from '../helpers/child.js';
import { isSubscribed } from '../helpers/subscribed.js';
import { LatencyHistogram } from '../../src/cli/bench/histogram.js';
import { cli } from './cli.js';

const PERCENTILES = /p50=[\d.]+ms p90=[\d.]+ms p99=[\d.]+ms max=[\d.]+ms n=\d+/;

/** The RESULT line's fields. */
function result(child: Child): Map<string, string> {
  const line = child.stdout.split('\n').find((l) => l.startsWith('RESULT '));
  assert.ok(line !== undefined, child.describe());
  return new Map(
    line
      .slice(7)
      .split(' ')
      .map((kv) => kv.split('=') as [string, string]),
  );
}

function assertStructure(child: Child, total: number): void {
  assert.equal(child.exit?.code, 0, child.describe());
  const out = child.stdout;
  assert.match(out, new RegExp(`^connecting \\d+/${total}$`, 'm'), 'progress line');
  assert.match(out, new RegExp(`^connected ${total}/${total} in [\\d.]+ s \\(0 failed\\)$`, 'm'));
  assert.match(out, /^t=[\d.]+s connected=\d+ sent\/s=[\d.]+ recv\/s=[\d.]+/m, 'a live line');
  assert.match(out, /^summary: mode=\w+ .*connected=\d+ failed=0/m);
  assert.equal(child.stderr, '', child.describe());
}

describe('edgemq bench', { concurrency: true }, () => {
  let broker: RunningBroker;
  let port: string;
  before(async () => {
    broker = await startBroker();
    port = String(broker.port);
  });
  after(async () => {
    await broker.close();
  });
  const at = (): string[] => ['-h', '127.0.0.1', '-p', port];

  test('bench sub + bench pub: %i topics, end-to-end latency from the embedded send time', async () => {
    const children = new Children();
    try {
      const prefix = `t${process.pid}-`;
      const sub = cli(children, [
        'bench',
        'sub',
        ...at(),
        '-c',
        '2',
        '-i',
        '0',
        '-t',
        'bs/%i',
        '-d',
        '3',
        '-q',
        '1',
        '--prefix',
        prefix,
      ]);
      await sub.waitUntil((c) => c.stdout.includes('connected 2/2'), 'subscribers', 15_000);
      assert.ok(isSubscribed(broker.broker, `${prefix}sub-0`, ['bs/0']));
      assert.ok(isSubscribed(broker.broker, `${prefix}sub-1`, ['bs/1']));
      const pub = cli(children, [
        'bench',
        'pub',
        ...at(),
        '-c',
        '2',
        '-i',
        '0',
        '-t',
        'bs/%i',
        '-I',
        '20',
        '-d',
        '1',
        '-q',
        '1',
        '-s',
        '32',
        '-V',
        '4',
      ]);
      await pub.wait(15_000);
      assertStructure(pub, 2);
      assert.match(pub.stdout, new RegExp(`^latency publish->ack: ${PERCENTILES.source}`, 'm'));
      await sub.wait(15_000);
      assertStructure(sub, 2);
      assert.match(sub.stdout, new RegExp(`^latency end-to-end: ${PERCENTILES.source}`, 'm'));
      const sent = Number(result(pub).get('sent'));
      const received = Number(result(sub).get('received'));
      assert.ok(sent > 0 && received > 0, `${sent} sent, ${received} received`);
    } finally {
      await children.killAll();
    }
  });

  test('bench pubsub at the maximum rate with QoS 1; -n limit ends it', async () => {
    const children = new Children();
    try {
      const both = cli(children, [
        'bench',
        'pubsub',
        ...at(),
        '-c',
        '2',
        '-i',
        '0',
        '-t',
        'bp/%i',
        '-I',
        '0',
        '-q',
        '1',
        '-n',
        '3000',
        '-d',
        '10',
      ]);
      await both.wait(20_000);
      assertStructure(both, 4);
      const r = result(both);
      assert.equal(r.get('mode'), 'pubsub');
      assert.equal(r.get('sent'), '6000');
      assert.equal(r.get('received'), '6000');
      assert.match(both.stdout, new RegExp(`^latency end-to-end: ${PERCENTILES.source}`, 'm'));
    } finally {
      await children.killAll();
    }
  });

  test('bench conn: connect latency percentiles, connections held for -d', async () => {
    const children = new Children();
    try {
      const conn = cli(children, [
        'bench',
        'conn',
        ...at(),
        '-c',
        '20',
        '-i',
        '1',
        '-d',
        '1',
        '-V',
        '3',
      ]);
      await conn.wait(15_000);
      assertStructure(conn, 20);
      assert.match(
        conn.stdout,
        new RegExp(`^latency connect->connack: ${PERCENTILES.source}`, 'm'),
      );
      assert.equal(result(conn).get('connected'), '20');
    } finally {
      await children.killAll();
    }
  });
});

describe('bench latency histogram', () => {
  test('percentiles within the bucket resolution, exact max, empty is 0', () => {
    const h = new LatencyHistogram();
    assert.equal(h.percentile(0.5), 0);
    for (let v = 1; v <= 100_000; v++) h.record(v);
    for (const q of [0.5, 0.9, 0.99]) {
      const want = q * 100_000;
      const got = h.percentile(q);
      assert.ok(Math.abs(got - want) / want < 0.035, `p${q * 100}: ${got} vs ${want}`);
    }
    assert.equal(h.max, 100_000);
    assert.equal(h.percentile(1), 100_000);
    h.record(-5);
    assert.equal(h.min, 0);
    h.record(1e12); // beyond the last bucket: counted there, max stays exact
    assert.equal(h.max, 1e12);
    h.reset();
    assert.equal(h.count, 0);
  });
});
