import fs from 'node:fs';
import path from 'node:path';
import { crc32c } from '../protocol/index.js';
import { assert } from '../common/assert.js';
import { ErrorCode, KafkaError } from '../common/errors.js';
import { BatchAttributes, NO_PRODUCER_EPOCH, type BatchInfo } from '../protocol/records/batch-header.js';
import { offsetFileName, parseOffsetFileName, unlinkIfExistsSync, writeFileAtomicSync } from './file-util.js';

/** Batches remembered per producer for duplicate detection (Kafka's NUM_BATCHES_TO_RETAIN). */
export const NUM_BATCHES_TO_RETAIN = 5;

/** Upper bound on producers tracked per partition; beyond it the least recently seen are dropped. */
export const MAX_PRODUCERS_PER_PARTITION = 100_000;

const INT32_MAX = 0x7fffffff;
const SNAPSHOT_SUFFIX = '.snapshot';
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER_BYTES = 10;
const SNAPSHOT_ENTRY_BYTES = 46;

/** Sequence range and offsets of one appended batch. */
export interface BatchMetadata {
  firstSeq: number;
  lastSeq: number;
  firstOffset: bigint;
  lastOffset: bigint;
  timestampMs: bigint;
}

/** What the partition knows about one producer id. */
export interface ProducerEntry {
  producerId: bigint;
  epoch: number;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  batches: BatchMetadata[];
  lastTimestampMs: bigint;
  coordinatorEpoch: number;
  currentTxnFirstOffset: bigint;
}

/** Kafka's sequence arithmetic: sequences wrap from Int32 max to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** Inverse of incrementSequence. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return INT32_MAX - (decrement - sequence) + 1;
  return sequence - decrement;
}

function inSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

/**
 * Kafka's ProducerStateManager for idempotent producers: per producer id the epoch and the last
 * five batches. Leader appends are validated (duplicates, sequence gaps, fencing); follower
 * appends and log replay are applied without validation, so live and recovery are one path.
 */
export class ProducerStateManager {
  private readonly producers = new Map<bigint, ProducerEntry>();

  /** The entry for a producer id, if any. */
  get(producerId: bigint): ProducerEntry | undefined {
    return this.producers.get(producerId);
  }

  /** Number of producers tracked. */
  get size(): number {
    return this.producers.size;
  }

  /** All entries (for snapshots and inspection). */
  entries(): IterableIterator<ProducerEntry> {
    return this.producers.values();
  }

  /** The cached batch with the same epoch and sequence range as `batch`, i.e. a retried duplicate. */
  findDuplicate(batch: BatchInfo): BatchMetadata | null {
    const entry = this.producers.get(batch.producerId);
    if (!entry || entry.epoch !== batch.producerEpoch) return null;
    const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    return entry.batches.find((b) => b.firstSeq === batch.baseSequence && b.lastSeq === lastSeq) ?? null;
  }

