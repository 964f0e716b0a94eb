import type { TaggedField } from './types.js';

const MIN_CHUNK_BYTES = 256;
/** Byte fields at least this large are written by reference instead of copied. */
const BY_REFERENCE_BYTES = 4096;

/**
 * Big-endian writer producing a list of chunks, ready for a vectored socket write. Large byte
 * fields (record batches read from segment files) are appended by reference, never copied.
 */
export class Writer {
  private readonly chunks: Buffer[] = [];
  private buf: Buffer;
  private pos = 0;
  private chunkStart = 0;
  private total = 0;

  constructor(initialBytes = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, MIN_CHUNK_BYTES));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.total;
  }

  private reserve(n: number): number {
    if (this.pos + n > this.buf.length) {
      this.cut();
      this.buf = Buffer.allocUnsafe(Math.max(n, this.buf.length * 2));
      this.pos = 0;
      this.chunkStart = 0;
    }
    const at = this.pos;
    this.pos += n;
    this.total += n;
    return at;
  }

  private cut(): void {
    if (this.pos > this.chunkStart) this.chunks.push(this.buf.subarray(this.chunkStart, this.pos));
    this.chunkStart = this.pos;
  }

  int8(v: number): void {
    const at = this.reserve(1);
    this.buf.writeInt8(v, at);
  }
  bool(v: boolean): void {
    { const at = this.reserve(1); this.buf[at] = v ? 1 : 0; }
  }
  int16(v: number): void {
    const at = this.reserve(2);
    this.buf.writeInt16BE(v, at);
  }
  uint16(v: number): void {
    const at = this.reserve(2);
    this.buf.writeUInt16BE(v, at);
  }
  int32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeInt32BE(v, at);
  }
  uint32(v: number): void {
    const at = this.reserve(4);
    this.buf.writeUInt32BE(v, at);
  }
  int64(v: bigint): void {
    const at = this.reserve(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, v), at);
  }
  float64(v: number): void {
    const at = this.reserve(8);
    this.buf.writeDoubleBE(v, at);
  }
  uuid(v: string): void {
    const raw = Buffer.from(v, 'base64url');
    if (raw.length !== 16) throw new RangeError(`not a Kafka UUID: ${v}`);
    const at = this.reserve(16);
    raw.copy(this.buf, at);
  }

  uvarint(v: number): void {
    let value = v >>> 0;
    while (value >= 0x80) {
      { const at = this.reserve(1); this.buf[at] = (value & 0x7f) | 0x80; }
      value >>>= 7;
    }
    { const at = this.reserve(1); this.buf[at] = value; }
  }

  /** Copies raw bytes (or appends them by reference when large). */
  raw(data: Buffer): void {
    if (data.length >= BY_REFERENCE_BYTES) {
      this.cut();
      this.chunks.push(data);
      this.total += data.length;
      return;
    }
    const at = this.reserve(data.length);
    data.copy(this.buf, at);
  }

  private length32(length: number, compact: boolean): void {
    if (compact) this.uvarint(length + 1);
    else this.int32(length);
  }

  string(v: string | null | undefined, compact: boolean): void {
    this.nullableString(v ?? '', compact);
  }
  nullableString(v: string | null | undefined, compact: boolean): void {
    if (v === null || v === undefined) {
      if (compact) this.uvarint(0);
      else this.int16(-1);
      return;
    }
    const length = Buffer.byteLength(v, 'utf8');
    if (compact) this.uvarint(length + 1);
    else this.int16(length);
    const at = this.reserve(length);
    this.buf.write(v, at, length, 'utf8');
  }

  bytes(v: Buffer | readonly Buffer[] | null | undefined, compact: boolean): void {
    this.nullableBytes(v ?? EMPTY, compact);
  }
  nullableBytes(v: Buffer | readonly Buffer[] | null | undefined, compact: boolean): void {
    if (v === null || v === undefined) {
      this.length32(-1, compact);
      return;
    }
    if (Buffer.isBuffer(v)) {
      this.length32(v.length, compact);
      this.raw(v);
      return;
    }
    const parts = v as readonly Buffer[];
    let length = 0;
    for (const part of parts) length += part.length;
    this.length32(length, compact);
    for (const part of parts) this.raw(part);
  }

  array<T>(items: readonly T[] | null | undefined, compact: boolean, writeElement: (w: Writer, item: T) => void): void {
    this.nullableArray(items ?? [], compact, writeElement);
  }
  nullableArray<T>(items: readonly T[] | null | undefined, compact: boolean, writeElement: (w: Writer, item: T) => void): void {
    if (items === null || items === undefined) {
      this.length32(-1, compact);
      return;
    }
    this.length32(items.length, compact);
    for (const item of items) writeElement(this, item);
  }

  /** Writes a tagged-field section: known fields (already encoded) merged with preserved unknown ones. */
  taggedFields(known: TaggedField[] | undefined, unknown: readonly TaggedField[] | undefined): void {
    const all = known && unknown ? [...known, ...unknown].sort((a, b) => a.tag - b.tag) : (known ?? unknown ?? []);
    this.uvarint(all.length);
    for (const field of all) {
      this.uvarint(field.tag);
      this.uvarint(field.data.length);
      this.raw(field.data);
    }
  }

  /** The chunks written, in order. The writer must not be used afterwards. */
  finish(): Buffer[] {
    this.cut();
    return this.chunks;
  }

  /** All bytes as one buffer (copies when there is more than one chunk). */
  toBuffer(): Buffer {
    const chunks = this.finish();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.total);
  }
}

const EMPTY = Buffer.alloc(0);

/** Encodes one tagged field's value with `write`, for use in a tagged-field section. */
export function encodeTagged(tag: number, write: (w: Writer) => void): TaggedField {
  const w = new Writer(64);
  write(w);
  return { tag, data: w.toBuffer() };
}
