// What the bench tools print: a progress line while connecting (rewritten in place on a
// terminal, plain lines otherwise), one live line per second, and the summary.
import type { LatencyHistogram } from './histogram.js';

export interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export class Reporter {
  readonly tty: boolean;
  private readonly out: Output;
  /** A `\r` line is on screen and must be ended before other output. */
  private open: boolean;

  constructor(out: Output) {
    this.out = out;
    this.tty = out.isTTY === true;
    this.open = false;
  }

  /** `connecting 150/200`: in place on a terminal, one line per call otherwise. */
  progress(done: number, total: number, failed: number): void {
    const text = `connecting ${done}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`;
    if (this.tty) {
      this.out.write(`\r${text}\x1b[K`);
      this.open = true;
    } else {
      this.out.write(`${text}\n`);
    }
  }

  line(text: string): void {
    if (this.open) {
      this.out.write(`\r${text}\x1b[K\n`);
      this.open = false;
    } else {
      this.out.write(`${text}\n`);
    }
  }
}

const ms = (us: number): string => (us / 1000).toFixed(3);

/** `p50=1.234ms p90=... p99=... max=... n=N`, or null without samples. */
export function percentiles(h: LatencyHistogram): string | null {
  if (h.count === 0) return null;
  return `p50=${ms(h.percentile(0.5))}ms p90=${ms(h.percentile(0.9))}ms p99=${ms(h.percentile(0.99))}ms max=${ms(h.max)}ms n=${h.count}`;
}

/** Rate per second with one decimal below 100, whole numbers above. */
export function rate(count: number, seconds: number): string {
  if (seconds <= 0) return '0';
  const r = count / seconds;
  return r < 100 ? r.toFixed(1) : Math.round(r).toString();
}