  /**
   * Validates a client batch as Kafka's ProducerAppendInfo does: an older epoch is
   * INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0; the same epoch must continue the
   * sequence. A producer id with no state (never seen, expired, or its records deleted) may start
   * at any sequence, as in Kafka since KIP-360.
   */
  validate(batch: BatchInfo): void {
    const entry = this.producers.get(batch.producerId);
    if (!entry) return;
    if (batch.producerEpoch < entry.epoch) {
      throw new KafkaError(ErrorCode.INVALID_PRODUCER_EPOCH, `Epoch of producer ${batch.producerId} is ${batch.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}.`);
    }
    if (batch.producerEpoch !== entry.epoch) {
      if (batch.baseSequence !== 0 && entry.epoch !== NO_PRODUCER_EPOCH) {
        throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `Invalid sequence number ${batch.baseSequence} for new epoch ${batch.producerEpoch} of producer ${batch.producerId}: a new epoch starts at 0.`);
      }
      return;
    }
    const lastSeq = entry.batches.at(-1)?.lastSeq ?? -1;
    if (!inSequence(lastSeq, batch.baseSequence)) {
      throw new KafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, `Out of order sequence number for producer ${batch.producerId}: ${batch.baseSequence} (incoming), ${lastSeq} (current end sequence).`);
    }
  }

  /** Records an appended batch (leader after validation, follower, or log replay). */
  update(batch: BatchInfo, lastOffset: bigint): void {
    if (batch.producerId < 0n) return;
    let entry = this.producers.get(batch.producerId);
    if (!entry) {
      entry = { producerId: batch.producerId, epoch: batch.producerEpoch, batches: [], lastTimestampMs: -1n, coordinatorEpoch: -1, currentTxnFirstOffset: -1n };
    } else {
      this.producers.delete(batch.producerId);
    }
    this.producers.set(batch.producerId, entry);
    this.applyBatch(entry, batch, lastOffset);
    this.enforceBound();
  }

  /** Drops producers idle for at least `expirationMs` (Kafka's producer.id.expiration.ms). */
  expire(nowMs: bigint, expirationMs: number): void {
    for (const [producerId, entry] of this.producers) {
      if (entry.currentTxnFirstOffset < 0n && nowMs - entry.lastTimestampMs >= BigInt(expirationMs)) this.producers.delete(producerId);
    }
  }

  /** Forgets everything. */
  clear(): void {
    this.producers.clear();
  }

  /** Installs an entry read from a snapshot. */
  load(entry: ProducerEntry): void {
    this.producers.set(entry.producerId, entry);
  }

  private applyBatch(entry: ProducerEntry, batch: BatchInfo, lastOffset: bigint): void {
    if (batch.producerEpoch !== entry.epoch) {
      entry.epoch = batch.producerEpoch;
      entry.batches = [];
    }
    if (batch.maxTimestamp > entry.lastTimestampMs) entry.lastTimestampMs = batch.maxTimestamp;
    if ((batch.attributes & BatchAttributes.CONTROL) !== 0) return;
    entry.batches.push({
      firstSeq: batch.baseSequence,
      lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset: lastOffset - BigInt(batch.lastOffsetDelta),
      lastOffset,
      timestampMs: batch.maxTimestamp,
    });
    if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
  }

  private enforceBound(): void {
    let excess = this.producers.size - MAX_PRODUCERS_PER_PARTITION;
    for (const producerId of this.producers.keys()) {
      if (excess-- <= 0) break;
      this.producers.delete(producerId);
    }
  }
}

/**
 * Encodes producer state in Kafka's snapshot format v1 (int16 version, uint32 CRC-32C of the rest,
 * array of 46-byte entries). Samsa writes one entry per cached batch, oldest first, so Kafka's reader
 * (which keeps the last entry per producer id) sees the newest batch and Samsa restores all five.
 */
export function encodeProducerSnapshot(entries: Iterable<ProducerEntry>): Buffer {
  const rows: [ProducerEntry, BatchMetadata | null][] = [];
  for (const entry of entries) {
    if (entry.batches.length === 0) rows.push([entry, null]);
    for (const batch of entry.batches) rows.push([entry, batch]);
  }
  const buf = Buffer.alloc(SNAPSHOT_HEADER_BYTES + rows.length * SNAPSHOT_ENTRY_BYTES);
  buf.writeInt16BE(SNAPSHOT_VERSION, 0);
  buf.writeInt32BE(rows.length, 6);
  rows.forEach(([entry, batch], i) => encodeSnapshotEntry(buf, SNAPSHOT_HEADER_BYTES + i * SNAPSHOT_ENTRY_BYTES, entry, batch));
  buf.writeUInt32BE(crc32c(buf.subarray(6)) >>> 0, 2);
  return buf;
}

function encodeSnapshotEntry(buf: Buffer, pos: number, entry: ProducerEntry, batch: BatchMetadata | null): void {
  buf.writeBigInt64BE(entry.producerId, pos);
  buf.writeInt16BE(entry.epoch, pos + 8);
  buf.writeInt32BE(batch ? batch.lastSeq : -1, pos + 10);
  buf.writeBigInt64BE(batch ? batch.lastOffset : -1n, pos + 14);
  buf.writeInt32BE(batch ? Number(batch.lastOffset - batch.firstOffset) : 0, pos + 22);
  buf.writeBigInt64BE(batch ? batch.timestampMs : entry.lastTimestampMs, pos + 26);
  buf.writeInt32BE(entry.coordinatorEpoch, pos + 34);
  buf.writeBigInt64BE(entry.currentTxnFirstOffset, pos + 38);
}

