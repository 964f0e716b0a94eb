import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/assert.js';
import { ErrorCode, KafkaError } from '../common/errors.js';
import {
  assignBatchOffsets, BatchAttributes, BatchHeader, isBatchCrcValid, readBatchInfo, writeBatchCrc, type BatchInfo,
} from '../protocol/records/batch-header.js';
import { fsyncDirSync } from './file-util.js';
import { LeaderEpochCache, type EpochEndOffset, type EpochEntry } from './leader-epoch-cache.js';
import type { LogConfig } from './log-config.js';
import { LogSegment, SegmentFdPool, type BatchLocation } from './log-segment.js';
import { openSegments } from './log-loader.js';
import { readPartitionMetadata, writePartitionMetadata } from './partition-metadata.js';
import {
  loadLatestSnapshot, ProducerStateManager, pruneSnapshots, writeProducerSnapshot, type ProducerEntry,
} from './producer-state.js';

/** Producer snapshots kept per partition (older ones are deleted). */
const SNAPSHOTS_TO_KEEP = 3;

/** Result of an append, in the shape the Produce response needs. */
export interface LogAppendInfo {
  baseOffset: bigint;
  lastOffset: bigint;
  /** The broker time stamped on the batch for LogAppendTime topics, else -1. */
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  /** True when the batch was a retried duplicate: nothing was written, offsets are the original ones. */
  duplicate: boolean;
}

/** Result of a read: whole, CRC-checked batches as slices of segment reads. */
export interface FetchDataInfo {
  batches: Buffer[];
  /** The same bytes as `batches`, as contiguous slices (one per segment read): fewer chunks to write. */
  chunks: Buffer[];
  sizeBytes: number;
  logStartOffset: bigint;
  logEndOffset: bigint;
}

/** A batch found by timestamp (or the batch holding the largest timestamp), with its bytes. */
export interface TimestampBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestampMs: bigint;
  batch: Buffer;
}

/** Everything needed to open one partition log. */
export interface PartitionLogOptions {
  dir: string;
  topic: string;
  partition: number;
  /** Topic id in Kafka's base64url form, written to partition.metadata (checked if already there). */
  topicId?: string;
  config: LogConfig;
  /** Whether the log dir had Kafka's clean shutdown marker: then recovery is skipped. */
  hadCleanShutdown: boolean;
  /** Values from the log-dir checkpoints, if the partition was in them. */
  recoveryPoint?: bigint;
  logStartOffset?: bigint;
  highWatermark?: bigint;
  nowMs: bigint;
  fdPool?: SegmentFdPool;
  /** Called after the log start offset moves, so the owner can checkpoint it. */
  onLogStartOffsetChanged?: (log: PartitionLog) => void;
}

/**
 * One partition's log in Kafka's on-disk layout: segments, indexes, producer state, leader epochs.
 * Appends and reads are synchronous positional IO (page cache); flushes are async fsyncs.
 * Storage owns no timers: the caller drives flush.ms through flushIfDue(nowMs).
 */
export class PartitionLog {
  private segments: LogSegment[];
  private logStart: bigint;
  private hw: bigint;
  private recoveryOffset: bigint;
  private readonly producerState = new ProducerStateManager();
  private readonly epochCache: LeaderEpochCache;
  private readonly fdPool: SegmentFdPool;
  private flushChain: Promise<void> = Promise.resolve();
  private lastFlushMs: bigint;
  private generation = 0;
  private storageError: Error | null = null;
  private closed = false;
  private maxTimestamp = { timestampMs: -1n, offset: -1n };

  private constructor(private readonly options: PartitionLogOptions, private configValue: LogConfig) {
    this.fdPool = options.fdPool ?? new SegmentFdPool();
    this.lastFlushMs = options.nowMs;
    fs.mkdirSync(options.dir, { recursive: true });
    this.checkTopicId();
    const loaded = openSegments(options.dir, configValue, this.fdPool, options.hadCleanShutdown, options.recoveryPoint ?? 0n);
    this.segments = loaded.length > 0 ? loaded : [this.newSegment(options.logStartOffset ?? 0n, options.nowMs)];
    this.activeSegment().active = true;
    const leo = this.logEndOffset;
    this.logStart = clamp(options.logStartOffset ?? 0n, this.segments[0]!.baseOffset, leo);
    this.hw = clamp(options.highWatermark ?? this.logStart, this.logStart, leo);
    this.recoveryOffset = leo;
    this.epochCache = LeaderEpochCache.load(options.dir);
    this.epochCache.truncateFromEnd(leo);
    this.epochCache.truncateFromStart(this.logStart);
    this.rebuildProducerState();
    this.recomputeMaxTimestamp();
  }

