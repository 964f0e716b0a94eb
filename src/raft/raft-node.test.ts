// Message-level tests of one RaftNode: the test plays the other voters and the caller.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../common/index.js';
import { RaftNode } from './raft-node.js';
import { EMPTY_QUORUM_STATE, Role, type LogEntry, type QuorumState, type RaftConfig, type RaftMessage, type Ready, type RestoredState } from './types.js';

function config(nodeId: number, voters: number[] = [0, 1, 2]): RaftConfig {
  return {
    nodeId, voters, electionTimeoutMs: 1000, electionJitterMs: 100, fetchTimeoutMs: 3000, requestTimeoutMs: 3000,
    retryBackoffMs: 50, fetchMaxBytes: 1024, fetchMaxWaitMs: 100, random: () => 0.5,
  };
}

function entries(epochs: number[], start = 0n): LogEntry[] {
  return epochs.map((epoch, i) => ({ offset: start + BigInt(i), epoch, data: Buffer.from([i]) }));
}

function node(nodeId: number, restored: Partial<RestoredState> = {}, voters?: number[]): RaftNode {
  return new RaftNode(config(nodeId, voters), { quorumState: { ...EMPTY_QUORUM_STATE }, entries: [], ...restored });
}

/** Runs ready() and reports flushing everything appended (the caller's side, synchronously). */
function settle(n: RaftNode): Ready {
  const r = n.ready();
  if (r.append.length > 0) n.flushed(r.append.at(-1)!.offset + 1n);
  const more = n.ready();
  return { ...r, send: [...r.send, ...more.send], committed: [...r.committed, ...more.committed], append: [...r.append, ...more.append] };
}

function only<T extends RaftMessage['type']>(msgs: RaftMessage[], type: T, to?: number): Extract<RaftMessage, { type: T }> {
  const found = msgs.filter((m) => m.type === type && (to === undefined || m.to === to));
  assert.equal(found.length, 1, `expected one ${type}${to === undefined ? '' : ` to ${to}`}, got ${found.length}`);
  return found[0] as Extract<RaftMessage, { type: T }>;
}

/** Drives node 0 of three through pre-vote and vote to leadership; returns the time. */
function elect(n: RaftNode, startMs = 0): number {
  let t = startMs;
  n.tick(t);
  t += 1100;
  n.tick(t);
  let r = settle(n);
  const preVote = only(r.send, 'VoteRequest', 1);
  assert.equal(preVote.preVote, true);
  const epoch = n.status().epoch;
  assert.equal(preVote.candidateEpoch, epoch + 1);
  n.step(t, { type: 'VoteResponse', from: 1, to: 0, correlationId: preVote.correlationId, errorCode: 0, leaderId: -1, leaderEpoch: epoch, voteGranted: true });
  r = settle(n);
  assert.equal(n.status().role, Role.Candidate);
  assert.equal(r.quorumState?.leaderEpoch, epoch + 1);
  assert.equal(r.quorumState?.votedId, 0);
  const vote = only(r.send, 'VoteRequest', 1);
  assert.equal(vote.preVote, false);
  n.step(t, { type: 'VoteResponse', from: 1, to: 0, correlationId: vote.correlationId, errorCode: 0, leaderId: -1, leaderEpoch: epoch + 1, voteGranted: true });
  assert.equal(n.status().role, Role.Leader);
  return t;
}

test('a single voter elects itself after the election timeout and commits what it flushed', () => {
  const n = node(7, {}, [7]);
  n.tick(0);
  assert.equal(n.status().role, Role.Unattached);
  n.tick(1100);
  const r = n.ready();
  assert.equal(n.status().role, Role.Leader);
  assert.deepEqual(r.quorumState, { leaderEpoch: 1, votedId: 7, leaderId: 7 });
  assert.equal(r.append.length, 1);
  assert.equal(r.append[0]!.control, true);
  assert.deepEqual(r.committed, [], 'nothing commits before it is flushed');
  const p = n.propose(1100, [Buffer.from('a'), Buffer.from('b')]);
  assert.deepEqual(p, { offset: 2n });
  const r2 = n.ready();
  n.flushed(3n);
  assert.deepEqual(n.ready().committed.map((e) => e.offset), [0n, 1n, 2n]);
  assert.equal(r2.append.length, 2);
});

