import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crc32 } from '@node-rs/crc32';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { BatchHeader, isBatchCrcValid, readBatchInfo, writeBatchCrc } from './batch-header.js';
import { buildLegacyMessageSet } from './legacy.js';
import { buildRecordBatch, decodeRecordBatch, MIN_ENTRY_BYTES } from './record-batch.js';
import { kafkaPythonVectors } from './testdata/kafka-python-vectors.js';
import { COMPRESSIBLE_RECORDS, PLAIN_RECORDS, prng } from './record-fixtures.js';
import { setLogAppendTime, validateProduceRecords } from './validate.js';

const OPTS = { produceVersion: 9, maxMessageBytes: 1024 * 1024 };

function vector(name: keyof typeof kafkaPythonVectors): Buffer {
  return Buffer.from(kafkaPythonVectors[name], 'hex');
}

function rejectsWith(code: number, message?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof KafkaError, `expected KafkaError, got ${String(err)}`);
    assert.equal(err.errorName, new KafkaError(code).errorName, err.message);
    if (message) assert.match(err.message, message);
    return true;
  };
}

test('a valid v2 batch is accepted as the same bytes, without copying', async () => {
  for (const name of ['v2Plain', 'v2Idempotent', 'v2Gzip', 'v2Snappy', 'v2Lz4', 'v2Zstd'] as const) {
    const records = vector(name);
    const result = await validateProduceRecords(records, OPTS);
    assert.equal(result.batch, records);
    assert.equal(result.converted, false);
    assert.deepEqual(result.info, readBatchInfo(records));
  }
});

test('validation does not decompress: a v2 batch with a garbage compressed body passes', async () => {
  const batch = await buildRecordBatch({ records: PLAIN_RECORDS, compression: 1 });
  batch.fill(0x55, BatchHeader.SIZE);
  writeBatchCrc(batch);
  await validateProduceRecords(batch, OPTS);
});

test('bad CRC is CORRUPT_MESSAGE', async () => {
  const batch = Buffer.from(vector('v2Plain'));
  batch[BatchHeader.SIZE + 3]! ^= 1;
  await assert.rejects(async () => validateProduceRecords(batch, OPTS), rejectsWith(ErrorCode.CORRUPT_MESSAGE, /crc/));
});

test('truncated or inconsistent batchLength is CORRUPT_MESSAGE', async () => {
  const batch = vector('v2Plain');
  const corrupt = rejectsWith(ErrorCode.CORRUPT_MESSAGE);
  await assert.rejects(async () => validateProduceRecords(batch.subarray(0, batch.length - 1), OPTS), corrupt);
  await assert.rejects(async () => validateProduceRecords(batch.subarray(0, 10), OPTS), corrupt);
  await assert.rejects(async () => validateProduceRecords(batch.subarray(0, 40), OPTS), corrupt);
  await assert.rejects(async () => validateProduceRecords(Buffer.concat([batch, Buffer.alloc(5)]), OPTS), corrupt);
  const short = Buffer.from(batch);
  short.writeInt32BE(30, BatchHeader.BATCH_LENGTH);
  await assert.rejects(async () => validateProduceRecords(short, OPTS), rejectsWith(ErrorCode.CORRUPT_MESSAGE, /minimum/));
});

test('two batches on produce v3+ are INVALID_RECORD', async () => {
  const batch = vector('v2Plain');
  await assert.rejects(
    async () => validateProduceRecords(Buffer.concat([batch, batch]), OPTS),
    rejectsWith(ErrorCode.INVALID_RECORD, /exactly one record batch per partition/),
  );
});

test('a batch above max.message.bytes is MESSAGE_TOO_LARGE', async () => {
  const batch = vector('v2Plain');
  await assert.rejects(
    async () => validateProduceRecords(batch, { produceVersion: 9, maxMessageBytes: batch.length - 1 }),
    rejectsWith(ErrorCode.MESSAGE_TOO_LARGE, new RegExp(`${batch.length} bytes`)),
  );
  await validateProduceRecords(batch, { produceVersion: 9, maxMessageBytes: batch.length });
});

