// The durability promise under kill -9 (DESIGN.md "Persistence and durability"): a broker
// child process with SQLite persistence is SIGKILLed at seeded random points while a
// publisher streams QoS 1 and QoS 2 messages to a persistent subscriber (online in some
// rounds, offline in others). After each restart on the same data directory, every
// message the broker acknowledged (PUBACK, or PUBREC for QoS 2) must reach the subscriber:
// duplicates are allowed at QoS 1 only. Acknowledged retained messages survive too.
//
// Seed: EDGEMQ_KILL9_SEED (decimal or 0x hex) replays a run; the seed is in every failure.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PacketType, type Packet } from '../../src/codec/index.js';
import { Children, type Child } from '../helpers/child.js';
import { Prng, hex32, seedFromEnv } from '../helpers/prng.js';
import { RawClient } from '../helpers/raw-client.js';
import { ack, publish, subscribe } from '../conformance/support.js';
import { tempDir } from './helpers.js';
import { freePort } from '../helpers/free-port.js';

const SEED = seedFromEnv('EDGEMQ_KILL9_SEED', 0x6b696c6c);
const ROUNDS = Number(process.env.EDGEMQ_KILL9_ROUNDS ?? 8);
const CHILD = new URL('./fixtures/broker-child.ts', import.meta.url).pathname;

function startChild(children: Children, dataDir: string, port: number): Promise<Child> {
  const child = children.spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, String(port)]);
  return child
    .waitUntil((c) => c.stdout.includes('READY'), 'broker READY', 15_000)
    .then(() => child);
}

/**
 * A persistent subscriber kept across connections, with the receiver's QoS 2 state
 * [MQTT-4.3.3]: a QoS 2 message is taken once, when its packet id is new; the id is
 * remembered until PUBREL, so a resent PUBLISH (DUP) is not taken again.
 */
class Subscriber {
  readonly received = new Map<string, number>();
  private readonly awaitingRelease = new Set<number>();
  client: RawClient | null = null;
  readonly clientId: string;

  constructor(clientId: string) {
    this.clientId = clientId;
  }

  async connect(port: number, first = false): Promise<void> {
    const c = await RawClient.open(port, 5);
    this.client = c;
    c.socket.on('data', () => {
      this.drain(c);
    });
    const connack = await c.connect({
      clientId: this.clientId,
      clean: first,
      properties: { sessionExpiryInterval: 3600 },
    });
    assert.equal(connack.reasonCode, 0);
    if (first) {
      c.send(subscribe(1, [{ topicFilter: 'k9/#', qos: 2 }]));
      await c.next(PacketType.SUBACK);
    }
    this.drain(c);
  }

  /** Handles what arrived (the raw client collects packets; we take ours out). */
  private drain(c: RawClient): void {
    const keep: Packet[] = [];
    for (const p of c.packets.splice(0)) {
      if (p.type === PacketType.PUBLISH) {
        if (p.qos === 1) {
          this.take(p.payload.toString());
          c.send(ack(PacketType.PUBACK, p.packetId));
        } else if (p.qos === 2) {
          if (!this.awaitingRelease.has(p.packetId)) {
            this.awaitingRelease.add(p.packetId);
            this.take(p.payload.toString());
          }
          c.send(ack(PacketType.PUBREC, p.packetId));
        }
      } else if (p.type === PacketType.PUBREL) {
        this.awaitingRelease.delete(p.packetId);
        c.send(ack(PacketType.PUBCOMP, p.packetId));
      } else keep.push(p);
    }
    c.packets.push(...keep);
  }

  private take(payload: string): void {
    this.received.set(payload, (this.received.get(payload) ?? 0) + 1);
  }

  close(): void {
    this.client?.close();
    this.client = null;
  }
}