test('a vote is granted to a log at least as up to date, persisted before the reply, and only once per epoch', () => {
  const n = node(0, { entries: entries([1, 1, 2]), quorumState: { leaderEpoch: 2, votedId: -1, leaderId: -1 } });
  n.tick(0);
  const vote = (from: number, lastOffsetEpoch: number, lastOffset: bigint, candidateEpoch = 3): boolean => {
    n.step(10, { type: 'VoteRequest', from, to: 0, correlationId: 1, candidateEpoch, candidateId: from, lastOffsetEpoch, lastOffset, preVote: false });
    const r = n.ready();
    return only(r.send, 'VoteResponse').voteGranted;
  };
  assert.equal(vote(1, 2, 2n), false, 'shorter log in the same epoch');
  assert.equal(n.status().epoch, 3, 'a real vote request with a higher epoch bumps the epoch');
  assert.equal(vote(1, 1, 9n), false, 'longer log but older last epoch');
  n.step(10, { type: 'VoteRequest', from: 2, to: 0, correlationId: 2, candidateEpoch: 3, candidateId: 2, lastOffsetEpoch: 2, lastOffset: 3n, preVote: false });
  const r = n.ready();
  assert.deepEqual(r.quorumState, { leaderEpoch: 3, votedId: 2, leaderId: -1 }, 'the vote is in the quorum state to fsync before sending');
  assert.equal(only(r.send, 'VoteResponse').voteGranted, true);
  assert.equal(vote(1, 2, 3n), false, 'already voted for 2 in epoch 3');
});

test('pre-vote never changes the epoch, and a follower that hears from its leader refuses it', () => {
  const n = node(0, { entries: entries([1]), quorumState: { leaderEpoch: 1, votedId: -1, leaderId: 1 } });
  n.tick(0);
  let r = settle(n);
  const fetch = only(r.send, 'FetchRequest', 1);
  n.step(5, {
    type: 'FetchResponse', from: 1, to: 0, correlationId: fetch.correlationId, errorCode: 0, highWatermark: 1n, logStartOffset: 0n,
    divergingEpoch: null, snapshotId: null, records: [], currentLeader: { leaderId: 1, leaderEpoch: 1 },
  });
  settle(n);
  n.step(10, { type: 'VoteRequest', from: 2, to: 0, correlationId: 9, candidateEpoch: 2, candidateId: 2, lastOffsetEpoch: 1, lastOffset: 1n, preVote: true });
  r = n.ready();
  assert.equal(only(r.send, 'VoteResponse').voteGranted, false);
  assert.equal(r.quorumState, undefined);
  assert.equal(n.status().epoch, 1);
  // After the fetch timeout without the leader the follower goes prospective and grants pre-votes.
  n.tick(3100);
  assert.equal(n.status().role, Role.Prospective);
  n.ready();
  n.step(3110, { type: 'VoteRequest', from: 2, to: 0, correlationId: 10, candidateEpoch: 2, candidateId: 2, lastOffsetEpoch: 1, lastOffset: 1n, preVote: true });
  r = n.ready();
  assert.equal(only(r.send, 'VoteResponse').voteGranted, true);
  assert.equal(n.status().epoch, 1);
});

