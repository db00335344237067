// Draws the broker comparison of ../shared/bench/run-compare.sh as one self-contained SVG:
// throughput per message scenario (log axis, one bar per broker, edgemq ÷ mosquitto beside
// the edgemq bar), the connection storm (conn/s) and peak RSS per scenario. No dependency:
// the SVG is written by hand.
//
//   node --import tsx bench/plot.ts <results.txt | run dir | results root> [out.svg]
//
// The default output is docs/benchmarks-throughput.svg. Given the results root (a folder of
// <timestamp> run folders), the newest run in which edgemq, mosquitto and aedes all have
// status=ok everywhere is used.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One broker × scenario line of results.txt (or a bare `RESULT` line of mqtt-load). */
export interface RunRecord {
  readonly broker: string;
  /** run-compare's scenario name, e.g. "pairs-q1", "latency-q1", "conn". */
  readonly scenarioId: string;
  /** "ok", "skipped", "broker_failed", "load_rc_1", "broker_died", "no_result". */
  readonly status: string;
  /** Every key=value of the line, as written. */
  readonly fields: Readonly<Record<string, string>>;
}

/** The order and names run-compare.sh uses for the message scenarios. */
export const MESSAGE_SCENARIOS = [
  'pairs-q0',
  'pairs-q1',
  'pairs-q2',
  'fanout-q0',
  'fanin-q0',
  'latency-q1',
] as const;

const KNOWN_BROKERS = ['edgemq', 'mosquitto', 'aedes'] as const;
const BROKER_COLOURS: Readonly<Record<string, string>> = {
  edgemq: '#2563eb',
  mosquitto: '#16a34a',
  aedes: '#ea580c',
};
const EXTRA_COLOURS = ['#7c3aed', '#db2777', '#0891b2', '#64748b', '#a16207'];

/**
 * run-compare's scenario id for a bare mqtt-load RESULT line (which does not carry it):
 * "conn", "<scenario>-q<qos>", or "latency-q<qos>" for pairs at a fixed rate.
 */
export function scenarioIdOf(fields: Readonly<Record<string, string>>): string {
  const scenario = fields.scenario ?? 'unknown';
  if (scenario === 'conn') return 'conn';
  const qos = fields.qos ?? '0';
  const rate = fields.rate ?? 'max';
  if (scenario === 'pairs' && rate !== 'max' && rate !== '0') return `latency-q${qos}`;
  return `${scenario}-q${qos}`;
}

/**
 * Parses one line: `broker=.. scenario_id=.. status=.. peak_kb=.. <RESULT fields>` as
 * run-compare writes it, or `RESULT <fields>` as mqtt-load prints it (then the broker is
 * `defaultBroker`, the scenario id is inferred and the status is "ok"). Returns null for
 * blank lines, comments and lines without key=value pairs.
 */
export function parseResultLine(line: string, defaultBroker = 'edgemq'): RunRecord | null {
  let body = line.trim();
  if (body === '' || body.startsWith('#')) return null;
  if (body.startsWith('RESULT ')) body = body.slice('RESULT '.length);
  const fields: Record<string, string> = {};
  let pairs = 0;
  for (const token of body.split(/\s+/)) {
    const eq = token.indexOf('=');
    if (eq <= 0) continue;
    fields[token.slice(0, eq)] = token.slice(eq + 1);
    pairs++;
  }
  if (pairs === 0) return null;
  return {
    broker: fields.broker ?? defaultBroker,
    scenarioId: fields.scenario_id ?? scenarioIdOf(fields),
    status: fields.status ?? 'ok',
    fields,
  };
}

/** All records of a results.txt (or of any text holding RESULT lines), in file order. */
export function parseResults(text: string, defaultBroker = 'edgemq'): RunRecord[] {
  const out: RunRecord[] = [];
  for (const line of text.split('\n')) {
    const record = parseResultLine(line, defaultBroker);
    if (record !== null) out.push(record);
  }
  return out;
}

/** A numeric field, or null when it is absent or not a finite number. */
export function numberField(record: RunRecord, key: string): number | null {
  const raw = record.fields[key];
  if (raw === undefined || raw === '' || raw === '-') return null;
  const v = Number(raw);
  return Number.isFinite(v) ? v : null;
}

