import { crc32 } from '@node-rs/crc32';
import { assert } from '../../common/assert.js';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { compress, decompress, isKnownCodec, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../compression.js';
import { BatchHeader, CompressionType } from './batch-header.js';
import { buildRecordBatch, splitBatches, entryMagic, NO_TIMESTAMP, type RecordInput } from './record-batch.js';

/**
 * Kafka's message sets before record batches (magic 0 and 1): each entry is
 *   offset int64, messageSize int32, crc uint32 (CRC-32 of magic..end), magic int8, attributes int8,
 *   [timestamp int64 if magic 1], key int32-length bytes, value int32-length bytes.
 * A compressed "wrapper" message holds a compressed message set as its value.
 */
export const LegacyMessage = {
  CRC: 12,
  MAGIC: 16,
  ATTRIBUTES: 17,
  TIMESTAMP_V1: 18,
  KEY_V0: 18,
  KEY_V1: 26,
  COMPRESSION_MASK: 0x07,
  TIMESTAMP_TYPE_LOG_APPEND: 0x08,
} as const;

/** One legacy message read from a message set, with its fields as stored. */
export interface LegacyRecord {
  offset: bigint;
  magic: number;
  attributes: number;
  timestamp: bigint;
  key: Buffer | null;
  value: Buffer | null;
}

/** Options of readLegacyMessageSet and convertLegacyMessageSet. */
export interface LegacyReadOptions {
  maxDecompressedBytes?: number;
}

/** Options of buildLegacyMessageSet. */
export interface BuildLegacyMessageSetOptions {
  magic: 0 | 1;
  records: RecordInput[];
  compression?: number;
  baseOffset?: bigint;
  timestampType?: 'CreateTime' | 'LogAppendTime';
}

function corrupt(message: string): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, message);
}

function invalid(message: string): KafkaError {
  return new KafkaError(ErrorCode.INVALID_RECORD, message);
}

// ---------------------------------------------------------------------------------------------
// Reading

function readLegacyBytes(entry: Buffer, pos: number, what: string): { value: Buffer | null; next: number } {
  if (entry.length - pos < 4) throw corrupt(`Legacy message ends inside its ${what} length.`);
  const length = entry.readInt32BE(pos);
  if (length === -1) return { value: null, next: pos + 4 };
  if (length < -1 || length > entry.length - pos - 4) throw corrupt(`Legacy message has invalid ${what} length ${length}.`);
  return { value: entry.subarray(pos + 4, pos + 4 + length), next: pos + 4 + length };
}

/** Parses one legacy message (a whole log entry); checks its CRC-32 and that its fields fill it exactly. */
export function parseLegacyMessage(entry: Buffer): LegacyRecord {
  const magic = entryMagic(entry);
  if (magic !== 0 && magic !== 1) throw corrupt(`Expected a legacy message (magic 0 or 1), found magic ${magic}.`);
  const keyPos = magic === 0 ? LegacyMessage.KEY_V0 : LegacyMessage.KEY_V1;
  if (entry.length < keyPos + 8) throw corrupt(`Legacy message of ${entry.length} bytes is shorter than its header.`);
  const storedCrc = entry.readUInt32BE(LegacyMessage.CRC);
  const computedCrc = crc32(entry.subarray(LegacyMessage.MAGIC)) >>> 0;
  if (storedCrc !== computedCrc) {
    throw corrupt(`Message is corrupt (stored crc = ${storedCrc}, computed crc = ${computedCrc}).`);
  }
  const key = readLegacyBytes(entry, keyPos, 'key');
  const value = readLegacyBytes(entry, key.next, 'value');
  if (value.next !== entry.length) throw corrupt(`Legacy message has ${entry.length - value.next} bytes after its value.`);
  return {
    offset: entry.readBigInt64BE(0),
    magic,
    attributes: entry.readInt8(LegacyMessage.ATTRIBUTES),
    timestamp: magic === 0 ? NO_TIMESTAMP : entry.readBigInt64BE(LegacyMessage.TIMESTAMP_V1),
    key: key.value,
    value: value.value,
  };
}

function codecOf(message: LegacyRecord): number {
  return message.attributes & LegacyMessage.COMPRESSION_MASK;
}

function checkLegacyCodec(codec: number): void {
  if (codec === CompressionType.zstd || !isKnownCodec(codec)) {
    throw new KafkaError(
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
      `Compression codec ${codec} is not allowed in magic v0/v1 messages; use gzip, snappy or lz4, or record batches (magic 2).`,
    );
  }
}

async function readInnerMessages(wrapper: LegacyRecord, maxBytes: number): Promise<Buffer[]> {
  const codec = codecOf(wrapper);
  checkLegacyCodec(codec);
  if (wrapper.value === null) throw corrupt('Found a compressed legacy message with a null value.');
  const payload = await decompress(codec, wrapper.value, maxBytes);
  const entries = splitBatches(payload);
  const usedBytes = entries.reduce((sum, e) => sum + e.length, 0);
  if (usedBytes !== payload.length) throw corrupt(`Compressed message set has ${payload.length - usedBytes} trailing bytes.`);
  if (entries.length === 0) throw invalid('Found a compressed legacy message with no inner messages.');
  return entries;
}