/** Decodes a snapshot written by encodeProducerSnapshot (or by Kafka); throws on any corruption. */
export function decodeProducerSnapshot(buf: Buffer): ProducerEntry[] {
  if (buf.length < SNAPSHOT_HEADER_BYTES) throw new Error(`producer snapshot too short (${buf.length} bytes)`);
  if (buf.readInt16BE(0) !== SNAPSHOT_VERSION) throw new Error(`unsupported producer snapshot version ${buf.readInt16BE(0)}`);
  if (buf.readUInt32BE(2) !== crc32c(buf.subarray(6)) >>> 0) throw new Error('producer snapshot CRC mismatch');
  const count = buf.readInt32BE(6);
  if (count < 0 || buf.length !== SNAPSHOT_HEADER_BYTES + count * SNAPSHOT_ENTRY_BYTES) throw new Error(`producer snapshot size does not match ${count} entries`);
  const byId = new Map<bigint, ProducerEntry>();
  for (let i = 0; i < count; i++) decodeSnapshotEntry(buf, SNAPSHOT_HEADER_BYTES + i * SNAPSHOT_ENTRY_BYTES, byId);
  return [...byId.values()];
}

function decodeSnapshotEntry(buf: Buffer, pos: number, byId: Map<bigint, ProducerEntry>): void {
  const producerId = buf.readBigInt64BE(pos);
  const entry: ProducerEntry = byId.get(producerId) ?? {
    producerId, epoch: buf.readInt16BE(pos + 8), batches: [], lastTimestampMs: -1n, coordinatorEpoch: -1, currentTxnFirstOffset: -1n,
  };
  entry.epoch = buf.readInt16BE(pos + 8);
  entry.coordinatorEpoch = buf.readInt32BE(pos + 34);
  entry.currentTxnFirstOffset = buf.readBigInt64BE(pos + 38);
  const timestampMs = buf.readBigInt64BE(pos + 26);
  if (timestampMs > entry.lastTimestampMs) entry.lastTimestampMs = timestampMs;
  const lastOffset = buf.readBigInt64BE(pos + 14);
  if (lastOffset >= 0n) {
    const lastSeq = buf.readInt32BE(pos + 10);
    const offsetDelta = buf.readInt32BE(pos + 22);
    entry.batches.push({ firstSeq: decrementSequence(lastSeq, offsetDelta), lastSeq, firstOffset: lastOffset - BigInt(offsetDelta), lastOffset, timestampMs });
    if (entry.batches.length > NUM_BATCHES_TO_RETAIN) entry.batches.shift();
  }
  byId.set(producerId, entry);
}

/** Offsets of the `<offset>.snapshot` files in a partition directory, ascending. */
export function listSnapshotOffsets(dir: string): bigint[] {
  const offsets: bigint[] = [];
  for (const name of fs.readdirSync(dir)) {
    const offset = parseOffsetFileName(name, SNAPSHOT_SUFFIX);
    if (offset !== null) offsets.push(offset);
  }
  return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Path of the snapshot file for `offset`. */
export function snapshotFile(dir: string, offset: bigint): string {
  return path.join(dir, offsetFileName(offset, SNAPSHOT_SUFFIX));
}

/** Writes `<offset>.snapshot` (atomically; fsynced when `durable`). */
export function writeProducerSnapshot(dir: string, offset: bigint, state: ProducerStateManager, durable: boolean): void {
  writeFileAtomicSync(snapshotFile(dir, offset), encodeProducerSnapshot(state.entries()), durable);
}

/** Deletes snapshots with offset > `maxOffset`, and all but the newest `keep` of the rest. */
export function pruneSnapshots(dir: string, maxOffset: bigint, keep: number): void {
  assert(keep >= 1, 'keep at least one snapshot');
  const offsets = listSnapshotOffsets(dir);
  const valid = offsets.filter((o) => o <= maxOffset);
  for (const o of offsets) if (o > maxOffset) unlinkIfExistsSync(snapshotFile(dir, o));
  for (const o of valid.slice(0, Math.max(0, valid.length - keep))) unlinkIfExistsSync(snapshotFile(dir, o));
}

/**
 * Loads the newest readable snapshot at or below `maxOffset` into `state` and returns its offset,
 * deleting corrupt ones on the way; null when there is none.
 */
export function loadLatestSnapshot(dir: string, maxOffset: bigint, state: ProducerStateManager): bigint | null {
  const candidates = listSnapshotOffsets(dir).filter((o) => o <= maxOffset).reverse();
  for (const offset of candidates) {
    try {
      const entries = decodeProducerSnapshot(fs.readFileSync(snapshotFile(dir, offset)));
      state.clear();
      for (const entry of entries) state.load(entry);
      return offset;
    } catch {
      unlinkIfExistsSync(snapshotFile(dir, offset));
    }
  }
  return null;
}