  /** Opens (creating if needed) and recovers the partition log in `options.dir`. */
  static open(options: PartitionLogOptions): PartitionLog {
    return new PartitionLog(options, options.config);
  }

  /** Topic name. */
  get topic(): string {
    return this.options.topic;
  }

  /** Partition index. */
  get partition(): number {
    return this.options.partition;
  }

  /** The partition directory. */
  get dir(): string {
    return this.options.dir;
  }

  /** Current configuration. */
  get config(): LogConfig {
    return this.configValue;
  }

  /** First offset readable. */
  get logStartOffset(): bigint {
    return this.logStart;
  }

  /** Offset the next appended record gets. */
  get logEndOffset(): bigint {
    return this.activeSegment().nextOffset;
  }

  /** Offsets below this are fsynced. */
  get recoveryPoint(): bigint {
    return this.recoveryOffset;
  }

  /** Offsets below this are committed (replicated); persisted in replication-offset-checkpoint. */
  get highWatermark(): bigint {
    return this.hw;
  }

  /** Moves the high watermark; must stay within [logStartOffset, logEndOffset]. */
  set highWatermark(offset: bigint) {
    assert(offset <= this.logEndOffset, `high watermark ${offset} beyond log end ${this.logEndOffset}`);
    this.hw = offset < this.logStart ? this.logStart : offset;
  }

  /** Number of segments (for tests and metrics). */
  get segmentCount(): number {
    return this.segments.length;
  }

