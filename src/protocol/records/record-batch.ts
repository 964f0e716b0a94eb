import { assert } from '../../common/assert.js';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { compress, decompress, isKnownCodec, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../compression.js';
import {
  BatchAttributes,
  BatchHeader,
  type BatchInfo,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  batchSizeAt,
  computeBatchCrc,
  readBatchInfo,
  writeBatchCrc,
} from './batch-header.js';
import { type ByteCursor, readVarint, readVarlongSmall, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

/** A record header: a UTF-8 key and a nullable value. */
export interface RecordHeader {
  key: string;
  value: Buffer | null;
}

/** One record to put in a batch; a missing timestamp defaults to the batch's baseTimestamp. */
export interface RecordInput {
  key: Buffer | null;
  value: Buffer | null;
  headers?: RecordHeader[];
  timestamp?: bigint;
}

/** Options of buildRecordBatch; every field but `records` has Kafka's "unset" default. */
export interface BuildRecordBatchOptions {
  records: RecordInput[];
  compression?: number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
  control?: boolean;
  timestampType?: 'CreateTime' | 'LogAppendTime';
  baseTimestamp?: bigint;
}

/** A record read back from a batch. key/value are views into the batch (or its decompressed body). */
export interface DecodedRecord {
  offset: bigint;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
}

/** A decoded v2 batch: its header fields and its records. */
export interface DecodedRecordBatch {
  info: BatchInfo;
  records: DecodedRecord[];
}

/** Options of the decoders: the bound on a decompressed batch body. */
export interface DecodeOptions {
  maxDecompressedBytes?: number;
}

/** Kafka's "no partition leader epoch" (RecordBatch.NO_PARTITION_LEADER_EPOCH). */
export const NO_PARTITION_LEADER_EPOCH = -1;

/** Timestamp meaning "none" (RecordBatch.NO_TIMESTAMP). */
export const NO_TIMESTAMP = -1n;

/** Smallest entry a log can hold: a v0 message (LegacyRecord.RECORD_OVERHEAD_V0) plus the log overhead. */
export const MIN_ENTRY_BYTES = BatchHeader.LOG_OVERHEAD + 14;

/** Smallest encoded v2 record: length, attributes, timestamp/offset deltas, key, value, header count. */
const MIN_RECORD_BYTES = 7;

function corrupt(message: string): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, message);
}

// ---------------------------------------------------------------------------------------------
// Building

interface PreparedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: [Buffer, Buffer | null][];
  timestampDelta: bigint;
  offsetDelta: number;
  bodyBytes: number;
}

function bytesFieldSize(value: Buffer | null): number {
  return value === null ? 1 : sizeOfVarint(value.length) + value.length;
}

function prepareRecord(record: RecordInput, offsetDelta: number, baseTimestamp: bigint): PreparedRecord {
  const headers = (record.headers ?? []).map((h): [Buffer, Buffer | null] => [Buffer.from(h.key, 'utf8'), h.value]);
  const timestampDelta = (record.timestamp ?? baseTimestamp) - baseTimestamp;
  let bodyBytes = 1 + sizeOfVarlong(timestampDelta) + sizeOfVarint(offsetDelta);
  bodyBytes += bytesFieldSize(record.key) + bytesFieldSize(record.value) + sizeOfVarint(headers.length);
  for (const [key, value] of headers) bodyBytes += bytesFieldSize(key) + bytesFieldSize(value);
  return { key: record.key, value: record.value, headers, timestampDelta, offsetDelta, bodyBytes };
}

function writeBytesField(buf: Buffer, pos: number, value: Buffer | null): number {
  if (value === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, value.length);
  return pos + value.copy(buf, pos);
}

function writeRecord(buf: Buffer, pos: number, record: PreparedRecord): number {
  pos = writeVarint(buf, pos, record.bodyBytes);
  buf[pos++] = 0; // record attributes: unused
  pos = writeVarlong(buf, pos, record.timestampDelta);
  pos = writeVarint(buf, pos, record.offsetDelta);
  pos = writeBytesField(buf, pos, record.key);
  pos = writeBytesField(buf, pos, record.value);
  pos = writeVarint(buf, pos, record.headers.length);
  for (const [key, value] of record.headers) {
    pos = writeBytesField(buf, pos, key);
    pos = writeBytesField(buf, pos, value);
  }
  return pos;
}

/** Encodes records (uncompressed) the way they follow a v2 batch header. */
function encodeRecords(records: RecordInput[], baseTimestamp: bigint): Buffer {
  const prepared = records.map((r, i) => prepareRecord(r, i, baseTimestamp));
  const totalBytes = prepared.reduce((sum, r) => sum + sizeOfVarint(r.bodyBytes) + r.bodyBytes, 0);
  const buf = Buffer.allocUnsafe(totalBytes);
  let pos = 0;
  for (const record of prepared) pos = writeRecord(buf, pos, record);
  assert(pos === totalBytes, 'record size accounting is off');
  return buf;
}

