// Scripted scenarios on the simulated cluster (reliability-scenarios §4.3): each drives faults by
// hand, and the simulation still checks every invariant after every event.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Role } from '../src/raft/index.js';
import { Simulation } from './raft-sim.js';

function electLeader(sim: Simulation, maxMs = 10_000): number {
  assert.ok(sim.runUntil(() => sim.leader() !== null, maxMs), `no leader:\n${sim.describe()}`);
  return sim.leader()!;
}

function everyUpNodeApplied(sim: Simulation, offset: bigint): boolean {
  return sim.nodes.every((n) => !n.raft || n.sm.nextOffset >= offset);
}

test('canElectInitialLeader: 1 to 5 voters elect a leader and replicate to every node', () => {
  for (let voters = 1; voters <= 5; voters++) {
    const sim = new Simulation(100 + voters, voters);
    electLeader(sim);
    assert.ok(sim.commitValues(10), `no commit with ${voters} voters:\n${sim.describe()}`);
    const end = sim.committedEnd;
    assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 5_000), sim.describe());
    // DescribeQuorum's view from the leader: every voter caught up and fetching.
    sim.runFor(500);
    const leader = sim.leader()!;
    const status = sim.raft(leader).status();
    assert.equal(status.voters.length, voters);
    for (const v of status.voters) {
      assert.equal(v.endOffset, status.endOffset, `voter ${v.nodeId} end offset`);
      assert.ok(v.lastCaughtUpTimestampMs > 0 && v.lastFetchTimestampMs >= v.lastCaughtUpTimestampMs);
    }
    for (const n of sim.nodes) {
      if (n.id === leader) continue;
      assert.deepEqual(sim.raft(n.id).propose(sim.nowMs, [Buffer.alloc(8)]), { error: 'NOT_LEADER', leaderId: leader });
    }
  }
});

test('divergence: an isolated leader\'s uncommitted tail is truncated to the new leader\'s log (KIP-101/279)', () => {
  const sim = new Simulation(7, 3);
  const old = electLeader(sim);
  assert.ok(sim.commitValues(5));
  const oldEpoch = sim.raft(old).status().epoch;
  sim.isolate([old]);
  for (let i = 0; i < 5; i++) assert.ok(sim.propose(old), 'the isolated leader still accepts appends');
  const tailStart = sim.raft(old).status().endOffset - 5n;
  assert.ok(sim.runUntil(() => sim.leader() !== null && sim.leader() !== old, 15_000), sim.describe());
  const next = sim.leader()!;
  assert.ok(sim.raft(next).status().epoch > oldEpoch);
  sim.clientLeader = next;
  assert.ok(sim.commitValues(8), sim.describe());
  const truncationsBefore = sim.stats.truncations;
  sim.heal();
  const end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 15_000), sim.describe());
  assert.ok(sim.stats.truncations > truncationsBefore, 'the old leader truncated its tail');
  const entry = sim.raft(old).entryAt(tailStart)!;
  assert.ok(entry.epoch > oldEpoch, 'the old leader now holds the new epoch\'s entry at the divergent offset');
});

test('a candidate with a shorter log cannot win', () => {
  const sim = new Simulation(11, 3);
  const leader = electLeader(sim);
  const [short, long] = [0, 1, 2].filter((id) => id !== leader);
  sim.crash(short!);
  assert.ok(sim.commitValues(10), sim.describe());
  sim.runFor(500); // the long follower flushes and learns the HW
  sim.crash(leader);
  sim.restart(short!);
  let shortLed = false;
  const done = sim.runUntil(() => {
    if (sim.isUp(short!) && sim.raft(short!).status().role === Role.Leader) shortLed = true;
    return sim.leader() !== null;
  }, 20_000);
  assert.ok(done, sim.describe());
  assert.equal(shortLed, false);
  assert.equal(sim.leader(), long);
  assert.ok(sim.commitValues(3), sim.describe());
});

test('pre-vote: a partitioned voter does not bump the epoch nor disrupt the leader when it rejoins', () => {
  const sim = new Simulation(23, 3);
  const leader = electLeader(sim);
  const epoch = sim.raft(leader).status().epoch;
  const loner = [0, 1, 2].find((id) => id !== leader)!;
  sim.isolate([loner]);
  sim.runFor(20_000);
  assert.equal(sim.raft(loner).status().epoch, epoch, 'pre-votes never bump the epoch');
  assert.notEqual(sim.raft(loner).status().role, Role.Candidate);
  sim.heal();
  assert.ok(sim.commitValues(5), sim.describe());
  sim.runFor(5_000);
  assert.equal(sim.leader(), leader);
  assert.equal(sim.raft(leader).status().epoch, epoch, 'no election happened');
  assert.equal(sim.raft(loner).status().role, Role.Follower);
});

test('snapshot install: a follower behind the leader\'s log start catches up through FetchSnapshot', () => {
  const sim = new Simulation(31, 3, { snapshotEveryEntries: 10, fetchMaxBytes: 16 });
  const leader = electLeader(sim);
  const lagging = [0, 1, 2].find((id) => id !== leader)!;
  sim.crash(lagging);
  assert.ok(sim.commitValues(40), sim.describe());
  assert.ok(sim.raft(leader).status().logStartOffset > 0n);
  const before = sim.stats.snapshotsInstalled;
  sim.restart(lagging);
  const end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 15_000), sim.describe());
  assert.ok(sim.stats.snapshotsInstalled > before, 'installed a snapshot');
  assert.ok(sim.commitValues(5), sim.describe());
});

