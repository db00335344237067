// The maximum-rate sender of a bench run (-I 0).
import { DONE, FULL, READY, type Publisher } from './bench-clients.js';
import { nowUs } from './clock.js';
import type { Bench } from './run.js';

/** Messages one publisher sends per pump turn at most. */
const BATCH = 256;

/** Sends at the maximum rate: batches from every publisher, once per event-loop turn. */
export class Pump {
  private readonly publishers: Publisher[];
  private readonly bench: Bench;
  private scheduled = false;
  private poll: NodeJS.Timeout | null = null;
  stopped = false;
  readonly wake: () => void;
  private readonly run: () => void;

  constructor(bench: Bench, publishers: Publisher[]) {
    this.bench = bench;
    this.publishers = publishers;
    this.wake = () => {
      if (!this.scheduled && !this.stopped) {
        this.scheduled = true;
        setImmediate(this.run);
      }
    };
    this.run = () => {
      this.turn();
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.poll !== null) clearTimeout(this.poll);
    this.poll = null;
  }

  private turn(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const ts = nowUs();
    let again = false;
    let full = false;
    for (const p of this.publishers) {
      let n = 0;
      let state = p.state();
      while (state === READY && n < BATCH) {
        p.send(ts);
        n++;
        state = p.state();
      }
      if (state === READY) again = true;
      else if (state === FULL) full = true;
      else if (state === DONE && !p.finished) this.bench.publisherDone(p);
    }
    if (again) {
      this.wake();
    } else if (full && this.poll === null) {
      this.poll = setTimeout(() => {
        this.poll = null;
        this.wake();
      }, 1);
    }
  }
}
