import assert from 'node:assert/strict';
import { test } from 'node:test';
import { groupPartition, javaStringHashCode } from './group-partition.js';

// Expected values computed with Java's String.hashCode definition over UTF-16 code units.
test('javaStringHashCode matches Java, including overflow and surrogate pairs', () => {
  assert.equal(javaStringHashCode(''), 0);
  assert.equal(javaStringHashCode('hello'), 99162322);
  assert.equal(javaStringHashCode('my-group'), -1906497762);
  assert.equal(javaStringHashCode('grüße-😀'), 347391577);
  assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
});

test('groupPartition is Utils.abs(hashCode) % partitions, with abs(MIN_VALUE) = 0', () => {
  assert.equal(groupPartition('hello', 50), 22);
  assert.equal(groupPartition('console-consumer-12345', 50), 6);
  assert.equal(groupPartition('my-group', 50), 12);
  assert.equal(groupPartition('test-group-negative-zz', 50), 13);
  assert.equal(groupPartition('polygenelubricants', 50), 0);
  assert.equal(groupPartition('anything', 1), 0);
});
