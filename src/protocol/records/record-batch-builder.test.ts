import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CompressionType } from './batch-header.js';
import { RecordBatchBuilder, type FinishBatchOptions } from './record-batch-builder.js';
import { buildRecordBatch, decodeRecordBatch, type RecordInput } from './record-batch.js';
import { kafkaPythonVectors } from './testdata/kafka-python-vectors.js';
import { BASE_TS, COMPRESSIBLE_RECORDS, PLAIN_RECORDS, prng } from './record-fixtures.js';

function build(records: readonly RecordInput[], capacityBytes = 64): RecordBatchBuilder {
  const builder = new RecordBatchBuilder(capacityBytes);
  for (const r of records) {
    const before = builder.sizeBytes;
    const expected = builder.recordSizeBytes(r.key, r.value, r.headers, Number(r.timestamp!));
    const added = builder.append(r.key, r.value, r.headers, Number(r.timestamp!));
    assert.equal(added, expected, 'recordSizeBytes() predicts what append() adds');
    assert.equal(builder.sizeBytes, before + added);
  }
  return builder;
}

test('builder output is byte-identical to the kafka-python vectors', async () => {
  assert.equal(build(PLAIN_RECORDS).finishUncompressed({ partitionLeaderEpoch: 0 }).toString('hex'), kafkaPythonVectors.v2Plain);
  const idempotent = build(PLAIN_RECORDS.slice(0, 1)).finishUncompressed({ partitionLeaderEpoch: 0, producerId: 1234n, producerEpoch: 5, baseSequence: 42 });
  assert.equal(idempotent.toString('hex'), kafkaPythonVectors.v2Idempotent);
  const transactional = await build(PLAIN_RECORDS.slice(0, 2)).finish({ partitionLeaderEpoch: 0, producerId: 77n, producerEpoch: 0, baseSequence: 0, transactional: true });
  assert.equal(transactional.toString('hex'), kafkaPythonVectors.v2Transactional);
});

/** Random records: null/empty/large keys and values, headers with non-ASCII keys, timestamps around and far from the first. */
function randomRecords(random: () => number, count: number): RecordInput[] {
  const bytes = (): Buffer | null => {
    const r = random();
    if (r < 0.15) return null;
    if (r < 0.25) return Buffer.alloc(0);
    const length = r < 0.9 ? Math.floor(random() * 200) : Math.floor(random() * 20_000);
    return Buffer.from(Array.from({ length }, () => Math.floor(random() * 256)));
  };
  const timestamp = (): bigint => {
    const r = random();
    if (r < 0.5) return BASE_TS + BigInt(Math.floor(random() * 1000));
    if (r < 0.8) return BASE_TS - BigInt(Math.floor(random() * 100_000));
    return BASE_TS + BigInt(Math.floor((random() - 0.5) * 2 ** 40)); // deltas beyond int32: the varlong path
  };
  return Array.from({ length: count }, () => {
    const headerCount = random() < 0.6 ? 0 : Math.floor(random() * 4);
    const headers = Array.from({ length: headerCount }, (_, i) => ({ key: random() < 0.3 ? `h\u00e9${i}\u{1f600}` : `h${i}`, value: bytes() }));
    return { key: bytes(), value: bytes(), headers, timestamp: timestamp() };
  });
}

test('builder output equals buildRecordBatch for random records and header fields (seeded)', async () => {
  for (let seed = 1; seed <= 60; seed++) {
    const random = prng(seed);
    const records = randomRecords(random, 1 + Math.floor(random() * 40));
    const opts: FinishBatchOptions = {
      baseOffset: BigInt(Math.floor(random() * 1e12)),
      partitionLeaderEpoch: Math.floor(random() * 100) - 1,
      producerId: random() < 0.5 ? -1n : BigInt(Math.floor(random() * 1e9)),
      producerEpoch: Math.floor(random() * 10) - 1,
      baseSequence: Math.floor(random() * 1e6) - 1,
      transactional: random() < 0.2,
    };
    const expected = await buildRecordBatch({ records, ...opts });
    // A small initial capacity makes the builder grow its buffer several times.
    assert.deepEqual(build(records, 64 + Math.floor(random() * 20_000)).finishUncompressed(opts), expected, `seed ${seed}`);
  }
});

test('compressed builder batches equal buildRecordBatch and decode back', async () => {
  for (const [name, codec] of Object.entries(CompressionType)) {
    const built = await build(COMPRESSIBLE_RECORDS).finish({ compression: codec, producerId: 9n, producerEpoch: 1, baseSequence: 3 });
    const decoded = await decodeRecordBatch(built);
    assert.equal(decoded.info.attributes & 0x07, codec, name);
    assert.deepEqual(
      decoded.records.map((r) => [r.key, r.value, r.timestamp]),
      COMPRESSIBLE_RECORDS.map((r) => [r.key, r.value, r.timestamp]),
      name,
    );
    // gzip output carries no timestamp, and the other codecs are deterministic: same bytes as the general encoder.
    assert.deepEqual(built, await buildRecordBatch({ records: COMPRESSIBLE_RECORDS, compression: codec, producerId: 9n, producerEpoch: 1, baseSequence: 3 }), name);
  }
});

test('a producer-sized batch: 16 records of 1000 bytes fill 16,205 of 16,384 bytes', () => {
  const builder = new RecordBatchBuilder(16_384);
  const value = Buffer.alloc(1000, 7);
  for (let i = 0; i < 16; i++) builder.append(null, value, undefined, 1_700_000_000_000 + i);
  assert.equal(builder.sizeBytes, 16_205);
  assert.ok(builder.sizeBytes + builder.recordSizeBytes(null, value, undefined, 1_700_000_000_016) > 16_384);
});

test('misuse is a programmer error', () => {
  const builder = new RecordBatchBuilder(128);
  assert.throws(() => builder.finishUncompressed(), /at least one record/);
  builder.append(null, null, undefined, 1);
  assert.throws(() => builder.append(null, null, undefined, 1.5), /not an integer/);
  builder.finishUncompressed();
  assert.throws(() => builder.append(null, null, undefined, 2), /after finish/);
  assert.throws(() => builder.finishUncompressed(), /twice/);
});