test('the leader commits only by counting entries of its own epoch (Raft figure 8)', () => {
  // Node 0 restarts with two epoch-1 entries nobody else has; it wins epoch 3.
  const n = node(0, { entries: entries([1, 1]), quorumState: { leaderEpoch: 2, votedId: -1, leaderId: -1 } });
  const t = elect(n);
  const r = settle(n); // flushes the LeaderChange entry at offset 2
  assert.equal(n.status().endOffset, 3n);
  const begin = only(r.send, 'BeginQuorumEpochRequest', 1);
  assert.equal(begin.leaderEpoch, 3);
  // Follower 1 (empty log) fetches one entry at a time: offsets 0 and 1 (epoch 1) reach a majority first.
  const fetch = (fetchOffset: bigint, lastFetchedEpoch: number, correlationId: number): void => {
    n.step(t, { type: 'FetchRequest', from: 1, to: 0, correlationId, replicaId: 1, maxWaitMs: 0, maxBytes: 1, currentLeaderEpoch: 3, fetchOffset, lastFetchedEpoch });
  };
  fetch(0n, 0, 1);
  fetch(1n, 1, 2);
  fetch(2n, 1, 3);
  assert.equal(n.status().highWatermark, 0n, 'epoch-1 entries on a majority do not commit by counting');
  fetch(3n, 3, 4);
  assert.equal(n.status().highWatermark, 3n, 'the LeaderChange entry of epoch 3 commits them all');
  const committed = n.ready().committed;
  assert.deepEqual(committed.map((e) => e.offset), [0n, 1n, 2n]);
});

test('a follower fetches only after flushing what it appended, and truncates on a DivergingEpoch', () => {
  const n = node(0, { entries: entries([1, 1, 2, 2]), quorumState: { leaderEpoch: 3, votedId: -1, leaderId: 1 } });
  n.tick(0);
  let r = n.ready();
  let fetch = only(r.send, 'FetchRequest', 1);
  assert.equal(fetch.fetchOffset, 4n);
  assert.equal(fetch.lastFetchedEpoch, 2);
  n.step(5, {
    type: 'FetchResponse', from: 1, to: 0, correlationId: fetch.correlationId, errorCode: 0, highWatermark: 1n, logStartOffset: 0n,
    divergingEpoch: { epoch: 1, endOffset: 2n }, snapshotId: null, records: [], currentLeader: { leaderId: 1, leaderEpoch: 3 },
  });
  r = n.ready();
  assert.equal(r.truncateTo, 2n);
  fetch = only(r.send, 'FetchRequest', 1);
  assert.equal(fetch.fetchOffset, 2n);
  assert.equal(fetch.lastFetchedEpoch, 1);
  const records = entries([3, 3], 2n);
  n.step(6, {
    type: 'FetchResponse', from: 1, to: 0, correlationId: fetch.correlationId, errorCode: 0, highWatermark: 4n, logStartOffset: 0n,
    divergingEpoch: null, snapshotId: null, records, currentLeader: { leaderId: 1, leaderEpoch: 3 },
  });
  r = n.ready();
  assert.deepEqual(r.append, records);
  assert.equal(r.send.length, 0, 'no fetch (which would acknowledge offset 4) before the flush');
  assert.deepEqual(r.committed.map((e) => e.offset), [0n, 1n, 2n, 3n]);
  n.flushed(4n);
  fetch = only(n.ready().send, 'FetchRequest', 1);
  assert.equal(fetch.fetchOffset, 4n);
});

