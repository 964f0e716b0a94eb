import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { BatchHeader, readBatchInfo, writeBatchCrc } from './batch-header.js';
import {
  buildRecordBatch,
  decodeRecordBatch,
  decodeRecordBatches,
  splitBatches,
  type DecodedRecord,
  type RecordInput,
} from './record-batch.js';
import { kafkaPythonVectors } from './testdata/kafka-python-vectors.js';
import { BASE_TS, COMPRESSIBLE_RECORDS, PLAIN_RECORDS } from './record-fixtures.js';

function vector(name: keyof typeof kafkaPythonVectors): Buffer {
  return Buffer.from(kafkaPythonVectors[name], 'hex');
}

function isError(code: number) {
  return (err: unknown) => err instanceof KafkaError && err.code === code;
}

/** The records we expect to decode from inputs, at offsets base.. and with their timestamps. */
function expectedRecords(inputs: RecordInput[], baseOffset = 0n): DecodedRecord[] {
  return inputs.map((r, i) => ({
    offset: baseOffset + BigInt(i),
    timestamp: r.timestamp ?? -1n,
    key: r.key,
    value: r.value,
    headers: r.headers ?? [],
  }));
}

test('uncompressed batch is byte-identical to kafka-python', async () => {
  const ours = await buildRecordBatch({ records: PLAIN_RECORDS, partitionLeaderEpoch: 0 });
  assert.equal(ours.toString('hex'), kafkaPythonVectors.v2Plain);
});

test('idempotent and transactional batches are byte-identical to kafka-python', async () => {
  const idempotent = await buildRecordBatch({
    records: PLAIN_RECORDS.slice(0, 1),
    partitionLeaderEpoch: 0,
    producerId: 1234n,
    producerEpoch: 5,
    baseSequence: 42,
  });
  assert.equal(idempotent.toString('hex'), kafkaPythonVectors.v2Idempotent);
  const transactional = await buildRecordBatch({
    records: PLAIN_RECORDS.slice(0, 2),
    partitionLeaderEpoch: 0,
    producerId: 77n,
    producerEpoch: 0,
    baseSequence: 0,
    transactional: true,
  });
  assert.equal(transactional.toString('hex'), kafkaPythonVectors.v2Transactional);
});

test('decodes the kafka-python plain batch', async () => {
  const { info, records } = await decodeRecordBatch(vector('v2Plain'));
  assert.equal(info.recordsCount, 3);
  assert.equal(info.lastOffsetDelta, 2);
  assert.equal(info.baseTimestamp, BASE_TS);
  assert.equal(info.maxTimestamp, BASE_TS + 5n);
  assert.deepEqual(records, expectedRecords(PLAIN_RECORDS));
});

for (const [name, codec] of [['v2Gzip', 1], ['v2Snappy', 2], ['v2Lz4', 3], ['v2Zstd', 4]] as const) {
  test(`decodes the kafka-python ${name} batch`, async () => {
    const { info, records } = await decodeRecordBatch(vector(name));
    assert.equal(info.attributes & 0x07, codec);
    assert.deepEqual(records, expectedRecords(COMPRESSIBLE_RECORDS));
  });
}

for (const codec of [0, 1, 2, 3, 4]) {
  test(`codec ${codec}: our batches round trip with producer fields and offsets`, async () => {
    const batch = await buildRecordBatch({
      records: COMPRESSIBLE_RECORDS,
      compression: codec,
      baseOffset: 1000n,
      partitionLeaderEpoch: 7,
      producerId: 99n,
      producerEpoch: 3,
      baseSequence: 10,
      transactional: true,
    });
    const { info, records } = await decodeRecordBatch(batch);
    assert.deepEqual(
      [info.baseOffset, info.partitionLeaderEpoch, info.producerId, info.producerEpoch, info.baseSequence],
      [1000n, 7, 99n, 3, 10],
    );
    assert.equal(info.attributes, codec | 0x10);
    assert.deepEqual(records, expectedRecords(COMPRESSIBLE_RECORDS, 1000n));
  });
}

test('LogAppendTime batches report maxTimestamp for every record', async () => {
  const batch = await buildRecordBatch({ records: PLAIN_RECORDS, timestampType: 'LogAppendTime' });
  const { info, records } = await decodeRecordBatch(batch);
  assert.equal(info.attributes & 0x08, 0x08);
  assert.deepEqual(records.map((r) => r.timestamp), [BASE_TS + 5n, BASE_TS + 5n, BASE_TS + 5n]);
});

