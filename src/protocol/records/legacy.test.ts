import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { compress } from '../compression.js';
import {
  buildLegacyMessageSet,
  convertLegacyMessageSet,
  encodeLegacyMessage,
  parseLegacyMessage,
  readLegacyMessageSet,
} from './legacy.js';
import { decodeRecordBatch } from './record-batch.js';
import { kafkaPythonVectors } from './testdata/kafka-python-vectors.js';
import { BASE_TS, COMPRESSIBLE_RECORDS, PLAIN_RECORDS } from './record-fixtures.js';

function vector(name: keyof typeof kafkaPythonVectors): Buffer {
  return Buffer.from(kafkaPythonVectors[name], 'hex');
}

function isError(code: number) {
  return (err: unknown) => err instanceof KafkaError && err.code === code;
}

const keysAndValues = (records: { key: Buffer | null; value: Buffer | null }[]) => records.map((r) => [r.key, r.value]);

test('uncompressed v0 and v1 message sets are byte-identical to kafka-python', async () => {
  assert.equal((await buildLegacyMessageSet({ magic: 0, records: PLAIN_RECORDS })).toString('hex'), kafkaPythonVectors.legacyV0Plain);
  assert.equal((await buildLegacyMessageSet({ magic: 1, records: PLAIN_RECORDS })).toString('hex'), kafkaPythonVectors.legacyV1Plain);
});

for (const magic of [0, 1] as const) {
  for (const codec of ['Gzip', 'Snappy', 'Lz4'] as const) {
    const name = `legacyV${magic}${codec}` as const;
    test(`reads and converts kafka-python ${name}`, async () => {
      const messages = await readLegacyMessageSet(vector(name));
      assert.deepEqual(keysAndValues(messages), keysAndValues(COMPRESSIBLE_RECORDS));
      const { info, records } = await decodeRecordBatch(await convertLegacyMessageSet(vector(name)));
      assert.equal(info.attributes & 0x07, ['Gzip', 'Snappy', 'Lz4'].indexOf(codec) + 1);
      assert.deepEqual(keysAndValues(records), keysAndValues(COMPRESSIBLE_RECORDS));
      assert.deepEqual(records.map((r) => r.offset), [0n, 1n, 2n, 3n, 4n]);
      const timestamps = magic === 0 ? [-1n, -1n, -1n, -1n, -1n] : COMPRESSIBLE_RECORDS.map((r) => r.timestamp);
      assert.deepEqual(records.map((r) => r.timestamp), timestamps);
    });
  }
  test(`converts kafka-python plain v${magic} to one uncompressed v2 batch`, async () => {
    const batch = await convertLegacyMessageSet(vector(`legacyV${magic}Plain`));
    const { info, records } = await decodeRecordBatch(batch);
    assert.equal(info.attributes, 0);
    assert.equal(info.recordsCount, 3);
    assert.deepEqual(keysAndValues(records), keysAndValues(PLAIN_RECORDS));
    assert.deepEqual(records.map((r) => r.headers), [[], [], []]);
    const timestamps = magic === 0 ? [-1n, -1n, -1n] : PLAIN_RECORDS.map((r) => r.timestamp);
    assert.deepEqual(records.map((r) => r.timestamp), timestamps);
  });
}

test('our compressed v1 wrappers use relative inner offsets; v0 absolute', async () => {
  for (const magic of [0, 1] as const) {
    const set = await buildLegacyMessageSet({ magic, records: COMPRESSIBLE_RECORDS, compression: 1, baseOffset: 100n });
    const wrapper = parseLegacyMessage(set);
    assert.equal(wrapper.offset, 104n);
    assert.equal(wrapper.timestamp, magic === 1 ? BASE_TS + 4n : -1n);
    const messages = await readLegacyMessageSet(set);
    assert.deepEqual(messages.map((m) => m.offset), [100n, 101n, 102n, 103n, 104n]);
  }
});

test('v1 LogAppendTime wrapper timestamps apply to inner messages and the converted batch', async () => {
  for (const compression of [0, 2]) {
    const set = await buildLegacyMessageSet({ magic: 1, records: COMPRESSIBLE_RECORDS, compression, timestampType: 'LogAppendTime' });
    const { info, records } = await decodeRecordBatch(await convertLegacyMessageSet(set));
    assert.equal(info.attributes, compression | 0x08);
    assert.equal(info.maxTimestamp, BASE_TS + 4n);
    assert.deepEqual(records.map((r) => r.timestamp), COMPRESSIBLE_RECORDS.map(() => BASE_TS + 4n));
  }
});

test('a trailing partial message is ignored', async () => {
  const set = vector('legacyV1Plain');
  const messages = await readLegacyMessageSet(Buffer.concat([set, set.subarray(0, 20)]));
  assert.equal(messages.length, 3);
});

test('CRC-32 mismatch is CORRUPT_MESSAGE', async () => {
  for (const name of ['legacyV0Plain', 'legacyV1Gzip'] as const) {
    const set = Buffer.from(vector(name));
    set[30]! ^= 0x40;
    await assert.rejects(convertLegacyMessageSet(set), isError(ErrorCode.CORRUPT_MESSAGE));
  }
});

test('a wrapper inside a wrapper is INVALID_RECORD', async () => {
  const inner = await buildLegacyMessageSet({ magic: 1, records: PLAIN_RECORDS, compression: 1 });
  const outer = encodeLegacyMessage(1, 0n, 1, 0n, null, await compress(1, inner));
  await assert.rejects(readLegacyMessageSet(outer), isError(ErrorCode.INVALID_RECORD));
});

test('inner magic different from the wrapper magic is INVALID_RECORD', async () => {
  const inner = await buildLegacyMessageSet({ magic: 0, records: PLAIN_RECORDS });
  const outer = encodeLegacyMessage(1, 0n, 1, 0n, null, await compress(1, inner));
  await assert.rejects(readLegacyMessageSet(outer), isError(ErrorCode.INVALID_RECORD));
});

test('zstd and unknown codecs in legacy messages are UNSUPPORTED_COMPRESSION_TYPE', async () => {
  for (const codec of [4, 6]) {
    const outer = encodeLegacyMessage(1, 0n, codec, 0n, null, Buffer.from('whatever'));
    await assert.rejects(convertLegacyMessageSet(outer), isError(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE));
  }
});

test('a compressed wrapper with a null value or garbage payload is CORRUPT_MESSAGE', async () => {
  await assert.rejects(readLegacyMessageSet(encodeLegacyMessage(0, 0n, 1, -1n, null, null)), isError(ErrorCode.CORRUPT_MESSAGE));
  const garbage = encodeLegacyMessage(0, 0n, 2, -1n, null, Buffer.from('not snappy at all'));
  await assert.rejects(readLegacyMessageSet(garbage), isError(ErrorCode.CORRUPT_MESSAGE));
});

test('an empty message set cannot be converted', async () => {
  await assert.rejects(convertLegacyMessageSet(Buffer.alloc(0)), isError(ErrorCode.INVALID_RECORD));
});