test(`kill -9 at random points: every acknowledged message is delivered (seed ${hex32(SEED)})`, async (t) => {
  const rng = new Prng(SEED);
  const dir = tempDir('edgemq-kill9-');
  const children = new Children();
  const port = await freePort();
  // Two persistent subscribers: each message has two references (stored once, shared).
  const subs = [new Subscriber('k9-sub-a'), new Subscriber('k9-sub-b')];
  /** Payload -> QoS of every message the broker acknowledged. */
  const acked = new Map<string, 1 | 2>();
  /** Retained topic -> the highest seq acknowledged on it. */
  const ackedRetained = new Map<string, number>();
  let seq = 0;
  const log: string[] = [];
  try {
    let broker = await startChild(children, dir.path, port);
    for (const sub of subs) await sub.connect(port, true);
    for (let round = 0; round < ROUNDS; round++) {
      const online = subs.map(() => rng.chance(0.5));
      subs.forEach((sub, i) => {
        if (online[i] !== true) sub.close();
      });
      const killAfter = rng.range(5, 300); // acks before the kill
      const killDelay = rng.int(4); // then ms more of traffic
      const pub = await RawClient.open(port, 5);
      await pub.connect({ clientId: `k9-pub-${round}`, clean: true });
      // The publisher: a window of 32 unacknowledged messages, packet ids 1..32 reused.
      let acks = 0;
      const state = { killed: false, scheduled: false };
      const dead = (): boolean => state.killed;
      const inflight = new Map<number, { payload: string; qos: 1 | 2 }>();
      const killNow = (): void => {
        if (state.killed) return;
        state.killed = true;
        broker.kill('SIGKILL');
      };
      const kill = (): void => {
        if (state.scheduled) return;
        state.scheduled = true;
        if (killDelay === 0) killNow();
        else setTimeout(killNow, killDelay);
      };
      pub.socket.on('data', () => {
        for (const p of pub.packets.splice(0)) {
          if (
            p.type !== PacketType.PUBACK &&
            p.type !== PacketType.PUBREC &&
            p.type !== PacketType.PUBCOMP
          )
            continue;
          const m = inflight.get(p.packetId);
          if (m === undefined) continue;
          if (p.type === PacketType.PUBACK || p.type === PacketType.PUBREC) {
            assert.equal(p.reasonCode < 0x80, true, `ack code ${p.reasonCode}`);
            if (m.payload.startsWith('ret/')) {
              const [, r, n] = m.payload.split('/');
              const topic = `ret/${r}`;
              ackedRetained.set(topic, Math.max(ackedRetained.get(topic) ?? 0, Number(n)));
            } else acked.set(m.payload, m.qos);
            acks++;
            if (p.type === PacketType.PUBREC) {
              pub.send(ack(PacketType.PUBREL, p.packetId));
              continue;
            }
          }
          inflight.delete(p.packetId);
          if (acks >= killAfter) kill();
        }
      });
      const deadline = Date.now() + 5000;
      while (!dead() && !pub.closed && Date.now() < deadline) {
        for (let id = 1; id <= 32 && !dead(); id++) {
          if (inflight.has(id)) continue;
          if (rng.chance(0.02)) {
            const payload = `ret/${round}/${seq++}`;
            inflight.set(id, { payload, qos: 1 });
            pub.send(publish(`ret/${round}`, payload, 1, id, null, { retain: true }));
            continue;
          }
          const qos = rng.chance(0.5) ? 1 : 2;
          const payload = `${seq++}:${qos}`;
          inflight.set(id, { payload, qos });
          pub.send(publish(`k9/${seq % 4}`, payload, qos, id));
        }
        await new Promise((r) => setImmediate(r));
      }
      killNow();
      await broker.exited;
      pub.close();
      for (const sub of subs) sub.close();
      log.push(
        `round ${round}: ${online.map((o) => (o ? 'online' : 'offline')).join('/')}, killed after ${acks} acks`,
      );
      broker = await startChild(children, dir.path, port);
      for (const sub of subs) await sub.connect(port);
    }

    // Drain: everything acknowledged arrives; then nothing more for a moment.
    const missing = (sub: Subscriber): string[] =>
      [...acked.keys()].filter((k) => !sub.received.has(k));
    const until = Date.now() + 10_000;
    while (subs.some((sub) => missing(sub).length > 0) && Date.now() < until)
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    const context = `seed ${hex32(SEED)}; ${log.join('; ')}`;
    const summary: string[] = [];
    for (const sub of subs) {
      const lost = missing(sub);
      assert.deepEqual(
        lost.slice(0, 20),
        [],
        `${sub.clientId}: acknowledged messages lost (${lost.length}): ${context}`,
      );
      const duplicatedQos2 = [...sub.received].filter(([k, n]) => n > 1 && k.endsWith(':2'));
      assert.deepEqual(duplicatedQos2, [], `${sub.clientId}: QoS 2 delivered twice: ${context}`);
      for (const k of sub.received.keys())
        assert.match(k, /^\d+:[12]$/, 'only messages that were sent');
      const dups = [...sub.received.values()].filter((n) => n > 1).length;
      summary.push(`${sub.clientId} ${sub.received.size} received (${dups} QoS 1 duplicates)`);
    }
    assert.ok(acked.size > ROUNDS * 5, `enough traffic (${acked.size} acknowledged)`);
    t.diagnostic(
      `${acked.size} acknowledged; ${summary.join(', ')}; ${ackedRetained.size} retained topics; ` +
        log.join('; '),
    );

    // Retained messages that were acknowledged survived every kill.
    const r = await RawClient.open(port, 5);
    await r.connect({ clientId: 'k9-retained', clean: true });
    r.send(subscribe(1, [{ topicFilter: 'ret/#', qos: 0 }]));
    await r.next(PacketType.SUBACK);
    const seen = new Map<string, number>();
    // Topics whose last publish was stored but not acknowledged before a kill come too.
    while (![...ackedRetained.keys()].every((topic) => seen.has(topic))) {
      const m = await r.next(PacketType.PUBLISH, 3000);
      seen.set(m.topic, Number(m.payload.toString().split('/')[2]));
    }
    for (const [topic, min] of ackedRetained) {
      const got = seen.get(topic) ?? -1;
      assert.ok(got >= min, `retained ${topic}: ${got}, acknowledged ${min} (${hex32(SEED)})`);
    }
    r.close();
  } finally {
    for (const sub of subs) sub.close();
    await children.killAll();
    dir.remove();
  }
});
