// Drivers in one process with real TCP (127.0.0.x loopback) and real files in temp directories.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode } from '../../common/index.js';
import { ApiKey, decodeResponseFrame, encodeRequestFrame } from '../../protocol/index.js';
import { DescribeQuorumRequest } from '../../protocol/generated/describe-quorum-request.js';
import { DescribeQuorumResponse } from '../../protocol/generated/describe-quorum-response.js';
import { Role } from '../../raft/index.js';
import { METADATA_TOPIC } from './metadata-batches.js';
import { NotLeaderError, RaftDriver, type CommittedEntry, type QuorumVoter, type StateSnapshot } from './raft-driver.js';

/** Fast timers so elections take tens of milliseconds. */
const TIMING = {
  electionTimeoutMs: 200, electionBackoffMaxMs: 200, fetchTimeoutMs: 500, requestTimeoutMs: 500,
  retryBackoffMs: 20, fetchMaxWaitMs: 50, reconnectBackoffMs: 20, reconnectBackoffMaxMs: 100,
};
const CLUSTER_ID = 'q1N0bmY4Qk2pT7xYbUEqsw';

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A cluster of drivers; `applied` is what each driver's state machine saw in its current lifetime. */
class Cluster {
  readonly root = mkdtempSync(join(tmpdir(), 'samsa-quorum-'));
  readonly drivers = new Map<number, RaftDriver>();
  readonly applied = new Map<number, CommittedEntry[]>();
  readonly snapshots = new Map<number, StateSnapshot[]>();
  readonly logs: string[] = [];

  constructor(readonly voters: QuorumVoter[]) {}

  static async create(size: number): Promise<Cluster> {
    const voters: QuorumVoter[] = [];
    for (let id = 1; id <= size; id++) {
      const host = `127.0.0.${10 + id}`;
      voters.push({ id, host, port: await freePort(host) });
    }
    return new Cluster(voters);
  }

  dir(id: number): string {
    return join(this.root, `node-${id}`);
  }

  /** Starts a voter, or an observer (no listener) when `id` is not a voter's. */
  async start(id: number): Promise<RaftDriver> {
    const voter = this.voters.find((v) => v.id === id);
    this.applied.set(id, []);
    this.snapshots.set(id, []);
    const driver = await RaftDriver.start({
      nodeId: id, clusterId: CLUSTER_ID, voters: this.voters, metadataDir: this.dir(id), ...TIMING,
      ...(voter ? { listen: { host: voter.host, port: voter.port } } : {}),
      onCommitted: (entries) => void this.applied.get(id)!.push(...entries),
      onSnapshot: (s) => {
        this.snapshots.get(id)!.push(s);
        this.applied.set(id, []);
      },
      log: (m) => this.logs.push(`${Date.now()} [${id}] ${m}`),
    });
    this.drivers.set(id, driver);
    return driver;
  }

  leader(): RaftDriver | undefined {
    const leaders = [...this.drivers.values()].filter((d) => d.status().role === Role.Leader);
    return leaders.length === 1 ? leaders[0] : undefined;
  }

  /** Waits for one leader that every running voter follows. */
  async stableLeader(timeoutMs = 5000): Promise<RaftDriver> {
    return waitFor('a leader followed by every running voter', () => {
      const leader = this.leader();
      if (!leader) return undefined;
      const { nodeId, epoch } = leader.status();
      const all = [...this.drivers.values()].every((d) => d.status().leaderId === nodeId && d.status().epoch === epoch);
      return all ? leader : undefined;
    }, timeoutMs);
  }

  /**
   * Proposes through whoever leads, retrying while leadership moves. A proposal rejected because
   * leadership was lost may still have committed, so a retry can apply the data twice (compare
   * with `unique`).
   */
  async propose(data: string[]): Promise<{ offset: bigint; leaderId: number }> {
    for (let attempt = 0; ; attempt++) {
      const leader = await this.stableLeader();
      try {
        return { offset: await leader.propose(data.map((d) => Buffer.from(d))), leaderId: leader.status().nodeId };
      } catch (err) {
        if (!(err instanceof NotLeaderError) || attempt > 20) throw err;
      }
    }
  }

  async stop(id: number, how: 'close' | 'kill'): Promise<void> {
    const driver = this.drivers.get(id)!;
    this.drivers.delete(id);
    await (how === 'close' ? driver.close() : driver.kill());
  }

  /** Entries as comparable strings. */
  view(id: number): string[] {
    return this.applied.get(id)!.map((e) => `${e.offset}@${e.epoch}:${e.data.toString()}`);
  }