test('graceful resignation: EndQuorumEpoch elects a successor well within one election timeout', () => {
  const sim = new Simulation(41, 5);
  const leader = electLeader(sim);
  assert.ok(sim.commitValues(5));
  sim.runFor(300);
  const resignedAt = sim.nowMs;
  sim.raft(leader).resign(sim.nowMs);
  sim.drain(sim.nodes[leader]!);
  assert.ok(sim.runUntil(() => sim.leader() !== null && sim.leader() !== leader, 5_000), sim.describe());
  assert.ok(sim.nowMs - resignedAt < sim.options.electionTimeoutMs, `took ${sim.nowMs - resignedAt} ms`);
});

test('recovery after every node is killed, restarting only a majority', () => {
  const sim = new Simulation(53, 5);
  electLeader(sim);
  assert.ok(sim.commitValues(20), sim.describe());
  for (let id = 0; id < 5; id++) sim.crash(id);
  sim.runFor(1_000);
  for (const id of [0, 2, 4]) sim.restart(id);
  electLeader(sim, 20_000);
  assert.ok(sim.commitValues(5), sim.describe());
  for (const id of [1, 3]) sim.restart(id);
  const end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 15_000), sim.describe());
});

test('a 2|3 split of five voters: the majority progresses, the minority never commits, all converge after healing', () => {
  const sim = new Simulation(67, 5);
  const leader = electLeader(sim);
  assert.ok(sim.commitValues(5));
  const minority = [leader, (leader + 1) % 5];
  sim.isolate(minority);
  const minorityHw = (): bigint => minority.reduce((m, id) => (sim.raft(id).status().highWatermark > m ? sim.raft(id).status().highWatermark : m), 0n);
  const frozenHw = minorityHw();
  for (let i = 0; i < 3; i++) sim.propose(leader);
  assert.ok(sim.runUntil(() => sim.leader() !== null && !minority.includes(sim.leader()!), 20_000), sim.describe());
  sim.clientLeader = sim.leader()!;
  assert.ok(sim.commitValues(30), sim.describe());
  assert.equal(minorityHw(), frozenHw, 'the minority side commits nothing');
  sim.runFor(6_000);
  assert.notEqual(sim.raft(leader).status().role, Role.Leader, 'check quorum: the isolated leader resigned');
  sim.heal();
  const end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 15_000), sim.describe());
});

test('observers: follow the leader, follow its successor after a crash, catch up through a snapshot, never count for commits', () => {
  const sim = new Simulation(79, 3, { observers: 2, snapshotEveryEntries: 10, fetchMaxBytes: 16 });
  const [o1, o2] = [3, 4];
  const leader = electLeader(sim);
  assert.ok(sim.commitValues(10), sim.describe());
  let end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 5_000), sim.describe());
  sim.runFor(500);
  const status = sim.raft(leader).status();
  assert.deepEqual(status.voters.map((v) => v.nodeId), [0, 1, 2]);
  assert.deepEqual(status.observers.map((o) => [o.nodeId, o.endOffset]), [[o1, status.endOffset], [o2, status.endOffset]]);
  for (const id of [o1, o2]) assert.deepEqual({ role: sim.raft(id).status().role, leaderId: sim.raft(id).status().leaderId }, { role: Role.Observer, leaderId: leader });

  // The leader crashes: the observers learn the successor from their fetches and keep applying.
  sim.crash(leader);
  assert.ok(sim.runUntil(() => sim.leader() !== null, 15_000), sim.describe());
  const next = sim.leader()!;
  sim.clientLeader = next;
  assert.ok(sim.commitValues(5), sim.describe());
  end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 10_000), sim.describe());
  for (const id of [o1, o2]) assert.equal(sim.raft(id).status().leaderId, next);
  sim.restart(leader);

  // Two voters down: the observers' fetches do not make a majority, so nothing commits.
  const others = [0, 1, 2].filter((id) => id !== next);
  for (const id of others) sim.crash(id);
  const hw = sim.raft(next).status().highWatermark;
  for (let i = 0; i < 3; i++) sim.propose(next);
  sim.runFor(2_000);
  assert.equal(sim.raft(next).status().highWatermark, hw, 'observers never count toward the high watermark');
  for (const id of others) sim.restart(id);

  // An isolated observer falls behind the log start and catches up through FetchSnapshot.
  sim.isolate([o1]);
  assert.ok(sim.runUntil(() => sim.leader() !== null, 15_000), sim.describe());
  sim.clientLeader = sim.leader()!;
  assert.ok(sim.commitValues(40), sim.describe());
  assert.ok(sim.raft(sim.leader()!).status().logStartOffset > sim.raft(o1).status().endOffset, 'the leader compacted past the observer');
  const installed = sim.stats.snapshotsInstalled;
  sim.heal();
  end = sim.committedEnd;
  assert.ok(sim.runUntil(() => everyUpNodeApplied(sim, end), 15_000), sim.describe());
  assert.ok(sim.stats.snapshotsInstalled > installed, 'the observer installed a snapshot');
  assert.equal(sim.raft(o1).status().leaderId, sim.leader());
});
