// Seeded simulation of the group coordinator: clients join, sync (the leader assigns round-robin),
// heartbeat, commit, leave, crash and restart on a simulated clock, and invariants are checked
// after every step. SIM_SEED=<n> replays one seed; SIM_SEEDS and SIM_STEPS change the size.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../common/index.js';
import { Reader } from '../protocol/index.js';
import { ConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import { assignment, commitRequest, decodeAssignment, subscription, testConfig } from './coordinator-fixtures.js';
import { GroupCoordinatorShard, type CoordinatorEffects, type GroupCoordinatorConfig, type ShardSnapshot } from './group-coordinator-shard.js';
import { decodeRecord, type CoordinatorRecord } from './records.js';

const E = ErrorCode;
const TOPICS: Record<string, number> = { t0: 4, t1: 3 };
const GROUPS = ['g0', 'g1'];
const SESSION_TIMEOUT_MS = 10_000;
const REBALANCE_TIMEOUT_MS = 15_000;
/** A live client acts at least this often: well inside its session and rebalance timeouts. */
const MAX_ACTION_GAP_MS = 2_000;
const MAX_CLIENTS = 12;
const FULL_REBUILD_EVERY_STEPS = 250;

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type ClientState = 'idle' | 'joining' | 'syncing' | 'stable' | 'gone';

interface Client {
  name: string;
  groupId: string;
  instanceId: string | null;
  topics: string[];
  memberId: string;
  generationId: number;
  state: ClientState;
  /** Crashed, left or fatally refused: no longer expected to be a member. */
  gone: boolean;
  lastActionMs: number;
  assignment: { topic: string; partition: number }[];
  joinVersion: number;
}

interface Pending {
  client: Client;
  kind: 'join' | 'sync' | 'commit' | 'leave' | 'delete-offsets';
  offsets?: Map<string, bigint>;
}

interface SimStats {
  steps: number;
  records: number;
  generations: number;
  syncs: number;
  commits: number;
  expiredOffsets: number;
}

class Simulation {
  private readonly random: () => number;
  private readonly config: GroupCoordinatorConfig;
  private readonly shard: GroupCoordinatorShard;
  private readonly follower: GroupCoordinatorShard;
  private readonly log: CoordinatorRecord[] = [];
  private readonly clients: Client[] = [];
  private readonly pending = new Map<number, Pending>();
  private readonly answered = new Set<number>();
  /** group → generation → "topic-partition" → member id: the owners handed out by SyncGroup. */
  private readonly owners = new Map<string, Map<number, Map<string, string>>>();
  /** group → "topic\0partition" → offset: what successful commits wrote. */
  private readonly committed = new Map<string, Map<string, bigint>>();
  private nowMs = 1_000_000;
  private nextRequestId = 1;
  private clientCount = 0;
  private uuidCount = 0;
  readonly stats: SimStats = { steps: 0, records: 0, generations: 0, syncs: 0, commits: 0, expiredOffsets: 0 };

  constructor(readonly seed: number) {
    this.random = prng(seed);
    this.config = testConfig({
      groupInitialRebalanceDelayMs: this.pick([0, 0, 3_000]),
      groupMaxSize: this.pick([2_147_483_647, 2_147_483_647, 4]),
      offsetsRetentionMs: 60_000,
      offsetsRetentionCheckIntervalMs: 5_000,
    });
    const uuid = () => `u${++this.uuidCount}`;
    this.shard = new GroupCoordinatorShard(this.config, uuid);
    this.follower = new GroupCoordinatorShard(this.config, () => 'unused');
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  private chance(p: number): boolean {
    return this.random() < p;
  }

  run(steps: number): void {
    for (let i = 0; i < steps; i++) {
      this.step();
      this.check(i);
    }
    // Unloading answers whatever is still parked: every request got exactly one answer.
    for (const client of this.clients) client.gone = true;
    this.apply(this.shard.unload(E.NOT_COORDINATOR));
    assert.deepEqual([...this.pending.keys()], [], 'requests never answered');
    this.stats.records = this.log.length;
  }

  private step(): void {
    this.stats.steps++;
    this.nowMs += Math.floor(this.random() * 400);
    const deadline = this.shard.nextDeadlineMs();
    if (deadline !== null && deadline <= this.nowMs) this.apply(this.shard.tick(this.nowMs));
    if (this.clients.filter((c) => !c.gone).length < MAX_CLIENTS && this.chance(0.03)) this.spawn(null);
    const live = this.clients.filter((c) => !c.gone);
    for (const client of live) {
      if (client.gone) continue;
      const overdue = this.nowMs - client.lastActionMs >= MAX_ACTION_GAP_MS - 400;
      if (overdue || this.chance(0.1)) this.act(client);
    }
    if (live.length > 0 && this.chance(0.004)) this.crash(this.pick(live));
    if (live.length > 0 && this.chance(0.004)) this.leave(this.pick(live));
    const staticLive = live.filter((c) => c.instanceId !== null);
    if (staticLive.length > 0 && this.chance(0.004)) this.restartStatic(this.pick(staticLive));
    if (this.chance(0.01)) this.simpleCommit();
    if (this.chance(0.003)) this.deleteGroups();
    if (this.chance(0.003)) this.deleteOffsets();
  }

  private spawn(instanceId: string | null, groupId = this.pick(GROUPS), topics = this.pick([['t0'], ['t1'], ['t0', 't1']])): Client {
    const n = ++this.clientCount;
    // Static membership needs JoinGroup v5+.
    const joinVersion = instanceId !== null ? this.pick([5, 7, 9]) : this.pick([3, 5, 7, 9]);
    const client: Client = {
      name: `c${n}`, groupId, instanceId: instanceId ?? (joinVersion >= 5 && this.chance(0.3) ? `i${n}` : null), topics, memberId: '',
      generationId: -1, state: 'idle', gone: false, lastActionMs: this.nowMs, assignment: [], joinVersion,
    };
    this.clients.push(client);
    this.sendJoin(client);
    return client;
  }

  private act(client: Client): void {
    client.lastActionMs = this.nowMs;
    switch (client.state) {
      case 'idle':
        return this.sendJoin(client);
      case 'stable': {
        const id = this.nextRequestId++;
        const effects = this.shard.heartbeat(this.nowMs, id, { groupId: client.groupId, generationId: client.generationId, memberId: client.memberId, groupInstanceId: client.instanceId }, 4);
        const response = this.take(effects, id) as { errorCode: number };
        this.onError(client, response.errorCode, 'heartbeat');
        if (client.state === 'stable' && client.assignment.length > 0 && this.chance(0.3)) this.commit(client);
        return;
      }
      default:
        return; // waiting for a parked JoinGroup or SyncGroup
    }
  }

  private sendJoin(client: Client): void {
    client.state = 'joining';
    client.lastActionMs = this.nowMs;
    const id = this.nextRequestId++;
    this.pending.set(id, { client, kind: 'join' });
    this.apply(this.shard.joinGroup(this.nowMs, id, {
      groupId: client.groupId, sessionTimeoutMs: SESSION_TIMEOUT_MS, rebalanceTimeoutMs: REBALANCE_TIMEOUT_MS, memberId: client.memberId,
      groupInstanceId: client.instanceId, protocolType: 'consumer',
      protocols: [{ name: 'roundrobin', metadata: subscription(client.topics) }], reason: null,
    }, client.joinVersion, client.name, '/10.0.0.1'));
  }

  private commit(client: Client): void {
    const offsets = new Map<string, bigint>();
    const request = commitRequest(client.assignment.map((tp) => {
      const key = `${tp.topic}\0${tp.partition}`;
      const offset = (this.committed.get(client.groupId)?.get(key) ?? 0n) + BigInt(1 + Math.floor(this.random() * 10));
      offsets.set(key, offset);
      return { topic: tp.topic, partition: tp.partition, offset, metadata: `m${offset}` };
    }), { groupId: client.groupId, generationIdOrMemberEpoch: client.generationId, memberId: client.memberId, groupInstanceId: client.instanceId });
    const id = this.nextRequestId++;
    this.pending.set(id, { client, kind: 'commit', offsets });
    this.apply(this.shard.commitOffsets(this.nowMs, id, request, 8, (t, p) => p < (TOPICS[t] ?? 0)));
  }

  private simpleCommit(): void {
    const client = { groupId: 'simple', gone: true } as Client;
    const partition = Math.floor(this.random() * 4);
    const offset = BigInt(Math.floor(this.random() * 1000));
    const id = this.nextRequestId++;
    this.pending.set(id, { client, kind: 'commit', offsets: new Map([[`t0\0${partition}`, offset]]) });
    this.apply(this.shard.commitOffsets(this.nowMs, id, commitRequest([{ topic: 't0', partition, offset }], { groupId: 'simple' }), 2, () => true));
  }

  private deleteGroups(): void {
    const groupIds = [...GROUPS, 'simple'];
    const result = this.shard.deleteGroups(this.nowMs, groupIds);
    this.appendRecords(result.records);
    for (const r of result.results) if (r.errorCode === E.NONE) this.committed.delete(r.groupId);
  }

  private deleteOffsets(): void {
    const groupId = this.pick([...GROUPS, 'simple']);
    const topic = this.pick(Object.keys(TOPICS));
    const id = this.nextRequestId++;
    this.pending.set(id, { client: { gone: true } as Client, kind: 'delete-offsets' });
    const effects = this.apply(this.shard.deleteOffsets(this.nowMs, id, { groupId, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }, { partitionIndex: 1 }] }] }, 0));
    void effects;
    const response = this.answeredResponses.get(id) as { errorCode: number; topics: { partitions: { partitionIndex: number; errorCode: number }[] }[] };
    if (response.errorCode !== E.NONE) return;
    for (const p of response.topics[0]!.partitions) if (p.errorCode === E.NONE) this.committed.get(groupId)?.delete(`${topic}\0${p.partitionIndex}`);
  }

  private crash(client: Client): void {
    client.gone = true;
  }

  private leave(client: Client): void {
    client.gone = true;
    if (client.memberId === '') return;
    const id = this.nextRequestId++;
    this.pending.set(id, { client, kind: 'leave' });
    const version = this.pick([1, 3, 5]);
    this.apply(this.shard.leaveGroup(this.nowMs, id, {
      groupId: client.groupId, memberId: version <= 2 ? client.memberId : '',
      members: version <= 2 ? [] : [{ memberId: client.memberId, groupInstanceId: client.instanceId, reason: null }],
    }, version));
  }

  private restartStatic(client: Client): void {
    client.gone = true;
    this.spawn(client.instanceId, client.groupId, client.topics);
  }

  private readonly answeredResponses = new Map<number, unknown>();

  /** Delivers effects as the broker does: append records (replayed by the follower), then responses. */
  private apply(effects: CoordinatorEffects): CoordinatorEffects {
    this.appendRecords(effects.records);
    for (const { requestId, response } of effects.responses) {
      assert.equal(this.answered.has(requestId), false, `request ${requestId} answered twice`);
      this.answered.add(requestId);
      this.answeredResponses.set(requestId, response);
      const pending = this.pending.get(requestId);
      if (!pending) continue; // answered inline by take()
      this.pending.delete(requestId);
      this.deliver(pending, response as Record<string, any>);
    }
    return effects;
  }

  private appendRecords(records: CoordinatorRecord[]): void {
    for (const record of records) {
      const copy = { key: Buffer.from(record.key), value: record.value === null ? null : Buffer.from(record.value) };
      this.log.push(copy);
      this.follower.replay(copy);
      // A deleted group starts again at generation 1: ownership is per incarnation of the group.
      const decoded = decodeRecord(copy);
      if (decoded?.type === 'group' && decoded.value === null) this.owners.delete(decoded.key.group);
    }
  }

  /** Applies effects of a request answered at once and returns its response. */
  private take(effects: CoordinatorEffects, requestId: number): unknown {
    this.apply(effects);
    assert.ok(this.answeredResponses.has(requestId), `request ${requestId} not answered at once`);
    return this.answeredResponses.get(requestId);
  }

  private deliver(pending: Pending, response: Record<string, any>): void {
    const client = pending.client;
    if (TRACE) console.log(this.nowMs, client.name, client.groupId, pending.kind, JSON.stringify(response, (k, v) => (k === 'metadata' || k === 'assignment' ? undefined : typeof v === 'bigint' ? String(v) : v)));
    switch (pending.kind) {
      case 'join':
        return this.onJoin(client, response);
      case 'sync':
        return this.onSync(client, response);
      case 'commit': {
        const partitions = (response.topics as { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[])
          .flatMap((t) => t.partitions.map((p) => ({ key: `${t.name}\0${p.partitionIndex}`, errorCode: p.errorCode })));
        for (const p of partitions) {
          if (p.errorCode === E.NONE) {
            let byKey = this.committed.get(client.groupId);
            if (!byKey) this.committed.set(client.groupId, (byKey = new Map()));
            byKey.set(p.key, pending.offsets!.get(p.key)!);
            this.stats.commits++;
          }
        }
        const error = partitions.find((p) => p.errorCode !== E.NONE)?.errorCode ?? E.NONE;
        if (!client.gone) this.onError(client, error, 'commit');
        return;
      }
      default:
        return;
    }
  }

  private onJoin(client: Client, r: Record<string, any>): void {
    if (client.gone) return;
    if (r.errorCode === E.MEMBER_ID_REQUIRED) {
      client.memberId = r.memberId;
      return this.sendJoin(client);
    }
    if (r.errorCode !== E.NONE) {
      this.onError(client, r.errorCode, 'join');
      if (client.state === 'joining') client.state = 'idle';
      return;
    }
    client.memberId = r.memberId;
    client.generationId = r.generationId;
    client.state = 'syncing';
    const assignments: { memberId: string; assignment: Buffer }[] = [];
    if (r.leader === r.memberId && !r.skipAssignment) {
      this.stats.generations++;
      const members = (r.members as { memberId: string; metadata: Buffer }[]).map((m) => ({ memberId: m.memberId, topics: subscribedTopics(m.metadata) }));
      const byMember = new Map<string, Record<string, number[]>>(members.map((m) => [m.memberId, {}]));
      // Round-robin over the members subscribed to each partition's topic.
      let turn = 0;
      for (const [topic, count] of Object.entries(TOPICS)) {
        const subscribers = members.filter((m) => m.topics.includes(topic));
        for (let p = 0; p < count && subscribers.length > 0; p++) {
          const owner = subscribers[turn++ % subscribers.length]!;
          (byMember.get(owner.memberId)![topic] ??= []).push(p);
        }
      }
      for (const [memberId, partitions] of byMember) assignments.push({ memberId, assignment: assignment(partitions) });
    }
    const id = this.nextRequestId++;
    this.pending.set(id, { client, kind: 'sync' });
    this.apply(this.shard.syncGroup(this.nowMs, id, {
      groupId: client.groupId, generationId: client.generationId, memberId: client.memberId, groupInstanceId: client.instanceId,
      protocolType: 'consumer', protocolName: r.protocolName, assignments,
    }, 5));
  }

  private onSync(client: Client, r: Record<string, any>): void {
    if (r.errorCode === E.NONE) {
      this.stats.syncs++;
      const owned = decodeAssignment(r.assignment);
      // Invariant: within one generation of a group, each partition has at most one owner.
      let byGeneration = this.owners.get(client.groupId);
      if (!byGeneration) this.owners.set(client.groupId, (byGeneration = new Map()));
      let owners = byGeneration.get(client.generationId);
      if (!owners) byGeneration.set(client.generationId, (owners = new Map()));
      // A static instance that restarts keeps its partitions in the same generation (KIP-345): owners are instances.
      const ownerId = client.instanceId ?? client.memberId;
      for (const tp of owned) {
        const key = `${tp.topic}-${tp.partition}`;
        const owner = owners.get(key);
        assert.ok(owner === undefined || owner === ownerId, `${client.groupId} generation ${client.generationId}: ${key} owned by ${owner} and ${ownerId}`);
        owners.set(key, ownerId);
      }
      if (client.gone) return;
      client.assignment = owned;
      client.state = 'stable';
      return;
    }
    if (client.gone) return;
    this.onError(client, r.errorCode, 'sync');
    if (client.state === 'syncing') client.state = 'idle';
  }

  /** Client reaction to an error, and the liveness invariant: a live member is never UNKNOWN_MEMBER_ID. */
  private onError(client: Client, errorCode: number, what: string): void {
    switch (errorCode) {
      case E.NONE:
        return;
      case E.UNKNOWN_MEMBER_ID:
        // Only a member id handed out by MEMBER_ID_REQUIRED may vanish (DeleteGroups of its Empty group).
        assert.equal(client.generationId, -1, `${what}: live member ${client.name} (${client.memberId}, ${client.groupId}) got UNKNOWN_MEMBER_ID at ${this.nowMs}`);
        client.memberId = '';
        if (client.state !== 'joining') client.state = 'idle';
        return;
      case E.REBALANCE_IN_PROGRESS:
      case E.ILLEGAL_GENERATION:
        if (client.state === 'stable' || client.state === 'syncing') this.sendJoin(client);
        return;
      case E.GROUP_MAX_SIZE_REACHED:
        // Fatal for the client, as in Kafka's.
        client.gone = true;
        client.state = 'gone';
        return;
      default:
        assert.fail(`${what}: client ${client.name} got unexpected error ${errorCode}`);
    }
  }

  /** Invariants checked after every step. */
  private check(step: number): void {
    const live = this.shard.snapshot();
    const follower = this.follower.snapshot();
    // Replay: the follower (a shard that only ever replayed the log) holds the durable view.
    assert.deepEqual(follower.offsets, live.offsets, 'offsets differ after replay');
    const followerGroups = new Map(follower.groups.map((g) => [g.groupId, g]));
    assert.deepEqual([...followerGroups.keys()], live.groups.map((g) => g.groupId), 'groups differ after replay');
    for (const g of live.groups) {
      const f = followerGroups.get(g.groupId)!;
      if (g.state === 'Stable' || g.state === 'Empty') {
        assert.deepEqual(f, g, `group ${g.groupId} differs after replay`);
      } else {
        // A rebalance in progress is transient: the log holds the last Stable or Empty generation.
        assert.ok(f.state === 'Stable' || f.state === 'Empty', `replayed group ${g.groupId} is ${f.state}`);
        assert.ok(f.generationId <= g.generationId, `replayed generation ${f.generationId} > live ${g.generationId}`);
      }
    }
    if (step % FULL_REBUILD_EVERY_STEPS === FULL_REBUILD_EVERY_STEPS - 1) {
      const fresh = new GroupCoordinatorShard(this.config, () => 'unused');
      for (const record of this.log) fresh.replay(record);
      assert.deepEqual(fresh.snapshot(), follower, 'a fresh replay of the whole log differs');
    }
    this.checkOffsets(live);
  }

  /** Committed offsets move only by commits; they disappear only by expiry or deletion where allowed. */
  private checkOffsets(live: ShardSnapshot): void {
    const actual = new Map<string, bigint>(live.offsets.map((o) => [`${o.groupId}\0${o.topic}\0${o.partition}`, o.offset]));
    for (const o of live.offsets) {
      const expected = this.committed.get(o.groupId)?.get(`${o.topic}\0${o.partition}`);
      assert.equal(o.offset, expected, `offset ${o.groupId} ${o.topic}-${o.partition} is ${o.offset}, last commit wrote ${expected}`);
      assert.equal(o.metadata.startsWith('m') || o.groupId === 'simple', true);
    }
    for (const [groupId, byKey] of this.committed) {
      for (const key of [...byKey.keys()]) {
        if (actual.has(`${groupId}\0${key}`)) continue;
        const group = live.groups.find((g) => g.groupId === groupId);
        const topic = key.split('\0')[0]!;
        const allowed = !group || group.state === 'Empty' || (group.state === 'Stable' && !this.groupSubscribes(groupId, topic));
        assert.ok(allowed, `offset ${groupId} ${key.replace('\0', '-')} vanished while the group is ${group?.state}`);
        byKey.delete(key);
        this.stats.expiredOffsets++;
      }
    }
  }

  private groupSubscribes(groupId: string, topic: string): boolean {
    const described = this.shard.describeGroup(groupId);
    return (described.members ?? []).some((m) => subscribedTopics(m.memberMetadata as Buffer).includes(topic));
  }
}

