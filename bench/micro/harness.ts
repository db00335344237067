// A tiny measuring helper for the micro-benchmarks. No dependency: a warm-up, then several
// time-boxed rounds, and the median round's time per operation, which resists the noise of
// the shared machines better than a mean. When two implementations are compared, their
// rounds alternate, so a burst of load from a neighbour hits both sides alike.

/**
 * Runs the operation under test `iterations` times and returns something derived from the
 * last result (it is kept, so the work cannot be optimised away). The loop belongs to the
 * body so that the call inside it stays monomorphic per benchmark.
 */
export type Body = (iterations: number) => unknown;

export interface Timing {
  /** Median over the rounds. */
  nsPerOp: number;
  opsPerSec: number;
}

/** One line of a results table: one operation, ours and (when there is one) a reference. */
export interface BenchRow {
  /** What is measured, e.g. "PUBLISH QoS 0, 64 B payload". */
  name: string;
  /** The operation, e.g. "decode", "encode", "match". */
  op: string;
  ours: Timing;
  /** The reference implementation, measured in the same run, or null. */
  baseline: Timing | null;
  /** e.g. "mqtt-packet"; empty when there is no baseline. */
  baselineName: string;
  /**
   * Median over paired rounds of (baseline time ÷ ours), as compare() returns it; more
   * robust to load bursts than the ratio of the two medians, which is used when absent.
   */
  speedup?: number;
}

export interface HarnessOptions {
  /** A few-second smoke run instead of the full measurement. */
  quick?: boolean;
}

interface Plan {
  warmupMs: number;
  roundMs: number;
  rounds: number;
}

// Short rounds, many of them: a burst of load from a neighbour spoils a few rounds, and the
// median ignores them. Full: about 0.4 s per body; quick: about 30 ms.
const FULL: Plan = { warmupMs: 100, roundMs: 20, rounds: 15 };
const QUICK: Plan = { warmupMs: 10, roundMs: 4, rounds: 5 };

export function planFor(options: HarnessOptions = {}): Readonly<Plan> {
  return options.quick === true ? QUICK : FULL;
}

let blackhole: unknown;

/** Whatever the bodies returned last; exported so that it is observably used. */
export function lastResult(): unknown {
  return blackhole;
}

function nowNs(): bigint {
  return process.hrtime.bigint();
}

/** Runs `body` in growing batches for about `ms`; returns the observed ns per operation. */
function warmUp(body: Body, ms: number): number {
  const budget = BigInt(Math.round(ms * 1e6));
  const start = nowNs();
  let batch = 1;
  let done = 0;
  let elapsed = 0n;
  while (elapsed < budget) {
    blackhole = body(batch);
    done += batch;
    elapsed = nowNs() - start;
    if (batch < 1 << 20) batch *= 2;
  }
  return Number(elapsed) / done;
}

/** One timed round of `iterations` operations; returns ns per operation. */
function round(body: Body, iterations: number): number {
  const start = nowNs();
  blackhole = body(iterations);
  return Number(nowNs() - start) / iterations;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

function timing(samples: number[]): Timing {
  const nsPerOp = median(samples);
  return { nsPerOp, opsPerSec: 1e9 / nsPerOp };
}

function iterationsFor(nsPerOp: number, roundMs: number): number {
  return Math.max(1, Math.round((roundMs * 1e6) / Math.max(nsPerOp, 0.1)));
}

/** Measures one body alone. */
export function measure(body: Body, options: HarnessOptions = {}): Timing {
  const plan = planFor(options);
  const n = iterationsFor(warmUp(body, plan.warmupMs), plan.roundMs);
  const samples: number[] = [];
  for (let r = 0; r < plan.rounds; r++) samples.push(round(body, n));
  return timing(samples);
}

export interface Comparison {
  ours: Timing;
  baseline: Timing;
  /** Median over rounds of baseline ns/op ÷ ours in the adjacent round (>1 = ours faster). */
  speedup: number;
}

/** Measures two bodies doing the same work, alternating their rounds. */
export function compare(ours: Body, baseline: Body, options: HarnessOptions = {}): Comparison {
  const plan = planFor(options);
  const nOurs = iterationsFor(warmUp(ours, plan.warmupMs), plan.roundMs);
  const nBase = iterationsFor(warmUp(baseline, plan.warmupMs), plan.roundMs);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < plan.rounds; r++) {
    // Swap who goes first every round, so neither side always runs right after a GC-heavy one.
    if (r % 2 === 0) {
      a.push(round(ours, nOurs));
      b.push(round(baseline, nBase));
    } else {
      b.push(round(baseline, nBase));
      a.push(round(ours, nOurs));
    }
  }
  return {
    ours: timing(a),
    baseline: timing(b),
    speedup: median(a.map((t, i) => (b[i] ?? t) / t)),
  };
}

/** Speed-up of ours over the baseline: ours ops/s divided by the baseline's (>1 = faster). */
export function speedup(row: BenchRow): number | null {
  if (row.baseline === null) return null;
  return row.speedup ?? row.baseline.nsPerOp / row.ours.nsPerOp;
}

function formatNs(ns: number): string {
  return ns < 100 ? ns.toFixed(1) : Math.round(ns).toLocaleString('en-US');
}

function formatOps(ops: number): string {
  return Math.round(ops).toLocaleString('en-US');
}

/**
 * A Markdown table of rows. The baseline columns are named after the rows' baseline and left
 * out when no row has one; the last column is the speed-up (edgemq ops/s ÷ baseline ops/s).
 */
export function markdownTable(rows: readonly BenchRow[]): string {
  const names = [...new Set(rows.map((r) => r.baselineName).filter((n) => n !== ''))];
  if (rows.every((r) => r.baseline === null)) {
    const lines = ['| benchmark | op | edgemq ns/op | edgemq ops/s |', '|---|---|--:|--:|'];
    for (const r of rows) {
      lines.push(
        `| ${r.name} | ${r.op} | ${formatNs(r.ours.nsPerOp)} | ${formatOps(r.ours.opsPerSec)} |`,
      );
    }
    return lines.join('\n');
  }
  const base = names.length === 1 ? (names[0] ?? 'baseline') : 'baseline';
  const lines = [
    `| benchmark | op | edgemq ns/op | edgemq ops/s | ${base} ns/op | ${base} ops/s | edgemq / ${base} |`,
    '|---|---|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const ratio = speedup(r);
    const label = names.length > 1 && r.baselineName !== '' ? ` (${r.baselineName})` : '';
    const theirs =
      r.baseline === null
        ? '- | -'
        : `${formatNs(r.baseline.nsPerOp)}${label} | ${formatOps(r.baseline.opsPerSec)}`;
    lines.push(
      `| ${r.name} | ${r.op} | ${formatNs(r.ours.nsPerOp)} | ${formatOps(r.ours.opsPerSec)} | ${theirs} | ` +
        `${ratio === null ? '-' : ratio.toFixed(2) + 'x'} |`,
    );
  }
  return lines.join('\n');
}
