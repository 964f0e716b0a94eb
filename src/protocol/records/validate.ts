import { assert } from '../../common/assert.js';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { isKnownCodec } from '../compression.js';
import {
  BatchAttributes,
  BatchHeader,
  type BatchInfo,
  CompressionType,
  batchSizeAt,
  computeBatchCrc,
  readBatchInfo,
  writeBatchCrc,
} from './batch-header.js';
import { convertLegacyMessageSet } from './legacy.js';
import { entryMagic, MIN_ENTRY_BYTES, splitBatches } from './record-batch.js';

/** The records of one partition of a Produce request, accepted for append. */
export interface ValidatedRecords {
  /** Exactly one v2 batch: the request's own bytes (zero-copy) or the conversion of a legacy message set. */
  batch: Buffer;
  info: BatchInfo;
  /** Whether `batch` was converted from magic 0/1 messages. */
  converted: boolean;
}

/** Inputs of validateProduceRecords besides the records. */
export interface ValidateProduceOptions {
  produceVersion: number;
  /** The topic's max.message.bytes: the limit on one batch (or one legacy message) including its log overhead. */
  maxMessageBytes: number;
  /** Bound on decompressing a legacy wrapper during conversion. */
  maxDecompressedBytes?: number;
}

/** First produce version allowed to use zstd (KIP-110). */
const ZSTD_MIN_PRODUCE_VERSION = 7;
/** First produce version restricted to exactly one magic-2 batch per partition. */
const V2_ONLY_PRODUCE_VERSION = 3;

function fail(code: number, message: string): KafkaError {
  return new KafkaError(code, message);
}

/**
 * Validates a partition's records from a Produce request the way Kafka's broker does, without
 * decoding records or decompressing a v2 batch (header checks and CRC-32C only). Legacy
 * (magic 0/1, produce v0-2) message sets are converted once to a v2 batch. Throws KafkaError
 * with Kafka's error code and a message saying what was wrong.
 *
 * A v2 batch (every modern client) is validated synchronously: the produce path then needs no
 * promise per partition. Only the conversion of a legacy message set, which may decompress,
 * returns a promise (and reports its errors through it).
 */
export function validateProduceRecords(records: Buffer, opts: ValidateProduceOptions): ValidatedRecords | Promise<ValidatedRecords> {
  const version = opts.produceVersion;
  if (records.length === 0) {
    throw fail(ErrorCode.INVALID_RECORD, `Produce requests with version ${version} must have at least one record batch per partition.`);
  }
  const magic = entryMagic(records);
  if (magic < 0 || magic > 2) throw fail(ErrorCode.CORRUPT_MESSAGE, `Invalid magic found in record: ${magic}.`);
  if (version >= V2_ONLY_PRODUCE_VERSION && magic !== 2) {
    throw fail(
      ErrorCode.INVALID_RECORD,
      `Produce requests with version ${version} are only allowed to contain record batches with magic version 2, found magic ${magic}.`,
    );
  }
  return magic === 2 ? validateBatch(records, opts) : convertLegacy(records, opts);
}

function validateBatch(records: Buffer, opts: ValidateProduceOptions): ValidatedRecords {
  checkSingleBatchFraming(records, opts.produceVersion);
  if (records.length > opts.maxMessageBytes) {
    throw fail(
      ErrorCode.MESSAGE_TOO_LARGE,
      `The record batch size is ${records.length} bytes which exceeds the maximum configured value of ${opts.maxMessageBytes} (max.message.bytes).`,
    );
  }
  const storedCrc = records.readUInt32BE(BatchHeader.CRC);
  const computedCrc = computeBatchCrc(records);
  if (storedCrc !== computedCrc) {
    throw fail(ErrorCode.CORRUPT_MESSAGE, `Record batch is corrupt (stored crc = ${storedCrc}, computed crc = ${computedCrc}).`);
  }
  const info = readBatchInfo(records);
  checkCompression(info, opts.produceVersion);
  checkBatchFields(info);
  return { batch: records, info, converted: false };
}

