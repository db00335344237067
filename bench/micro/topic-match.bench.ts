// Topic-trie micro-benchmark: match time at 1k, 10k and 100k subscriptions, and the heap a
// 100k trie takes. The claim under test: a match costs about the same however many
// subscriptions do NOT match (target: 100k at most 2x the time of 1k).
//
//   node --import tsx bench/micro/topic-match.bench.ts [--quick]
//   node --expose-gc --import tsx bench/micro/topic-match.bench.ts    (adds heap figures)
//
// The subscription mix, per size N:
// - fixed at every size: 3 x `+/+/telemetry`, `device/#`, `#`, 200 members of
//   `$share/ingest/device/+/telemetry`, 100 x `$share/alerts<k>/device/<k>/alarm`;
// - the rest, one device each: 70% `device/<d>/telemetry`, 20% `device/<d>/+`,
//   10% `device/<d>/#`.
// Every measured topic is `device/<d>/telemetry` for a device with an exact subscription, so
// each match visits the same 7 entries at every size (1 exact, 3 monitors, device/#, #, and
// the ingest group): only the non-matching subscriptions grow. "1 topic" repeats one topic;
// "1024 topics" cycles through devices spread over the whole trie (cache misses included).
import { pathToFileURL } from 'node:url';
import { SubscriptionTrie, type SharedGroup } from '../../src/topic/index.js';
import { measure, type BenchRow, type HarnessOptions } from './harness.js';

export interface TopicBenchRow extends BenchRow {
  subscriptions: number;
  /** Topics cycled through: 1 (hot) or 1024. */
  topics: number;
  /** Entries visited per match (same at every size by construction). */
  visitsPerOp: number;
  /** Heap retained by the trie and its filter strings; null without --expose-gc. */
  heapBytes: number | null;
}

interface Sub {
  filter: string;
  key: string;
  group: string | null;
}

const SIZES = [1_000, 10_000, 100_000] as const;
const ROTATING = 1024;

function fixedSubs(): Sub[] {
  const subs: Sub[] = [];
  for (let i = 0; i < 3; i++)
    subs.push({ filter: '+/+/telemetry', key: `monitor${i}`, group: null });
  subs.push({ filter: 'device/#', key: 'archiver', group: null });
  subs.push({ filter: '#', key: 'debug', group: null });
  for (let i = 0; i < 200; i++) {
    subs.push({ filter: 'device/+/telemetry', key: `ingest${i}`, group: 'ingest' });
  }
  for (let k = 0; k < 100; k++) {
    subs.push({ filter: `device/${k}/alarm`, key: `alerter${k}`, group: `alerts${k}` });
  }
  return subs;
}

/** Devices 0..n-1; device d's own filter depends on d % 10. */
function deviceFilter(d: number): string {
  const kind = d % 10;
  if (kind < 7) return `device/${d}/telemetry`;
  if (kind < 9) return `device/${d}/+`;
  return `device/${d}/#`;
}

function build(size: number): SubscriptionTrie<string, number> {
  const trie = new SubscriptionTrie<string, number>();
  const fixed = fixedSubs();
  for (const s of fixed) trie.add(s.filter, s.key, 1, s.group);
  const devices = size - fixed.length;
  for (let d = 0; d < devices; d++) trie.add(deviceFilter(d), `client${d}`, 1);
  if (trie.size !== size) throw new Error(`built ${trie.size} subscriptions, wanted ${size}`);
  return trie;
}

/** `count` topics for devices with an exact subscription, spread over all devices. */
function topicsFor(size: number, count: number): string[] {
  const devices = size - fixedSubs().length;
  const out: string[] = [];
  for (let j = 0; j < count; j++) {
    const spread = Math.floor(((j + 0.5) * devices) / count);
    const d = spread - (spread % 10) + (j % 7); // d % 10 < 7: an exact filter
    out.push(`device/${d < devices ? d : d - 10}/telemetry`);
  }
  return out;
}

class Counter {
  visits = 0;
}

function onSub(value: number, _key: string, _filter: string, ctx: Counter): void {
  ctx.visits += value;
}

function onGroup(group: SharedGroup<string, number>, ctx: Counter): void {
  ctx.visits += group.size > 0 ? 1 : 0;
}

