import { crc32c } from '../crc32c.js';

/**
 * Byte layout of a v2 record batch header (magic 2). All multi-byte fields are big-endian.
 * Accessors read and write fields in place; nothing here decodes records.
 */
export const BatchHeader = {
  BASE_OFFSET: 0,
  BATCH_LENGTH: 8,
  PARTITION_LEADER_EPOCH: 12,
  MAGIC: 16,
  CRC: 17,
  ATTRIBUTES: 21,
  LAST_OFFSET_DELTA: 23,
  BASE_TIMESTAMP: 27,
  MAX_TIMESTAMP: 35,
  PRODUCER_ID: 43,
  PRODUCER_EPOCH: 51,
  BASE_SEQUENCE: 53,
  RECORDS_COUNT: 57,
  /** Size of the fixed header; records follow. */
  SIZE: 61,
  /** baseOffset + batchLength: bytes before the part that batchLength counts. */
  LOG_OVERHEAD: 12,
} as const;

/** Attribute bits of a v2 batch. */
export const BatchAttributes = {
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE_LOG_APPEND: 0x08,
  TRANSACTIONAL: 0x10,
  CONTROL: 0x20,
  DELETE_HORIZON: 0x40,
} as const;

/** Compression codec ids as stored in the low three attribute bits. */
export const CompressionType = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof CompressionType;

/** Producer id and epoch values meaning "no producer". */
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

/** Total size in bytes of the batch starting at `pos` (from its batchLength), or -1 if the header is cut. */
export function batchSizeAt(buf: Buffer, pos: number): number {
  if (buf.length - pos < BatchHeader.LOG_OVERHEAD) return -1;
  return buf.readInt32BE(pos + BatchHeader.BATCH_LENGTH) + BatchHeader.LOG_OVERHEAD;
}

/** The CRC-32C a v2 batch should carry: over attributes..end. */
export function computeBatchCrc(batch: Buffer): number {
  return crc32c(batch.subarray(BatchHeader.ATTRIBUTES)) >>> 0;
}

/** Whether the stored CRC of a complete v2 batch matches its contents. */
export function isBatchCrcValid(batch: Buffer): boolean {
  return batch.readUInt32BE(BatchHeader.CRC) === computeBatchCrc(batch);
}

/** Recomputes and stores the CRC of a v2 batch (after an in-place edit of a CRC-covered field). */
export function writeBatchCrc(batch: Buffer): void {
  batch.writeUInt32BE(computeBatchCrc(batch), BatchHeader.CRC);
}

/** Read-only view of the header fields of one v2 batch. */
export interface BatchInfo {
  baseOffset: bigint;
  sizeBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordsCount: number;
}

/** Reads the header fields of the v2 batch at the start of `batch`. */
export function readBatchInfo(batch: Buffer): BatchInfo {
  return {
    baseOffset: batch.readBigInt64BE(BatchHeader.BASE_OFFSET),
    sizeBytes: batch.readInt32BE(BatchHeader.BATCH_LENGTH) + BatchHeader.LOG_OVERHEAD,
    partitionLeaderEpoch: batch.readInt32BE(BatchHeader.PARTITION_LEADER_EPOCH),
    magic: batch.readInt8(BatchHeader.MAGIC),
    attributes: batch.readInt16BE(BatchHeader.ATTRIBUTES),
    lastOffsetDelta: batch.readInt32BE(BatchHeader.LAST_OFFSET_DELTA),
    baseTimestamp: batch.readBigInt64BE(BatchHeader.BASE_TIMESTAMP),
    maxTimestamp: batch.readBigInt64BE(BatchHeader.MAX_TIMESTAMP),
    producerId: batch.readBigInt64BE(BatchHeader.PRODUCER_ID),
    producerEpoch: batch.readInt16BE(BatchHeader.PRODUCER_EPOCH),
    baseSequence: batch.readInt32BE(BatchHeader.BASE_SEQUENCE),
    recordsCount: batch.readInt32BE(BatchHeader.RECORDS_COUNT),
  };
}

/**
 * Assigns offsets and leader epoch to a batch in place. Neither field is covered by the CRC,
 * so the CRC stays valid: this is the whole cost of offset assignment on the produce path.
 */
export function assignBatchOffsets(batch: Buffer, baseOffset: bigint, partitionLeaderEpoch: number): void {
  batch.writeBigInt64BE(baseOffset, BatchHeader.BASE_OFFSET);
  batch.writeInt32BE(partitionLeaderEpoch, BatchHeader.PARTITION_LEADER_EPOCH);
}
