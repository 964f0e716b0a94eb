import { ErrorCode, KafkaError } from '../../common/errors.js';

/**
 * Zigzag varints as Kafka's record fields use them (ByteUtils.readVarint/readVarlong):
 * a varint is at most 5 bytes and decodes to an int32, a varlong at most 10 bytes and an int64.
 */

/** A read position within `buf[pos, end)`; readers advance `pos` and throw CORRUPT_MESSAGE past `end`. */
export interface ByteCursor {
  buf: Buffer;
  pos: number;
  end: number;
}

const MAX_VARINT_BYTES = 5;
const MAX_VARLONG_BYTES = 10;

function corrupt(message: string): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, message);
}

function nextByte(cursor: ByteCursor): number {
  if (cursor.pos >= cursor.end) throw corrupt('Record data ends inside a varint.');
  return cursor.buf[cursor.pos++]!;
}

/** Reads a zigzag varint (int32). */
export function readVarint(cursor: ByteCursor): number {
  let raw = 0;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = nextByte(cursor);
    raw |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) === 0) return (raw >>> 1) ^ -(raw & 1);
  }
  throw corrupt(`Varint is longer than ${MAX_VARINT_BYTES} bytes.`);
}

/** Reads a zigzag varlong (int64). */
export function readVarlong(cursor: ByteCursor): bigint {
  let raw = 0n;
  for (let i = 0; i < MAX_VARLONG_BYTES; i++) {
    const byte = nextByte(cursor);
    raw |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return BigInt.asIntN(64, (raw >> 1n) ^ -(raw & 1n));
  }
  throw corrupt(`Varlong is longer than ${MAX_VARLONG_BYTES} bytes.`);
}

/**
 * Reads a zigzag varlong as a number when it fits 7 bytes (|value| < 2^48, exact), else as a
 * bigint: record timestamp deltas are small, and numbers spare the per-byte BigInt work.
 */
export function readVarlongSmall(cursor: ByteCursor): number | bigint {
  const start = cursor.pos;
  let raw = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    const byte = nextByte(cursor);
    raw += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
    scale *= 128;
  }
  cursor.pos = start;
  return readVarlong(cursor);
}

function zigzag32(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function zigzag64(value: bigint): bigint {
  return BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
}

/** Encoded size in bytes of `value` (an int32) as a zigzag varint. */
export function sizeOfVarint(value: number): number {
  let raw = zigzag32(value);
  let sizeBytes = 1;
  while (raw >= 0x80) {
    raw >>>= 7;
    sizeBytes++;
  }
  return sizeBytes;
}

/** Encoded size in bytes of `value` (an int64) as a zigzag varlong. */
export function sizeOfVarlong(value: bigint): number {
  let raw = zigzag64(value);
  let sizeBytes = 1;
  while (raw >= 0x80n) {
    raw >>= 7n;
    sizeBytes++;
  }
  return sizeBytes;
}

/** Writes `value` (an int32) as a zigzag varint at `pos`; returns the position after it. */
export function writeVarint(buf: Buffer, pos: number, value: number): number {
  let raw = zigzag32(value);
  while (raw >= 0x80) {
    buf[pos++] = (raw & 0x7f) | 0x80;
    raw >>>= 7;
  }
  buf[pos++] = raw;
  return pos;
}

/** Writes `value` (an int64) as a zigzag varlong at `pos`; returns the position after it. */
export function writeVarlong(buf: Buffer, pos: number, value: bigint): number {
  let raw = zigzag64(value);
  while (raw >= 0x80n) {
    buf[pos++] = Number(raw & 0x7fn) | 0x80;
    raw >>= 7n;
  }
  buf[pos++] = Number(raw);
  return pos;
}
