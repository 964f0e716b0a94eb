import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Fifo } from './fifo.js';

test('Fifo keeps order across compaction and drains', () => {
  const q = new Fifo<number>();
  for (let i = 0; i < 5000; i++) q.push(i);
  for (let i = 0; i < 3000; i++) assert.equal(q.shift(), i);
  q.push(5000);
  assert.equal(q.length, 2001);
  assert.equal(q.peek(), 3000);
  const rest = q.drain();
  assert.equal(rest.length, 2001);
  assert.equal(rest[0], 3000);
  assert.equal(rest[2000], 5000);
  assert.equal(q.shift(), undefined);
  assert.equal(q.length, 0);
});
