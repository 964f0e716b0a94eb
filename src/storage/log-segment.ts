import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/assert.js';
import { BatchHeader, readBatchInfo, type BatchInfo } from '../protocol/records/batch-header.js';
import { LOCATE_CHUNK_BYTES, scanBatches, type ScanEnd, type ScannedBatch } from './batch-scanner.js';
import { fsyncAsync, offsetFileName, readFullySync, writeFullySync, writevFullySync } from './file-util.js';
import { OffsetIndex, TimeIndex, type TimestampOffset } from './segment-index.js';

/** File name suffixes of one segment, as Kafka names them. */
export const SegmentFileSuffix = { LOG: '.log', INDEX: '.index', TIME_INDEX: '.timeindex' } as const;

/** Where a batch sits in a segment file. */
export interface BatchLocation {
  position: number;
  sizeBytes: number;
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestampMs: bigint;
}

/** Per-segment settings taken from the LogConfig. */
export interface SegmentSettings {
  segmentIndexBytes: number;
  indexIntervalBytes: number;
}

/**
 * Bounds the number of open segment descriptors: inactive segments open theirs lazily on read and
 * the least recently used are closed beyond `maxOpenSegments`. Active and pinned segments stay open.
 */
export class SegmentFdPool {
  private readonly open = new Map<LogSegment, true>();
  /** The segment touched last: touching it again changes nothing (the hot path of appends). */
  private lastTouched: LogSegment | null = null;

  /** Creates a pool closing descriptors beyond `maxOpenSegments`. */
  constructor(readonly maxOpenSegments = 1024) {
    assert(maxOpenSegments >= 1, 'maxOpenSegments must be positive');
  }

  /** Marks `segment` as just used and closes the least recently used ones over the bound. */
  touch(segment: LogSegment): void {
    if (this.open.size <= this.maxOpenSegments && this.lastTouched === segment) return;
    this.lastTouched = segment;
    this.open.delete(segment);
    this.open.set(segment, true);
    let budget = this.open.size;
    for (const candidate of this.open.keys()) {
      if (this.open.size <= this.maxOpenSegments || budget-- <= 0) break;
      if (candidate.evictable()) candidate.releaseFd();
    }
  }

  /** Forgets a segment whose descriptor was closed. */
  forget(segment: LogSegment): void {
    this.open.delete(segment);
    if (this.lastTouched === segment) this.lastTouched = null;
  }

  /** Number of segments with an open descriptor. */
  get size(): number {
    return this.open.size;
  }
}

/**
 * One segment: a `.log` file of v2 batches exactly as appended, with its sparse `.index` and
 * `.timeindex`. All reads and writes are synchronous positional calls; only fsync is async.
 */
export class LogSegment {
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  /** Valid bytes in the log file; nothing beyond is ever read. */
  sizeBytes = 0;
  /** Offset after the last batch (baseOffset when empty). */
  nextOffset: bigint;
  /** Largest batch maxTimestamp in the segment (-1 when empty) and the last offset of that batch. */
  maxTimestampMs = -1n;
  offsetOfMaxTimestamp = -1n;
  /** Whether bytes were written since the last fsync. */
  dirty = false;
  /** Bytes of deferred appends not written yet, and where they start. */
  private pending: Buffer[] = [];
  private pendingPosition = 0;
  /** Whether this is the partition's active (last) segment. */
  active = false;
  private fd: number | null = null;
  private pins = 0;
  private closed = false;
  private bytesSinceLastIndexEntry = 0;
  private firstBatchTimestampMs: bigint | null = null;
  private createdMs: bigint | null = null;

  private constructor(
    readonly dir: string,
    readonly baseOffset: bigint,
    private settings: SegmentSettings,
    private readonly pool: SegmentFdPool,
  ) {
    this.nextOffset = baseOffset;
    this.offsetIndex = new OffsetIndex(this.filePath(SegmentFileSuffix.INDEX), baseOffset, settings.segmentIndexBytes);
    this.timeIndex = new TimeIndex(this.filePath(SegmentFileSuffix.TIME_INDEX), baseOffset, settings.segmentIndexBytes);
  }

  /** Creates a new empty segment (all three files) at `baseOffset`. */
  static create(dir: string, baseOffset: bigint, settings: SegmentSettings, pool: SegmentFdPool, nowMs: bigint): LogSegment {
    const segment = new LogSegment(dir, baseOffset, settings, pool);
    fs.writeFileSync(segment.logFile, Buffer.alloc(0), { flag: 'w' });
    segment.offsetIndex.reset();
    segment.timeIndex.reset();
    segment.createdMs = nowMs;
    return segment;
  }