/** Peak RSS in kB: run-compare's VmHWM read before stopping the broker, else mqtt-load's. */
export function peakKb(record: RunRecord): number | null {
  const a = numberField(record, 'peak_kb');
  if (a !== null && a > 0) return a;
  const b = numberField(record, 'hwm_kb');
  return b !== null && b > 0 ? b : null;
}

/**
 * The newest run folder under `root` whose results.txt has every broker of `brokers` with
 * status=ok on every line (and at least one line each), or null.
 */
export function pickLatestRun(
  root: string,
  brokers: readonly string[] = KNOWN_BROKERS,
): string | null {
  const runs = readdirSync(root)
    .filter((name) => existsSync(join(root, name, 'results.txt')))
    .sort()
    .reverse();
  for (const name of runs) {
    const records = parseResults(readFileSync(join(root, name, 'results.txt'), 'utf8'));
    const complete = brokers.every((b) => {
      const mine = records.filter((r) => r.broker === b);
      return mine.length > 0 && mine.every((r) => r.status === 'ok');
    });
    if (complete) return join(root, name);
  }
  return null;
}

/** "2026-11-22 00:29" from a path holding run-compare's <YYYYMMDD-HHMMSS> folder, or null. */
export function runDateOf(path: string): string | null {
  const m = /(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(path);
  if (m === null) return null;
  return `${m[1]}-${m[2]}-${m[3]} ${m[4]}:${m[5]}`;
}

// ------------------------------------------------------------------------------ rendering

export interface PlotOptions {
  /** Shown in the title, e.g. "2026-11-22 00:29". */
  readonly date?: string;
  /** Shown in the footer, e.g. "results/20261122-002919/results.txt". */
  readonly source?: string;
}

function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Three significant digits with a k/M suffix: 621745 → "622k", 2685658 → "2.69M". */
export function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${(v / 1e3).toPrecision(3)}k`;
  if (a >= 100) return v.toFixed(0);
  return v.toPrecision(3);
}

/** Axis tick labels: as short as possible, 1000 → "1k", 2500 → "2.5k". */
function tickLabel(v: number): string {
  if (v === 0) return '0';
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  return `${+v.toPrecision(3)}`;
}

function ratioText(r: number): string {
  return `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`;
}

function mbText(kb: number): string {
  const mb = kb / 1024;
  return mb < 10 ? mb.toFixed(1) : mb.toFixed(0);
}

/** A "nice" upper bound (1, 2, 2.5, 5 × 10^k) and step for a linear axis starting at 0. */
function niceLinear(max: number, ticks = 4): { max: number; step: number } {
  if (!(max > 0)) return { max: 1, step: 0.25 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  return { max: Math.ceil(max / step) * step, step };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

class Svg {
  readonly parts: string[] = [];
  text(x: number, y: number, content: string, cls: string, extra = ''): void {
    this.parts.push(`<text x="${fmt(x)}" y="${fmt(y)}" class="${cls}"${extra}>${content}</text>`);
  }
  rect(x: number, y: number, w: number, h: number, fill: string, extra = '', tip = ''): void {
    const open = `<rect x="${fmt(x)}" y="${fmt(y)}" width="${fmt(Math.max(0, w))}" height="${fmt(h)}" fill="${fill}"${extra}`;
    this.parts.push(tip === '' ? `${open}/>` : `${open}><title>${esc(tip)}</title></rect>`);
  }
  line(x1: number, y1: number, x2: number, y2: number, cls: string): void {
    this.parts.push(
      `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" class="${cls}"/>`,
    );
  }
}

interface Table {
  readonly brokers: string[];
  readonly colour: (broker: string) => string;
  readonly get: (broker: string, scenario: string) => RunRecord | undefined;
  readonly messageScenarios: string[];
  readonly hasConn: boolean;
}

function tabulate(records: readonly RunRecord[]): Table {
  const byKey = new Map<string, RunRecord>();
  const seenBrokers: string[] = [];
  const seenScenarios: string[] = [];
  for (const r of records) {
    byKey.set(`${r.broker}\u0000${r.scenarioId}`, r); // the last line wins
    if (!seenBrokers.includes(r.broker)) seenBrokers.push(r.broker);
    if (!seenScenarios.includes(r.scenarioId)) seenScenarios.push(r.scenarioId);
  }
  const brokers = [
    ...KNOWN_BROKERS.filter((b) => seenBrokers.includes(b)),
    ...seenBrokers.filter((b) => !(KNOWN_BROKERS as readonly string[]).includes(b)),
  ];
  const extras = brokers.filter((b) => BROKER_COLOURS[b] === undefined);
  const colour = (b: string): string =>
    BROKER_COLOURS[b] ?? EXTRA_COLOURS[extras.indexOf(b) % EXTRA_COLOURS.length] ?? '#64748b';
  const known = MESSAGE_SCENARIOS as readonly string[];
  const messageScenarios = [
    ...known.filter((s) => seenScenarios.includes(s)),
    ...seenScenarios.filter((s) => s !== 'conn' && !known.includes(s)),
  ];
  return {
    brokers,
    colour,
    get: (b, s) => byKey.get(`${b}\u0000${s}`),
    messageScenarios,
    hasConn: seenScenarios.includes('conn'),
  };
}

