import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ErrorCode, KafkaError } from '../common/errors.js';
import { BatchHeader, readBatchInfo } from '../protocol/records/batch-header.js';
import { decodeRecordBatch } from '../protocol/records/record-batch.js';
import { makeLogConfig, type LogConfig } from './log-config.js';
import { PartitionLog } from './partition-log.js';
import { makeBatch, makeTempDir, removeDir } from './storage-fixtures.js';

const NOW = 1_700_000_000_000n;
let root: string;
let dir: string;

function open(config: Partial<LogConfig> = {}, clean = false, extra: { recoveryPoint?: bigint; highWatermark?: bigint; logStartOffset?: bigint } = {}): PartitionLog {
  return PartitionLog.open({ dir, topic: 't', partition: 0, config: makeLogConfig(config), hadCleanShutdown: clean, nowMs: NOW, ...extra });
}

function isKafkaError(code: number): (err: unknown) => boolean {
  return (err) => err instanceof KafkaError && err.code === code;
}

async function appendN(log: PartitionLog, n: number, opts: { count?: number; valueBytes?: number } = {}): Promise<void> {
  for (let i = 0; i < n; i++) {
    log.appendAsLeader(await makeBatch({ count: opts.count ?? 2, valueBytes: opts.valueBytes ?? 40, tag: `b${i}`, timestampMs: NOW + BigInt(i * 10) }), 0, NOW);
  }
  log.highWatermark = log.logEndOffset;
}

function readAll(log: PartitionLog, from = log.logStartOffset): bigint[] {
  const offsets: bigint[] = [];
  let offset = from;
  for (let guard = 0; guard < 10_000 && offset < log.logEndOffset; guard++) {
    const { batches } = log.read(offset, 1 << 20, log.logEndOffset, true);
    assert.ok(batches.length > 0, `no progress at ${offset}`);
    for (const b of batches) {
      const info = readBatchInfo(b);
      offsets.push(info.baseOffset);
      offset = info.baseOffset + BigInt(info.lastOffsetDelta) + 1n;
    }
  }
  return offsets;
}

function segmentFile(suffix: string, base = 0n): string {
  return path.join(dir, base.toString().padStart(20, '0') + suffix);
}

beforeEach(() => {
  root = makeTempDir();
  dir = path.join(root, 't-0');
});
afterEach(() => removeDir(root));

