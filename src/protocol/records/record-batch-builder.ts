import { assert } from '../../common/assert.js';
import { compress, isKnownCodec } from '../compression.js';
import { BatchAttributes, BatchHeader, NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, writeBatchCrc } from './batch-header.js';
import { NO_PARTITION_LEADER_EPOCH, NO_TIMESTAMP, type RecordHeader } from './record-batch.js';
import { sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from './varint.js';

/** Header fields a builder writes when the batch is finished (Kafka's "unset" defaults otherwise). */
export interface FinishBatchOptions {
  compression?: number;
  baseOffset?: bigint;
  partitionLeaderEpoch?: number;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  transactional?: boolean;
}

/** Largest |timestamp delta| written with the int32 varint path (zigzag of it fits in 32 bits). */
const INT32_DELTA_LIMIT = 0x3fffffff;

/** Encoded size of an int64 given as a safe-integer number, as a zigzag varlong. */
function sizeOfVarlongNumber(value: number): number {
  return value >= -INT32_DELTA_LIMIT && value <= INT32_DELTA_LIMIT ? sizeOfVarint(value) : sizeOfVarlong(BigInt(value));
}

function bytesFieldSize(value: Buffer | null): number {
  return value === null ? 1 : sizeOfVarint(value.length) + value.length;
}

/**
 * Builds one v2 record batch incrementally: each append() encodes its record straight into one
 * growing buffer (no per-record objects, no second pass), and finish() writes the header and the
 * CRC-32C around it. The bytes equal buildRecordBatch's for the same records and options (the
 * producer's fast path; buildRecordBatch stays the general encoder). Timestamps are ms numbers;
 * the first record's timestamp is the batch's baseTimestamp.
 */
export class RecordBatchBuilder {
  private buf: Buffer;
  private pos: number = BatchHeader.SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = 0;
  private finished: Buffer | null = null;

  /**
   * `capacityBytes`: initial buffer size (batch.size is a good guess); it grows when a record does
   * not fit. `memory`, when given and large enough, is used instead of a new buffer (a producer's
   * pooled batch buffer).
   */
  constructor(capacityBytes: number, memory?: Buffer) {
    const size = Math.max(BatchHeader.SIZE + 64, capacityBytes);
    this.buf = memory !== undefined && memory.length >= size ? memory : Buffer.allocUnsafe(size);
  }

  /** The buffer the records are encoded into (a pool may take it back once the batch is done with). */
  get memory(): Buffer {
    return this.buf;
  }

  /** Records appended so far. */
  get recordCount(): number {
    return this.count;
  }

  /** Size of the uncompressed batch so far, header included. */
  get sizeBytes(): number {
    return this.pos;
  }

  /** Exact bytes the record would add to this batch (for batch.size decisions before appending). */
  recordSizeBytes(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined, timestampMs: number): number {
    const body = this.bodySize(key, value, headers, this.count === 0 ? 0 : timestampMs - this.baseTimestamp);
    return sizeOfVarint(body) + body;
  }

  private bodySize(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined, timestampDelta: number): number {
    let body = 1 + sizeOfVarlongNumber(timestampDelta) + sizeOfVarint(this.count) + bytesFieldSize(key) + bytesFieldSize(value);
    const headerCount = headers?.length ?? 0;
    body += sizeOfVarint(headerCount);
    for (let i = 0; i < headerCount; i++) {
      const h = headers![i]!;
      const keyBytes = Buffer.byteLength(h.key, 'utf8');
      body += sizeOfVarint(keyBytes) + keyBytes + bytesFieldSize(h.value);
    }
    return body;
  }

  /** Encodes one record at the end of the batch; returns the bytes it added. */
  append(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined, timestampMs: number): number {
    assert(this.finished === null, 'append() after finish()');
    assert(Number.isSafeInteger(timestampMs), `record timestamp ${timestampMs} is not an integer number of ms`);
    if (this.count === 0) {
      this.baseTimestamp = timestampMs;
      this.maxTimestamp = timestampMs;
    } else if (timestampMs > this.maxTimestamp) {
      this.maxTimestamp = timestampMs;
    }
    const timestampDelta = timestampMs - this.baseTimestamp;
    const body = this.bodySize(key, value, headers, timestampDelta);
    const start = this.pos;
    this.ensureRoom(sizeOfVarint(body) + body);
    const buf = this.buf;
    let pos = writeVarint(buf, start, body);
    buf[pos++] = 0; // record attributes: unused
    pos = timestampDelta >= -INT32_DELTA_LIMIT && timestampDelta <= INT32_DELTA_LIMIT ? writeVarint(buf, pos, timestampDelta) : writeVarlong(buf, pos, BigInt(timestampDelta));
    pos = writeVarint(buf, pos, this.count);
    pos = writeBytes(buf, pos, key);
    pos = writeBytes(buf, pos, value);
    const headerCount = headers?.length ?? 0;
    pos = writeVarint(buf, pos, headerCount);
    for (let i = 0; i < headerCount; i++) {
      const h = headers![i]!;
      const keyBytes = Buffer.byteLength(h.key, 'utf8');
      pos = writeVarint(buf, pos, keyBytes);
      pos += buf.write(h.key, pos, keyBytes, 'utf8');
      pos = writeBytes(buf, pos, h.value);
    }
    this.pos = pos;
    this.count++;
    return pos - start;
  }

  private ensureRoom(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Writes the header and CRC of an uncompressed batch in place and returns it (a view of the buffer). */
  finishUncompressed(opts: FinishBatchOptions = {}): Buffer {
    assert((opts.compression ?? 0) === 0, 'finishUncompressed() with a compression codec');
    assert(this.finished === null, 'finish() called twice');
    assert(this.count > 0, 'a record batch needs at least one record');
    const batch = this.buf.subarray(0, this.pos);
    this.writeHeader(batch, opts, 0);
    writeBatchCrc(batch);
    this.finished = batch;
    return batch;
  }

  /** Finishes the batch, compressing the records with `opts.compression` (none: same as finishUncompressed). */
  async finish(opts: FinishBatchOptions = {}): Promise<Buffer> {
    const codec = opts.compression ?? 0;
    if (codec === 0) return this.finishUncompressed(opts);
    assert(isKnownCodec(codec), `unknown compression codec ${codec}`);
    assert(this.finished === null, 'finish() called twice');
    assert(this.count > 0, 'a record batch needs at least one record');
    this.finished = this.buf; // no appends while compressing
    const body = await compress(codec, this.buf.subarray(BatchHeader.SIZE, this.pos));
    const batch = Buffer.allocUnsafe(BatchHeader.SIZE + body.length);
    body.copy(batch, BatchHeader.SIZE);
    this.writeHeader(batch, opts, codec);
    writeBatchCrc(batch);
    this.finished = batch;
    return batch;
  }

  private writeHeader(batch: Buffer, opts: FinishBatchOptions, codec: number): void {
    const attributes = codec | (opts.transactional ? BatchAttributes.TRANSACTIONAL : 0);
    batch.writeBigInt64BE(opts.baseOffset ?? 0n, BatchHeader.BASE_OFFSET);
    batch.writeInt32BE(batch.length - BatchHeader.LOG_OVERHEAD, BatchHeader.BATCH_LENGTH);
    batch.writeInt32BE(opts.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, BatchHeader.PARTITION_LEADER_EPOCH);
    batch.writeInt8(2, BatchHeader.MAGIC);
    batch.writeInt16BE(attributes, BatchHeader.ATTRIBUTES);
    batch.writeInt32BE(this.count - 1, BatchHeader.LAST_OFFSET_DELTA);
    batch.writeBigInt64BE(this.count > 0 ? BigInt(this.baseTimestamp) : NO_TIMESTAMP, BatchHeader.BASE_TIMESTAMP);
    batch.writeBigInt64BE(this.count > 0 ? BigInt(this.maxTimestamp) : NO_TIMESTAMP, BatchHeader.MAX_TIMESTAMP);
    batch.writeBigInt64BE(opts.producerId ?? NO_PRODUCER_ID, BatchHeader.PRODUCER_ID);
    batch.writeInt16BE(opts.producerEpoch ?? NO_PRODUCER_EPOCH, BatchHeader.PRODUCER_EPOCH);
    batch.writeInt32BE(opts.baseSequence ?? NO_SEQUENCE, BatchHeader.BASE_SEQUENCE);
    batch.writeInt32BE(this.count, BatchHeader.RECORDS_COUNT);
  }
}

function writeBytes(buf: Buffer, pos: number, value: Buffer | null): number {
  if (value === null) return writeVarint(buf, pos, -1);
  pos = writeVarint(buf, pos, value.length);
  buf.set(value, pos); // TypedArray#set: cheaper than Buffer#copy for record-sized values
  return pos + value.length;
}