/** batchLength must describe exactly the bytes sent: one batch, nothing cut, nothing after it. */
function checkSingleBatchFraming(records: Buffer, version: number): void {
  const sizeBytes = batchSizeAt(records, 0);
  if (sizeBytes < BatchHeader.SIZE) {
    const shown = sizeBytes < 0 ? records.length : sizeBytes;
    throw fail(
      ErrorCode.CORRUPT_MESSAGE,
      `Record batch is corrupt (the size ${shown} is smaller than the minimum allowed overhead ${BatchHeader.SIZE}).`,
    );
  }
  if (sizeBytes > records.length) {
    throw fail(ErrorCode.CORRUPT_MESSAGE, `Record batch is truncated: its length field says ${sizeBytes} bytes but ${records.length} bytes were sent.`);
  }
  if (sizeBytes === records.length) return;
  const nextBytes = batchSizeAt(records, sizeBytes);
  if (nextBytes >= MIN_ENTRY_BYTES && nextBytes <= records.length - sizeBytes) {
    throw fail(
      ErrorCode.INVALID_RECORD,
      `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition.`,
    );
  }
  throw fail(ErrorCode.CORRUPT_MESSAGE, `Found ${records.length - sizeBytes} bytes after the record batch that are not a complete batch.`);
}

function checkCompression(info: BatchInfo, version: number): void {
  const codec = info.attributes & BatchAttributes.COMPRESSION_MASK;
  if (!isKnownCodec(codec)) {
    throw fail(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, `Unknown compression type id ${codec} in record batch attributes.`);
  }
  if (codec === CompressionType.zstd && version < ZSTD_MIN_PRODUCE_VERSION) {
    throw fail(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `Produce requests with version ${version} are not allowed to use ZStandard compression (requires version ${ZSTD_MIN_PRODUCE_VERSION}+).`,
    );
  }
}

/** LogValidator.validateBatch for batches from clients. */
function checkBatchFields(info: BatchInfo): void {
  const countFromOffsets = info.lastOffsetDelta + 1;
  const range = (): string => `[${info.baseOffset}, ${info.baseOffset + BigInt(info.lastOffsetDelta)}]`;
  if (countFromOffsets <= 0) throw fail(ErrorCode.INVALID_RECORD, `Batch has an invalid offset range: ${range()}.`);
  if (info.recordsCount <= 0) throw fail(ErrorCode.INVALID_RECORD, `Invalid reported count for record batch: ${info.recordsCount}.`);
  if (countFromOffsets !== info.recordsCount) {
    throw fail(ErrorCode.INVALID_RECORD, `Inconsistent batch offset range ${range()} and count of records ${info.recordsCount}.`);
  }
  if ((info.attributes & BatchAttributes.CONTROL) !== 0) {
    throw fail(ErrorCode.INVALID_RECORD, 'Clients are not allowed to write control records.');
  }
  if (info.producerId >= 0n && info.baseSequence < 0) {
    throw fail(ErrorCode.INVALID_RECORD, `Invalid sequence number ${info.baseSequence} in record batch with producerId ${info.producerId}.`);
  }
}

async function convertLegacy(records: Buffer, opts: ValidateProduceOptions): Promise<ValidatedRecords> {
  const entries = splitBatches(records);
  const usedBytes = entries.reduce((sum, e) => sum + e.length, 0);
  if (usedBytes !== records.length) {
    throw fail(ErrorCode.CORRUPT_MESSAGE, `Message set is truncated: ${records.length - usedBytes} trailing bytes are not a complete message.`);
  }
  for (const entry of entries) {
    if (entry.length > opts.maxMessageBytes) {
      throw fail(
        ErrorCode.MESSAGE_TOO_LARGE,
        `The message size is ${entry.length} bytes which exceeds the maximum configured value of ${opts.maxMessageBytes} (max.message.bytes).`,
      );
    }
  }
  const batch = await convertLegacyMessageSet(records, { maxDecompressedBytes: opts.maxDecompressedBytes });
  return { batch, info: readBatchInfo(batch), converted: true };
}

/**
 * Stamps a v2 batch with the broker's append time (topics with message.timestamp.type=LogAppendTime):
 * sets the timestamp-type attribute bit and maxTimestamp, then recomputes the CRC. In place.
 */
export function setLogAppendTime(batch: Buffer, timestampMs: bigint): void {
  assert(batch.length >= BatchHeader.SIZE && batch.readInt8(BatchHeader.MAGIC) === 2, 'setLogAppendTime needs a v2 batch');
  const attributes = batch.readInt16BE(BatchHeader.ATTRIBUTES) | BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND;
  batch.writeInt16BE(attributes, BatchHeader.ATTRIBUTES);
  batch.writeBigInt64BE(timestampMs, BatchHeader.MAX_TIMESTAMP);
  writeBatchCrc(batch);
}
