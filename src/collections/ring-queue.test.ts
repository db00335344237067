import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RingQueue } from './ring-queue.js';

test('ring queue keeps FIFO order across growth and wrap-around', () => {
  const q = new RingQueue<number>();
  assert.equal(q.shift(), undefined);
  let next = 0;
  let expected = 0;
  // Interleave pushes and shifts so the head wraps several times while capacity grows.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 7; i++) q.push(next++);
    for (let i = 0; i < 5; i++) assert.equal(q.shift(), expected++);
  }
  assert.equal(q.length, next - expected);
  assert.equal(q.peek(), expected);
  assert.deepEqual(
    q.toArray(),
    Array.from({ length: next - expected }, (_, i) => expected + i),
  );
  while (q.length > 0) assert.equal(q.shift(), expected++);
  assert.equal(expected, next);
  q.push(1);
  q.clear();
  assert.equal(q.length, 0);
  assert.equal(q.shift(), undefined);
});