test('a restarted leader resigns and asks for a fast election with EndQuorumEpoch', () => {
  const q: QuorumState = { leaderEpoch: 4, votedId: 0, leaderId: 0 };
  const n = node(0, { entries: entries([4]), quorumState: q });
  n.tick(0);
  const r = n.ready();
  assert.equal(n.status().role, Role.Resigned);
  assert.equal(r.quorumState, undefined);
  const end = only(r.send, 'EndQuorumEpochRequest', 1);
  assert.equal(end.leaderEpoch, 4);
  assert.deepEqual(n.propose(0, [Buffer.from('x')]), { error: 'NOT_LEADER', leaderId: null });
  n.step(1, { type: 'FetchRequest', from: 1, to: 0, correlationId: 3, replicaId: 1, maxWaitMs: 0, maxBytes: 9, currentLeaderEpoch: 4, fetchOffset: 1n, lastFetchedEpoch: 4 });
  assert.equal(only(n.ready().send, 'FetchResponse', 1).errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
});

test('EndQuorumEpoch makes the first preferred successor start its election at once', () => {
  const n = node(2, { entries: entries([1]), quorumState: { leaderEpoch: 1, votedId: -1, leaderId: 0 } });
  n.tick(0);
  n.ready();
  n.step(10, { type: 'EndQuorumEpochRequest', from: 0, to: 2, correlationId: 1, leaderId: 0, leaderEpoch: 1, preferredSuccessors: [2, 1] });
  n.ready();
  n.tick(10);
  assert.equal(n.status().role, Role.Prospective);
  const preVotes = n.ready().send.filter((m) => m.type === 'VoteRequest');
  assert.equal(preVotes.length, 2);
});

test('snapshots truncate the log start; a follower behind it installs the snapshot in chunks', () => {
  const leader = node(0, { entries: entries([1, 1, 1, 1]), quorumState: { leaderEpoch: 1, votedId: 0, leaderId: -1 } });
  const t = elect(leader);
  settle(leader);
  const fetch = (fetchOffset: bigint, lastFetchedEpoch: number, id: number): RaftMessage[] => {
    leader.step(t, { type: 'FetchRequest', from: 1, to: 0, correlationId: id, replicaId: 1, maxWaitMs: 0, maxBytes: 1024, currentLeaderEpoch: 2, fetchOffset, lastFetchedEpoch });
    return leader.ready().send;
  };
  fetch(5n, 2, 1);
  assert.equal(leader.status().highWatermark, 5n);
  leader.snapshot(5n, Buffer.from('state-at-5-with-a-long-body'));
  assert.equal(leader.status().logStartOffset, 5n);
  const follower = node(2, { quorumState: { leaderEpoch: 2, votedId: -1, leaderId: 0 } });
  follower.tick(t);
  let out = follower.ready().send;
  for (let i = 0; i < 20; i++) {
    const req = out.find((m) => m.type === 'FetchRequest' || m.type === 'FetchSnapshotRequest');
    if (!req) break;
    if (req.type === 'FetchSnapshotRequest') req.maxBytes = 8;
    leader.step(t, req);
    const reply = leader.ready().send.find((m) => m.to === 2)!;
    follower.step(t, reply);
    const r = follower.ready();
    if (r.snapshotToInstall) {
      assert.equal(r.snapshotToInstall.data.toString(), 'state-at-5-with-a-long-body');
      assert.equal(r.snapshotToInstall.endOffset, 5n);
      assert.equal(follower.status().logStartOffset, 5n);
      assert.equal(follower.status().highWatermark, 5n);
      return;
    }
    out = r.send;
  }
  assert.fail('the follower never installed the snapshot');
});

test('an observer finds the leader by fetching from the voters in turn, follows it, and never votes or stands', () => {
  const n = node(9, { entries: entries([1]), quorumState: { leaderEpoch: 1, votedId: -1, leaderId: -1 } });
  n.tick(0);
  assert.equal(n.status().role, Role.Observer);
  let r = settle(n);
  assert.equal(r.roleChanged?.role, Role.Observer);
  const first = only(r.send, 'FetchRequest');
  assert.equal(first.replicaId, 9);
  // That voter does not know a leader in epoch 1: the next fetch goes to the next voter after a backoff.
  n.step(5, {
    type: 'FetchResponse', from: first.to, to: 9, correlationId: first.correlationId, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
    highWatermark: -1n, logStartOffset: -1n, divergingEpoch: null, snapshotId: null, records: [], currentLeader: { leaderId: -1, leaderEpoch: 1 },
  });
  assert.equal(n.ready().send.length, 0, 'backs off');
  n.tick(60);
  const second = only(n.ready().send, 'FetchRequest');
  assert.equal(second.to, (first.to + 1) % 3);
  // The next voter names the leader of a newer epoch (the observer's epoch is fenced).
  n.step(65, {
    type: 'FetchResponse', from: second.to, to: 9, correlationId: second.correlationId, errorCode: ErrorCode.FENCED_LEADER_EPOCH,
    highWatermark: -1n, logStartOffset: -1n, divergingEpoch: null, snapshotId: null, records: [], currentLeader: { leaderId: 2, leaderEpoch: 3 },
  });
  r = n.ready();
  assert.deepEqual(r.quorumState, { leaderEpoch: 3, votedId: -1, leaderId: 2 });
  assert.deepEqual(r.roleChanged, { role: Role.Observer, epoch: 3, leaderId: 2 });
  const fetch = only(r.send, 'FetchRequest', 2);
  assert.equal(fetch.currentLeaderEpoch, 3);
  n.step(70, {
    type: 'FetchResponse', from: 2, to: 9, correlationId: fetch.correlationId, errorCode: 0, highWatermark: 3n, logStartOffset: 0n,
    divergingEpoch: null, snapshotId: null, records: entries([3, 3], 1n), currentLeader: { leaderId: 2, leaderEpoch: 3 },
  });
  r = settle(n);
  assert.deepEqual(r.committed.map((e) => e.offset), [0n, 1n, 2n], 'its high watermark comes from the leader');
  assert.equal(n.status().highWatermark, 3n);
  assert.deepEqual(n.propose(70, [Buffer.from('x')]), { error: 'NOT_LEADER', leaderId: 2 });
  // A vote request is refused without any state change.
  n.step(80, { type: 'VoteRequest', from: 1, to: 9, correlationId: 5, candidateEpoch: 4, candidateId: 1, lastOffsetEpoch: 3, lastOffset: 9n, preVote: false });
  r = n.ready();
  assert.equal(only(r.send, 'VoteResponse').voteGranted, false);
  assert.equal(r.quorumState, undefined);
  // The leader goes silent: after the fetch timeout the observer forgets it and asks the voters again;
  // however long it waits it never sends a Vote.
  const sent: RaftMessage[] = [];
  for (let t = 100; t <= 20_000; t += 50) {
    n.tick(t);
    sent.push(...n.ready().send);
  }
  assert.equal(sent.filter((m) => m.type === 'VoteRequest').length, 0);
  assert.equal(n.status().leaderId, -1, 'the silent leader is forgotten');
  assert.equal(n.status().epoch, 3);
  assert.ok(new Set(sent.filter((m) => m.type === 'FetchRequest').map((m) => m.to)).size === 3, 'discovery asks every voter');
});

test('the leader tracks observers apart from voters: they never count for the high watermark and expire', () => {
  const n = new RaftNode({ ...config(0), observerExpiryMs: 10_000 }, { quorumState: { ...EMPTY_QUORUM_STATE }, entries: [] });
  const t = elect(n);
  settle(n);
  assert.equal(n.status().endOffset, 1n);
  const fetch = (from: number, fetchOffset: bigint, atMs: number): RaftMessage[] => {
    n.step(atMs, { type: 'FetchRequest', from, to: 0, correlationId: from * 100 + Number(fetchOffset), replicaId: from, maxWaitMs: 0, maxBytes: 1024, currentLeaderEpoch: 1, fetchOffset, lastFetchedEpoch: fetchOffset === 0n ? 0 : 1 });
    return n.ready().send;
  };
  assert.equal(only(fetch(7, 0n, t), 'FetchResponse', 7).records.length, 1, 'an observer is served');
  fetch(7, 1n, t + 1);
  fetch(8, 1n, t + 2);
  assert.equal(n.status().highWatermark, 0n, 'two observers at the log end do not make a majority');
  const observers = n.status().observers;
  assert.deepEqual(observers.map((o) => [o.nodeId, o.endOffset]), [[7, 1n], [8, 1n]]);
  assert.equal(observers[0]!.lastCaughtUpTimestampMs, t + 1);
  assert.deepEqual(n.status().voters.map((v) => v.nodeId), [0, 1, 2]);
  fetch(1, 1n, t + 3);
  assert.equal(n.status().highWatermark, 1n, 'a voter does');
  // Observer 8 keeps fetching, 7 stops: 7 expires after observerExpiryMs.
  for (let at = t + 1000; at <= t + 12_000; at += 1000) {
    fetch(1, 1n, at);
    fetch(8, 1n, at);
    n.tick(at);
    n.ready();
  }
  assert.deepEqual(n.status().observers.map((o) => o.nodeId), [8]);
  assert.equal(n.status().role, Role.Leader);
});