function batchAttributes(opts: BuildRecordBatchOptions, codec: number): number {
  let attributes = codec;
  if (opts.timestampType === 'LogAppendTime') attributes |= BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND;
  if (opts.transactional) attributes |= BatchAttributes.TRANSACTIONAL;
  if (opts.control) attributes |= BatchAttributes.CONTROL;
  return attributes;
}

function maxTimestampOf(records: RecordInput[], baseTimestamp: bigint): bigint {
  let max = baseTimestamp;
  for (const r of records) if ((r.timestamp ?? baseTimestamp) > max) max = r.timestamp ?? baseTimestamp;
  return max;
}

/** Builds one v2 record batch (magic 2) with offset deltas 0..n-1 and a correct CRC-32C. */
export async function buildRecordBatch(opts: BuildRecordBatchOptions): Promise<Buffer> {
  const codec = opts.compression ?? 0;
  assert(opts.records.length > 0, 'a record batch needs at least one record');
  assert(isKnownCodec(codec), `unknown compression codec ${codec}`);
  const baseTimestamp = opts.baseTimestamp ?? opts.records[0]!.timestamp ?? NO_TIMESTAMP;
  const body = await compress(codec, encodeRecords(opts.records, baseTimestamp));
  const batch = Buffer.allocUnsafe(BatchHeader.SIZE + body.length);
  batch.writeBigInt64BE(opts.baseOffset ?? 0n, BatchHeader.BASE_OFFSET);
  batch.writeInt32BE(batch.length - BatchHeader.LOG_OVERHEAD, BatchHeader.BATCH_LENGTH);
  batch.writeInt32BE(opts.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, BatchHeader.PARTITION_LEADER_EPOCH);
  batch.writeInt8(2, BatchHeader.MAGIC);
  batch.writeInt16BE(batchAttributes(opts, codec), BatchHeader.ATTRIBUTES);
  batch.writeInt32BE(opts.records.length - 1, BatchHeader.LAST_OFFSET_DELTA);
  batch.writeBigInt64BE(baseTimestamp, BatchHeader.BASE_TIMESTAMP);
  batch.writeBigInt64BE(maxTimestampOf(opts.records, baseTimestamp), BatchHeader.MAX_TIMESTAMP);
  batch.writeBigInt64BE(opts.producerId ?? NO_PRODUCER_ID, BatchHeader.PRODUCER_ID);
  batch.writeInt16BE(opts.producerEpoch ?? NO_PRODUCER_EPOCH, BatchHeader.PRODUCER_EPOCH);
  batch.writeInt32BE(opts.baseSequence ?? NO_SEQUENCE, BatchHeader.BASE_SEQUENCE);
  batch.writeInt32BE(opts.records.length, BatchHeader.RECORDS_COUNT);
  body.copy(batch, BatchHeader.SIZE);
  writeBatchCrc(batch);
  return batch;
}

// ---------------------------------------------------------------------------------------------
// Splitting and structural checks

/**
 * Splits concatenated log entries (v2 batches or legacy messages: both start with offset and size)
 * into zero-copy views. A trailing partial entry is ignored, as clients do; an entry whose size
 * field is below the minimum throws CORRUPT_MESSAGE.
 */
export function splitBatches(buf: Buffer): Buffer[] {
  const batches: Buffer[] = [];
  let pos = 0;
  while (buf.length - pos >= BatchHeader.LOG_OVERHEAD) {
    const sizeBytes = batchSizeAt(buf, pos);
    if (sizeBytes < MIN_ENTRY_BYTES) {
      throw corrupt(`Log entry at byte ${pos} has size ${sizeBytes}, below the minimum of ${MIN_ENTRY_BYTES} bytes.`);
    }
    if (sizeBytes > buf.length - pos) break;
    batches.push(buf.subarray(pos, pos + sizeBytes));
    pos += sizeBytes;
  }
  return batches;
}

/** Magic byte of the log entry at the start of `buf` (same position for v0, v1 and v2). */
export function entryMagic(buf: Buffer): number {
  if (buf.length <= BatchHeader.MAGIC) throw corrupt(`Log entry of ${buf.length} bytes is too short to hold a magic byte.`);
  return buf.readInt8(BatchHeader.MAGIC);
}

/**
 * Checks that `batch` is exactly one well-formed v2 batch (size, magic, CRC-32C) and returns its
 * header; throws CORRUPT_MESSAGE otherwise. Reads no records.
 */
export function checkBatchIntegrity(batch: Buffer): BatchInfo {
  if (batch.length < BatchHeader.SIZE) {
    throw corrupt(`Record batch is corrupt (the size ${batch.length} is smaller than the minimum allowed overhead ${BatchHeader.SIZE}).`);
  }
  const magic = entryMagic(batch);
  if (magic !== 2) throw corrupt(`Expected a record batch with magic 2, found magic ${magic}.`);
  const sizeBytes = batchSizeAt(batch, 0);
  if (sizeBytes !== batch.length) {
    throw corrupt(`Record batch length field says ${sizeBytes} bytes but ${batch.length} bytes are present.`);
  }
  const storedCrc = batch.readUInt32BE(BatchHeader.CRC);
  const computedCrc = computeBatchCrc(batch);
  if (storedCrc !== computedCrc) {
    throw corrupt(`Record batch is corrupt (stored crc = ${storedCrc}, computed crc = ${computedCrc}).`);
  }
  return readBatchInfo(batch);
}