  async waitApplied(ids: number[], count: number, timeoutMs = 5000): Promise<void> {
    await waitFor(`nodes ${ids.join(',')} to apply ${count} entries`, () => ids.every((id) => this.applied.get(id)!.length >= count), timeoutMs);
  }

  async destroy(): Promise<void> {
    if (process.env['QUORUM_TEST_LOG']) console.log(this.logs.join('\n'));
    for (const d of this.drivers.values()) await d.kill();
    this.drivers.clear();
    rmSync(this.root, { recursive: true, force: true });
  }
}

function dataOf(entries: CommittedEntry[]): string[] {
  return entries.map((e) => e.data.toString());
}

/** Applied data without the duplicates a retried proposal may leave (first occurrence kept). */
function unique(entries: CommittedEntry[]): string[] {
  return [...new Set(dataOf(entries))];
}

/** Sends one DescribeQuorum request over TCP and decodes the response. */
async function describeQuorumOverTcp(voter: QuorumVoter): Promise<DescribeQuorumResponse> {
  const socket = connect({ host: voter.host, port: voter.port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frame = encodeRequestFrame(DescribeQuorumRequest, 2, 7, 'test', { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] });
  for (const chunk of frame) socket.write(chunk);
  const chunks: Buffer[] = [];
  const response = await new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) resolve(all.subarray(4, 4 + all.readInt32BE(0)));
    });
    socket.once('error', reject);
  });
  socket.destroy();
  const { correlationId, body } = decodeResponseFrame(DescribeQuorumResponse, 2, response);
  assert.equal(correlationId, 7);
  return body;
}