  /** Opens an existing segment; indexes are loaded and must then be validated by the caller. */
  static open(dir: string, baseOffset: bigint, settings: SegmentSettings, pool: SegmentFdPool): LogSegment {
    const segment = new LogSegment(dir, baseOffset, settings, pool);
    segment.sizeBytes = fs.statSync(segment.logFile).size;
    return segment;
  }

  /** Path of the `.log` file. */
  get logFile(): string {
    return this.filePath(SegmentFileSuffix.LOG);
  }

  /** Path of this segment's file with the given suffix. */
  filePath(suffix: string): string {
    return path.join(this.dir, offsetFileName(this.baseOffset, suffix));
  }

  /** Applies changed index settings (takes effect for new entries). */
  updateSettings(settings: SegmentSettings): void {
    this.settings = settings;
  }

  /**
   * Loads indexes and finds the end of the segment by walking headers from the last index entry.
   * Returns false if an index is corrupt or the tail is not a clean sequence of batches: recover it.
   */
  loadClean(): boolean {
    if (!this.offsetIndex.load() || !this.timeIndex.load()) return false;
    if (!this.offsetIndex.isSane(this.sizeBytes, BigInt(Number.MAX_SAFE_INTEGER))) return false;
    const last = this.timeIndex.lastEntry();
    if (last) this.noteTimestamp(last.timestampMs, last.offset);
    const start = this.offsetIndex.lastPosition();
    const walk = scanBatches(this.acquireFd(), start, this.sizeBytes, this.baseOffset, false);
    const end = this.drain(walk, (batch) => this.noteBatch(batch));
    if (end.problem !== null || !this.offsetIndex.isSane(this.sizeBytes, this.nextOffset)) return false;
    return this.timeIndex.isSane(this.nextOffset === this.baseOffset ? this.baseOffset + 1n : this.nextOffset);
  }

  /**
   * Kafka's LogSegment.recover: walks every batch from the start checking header sanity and
   * CRC-32C, rebuilds both indexes, and truncates the file at the first invalid or partial batch.
   * Returns the number of bytes truncated.
   */
  recover(): number {
    this.resetIndexes();
    const walk = scanBatches(this.acquireFd(), 0, this.sizeBytes, this.baseOffset, true);
    const end = this.drain(walk, (batch) => this.indexBatch(batch.position, batch.info.sizeBytes, batch.lastOffset, batch.info.maxTimestamp));
    const truncatedBytes = this.sizeBytes - end.validBytes;
    if (truncatedBytes > 0) this.truncateFile(end.validBytes);
    return truncatedBytes;
  }

  /**
   * Appends one batch whose offsets are already assigned; maintains both indexes. With `defer`,
   * the bytes are queued and written (one vectored write for the run) by `writePending`, which the
   * caller runs before it acknowledges them; anything else that touches the file (a read, a
   * truncation, an fsync, a non-deferred append, closing) writes pending bytes first.
   */
  append(batch: Buffer, lastOffset: bigint, maxTimestampMs: bigint, nowMs: bigint, defer = false): void {
    assert(!this.closed, 'append to a closed segment');
    assert(lastOffset - this.baseOffset <= 0x7fffffffn, 'offset not relative to segment base');
    const position = this.sizeBytes;
    if (defer) {
      if (this.pending.length === 0) this.pendingPosition = position;
      this.pending.push(batch);
    } else {
      writeFullySync(this.acquireFd(), batch, position);
    }
    this.sizeBytes += batch.length;
    this.dirty = true;
    if (this.createdMs === null) this.createdMs = nowMs;
    if (this.firstBatchTimestampMs === null && position === 0) this.firstBatchTimestampMs = maxTimestampMs;
    this.indexBatch(position, batch.length, lastOffset, maxTimestampMs);
  }

  /** Kafka's shouldRoll: would appending `sizeBytes` ending at `lastOffset` need a new segment first? */
  shouldRoll(sizeBytes: number, lastOffset: bigint, maxTimestampMs: bigint, nowMs: bigint, segmentBytes: number, segmentMs: number): boolean {
    if (this.sizeBytes === 0) return false;
    if (this.sizeBytes > segmentBytes - sizeBytes) return true;
    if (this.offsetIndex.isFull() || this.timeIndex.isFull()) return true;
    if (lastOffset - this.baseOffset > 0x7fffffffn) return true;
    return this.timeWaitedForRollMs(maxTimestampMs, nowMs) > BigInt(segmentMs);
  }

