// Runs every micro-benchmark and prints Markdown tables (docs/benchmarks.md quotes them).
//   npm run bench              full run (under a second per measured pair)
//   npm run bench -- --quick   few-second smoke run; its figures are not worth quoting
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { runCodecBench } from './codec.bench.js';
import { runTopicBench, type TopicBenchRow } from './topic-match.bench.js';
import { markdownTable, speedup, type BenchRow, type HarnessOptions } from './harness.js';

export interface SuiteResult {
  title: string;
  rows: BenchRow[];
  /** Lines printed under the table. */
  notes: string[];
}

/** Runs all suites; `log` receives progress lines. */
export function runAll(
  opts: HarnessOptions = {},
  log: (line: string) => void = () => undefined,
): SuiteResult[] {
  const suites: SuiteResult[] = [];
  log('codec ...');
  const codec = runCodecBench(opts);
  suites.push({ title: 'Codec (edgemq vs mqtt-packet)', rows: codec, notes: codecNotes(codec) });
  log('topic trie ...');
  const topic = runTopicBench(opts);
  suites.push({ title: 'Topic trie match (no baseline)', rows: topic, notes: topicNotes(topic) });
  return suites;
}

/** The 3x targets for a 64 B PUBLISH, decode and encode, both protocol versions. */
function codecNotes(rows: readonly BenchRow[]): string[] {
  const out = ['Small-PUBLISH targets (edgemq ops/s ÷ mqtt-packet ops/s, at least 3x):'];
  for (const r of rows) {
    if (!r.name.startsWith('PUBLISH') || !r.name.endsWith(', 64 B payload')) continue;
    if (r.op !== 'decode' && r.op !== 'encode') continue;
    const ratio = speedup(r);
    if (ratio === null) continue;
    out.push(`- ${r.name}, ${r.op}: ${ratio.toFixed(2)}x (${ratio >= 3 ? 'met' : 'MISSED'})`);
  }
  return out;
}

/** Match time at the largest trie over the smallest, per topic mix (target at most 2x). */
function topicNotes(rows: readonly TopicBenchRow[]): string[] {
  const sizes = rows.map((r) => r.subscriptions);
  const small = Math.min(...sizes);
  const large = Math.max(...sizes);
  const out = [`Match time with ${large} subscriptions ÷ with ${small} (target at most 2x):`];
  for (const topics of new Set(rows.map((r) => r.topics))) {
    const a = rows.find((r) => r.subscriptions === small && r.topics === topics);
    const b = rows.find((r) => r.subscriptions === large && r.topics === topics);
    if (a === undefined || b === undefined) continue;
    const ratio = b.ours.nsPerOp / a.ours.nsPerOp;
    out.push(`- ${topics} topic(s): ${ratio.toFixed(2)}x (${ratio <= 2 ? 'met' : 'MISSED'})`);
  }
  return out;
}

function main(): void {
  const quick = process.argv.includes('--quick');
  const suites = runAll({ quick }, (line) => process.stderr.write(`${line}\n`));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const out = [
    `node ${process.version}, ${cpus().length} CPUs (${cpu})${quick ? ', --quick (smoke run, not for quoting)' : ''}`,
    '',
  ];
  for (const suite of suites) {
    out.push(`### ${suite.title}`, '', markdownTable(suite.rows), '', ...suite.notes, '');
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