test('three voters over TCP: election, commits in order, NOT_LEADER, DescribeQuorum, graceful leader change, catch-up, kill without flush', async (t) => {
  const cluster = await Cluster.create(3);
  t.after(() => cluster.destroy());
  try {
    for (const v of cluster.voters) await cluster.start(v.id);
    let leader = await cluster.stableLeader();

    // Proposals commit and every voter applies the same entries in the same order.
    const committed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = [`a${i}-0`, `a${i}-1`, `a${i}-2`];
      const { offset, leaderId } = await cluster.propose(batch);
      committed.push(...batch);
      const applied = cluster.applied.get(leaderId)!;
      assert.ok(applied.some((e) => e.offset === offset && e.data.toString() === batch[2]), 'propose resolves after the entry is applied');
    }
    // Concurrent proposals get distinct offsets in order of arrival.
    const concurrent = await Promise.all([0, 1, 2, 3, 4].map((i) => cluster.propose([`c${i}`])));
    committed.push('c0', 'c1', 'c2', 'c3', 'c4');
    assert.equal(new Set(concurrent.map((c) => c.offset)).size, 5);
    await cluster.waitApplied([1, 2, 3], committed.length);
    leader = await cluster.stableLeader();
    await waitFor('every voter to apply c4', () => [1, 2, 3].every((id) => unique(cluster.applied.get(id)!).length === committed.length));
    for (const id of [1, 2, 3]) assert.deepEqual(unique(cluster.applied.get(id)!), committed);
    assert.deepEqual(cluster.view(1), cluster.view(2));
    assert.deepEqual(cluster.view(1), cluster.view(3));

    // A follower refuses proposals and names the leader.
    const leaderId = leader.status().nodeId;
    const follower = [...cluster.drivers.values()].find((d) => d !== leader)!;
    await assert.rejects(follower.propose([Buffer.from('x')]), (err: unknown) => {
      assert.ok(err instanceof NotLeaderError);
      assert.equal(err.error, 'NOT_LEADER');
      assert.equal(err.leaderId, leaderId);
      assert.equal(err.code, ErrorCode.NOT_CONTROLLER);
      return true;
    });

    // DescribeQuorum over the controller listener: the leader answers, a follower refuses.
    const status = leader.status();
    const described = await describeQuorumOverTcp(cluster.voters.find((v) => v.id === leaderId)!);
    const partition = described.topics[0]!.partitions[0]!;
    assert.equal(partition.errorCode, ErrorCode.NONE);
    assert.equal(partition.leaderId, leaderId);
    assert.equal(partition.leaderEpoch, status.epoch);
    assert.ok(partition.highWatermark >= BigInt(committed.length), `high watermark ${partition.highWatermark}`);
    assert.deepEqual(partition.currentVoters.map((v) => v.replicaId).sort(), [1, 2, 3]);
    for (const v of partition.currentVoters) {
      assert.ok(v.logEndOffset >= BigInt(committed.length), `voter ${v.replicaId} log end ${v.logEndOffset}`);
      assert.ok(v.lastFetchTimestamp > 1_600_000_000_000n, `voter ${v.replicaId} last fetch ${v.lastFetchTimestamp}`);
    }
    assert.deepEqual(described.nodes.map((n) => n.nodeId).sort(), [1, 2, 3]);
    const fromFollower = await follower.handleRequest(ApiKey.DescribeQuorum, 2, { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] });
    assert.equal((fromFollower as DescribeQuorumResponse).topics[0]!.partitions[0]!.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);

    // Graceful close of the leader: a new leader within a few election timeouts, proposals continue.
    const closedAt = Date.now();
    await cluster.stop(leaderId, 'close');
    leader = await cluster.stableLeader();
    const electionMs = Date.now() - closedAt;
    assert.notEqual(leader.status().nodeId, leaderId);
    assert.ok(electionMs < 6 * TIMING.electionTimeoutMs + TIMING.requestTimeoutMs, `new leader after ${electionMs} ms`);
    for (let i = 0; i < 3; i++) {
      await cluster.propose([`b${i}`]);
      committed.push(`b${i}`);
    }
    const live = [...cluster.drivers.keys()];
    await waitFor('the survivors to apply b2', () => live.every((id) => unique(cluster.applied.get(id)!).length === committed.length));
    for (const id of live) assert.deepEqual(unique(cluster.applied.get(id)!), committed);

    // The old leader restarts from its directory and catches up (it replays everything from its log).
    await cluster.start(leaderId);
    await cluster.stableLeader();
    await cluster.propose(['after-restart']);
    committed.push('after-restart');
    await waitFor('every voter to apply after-restart', () => [1, 2, 3].every((id) => unique(cluster.applied.get(id)!).length === committed.length));
    for (const id of [1, 2, 3]) assert.deepEqual(unique(cluster.applied.get(id)!), committed);
    leader = await cluster.stableLeader();
    await waitFor('the restarted voter to match the leader', () => cluster.view(leaderId).join() === cluster.view(leader.status().nodeId).join());

    // kill() the current leader (nothing flushed at the kill) and restart it: no committed entry is lost.
    const victim = leader.status().nodeId;
    const inFlight = leader.propose([Buffer.from('maybe')]).then(() => true, () => false);
    await cluster.stop(victim, 'kill');
    const maybeCommitted = await inFlight;
    await cluster.stableLeader();
    await cluster.start(victim);
    await cluster.stableLeader();
    await cluster.propose(['after-kill']);
    await waitFor('every voter to apply after-kill', () => [1, 2, 3].every((id) => dataOf(cluster.applied.get(id)!).includes('after-kill')));
    const final = cluster.view(1);
    assert.deepEqual(cluster.view(2), final);
    assert.deepEqual(cluster.view(3), final);
    const finalData = unique(cluster.applied.get(1)!);
    assert.deepEqual(finalData.slice(0, committed.length), committed, 'every committed entry survives, in order');
    if (maybeCommitted) assert.ok(finalData.includes('maybe'), 'an acknowledged proposal survives the kill');
    assert.equal(new Set(final.map((e) => e.split(':')[0])).size, final.length, 'offsets are unique');

    // The quorum-state file is Kafka's QuorumStateData JSON.
    for (const id of [1, 2, 3]) {
      const json = JSON.parse(readFileSync(join(cluster.dir(id), '__cluster_metadata-0', 'quorum-state'), 'utf8'));
      assert.equal(json.data_version, 0);
      assert.deepEqual(json.currentVoters, [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }]);
      assert.equal(typeof json.leaderEpoch, 'number');
    }
  } catch (err) {
    console.log(cluster.logs.slice(-80).join('\n'));
    throw err;
  }
});

test('a single voter elects itself at once, commits, and replays its log after a restart', async (t) => {
  const cluster = await Cluster.create(1);
  t.after(() => cluster.destroy());
  const started = Date.now();
  const driver = await cluster.start(1);
  await cluster.stableLeader(1000);
  assert.ok(Date.now() - started < 500, `elected after ${Date.now() - started} ms`);
  assert.equal(await driver.propose([Buffer.from('one'), Buffer.from('two')]), 2n); // offset 0 is the LeaderChange entry
  assert.deepEqual(dataOf(cluster.applied.get(1)!), ['one', 'two']);
  await cluster.stop(1, 'close');

  const restarted = await cluster.start(1);
  await cluster.stableLeader(1000);
  await restarted.propose([Buffer.from('three')]);
  assert.deepEqual(dataOf(cluster.applied.get(1)!), ['one', 'two', 'three']);
  assert.ok(restarted.status().epoch >= 2, 'a restarted leader takes a new epoch');
  const files = readdirSync(join(cluster.dir(1), '__cluster_metadata-0'));
  assert.ok(files.includes('00000000000000000000.log') && files.includes('quorum-state'), files.join(','));
});