/** ["4 pub → 4 sub, QoS 0", "max rate"], from the fields of any record of the scenario. */
function describe(r: RunRecord | undefined): [string, string] {
  if (r === undefined) return ['', ''];
  const f = r.fields;
  const rate =
    f.rate === undefined || f.rate === 'max' ? 'max rate' : `fixed ${f.rate} msg/s per pub`;
  return [`${f.pubs ?? '?'} pub → ${f.subs ?? '?'} sub, QoS ${f.qos ?? '?'}`, rate];
}

function firstOk(t: Table, scenario: string): RunRecord | undefined {
  for (const b of t.brokers) {
    const r = t.get(b, scenario);
    if (r?.status === 'ok') return r;
  }
  for (const b of t.brokers) {
    const r = t.get(b, scenario);
    if (r !== undefined) return r;
  }
  return undefined;
}

/** value ÷ mosquitto's value in the same scenario, or null when there is no such pair. */
function vsMosquitto(t: Table, scenario: string, key: string, value: number): number | null {
  const m = t.get('mosquitto', scenario);
  if (m?.status !== 'ok') return null;
  const base = numberField(m, key);
  return base !== null && base > 0 ? value / base : null;
}

const W = 1000;
const STYLE = `
text{font-family:"DejaVu Sans",Verdana,"Segoe UI",Helvetica,Arial,sans-serif;fill:#1f2937}
.title{font-size:20px;font-weight:700}
.sub{font-size:12px;fill:#4b5563}
.h{font-size:14px;font-weight:700}
.hs{font-size:11px;fill:#6b7280}
.scen{font-size:13px;font-weight:700}
.desc{font-size:10px;fill:#6b7280}
.val{font-size:11px;fill:#374151}
.ratio{font-weight:700;fill:#1d4ed8}
.na{font-size:11px;font-style:italic;fill:#9ca3af}
.bad{fill:#b91c1c;font-weight:700}
.tick{font-size:10px;fill:#6b7280}
.leg{font-size:12px}
.foot{font-size:10px;fill:#6b7280}
.mb{font-size:9px;fill:#374151}
.grid{stroke:#e5e7eb;stroke-width:1}
.minor{stroke:#f3f4f6;stroke-width:1}
.axis{stroke:#9ca3af;stroke-width:1}
`;