test('records without timestamps take baseTimestamp, or -1', async () => {
  const records = [{ key: null, value: Buffer.from('a') }, { key: null, value: Buffer.from('b') }];
  const withBase = await decodeRecordBatch(await buildRecordBatch({ records, baseTimestamp: 42n }));
  assert.deepEqual(withBase.records.map((r) => r.timestamp), [42n, 42n]);
  const without = await decodeRecordBatch(await buildRecordBatch({ records, control: true }));
  assert.deepEqual(without.records.map((r) => r.timestamp), [-1n, -1n]);
  assert.equal(without.info.attributes, 0x20);
  assert.equal(without.info.partitionLeaderEpoch, -1);
  assert.equal(without.info.producerId, -1n);
});

test('splitBatches returns zero-copy views and ignores a trailing partial batch', async () => {
  const a = await buildRecordBatch({ records: PLAIN_RECORDS });
  const b = await buildRecordBatch({ records: COMPRESSIBLE_RECORDS, compression: 3, baseOffset: 3n });
  const joined = Buffer.concat([a, b, b.subarray(0, 30)]);
  const parts = splitBatches(joined);
  assert.equal(parts.length, 2);
  assert.equal(parts[0]!.buffer, joined.buffer);
  assert.deepEqual(parts, [a, b]);
  assert.deepEqual(splitBatches(joined.subarray(0, 5)), []);
  const decoded = await decodeRecordBatches(joined);
  assert.deepEqual(decoded.map((d) => d.records.length), [3, 5]);
  assert.deepEqual(decoded[1]!.records[0]!.offset, 3n);
});

test('splitBatches rejects an entry size below the minimum', () => {
  const bad = Buffer.alloc(40);
  bad.writeInt32BE(5, BatchHeader.BATCH_LENGTH);
  assert.throws(() => splitBatches(bad), isError(ErrorCode.CORRUPT_MESSAGE));
  bad.writeInt32BE(-100, BatchHeader.BATCH_LENGTH);
  assert.throws(() => splitBatches(bad), isError(ErrorCode.CORRUPT_MESSAGE));
});

test('decodeRecordBatch rejects bad CRC, truncation, wrong magic and bad counts', async () => {
  const good = vector('v2Plain');
  const corrupt = isError(ErrorCode.CORRUPT_MESSAGE);
  const flipped = Buffer.from(good);
  flipped[flipped.length - 1]! ^= 1;
  await assert.rejects(decodeRecordBatch(flipped), /crc/);
  await assert.rejects(decodeRecordBatch(good.subarray(0, good.length - 1)), corrupt);
  await assert.rejects(decodeRecordBatch(good.subarray(0, 40)), corrupt);
  await assert.rejects(decodeRecordBatch(Buffer.concat([good, Buffer.alloc(1)])), corrupt);
  const magic1 = Buffer.from(good);
  magic1[BatchHeader.MAGIC] = 1;
  await assert.rejects(decodeRecordBatch(magic1), corrupt);
  for (const count of [2, 4, -1, 0x7fffffff]) {
    const wrongCount = Buffer.from(good);
    wrongCount.writeInt32BE(count, BatchHeader.RECORDS_COUNT);
    writeBatchCrc(wrongCount);
    await assert.rejects(decodeRecordBatch(wrongCount), corrupt, `count ${count}`);
  }
});

test('decodeRecordBatch rejects a record whose length disagrees with its fields', async () => {
  const batch = Buffer.from(vector('v2Plain'));
  batch[BatchHeader.SIZE] += 2; // first record's length varint (22 -> 23)
  writeBatchCrc(batch);
  await assert.rejects(decodeRecordBatch(batch), isError(ErrorCode.CORRUPT_MESSAGE));
});

test('decodeRecordBatch of an unknown codec id is UNSUPPORTED_COMPRESSION_TYPE', async () => {
  const batch = Buffer.from(vector('v2Plain'));
  batch.writeInt16BE(6, BatchHeader.ATTRIBUTES);
  writeBatchCrc(batch);
  await assert.rejects(decodeRecordBatch(batch), isError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE));
  assert.equal(readBatchInfo(batch).attributes, 6);
});
