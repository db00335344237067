// The per-client state of a bench run: counters, subscribers, and publishers with their
// send windows (QoS window, end-to-end window, socket buffer).
import type { MqttClient, PublishOptions, ReceivedMessage } from '../../client/index.js';
import type { Bench } from './run.js';

/** A publisher waits while this much is written but not yet taken by the kernel. */
export const HIGH_WATER = 64 * 1024;

export const READY = 0;
export const DONE = 1;
/** Waiting for an ack or a delivery: an event wakes the pump. */
export const WAITING = 2;
/** Waiting for the socket buffer to drain: polled. */
export const FULL = 3;
export type SendState = typeof READY | typeof DONE | typeof WAITING | typeof FULL;

export class Counters {
  sent = 0;
  received = 0;
  acked = 0;
  ackErrors = 0;
  connected = 0;
  failed = 0;
  dropped = 0;
  writtenOff = 0;

  snapshot(): Totals {
    return { sent: this.sent, received: this.received, acked: this.acked };
  }
}

/** The message counters at one moment. */
export interface Totals {
  readonly sent: number;
  readonly received: number;
  readonly acked: number;
}

export class Subscriber {
  readonly client: MqttClient;
  received = 0;
  /** `received` at the last stall check (pubsub). */
  seenAtCheck = 0;
  stallChecks = 0;
  readonly onMessage: (m: ReceivedMessage) => void;

  constructor(bench: Bench, client: MqttClient) {
    this.client = client;
    this.onMessage = (m) => {
      bench.onMessage(this, m);
    };
  }
}

export class Publisher {
  readonly client: MqttClient;
  readonly topic: string;
  readonly payload: Buffer;
  readonly options: PublishOptions;
  readonly pair: Subscriber | null;
  sent = 0;
  acked = 0;
  writtenOff = 0;
  finished = false;
  closed = false;
  /** Per window (0 QoS, 1 end-to-end): it filled up and has not reopened yet (see full()). */
  private readonly refilling = [false, false];
  timer: NodeJS.Timeout | null = null;
  /** Send times of the QoS 1/2 messages awaiting their ack, oldest at `head`. */
  private readonly stamps: Float64Array;
  private head = 0;
  private tail = 0;
  readonly onAck: (error: Error | null) => void;
  private readonly bench: Bench;

  constructor(bench: Bench, client: MqttClient, topic: string, pair: Subscriber | null) {
    const cfg = bench.cfg;
    this.bench = bench;
    this.client = client;
    this.topic = topic;
    this.payload = Buffer.alloc(cfg.size, 0x61);
    this.options = { qos: cfg.qos, retain: cfg.retain };
    this.pair = pair;
    this.stamps = new Float64Array(cfg.qos === 0 ? 1 : cfg.inflight);
    this.onAck = (error) => {
      const ts = this.stamps[this.head] as number;
      this.head = this.head + 1 === this.stamps.length ? 0 : this.head + 1;
      this.acked++;
      bench.onAck(ts, error);
    };
  }

  state(): SendState {
    const cfg = this.bench.cfg;
    if (this.closed || (cfg.limit > 0 && this.sent >= cfg.limit)) return DONE;
    if (cfg.qos > 0 && this.full(0, cfg.inflight - (this.sent - this.acked), cfg.inflight)) {
      return WAITING;
    }
    const pair = this.pair;
    if (
      pair !== null &&
      this.full(1, cfg.window - (this.sent - pair.received - this.writtenOff), cfg.window)
    ) {
      return WAITING;
    }
    if (this.client.bufferedBytes > HIGH_WATER) return FULL;
    return READY;
  }

  /**
   * Whether a window with `free` of `size` slots left is closed. Once it filled up, it opens
   * again only when a quarter is free: fewer, larger writes (syscalls are most of the cost).
   */
  private full(window: 0 | 1, free: number, size: number): boolean {
    if (free <= 0) {
      this.refilling[window] = true;
      return true;
    }
    if (this.refilling[window] === true && free < Math.max(1, size >> 2)) return true;
    this.refilling[window] = false;
    return false;
  }

  send(ts: number): void {
    const payload = this.payload;
    if (payload.length >= 8) payload.writeDoubleLE(ts, 0);
    if (this.options.qos === 0) {
      this.client.publishNoWait(this.topic, payload, this.options);
    } else {
      this.stamps[this.tail] = ts;
      this.tail = this.tail + 1 === this.stamps.length ? 0 : this.tail + 1;
      this.client.publishNoWait(this.topic, payload, this.options, this.onAck);
    }
    this.sent++;
    this.bench.counters.sent++;
  }
}
