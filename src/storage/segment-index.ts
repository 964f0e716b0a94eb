import fs from 'node:fs';
import { assert } from '../common/assert.js';
import { fsyncAsync, writeFullySync } from './file-util.js';

const OPEN_READ_WRITE_CREATE = fs.constants.O_RDWR | fs.constants.O_CREAT;

/** Pending index entries written to the file in one go once this many have accumulated. */
const WRITE_BEHIND_ENTRIES = 512;

/**
 * Shared mechanics of Kafka's sparse index files: fixed-size big-endian entries appended at the end
 * of a file, mirrored in memory for lookups. No preallocation: the file holds exactly the valid
 * entries, as Kafka's indexes do after a trim. Entries are written behind (Kafka maps the file
 * instead): in batches, and always before a flush, a close or a rename, so an index on disk is
 * complete for every flushed segment; recovery rebuilds the indexes of unflushed ones.
 */
abstract class IndexFile {
  protected count = 0;
  /** Entries already written to the file; entries from here to `count` are pending. */
  private written = 0;
  private fd: number | null = null;

  protected constructor(
    readonly file: string,
    readonly baseOffset: bigint,
    protected readonly entryBytes: number,
    readonly maxEntries: number,
  ) {
    assert(maxEntries >= 1, 'an index needs room for one entry');
  }

  /** Number of entries. */
  get entries(): number {
    return this.count;
  }

  /** Whether no more entries fit (the segment must roll). */
  isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  /** Reads the file into memory; returns false if its size is not a whole number of entries. */
  load(): boolean {
    const bytes = fs.existsSync(this.file) ? fs.readFileSync(this.file) : Buffer.alloc(0);
    if (bytes.length % this.entryBytes !== 0 || bytes.length / this.entryBytes > this.maxEntries) return false;
    this.clearMemory();
    const n = bytes.length / this.entryBytes;
    for (let i = 0; i < n; i++) this.decodeEntry(bytes, i * this.entryBytes);
    this.written = this.count;
    return true;
  }

  /** Empties the index (file and memory). */
  reset(): void {
    this.truncateToEntries(0);
  }

  /** Keeps only the first `n` entries. */
  truncateToEntries(n: number): void {
    assert(n >= 0 && n <= this.count, `cannot truncate index to ${n} of ${this.count} entries`);
    this.count = n;
    if (this.written <= n) return;
    this.written = n;
    const bytes = n * this.entryBytes;
    if (this.fd !== null) fs.ftruncateSync(this.fd, bytes);
    else if (fs.existsSync(this.file)) fs.truncateSync(this.file, bytes);
    else fs.writeFileSync(this.file, Buffer.alloc(0));
  }

  /** Writes pending entries, then fsyncs the file if it has an open writer. */
  async flush(): Promise<void> {
    this.writePending();
    if (this.fd !== null) await fsyncAsync(this.fd);
  }

  /** Writes pending entries, then fsyncs the file synchronously if it has an open writer. */
  flushSync(): void {
    this.writePending();
    if (this.fd !== null) fs.fsyncSync(this.fd);
  }

  /** Writes pending entries and closes the writer descriptor (reopened on the next append). */
  closeWriter(): void {
    this.writePending();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Deletes the file. */
  delete(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.file, { force: true });
    this.clearMemory();
    this.written = 0;
  }

  /** Renames the file (the in-memory entries stay valid). */
  rename(file: string): void {
    this.writePending();
    fs.renameSync(this.file, file);
    (this as { file: string }).file = file;
  }

  /** Called after an entry was added in memory: writes pending entries once enough accumulated. */
  protected entryAdded(): void {
    if (this.count - this.written >= WRITE_BEHIND_ENTRIES) this.writePending();
  }

  /** Writes the pending entries at the end of the file with one positional write. */
  private writePending(): void {
    if (this.written >= this.count) return;
    if (this.fd === null) this.fd = fs.openSync(this.file, OPEN_READ_WRITE_CREATE);
    const out = Buffer.allocUnsafe((this.count - this.written) * this.entryBytes);
    for (let i = this.written; i < this.count; i++) this.encodeEntry(i, out, (i - this.written) * this.entryBytes);
    writeFullySync(this.fd, out, this.written * this.entryBytes);
    this.written = this.count;
  }

