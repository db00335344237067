// Reconnect backoff: the delay formula, and the client's reconnect timing under a fake clock.
import assert from 'node:assert/strict';
import { duplexPair, type Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { Backoff, MemoryMessageStore, MqttClient } from '../../src/client/index.js';
import { OutgoingState } from '../../src/client/index.js';

describe('Backoff', () => {
  test('delays grow by the factor up to the cap; jitter only shortens them', () => {
    const opts = { initialDelayMs: 100, maxDelayMs: 1000, factor: 3, jitter: 0.5 };
    const high = new Backoff(opts, () => 0); // no jitter drawn: the ceiling
    assert.deepEqual(
      Array.from({ length: 5 }, () => high.next()),
      [100, 300, 900, 1000, 1000],
    );
    const low = new Backoff(opts, () => 0.999_999); // the most jitter: half the ceiling
    assert.deepEqual(
      Array.from({ length: 5 }, () => low.next()),
      [50, 150, 450, 500, 500],
    );
    low.reset();
    assert.equal(low.attempt, 0);
    assert.equal(low.next(), 50);
  });

  test('random delays stay within [ceiling * (1 - jitter), ceiling]', () => {
    const b = new Backoff({ initialDelayMs: 10, maxDelayMs: 5000, factor: 2, jitter: 0.3 });
    for (let round = 0; round < 50; round++) {
      b.reset();
      for (let n = 0; n < 12; n++) {
        const d = b.next();
        const ceiling = Math.min(5000, 10 * 2 ** n);
        assert.ok(d >= Math.floor(ceiling * 0.7) && d <= ceiling, `attempt ${n}: ${d}`);
      }
    }
  });

  test('bad options are refused', () => {
    assert.throws(() => new Backoff({ initialDelayMs: 10, maxDelayMs: 5 }), RangeError);
    assert.throws(() => new Backoff({ factor: 0.5 }), RangeError);
    assert.throws(() => new Backoff({ jitter: 2 }), RangeError);
  });
});

/** v5 CONNACK, success, no properties. */
const CONNACK = Buffer.from([0x20, 0x03, 0x00, 0x00, 0x00]);
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('client reconnect timing (fake clock)', () => {
  test('attempts follow the capped exponential backoff with jitter, and reset after success', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    let now = 0;
    let accept = true;
    const attempts: number[] = [];
    const sockets: Duplex[] = [];
    const transport = (): Duplex => {
      attempts.push(now);
      const [ours, theirs] = duplexPair();
      sockets.push(ours);
      if (accept) {
        theirs.once('data', () => theirs.write(CONNACK));
      } else {
        const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        process.nextTick(() => ours.destroy(refused));
      }
      return ours;
    };
    const c = new MqttClient({
      transport,
      keepalive: 0,
      reconnect: { initialDelayMs: 100, maxDelayMs: 400, factor: 2, jitter: 0.5 },
    });
    const errors: string[] = [];
    c.on('error', (e) => errors.push((e as { code?: string }).code ?? ''));
    const reconnects: number[] = [];
    c.on('reconnect', (n) => reconnects.push(n));

    /** Advances the fake clock 1 ms at a time until `attempts` grows (at most `limit` ms). */
    const untilAttempt = async (limit: number): Promise<number> => {
      const before = attempts.length;
      const start = now;
      while (attempts.length === before) {
        assert.ok(now - start <= limit, `no attempt within ${limit} ms`);
        t.mock.timers.tick(1);
        now++;
        await flush();
      }
      return now - start;
    };

    await c.connect();
    accept = false;
    sockets[0]?.destroy(); // connection lost
    await flush();
    assert.equal(c.state, 'reconnecting');
    const ceilings = [100, 200, 400, 400, 400];
    for (const ceiling of ceilings) {
      const gap = await untilAttempt(ceiling);
      assert.ok(
        gap >= ceiling / 2 && gap <= ceiling,
        `gap ${gap} outside [${ceiling / 2}, ${ceiling}]`,
      );
      await flush(); // the refused attempt closes, the next one is scheduled
    }
    assert.deepEqual(reconnects, [1, 2, 3, 4, 5]);
    assert.ok(errors.every((code) => code === 'EMQ_ERR_CLIENT_UNREACHABLE'));

    accept = true;
    await untilAttempt(400);
    await flush();
    await flush();
    assert.equal(c.state, 'connected');
    accept = false;
    sockets.at(-1)?.destroy();
    await flush();
    const gap = await untilAttempt(100);
    assert.ok(gap >= 50 && gap <= 100, `after a success the backoff starts over (gap ${gap})`);
    await flush();
    await c.end(true);
    assert.equal(c.state, 'closed');
  });

  test('publishes made before connect() wait in the store; end() rejects them but keeps them stored', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const store = new MemoryMessageStore();
    const c = new MqttClient({ store, transport: () => duplexPair()[0], keepalive: 0 });
    const pending = c.publish('t', 'x', { qos: 1 });
    const q0 = c.publish('t', 'y', { qos: 0 });
    assert.equal(store.size, 1);
    assert.equal(c.queuedCount, 2);
    await c.end(true);
    await assert.rejects(pending, { code: 'EMQ_ERR_CLIENT_CLOSED' });
    await assert.rejects(q0, { code: 'EMQ_ERR_CLIENT_CLOSED' });
    const [kept] = store.load();
    assert.equal(kept?.topic, 't');
    assert.equal(kept.state, OutgoingState.QUEUED);
  });
});