// ---------------------------------------------------------------------------------------------
// Decoding

function readBytesField(cursor: ByteCursor, what: string): Buffer | null {
  const length = readVarint(cursor);
  if (length === -1) return null;
  if (length < -1 || length > cursor.end - cursor.pos) {
    throw corrupt(`Invalid ${what} length ${length} with ${cursor.end - cursor.pos} bytes left in the record.`);
  }
  cursor.pos += length;
  return cursor.buf.subarray(cursor.pos - length, cursor.pos);
}

function readHeaders(cursor: ByteCursor): RecordHeader[] {
  const count = readVarint(cursor);
  if (count < 0 || count > (cursor.end - cursor.pos) / 2) throw corrupt(`Invalid record header count ${count}.`);
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const key = readBytesField(cursor, 'header key');
    if (key === null) throw corrupt('Invalid null record header key.');
    headers.push({ key: key.toString('utf8'), value: readBytesField(cursor, 'header value') });
  }
  return headers;
}

/**
 * Called by visitRecords once per record, in order: its offset delta, its timestamp delta (a
 * number unless it is beyond +-2^48 ms), and views of key, value and header values into the body.
 */
export type RecordVisitor = (offsetDelta: number, timestampDelta: number | bigint, key: Buffer | null, value: Buffer | null, headers: RecordHeader[]) => void;

/**
 * Reads the records of a (decompressed) v2 batch body one by one into `visit`, with every
 * structural check of Kafka's DefaultRecord reader; no object per record besides what `visit` makes.
 */
export function visitRecords(body: Buffer, info: BatchInfo, visit: RecordVisitor): void {
  const count = info.recordsCount;
  if (count < 0 || count > body.length / MIN_RECORD_BYTES) {
    throw corrupt(`Record batch declares ${count} records but its body has only ${body.length} bytes.`);
  }
  const cursor: ByteCursor = { buf: body, pos: 0, end: body.length };
  for (let i = 0; i < count; i++) {
    const bodyBytes = readVarint(cursor);
    if (bodyBytes < MIN_RECORD_BYTES - 1 || bodyBytes > body.length - cursor.pos) {
      throw corrupt(`Invalid record size ${bodyBytes} with ${body.length - cursor.pos} bytes left in the batch.`);
    }
    const start = cursor.pos;
    cursor.end = start + bodyBytes; // the record's own bounds while reading it
    cursor.pos = start + 1; // skip attributes
    const timestampDelta = readVarlongSmall(cursor);
    const offsetDelta = readVarint(cursor);
    const key = readBytesField(cursor, 'key');
    const value = readBytesField(cursor, 'value');
    const headers = readHeaders(cursor);
    if (cursor.pos !== cursor.end) {
      throw corrupt(`Invalid record size: expected to read ${bodyBytes} bytes in record payload, but read ${cursor.pos - start}.`);
    }
    cursor.end = body.length;
    visit(offsetDelta, timestampDelta, key, value, headers);
  }
  if (cursor.pos !== body.length) {
    throw corrupt(`Incorrect declared batch size: ${body.length - cursor.pos} bytes remain after ${count} records.`);
  }
}

function decodeRecords(body: Buffer, info: BatchInfo): DecodedRecord[] {
  const records: DecodedRecord[] = [];
  const logAppendTime = (info.attributes & BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  visitRecords(body, info, (offsetDelta, timestampDelta, key, value, headers) => {
    const timestamp = logAppendTime ? info.maxTimestamp : info.baseTimestamp + BigInt(timestampDelta);
    records.push({ offset: info.baseOffset + BigInt(offsetDelta), timestamp, key, value, headers });
  });
  return records;
}

/**
 * The records part of a checked v2 batch: a view when uncompressed (no promise, no copy), else a
 * promise of the decompressed bytes (bounded by `maxDecompressedBytes`).
 */
export function batchRecordsBody(batch: Buffer, info: BatchInfo, opts: DecodeOptions = {}): Buffer | Promise<Buffer> {
  const codec = info.attributes & BatchAttributes.COMPRESSION_MASK;
  const stored = batch.subarray(BatchHeader.SIZE);
  return codec === 0 ? stored : decompress(codec, stored, opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES);
}

/** Decodes one complete v2 batch: checks size, magic and CRC, decompresses, reads every record. */
export async function decodeRecordBatch(batch: Buffer, opts: DecodeOptions = {}): Promise<DecodedRecordBatch> {
  const info = checkBatchIntegrity(batch);
  return { info, records: decodeRecords(await batchRecordsBody(batch, info, opts), info) };
}

/** Decodes concatenated v2 batches (e.g. a fetch response's records); a trailing partial batch is ignored. */
export async function decodeRecordBatches(buf: Buffer, opts: DecodeOptions = {}): Promise<DecodedRecordBatch[]> {
  const decoded: DecodedRecordBatch[] = [];
  for (const batch of splitBatches(buf)) decoded.push(await decodeRecordBatch(batch, opts));
  return decoded;
}