function subscribedTopics(metadata: Buffer): string[] {
  const r = new Reader(metadata);
  r.int16();
  return ConsumerProtocolSubscription.decode(r, 0).topics;
}

const seeds = process.env.SIM_SEED !== undefined ? [Number(process.env.SIM_SEED)] : Array.from({ length: Number(process.env.SIM_SEEDS ?? 50) }, (_, i) => 1 + i);
const TRACE = process.env.SIM_TRACE !== undefined;
const steps = Number(process.env.SIM_STEPS ?? 2_000);

test(`group coordinator simulation: ${seeds.length} seeds × ${steps} steps`, () => {
  const totals: SimStats = { steps: 0, records: 0, generations: 0, syncs: 0, commits: 0, expiredOffsets: 0 };
  for (const seed of seeds) {
    const sim = new Simulation(seed);
    try {
      sim.run(steps);
    } catch (e) {
      (e as Error).message = `seed ${seed} (replay with SIM_SEED=${seed}): ${(e as Error).message}`;
      throw e;
    }
    for (const k of Object.keys(totals) as (keyof SimStats)[]) totals[k] += sim.stats[k];
  }
  // The run must exercise the protocol, not idle.
  assert.ok(totals.generations > seeds.length && totals.syncs > seeds.length && totals.commits > seeds.length, JSON.stringify(totals));
  console.log(`simulation totals: ${JSON.stringify(totals)}`);
});
