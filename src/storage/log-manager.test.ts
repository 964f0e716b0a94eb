import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CheckpointFileName, readOffsetCheckpoint } from './checkpoint-file.js';
import { makeLogConfig } from './log-config.js';
import { CLEAN_SHUTDOWN_FILE, LogManager, parseTopicPartitionDir } from './log-manager.js';
import type { PartitionLog } from './partition-log.js';
import { makeBatch, makeTempDir, removeDir } from './storage-fixtures.js';

const NOW = 1_700_000_000_000n;
const TOPIC_ID = 'AAECAwQFBgcICQoLDA0ODw';
let root: string;

beforeEach(() => {
  root = makeTempDir();
});
afterEach(() => removeDir(root));

describe('LogManager', () => {
  it('parses partition directory names', () => {
    assert.deepEqual(parseTopicPartitionDir('my-topic.v2-13'), { topic: 'my-topic.v2', partition: 13 });
    assert.equal(parseTopicPartitionDir('topic-0.abcdef-delete'), null);
    assert.equal(parseTopicPartitionDir('nodash'), null);
    assert.equal(parseTopicPartitionDir('-0'), null);
  });

  it('writes Kafka checkpoint files, partition.metadata and the clean shutdown marker exactly', async () => {
    const dir = path.join(root, 'd1');
    const manager = LogManager.open({ logDirs: [dir], nowMs: NOW });
    const log = manager.getOrCreateLog('orders', 1, TOPIC_ID);
    log.appendAsLeader(await makeBatch({ count: 3 }), 5, NOW);
    log.highWatermark = 3n;
    manager.getOrCreateLog('a-b.c', 0);
    await manager.close();
    assert.equal(fs.readFileSync(path.join(dir, CheckpointFileName.REPLICATION_OFFSET), 'utf8'), '0\n2\norders 1 3\na-b.c 0 0\n');
    assert.equal(fs.readFileSync(path.join(dir, CheckpointFileName.RECOVERY_POINT), 'utf8'), '0\n2\norders 1 3\na-b.c 0 0\n');
    assert.equal(fs.readFileSync(path.join(dir, CheckpointFileName.LOG_START_OFFSET), 'utf8'), '0\n2\norders 1 0\na-b.c 0 0\n');
    assert.equal(fs.readFileSync(path.join(dir, 'orders-1', 'leader-epoch-checkpoint'), 'utf8'), '0\n1\n5 0\n');
    assert.equal(fs.readFileSync(path.join(dir, 'orders-1', 'partition.metadata'), 'utf8'), `version: 0\ntopic_id: ${TOPIC_ID}\n`);
    assert.ok(fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)));
    assert.ok(fs.existsSync(path.join(dir, 'orders-1', '00000000000000000003.snapshot')));
    assert.ok(!fs.readdirSync(dir).some((n) => n.endsWith('.tmp')));
  });

  it('reopens logs, removes the marker, and recovers after an unclean stop', async () => {
    const dir = path.join(root, 'd1');
    let manager = LogManager.open({ logDirs: [dir], nowMs: NOW });
    const log = manager.getOrCreateLog('t', 0);
    log.appendAsLeader(await makeBatch({ count: 2 }), 0, NOW);
    log.highWatermark = 2n;
    await manager.close();
    manager = LogManager.open({ logDirs: [dir], nowMs: NOW });
    assert.ok(manager.hadCleanShutdown(dir));
    assert.ok(!fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE)));
    const reopened = manager.getLog('t', 0)!;
    assert.equal(reopened.highWatermark, 2n);
    reopened.appendAsLeader(await makeBatch({ count: 2 }), 0, NOW);
    manager.checkpointAll();
    reopened.closeFiles();
    fs.appendFileSync(path.join(dir, 't-0', '00000000000000000000.log'), Buffer.alloc(17, 1));
    manager = LogManager.open({ logDirs: [dir], nowMs: NOW });
    assert.equal(manager.hadCleanShutdown(dir), false);
    assert.equal(manager.getLog('t', 0)!.logEndOffset, 4n);
    await manager.close();
  });

  it('spreads partitions over log dirs and deletes partitions via -delete dirs', async () => {
    const dirs = [path.join(root, 'a'), path.join(root, 'b')];
    const manager = LogManager.open({ logDirs: dirs, nowMs: NOW, defaultConfig: makeLogConfig({ segmentBytes: 1000 }) });
    for (let p = 0; p < 4; p++) manager.getOrCreateLog('t', p);
    assert.equal(fs.readdirSync(dirs[0]!).filter((n) => n.startsWith('t-')).length, 2);
    assert.equal(fs.readdirSync(dirs[1]!).filter((n) => n.startsWith('t-')).length, 2);
    const where = manager.logDirOf('t', 0)!;
    await manager.deletePartition('t', 0);
    assert.equal(manager.getLog('t', 0), undefined);
    assert.ok(!fs.readdirSync(where).some((n) => n.startsWith('t-0')));
    for (const name of [CheckpointFileName.RECOVERY_POINT, CheckpointFileName.REPLICATION_OFFSET, CheckpointFileName.LOG_START_OFFSET]) {
      assert.equal(readOffsetCheckpoint(path.join(where, name)).has('t-0'), false, name);
    }
    // A deletion's checkpoints queue behind (and before) the periodic ones: all end up consistent.
    const other = manager.logDirOf('t', 1)!;
    await Promise.all([manager.checkpointHighWatermarks(), manager.deletePartition('t', 1), manager.checkpointRecoveryPoints(), manager.checkpointLogStartOffsetsAsync()]);
    for (const name of [CheckpointFileName.RECOVERY_POINT, CheckpointFileName.REPLICATION_OFFSET, CheckpointFileName.LOG_START_OFFSET]) {
      const entries = readOffsetCheckpoint(path.join(other, name));
      assert.equal(entries.has('t-1'), false, name);
      assert.ok(fs.readdirSync(other).every((n) => !n.endsWith('.tmp')), `a temporary checkpoint file was left in ${other}`);
    }
    fs.mkdirSync(path.join(where, 't-9.0123456789abcdef0123456789abcdef-delete'));
    fs.mkdirSync(path.join(where, '__cluster_metadata-0'));
    await manager.close();
    const again = LogManager.open({ logDirs: dirs, nowMs: NOW });
    assert.ok(!fs.existsSync(path.join(where, 't-9.0123456789abcdef0123456789abcdef-delete')));
    assert.equal(again.allLogs().length, 2);
    assert.equal(again.getLog('__cluster_metadata', 0), undefined);
    await again.close();
  });

  /** A manager of `dir` with partition t-0 holding offsets 0-5 (three batches), all committed. */
  async function openWithSixRecords(dir: string): Promise<{ manager: LogManager; log: PartitionLog }> {
    const manager = LogManager.open({ logDirs: [dir], nowMs: NOW });
    const log = manager.getOrCreateLog('t', 0);
    for (let i = 0; i < 3; i++) log.appendAsLeader(await makeBatch({ count: 2 }), 0, NOW);
    log.highWatermark = log.logEndOffset;
    return { manager, log };
  }

  it('persists the log start offset after DeleteRecords', async () => {
    const dir = path.join(root, 'd');
    const { log } = await openWithSixRecords(dir);
    log.deleteRecordsBefore(4n);
    assert.equal(readOffsetCheckpoint(path.join(dir, CheckpointFileName.LOG_START_OFFSET)).get('t-0'), 4n);
    log.closeFiles();
    const again = LogManager.open({ logDirs: [dir], nowMs: NOW });
    assert.equal(again.getLog('t', 0)!.logStartOffset, 4n);
    await again.close();
  });

  it('a DeleteRecords during a periodic log start offset checkpoint is not undone by it', async () => {
    const dir = path.join(root, 'e');
    const { manager, log } = await openWithSixRecords(dir);
    log.deleteRecordsBefore(2n);
    const file = path.join(dir, CheckpointFileName.LOG_START_OFFSET);
    for (let round = 0; round < 3; round++) {
      const periodic = manager.checkpointLogStartOffsetsAsync(); // computes its text, then waits for the disk
      await new Promise((resolve) => setImmediate(resolve));
      log.deleteRecordsBefore(BigInt(3 + round)); // checkpointed synchronously meanwhile
      await periodic;
      assert.equal(readOffsetCheckpoint(file).get('t-0'), BigInt(3 + round), `round ${round}: the periodic checkpoint put back an older log start offset`);
    }
    assert.ok(fs.readdirSync(dir).every((n) => !n.endsWith('.tmp')), 'a temporary checkpoint file was left');
    await manager.close();
  });
});