test('zstd before produce v7 and unknown codec ids are UNSUPPORTED_COMPRESSION_TYPE', async () => {
  const zstd = vector('v2Zstd');
  await assert.rejects(async () => validateProduceRecords(zstd, { ...OPTS, produceVersion: 3 }), rejectsWith(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE));
  await assert.rejects(async () => validateProduceRecords(zstd, { ...OPTS, produceVersion: 6 }), rejectsWith(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE));
  await validateProduceRecords(zstd, { ...OPTS, produceVersion: 7 });
  for (const codec of [5, 6, 7]) {
    const batch = Buffer.from(vector('v2Plain'));
    batch.writeInt16BE(codec, BatchHeader.ATTRIBUTES);
    writeBatchCrc(batch);
    await assert.rejects(async () => validateProduceRecords(batch, OPTS), rejectsWith(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE));
  }
});

test('bad record counts, control batches and missing sequences are INVALID_RECORD', async () => {
  const cases: [string, (b: Buffer) => void, RegExp][] = [
    ['count 0', (b) => b.writeInt32BE(0, BatchHeader.RECORDS_COUNT), /Inconsistent|count/],
    ['count mismatch', (b) => b.writeInt32BE(5, BatchHeader.RECORDS_COUNT), /Inconsistent/],
    ['negative count', (b) => b.writeInt32BE(-3, BatchHeader.RECORDS_COUNT), /count/],
    ['bad lastOffsetDelta', (b) => b.writeInt32BE(-1, BatchHeader.LAST_OFFSET_DELTA), /offset range/],
    ['control', (b) => b.writeInt16BE(0x20, BatchHeader.ATTRIBUTES), /control records/],
    ['no sequence', (b) => b.writeBigInt64BE(5n, BatchHeader.PRODUCER_ID), /sequence number -1/],
  ];
  for (const [, mutate, message] of cases) {
    const batch = Buffer.from(vector('v2Plain'));
    mutate(batch);
    writeBatchCrc(batch);
    await assert.rejects(async () => validateProduceRecords(batch, OPTS), rejectsWith(ErrorCode.INVALID_RECORD, message));
  }
});

test('empty records and unknown magic are rejected', async () => {
  await assert.rejects(async () => validateProduceRecords(Buffer.alloc(0), OPTS), rejectsWith(ErrorCode.INVALID_RECORD));
  const batch = Buffer.from(vector('v2Plain'));
  batch[BatchHeader.MAGIC] = 3;
  await assert.rejects(async () => validateProduceRecords(batch, OPTS), rejectsWith(ErrorCode.CORRUPT_MESSAGE, /magic/));
});

test('legacy message sets on produce v3+ are INVALID_RECORD', async () => {
  await assert.rejects(
    async () => validateProduceRecords(vector('legacyV1Plain'), { ...OPTS, produceVersion: 3 }),
    rejectsWith(ErrorCode.INVALID_RECORD, /magic version 2/),
  );
});

test('legacy message sets on produce v0-2 are converted to one v2 batch', async () => {
  for (const name of ['legacyV0Plain', 'legacyV1Plain', 'legacyV0Gzip', 'legacyV1Snappy', 'legacyV1Lz4'] as const) {
    const result = await validateProduceRecords(vector(name), { ...OPTS, produceVersion: 2 });
    assert.equal(result.converted, true);
    assert.equal(result.info.magic, 2);
    assert.ok(isBatchCrcValid(result.batch));
    const { records } = await decodeRecordBatch(result.batch);
    assert.equal(records.length, name.endsWith('Plain') ? 3 : 5);
  }
});

test('legacy: too large message and truncated set', async () => {
  const set = await buildLegacyMessageSet({ magic: 1, records: COMPRESSIBLE_RECORDS, compression: 1 });
  await assert.rejects(
    async () => validateProduceRecords(set, { produceVersion: 2, maxMessageBytes: set.length - 1 }),
    rejectsWith(ErrorCode.MESSAGE_TOO_LARGE),
  );
  await assert.rejects(async () => validateProduceRecords(set.subarray(0, set.length - 1), { ...OPTS, produceVersion: 2 }), rejectsWith(ErrorCode.CORRUPT_MESSAGE));
});

