// The bench engine: many clients of ours in one process, with as little work per message as
// the client allows. Publishers reuse one payload buffer each (the send time is written into
// its first 8 bytes) and publish through publishNoWait(): no Promise and no closure per
// message; QoS 1/2 completions come back through one callback per publisher. At the maximum
// rate (-I 0) a single pump sends batches from every publisher once per event-loop turn,
// bounded by the QoS window, the socket buffer and (pubsub) the end-to-end window.
//
// The clock of send times is described in clock.ts.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { MqttClient, type ClientOptions, type ReceivedMessage } from '../../client/index.js';
import { CliError, onStopSignal, readPem, transportFor } from '../client-flags.js';
import {
  Counters,
  DONE,
  Publisher,
  READY,
  Subscriber,
  WAITING,
  type Totals,
} from './bench-clients.js';
import { nowUs } from './clock.js';
import type { BenchConfig } from './flags.js';
import { LatencyHistogram } from './histogram.js';
import { Reporter, percentiles, rate } from './report.js';
import { Pump } from './pump.js';

export { nowUs };

/** Handshakes in flight at once when connecting without an interval. */
const CONCURRENCY = 100;
/** After stopping, how long to wait for the last messages and acks. */
const DRAIN_MS = 2000;
/** A pubsub pair whose window made no progress this long is written off (lost messages). */
const STALL_MS = 500;
/** Send times older than this (or in the future by more than a second) are not latencies. */
const MAX_LATENCY_US = 3_600_000_000;

export class Bench {
  readonly cfg: BenchConfig;
  readonly counters = new Counters();
  /** End-to-end (sub, pubsub) or publish-to-ack (pub) latency, in the measured window. */
  readonly latency = new LatencyHistogram();
  readonly connectLatency = new LatencyHistogram();
  private readonly reporter: Reporter;
  private readonly clients: MqttClient[] = [];
  private readonly subscribers: (Subscriber | undefined)[] = [];
  private readonly publishers: Publisher[] = [];
  private readonly pump: Pump;
  private readonly transport: ClientOptions['transport'];
  private measuring = false;
  private stopping = false;
  private firstError: Error | null = null;
  private stopResolve: () => void = () => undefined;
  private readonly stopped: Promise<void>;
  private subsDone = 0;
  private subscriberCount = 0;
  /** Every client has had its connect attempt (limits may end the run from now on). */
  private launched = false;
  private pubsDone = 0;
  private connectSeconds = 0;

  constructor(cfg: BenchConfig, reporter: Reporter) {
    this.cfg = cfg;
    this.reporter = reporter;
    this.pump = new Pump(this, this.publishers);
    this.stopped = new Promise<void>((resolve) => {
      this.stopResolve = resolve;
    });
    const cert = readPem('--certfile', cfg.certfile);
    const key = readPem('--keyfile', cfg.keyfile);
    this.transport = transportFor(cfg.transport, cfg.host, cfg.port, '/mqtt', {
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
      rejectUnauthorized: false,
    });
  }

  // ---------------------------------------------------------------- events from clients

  onMessage(s: Subscriber, m: ReceivedMessage): void {
    s.received++;
    const c = this.counters;
    c.received++;
    if (this.measuring && m.payload.length >= 8) {
      const latency = nowUs() - m.payload.readDoubleLE(0);
      if (latency > -1_000_000 && latency < MAX_LATENCY_US) this.latency.record(latency);
    }
    const cfg = this.cfg;
    if (cfg.mode === 'pubsub') {
      this.pump.wake();
    } else if (cfg.limit > 0 && s.received === cfg.limit) {
      this.subsDone++;
      if (this.launched && this.subsDone === this.subscriberCount) this.requestStop();
    }
  }

  onAck(sentAt: number, error: Error | null): void {
    const c = this.counters;
    if (error !== null) {
      if (!this.stopping) c.ackErrors++;
      return;
    }
    c.acked++;
    if (this.measuring && this.cfg.mode === 'pub') this.latency.record(nowUs() - sentAt);
    if (this.cfg.messageIntervalMs === 0) this.pump.wake();
  }

  publisherDone(p: Publisher): void {
    p.finished = true;
    if (p.timer !== null) clearInterval(p.timer);
    p.timer = null;
    this.pubsDone++;
    if (this.pubsDone === this.publishers.length) this.requestStop();
  }