  /** Called when a newer segment becomes active: records the final time index entry, as Kafka does. */
  onBecomeInactive(): void {
    if (this.maxTimestampMs >= 0n) this.timeIndex.maybeAppend(this.maxTimestampMs, this.offsetOfMaxTimestamp);
    this.active = false;
  }

  /** Location of the batch containing `offset` (first batch with lastOffset >= offset), or null past the end. */
  findBatch(offset: bigint): BatchLocation | null {
    if (offset >= this.nextOffset) return null;
    return this.findFrom(this.offsetIndex.lookup(offset), (b) => b.lastOffset >= offset);
  }

  /** Location of the first batch at or past `minOffset` whose maxTimestamp >= `targetMs`, or null. */
  findBatchByTimestamp(targetMs: bigint, minOffset: bigint): BatchLocation | null {
    if (this.maxTimestampMs < targetMs || minOffset >= this.nextOffset) return null;
    const entry: TimestampOffset | null = this.timeIndex.lookup(targetMs);
    const start = Math.max(entry ? this.offsetIndex.lookup(entry.offset) : 0, this.offsetIndex.lookup(minOffset));
    return this.findFrom(start, (b) => b.lastOffset >= minOffset && b.info.maxTimestamp >= targetMs);
  }

  /** Walks the headers of every batch from the one containing `fromOffset` to the end (or a bad header). */
  forEachBatchFrom(fromOffset: bigint, visit: (b: ScannedBatch) => void): ScanEnd {
    const start = this.findBatch(fromOffset);
    if (!start) return { validBytes: 0, problem: null };
    this.pins++;
    try {
      return this.drain(scanBatches(this.acquireFd(), start.position, this.sizeBytes, this.baseOffset, false), visit);
    } finally {
      this.unpin();
    }
  }

  /** Writes the bytes of deferred appends (one vectored write). */
  writePending(): void {
    if (this.pending.length === 0) return;
    const chunks = this.pending;
    this.pending = [];
    writevFullySync(this.openFd(), chunks, this.pendingPosition);
  }

  /**
   * Reads `length` bytes at `position` with one positional read (clamped to the valid size), into
   * memory from `alloc` (a fresh buffer by default; the fetch path passes a reused arena).
   */
  readAt(position: number, length: number, alloc: (length: number) => Buffer = Buffer.allocUnsafe): Buffer {
    const wanted = Math.max(0, Math.min(length, this.sizeBytes - position));
    const buf = alloc(wanted);
    this.pins++;
    try {
      const n = readFullySync(this.acquireFd(), buf, wanted, position);
      return buf.subarray(0, n);
    } finally {
      this.unpin();
    }
  }

  /** Reads the header of the batch at `position`. */
  readHeaderAt(position: number): BatchInfo {
    return readBatchInfo(this.readAt(position, BatchHeader.SIZE));
  }

  /** Drops every batch from the one containing `offset` on; returns bytes removed. Indexes follow. */
  truncateTo(offset: bigint): number {
    const location = this.findBatch(offset);
    if (!location) return 0;
    const removed = this.sizeBytes - location.position;
    this.truncateFile(location.position);
    this.resetIndexes();
    const walk = scanBatches(this.acquireFd(), 0, this.sizeBytes, this.baseOffset, false);
    this.drain(walk, (b) => this.indexBatch(b.position, b.info.sizeBytes, b.lastOffset, b.info.maxTimestamp));
    return removed;
  }

  /** fsyncs the log file and indexes if they have unflushed writes. */
  async flush(): Promise<void> {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    this.pins++;
    try {
      const fd = this.acquireFd();
      await Promise.all([fsyncAsync(fd), this.offsetIndex.flush(), this.timeIndex.flush()]);
      if (!this.active) this.closeIndexWriters();
    } catch (err) {
      this.dirty = true;
      throw err;
    } finally {
      this.unpin();
    }
  }

  /** fsyncs synchronously (used once after recovery at open). */
  flushSync(): void {
    fs.fsyncSync(this.acquireFd());
    this.offsetIndex.flushSync();
    this.timeIndex.flushSync();
    this.dirty = false;
    if (!this.active) this.closeIndexWriters();
  }

