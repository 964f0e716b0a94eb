import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ThroughputThrottler } from './throttler.js';

test('a negative target never throttles', () => {
  const t = new ThroughputThrottler(-1, 0);
  assert.equal(t.shouldThrottle(1_000_000, 1), false);
});

test('throttles only when the average rate since start is above the target', () => {
  const t = new ThroughputThrottler(1000, 10_000);
  assert.equal(t.shouldThrottle(5, 10_000), false, 'no time elapsed yet');
  assert.equal(t.shouldThrottle(500, 10_500), false, 'exactly on target');
  assert.equal(t.shouldThrottle(501, 10_500), true);
});

test('sleep is 1/target per record, paid once at least 2 ms are owed', () => {
  const t = new ThroughputThrottler(1000, 0); // 1 ms per record
  assert.equal(t.throttleMs(), 0);
  assert.equal(t.throttleMs(), 2);
  assert.equal(t.throttleMs(), 0, 'the deficit was cleared by the sleep');
  const fast = new ThroughputThrottler(1_000_000, 0); // 1 µs per record
  let slept = 0;
  for (let i = 0; i < 4000; i++) slept += fast.throttleMs();
  assert.equal(slept, 4);
  assert.equal(new ThroughputThrottler(0, 0).throttleMs(), Number.POSITIVE_INFINITY);
});
