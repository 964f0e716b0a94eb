import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readVarint, readVarlong, readVarlongSmall, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';
import { ErrorCode, KafkaError } from '../../common/errors.js';

function cursorOf(hex: string) {
  const buf = Buffer.from(hex, 'hex');
  return { buf, pos: 0, end: buf.length };
}

// Zigzag encodings, checked against kafka.record.util.encode_varint.
const VARINTS: [number, string][] = [
  [0, '00'], [-1, '01'], [1, '02'], [63, '7e'], [-64, '7f'], [64, '8001'], [-65, '8101'],
  [8191, 'fe7f'], [-8192, 'ff7f'], [8192, '808001'], [2147483647, 'feffffff0f'], [-2147483648, 'ffffffff0f'],
];

test('varint golden encodings round trip', () => {
  for (const [value, hex] of VARINTS) {
    const buf = Buffer.alloc(5);
    const end = writeVarint(buf, 0, value);
    assert.equal(buf.subarray(0, end).toString('hex'), hex, `write ${value}`);
    assert.equal(sizeOfVarint(value), hex.length / 2);
    assert.equal(readVarint(cursorOf(hex)), value, `read ${hex}`);
  }
});

test('varlong golden encodings round trip', () => {
  const cases: [bigint, string][] = [
    ...VARINTS.map(([v, h]): [bigint, string] => [BigInt(v), h]),
    [9223372036854775807n, 'feffffffffffffffff01'],
    [-9223372036854775808n, 'ffffffffffffffffff01'],
    [1700000000000n, '80a0abfef962'], // kafka-python encode_varint,
  ];
  for (const [value, hex] of cases) {
    const buf = Buffer.alloc(10);
    const end = writeVarlong(buf, 0, value);
    assert.equal(buf.subarray(0, end).toString('hex'), hex, `write ${value}`);
    assert.equal(sizeOfVarlong(value), hex.length / 2);
    assert.equal(readVarlong(cursorOf(hex)), value, `read ${hex}`);
  }
});

test('overlong or truncated varints are CORRUPT_MESSAGE', () => {
  const corrupt = (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.CORRUPT_MESSAGE;
  assert.throws(() => readVarint(cursorOf('ffffffffff01')), corrupt);
  assert.throws(() => readVarlong(cursorOf('ffffffffffffffffffff01')), corrupt);
  assert.throws(() => readVarint(cursorOf('80')), corrupt);
  assert.throws(() => readVarlong(cursorOf('')), corrupt);
});

test('readVarlongSmall: a number up to 7 encoded bytes, the exact bigint beyond', () => {
  const values = [0n, 1n, -1n, 63n, -64n, 64n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 47n, -(2n ** 47n), 2n ** 48n - 1n, -(2n ** 48n), 2n ** 48n, 2n ** 62n, -(2n ** 63n), 2n ** 63n - 1n];
  for (const v of values) {
    const buf = Buffer.alloc(10);
    const end = writeVarlong(buf, 0, v);
    const cursor = { buf, pos: 0, end };
    const read = readVarlongSmall(cursor);
    assert.equal(cursor.pos, end, `consumed all of ${v}`);
    if (end <= 7) assert.equal(read, Number(v), `${v} as a number`);
    else assert.equal(read, v, `${v} as a bigint`);
  }
  assert.throws(() => readVarlongSmall({ buf: Buffer.from([0x80, 0x80]), pos: 0, end: 2 }), /ends inside a varint/);
});
