import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PerfStats, percentiles, samplingInterval } from './histogram.js';

test('samplingInterval is numRecords / min(numRecords, 500000), integer division', () => {
  assert.equal(samplingInterval(1), 1);
  assert.equal(samplingInterval(20_000), 1);
  assert.equal(samplingInterval(500_000), 1);
  assert.equal(samplingInterval(999_999), 1);
  assert.equal(samplingInterval(1_000_000), 2);
  assert.equal(samplingInterval(3_000_000), 6);
  assert.equal(samplingInterval(3_499_999), 6);
});

test('percentiles take index (int)(p * size) of the sorted samples (nearest rank)', () => {
  const samples = Int32Array.from([9, 1, 8, 2, 7, 3, 6, 4, 5, 0, 99, 99]);
  // Only the first 10 entries count; sorted: 0..9.
  assert.deepEqual(percentiles(samples, 10, [0.5, 0.95, 0.99, 0.999]), [5, 9, 9, 9]);
  assert.deepEqual([...samples.subarray(0, 10)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'sorted in place like Arrays.sort');
  const hundred = Array.from({ length: 1000 }, (_, i) => 999 - i);
  assert.deepEqual(percentiles(hundred, 1000, [0.5, 0.95, 0.99, 0.999]), [500, 950, 990, 999]);
  assert.deepEqual(percentiles(new Int32Array(1), 0, [0.5]), [0]);
});

test('PerfStats samples every sampling-th completion and prints Kafka lines', () => {
  let now = 1_000;
  const lines: string[] = [];
  const stats = new PerfStats(1_000_000, { nowMs: () => now, print: (l) => lines.push(l) });
  // sampling = 2: completions 0, 2, 4, ... are kept. Give even completions latency 10 and odd ones 1000.
  for (let i = 0; i < 1000; i++) stats.record(i % 2 === 0 ? 10 : 1000, 1024, now);
  assert.deepEqual(lines, []);
  now += 5_000;
  stats.record(10, 1024, now); // crosses the 5 s window: one window line
  assert.equal(lines.length, 1);
  assert.equal(lines[0], '1001 records sent, 200.2 records/sec (0.20 MB/sec), 504.5 ms avg latency, 1000.0 ms max latency.');
  now += 1_000;
  assert.equal(
    stats.totalLine(),
    '1001 records sent, 166.833333 records/sec (0.16 MB/sec), 504.51 ms avg latency, 1000.00 ms max latency, 10 ms 50th, 10 ms 95th, 10 ms 99th, 10 ms 99.9th.',
  );
});

test('PerfStats steady state: suffix and one "In steady state." line', () => {
  let now = 0;
  const lines: string[] = [];
  const stats = new PerfStats(10, { nowMs: () => now, print: (l) => lines.push(l), steadyState: true });
  stats.record(3, 100, 0);
  now = 5_000;
  stats.record(5, 100, now);
  now = 6_000;
  stats.record(4, 100, now);
  now = 10_000;
  stats.record(4, 100, now);
  assert.deepEqual(lines[0], 'In steady state.');
  assert.equal(lines.filter((l) => l === 'In steady state.').length, 1);
  assert.match(stats.totalLine(), /^4 steady state records sent, 0\.400000 records\/sec \(0\.00 MB\/sec\), 4\.00 ms avg latency, 5\.00 ms max latency, 4 ms 50th, 5 ms 95th, 5 ms 99th, 5 ms 99\.9th\.$/);
});