  protected relative(offset: bigint): number {
    const rel = offset - this.baseOffset;
    assert(rel >= 0n && rel <= 0x7fffffffn, `offset ${offset} not relative to base ${this.baseOffset}`);
    return Number(rel);
  }

  /** Index of the last entry whose key is <= target (binary search), or -1. */
  protected floorIndex(keyAt: (i: number) => number | bigint, target: number | bigint): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (keyAt(mid) <= target) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  protected abstract clearMemory(): void;
  protected abstract decodeEntry(bytes: Buffer, pos: number): void;
  protected abstract encodeEntry(i: number, out: Buffer, pos: number): void;
}

/** Growth helper for the typed arrays that mirror index files. */
function grown<T extends Int32Array | BigInt64Array>(array: T, needed: number, max: number, make: (n: number) => T): T {
  if (needed <= array.length) return array;
  const next = make(Math.min(max, Math.max(needed, array.length * 2, 64)));
  next.set(array as never);
  return next;
}

/** Kafka's `.index`: int32 relative offset + int32 file position of a batch. */
export class OffsetIndex extends IndexFile {
  private relOffsets = new Int32Array(0);
  private positions = new Int32Array(0);

  /** Creates an index for `file` (call load() to read existing entries). */
  constructor(file: string, baseOffset: bigint, maxIndexBytes: number) {
    super(file, baseOffset, 8, Math.floor(maxIndexBytes / 8));
  }

  /** Appends an entry; offsets and positions must increase. */
  append(offset: bigint, position: number): void {
    const rel = this.relative(offset);
    if (this.count > 0) {
      assert(rel > this.relOffsets[this.count - 1]!, `index offset ${offset} not increasing in ${this.file}`);
    }
    assert(!this.isFull(), `index ${this.file} is full`);
    this.push(rel, position);
    this.entryAdded();
  }

  /** File position of the last entry with offset <= `offset` (0 if none): a batch boundary to scan from. */
  lookup(offset: bigint): number {
    if (offset < this.baseOffset) return 0;
    const rel = offset - this.baseOffset > 0x7fffffffn ? 0x7fffffff : Number(offset - this.baseOffset);
    const i = this.floorIndex((j) => this.relOffsets[j]!, rel);
    return i < 0 ? 0 : this.positions[i]!;
  }

  /** Position of the last entry, or 0. */
  lastPosition(): number {
    return this.count === 0 ? 0 : this.positions[this.count - 1]!;
  }

  /** Drops entries whose offset >= `offset` or whose position >= `sizeBytes`. */
  truncateTo(offset: bigint, sizeBytes: number): void {
    let n = this.count;
    while (n > 0 && (this.baseOffset + BigInt(this.relOffsets[n - 1]!) >= offset || this.positions[n - 1]! >= sizeBytes)) n--;
    if (n < this.count) this.truncateToEntries(n);
  }

  /** Whether entries increase strictly and stay inside the segment (`sizeBytes`, `endOffset` exclusive). */
  isSane(sizeBytes: number, endOffset: bigint): boolean {
    for (let i = 0; i < this.count; i++) {
      const offset = this.baseOffset + BigInt(this.relOffsets[i]!);
      if (offset >= endOffset || this.positions[i]! < 0 || this.positions[i]! >= sizeBytes) return false;
      if (i > 0 && (this.relOffsets[i]! <= this.relOffsets[i - 1]! || this.positions[i]! <= this.positions[i - 1]!)) return false;
    }
    return true;
  }

  protected clearMemory(): void {
    this.count = 0;
  }

  protected decodeEntry(bytes: Buffer, pos: number): void {
    this.push(bytes.readInt32BE(pos), bytes.readInt32BE(pos + 4));
  }

