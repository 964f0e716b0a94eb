import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError, Reader, Writer } from './index.js';

test('writer grows across chunks and keeps large byte fields by reference', () => {
  const w = new Writer(16);
  const big = Buffer.alloc(10000, 7);
  for (let i = 0; i < 100; i++) {
    w.int32(i);
    w.string(`value-${i}`, i % 2 === 0);
    if (i === 50) w.bytes(big, false);
  }
  const chunks = w.finish();
  assert.ok(chunks.includes(big), 'large field appended by reference');
  const r = new Reader(Buffer.concat(chunks));
  for (let i = 0; i < 100; i++) {
    assert.equal(r.int32(), i);
    assert.equal(r.string(i % 2 === 0), `value-${i}`);
    if (i === 50) assert.deepEqual(r.bytes(false), big);
  }
  assert.equal(r.remaining, 0);
});

test('varints, uuids and nulls round-trip', () => {
  const w = new Writer(8);
  for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) w.uvarint(v);
  w.uuid('AAAAAAAAAAAAAAAAAAAAAA');
  w.nullableString(null, true);
  w.nullableBytes(null, false);
  w.int64(-1n);
  const r = new Reader(w.toBuffer());
  for (const v of [0, 1, 127, 128, 16383, 16384, 2 ** 31 - 1, 2 ** 32 - 1]) assert.equal(r.uvarint(), v);
  assert.equal(r.uuid(), 'AAAAAAAAAAAAAAAAAAAAAA');
  assert.equal(r.nullableString(true), null);
  assert.equal(r.nullableBytes(false), null);
  assert.equal(r.int64(), -1n);
});

test('reader rejects lengths past the end and over-long varints', () => {
  assert.throws(() => new Reader(Buffer.from([0, 10, 65])).string(false), ProtocolError);
  assert.throws(() => new Reader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).uvarint(), ProtocolError);
  assert.throws(() => new Reader(Buffer.from([0x7f, 0xff, 0xff, 0xff])).arrayLength(false), ProtocolError);
});
