import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PartitionLeaderState } from './leader-state.js';
import { truncationOffset } from './truncation.js';

describe('PartitionLeaderState', () => {
  it('high watermark is the least log end over the ISR and never decreases', () => {
    const s = new PartitionLeaderState(1, 3, [1, 2, 3], [1, 2, 3], 0n, 1000);
    assert.equal(s.highWatermark(10n, 0n), 0n, 'followers that never fetched hold it at the current value');
    s.updateFollower(2, 10n, 10n, 1001);
    assert.equal(s.highWatermark(10n, 0n), 0n);
    s.updateFollower(3, 7n, 10n, 1001);
    assert.equal(s.highWatermark(10n, 0n), 7n);
    assert.equal(s.highWatermark(10n, 9n), 9n, 'never below the current high watermark');
    s.setCommittedIsr([1, 2], 1002);
    assert.equal(s.highWatermark(10n, 7n), 10n, 'a removed replica no longer holds it back');
  });

  it('shrinks followers that are not caught up within the lag time and expands caught-up ones', () => {
    const s = new PartitionLeaderState(1, 0, [1, 2, 3], [1, 2, 3], 5n, 0);
    s.updateFollower(2, 20n, 20n, 100);
    s.updateFollower(3, 10n, 20n, 100);
    assert.deepEqual(s.toShrink(5000, 10_000), []);
    // Follower 3 keeps fetching but never reaches the leader's end again.
    s.updateFollower(2, 30n, 30n, 11_000);
    s.updateFollower(3, 12n, 30n, 11_000);
    assert.deepEqual(s.toShrink(11_000, 10_000), [3]);
    s.setPending([1, 2]);
    assert.deepEqual(s.effectiveIsr(), [1, 2]);
    s.setCommittedIsr([1, 2], 11_001);
    assert.deepEqual(s.toExpand(30n), []);
    s.updateFollower(3, 30n, 30n, 12_000);
    assert.deepEqual(s.toExpand(30n), [3]);
  });

  it('a follower below the epoch start offset cannot join the ISR', () => {
    const s = new PartitionLeaderState(1, 4, [1, 2], [1], 50n, 0);
    s.updateFollower(2, 40n, 40n, 1);
    assert.deepEqual(s.toExpand(40n), []);
    s.updateFollower(2, 50n, 50n, 2);
    assert.deepEqual(s.toExpand(50n), [2]);
  });

  it('caught-up time follows Kafka: reaching the leader end seen at the previous fetch counts', () => {
    const s = new PartitionLeaderState(1, 0, [1, 2], [1, 2], 0n, 0);
    s.updateFollower(2, 0n, 100n, 1000);
    assert.equal(s.follower(2)!.lastCaughtUpMs, 0);
    s.updateFollower(2, 100n, 150n, 2000);
    assert.equal(s.follower(2)!.lastCaughtUpMs, 1000);
  });
});

describe('truncationOffset', () => {
  // Local epochs: 0 at [0,10), 2 at [10,15), log end 15.
  const local = (epoch: number) =>
    epoch >= 2 ? { leaderEpoch: 2, endOffset: 15n } : epoch >= 0 ? { leaderEpoch: 0, endOffset: 10n } : { leaderEpoch: -1, endOffset: -1n };

  it('same epoch: the shorter of the two logs', () => {
    assert.equal(truncationOffset(2, { leaderEpoch: 2, endOffset: 12n }, 15n, local), 12n);
    assert.equal(truncationOffset(2, { leaderEpoch: 2, endOffset: 20n }, 15n, local), 15n);
  });

  it('the leader knows an older epoch the follower also has (KIP-101)', () => {
    assert.equal(truncationOffset(2, { leaderEpoch: 0, endOffset: 8n }, 15n, local), 8n);
    assert.equal(truncationOffset(2, { leaderEpoch: 0, endOffset: 12n }, 15n, local), 10n);
  });

  it('the leader answers an epoch the follower never had (KIP-279): back to the end of the older epoch', () => {
    assert.equal(truncationOffset(2, { leaderEpoch: 1, endOffset: 12n }, 15n, local), 10n);
  });

  it('undefined answers keep the log; no common epoch truncates fully', () => {
    assert.equal(truncationOffset(2, { leaderEpoch: -1, endOffset: -1n }, 15n, local), 15n);
    const none = () => ({ leaderEpoch: -1, endOffset: -1n });
    assert.equal(truncationOffset(2, { leaderEpoch: 1, endOffset: 12n }, 15n, none), 0n);
  });
});