  /** Size of all segment files in bytes. */
  get sizeBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeBytes, 0);
  }

  /** Applies a new configuration (segment and flush settings take effect on the next append). */
  updateConfig(config: LogConfig): void {
    this.configValue = config;
    for (const segment of this.segments) segment.updateSettings(config);
  }

  /**
   * Appends one validated v2 batch as leader: checks idempotent-producer state, assigns offsets
   * and leader epoch in place (CRC untouched unless the topic uses LogAppendTime), rolls if due.
   * With `defer` the bytes are written by the next `writePending` (or anything that reads the
   * file), which the caller runs before it acknowledges them.
   */
  appendAsLeader(batch: Buffer, leaderEpoch: number, appendTimeMs: bigint, defer = false): LogAppendInfo {
    this.checkWritable();
    const info = this.checkBatch(batch);
    const isIdempotent = info.producerId >= 0n && (info.attributes & BatchAttributes.CONTROL) === 0;
    if (isIdempotent) {
      const duplicate = this.producerState.findDuplicate(info);
      if (duplicate) {
        return { baseOffset: duplicate.firstOffset, lastOffset: duplicate.lastOffset, logAppendTimeMs: -1n, logStartOffset: this.logStart, duplicate: true };
      }
      this.producerState.validate(info);
    }
    const logAppendTimeMs = this.configValue.messageTimestampType === 'LogAppendTime' ? appendTimeMs : -1n;
    if (logAppendTimeMs >= 0n) stampLogAppendTime(batch, info, logAppendTimeMs);
    const baseOffset = this.logEndOffset;
    assignBatchOffsets(batch, baseOffset, leaderEpoch);
    info.baseOffset = baseOffset;
    info.partitionLeaderEpoch = leaderEpoch;
    const lastOffset = this.appendBatch(batch, info, appendTimeMs, defer);
    return { baseOffset, lastOffset, logAppendTimeMs, logStartOffset: this.logStart, duplicate: false };
  }

  /**
   * Writes the bytes of deferred appends (`appendAsLeader` with `defer`: the appends of several
   * requests leave in one vectored write). Call it before acknowledging them. Throws when the log
   * has failed, so that nothing deferred is acknowledged after a storage error.
   */
  writePending(): void {
    if (this.storageError) throw this.failedError(this.storageError);
    try {
      this.activeSegment().writePending();
    } catch (err) {
      throw this.failStorage(err);
    }
  }

  /**
   * Appends the batches of one replica fetch (offsets and epochs set by the leader, each CRC
   * checked) with one vectored write per segment; batches below the log end are skipped, a
   * partial trailing batch is left for the next fetch. Returns the number of batches appended.
   */
  appendBatchesAsFollower(records: Buffer, appendTimeMs: bigint): number {
    this.checkWritable();
    let appended = 0;
    try {
      let pos = 0;
      while (pos + BatchHeader.LOG_OVERHEAD <= records.length) {
        const size = records.readInt32BE(pos + BatchHeader.BATCH_LENGTH) + BatchHeader.LOG_OVERHEAD;
        if (size < BatchHeader.SIZE || pos + size > records.length) break;
        const batch = records.subarray(pos, pos + size);
        pos += size;
        if (batch.readBigInt64BE(0) < this.logEndOffset) continue;
        this.appendAsFollower(batch, appendTimeMs, true);
        appended++;
      }
    } finally {
      this.writePending();
    }
    return appended;
  }

  /**
   * Appends a batch replicated from the leader: offsets and epoch are already set; CRC is checked.
   * `defer` as in appendAsLeader.
   */
  appendAsFollower(batch: Buffer, appendTimeMs: bigint, defer = false): LogAppendInfo {
    this.checkWritable();
    const info = this.checkBatch(batch);
    if (!isBatchCrcValid(batch)) throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `Replicated batch at offset ${info.baseOffset} fails its CRC check.`);
    if (info.baseOffset < this.logEndOffset) {
      throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `Replicated batch at offset ${info.baseOffset} is below the log end offset ${this.logEndOffset}; truncate first.`);
    }
    const lastOffset = this.appendBatch(batch, info, appendTimeMs, defer);
    return { baseOffset: info.baseOffset, lastOffset, logAppendTimeMs: -1n, logStartOffset: this.logStart, duplicate: false };
  }

  /**
   * Reads whole batches starting with the one containing `fetchOffset`, at most `maxBytes` (the first
   * batch may exceed it when `minOneBatch`, KIP-74), only batches entirely below `maxOffsetExclusive`.
   * Every batch is CRC-checked; a bad one ends the read and is never returned. The bytes are read
   * into memory from `alloc` (fresh buffers by default).
   */
  read(fetchOffset: bigint, maxBytes: number, maxOffsetExclusive: bigint, minOneBatch: boolean, alloc?: (length: number) => Buffer): FetchDataInfo {
    this.checkReadable();
    const leo = this.logEndOffset;
    if (fetchOffset < this.logStart || fetchOffset > leo) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Fetch offset ${fetchOffset} is out of range [${this.logStart}, ${leo}].`);
    }
    const result: FetchDataInfo = { batches: [], chunks: [], sizeBytes: 0, logStartOffset: this.logStart, logEndOffset: leo };
    let budget = maxBytes;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length && fetchOffset < maxOffsetExclusive; i++) {
      const segment = this.segments[i]!;
      const start = segment.findBatch(fetchOffset);
      if (!start) continue;
      const wanted = minOneBatch && result.batches.length === 0 ? Math.max(budget, start.sizeBytes) : budget;
      const chunk = segment.readAt(start.position, wanted, alloc);
      const taken = takeBatches(chunk, maxOffsetExclusive, result);
      if (taken.bytes > 0) result.chunks.push(chunk.subarray(0, taken.bytes));
      budget -= taken.bytes;
      if (!taken.reachedEnd || taken.bytes < segment.sizeBytes - start.position || budget <= 0) break;
      fetchOffset = segment.nextOffset;
    }
    if (result.batches.length === 0 && this.corruptAt(fetchOffset, maxOffsetExclusive)) {
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `Batch at offset ${fetchOffset} of ${this.topic}-${this.partition} fails its CRC check.`);
    }
    return result;
  }

  /** The first batch (at or past the log start) whose maxTimestamp >= `targetMs`, or null. */
  findBatchByTimestamp(targetMs: bigint): TimestampBatch | null {
    for (let i = this.segmentIndexFor(this.logStart); i < this.segments.length; i++) {
      const location = this.segments[i]!.findBatchByTimestamp(targetMs, this.logStart);
      if (location) return this.readLocation(this.segments[i]!, location);
    }
    return null;
  }

  /** The batch holding the largest timestamp in the log (ListOffsets -3), or null when empty. */
  maxTimestampBatch(): TimestampBatch | null {
    const { offset } = this.maxTimestamp;
    if (offset < this.logStart || offset >= this.logEndOffset) return null;
    const segment = this.segments[this.segmentIndexFor(offset)]!;
    const location = segment.findBatch(offset);
    return location ? this.readLocation(segment, location) : null;
  }

  /** Records that leader `epoch` starts at `startOffset` (persisted to leader-epoch-checkpoint). */
  assignEpochStartOffset(epoch: number, startOffset: bigint): void {
    this.epochCache.assignEpochStartOffset(epoch, startOffset);
  }

  /** OffsetForLeaderEpoch: the largest epoch <= `epoch` and its end offset. */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.epochCache.endOffsetForEpoch(epoch, this.logEndOffset);
  }

  /** Leader epoch entries, oldest first. */
  leaderEpochs(): readonly EpochEntry[] {
    return this.epochCache.list();
  }

  /** The producer state of one producer id (for tests and DescribeProducers). */
  producer(producerId: bigint): ProducerEntry | undefined {
    return this.producerState.get(producerId);
  }

  /** fsyncs everything appended so far and advances the recovery point. */
  flush(): Promise<void> {
    return this.flushUpTo(this.logEndOffset);
  }

  /** Runs flush.ms and producer expiration; call periodically with the current time. */
  async flushIfDue(nowMs: bigint): Promise<void> {
    if (this.closed) return;
    this.producerState.expire(nowMs, this.configValue.producerIdExpirationMs);
    const unflushed = this.logEndOffset > this.recoveryOffset;
    if (unflushed && nowMs - this.lastFlushMs >= BigInt(this.configValue.flushMs)) {
      this.lastFlushMs = nowMs;
      await this.flush();
    }
  }

  /**
   * Advances the log start offset (DeleteRecords). It may not pass the high watermark; segments
   * wholly below it are deleted. Returns the new log start offset.
   */
  deleteRecordsBefore(offset: bigint): bigint {
    this.checkWritable();
    if (offset > this.hw || offset < 0n) {
      throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Cannot delete records before ${offset}: the high watermark is ${this.hw}.`);
    }
    if (offset <= this.logStart) return this.logStart;
    this.logStart = offset;
    let removable = 0;
    while (removable + 1 < this.segments.length && this.segments[removable + 1]!.baseOffset <= offset) removable++;
    for (const segment of this.segments.splice(0, removable)) segment.delete();
    this.epochCache.truncateFromStart(offset);
    if (removable > 0) this.recomputeMaxTimestamp();
    this.options.onLogStartOffsetChanged?.(this);
    return this.logStart;
  }

  /** Truncates the log so that its end offset is <= `offset` (follower truncation); returns whether anything was removed. */
  truncateTo(offset: bigint): boolean {
    this.checkWritable();
    assert(offset >= 0n, `negative truncation offset ${offset}`);
    if (offset >= this.logEndOffset) return false;
    if (offset <= this.segments[0]!.baseOffset) {
      this.truncateFullyAndStartAt(offset);
      return true;
    }
    this.generation++;
    while (this.activeSegment().baseOffset >= offset) this.segments.pop()!.delete();
    const active = this.activeSegment();
    active.truncateTo(offset);
    active.active = true;
    this.afterTruncation();
    return true;
  }

  /** Deletes every segment and restarts the log empty at `offset`. */
  truncateFullyAndStartAt(offset: bigint): void {
    this.checkWritable();
    this.generation++;
    for (const segment of this.segments) segment.delete();
    this.segments = [this.newSegment(offset, this.lastFlushMs)];
    this.activeSegment().active = true;
    this.producerState.clear();
    pruneSnapshots(this.dir, -1n, 1);
    this.epochCache.clear();
    this.logStart = offset;
    this.hw = offset;
    this.recoveryOffset = offset;
    this.recomputeMaxTimestamp();
    this.options.onLogStartOffsetChanged?.(this);
  }

  /** Flushes, writes a producer snapshot at the log end and closes every file; rejects after an IO error. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.storageError) throw this.storageError;
      await this.flush();
      writeProducerSnapshot(this.dir, this.logEndOffset, this.producerState, true);
      pruneSnapshots(this.dir, this.logEndOffset, SNAPSHOTS_TO_KEEP);
    } finally {
      this.closeFiles();
    }
  }

  /** Closes every file without flushing (before the directory is deleted, or after an IO error). */
  closeFiles(): void {
    this.closed = true;
    for (const segment of this.segments) segment.close();
  }

  private appendBatch(batch: Buffer, info: BatchInfo, appendTimeMs: bigint, defer = false): bigint {
    const lastOffset = info.baseOffset + BigInt(info.lastOffsetDelta);
    try {
      let active = this.activeSegment();
      const { segmentBytes, segmentMs } = this.configValue;
      if (active.shouldRoll(batch.length, lastOffset, info.maxTimestamp, appendTimeMs, segmentBytes, segmentMs)) active = this.roll(info.baseOffset, appendTimeMs);
      if (info.partitionLeaderEpoch >= 0) this.epochCache.assignEpochStartOffset(info.partitionLeaderEpoch, info.baseOffset);
      active.append(batch, lastOffset, info.maxTimestamp, appendTimeMs, defer);
    } catch (err) {
      throw this.failStorage(err);
    }
    this.producerState.update(info, lastOffset);
    if (info.maxTimestamp > this.maxTimestamp.timestampMs) this.maxTimestamp = { timestampMs: info.maxTimestamp, offset: lastOffset };
    if (this.logEndOffset - this.recoveryOffset >= BigInt(this.configValue.flushMessages)) this.flushInBackground(this.logEndOffset);
    return lastOffset;
  }

  private roll(baseOffset: bigint, nowMs: bigint): LogSegment {
    const previous = this.activeSegment();
    previous.writePending();
    previous.onBecomeInactive();
    writeProducerSnapshot(this.dir, baseOffset, this.producerState, false);
    pruneSnapshots(this.dir, baseOffset, SNAPSHOTS_TO_KEEP);
    const segment = this.newSegment(baseOffset, nowMs);
    segment.active = true;
    this.segments.push(segment);
    this.flushInBackground(baseOffset);
    return segment;
  }

  private flushInBackground(upToOffset: bigint): void {
    this.flushUpTo(upToOffset).catch(() => undefined);
  }

  private flushUpTo(upToOffset: bigint): Promise<void> {
    const generation = this.generation;
    const run = async (): Promise<void> => {
      try {
        for (const segment of this.segments.filter((s) => s.baseOffset < upToOffset && s.dirty)) await segment.flush();
      } catch (err) {
        throw this.failStorage(err);
      }
      if (generation === this.generation && upToOffset > this.recoveryOffset) {
        this.recoveryOffset = upToOffset < this.logEndOffset ? upToOffset : this.logEndOffset;
      }
    };
    const done = this.flushChain.then(run);
    this.flushChain = done.catch(() => undefined);
    return done;
  }

  private afterTruncation(): void {
    const leo = this.logEndOffset;
    if (this.hw > leo) this.hw = leo;
    if (this.recoveryOffset > leo) this.recoveryOffset = leo;
    if (this.logStart > leo) this.logStart = leo;
    this.epochCache.truncateFromEnd(leo);
    pruneSnapshots(this.dir, leo, SNAPSHOTS_TO_KEEP);
    this.rebuildProducerState();
    this.recomputeMaxTimestamp();
  }

  /** Loads the newest snapshot <= log end and replays batch headers from there: one path for open and truncation. */
  private rebuildProducerState(): void {
    const leo = this.logEndOffset;
    this.producerState.clear();
    const snapshotOffset = loadLatestSnapshot(this.dir, leo, this.producerState);
    pruneSnapshots(this.dir, leo, SNAPSHOTS_TO_KEEP);
    const from = snapshotOffset !== null && snapshotOffset > this.logStart ? snapshotOffset : this.logStart;
    for (let i = this.segmentIndexFor(from); i < this.segments.length && from < leo; i++) {
      const segment = this.segments[i]!;
      const start = from > segment.baseOffset ? from : segment.baseOffset;
      segment.forEachBatchFrom(start, (b) => this.producerState.update(b.info, b.lastOffset));
    }
  }

  private recomputeMaxTimestamp(): void {
    this.maxTimestamp = { timestampMs: -1n, offset: -1n };
    for (const segment of this.segments) {
      if (segment.maxTimestampMs > this.maxTimestamp.timestampMs) {
        this.maxTimestamp = { timestampMs: segment.maxTimestampMs, offset: segment.offsetOfMaxTimestamp };
      }
    }
  }

  private readLocation(segment: LogSegment, location: BatchLocation): TimestampBatch {
    const batch = segment.readAt(location.position, location.sizeBytes);
    if (batch.length !== location.sizeBytes || !isBatchCrcValid(batch)) {
      throw new KafkaError(ErrorCode.CORRUPT_MESSAGE, `Batch at offset ${location.baseOffset} of ${this.topic}-${this.partition} fails its CRC check.`);
    }
    return { baseOffset: location.baseOffset, lastOffset: location.lastOffset, maxTimestampMs: location.maxTimestampMs, batch };
  }

  private corruptAt(fetchOffset: bigint, maxOffsetExclusive: bigint): boolean {
    if (fetchOffset >= this.logEndOffset || fetchOffset >= maxOffsetExclusive) return false;
    const segment = this.segments[this.segmentIndexFor(fetchOffset)]!;
    const location = segment.findBatch(fetchOffset);
    if (!location || location.lastOffset >= maxOffsetExclusive) return false;
    return !isBatchCrcValid(segment.readAt(location.position, location.sizeBytes));
  }

  private checkBatch(batch: Buffer): BatchInfo {
    assert(batch.length >= BatchHeader.SIZE, 'batch shorter than a v2 header');
    const info = readBatchInfo(batch);
    assert(info.sizeBytes === batch.length && info.magic === 2, 'append expects exactly one v2 batch');
    if (batch.length > this.configValue.maxMessageBytes) {
      throw new KafkaError(ErrorCode.MESSAGE_TOO_LARGE, `Batch of ${batch.length} bytes exceeds max.message.bytes ${this.configValue.maxMessageBytes}.`);
    }
    if (batch.length > this.configValue.segmentBytes) {
      throw new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `Batch of ${batch.length} bytes exceeds segment.bytes ${this.configValue.segmentBytes}.`);
    }
    return info;
  }

  private checkWritable(): void {
    this.checkReadable();
  }

  private checkReadable(): void {
    if (this.closed) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `Log for ${this.topic}-${this.partition} is closed.`);
    if (this.storageError) throw this.failedError(this.storageError);
  }

  /** What anything asked of a log that has failed gets (KAFKA_STORAGE_ERROR). */
  private failedError(cause: Error): KafkaError {
    return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `Log for ${this.topic}-${this.partition} failed: ${cause.message}`);
  }

  private failStorage(err: unknown): Error {
    if (err instanceof KafkaError) return err;
    this.storageError = err instanceof Error ? err : new Error(String(err));
    return new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, `IO error on ${this.topic}-${this.partition}: ${this.storageError.message}`);
  }

  private activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  private segmentIndexFor(offset: bigint): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private newSegment(baseOffset: bigint, nowMs: bigint): LogSegment {
    return LogSegment.create(this.dir, baseOffset, this.configValue, this.fdPool, nowMs);
  }

  private checkTopicId(): void {
    const { topicId, dir } = this.options;
    const existing = readPartitionMetadata(dir);
    if (topicId === undefined) return;
    if (existing === null) {
      writePartitionMetadata(dir, topicId);
      fsyncDirSync(path.dirname(dir));
    } else if (existing !== topicId) {
      throw new Error(`Topic id ${topicId} does not match the id ${existing} in ${path.join(dir, 'partition.metadata')}.`);
    }
  }
}