  requestStop(): void {
    this.stopResolve();
  }

  // ---------------------------------------------------------------- the run

  async run(): Promise<number> {
    const offSignal = onStopSignal(() => {
      this.stopping = true;
      this.requestStop();
    });
    try {
      return await this.phases();
    } finally {
      offSignal();
      this.pump.stop();
      for (const p of this.publishers) if (p.timer !== null) clearInterval(p.timer);
      await Promise.all(this.clients.map((c) => c.end(true).catch(() => undefined)));
    }
  }

  private async phases(): Promise<number> {
    const cfg = this.cfg;
    const started = performance.now();
    const total = cfg.mode === 'pubsub' ? cfg.count * 2 : cfg.count;
    const progress = setInterval(
      () => {
        this.reporter.progress(this.counters.connected, total, this.counters.failed);
      },
      this.reporter.tty ? 100 : 1000,
    );
    this.reporter.progress(0, total, 0);
    try {
      if (cfg.mode === 'sub' || cfg.mode === 'pubsub')
        await this.launch('sub', (c, i) => this.subscribe(c, i));
      if (cfg.mode === 'pub' || cfg.mode === 'pubsub') {
        await this.launch('pub', (c, i) => {
          this.addPublisher(c, i);
        });
      }
      if (cfg.mode === 'conn') await this.launch('conn', () => undefined);
    } finally {
      clearInterval(progress);
    }
    this.launched = true;
    const c = this.counters;
    this.connectSeconds = (performance.now() - started) / 1000;
    this.reporter.line(
      `connected ${c.connected}/${total} in ${this.connectSeconds.toFixed(2)} s (${c.failed} failed)`,
    );
    if (c.connected === 0) {
      const why = this.firstError?.message ?? 'no client connected';
      throw new CliError(why, 1);
    }
    if (cfg.mode === 'sub' && cfg.limit > 0 && this.subsDone === this.subscriberCount) {
      this.requestStop();
    }

    // Warm-up, then the measured window.
    const runStart = performance.now();
    const live = this.startLive(runStart);
    let window = { start: runStart, cpu: process.cpuUsage(), base: c.snapshot() };
    this.measuring = cfg.warmup === 0;
    this.startPublishers();
    try {
      if (cfg.warmup > 0) {
        await Promise.race([this.stopped, sleep(cfg.warmup * 1000, undefined, { ref: false })]);
        this.latency.reset();
        this.measuring = true;
        window = { start: performance.now(), cpu: process.cpuUsage(), base: c.snapshot() };
      }
      if (cfg.duration > 0) {
        await Promise.race([this.stopped, sleep(cfg.duration * 1000, undefined, { ref: false })]);
      } else {
        await this.stopped;
      }
    } finally {
      live.stop();
    }
    const seconds = (performance.now() - window.start) / 1000;
    const cpu = process.cpuUsage(window.cpu);
    const end = c.snapshot();
    this.pump.stop();
    for (const p of this.publishers) {
      if (p.timer !== null) clearInterval(p.timer);
      p.timer = null;
    }
    await this.drain();
    this.measuring = false;
    this.summary(seconds, window.base, end, c.snapshot(), cpu);
    return 0;
  }

  /** Connects `count` clients of one role, `interval` ms apart (or CONCURRENCY at a time). */
  private async launch(
    role: 'pub' | 'sub' | 'conn',
    ready: (client: MqttClient, index: number) => Promise<void> | void,
  ): Promise<void> {
    const cfg = this.cfg;
    const attempts: Promise<void>[] = [];
    let inFlight = 0;
    let slot: (() => void) | null = null;
    for (let i = 0; i < cfg.count && !this.stopping; i++) {
      if (i > 0 && cfg.connectIntervalMs > 0) await sleep(cfg.connectIntervalMs);
      while (cfg.connectIntervalMs === 0 && inFlight >= CONCURRENCY) {
        await new Promise<void>((resolve) => {
          slot = resolve;
        });
      }
      const client = new MqttClient(this.clientOptions(role, i));
      this.clients.push(client);
      inFlight++;
      const t0 = nowUs();
      attempts.push(
        client
          .connect()
          .then(async () => {
            this.connectLatency.record(nowUs() - t0);
            client.on('offline', () => {
              this.counters.dropped++;
            });
            await ready(client, i);
            this.counters.connected++;
          })
          .catch((error: unknown) => {
            this.counters.failed++;
            this.firstError ??= error as Error;
            client.end(true).catch(() => undefined);
          })
          .finally(() => {
            inFlight--;
            const s = slot;
            slot = null;
            s?.();
          }),
      );
    }
    await Promise.all(attempts);
  }