/** Renders the whole figure; `records` as parseResults returns them. */
export function renderSvg(records: readonly RunRecord[], options: PlotOptions = {}): string {
  const t = tabulate(records);
  const svg = new Svg();
  let y = 30;

  // ---- title, subtitle, legend
  const title =
    'MQTT broker comparison' + (options.date !== undefined ? `, run of ${options.date}` : '');
  svg.text(20, y, esc(title), 'title');
  y += 20;
  const sample = t.messageScenarios.map((s) => firstOk(t, s)).find((r) => r !== undefined);
  const conn = t.hasConn ? firstOk(t, 'conn') : undefined;
  const facts = ['each broker pinned to one core, the C load generator to the other'];
  const mqtt = (sample ?? conn)?.fields.mqtt;
  if (mqtt !== undefined) facts.push(`MQTT ${mqtt}`);
  if (sample !== undefined) {
    const f = sample.fields;
    if (f.size !== undefined) facts.push(`${f.size} B payloads`);
    if (f.duration_s !== undefined)
      facts.push(`${+f.duration_s} s measured after ${+(f.warmup_s ?? 0)} s warm-up`);
  }
  svg.text(20, y, esc(facts.join(' · ')), 'sub');
  y += 22;
  let lx = 20;
  for (const b of t.brokers) {
    svg.rect(lx, y - 10, 12, 12, t.colour(b), ' rx="2"');
    svg.text(lx + 17, y, esc(b), 'leg');
    lx += 17 + b.length * 7.5 + 22;
  }
  if (t.brokers.includes('edgemq') && t.brokers.includes('mosquitto')) {
    svg.text(lx + 8, y, '<tspan class="ratio">N.NN×</tspan> = edgemq ÷ mosquitto, same run', 'hs');
  }
  y += 26;

  // ---- throughput panel: log axis, one group per message scenario
  if (t.messageScenarios.length > 0) {
    svg.text(20, y, 'Throughput: messages delivered to subscribers per second', 'h');
    y += 15;
    svg.text(
      20,
      y,
      'log scale; fan-out counts every delivery (1 publish to 100 subscribers = 100)',
      'hs',
    );
    y += 10;
    const x0 = 190;
    const x1 = 790;
    const values: number[] = [];
    for (const s of t.messageScenarios)
      for (const b of t.brokers) {
        const r = t.get(b, s);
        const v = r?.status === 'ok' ? numberField(r, 'recv_rate') : null;
        if (v !== null && v > 0) values.push(v);
      }
    const lo = values.length > 0 ? 10 ** Math.floor(Math.log10(Math.min(...values)) - 0.3) : 1e3;
    let hi = values.length > 0 ? 10 ** Math.ceil(Math.log10(Math.max(...values) * 1.05)) : 1e6;
    if (hi <= lo) hi = lo * 10;
    const decades = Math.round(Math.log10(hi / lo));
    const xOf = (v: number): number =>
      x0 + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / decades) * (x1 - x0);

    const barH = 16;
    const gap = 3;
    const groupGap = 14;
    const groupH = t.brokers.length * barH + (t.brokers.length - 1) * gap;
    const top = y;
    const height = t.messageScenarios.length * (groupH + groupGap) - groupGap + 8;
    // grid
    for (let d = 0; d <= decades; d++) {
      const base = lo * 10 ** d;
      svg.line(xOf(base), top, xOf(base), top + height, 'grid');
      if (d < decades)
        for (const m of [2, 5]) svg.line(xOf(base * m), top, xOf(base * m), top + height, 'minor');
    }
    svg.line(x0, top, x0, top + height, 'axis');
    // bars
    let gy = top + 4;
    for (const s of t.messageScenarios) {
      const [who, rate] = describe(firstOk(t, s));
      svg.text(20, gy + groupH / 2 - 6, esc(s), 'scen');
      svg.text(20, gy + groupH / 2 + 7, esc(who), 'desc');
      svg.text(20, gy + groupH / 2 + 19, esc(rate), 'desc');
      const fixedRate = s.startsWith('latency');
      t.brokers.forEach((b, i) => {
        const by = gy + i * (barH + gap);
        const r = t.get(b, s);
        const v = r?.status === 'ok' ? numberField(r, 'recv_rate') : null;
        if (r === undefined || v === null || v <= 0) {
          svg.text(x0 + 6, by + barH - 4, esc(`${b}: ${r?.status ?? 'not run'}`), 'na');
          return;
        }
        const end = xOf(v);
        svg.rect(
          x0,
          by,
          end - x0,
          barH,
          t.colour(b),
          ' rx="2"',
          `${b} ${s}: ${Math.round(v)} msg/s`,
        );
        let label = compact(v);
        const p99 = numberField(r, 'p99_us');
        if (fixedRate && p99 !== null) label += ` · p99 ${(p99 / 1000).toFixed(2)} ms`;
        let extra = '';
        const qos = numberField(r, 'qos') ?? 0;
        const lost = numberField(r, 'lost') ?? 0;
        const dup = numberField(r, 'dup') ?? 0;
        if (qos > 0 && (lost > 0 || dup > 0))
          extra += ` <tspan class="bad">lost ${lost} dup ${dup}</tspan>`;
        if ((numberField(r, 'gen_cpu_pct') ?? 0) > 90)
          extra += ' <tspan class="bad">generator-bound</tspan>';
        if (b === 'edgemq') {
          const ratio = vsMosquitto(t, s, 'recv_rate', v);
          if (ratio !== null) {
            let rt = ratioText(ratio);
            if (fixedRate && p99 !== null) {
              const pr = vsMosquitto(t, s, 'p99_us', p99);
              if (pr !== null) rt = `p99 ${ratioText(pr)}`;
            }
            extra = `  <tspan class="ratio">${esc(rt)}</tspan>${extra}`;
          }
        }
        svg.text(end + 5, by + barH - 4, `${esc(label)}${extra}`, 'val');
      });
      gy += groupH + groupGap;
    }
    y = top + height;
    svg.line(x0, y, x1, y, 'axis');
    for (let d = 0; d <= decades; d++) {
      const v = lo * 10 ** d;
      svg.text(xOf(v), y + 14, tickLabel(v), 'tick', ' text-anchor="middle"');
    }
    svg.text(x1 + 24, y + 14, 'msg/s', 'tick');
    y += 40;
  }

  // ---- bottom row: connection storm (left) and peak RSS per scenario (right)
  const rowTop = y;
  let leftBottom = rowTop;
  if (t.hasConn) {
    const c = conn;
    const conns = c?.fields.conns;
    svg.text(20, y, 'Connection storm: connections per second', 'h');
    svg.text(
      20,
      y + 15,
      esc(
        `${conns ?? '?'} clients, ${c?.fields.concurrency ?? '?'} handshakes in flight; TCP connect → CONNACK`,
      ),
      'hs',
    );
    const x0 = 100;
    const x1 = 320;
    const rates = t.brokers
      .map((b) => t.get(b, 'conn'))
      .map((r) => (r?.status === 'ok' ? numberField(r, 'conn_rate') : null))
      .filter((v): v is number => v !== null && v > 0);
    const axis = niceLinear(Math.max(1, ...rates));
    const xOf = (v: number): number => x0 + (v / axis.max) * (x1 - x0);
    const barH = 18;
    const gap = 7;
    const top = y + 28;
    const height = t.brokers.length * (barH + gap) - gap + 8;
    for (let v = 0; v <= axis.max + 1e-9; v += axis.step) {
      svg.line(xOf(v), top, xOf(v), top + height, v === 0 ? 'axis' : 'grid');
      svg.text(xOf(v), top + height + 14, tickLabel(v), 'tick', ' text-anchor="middle"');
    }
    t.brokers.forEach((b, i) => {
      const by = top + 4 + i * (barH + gap);
      svg.text(x0 - 8, by + barH - 5, esc(b), 'leg', ' text-anchor="end"');
      const r = t.get(b, 'conn');
      const v = r?.status === 'ok' ? numberField(r, 'conn_rate') : null;
      if (r === undefined || v === null || v <= 0) {
        svg.text(x0 + 6, by + barH - 5, esc(r?.status ?? 'not run'), 'na');
        return;
      }
      const end = xOf(v);
      svg.rect(x0, by, end - x0, barH, t.colour(b), ' rx="2"');
      const kb = numberField(r, 'per_conn_kb');
      const connected = numberField(r, 'connected');
      const total = numberField(r, 'conns');
      let extra = '';
      if (b === 'edgemq') {
        const ratio = vsMosquitto(t, 'conn', 'conn_rate', v);
        if (ratio !== null) extra = `  <tspan class="ratio">${ratioText(ratio)}</tspan>`;
      }
      if (connected !== null && total !== null && connected < total)
        extra += ` <tspan class="bad">${connected}/${total}</tspan>`;
      const kbText = kb !== null ? ` · ${kb.toFixed(kb < 10 ? 2 : 1)} kB/conn` : '';
      svg.text(end + 5, by + barH - 5, `${esc(compact(v) + kbText)}${extra}`, 'val');
    });
    svg.text(x1 + 22, top + height + 14, 'conn/s', 'tick');
    leftBottom = top + height + 24;
  }

  const rssScenarios = [...t.messageScenarios, ...(t.hasConn ? ['conn'] : [])];
  let rightBottom = rowTop;
  if (rssScenarios.length > 0) {
    const px = t.hasConn ? 520 : 20;
    svg.text(px, y, 'Peak RSS (MB, VmHWM) per scenario', 'h');
    svg.text(px, y + 15, 'broker restarted for every scenario; lower is better', 'hs');
    const x0 = px + 34;
    const x1 = W - 20;
    const top = y + 34;
    const plotH = 150;
    const peaks: number[] = [];
    for (const s of rssScenarios)
      for (const b of t.brokers) {
        const r = t.get(b, s);
        const kb = r !== undefined ? peakKb(r) : null;
        if (kb !== null) peaks.push(kb / 1024);
      }
    const axis = niceLinear(Math.max(1, ...peaks));
    const yOf = (mb: number): number => top + plotH - (mb / axis.max) * plotH;
    for (let v = 0; v <= axis.max + 1e-9; v += axis.step) {
      svg.line(x0, yOf(v), x1, yOf(v), v === 0 ? 'axis' : 'grid');
      svg.text(x0 - 5, yOf(v) + 3.5, tickLabel(v), 'tick', ' text-anchor="end"');
    }
    const groupW = (x1 - x0) / rssScenarios.length;
    const inner = Math.min(groupW - 10, t.brokers.length * 22);
    const bw = (inner - (t.brokers.length - 1) * 2) / t.brokers.length;
    const rotate = bw < 15;
    rssScenarios.forEach((s, si) => {
      const gx = x0 + si * groupW + (groupW - inner) / 2;
      t.brokers.forEach((b, i) => {
        const r = t.get(b, s);
        const kb = r !== undefined ? peakKb(r) : null;
        if (kb === null) return;
        const mb = kb / 1024;
        const bx = gx + i * (bw + 2);
        svg.rect(bx, yOf(mb), bw, top + plotH - yOf(mb), t.colour(b));
        const cx = bx + bw / 2;
        if (rotate)
          svg.text(
            cx + 3,
            yOf(mb) - 3,
            mbText(kb),
            'mb',
            ` transform="rotate(-90 ${fmt(cx + 3)} ${fmt(yOf(mb) - 3)})"`,
          );
        else svg.text(cx, yOf(mb) - 3, mbText(kb), 'mb', ' text-anchor="middle"');
      });
      svg.text(x0 + (si + 0.5) * groupW, top + plotH + 14, esc(s), 'tick', ' text-anchor="middle"');
    });
    rightBottom = top + plotH + 24;
  }
  y = Math.max(leftBottom, rightBottom) + 12;

  // ---- footer
  const notes: string[] = [];
  if (t.messageScenarios.some((s) => s.startsWith('latency')))
    notes.push(
      'latency-q1 runs at a fixed 10k msg/s, so its bars are equal by design: compare p99 there (edgemq label = p99 ratio, lower is better).',
    );
  if (t.messageScenarios.length > 0)
    notes.push(
      'Max-rate throughput depends on write batching as much as on per-message work; see docs/benchmarks.md.',
    );
  notes.push('One run on a shared VM: expect ±15% between runs; only same-run ratios count.');
  if (options.source !== undefined) notes.push(`Data: ${options.source} (run-compare.sh).`);
  for (const n of notes) {
    svg.text(20, y, esc(n), 'foot');
    y += 14;
  }
  const height = Math.ceil(y + 6);

  const alt = `${title}. Throughput per scenario, connection storm and peak RSS for ${t.brokers.join(', ')}.`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" role="img" aria-label="${esc(alt)}">`,
    `<title>${esc(title)}</title>`,
    `<style>${STYLE}</style>`,
    `<rect width="${W}" height="${height}" fill="#ffffff"/>`,
    ...svg.parts,
    '</svg>',
    '',
  ].join('\n');
}