test('a snapshot compacts the leader log; a lagging voter installs it over FetchSnapshot and reloads it at restart', async (t) => {
  const cluster = await Cluster.create(3);
  t.after(() => cluster.destroy());
  try {
    for (const v of cluster.voters) await cluster.start(v.id);
    const first = await cluster.stableLeader();
    const lagging = cluster.voters.map((v) => v.id).find((id) => id !== first.status().nodeId)!;
    const running = cluster.voters.map((v) => v.id).filter((id) => id !== lagging);
    for (let i = 0; i < 5; i++) await cluster.propose([`s${i}`]);
    await cluster.waitApplied([1, 2, 3], 5);
    await cluster.stop(lagging, 'close');
    for (let i = 5; i < 10; i++) await cluster.propose([`s${i}`]);
    await waitFor('both running voters to apply s9', () => running.every((id) => cluster.view(id).join() === cluster.view(running[0]!).join() && unique(cluster.applied.get(id)!).length === 10));

    // Both running voters snapshot what they applied (whoever leads then starts its log there).
    const applied = cluster.applied.get(running[0]!)!;
    const endOffset = applied.at(-1)!.offset + 1n;
    const state = Buffer.from(JSON.stringify(dataOf(applied)));
    let name = '';
    for (const id of running) {
      const snapshotId = await cluster.drivers.get(id)!.snapshot(endOffset, state);
      assert.equal(snapshotId.endOffset, endOffset);
      assert.equal(cluster.drivers.get(id)!.status().logStartOffset, endOffset);
      name = `${endOffset.toString().padStart(20, '0')}-${snapshotId.epoch.toString().padStart(10, '0')}.checkpoint`;
      const files = readdirSync(join(cluster.dir(id), '__cluster_metadata-0'));
      assert.ok(files.includes(name), files.join(','));
    }
    await cluster.propose(['after-snapshot']);

    // The lagging voter is below the leader's log start: it fetches the snapshot, then the rest.
    await cluster.start(lagging);
    await waitFor('the snapshot install', () => cluster.snapshots.get(lagging)!.length === 1);
    const installed = cluster.snapshots.get(lagging)![0]!;
    assert.equal(installed.endOffset, endOffset);
    assert.deepEqual(installed.data, state);
    await waitFor('the entry after the snapshot', () => dataOf(cluster.applied.get(lagging)!).includes('after-snapshot'));
    assert.deepEqual(unique(cluster.applied.get(lagging)!), ['after-snapshot']);
    assert.ok(readdirSync(join(cluster.dir(lagging), '__cluster_metadata-0')).includes(name));

    // At restart the snapshot is loaded first, then the entries above it are replayed.
    await cluster.stop(lagging, 'close');
    await cluster.start(lagging);
    assert.equal(cluster.snapshots.get(lagging)!.length, 1, 'onSnapshot at start');
    assert.deepEqual(cluster.snapshots.get(lagging)![0]!.data, state);
    await cluster.propose(['last']);
    await waitFor('replay above the snapshot', () => unique(cluster.applied.get(lagging)!).join() === 'after-snapshot,last');
  } catch (err) {
    console.log(cluster.logs.slice(-60).join('\n'));
    throw err;
  }
});

test('all three voters killed at once and restarted: every acknowledged entry survives and the logs agree', async (t) => {
  const cluster = await Cluster.create(3);
  t.after(() => cluster.destroy());
  try {
    for (const v of cluster.voters) await cluster.start(v.id);
    const leader = await cluster.stableLeader();
    const acknowledged = (await Promise.all(Array.from({ length: 20 }, (_, i) => leader.propose([Buffer.from(`k${i}`)]).then(() => `k${i}`, () => null))))
      .filter((d): d is string => d !== null);
    assert.ok(acknowledged.length > 0);
    // More proposals in flight while everything dies: they may or may not survive, but never out of order.
    const inFlight = Array.from({ length: 5 }, (_, i) => leader.propose([Buffer.from(`late${i}`)]).catch(() => undefined));
    for (const id of [1, 2, 3]) await cluster.stop(id, 'kill');
    await Promise.all(inFlight);
    for (const id of [3, 1, 2]) await cluster.start(id);
    await cluster.stableLeader();
    await cluster.propose(['after']);
    await waitFor('every voter to apply after', () => [1, 2, 3].every((id) => dataOf(cluster.applied.get(id)!).includes('after')));
    const data = dataOf(cluster.applied.get(1)!);
    assert.deepEqual(data.filter((d) => acknowledged.includes(d)), acknowledged, 'every acknowledged entry survives, in order');
    assert.deepEqual(cluster.view(2), cluster.view(1));
    assert.deepEqual(cluster.view(3), cluster.view(1));
  } catch (err) {
    console.log(cluster.logs.slice(-60).join('\n'));
    throw err;
  }
});