/** Sets LogAppendTime on a batch in place: timestamp-type bit, maxTimestamp, and a new CRC. */
function stampLogAppendTime(batch: Buffer, info: BatchInfo, appendTimeMs: bigint): void {
  info.attributes |= BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND;
  info.maxTimestamp = appendTimeMs;
  batch.writeInt16BE(info.attributes, BatchHeader.ATTRIBUTES);
  batch.writeBigInt64BE(appendTimeMs, BatchHeader.MAX_TIMESTAMP);
  writeBatchCrc(batch);
}

/** Takes whole, CRC-checked batches off the front of `chunk` (STYLE: integrity checked on read too). */
function takeBatches(chunk: Buffer, maxOffsetExclusive: bigint, result: FetchDataInfo): { bytes: number; reachedEnd: boolean } {
  let pos = 0;
  while (pos + BatchHeader.SIZE <= chunk.length) {
    const size = chunk.readInt32BE(pos + BatchHeader.BATCH_LENGTH) + BatchHeader.LOG_OVERHEAD;
    if (size < BatchHeader.SIZE || pos + size > chunk.length) break;
    const lastOffset = chunk.readBigInt64BE(pos) + BigInt(chunk.readInt32BE(pos + BatchHeader.LAST_OFFSET_DELTA));
    if (lastOffset >= maxOffsetExclusive) return { bytes: pos, reachedEnd: false };
    const batch = chunk.subarray(pos, pos + size);
    if (!isBatchCrcValid(batch)) return { bytes: pos, reachedEnd: false };
    result.batches.push(batch);
    result.sizeBytes += size;
    pos += size;
  }
  return { bytes: pos, reachedEnd: pos === chunk.length };
}

function clamp(value: bigint, min: bigint, max: bigint): bigint {
  if (value < min) return min;
  return value > max ? max : value;
}