test('v2 batches are also accepted on produce v0-2 (Kafka does not check the magic there)', async () => {
  const result = await validateProduceRecords(vector('v2Lz4'), { ...OPTS, produceVersion: 2 });
  assert.equal(result.converted, false);
});

test('setLogAppendTime sets the attribute bit and maxTimestamp and keeps the CRC valid', async () => {
  const batch = Buffer.from(vector('v2Snappy'));
  setLogAppendTime(batch, 1234567n);
  assert.ok(isBatchCrcValid(batch));
  const { info, records } = await decodeRecordBatch(batch);
  assert.equal(info.attributes, 0x08 | 2);
  assert.equal(info.maxTimestamp, 1234567n);
  assert.deepEqual(records.map((r) => r.timestamp), records.map(() => 1234567n));
  await validateProduceRecords(batch, OPTS);
});

/** Recomputes the CRC-32 of the first legacy message, if its size field fits the buffer. */
function fixLegacyCrc(set: Buffer): void {
  const end = BatchHeader.LOG_OVERHEAD + set.readInt32BE(BatchHeader.BATCH_LENGTH);
  if (end > set.length || end < MIN_ENTRY_BYTES) return;
  set.writeUInt32BE(crc32(set.subarray(BatchHeader.MAGIC, end)) >>> 0, BatchHeader.CRC);
}

/** Applies 1-4 random edits (byte flips, truncation, extension) to a copy of `input`. */
function mutate(input: Buffer, random: () => number): Buffer {
  let out = Buffer.from(input);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const choice = random();
    if (choice < 0.6 && out.length > 0) out[Math.floor(random() * out.length)] = Math.floor(random() * 256);
    else if (choice < 0.8) out = out.subarray(0, Math.floor(random() * out.length));
    else out = Buffer.concat([out, Buffer.from([Math.floor(random() * 256)])]);
  }
  return out;
}

async function onlyKafkaErrors(what: string, run: () => Promise<unknown>): Promise<void> {
  try {
    await run();
  } catch (err) {
    assert.ok(err instanceof KafkaError, `${what}: threw ${(err as Error)?.stack ?? String(err)}`);
  }
}

test('fuzz: mutated batches and message sets only ever throw KafkaError', async () => {
  const random = prng(1234);
  const seeds = Object.keys(kafkaPythonVectors).map((name) => vector(name as keyof typeof kafkaPythonVectors));
  for (let i = 0; i < 1500; i++) {
    const seed = seeds[i % seeds.length]!;
    const mutated = mutate(seed, random);
    const produceVersion = Math.floor(random() * 10);
    await onlyKafkaErrors(`case ${i} validate`, async () => validateProduceRecords(mutated, { produceVersion, maxMessageBytes: 1 << 20 }));
    await onlyKafkaErrors(`case ${i} decode`, () => decodeRecordBatch(mutated, { maxDecompressedBytes: 1 << 20 }));
    if (mutated.length >= MIN_ENTRY_BYTES && mutated[BatchHeader.MAGIC]! < 2) {
      fixLegacyCrc(mutated); // reach the decompressors and the inner message parser
      await onlyKafkaErrors(`case ${i} legacy after CRC fix`, async () => validateProduceRecords(mutated, { produceVersion: 2, maxMessageBytes: 1 << 20 }));
    } else if (mutated.length >= BatchHeader.SIZE) {
      writeBatchCrc(mutated); // get past the CRC so the record parser and decompressors see the damage
      await onlyKafkaErrors(`case ${i} decode after CRC fix`, () => decodeRecordBatch(mutated, { maxDecompressedBytes: 1 << 20 }));
      await onlyKafkaErrors(`case ${i} validate after CRC fix`, async () =>
        validateProduceRecords(mutated, { produceVersion, maxMessageBytes: 1 << 20 }),
      );
    }
  }
});