describe('PartitionLog append and read', () => {
  it('round-trips batches across segment rolls', async () => {
    const log = open({ segmentBytes: 600, indexIntervalBytes: 100 });
    await appendN(log, 30);
    assert.equal(log.logEndOffset, 60n);
    assert.ok(log.segmentCount > 3, `expected rolls, got ${log.segmentCount} segments`);
    assert.deepEqual(readAll(log), Array.from({ length: 30 }, (_, i) => BigInt(i * 2)));
    const first = await decodeRecordBatch(log.read(42n, 1000, 60n, false).batches[0]!);
    assert.equal(first.records[0]!.value!.toString().replace(/\.+$/, ''), 'b21-0');
    const logs = fs.readdirSync(dir).filter((n) => n.endsWith('.log'));
    assert.equal(logs.length, log.segmentCount);
    assert.ok(fs.existsSync(segmentFile('.index')) && fs.existsSync(segmentFile('.timeindex')));
    await log.close();
  });

  it('finds the batch containing any offset through the sparse index', async () => {
    const log = open({ indexIntervalBytes: 1 });
    await appendN(log, 20, { count: 3 });
    await log.flush(); // index entries are written behind, and always by a flush
    assert.ok(fs.statSync(segmentFile('.index')).size >= 8 * 18, 'index has an entry per batch');
    for (let offset = 0n; offset < 60n; offset++) {
      const [batch] = log.read(offset, 1, 60n, true).batches;
      const info = readBatchInfo(batch!);
      assert.ok(info.baseOffset <= offset && offset <= info.baseOffset + 2n, `offset ${offset} in batch ${info.baseOffset}`);
    }
    await log.close();
  });

  it('finds batches by timestamp and tracks the max timestamp batch', async () => {
    const log = open({ indexIntervalBytes: 1, segmentBytes: 500 });
    await appendN(log, 20);
    const found = log.findBatchByTimestamp(NOW + 55n);
    assert.equal(found?.baseOffset, 12n);
    assert.equal(log.findBatchByTimestamp(NOW)?.baseOffset, 0n);
    assert.equal(log.findBatchByTimestamp(NOW + 10_000n), null);
    log.appendAsLeader(await makeBatch({ timestampMs: NOW - 5n }), 0, NOW);
    const max = log.maxTimestampBatch();
    assert.equal(max?.baseOffset, 38n);
    assert.equal(max?.maxTimestampMs, NOW + 191n);
    await log.close();
  });

  it('honours maxBytes, minOneBatch and maxOffsetExclusive', async () => {
    const log = open();
    await appendN(log, 10);
    const size = log.read(0n, 1 << 20, 20n, false).batches[0]!.length;
    assert.equal(log.read(0n, size * 3 + 5, 20n, false).batches.length, 3);
    assert.equal(log.read(0n, size - 1, 20n, false).batches.length, 0);
    assert.equal(log.read(0n, size - 1, 20n, true).batches.length, 1, 'KIP-74: first batch even if too big');
    assert.equal(log.read(1n, 10, 20n, true).batches.length, 1);
    assert.equal(log.read(0n, 1 << 20, 5n, false).batches.length, 2, 'only batches entirely below the bound');
    assert.equal(log.read(20n, 100, 20n, true).batches.length, 0);
    assert.throws(() => log.read(21n, 100, 30n, true), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
    await log.close();
  });

  it('stamps LogAppendTime with a valid CRC', async () => {
    const log = open({ messageTimestampType: 'LogAppendTime' });
    const result = log.appendAsLeader(await makeBatch({ count: 2 }), 3, 42n);
    assert.equal(result.logAppendTimeMs, 42n);
    const batch = log.read(0n, 1000, 2n, false).batches[0]!;
    const info = readBatchInfo(batch);
    assert.equal(info.maxTimestamp, 42n);
    assert.equal(info.partitionLeaderEpoch, 3);
    assert.ok(info.attributes & 0x08);
    await log.close();
  });
});

describe('PartitionLog deferred leader appends', () => {
  it('are written by writePending in one go, and by anything that reads or truncates the file first', async () => {
    const log = open({ segmentBytes: 1 << 20 });
    const file = segmentFile('.log');
    for (let i = 0; i < 3; i++) log.appendAsLeader(await makeBatch({ count: 2, tag: `d${i}` }), 0, NOW, true);
    assert.equal(log.logEndOffset, 6n, 'offsets are assigned at once');
    assert.equal(fs.statSync(file).size, 0, 'the bytes wait');
    log.writePending();
    const written = fs.statSync(file).size;
    assert.ok(written > 0);
    log.appendAsLeader(await makeBatch({ count: 2, tag: 'd3' }), 0, NOW, true);
    log.highWatermark = log.logEndOffset;
    assert.deepEqual(readAll(log), [0n, 2n, 4n, 6n], 'a read writes pending bytes before it reads');
    assert.ok(fs.statSync(file).size > written);
    log.appendAsLeader(await makeBatch({ count: 2, tag: 'd4' }), 0, NOW, true);
    log.truncateTo(8n);
    assert.equal(log.logEndOffset, 8n);
    assert.deepEqual(readAll(log), [0n, 2n, 4n, 6n]);
    log.appendAsLeader(await makeBatch({ count: 2, tag: 'd5' }), 0, NOW, true);
    await log.close();
    const reopened = open({}, true);
    assert.equal(reopened.logEndOffset, 10n, 'closing writes pending bytes');
    await reopened.close();
  });

  it('a segment roll writes the old segment\'s pending bytes; a non-deferred append keeps file order', async () => {
    const log = open({ segmentBytes: 400 });
    for (let i = 0; i < 6; i++) log.appendAsLeader(await makeBatch({ count: 1, valueBytes: 100, tag: `r${i}` }), 0, NOW, i % 2 === 0);
    log.writePending();
    log.highWatermark = log.logEndOffset;
    assert.deepEqual(readAll(log), [0n, 1n, 2n, 3n, 4n, 5n]);
    await log.close();
    const reopened = open({ segmentBytes: 400 }, false);
    assert.equal(reopened.logEndOffset, 6n, 'recovery finds every batch intact');
    await reopened.close();
  });
});

describe('PartitionLog reopen and recovery', () => {
  it('reopens after a clean close without recovery', async () => {
    let log = open({ segmentBytes: 700, indexIntervalBytes: 64 });
    await appendN(log, 25);
    const segments = log.segmentCount;
    await log.close();
    log = open({ segmentBytes: 700, indexIntervalBytes: 64 }, true, { highWatermark: 50n });
    assert.equal(log.logEndOffset, 50n);
    assert.equal(log.segmentCount, segments);
    assert.equal(log.highWatermark, 50n);
    assert.equal(readAll(log).length, 25);
    assert.equal(log.findBatchByTimestamp(NOW + 240n)?.baseOffset, 48n);
    log.appendAsLeader(await makeBatch(), 0, NOW);
    assert.equal(log.logEndOffset, 51n);
    await log.close();
  });

  const corruptions: [string, (file: string, lastBatchPos: number) => void][] = [
    ['truncated mid-batch', (file, pos) => fs.truncateSync(file, pos + 30)],
    ['byte flipped inside the last batch', (file, pos) => {
      const fd = fs.openSync(file, 'r+');
      const b = Buffer.alloc(1);
      fs.readSync(fd, b, 0, 1, pos + BatchHeader.SIZE + 2);
      b[0] ^= 0xff;
      fs.writeSync(fd, b, 0, 1, pos + BatchHeader.SIZE + 2);
      fs.closeSync(fd);
    }],
    ['garbage zeros appended', (file) => fs.appendFileSync(file, Buffer.alloc(300))],
  ];
  for (const [name, corrupt] of corruptions) {
    it(`recovers after a crash with ${name}`, async () => {
      let log = open({ indexIntervalBytes: 50 });
      await appendN(log, 10);
      const expectedEnd = name.startsWith('garbage') ? 20n : 18n;
      const lastPos = fs.statSync(segmentFile('.log')).size - log.read(18n, 1000, 20n, false).batches[0]!.length;
      const originalSize = fs.statSync(segmentFile('.log')).size;
      log.closeFiles();
      corrupt(segmentFile('.log'), lastPos);
      log = open({ indexIntervalBytes: 50 }, false, { recoveryPoint: 0n });
      assert.equal(log.logEndOffset, expectedEnd);
      assert.equal(fs.statSync(segmentFile('.log')).size, name.startsWith('garbage') ? originalSize : lastPos);
      assert.deepEqual(readAll(log), Array.from({ length: Number(expectedEnd) / 2 }, (_, i) => BigInt(i * 2)));
      assert.throws(() => log.read(expectedEnd + 1n, 1000, 100n, true), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
      const appended = log.appendAsLeader(await makeBatch(), 0, NOW);
      assert.equal(appended.baseOffset, expectedEnd);
      assert.equal(readAll(log).length, Number(expectedEnd) / 2 + 1);
      await log.close();
    });
  }

  it('rebuilds a corrupt index and deletes segments after a truncated one', async () => {
    let log = open({ segmentBytes: 500, indexIntervalBytes: 1 });
    await appendN(log, 20);
    const segments = log.segmentCount;
    await log.close();
    fs.writeFileSync(segmentFile('.index'), Buffer.from([0, 0, 0, 9, 0x7f, 0, 0, 0]));
    log = open({ segmentBytes: 500, indexIntervalBytes: 1 }, true);
    assert.equal(readAll(log).length, 20, 'index pointing past the log end is rebuilt');
    const firstBatchBytes = log.read(0n, 1, 2n, true).batches[0]!.length;
    log.closeFiles();
    fs.truncateSync(segmentFile('.log'), firstBatchBytes + 30);
    log = open({ segmentBytes: 500, indexIntervalBytes: 1 }, false, { recoveryPoint: 0n });
    assert.equal(log.segmentCount, 1);
    assert.ok(segments > 1);
    assert.equal(log.logEndOffset, 2n);
    await log.close();
  });

  it('never serves a CRC-invalid batch found after open', async () => {
    const log = open();
    await appendN(log, 3);
    const fd = fs.openSync(segmentFile('.log'), 'r+');
    fs.writeSync(fd, Buffer.from([0xee]), 0, 1, fs.statSync(segmentFile('.log')).size - 3);
    fs.closeSync(fd);
    assert.equal(log.read(0n, 1 << 20, 6n, true).batches.length, 2);
    assert.throws(() => log.read(4n, 1 << 20, 6n, true), isKafkaError(ErrorCode.CORRUPT_MESSAGE));
    log.closeFiles();
  });
});

describe('PartitionLog idempotent producers', () => {
  const pid = 1000n;
  const batch = (baseSequence: number, producerEpoch = 0, count = 2): Promise<Buffer> => makeBatch({ producerId: pid, producerEpoch, baseSequence, count });

  it('returns the original offsets for a duplicate and rejects gaps and old epochs', async () => {
    const log = open();
    assert.equal(log.appendAsLeader(await batch(0), 0, NOW).baseOffset, 0n);
    assert.equal(log.appendAsLeader(await batch(2), 0, NOW).baseOffset, 2n);
    const dup = log.appendAsLeader(await batch(0), 0, NOW);
    assert.deepEqual([dup.baseOffset, dup.lastOffset, dup.duplicate], [0n, 1n, true]);
    assert.equal(log.logEndOffset, 4n);
    assert.throws(() => log.appendAsLeader(Buffer.from(''), 0, NOW));
    await assert.rejects(async () => log.appendAsLeader(await batch(7), 0, NOW), isKafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
    await assert.rejects(async () => log.appendAsLeader(await batch(3, 1), 0, NOW), isKafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
    assert.equal(log.appendAsLeader(await batch(0, 1), 0, NOW).baseOffset, 4n, 'new epoch at sequence 0');
    await assert.rejects(async () => log.appendAsLeader(await batch(2, 0), 0, NOW), isKafkaError(ErrorCode.INVALID_PRODUCER_EPOCH));
    assert.equal(log.appendAsLeader(await makeBatch({ producerId: 77n, baseSequence: 40 }), 0, NOW).duplicate, false, 'unknown producer: any sequence (KIP-360)');
    await log.close();
  });

  it('wraps sequences at Int32 max', async () => {
    const log = open();
    log.appendAsLeader(await batch(0x7ffffffe, 0, 2), 0, NOW);
    log.appendAsLeader(await batch(0, 0, 1), 0, NOW);
    assert.equal(log.producer(pid)?.batches.at(-1)?.lastSeq, 0);
    await log.close();
  });

  it('keeps only five batches for duplicate detection', async () => {
    const log = open();
    for (let i = 0; i < 7; i++) log.appendAsLeader(await batch(i * 2), 0, NOW);
    assert.equal(log.appendAsLeader(await batch(4), 0, NOW).duplicate, true);
    await assert.rejects(async () => log.appendAsLeader(await batch(2), 0, NOW), isKafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
    await log.close();
  });

  for (const clean of [true, false]) {
    it(`restores producer state after a ${clean ? 'clean close' : 'crash'}`, async () => {
      let log = open({ segmentBytes: 400 });
      for (let i = 0; i < 6; i++) log.appendAsLeader(await batch(i * 2), 0, NOW);
      if (clean) await log.close();
      else log.closeFiles();
      log = open({ segmentBytes: 400 }, clean, { recoveryPoint: 0n });
      const dup = log.appendAsLeader(await batch(6), 0, NOW);
      assert.deepEqual([dup.duplicate, dup.baseOffset], [true, 6n]);
      await assert.rejects(async () => log.appendAsLeader(await batch(20), 0, NOW), isKafkaError(ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER));
      assert.equal(log.appendAsLeader(await batch(12), 0, NOW).baseOffset, 12n);
      await log.close();
    });
  }
});

describe('PartitionLog offsets management', () => {
  it('deleteRecordsBefore advances the log start and deletes whole segments', async () => {
    const log = open({ segmentBytes: 400 });
    await appendN(log, 20);
    const segments = log.segmentCount;
    log.highWatermark = 30n;
    assert.throws(() => log.deleteRecordsBefore(31n), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
    assert.equal(log.deleteRecordsBefore(25n), 25n);
    assert.ok(log.segmentCount < segments);
    assert.throws(() => log.read(24n, 100, 40n, true), isKafkaError(ErrorCode.OFFSET_OUT_OF_RANGE));
    assert.equal(readBatchInfo(log.read(25n, 100, 40n, true).batches[0]!).baseOffset, 24n);
    assert.equal(log.deleteRecordsBefore(10n), 25n);
    await log.close();
  });

  it('truncates to an offset and keeps appending', async () => {
    const log = open({ segmentBytes: 400 });
    await appendN(log, 20);
    log.assignEpochStartOffset(1, 40n);
    log.truncateTo(15n);
    assert.equal(log.logEndOffset, 14n, 'the batch holding the target is dropped whole');
    assert.equal(log.highWatermark, 14n);
    assert.deepEqual(log.leaderEpochs(), [{ epoch: 0, startOffset: 0n }]);
    log.appendAsLeader(await makeBatch(), 2, NOW);
    assert.deepEqual(readAll(log).at(-1), 14n);
    assert.deepEqual(log.endOffsetForEpoch(0), { leaderEpoch: 0, endOffset: 14n });
    assert.deepEqual(log.endOffsetForEpoch(5), { leaderEpoch: 2, endOffset: 15n });
    log.truncateFullyAndStartAt(100n);
    assert.deepEqual([log.logStartOffset, log.logEndOffset, log.segmentCount], [100n, 100n, 1]);
    assert.equal(log.appendAsLeader(await makeBatch(), 3, NOW).baseOffset, 100n);
    await log.close();
  });

  it('follower appends keep leader offsets and epochs', async () => {
    const log = open();
    const b = await makeBatch({ count: 3 });
    b.writeBigInt64BE(10n, 0);
    b.writeInt32BE(4, BatchHeader.PARTITION_LEADER_EPOCH);
    log.truncateFullyAndStartAt(10n);
    assert.equal(log.appendAsFollower(b, NOW).lastOffset, 12n);
    assert.deepEqual(log.leaderEpochs(), [{ epoch: 4, startOffset: 10n }]);
    assert.throws(() => log.appendAsFollower(b, NOW), isKafkaError(ErrorCode.UNKNOWN_SERVER_ERROR));
    await log.close();
  });

  it('appends a replica fetch as one write per segment: same bytes and offsets as the leader, rolls, overlaps and partial tails', async () => {
    const leader = open({ segmentBytes: 700 }, false);
    for (let i = 0; i < 8; i++) leader.appendAsLeader(await makeBatch({ count: 2, tag: `b${i}`, valueBytes: 40 }), i < 4 ? 1 : 2, NOW);
    const fetched = Buffer.concat(leader.read(0n, 1 << 20, leader.logEndOffset, true).batches);
    const follower = PartitionLog.open({ dir: path.join(root, 't-1'), topic: 't', partition: 1, config: makeLogConfig({ segmentBytes: 700 }), hadCleanShutdown: false, nowMs: NOW });
    // First a prefix and half of the next batch (left for the next fetch), then everything again.
    const firstTwo = fetched.subarray(0, fetched.readInt32BE(8) + 12 + fetched.readInt32BE(fetched.readInt32BE(8) + 12 + 8) + 12);
    assert.equal(follower.appendBatchesAsFollower(Buffer.concat([firstTwo, fetched.subarray(firstTwo.length, firstTwo.length + 30)]), NOW), 2);
    assert.equal(follower.logEndOffset, 4n);
    assert.equal(follower.appendBatchesAsFollower(fetched, NOW), 6);
    assert.equal(follower.logEndOffset, leader.logEndOffset);
    assert.ok(follower.segmentCount > 1, 'the run rolled segments');
    assert.deepEqual(follower.leaderEpochs(), leader.leaderEpochs());
    assert.deepEqual(Buffer.concat(follower.read(0n, 1 << 20, follower.logEndOffset, true).batches), fetched);
    assert.deepEqual(readAll(follower), readAll(leader));
    // A corrupt batch is refused; the good ones before it are kept.
    const next = await makeBatch({ count: 1, tag: 'x' });
    next.writeBigInt64BE(follower.logEndOffset, 0);
    next[next.length - 1] ^= 0xff;
    assert.throws(() => follower.appendBatchesAsFollower(next, NOW), isKafkaError(ErrorCode.CORRUPT_MESSAGE));
    assert.equal(follower.logEndOffset, leader.logEndOffset);
    await follower.close();
    await leader.close();
  });

  it('flushes after flush.messages and on flush.ms', async () => {
    const log = open({ flushMessages: 4, flushMs: 1000 });
    await appendN(log, 1);
    await log.flushIfDue(NOW + 10n);
    assert.equal(log.recoveryPoint, 0n);
    await appendN(log, 2);
    await log.flush();
    assert.equal(log.recoveryPoint, 6n);
    await appendN(log, 1);
    await log.flushIfDue(NOW + 5000n);
    assert.equal(log.recoveryPoint, 8n);
    await log.close();
  });
});

describe('PartitionLog records without timestamps', () => {
  it('appends batches with timestamp -1 past several index intervals (found by the protocol fuzzer)', async () => {
    const log = open({ indexIntervalBytes: 256 });
    for (let i = 0; i < 40; i++) log.appendAsLeader(await makeBatch({ timestampMs: -1n, valueBytes: 200 }), 0, NOW);
    assert.equal(log.logEndOffset, 40n);
    assert.deepEqual(readAll(log), Array.from({ length: 40 }, (_, i) => BigInt(i)));
    assert.equal(log.findBatchByTimestamp(0n), null);
    await log.close();
    const reopened = open({ indexIntervalBytes: 256 });
    assert.equal(reopened.logEndOffset, 40n);
    await reopened.close();
  });
});
