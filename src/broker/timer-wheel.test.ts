import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Timer, TimerWheel, type TimerTarget } from './timer-wheel.js';

function recorder(): TimerTarget & { fired: Timer[] } {
  const fired: Timer[] = [];
  return {
    fired,
    onTimer(timer: Timer) {
      fired.push(timer);
    },
  };
}

test('timers fire once their deadline has passed, not before', () => {
  let now = 0;
  const wheel = new TimerWheel(100, 8, () => now);
  const target = recorder();
  const a = new Timer(target);
  const b = new Timer(target);
  wheel.schedule(a, 250); // rounds up to tick 3
  wheel.schedule(b, 2000); // 20 ticks: more than one lap of an 8-slot wheel
  now = 200;
  wheel.advance();
  assert.deepEqual(target.fired, []);
  now = 300;
  wheel.advance();
  assert.deepEqual(target.fired, [a]);
  assert.equal(a.scheduled, false);
  now = 1900;
  wheel.advance();
  assert.deepEqual(target.fired, [a], 'a later lap of the wheel does not fire early');
  now = 2000;
  wheel.advance();
  assert.deepEqual(target.fired, [a, b]);
});

test('cancel and reschedule', () => {
  let now = 0;
  const wheel = new TimerWheel(100, 16, () => now);
  const target = recorder();
  const t = new Timer(target);
  wheel.schedule(t, 100);
  wheel.cancel(t);
  assert.equal(t.scheduled, false);
  now = 500;
  wheel.advance();
  assert.deepEqual(target.fired, []);
  wheel.schedule(t, 300);
  wheel.schedule(t, 1000); // rescheduling replaces the earlier deadline
  now = 900;
  wheel.advance();
  assert.deepEqual(target.fired, []);
  now = 1500;
  wheel.advance();
  assert.deepEqual(target.fired, [t]);
});

test('a timer rescheduled from its own callback fires again later', () => {
  let now = 0;
  const wheel = new TimerWheel(100, 4, () => now);
  let count = 0;
  const timer: Timer = new Timer({
    onTimer() {
      count++;
      if (count < 3) wheel.schedule(timer, 400);
    },
  });
  wheel.schedule(timer, 100);
  for (now = 0; now <= 2000; now += 100) wheel.advance();
  assert.equal(count, 3);
});