function matchBody(trie: SubscriptionTrie<string, number>, topics: string[]) {
  const mask = topics.length - 1; // a power of two
  const ctx = new Counter();
  return (n: number): number => {
    ctx.visits = 0;
    for (let i = 0; i < n; i++) trie.matchAll(topics[i & mask] as string, onSub, onGroup, ctx);
    return ctx.visits;
  };
}

/** Builds the trie; with gc exposed, also the heap it retains (filter strings included). */
function buildMeasured(size: number): {
  trie: SubscriptionTrie<string, number>;
  heap: number | null;
} {
  const gc = globalThis.gc;
  if (gc === undefined) return { trie: build(size), heap: null };
  gc();
  gc();
  const before = process.memoryUsage().heapUsed;
  const trie = build(size);
  gc();
  gc();
  return { trie, heap: process.memoryUsage().heapUsed - before };
}

function label(size: number): string {
  return size >= 1000 ? `${size / 1000}k` : String(size);
}

/** Gets the match path optimised before the first row, so --quick rows are not JIT warm-up. */
function prewarm(): void {
  const trie = build(SIZES[0]);
  const body = matchBody(trie, topicsFor(SIZES[0], ROTATING));
  for (let i = 0; i < 20; i++) body(10_000);
}

/** Runs the suite; rows fit the micro-bench runner's BenchRow (no baseline). */
export function runTopicBench(opts: HarnessOptions = {}): TopicBenchRow[] {
  prewarm();
  const rows: TopicBenchRow[] = [];
  for (const size of SIZES) {
    const { trie, heap } = buildMeasured(size);
    for (const topics of [topicsFor(size, 1), topicsFor(size, ROTATING)]) {
      const probe = new Counter();
      const visitsPerOp = trie.matchAll(topics[0] as string, onSub, onGroup, probe);
      rows.push({
        name: `${label(size)} subscriptions, ${topics.length} topic${topics.length > 1 ? 's' : ''}`,
        op: 'match',
        ours: measure(matchBody(trie, topics), opts),
        baseline: null,
        baselineName: '',
        subscriptions: size,
        topics: topics.length,
        visitsPerOp,
        heapBytes: heap,
      });
    }
  }
  return rows;
}

/** A plain-text table plus the 100k/1k ratios and the 100k heap figure. */
export function formatTopicBench(rows: readonly TopicBenchRow[]): string {
  const lines = ['subscriptions  topics  visits/op     ns/op   heap (MB)  B/sub'];
  for (const r of rows) {
    const heap = r.heapBytes === null ? 'n/a' : (r.heapBytes / 1048576).toFixed(1);
    const perSub = r.heapBytes === null ? 'n/a' : Math.round(r.heapBytes / r.subscriptions);
    lines.push(
      `${String(r.subscriptions).padStart(13)}  ${String(r.topics).padStart(6)}  ` +
        `${String(r.visitsPerOp).padStart(9)}  ${r.ours.nsPerOp.toFixed(1).padStart(8)}  ` +
        `${heap.padStart(10)}  ${String(perSub).padStart(5)}`,
    );
  }
  for (const topics of [1, ROTATING]) {
    const small = rows.find((r) => r.subscriptions === SIZES[0] && r.topics === topics);
    const large = rows.find((r) => r.subscriptions === SIZES[2] && r.topics === topics);
    if (small === undefined || large === undefined) continue;
    const ratio = large.ours.nsPerOp / small.ours.nsPerOp;
    lines.push(
      `100k/1k ratio, ${topics} topic(s): ${ratio.toFixed(2)}x (target <= 2x: ${ratio <= 2 ? 'met' : 'MISSED'})`,
    );
  }
  const bigHeap = rows.find((r) => r.subscriptions === SIZES[2])?.heapBytes ?? null;
  const heapText =
    bigHeap === null ? 'n/a (run node with --expose-gc)' : `${(bigHeap / 1048576).toFixed(1)} MB`;
  lines.push(`heap for 100k subscriptions: ${heapText}`);
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = runTopicBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(`node ${process.version}\n${formatTopicBench(rows)}\n`);
}