// ------------------------------------------------------------------------------ command line

const DEFAULT_OUT = fileURLToPath(new URL('../docs/benchmarks-throughput.svg', import.meta.url));

function resolveInput(arg: string): string {
  if (!statSync(arg).isDirectory()) return arg;
  if (existsSync(join(arg, 'results.txt'))) return join(arg, 'results.txt');
  const run = pickLatestRun(arg);
  if (run === null)
    throw new Error(`${arg}: no run folder in which edgemq, mosquitto and aedes are all ok`);
  return join(run, 'results.txt');
}

function main(argv: readonly string[]): void {
  const [arg, out = DEFAULT_OUT] = argv;
  if (arg === undefined || arg === '--help' || arg === '-h') {
    process.stderr.write(
      'usage: node --import tsx bench/plot.ts <results.txt | run dir | results root> [out.svg]\n',
    );
    process.exitCode = 2;
    return;
  }
  const input = resolveInput(arg);
  const records = parseResults(readFileSync(input, 'utf8'));
  if (records.length === 0) throw new Error(`${input}: no results`);
  const date =
    runDateOf(input) ?? statSync(input).mtime.toISOString().slice(0, 16).replace('T', ' ');
  const source = `${basename(dirname(dirname(input)))}/${basename(dirname(input))}/${basename(input)}`;
  const svg = renderSvg(records, { date, source });
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, svg);
  process.stdout.write(`${out}: ${records.length} results from ${input}\n`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2));
}