  private clientOptions(role: 'pub' | 'sub' | 'conn', index: number): ClientOptions {
    const cfg = this.cfg;
    return {
      host: cfg.host,
      port: cfg.port,
      protocolVersion: cfg.version,
      clientId: `${cfg.prefix}${role}-${index}`,
      clean: cfg.clean,
      keepalive: cfg.keepalive,
      ...(cfg.username === undefined ? {} : { username: cfg.username }),
      ...(cfg.password === undefined ? {} : { password: cfg.password }),
      ...(this.transport === undefined ? {} : { transport: this.transport }),
      reconnect: false,
      maxInflight: cfg.inflight,
      topicAliases: false,
    };
  }

  private topicFor(client: MqttClient, index: number): string {
    return this.cfg.topic.replaceAll('%i', String(index)).replaceAll('%c', client.clientIdentifier);
  }

  private async subscribe(client: MqttClient, index: number): Promise<void> {
    const s = new Subscriber(this, client);
    client.on('message', s.onMessage);
    const filter = this.topicFor(client, index);
    const [code] = await client.subscribe(filter, { qos: this.cfg.qos });
    if (code === undefined || code >= 0x80) {
      throw new Error(`subscription to ${filter} refused (0x${(code ?? 0).toString(16)})`);
    }
    this.subscribers[index] = s;
    this.subscriberCount++;
  }

  private addPublisher(client: MqttClient, index: number): void {
    const cfg = this.cfg;
    const pair = cfg.mode === 'pubsub' ? (this.subscribers[index] ?? null) : null;
    const p = new Publisher(this, client, this.topicFor(client, index), pair);
    this.publishers.push(p);
    client.on('offline', () => {
      p.closed = true;
    });
  }

  /** Publishing starts once every client is connected: the measured window has all of it. */
  private startPublishers(): void {
    const cfg = this.cfg;
    if (cfg.messageIntervalMs === 0) {
      this.pump.wake();
      return;
    }
    for (const p of this.publishers) {
      p.timer = setInterval(() => {
        const state = p.state();
        if (state === READY) p.send(nowUs());
        else if (state === DONE && !p.finished) this.publisherDone(p);
      }, cfg.messageIntervalMs);
    }
  }

  /** One line per second: connected clients and the rates since the last line. */
  private startLive(runStart: number): { stop(): void } {
    const c = this.counters;
    const sends = this.cfg.mode === 'pub' || this.cfg.mode === 'pubsub';
    let last = { at: runStart, sent: c.sent, received: c.received, acked: c.acked };
    const tick = (): void => {
      const now = performance.now();
      const dt = (now - last.at) / 1000;
      let text = `t=${((now - runStart) / 1000).toFixed(1)}s connected=${c.connected - c.dropped} sent/s=${rate(c.sent - last.sent, dt)} recv/s=${rate(c.received - last.received, dt)}`;
      if (sends && this.cfg.qos > 0) text += ` acked/s=${rate(c.acked - last.acked, dt)}`;
      if (c.dropped > 0) text += ` dropped=${c.dropped}`;
      this.reporter.line(text);
      last = { at: now, sent: c.sent, received: c.received, acked: c.acked };
      if (this.cfg.mode === 'pubsub') this.checkStalls();
    };
    const timer = setInterval(tick, 1000);
    return {
      stop(): void {
        clearInterval(timer);
        // The last, partial second too (a short run still shows one live line).
        if (performance.now() - last.at >= 100 || last.at === runStart) tick();
      },
    };
  }