test('an observer (3 voters + 1 broker-only node over TCP) applies exactly the committed entries, follows a new leader after a kill, and is listed by DescribeQuorum', async (t) => {
  const cluster = await Cluster.create(3);
  t.after(() => cluster.destroy());
  const observerId = 4;
  const all = [1, 2, 3, observerId];
  try {
    for (const v of cluster.voters) await cluster.start(v.id);
    const observer = await cluster.start(observerId);
    assert.equal(observer.isObserver, true);
    assert.equal(observer.port, 0, 'an observer has no listener');
    let leader = await cluster.stableLeader();
    assert.equal(observer.status().role, Role.Observer);

    const committed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const batch = [`o${i}-0`, `o${i}-1`];
      await cluster.propose(batch);
      committed.push(...batch);
    }
    await waitFor('every node, the observer too, to apply the first entries', () => all.every((id) => unique(cluster.applied.get(id)!).length === committed.length));
    assert.deepEqual(cluster.view(observerId), cluster.view(leader.status().nodeId), 'the observer applies exactly what the leader committed');
    assert.deepEqual(unique(cluster.applied.get(observerId)!), committed);

    // The observer refuses proposals and names the leader; the leader refuses elections from a non-voter.
    await assert.rejects(observer.propose([Buffer.from('x')]), (err: unknown) => err instanceof NotLeaderError && err.leaderId === leader.status().nodeId);
    const vote = await leader.handleRequest(ApiKey.Vote, 1, {
      clusterId: CLUSTER_ID, voterId: leader.status().nodeId,
      topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0, candidateEpoch: 99, candidateId: observerId, lastOffsetEpoch: 99, lastOffset: 999n }] }],
    });
    assert.equal((vote as { errorCode: number }).errorCode, ErrorCode.INCONSISTENT_VOTER_SET);

    // DescribeQuorum on the leader lists the observer apart from the voters.
    await waitFor('the leader to see the observer caught up', () => leader.status().observers.some((o) => o.nodeId === observerId && o.endOffset === leader.status().endOffset));
    const described = await describeQuorumOverTcp(cluster.voters.find((v) => v.id === leader.status().nodeId)!);
    const partition = described.topics[0]!.partitions[0]!;
    assert.deepEqual(partition.currentVoters.map((v) => v.replicaId).sort(), [1, 2, 3]);
    assert.deepEqual(partition.observers.map((o) => o.replicaId), [observerId]);
    assert.ok(partition.observers[0]!.logEndOffset >= BigInt(committed.length), `observer log end ${partition.observers[0]!.logEndOffset}`);
    assert.ok(partition.observers[0]!.lastFetchTimestamp > 1_600_000_000_000n);

    // Kill the leader: a new one is elected and the observer follows it and receives new entries.
    const oldLeader = leader.status().nodeId;
    await cluster.stop(oldLeader, 'kill');
    leader = await cluster.stableLeader(10_000);
    assert.notEqual(leader.status().nodeId, oldLeader);
    assert.equal(observer.status().leaderId, leader.status().nodeId);
    for (let i = 0; i < 3; i++) {
      await cluster.propose([`n${i}`]);
      committed.push(`n${i}`);
    }
    const live = [...cluster.drivers.keys()];
    await waitFor('the survivors and the observer to apply the new entries', () => live.every((id) => unique(cluster.applied.get(id)!).length === committed.length));
    assert.deepEqual(unique(cluster.applied.get(observerId)!), committed);
    assert.deepEqual(cluster.view(observerId), cluster.view(leader.status().nodeId), 'the observer and the new leader applied the same entries at the same offsets');
    await waitFor('the new leader to list the observer', () => leader.status().observers.some((o) => o.nodeId === observerId));
  } catch (err) {
    console.log(cluster.logs.slice(-80).join('\n'));
    throw err;
  }
});