  /** Closes every descriptor (deferred while an fsync or read holds the segment). */
  close(): void {
    if (!this.closed) this.writePending();
    this.closed = true;
    this.closeIndexWriters();
    if (this.pins === 0) this.releaseFd();
  }

  /** Closes and deletes the segment's files. */
  delete(): void {
    this.pending = [];
    this.close();
    fs.rmSync(this.logFile, { force: true });
    this.offsetIndex.delete();
    this.timeIndex.delete();
  }

  /** Whether the pool may close this segment's descriptor now. */
  evictable(): boolean {
    return !this.active && this.pins === 0 && !this.dirty && this.pending.length === 0;
  }

  /** Closes the log file descriptor (reopened on demand unless the segment is closed). */
  releaseFd(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.pool.forget(this);
  }

  /** The log file's descriptor, with deferred appends written first: whoever reads, truncates or fsyncs sees them. */
  private acquireFd(): number {
    this.writePending();
    return this.openFd();
  }

  private openFd(): number {
    if (this.closed && this.pins === 0) assert(false, `segment ${this.logFile} is closed`);
    if (this.fd === null) this.fd = fs.openSync(this.logFile, 'r+');
    this.pool.touch(this);
    return this.fd;
  }

  private unpin(): void {
    this.pins--;
    if (this.closed && this.pins === 0) this.releaseFd();
  }

  private closeIndexWriters(): void {
    this.offsetIndex.closeWriter();
    this.timeIndex.closeWriter();
  }

  private timeWaitedForRollMs(maxTimestampMs: bigint, nowMs: bigint): bigint {
    if (this.firstBatchTimestampMs === null && this.sizeBytes > 0) this.firstBatchTimestampMs = this.readHeaderAt(0).maxTimestamp;
    if (this.firstBatchTimestampMs !== null && this.firstBatchTimestampMs >= 0n) return maxTimestampMs - this.firstBatchTimestampMs;
    if (this.createdMs === null) this.createdMs = nowMs;
    return nowMs - this.createdMs;
  }

  private indexBatch(position: number, sizeBytes: number, lastOffset: bigint, maxTimestampMs: bigint): void {
    this.noteTimestamp(maxTimestampMs, lastOffset);
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes && !this.offsetIndex.isFull()) {
      this.offsetIndex.append(lastOffset, position);
      // Batches without timestamps (-1) leave the time index alone.
      if (this.maxTimestampMs >= 0n) this.timeIndex.maybeAppend(this.maxTimestampMs, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeBytes;
    this.nextOffset = lastOffset + 1n;
  }

  private noteBatch(batch: ScannedBatch): void {
    this.noteTimestamp(batch.info.maxTimestamp, batch.lastOffset);
    this.nextOffset = batch.lastOffset + 1n;
    this.bytesSinceLastIndexEntry = batch.position + batch.info.sizeBytes - this.offsetIndex.lastPosition();
  }

  private noteTimestamp(timestampMs: bigint, offset: bigint): void {
    if (timestampMs > this.maxTimestampMs) {
      this.maxTimestampMs = timestampMs;
      this.offsetOfMaxTimestamp = offset;
    }
  }

  private findFrom(start: number, match: (b: ScannedBatch) => boolean): BatchLocation | null {
    this.pins++;
    try {
      const walk = scanBatches(this.acquireFd(), start, this.sizeBytes, this.baseOffset, false, LOCATE_CHUNK_BYTES);
      for (let step = walk.next(); !step.done; step = walk.next()) {
        const b = step.value;
        if (match(b)) {
          return { position: b.position, sizeBytes: b.info.sizeBytes, baseOffset: b.info.baseOffset, lastOffset: b.lastOffset, maxTimestampMs: b.info.maxTimestamp };
        }
      }
      return null;
    } finally {
      this.unpin();
    }
  }

  private drain(walk: Generator<ScannedBatch, ScanEnd>, onBatch: (b: ScannedBatch) => void): ScanEnd {
    for (;;) {
      const step = walk.next();
      if (step.done) return step.value;
      onBatch(step.value);
    }
  }

  private resetIndexes(): void {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    this.bytesSinceLastIndexEntry = 0;
    this.nextOffset = this.baseOffset;
    this.maxTimestampMs = -1n;
    this.offsetOfMaxTimestamp = -1n;
    this.firstBatchTimestampMs = null;
  }

  private truncateFile(sizeBytes: number): void {
    fs.ftruncateSync(this.acquireFd(), sizeBytes);
    this.sizeBytes = sizeBytes;
    this.dirty = true;
  }
}
