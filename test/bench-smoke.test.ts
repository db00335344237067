// Smoke test of the micro-benchmarks: every suite runs in quick mode (a few seconds) and
// every row measures something. No thresholds: timings on shared machines are not tests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runAll } from '../bench/micro/run.js';
import type { Timing } from '../bench/micro/harness.js';

function assertRate(timing: Timing, what: string): void {
  assert.ok(
    Number.isFinite(timing.opsPerSec) && timing.opsPerSec > 0,
    `${what}: ops/s ${timing.opsPerSec}`,
  );
  assert.ok(
    Number.isFinite(timing.nsPerOp) && timing.nsPerOp > 0,
    `${what}: ns/op ${timing.nsPerOp}`,
  );
}

test('micro-benchmarks run in quick mode and every row has a positive finite rate', () => {
  const suites = runAll({ quick: true });
  assert.ok(suites.length >= 2, 'codec and topic suites');
  for (const suite of suites) {
    assert.ok(suite.rows.length > 0, `${suite.title}: no rows`);
    for (const row of suite.rows) {
      const what = `${suite.title} / ${row.name} / ${row.op}`;
      assertRate(row.ours, what);
      if (row.baseline !== null) assertRate(row.baseline, `${what} (${row.baselineName})`);
    }
  }
});
