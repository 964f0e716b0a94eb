import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RaftLog } from './raft-log.js';
import type { LogEntry } from './types.js';

/** Entries at offsets start.. with the given epochs. */
function entries(epochs: number[], start = 0n): LogEntry[] {
  return epochs.map((epoch, i) => ({ offset: start + BigInt(i), epoch, data: Buffer.from([i]) }));
}

test('endOffsetForEpoch returns the largest known epoch at or below and where it ends', () => {
  const log = new RaftLog(null, entries([1, 1, 3, 3, 3, 5]));
  assert.deepEqual(log.endOffsetForEpoch(1), { epoch: 1, endOffset: 2n });
  assert.deepEqual(log.endOffsetForEpoch(2), { epoch: 1, endOffset: 2n });
  assert.deepEqual(log.endOffsetForEpoch(3), { epoch: 3, endOffset: 5n });
  assert.deepEqual(log.endOffsetForEpoch(4), { epoch: 3, endOffset: 5n });
  assert.deepEqual(log.endOffsetForEpoch(5), { epoch: 5, endOffset: 6n });
  assert.deepEqual(log.endOffsetForEpoch(9), { epoch: 5, endOffset: 6n });
  assert.deepEqual(log.endOffsetForEpoch(0), { epoch: 0, endOffset: 0n });
});

test('validateOffsetAndEpoch: a prefix is valid, a divergent tail gets the leader epoch end, a lagging follower gets the snapshot', () => {
  const leader = new RaftLog(null, entries([1, 1, 3, 3, 3, 5]));
  assert.deepEqual(leader.validateOffsetAndEpoch(0n, 0), { kind: 'valid' });
  assert.deepEqual(leader.validateOffsetAndEpoch(2n, 1), { kind: 'valid' });
  assert.deepEqual(leader.validateOffsetAndEpoch(4n, 3), { kind: 'valid' });
  // Follower wrote epoch 2 (never in the leader's log) after offset 1.
  assert.deepEqual(leader.validateOffsetAndEpoch(4n, 2), { kind: 'diverging', divergingEpoch: { epoch: 1, endOffset: 2n } });
  // Follower has more epoch-1 entries than the leader kept.
  assert.deepEqual(leader.validateOffsetAndEpoch(3n, 1), { kind: 'diverging', divergingEpoch: { epoch: 1, endOffset: 2n } });
  // Follower ahead in an epoch the leader never saw.
  assert.deepEqual(leader.validateOffsetAndEpoch(9n, 7), { kind: 'diverging', divergingEpoch: { epoch: 5, endOffset: 6n } });

  const compacted = new RaftLog(null, entries([1, 1, 3, 3, 3, 5]));
  compacted.compact({ endOffset: 4n, epoch: 3 });
  assert.equal(compacted.startOffset, 4n);
  assert.deepEqual(compacted.validateOffsetAndEpoch(2n, 1), { kind: 'snapshot', snapshotId: { endOffset: 4n, epoch: 3 } });
  assert.deepEqual(compacted.validateOffsetAndEpoch(4n, 1), { kind: 'snapshot', snapshotId: { endOffset: 4n, epoch: 3 } });
  assert.deepEqual(compacted.validateOffsetAndEpoch(4n, 3), { kind: 'valid' });
  assert.deepEqual(compacted.validateOffsetAndEpoch(5n, 3), { kind: 'valid' });
  assert.deepEqual(compacted.validateOffsetAndEpoch(6n, 5), { kind: 'valid' });
  assert.deepEqual(compacted.endOffsetForEpoch(3), { epoch: 3, endOffset: 5n });
});

test('truncationOffsetFor follows Kafka truncateToEndOffset and converges on the common prefix', () => {
  const leader = new RaftLog(null, entries([1, 1, 3, 3, 3, 5]));
  const follower = new RaftLog(null, entries([1, 1, 2, 2, 2, 2, 2]));
  for (let round = 0; round < 5; round++) {
    const v = leader.validateOffsetAndEpoch(follower.endOffset, follower.lastEpoch);
    if (v.kind === 'valid') break;
    assert.equal(v.kind, 'diverging');
    if (v.kind === 'diverging') follower.truncateTo(follower.truncationOffsetFor(v.divergingEpoch));
  }
  assert.equal(follower.endOffset, 2n);
  assert.equal(follower.lastEpoch, 1);
});

test('truncateTo and append keep the epoch cache consistent', () => {
  const log = new RaftLog(null, entries([1, 2, 2, 4]));
  log.truncateTo(2n);
  assert.equal(log.lastEpoch, 2);
  log.truncateTo(1n);
  assert.equal(log.lastEpoch, 1);
  log.append(entries([6, 6], 1n));
  assert.deepEqual(log.endOffsetForEpoch(5), { epoch: 1, endOffset: 1n });
  assert.deepEqual(log.endOffsetForEpoch(6), { epoch: 6, endOffset: 3n });
  assert.throws(() => log.append(entries([5], 3n)), /epoch 5 after epoch 6/);
  assert.throws(() => log.append(entries([6], 7n)), /append at 7/);
});

test('reset replaces the log with a snapshot; slice bounds by bytes but returns at least one entry', () => {
  const log = new RaftLog({ endOffset: 10n, epoch: 4 }, entries([4, 6, 6], 10n));
  assert.equal(log.epochAt(9n), 4);
  assert.deepEqual(log.slice(10n, 0).map((e) => e.offset), [10n]);
  assert.deepEqual(log.slice(10n, 2).map((e) => e.offset), [10n, 11n]);
  log.reset({ endOffset: 20n, epoch: 7 });
  assert.equal(log.startOffset, 20n);
  assert.equal(log.endOffset, 20n);
  assert.equal(log.lastEpoch, 7);
  assert.deepEqual(log.validateOffsetAndEpoch(20n, 7), { kind: 'valid' });
});
