/**
 * One coarse timer for the whole broker (keepalive, connect timeout, QoS retry, will delay,
 * session and message expiry): a hashed wheel ticking every `resolutionMs`. Scheduling and
 * cancelling are O(1) and no per-client setTimeout exists. Deadlines are rounded up to the
 * next tick, which is fine for second-granularity MQTT timers.
 */
/** Whoever owns timers: one method instead of one closure per timer (memory per client). */
export interface TimerTarget {
  onTimer(timer: Timer): void;
}

export class Timer {
  /** Tick at which this timer fires. */
  tick: number;
  readonly target: TimerTarget;
  /** Slot it sits in, or -1 when not scheduled. */
  slot: number;

  constructor(target: TimerTarget) {
    this.tick = 0;
    this.target = target;
    this.slot = -1;
  }

  get scheduled(): boolean {
    return this.slot !== -1;
  }
}

export class TimerWheel {
  readonly resolutionMs: number;
  private readonly slots: Set<Timer>[];
  private currentTick: number;
  private handle: ReturnType<typeof setInterval> | null;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(resolutionMs = 100, slotCount = 512, now: () => number = Date.now) {
    this.resolutionMs = resolutionMs;
    this.slots = Array.from({ length: slotCount }, () => new Set<Timer>());
    this.now = now;
    this.startedAt = now();
    this.currentTick = 0;
    this.handle = null;
  }

  start(): void {
    if (this.handle !== null) return;
    this.handle = setInterval(() => {
      this.advance();
    }, this.resolutionMs);
    this.handle.unref();
  }

  stop(): void {
    if (this.handle !== null) clearInterval(this.handle);
    this.handle = null;
  }

  /** (Re)schedules `timer` to fire after `delayMs`. */
  schedule(timer: Timer, delayMs: number): void {
    this.cancel(timer);
    const ticks = Math.max(1, Math.ceil(delayMs / this.resolutionMs));
    timer.tick = this.currentTick + ticks;
    timer.slot = timer.tick % this.slots.length;
    (this.slots[timer.slot] as Set<Timer>).add(timer);
  }

  cancel(timer: Timer): void {
    if (timer.slot === -1) return;
    (this.slots[timer.slot] as Set<Timer>).delete(timer);
    timer.slot = -1;
  }

  /** Runs every tick up to the wall clock; catches up after a blocked event loop. */
  advance(): void {
    const target = Math.floor((this.now() - this.startedAt) / this.resolutionMs);
    while (this.currentTick < target) {
      this.currentTick++;
      const slot = this.slots[this.currentTick % this.slots.length] as Set<Timer>;
      if (slot.size === 0) continue;
      for (const timer of slot) {
        if (timer.tick > this.currentTick) continue; // a later lap of the wheel
        slot.delete(timer);
        timer.slot = -1;
        timer.target.onTimer(timer);
      }
    }
  }
}