  protected encodeEntry(i: number, out: Buffer, pos: number): void {
    out.writeInt32BE(this.relOffsets[i]!, pos);
    out.writeInt32BE(this.positions[i]!, pos + 4);
  }

  private push(rel: number, position: number): void {
    this.relOffsets = grown(this.relOffsets, this.count + 1, this.maxEntries, (n) => new Int32Array(n));
    this.positions = grown(this.positions, this.count + 1, this.maxEntries, (n) => new Int32Array(n));
    this.relOffsets[this.count] = rel;
    this.positions[this.count] = position;
    this.count++;
  }
}

/** One time index entry: a max timestamp so far and the (last) offset of the batch that reached it. */
export interface TimestampOffset {
  timestampMs: bigint;
  offset: bigint;
}

/** Kafka's `.timeindex`: int64 timestamp + int32 relative offset, timestamps strictly increasing. */
export class TimeIndex extends IndexFile {
  private timestamps = new BigInt64Array(0);
  private relOffsets = new Int32Array(0);

  /** Creates a time index for `file` (call load() to read existing entries). */
  constructor(file: string, baseOffset: bigint, maxIndexBytes: number) {
    super(file, baseOffset, 12, Math.floor(maxIndexBytes / 12));
  }

  /** Appends (timestamp, offset) if the timestamp is larger than the last entry's; returns whether it did. */
  maybeAppend(timestampMs: bigint, offset: bigint): boolean {
    const last = this.lastEntry();
    if (last && timestampMs <= last.timestampMs) return false;
    if (this.isFull()) return false;
    const rel = this.relative(offset);
    this.push(timestampMs, rel);
    this.entryAdded();
    return true;
  }

  /** The last entry, or null when empty. */
  lastEntry(): TimestampOffset | null {
    if (this.count === 0) return null;
    return { timestampMs: this.timestamps[this.count - 1]!, offset: this.baseOffset + BigInt(this.relOffsets[this.count - 1]!) };
  }

  /** The last entry with timestamp <= target, or null (scan from the segment start). */
  lookup(targetMs: bigint): TimestampOffset | null {
    const i = this.floorIndex((j) => this.timestamps[j]!, targetMs);
    if (i < 0) return null;
    return { timestampMs: this.timestamps[i]!, offset: this.baseOffset + BigInt(this.relOffsets[i]!) };
  }

  /** Drops entries whose offset >= `offset`. */
  truncateTo(offset: bigint): void {
    let n = this.count;
    while (n > 0 && this.baseOffset + BigInt(this.relOffsets[n - 1]!) >= offset) n--;
    if (n < this.count) this.truncateToEntries(n);
  }

  /** Whether timestamps and offsets never decrease and offsets stay below `endOffset`. */
  isSane(endOffset: bigint): boolean {
    for (let i = 0; i < this.count; i++) {
      if (this.baseOffset + BigInt(this.relOffsets[i]!) >= endOffset || this.relOffsets[i]! < 0) return false;
      if (i > 0 && (this.timestamps[i]! <= this.timestamps[i - 1]! || this.relOffsets[i]! < this.relOffsets[i - 1]!)) return false;
    }
    return true;
  }

  protected clearMemory(): void {
    this.count = 0;
  }

  protected decodeEntry(bytes: Buffer, pos: number): void {
    this.push(bytes.readBigInt64BE(pos), bytes.readInt32BE(pos + 8));
  }

  protected encodeEntry(i: number, out: Buffer, pos: number): void {
    out.writeBigInt64BE(this.timestamps[i]!, pos);
    out.writeInt32BE(this.relOffsets[i]!, pos + 8);
  }

  private push(timestampMs: bigint, rel: number): void {
    this.timestamps = grown(this.timestamps, this.count + 1, this.maxEntries, (n) => new BigInt64Array(n));
    this.relOffsets = grown(this.relOffsets, this.count + 1, this.maxEntries, (n) => new Int32Array(n));
    this.timestamps[this.count] = timestampMs;
    this.relOffsets[this.count] = rel;
    this.count++;
  }
}
