import { ProtocolError, type TaggedField } from './types.js';

/**
 * Bounds-checked big-endian reader over one buffer. Every length read from the wire is checked
 * against the bytes that remain before anything is allocated, so no input can make it allocate
 * more than the frame it reads.
 */
export class Reader {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
    readonly end = buf.length,
  ) {}

  /** Bytes left to read. */
  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): number {
    if (n < 0 || this.pos + n > this.end) {
      throw new ProtocolError(`need ${n} bytes at position ${this.pos}, only ${this.end - this.pos} left`);
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }

  int8(): number {
    return this.buf.readInt8(this.need(1));
  }
  bool(): boolean {
    return this.buf[this.need(1)] !== 0;
  }
  int16(): number {
    return this.buf.readInt16BE(this.need(2));
  }
  uint16(): number {
    return this.buf.readUInt16BE(this.need(2));
  }
  int32(): number {
    return this.buf.readInt32BE(this.need(4));
  }
  uint32(): number {
    return this.buf.readUInt32BE(this.need(4));
  }
  int64(): bigint {
    return this.buf.readBigInt64BE(this.need(8));
  }
  float64(): number {
    return this.buf.readDoubleBE(this.need(8));
  }
  uuid(): string {
    const at = this.need(16);
    return this.buf.toString('base64url', at, at + 16);
  }

  /** Unsigned LEB128 varint of at most 5 bytes (a 32-bit value). */
  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.buf[this.need(1)]!;
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw new ProtocolError(`varint longer than 5 bytes at position ${this.pos}`);
  }

  /** Length of a compact (uvarint N+1) field; -1 means null. */
  private compactLength(): number {
    return this.uvarint() - 1;
  }

  private readString(length: number): string {
    const at = this.need(length);
    return this.buf.toString('utf8', at, at + length);
  }

  string(compact: boolean): string {
    const s = this.nullableString(compact);
    if (s === null) throw new ProtocolError('null in a non-nullable string');
    return s;
  }
  nullableString(compact: boolean): string | null {
    const length = compact ? this.compactLength() : this.int16();
    if (length < 0) return null;
    return this.readString(length);
  }

  /** Zero-copy view of a byte field. */
  bytes(compact: boolean): Buffer {
    const b = this.nullableBytes(compact);
    if (b === null) throw new ProtocolError('null in a non-nullable bytes field');
    return b;
  }
  nullableBytes(compact: boolean): Buffer | null {
    const length = compact ? this.compactLength() : this.int32();
    if (length < 0) return null;
    const at = this.need(length);
    return this.buf.subarray(at, at + length);
  }

  /** Array length, checked against the bytes left (each element takes at least one byte). */
  arrayLength(compact: boolean): number {
    const length = compact ? this.compactLength() : this.int32();
    if (length > this.remaining) {
      throw new ProtocolError(`array of ${length} elements with only ${this.remaining} bytes left`);
    }
    return length;
  }

  array<T>(compact: boolean, readElement: (r: Reader) => T): T[] {
    const items = this.nullableArray(compact, readElement);
    if (items === null) throw new ProtocolError('null in a non-nullable array');
    return items;
  }
  nullableArray<T>(compact: boolean, readElement: (r: Reader) => T): T[] | null {
    const length = this.arrayLength(compact);
    if (length < 0) return null;
    const items = new Array<T>(length);
    for (let i = 0; i < length; i++) items[i] = readElement(this);
    return items;
  }

  /**
   * Reads a tagged-field section. Known tags go to `onKnown` (which reads exactly `size` bytes
   * through a sub-reader); unknown tags are returned so the caller can keep them.
   */
  taggedFields(onKnown: (tag: number, r: Reader) => boolean): TaggedField[] | undefined {
    const count = this.uvarint();
    if (count > this.remaining) throw new ProtocolError(`${count} tagged fields with ${this.remaining} bytes left`);
    let unknown: TaggedField[] | undefined;
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= lastTag) throw new ProtocolError(`tagged fields out of order: ${tag} after ${lastTag}`);
      lastTag = tag;
      const size = this.uvarint();
      const at = this.need(size);
      const sub = new Reader(this.buf, at, at + size);
      if (!onKnown(tag, sub)) {
        unknown ??= [];
        unknown.push({ tag, data: this.buf.subarray(at, at + size) });
      }
    }
    return unknown;
  }
}
