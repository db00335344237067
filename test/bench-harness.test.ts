// Smoke run of the broker comparison harness (../shared/bench/: the C load generator
// mqtt-load that run-compare.sh drives) against edgemq, so that the harness, its RESULT line
// and bench/plot.ts never rot. A second or two of load, no speed thresholds: timings on
// shared machines are not tests. Without a C compiler the run is skipped locally and fails
// under CI=true (like test/helpers/peers.ts requirePeer).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  compact,
  parseResultLine,
  parseResults,
  peakKb,
  renderSvg,
  runDateOf,
  scenarioIdOf,
  type RunRecord,
} from '../bench/plot.js';
import { startBroker } from './helpers/broker.js';
import { findBinary } from './helpers/peers.js';

const SHARED_BENCH = fileURLToPath(new URL('../../shared/bench/', import.meta.url));
const LOAD_SOURCE = join(SHARED_BENCH, 'mqtt-load.c');

/** Marks the test skipped (locally) or throws (CI=true) when a prerequisite is missing. */
function prerequisite(t: TestContext, ok: boolean, why: string): boolean {
  if (ok) return true;
  if (process.env.CI === 'true') throw new Error(`${why}; CI must run the benchmark harness`);
  t.skip(why);
  return false;
}

interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a program to completion without blocking the event loop (the broker is in-process). */
function run(file: string, args: readonly string[], timeoutMs = 20_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err !== null) {
        reject(new Error(`${file} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`));
        return;
      }
      resolve({ stdout, stderr });
    });
  });
}

/** The last RESULT line of an mqtt-load run, parsed. */
function resultOf(out: Ran): RunRecord {
  const line = out.stdout
    .split('\n')
    .filter((l) => l.startsWith('RESULT '))
    .pop();
  assert.ok(line !== undefined, `no RESULT line in:\n${out.stdout}\n${out.stderr}`);
  const record = parseResultLine(line);
  assert.ok(record !== null, `unparsable RESULT line: ${line}`);
  return record;
}

function int(record: RunRecord, key: string): number {
  const raw = record.fields[key];
  assert.ok(raw !== undefined, `RESULT has no ${key}`);
  const v = Number(raw);
  assert.ok(Number.isFinite(v), `${key}=${raw}`);
  return v;
}

// Lines as run-compare.sh writes them (fields shortened).
const RESULTS_TXT = `
broker=mosquitto scenario_id=pairs-q0 status=ok peak_kb=8664 scenario=pairs mqtt=3.1.1 qos=0 pubs=4 subs=4 size=64 rate=max duration_s=5.00 warmup_s=1.00 sent=639707 received=639707 lost=0 dup=0 recv_rate=107506 p99_us=46137.3 gen_cpu_pct=82.1 hwm_kb=8664
broker=edgemq scenario_id=pairs-q0 status=ok peak_kb=94300 scenario=pairs mqtt=3.1.1 qos=0 pubs=4 subs=4 size=64 rate=max duration_s=5.00 warmup_s=1.00 sent=3436179 received=3436179 lost=0 dup=0 recv_rate=621745 p99_us=16252.9 gen_cpu_pct=8.4 hwm_kb=94300

broker=mosquitto scenario_id=latency-q1 status=ok peak_kb=8668 scenario=pairs mqtt=3.1.1 qos=1 pubs=10 subs=10 size=64 rate=1000 recv_rate=10000 p99_us=1245.2 lost=0 dup=0
broker=edgemq scenario_id=latency-q1 status=ok peak_kb=62484 scenario=pairs mqtt=3.1.1 qos=1 pubs=10 subs=10 size=64 rate=1000 recv_rate=10000 p99_us=737.3 lost=0 dup=0
broker=aedes scenario_id=pairs-q0 status=broker_failed
broker=mosquitto scenario_id=conn status=ok peak_kb=12240 scenario=conn mqtt=3.1.1 conns=5000 connected=5000 concurrency=100 conn_rate=26510 per_conn_kb=0.72
broker=edgemq scenario_id=conn status=ok peak_kb=121412 scenario=conn mqtt=3.1.1 conns=5000 connected=5000 concurrency=100 conn_rate=7526 per_conn_kb=11.86
broker=<odd&name> scenario_id=conn status=ok peak_kb=0 scenario=conn conns=5000 connected=5000 conn_rate=100 hwm_kb=2048
`;