  /** pubsub: a pair waiting on its window without deliveries for STALL_MS is written off. */
  private checkStalls(): void {
    for (const p of this.publishers) {
      const s = p.pair;
      if (s === null) continue;
      const outstanding = p.sent - s.received - p.writtenOff;
      if (outstanding > 0 && s.received === s.seenAtCheck && p.state() === WAITING) {
        s.stallChecks++;
        if (s.stallChecks * 1000 >= STALL_MS) {
          p.writtenOff += outstanding;
          this.counters.writtenOff += outstanding;
          s.stallChecks = 0;
          this.pump.wake();
        }
      } else {
        s.stallChecks = 0;
      }
      s.seenAtCheck = s.received;
    }
  }

  /** Waits (bounded) for messages still in flight and for outstanding acks. */
  private async drain(): Promise<void> {
    const cfg = this.cfg;
    const c = this.counters;
    const settled = (): boolean => {
      if (cfg.mode === 'pubsub') return c.received + c.writtenOff >= c.sent || c.dropped > 0;
      if (cfg.mode === 'pub' && cfg.qos > 0) return c.acked + c.ackErrors >= c.sent;
      return true;
    };
    const deadline = performance.now() + DRAIN_MS;
    while (!settled() && performance.now() < deadline && !this.stopping) await sleep(10);
  }

  /** Rates are of the measured window (`base` to `end`); totals include the drain. */
  private summary(
    seconds: number,
    base: Totals,
    end: Totals,
    drained: Totals,
    cpu: NodeJS.CpuUsage,
  ): void {
    const cfg = this.cfg;
    const c = this.counters;
    const sent = drained.sent - base.sent;
    const received = drained.received - base.received;
    const acked = drained.acked - base.acked;
    const sendRate = rate(end.sent - base.sent, seconds);
    const recvRate = rate(end.received - base.received, seconds);
    const cpuPct = ((cpu.user + cpu.system) / 1000 / (seconds * 1000)) * 100;
    const total = cfg.mode === 'pubsub' ? cfg.count * 2 : cfg.count;
    const out = (text: string): void => {
      this.reporter.line(text);
    };
    out(
      `summary: mode=${cfg.mode} mqtt=${cfg.version} qos=${cfg.qos} duration=${seconds.toFixed(2)}s warmup=${cfg.warmup}s clients=${total} connected=${c.connected} failed=${c.failed} dropped=${c.dropped} cpu=${cpuPct.toFixed(0)}%`,
    );
    if (cfg.mode === 'conn') {
      out(
        `connections: ${c.connected} (${rate(c.connected, this.connectSeconds)} conn/s while connecting)`,
      );
      out(`latency connect->connack: ${percentiles(this.connectLatency) ?? 'none'}`);
    } else {
      let totals = `totals: sent=${sent} (${sendRate}/s) received=${received} (${recvRate}/s)`;
      if (cfg.qos > 0 && cfg.mode !== 'sub') totals += ` acked=${acked} ack_errors=${c.ackErrors}`;
      if (cfg.mode === 'pubsub') {
        totals += ` lost=${Math.max(0, c.sent - c.received)} written_off=${c.writtenOff}`;
      }
      out(totals);
      const what = cfg.mode === 'pub' ? 'publish->ack' : 'end-to-end';
      const lat = percentiles(this.latency);
      out(
        `latency ${what}: ${lat ?? (cfg.mode === 'pub' && cfg.qos === 0 ? 'none (QoS 0 has no ack; bench sub measures end-to-end latency)' : 'none')}`,
      );
    }
    const h = cfg.mode === 'conn' ? this.connectLatency : this.latency;
    const us = (q: number): number => Math.round(h.percentile(q));
    out(
      `RESULT mode=${cfg.mode} mqtt=${cfg.version} qos=${cfg.qos} clients=${total} size=${cfg.size} duration_s=${seconds.toFixed(2)} connected=${c.connected} failed=${c.failed} dropped=${c.dropped} sent=${sent} received=${received} acked=${acked} send_rate=${sendRate} recv_rate=${recvRate} p50_us=${us(0.5)} p90_us=${us(0.9)} p99_us=${us(0.99)} max_us=${Math.round(h.max)} samples=${h.count} lost=${cfg.mode === 'pubsub' ? Math.max(0, c.sent - c.received) : 0} written_off=${c.writtenOff} cpu_pct=${cpuPct.toFixed(1)}`,
    );
  }
}