/** Expands a compressed wrapper into its inner messages, with absolute offsets and effective timestamps. */
async function expandWrapper(wrapper: LegacyRecord, maxBytes: number): Promise<LegacyRecord[]> {
  const inner = (await readInnerMessages(wrapper, maxBytes)).map(parseLegacyMessage);
  const lastRelativeOffset = inner[inner.length - 1]!.offset;
  const logAppendTime = (wrapper.attributes & LegacyMessage.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  for (const message of inner) {
    if (message.magic !== wrapper.magic) {
      throw invalid(`Inner message magic ${message.magic} does not match its wrapper's magic ${wrapper.magic}.`);
    }
    if (codecOf(message) !== 0) throw invalid('Compressed legacy message holds another compressed message.');
    if (wrapper.magic === 1) message.offset = wrapper.offset - lastRelativeOffset + message.offset;
    if (wrapper.magic === 1 && logAppendTime) message.timestamp = wrapper.timestamp;
  }
  return inner;
}

/**
 * Reads a legacy message set into its messages, expanding compressed wrappers (nested once).
 * v1 inner offsets are made absolute from the wrapper's offset; v0 inner offsets are kept.
 * A trailing partial message is ignored, as Kafka does.
 */
export async function readLegacyMessageSet(buf: Buffer, opts: LegacyReadOptions = {}): Promise<LegacyRecord[]> {
  const maxBytes = opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  const messages: LegacyRecord[] = [];
  for (const entry of splitBatches(buf)) {
    const message = parseLegacyMessage(entry);
    if (codecOf(message) === 0) messages.push(message);
    else messages.push(...(await expandWrapper(message, maxBytes)));
  }
  return messages;
}

function firstCompressionCodec(buf: Buffer): number {
  for (const entry of splitBatches(buf)) {
    const codec = entry.readInt8(LegacyMessage.ATTRIBUTES) & LegacyMessage.COMPRESSION_MASK;
    if (codec !== 0) return codec;
  }
  return 0;
}

function firstTimestampType(buf: Buffer): 'CreateTime' | 'LogAppendTime' {
  const first = splitBatches(buf)[0]!;
  const logAppend = first.readInt8(LegacyMessage.MAGIC) === 1 && (first.readInt8(LegacyMessage.ATTRIBUTES) & 0x08) !== 0;
  return logAppend ? 'LogAppendTime' : 'CreateTime';
}

/**
 * Converts a legacy (magic 0/1) message set to ONE v2 batch, compressed with the first wrapper's
 * codec. Offsets become deltas 0..n-1 from baseOffset 0 (the broker assigns real ones); v0
 * timestamps are -1; the timestamp type is the first message's (v1 attribute bit 3).
 */
export async function convertLegacyMessageSet(buf: Buffer, opts: LegacyReadOptions = {}): Promise<Buffer> {
  const messages = await readLegacyMessageSet(buf, opts);
  if (messages.length === 0) throw invalid('Legacy message set holds no complete message.');
  return buildRecordBatch({
    records: messages.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp })),
    compression: firstCompressionCodec(buf),
    timestampType: firstTimestampType(buf),
  });
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Encodes one legacy message (a whole log entry) with its CRC-32. */
export function encodeLegacyMessage(
  magic: 0 | 1,
  offset: bigint,
  attributes: number,
  timestamp: bigint,
  key: Buffer | null,
  value: Buffer | null,
): Buffer {
  const keyPos = magic === 0 ? LegacyMessage.KEY_V0 : LegacyMessage.KEY_V1;
  const entry = Buffer.alloc(keyPos + 8 + (key?.length ?? 0) + (value?.length ?? 0));
  entry.writeBigInt64BE(offset, 0);
  entry.writeInt32BE(entry.length - BatchHeader.LOG_OVERHEAD, 8);
  entry.writeInt8(magic, LegacyMessage.MAGIC);
  entry.writeInt8(attributes, LegacyMessage.ATTRIBUTES);
  if (magic === 1) entry.writeBigInt64BE(timestamp, LegacyMessage.TIMESTAMP_V1);
  let pos = keyPos;
  for (const field of [key, value]) {
    entry.writeInt32BE(field === null ? -1 : field.length, pos);
    pos += 4 + (field === null ? 0 : field.copy(entry, pos + 4));
  }
  entry.writeUInt32BE(crc32(entry.subarray(LegacyMessage.MAGIC)) >>> 0, LegacyMessage.CRC);
  return entry;
}

/**
 * Builds a legacy message set (for tests and Fetch down-conversion). With compression, one
 * wrapper holds the messages: v1 inner offsets are relative (0..n-1) and the wrapper carries the
 * last absolute offset and the max timestamp; v0 inner offsets are absolute.
 */
export async function buildLegacyMessageSet(opts: BuildLegacyMessageSetOptions): Promise<Buffer> {
  const { magic, records } = opts;
  const codec = opts.compression ?? 0;
  const baseOffset = opts.baseOffset ?? 0n;
  assert(records.length > 0, 'a message set needs at least one record');
  if (codec !== 0) checkLegacyCodec(codec);
  const timestampBit = magic === 1 && opts.timestampType === 'LogAppendTime' ? LegacyMessage.TIMESTAMP_TYPE_LOG_APPEND : 0;
  const timestampOf = (r: RecordInput) => (magic === 0 ? NO_TIMESTAMP : r.timestamp ?? NO_TIMESTAMP);
  if (codec === 0) {
    const messages = records.map((r, i) =>
      encodeLegacyMessage(magic, baseOffset + BigInt(i), timestampBit, timestampOf(r), r.key, r.value),
    );
    return Buffer.concat(messages);
  }
  const innerBase = magic === 1 ? 0n : baseOffset;
  const inner = records.map((r, i) => encodeLegacyMessage(magic, innerBase + BigInt(i), 0, timestampOf(r), r.key, r.value));
  const maxTimestamp = records.map(timestampOf).reduce((max, t) => (t > max ? t : max), NO_TIMESTAMP);
  const lastOffset = baseOffset + BigInt(records.length - 1);
  const payload = await compress(codec, Buffer.concat(inner));
  return encodeLegacyMessage(magic, lastOffset, codec | timestampBit, maxTimestamp, null, payload);
}