describe('bench/plot.ts parsing and rendering', () => {
  test('parses run-compare lines: broker, scenario id, status and every field', () => {
    const records = parseResults(RESULTS_TXT);
    assert.equal(records.length, 8, 'blank lines are skipped');
    const first = records[0]!;
    assert.equal(first.broker, 'mosquitto');
    assert.equal(first.scenarioId, 'pairs-q0');
    assert.equal(first.status, 'ok');
    assert.equal(first.fields.recv_rate, '107506');
    assert.equal(first.fields.p99_us, '46137.3');
    const failed = records.find((r) => r.broker === 'aedes')!;
    assert.equal(failed.status, 'broker_failed');
    assert.equal(failed.fields.recv_rate, undefined);
    assert.equal(peakKb(first), 8664);
    assert.equal(peakKb(records[7]!), 2048, 'peak_kb=0 falls back to hwm_kb');
    assert.equal(peakKb(failed), null);
  });

  test('parses bare mqtt-load RESULT lines and infers the scenario id', () => {
    const r = parseResultLine('RESULT scenario=pairs mqtt=3.1.1 qos=2 rate=max recv_rate=5', 'x');
    assert.ok(r !== null);
    assert.equal(r.broker, 'x');
    assert.equal(r.scenarioId, 'pairs-q2');
    assert.equal(r.status, 'ok');
    assert.equal(scenarioIdOf({ scenario: 'pairs', qos: '1', rate: '1000' }), 'latency-q1');
    assert.equal(scenarioIdOf({ scenario: 'fanout', qos: '0', rate: 'max' }), 'fanout-q0');
    assert.equal(scenarioIdOf({ scenario: 'conn' }), 'conn');
    assert.equal(parseResultLine('   '), null);
    assert.equal(parseResultLine('# a comment=1'), null);
    assert.equal(parseResultLine('no pairs here'), null);
  });

  test('run date from the results folder name; compact numbers', () => {
    assert.equal(runDateOf('/x/results/20261122-002919/results.txt'), '2026-11-22 00:29');
    assert.equal(runDateOf('/tmp/results.txt'), null);
    assert.equal(compact(621745), '622k');
    assert.equal(compact(2685658), '2.69M');
    assert.equal(compact(10000), '10.0k');
    assert.equal(compact(950), '950');
  });

  test('renders every scenario and broker, the edgemq ÷ mosquitto ratios, escaped names', () => {
    const svg = renderSvg(parseResults(RESULTS_TXT), { date: '2026-11-22 00:29' });
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /<\/svg>\n$/);
    for (const s of ['pairs-q0', 'latency-q1', 'conn', 'edgemq', 'mosquitto', 'aedes'])
      assert.ok(svg.includes(s), s);
    assert.ok(svg.includes('5.78×'), 'pairs-q0 throughput ratio');
    assert.ok(svg.includes('p99 0.59×'), 'latency-q1 p99 ratio');
    assert.ok(svg.includes('0.28×'), 'connection storm ratio');
    assert.ok(svg.includes('broker_failed'), 'a failed run is shown, not dropped');
    assert.ok(svg.includes('2026-11-22 00:29'));
    assert.ok(svg.includes('&lt;odd&amp;name&gt;') && !svg.includes('<odd&'), 'names are escaped');
  });
});

describe('comparison harness smoke run (mqtt-load against edgemq)', () => {
  test('mqtt-load builds, loads edgemq for a second, and its RESULT lines plot', async (t) => {
    const cc = findBinary('cc');
    if (!prerequisite(t, cc !== null, 'cc is not installed (apt-get install -y gcc)')) return;
    if (!prerequisite(t, existsSync(LOAD_SOURCE), `${LOAD_SOURCE} not found`)) return;

    const dir = mkdtempSync(join(tmpdir(), 'edgemq-bench-'));
    try {
      const bin = join(dir, 'mqtt-load');
      await run(cc!, ['-O2', '-o', bin, LOAD_SOURCE, '-lpthread'], 60_000);
      const broker = await startBroker();
      try {
        const common = ['-h', '127.0.0.1', '-p', String(broker.port)];
        common.push('--broker-pid', String(process.pid));

        const pairs = resultOf(
          await run(bin, [
            ...common,
            ...['-s', 'pairs', '-P', '2', '-q', '1', '-d', '1', '--warmup', '0', '--drain', '1'],
          ]),
        );
        assert.equal(pairs.scenarioId, 'pairs-q1');
        assert.ok(int(pairs, 'sent') > 0, 'sent');
        assert.ok(int(pairs, 'received') > 0, 'received');
        assert.equal(int(pairs, 'lost'), 0, 'lost at QoS 1');
        assert.equal(int(pairs, 'dup'), 0, 'duplicated at QoS 1');

        const conn = resultOf(
          await run(bin, [
            ...common,
            ...['-s', 'conn', '-C', '200', '--concurrency', '20', '--hold', '0'],
          ]),
        );
        assert.equal(conn.scenarioId, 'conn');
        assert.equal(int(conn, 'connected'), 200);

        const svg = renderSvg([pairs, conn]);
        assert.ok(svg.includes('<svg'), 'an SVG');
        assert.ok(svg.includes('pairs-q1'), 'the message scenario');
        assert.ok(svg.includes('Connection storm'), 'the connection storm panel');
      } finally {
        await broker.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
