import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur2, partitionForKey } from './murmur2.js';
import { StickyPartitioner } from './sticky-partitioner.js';

// Expected values from Apache Kafka's UtilsTest.testMurmur2 (clients/src/test/.../utils/UtilsTest.java).
const JAVA_VECTORS: [string | number[], number][] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  [[0x61, 0x62, 0x63], 479470107],
];

test('murmur2 matches the Java client (Kafka UtilsTest vectors)', () => {
  for (const [input, expected] of JAVA_VECTORS) {
    const bytes = typeof input === 'string' ? Buffer.from(input) : Buffer.from(input);
    assert.equal(murmur2(bytes), expected, `murmur2(${JSON.stringify(input)})`);
  }
});

test('murmur2 matches more Java values (Utils.murmur2 of "1".."12345")', () => {
  // Values computed by Kafka's Utils.murmur2, as quoted by Akka's Murmur2Spec.
  const cases: [string, number][] = [['1', -1993445489], ['12', 126087238], ['123', -267702483], ['1234', -1614185708], ['12345', -1188365604]];
  for (const [input, expected] of cases) assert.equal(murmur2(Buffer.from(input)), expected, input);
});

test('partitionForKey is toPositive(murmur2) % numPartitions', () => {
  // toPositive(-973932308) = -973932308 & 0x7fffffff = 1173551340
  assert.equal(partitionForKey(Buffer.from('21'), 10), 1173551340 % 10);
  assert.equal(partitionForKey(Buffer.from('abc'), 7), 479470107 % 7);
  assert.equal(partitionForKey(Buffer.alloc(0), 3), (murmur2(Buffer.alloc(0)) & 0x7fffffff) % 3);
});

test('sticky partitioner keeps a partition until its batch closes, then switches', () => {
  let i = 0;
  const rolls = [0.1, 0.1, 0.6, 0.9];
  const sticky = new StickyPartitioner(() => rolls[i++ % rolls.length]!);
  const first = sticky.partition('t', 4, [0, 1, 2, 3]);
  assert.equal(first, 0);
  for (let n = 0; n < 10; n++) assert.equal(sticky.partition('t', 4, [0, 1, 2, 3]), first);
  sticky.onNewBatch('t', first, 4, [0, 1, 2, 3]); // rolls 0.1 again -> avoided, then 0.6 -> 2
  assert.equal(sticky.partition('t', 4, [0, 1, 2, 3]), 2);
  sticky.onNewBatch('t', 0, 4, [0, 1, 2, 3]); // not the current partition: no change
  assert.equal(sticky.partition('t', 4, [0, 1, 2, 3]), 2);
  assert.equal(sticky.partition('other', 1, [0]), 0);
});

test('sticky partitioner prefers available partitions', () => {
  const sticky = new StickyPartitioner(() => 0.99);
  assert.equal(sticky.partition('t', 8, [5]), 5);
  sticky.onNewBatch('t', 5, 8, [5]);
  assert.equal(sticky.partition('t', 8, [5]), 5);
});
