// Capped exponential backoff with jitter, for reconnect attempts.

export interface BackoffOptions {
  /** Delay before the first retry, in ms. */
  initialDelayMs: number;
  /** Cap on any delay, in ms. */
  maxDelayMs: number;
  /** Growth per attempt (>= 1). */
  factor: number;
  /**
   * Share of each delay that is random, 0..1: attempt n waits a uniform time in
   * [d * (1 - jitter), d] where d = min(maxDelayMs, initialDelayMs * factor^n). Jitter keeps
   * a fleet of clients from reconnecting in lockstep after a broker restart.
   */
  jitter: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  initialDelayMs: 1000,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.5,
});

export class Backoff {
  readonly options: Readonly<BackoffOptions>;
  private readonly random: () => number;
  private attempts: number;

  /** `random` returns a number in [0, 1) (Math.random by default; tests pass their own). */
  constructor(options: Partial<BackoffOptions> = {}, random: () => number = Math.random) {
    const o = { ...DEFAULT_BACKOFF, ...options };
    if (!(o.initialDelayMs >= 0) || !(o.maxDelayMs >= o.initialDelayMs)) {
      throw new RangeError('backoff needs 0 <= initialDelayMs <= maxDelayMs');
    }
    if (!(o.factor >= 1)) throw new RangeError('backoff factor must be >= 1');
    if (!(o.jitter >= 0 && o.jitter <= 1)) throw new RangeError('backoff jitter must be in 0..1');
    this.options = Object.freeze(o);
    this.random = random;
    this.attempts = 0;
  }

  /** Attempts made since the last reset(). */
  get attempt(): number {
    return this.attempts;
  }

  /** Upper bound of the delay before attempt `n` (0-based), before jitter. */
  ceiling(n: number): number {
    const { initialDelayMs, maxDelayMs, factor } = this.options;
    return Math.min(maxDelayMs, initialDelayMs * factor ** n);
  }

  /** The delay before the next attempt; counts the attempt. */
  next(): number {
    const d = this.ceiling(this.attempts);
    this.attempts++;
    return Math.round(d * (1 - this.options.jitter * this.random()));
  }

  /** Back to the initial delay (after a successful connection). */
  reset(): void {
    this.attempts = 0;
  }
}
