import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../common/index.js';
import { assignment, commitRequest, decodeAssignment, Harness, subscription, testConfig } from './coordinator-fixtures.js';
import { decodeRecord } from './records.js';

const E = ErrorCode;

/** Two dynamic members joined and synced: A leads, B follows, generation 1, Stable. */
function stableGroupOfTwo(h = new Harness()) {
  const a = h.joinDynamic({}, 'a');
  const b = h.joinDynamic({}, 'b');
  h.advance(0); // the initial delay (0 ms here) ends the join phase
  const ja = h.response(a.requestId)!;
  const jb = h.response(b.requestId)!;
  const followerSync = h.sync({ generationId: 1, memberId: b.memberId });
  const leaderSync = h.sync({
    generationId: 1,
    memberId: a.memberId,
    assignments: [
      { memberId: a.memberId, assignment: assignment({ t: [0] }) },
      { memberId: b.memberId, assignment: assignment({ t: [1] }) },
    ],
  });
  return { h, a: a.memberId, b: b.memberId, ja, jb, followerSync, leaderSync };
}

describe('JoinGroup and SyncGroup', () => {
  test('two members join and sync: one generation, the leader gets the members, followers wait for the assignment', () => {
    const { h, a, b, ja, jb, followerSync, leaderSync } = stableGroupOfTwo();
    assert.equal(ja.errorCode, E.NONE);
    assert.equal(ja.generationId, 1);
    assert.equal(ja.protocolName, 'range');
    assert.equal(ja.protocolType, 'consumer');
    assert.equal(ja.leader, a);
    assert.deepEqual(ja.members.map((m: { memberId: string }) => m.memberId).sort(), [a, b].sort());
    assert.deepEqual(jb.members, [], 'followers get no member list');
    assert.equal(jb.leader, a);
    assert.equal(h.response(followerSync)!.errorCode, E.NONE);
    assert.deepEqual(decodeAssignment(h.response(followerSync)!.assignment), [{ topic: 't', partition: 1 }]);
    assert.deepEqual(decodeAssignment(h.response(leaderSync)!.assignment), [{ topic: 't', partition: 0 }]);
    const described = h.shard.describeGroup('g');
    assert.equal(described.groupState, 'Stable');
    assert.equal(described.protocolData, 'range');
    assert.equal(described.members!.length, 2);
    // A follower syncing again in Stable gets its assignment back at once.
    const again = h.sync({ generationId: 1, memberId: b });
    assert.deepEqual(decodeAssignment(h.response(again)!.assignment), [{ topic: 't', partition: 1 }]);
  });

  test('MEMBER_ID_REQUIRED from v4: the member id is generated, remembered as pending, and expires unused', () => {
    const h = new Harness();
    const first = h.join({}, 4, 'my-client');
    const response = h.response(first)!;
    assert.equal(response.errorCode, E.MEMBER_ID_REQUIRED);
    assert.equal(response.memberId, 'my-client-uuid-1');
    assert.equal(h.shard.describeGroup('g').groupState, 'Empty', 'the join created the group');
    // v3 has no handshake: the member is added directly (and parked).
    const old = h.join({ groupId: 'g3' }, 3);
    assert.equal(h.response(old), undefined);
    // The pending member id expires after its session timeout: joining with it later is refused.
    h.advance(10_001);
    const late = h.join({ memberId: 'my-client-uuid-1' }, 4);
    assert.equal(h.response(late)!.errorCode, E.UNKNOWN_MEMBER_ID);
  });

  test('a new member triggers a rebalance; the existing member learns it from its heartbeat and rejoins', () => {
    const { h, a, b } = stableGroupOfTwo();
    const c = h.joinDynamic({}, 'c');
    assert.equal(h.shard.describeGroup('g').groupState, 'PreparingRebalance');
    assert.equal(h.heartbeat({ memberId: a, generationId: 1 }).errorCode, E.REBALANCE_IN_PROGRESS);
    const ra = h.join({ memberId: a });
    assert.equal(h.response(ra), undefined, 'parked until b rejoins');
    const rb = h.join({ memberId: b });
    for (const id of [ra, rb, c.requestId]) {
      assert.equal(h.response(id)!.errorCode, E.NONE);
      assert.equal(h.response(id)!.generationId, 2);
    }
    assert.equal(h.shard.describeGroup('g').groupState, 'CompletingRebalance');
  });

  test('session timeout removes a member that stops heartbeating', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.advance(6_000);
    assert.equal(h.heartbeat({ memberId: a, generationId: 1 }).errorCode, E.NONE);
    h.advance(4_001); // b's 10 s session is over, a heartbeated 4 s ago
    assert.equal(h.shard.describeGroup('g').groupState, 'PreparingRebalance');
    assert.equal(h.heartbeat({ memberId: b, generationId: 1 }).errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.heartbeat({ memberId: a, generationId: 1 }).errorCode, E.REBALANCE_IN_PROGRESS);
    const rejoin = h.join({ memberId: a });
    assert.equal(h.response(rejoin)!.generationId, 2);
    assert.equal(h.response(rejoin)!.members.length, 1);
  });

  test('the initial rebalance waits group.initial.rebalance.delay.ms, extended by joins up to the rebalance timeout', () => {
    const h = new Harness(testConfig({ groupInitialRebalanceDelayMs: 3_000 }));
    const a = h.joinDynamic({ rebalanceTimeoutMs: 10_000 });
    h.advance(2_000);
    const b = h.joinDynamic({ rebalanceTimeoutMs: 10_000 });
    h.advance(1_000); // first delay over, but b joined: extend by min(3000, 7000)
    assert.equal(h.response(a.requestId), undefined);
    h.advance(2_999);
    assert.equal(h.response(a.requestId), undefined);
    h.advance(1);
    assert.equal(h.response(a.requestId)!.generationId, 1);
    assert.equal(h.response(b.requestId)!.generationId, 1);
  });

  test('INVALID_SESSION_TIMEOUT below group.min.session.timeout.ms and above the max', () => {
    const h = new Harness();
    assert.equal(h.response(h.join({ sessionTimeoutMs: 5_999 }))!.errorCode, E.INVALID_SESSION_TIMEOUT);
    assert.equal(h.response(h.join({ sessionTimeoutMs: 1_800_001 }))!.errorCode, E.INVALID_SESSION_TIMEOUT);
    assert.equal(h.shard.hasGroup('g'), false);
  });

  test('INCONSISTENT_GROUP_PROTOCOL: other protocol type, no common protocol, or no protocol type', () => {
    const { h } = stableGroupOfTwo();
    assert.equal(h.response(h.join({ protocolType: 'connect' }, 3))!.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(h.response(h.join({ protocols: [{ name: 'roundrobin', metadata: subscription(['t']) }] }, 3))!.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    assert.equal(h.response(h.join({ groupId: 'other', protocolType: '' }, 3))!.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
  });

  test('protocol selection: only protocols every member supports, chosen by the members’ preferences', () => {
    const h = new Harness();
    const p = (names: string[]) => names.map((name) => ({ name, metadata: subscription(['t']) }));
    const a = h.joinDynamic({ protocols: p(['range', 'roundrobin', 'sticky']) });
    const b = h.joinDynamic({ protocols: p(['sticky', 'roundrobin']) });
    const c = h.joinDynamic({ protocols: p(['roundrobin', 'sticky']) });
    h.advance(0);
    // Candidates: roundrobin, sticky. Votes: a → roundrobin, b → sticky, c → roundrobin.
    assert.equal(h.response(a.requestId)!.protocolName, 'roundrobin');
    assert.equal(h.response(b.requestId)!.protocolName, 'roundrobin');
    assert.equal(h.response(c.requestId)!.errorCode, E.NONE);
  });

  test('GROUP_MAX_SIZE_REACHED when the group is full', () => {
    const h = new Harness(testConfig({ groupMaxSize: 1 }));
    const a = h.joinDynamic();
    h.advance(0);
    h.sync({ memberId: a.memberId, assignments: [] });
    const refused = h.join({ memberId: '' }, 3);
    assert.equal(h.response(refused)!.errorCode, E.GROUP_MAX_SIZE_REACHED);
    assert.equal(h.shard.describeGroup('g').members!.length, 1);
  });

  test('SyncGroup errors: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS, INCONSISTENT_GROUP_PROTOCOL', () => {
    const { h, a } = stableGroupOfTwo();
    assert.equal(h.response(h.sync({ memberId: a, generationId: 7 }))!.errorCode, E.ILLEGAL_GENERATION);
    assert.equal(h.response(h.sync({ memberId: 'nobody', generationId: 1 }))!.errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.response(h.sync({ groupId: 'unknown', memberId: a }))!.errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.response(h.sync({ memberId: a, generationId: 1, protocolName: 'roundrobin' }))!.errorCode, E.INCONSISTENT_GROUP_PROTOCOL);
    h.join({ memberId: a }); // the leader rejoins: rebalance
    assert.equal(h.response(h.sync({ memberId: a, generationId: 1 }))!.errorCode, E.REBALANCE_IN_PROGRESS);
  });

  test('a rebalance during CompletingRebalance answers parked syncs with REBALANCE_IN_PROGRESS', () => {
    const h = new Harness();
    const a = h.joinDynamic();
    const b = h.joinDynamic();
    h.advance(0);
    const parked = h.sync({ memberId: b.memberId });
    assert.equal(h.response(parked), undefined);
    h.joinDynamic(); // a third member
    assert.equal(h.response(parked)!.errorCode, E.REBALANCE_IN_PROGRESS);
    void a;
  });

  test('members that never sync are removed after the rebalance timeout', () => {
    const h = new Harness();
    const a = h.joinDynamic({ rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    const b = h.joinDynamic({ rebalanceTimeoutMs: 20_000, sessionTimeoutMs: 30_000 });
    h.advance(0);
    const parked = h.sync({ memberId: b.memberId });
    h.advance(20_000); // the leader never syncs
    assert.equal(h.response(parked)!.errorCode, E.REBALANCE_IN_PROGRESS);
    assert.equal(h.heartbeat({ memberId: a.memberId, generationId: 1 }).errorCode, E.UNKNOWN_MEMBER_ID);
  });
});

describe('static membership', () => {
  function staticGroup() {
    const h = new Harness();
    const ja = h.join({ groupInstanceId: 'i-a' }, 9, 'a');
    const jb = h.join({ groupInstanceId: 'i-b' }, 9, 'b');
    h.advance(0);
    const a = h.response(ja)!.memberId as string;
    const b = h.response(jb)!.memberId as string;
    assert.equal(a, 'i-a-uuid-1');
    h.sync({ memberId: a, groupInstanceId: 'i-a', assignments: [{ memberId: a, assignment: assignment({ t: [0] }) }, { memberId: b, assignment: assignment({ t: [1] }) }] });
    return { h, a, b };
  }

  test('a restarted static member takes over its instance without a rebalance; the old member id is fenced', () => {
    const { h, a, b } = staticGroup();
    const logBefore = h.log.length;
    const rejoin = h.join({ groupInstanceId: 'i-b' }, 5, 'b');
    const r = h.response(rejoin)!;
    assert.equal(r.errorCode, E.NONE);
    assert.equal(r.generationId, 1, 'same generation: no rebalance');
    assert.notEqual(r.memberId, b);
    assert.equal(h.shard.describeGroup('g').groupState, 'Stable');
    assert.equal(h.log.length, logBefore + 1, 'the new member id is persisted');
    assert.equal(h.heartbeat({ memberId: b, groupInstanceId: 'i-b', generationId: 1 }).errorCode, E.FENCED_INSTANCE_ID);
    const commit = h.commit(commitRequest([{ topic: 't', partition: 1, offset: 5n }], { generationIdOrMemberEpoch: 1, memberId: b, groupInstanceId: 'i-b' }));
    assert.equal(commit.topics[0].partitions[0].errorCode, E.FENCED_INSTANCE_ID);
    // The new member id keeps the old assignment.
    const sync = h.sync({ memberId: r.memberId, groupInstanceId: 'i-b' });
    assert.deepEqual(decodeAssignment(h.response(sync)!.assignment), [{ topic: 't', partition: 1 }]);
    assert.deepEqual(h.rebuilt().snapshot(), h.shard.snapshot());
    void a;
  });

  test('a static leader rejoining with v9 gets skipAssignment and the member list', () => {
    const { h, a } = staticGroup();
    const r = h.response(h.join({ groupInstanceId: 'i-a' }, 9, 'a'))!;
    assert.equal(r.skipAssignment, true);
    assert.equal(r.leader, r.memberId);
    assert.equal(r.members.length, 2);
    assert.notEqual(r.memberId, a);
  });

  test('a static member that changes the selected protocol triggers a rebalance', () => {
    const { h } = staticGroup();
    h.join({ groupInstanceId: 'i-b', protocols: [{ name: 'range', metadata: subscription(['t']) }] }, 9, 'b');
    assert.equal(h.shard.describeGroup('g').groupState, 'Stable');
    // Only protocols the other members support are accepted at all, so switch both by rebalancing: leave is simplest.
    const leave = h.leave({ members: [{ memberId: '', groupInstanceId: 'i-a', reason: null }] });
    assert.equal(leave.members[0].errorCode, E.NONE, 'administrative removal by instance id');
    assert.equal(h.shard.describeGroup('g').groupState, 'PreparingRebalance');
  });
});

describe('LeaveGroup', () => {
  test('a batch leave (v3+) answers per member; the last one out empties the group and persists it', () => {
    const { h, a, b } = stableGroupOfTwo();
    const r = h.leave({ members: [{ memberId: a, groupInstanceId: null, reason: 'bye' }, { memberId: b, groupInstanceId: null, reason: null }, { memberId: 'ghost', groupInstanceId: null, reason: null }] });
    assert.equal(r.errorCode, E.NONE);
    assert.deepEqual(r.members.map((m: { errorCode: number }) => m.errorCode), [E.NONE, E.NONE, E.UNKNOWN_MEMBER_ID]);
    const described = h.shard.describeGroup('g');
    assert.equal(described.groupState, 'Empty');
    const last = decodeRecord(h.log.at(-1)!)!;
    assert.equal(last.type, 'group');
    assert.equal(last.value!.generation, 2);
    assert.deepEqual(last.value!.members, []);
    assert.deepEqual(h.rebuilt().snapshot(), h.shard.snapshot());
  });

  test('v0-v2 leave one member; the error is top-level', () => {
    const { h, a } = stableGroupOfTwo();
    assert.equal(h.leave({ memberId: 'ghost' }, 1).errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.leave({ memberId: a }, 1).errorCode, E.NONE);
    assert.equal(h.shard.describeGroup('g').groupState, 'PreparingRebalance');
    assert.equal(h.leave({ groupId: 'nope', memberId: a }, 1).errorCode, E.UNKNOWN_MEMBER_ID);
  });
});

describe('offsets', () => {
  test('commit and fetch round-trip offset, leader epoch and metadata (null metadata reads back empty)', () => {
    const { h, a } = stableGroupOfTwo();
    const request = commitRequest([{ topic: 't', partition: 0, offset: 42n, metadata: 'hello ✓' }, { topic: 't', partition: 1, offset: 7n, metadata: null }], { generationIdOrMemberEpoch: 1, memberId: a });
    request.topics[0]!.partitions[0]!.committedLeaderEpoch = 3;
    const r = h.commit(request);
    assert.deepEqual(r.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode), [E.NONE, E.NONE]);
    const fetched = h.shard.fetchOffsets('g', [{ name: 't', partitionIndexes: [0, 1, 2] }]);
    assert.deepEqual(fetched.topics[0]!.partitions, [
      { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: 3, metadata: 'hello ✓', errorCode: E.NONE },
      { partitionIndex: 1, committedOffset: 7n, committedLeaderEpoch: -1, metadata: '', errorCode: E.NONE },
      { partitionIndex: 2, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode: E.NONE },
    ]);
    assert.deepEqual(h.shard.fetchOffsets('g', null).topics.map((t) => t.partitions.length), [2]);
    assert.deepEqual(h.rebuilt().fetchOffsets('g', null), h.shard.fetchOffsets('g', null));
    assert.deepEqual(h.shard.fetchOffsets('unknown', null), { errorCode: E.NONE, topics: [] });
  });

  test('simple consumers (generation -1, no member id) commit only while the group is Empty or new', () => {
    const h = new Harness();
    const simple = h.commit(commitRequest([{ topic: 't', partition: 0, offset: 1n }], { groupId: 'simple' }), 0);
    assert.equal(simple.topics[0].partitions[0].errorCode, E.NONE);
    assert.deepEqual(h.shard.listGroups([]), [{ groupId: 'simple', protocolType: '', groupState: 'Empty' }]);
    const { a } = stableGroupOfTwo(h);
    void a;
    const refused = h.commit(commitRequest([{ topic: 't', partition: 0, offset: 1n }]), 2);
    assert.equal(refused.topics[0].partitions[0].errorCode, E.UNKNOWN_MEMBER_ID);
  });

  test('ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, REBALANCE_IN_PROGRESS and GROUP_ID_NOT_FOUND on commit', () => {
    const h = new Harness();
    const a = h.joinDynamic();
    const b = h.joinDynamic();
    h.advance(0); // CompletingRebalance, generation 1
    const at = (overrides: object, version = 8) => h.commit(commitRequest([{ topic: 't', partition: 0, offset: 1n }], overrides), version).topics[0].partitions[0].errorCode;
    assert.equal(at({ generationIdOrMemberEpoch: 1, memberId: a.memberId }), E.REBALANCE_IN_PROGRESS);
    assert.equal(at({ generationIdOrMemberEpoch: 0, memberId: a.memberId }), E.ILLEGAL_GENERATION);
    assert.equal(at({ generationIdOrMemberEpoch: 1, memberId: 'ghost' }), E.UNKNOWN_MEMBER_ID);
    h.sync({ memberId: a.memberId });
    assert.equal(at({ generationIdOrMemberEpoch: 1, memberId: b.memberId }), E.NONE);
    assert.equal(at({ groupId: 'none', generationIdOrMemberEpoch: 3, memberId: 'x' }), E.ILLEGAL_GENERATION);
    assert.equal(at({ groupId: 'none', generationIdOrMemberEpoch: 3, memberId: 'x' }, 9), E.GROUP_ID_NOT_FOUND);
    // Commits are still accepted while a rebalance is only being prepared (old generation).
    h.join({ memberId: a.memberId });
    assert.equal(at({ generationIdOrMemberEpoch: 1, memberId: b.memberId }), E.NONE);
  });

  test('UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist; OFFSET_METADATA_TOO_LARGE over the limit', () => {
    const h = new Harness();
    const r = h.commit(commitRequest([
      { topic: 't', partition: 0, offset: 1n },
      { topic: 't', partition: 9, offset: 1n },
      { topic: 't', partition: 1, offset: 1n, metadata: 'x'.repeat(4097) },
      { topic: 't', partition: 2, offset: 1n, metadata: 'x'.repeat(4096) },
    ]), 8, (_t, p) => p < 5);
    assert.deepEqual(r.topics[0].partitions.map((p: { errorCode: number }) => p.errorCode), [E.NONE, E.UNKNOWN_TOPIC_OR_PARTITION, E.OFFSET_METADATA_TOO_LARGE, E.NONE]);
  });

  test('OffsetCommit v2-v4 retention writes an expire timestamp (value v1) that governs expiry', () => {
    const h = new Harness(testConfig({ offsetsRetentionCheckIntervalMs: 1_000 }));
    h.commit(commitRequest([{ topic: 't', partition: 0, offset: 1n }], { retentionTimeMs: 5_000n }), 2);
    assert.equal(h.log.at(-1)!.value!.readInt16BE(0), 1);
    h.advance(4_000);
    assert.equal(h.shard.fetchOffsets('g', null).topics.length, 1);
    h.advance(1_000);
    assert.equal(h.shard.fetchOffsets('g', null).topics.length, 0);
  });

  test('offsets of Empty groups expire after offsets.retention.ms; the group goes with them', () => {
    const config = testConfig({ offsetsRetentionMs: 60_000, offsetsRetentionCheckIntervalMs: 10_000 });
    const { h, a, b } = stableGroupOfTwo(new Harness(config));
    h.commit(commitRequest([{ topic: 't', partition: 0, offset: 5n }, { topic: 'old', partition: 0, offset: 9n }], { generationIdOrMemberEpoch: 1, memberId: a }));
    // Stable consumer group: offsets of topics nobody subscribes to expire, subscribed ones stay.
    for (let i = 0; i < 8; i++) {
      h.advance(9_000);
      h.heartbeat({ memberId: a, generationId: 1 });
      h.heartbeat({ memberId: b, generationId: 1 });
    }
    assert.deepEqual(h.shard.fetchOffsets('g', null).topics.map((t) => t.name), ['t']);
    h.leave({ members: [{ memberId: a, groupInstanceId: null, reason: null }, { memberId: b, groupInstanceId: null, reason: null }] });
    h.advance(50_000);
    assert.equal(h.shard.fetchOffsets('g', null).topics.length, 1, 'retention counts from when the group became Empty');
    h.advance(20_000);
    assert.equal(h.shard.fetchOffsets('g', null).topics.length, 0);
    assert.equal(h.shard.hasGroup('g'), false);
    const tombstones = h.log.filter((r) => r.value === null).map((r) => decodeRecord(r)!.type);
    assert.deepEqual(tombstones, ['offset', 'offset', 'group']);
    assert.deepEqual(h.rebuilt().snapshot(), h.shard.snapshot());
  });

  test('OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC, NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND', () => {
    const { h, a } = stableGroupOfTwo();
    h.commit(commitRequest([{ topic: 't', partition: 0, offset: 5n }, { topic: 'u', partition: 0, offset: 9n }], { generationIdOrMemberEpoch: 1, memberId: a }));
    const del = (groupId: string) => {
      const id = 9_000 + h.log.length;
      h.apply(h.shard.deleteOffsets(h.nowMs, id, { groupId, topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'u', partitions: [{ partitionIndex: 0 }] }] }, 0));
      return h.response(id)!;
    };
    const r = del('g');
    assert.equal(r.errorCode, E.NONE);
    assert.deepEqual(r.topics.map((t: { partitions: { errorCode: number }[] }) => t.partitions[0]!.errorCode), [E.GROUP_SUBSCRIBED_TO_TOPIC, E.NONE]);
    assert.deepEqual(h.shard.fetchOffsets('g', null).topics.map((t) => t.name), ['t']);
    assert.equal(del('nope').errorCode, E.GROUP_ID_NOT_FOUND);
    const other = new Harness();
    const m = other.joinDynamic({ groupId: 'c', protocolType: 'connect' });
    other.advance(0);
    const id = 77;
    other.apply(other.shard.deleteOffsets(other.nowMs, id, { groupId: 'c', topics: [] }, 0));
    assert.equal(other.response(id)!.errorCode, E.NON_EMPTY_GROUP);
    void m;
  });
});

describe('group administration', () => {
  test('DeleteGroups: NON_EMPTY_GROUP for live groups, GROUP_ID_NOT_FOUND for unknown, tombstones for the rest', () => {
    const { h, a } = stableGroupOfTwo();
    h.commit(commitRequest([{ topic: 't', partition: 0, offset: 1n }], { groupId: 'simple' }));
    const r = h.shard.deleteGroups(h.nowMs, ['g', 'simple', 'nope', '']);
    assert.deepEqual(r.results.map((x) => x.errorCode), [E.NON_EMPTY_GROUP, E.NONE, E.GROUP_ID_NOT_FOUND, E.INVALID_GROUP_ID]);
    assert.deepEqual(r.records.map((x) => [decodeRecord(x)!.type, x.value]), [['offset', null], ['group', null]]);
    assert.equal(h.shard.hasGroup('simple'), false);
    void a;
  });

  test('DescribeGroups of an unknown group reports Dead; ListGroups filters by state, case-insensitively', () => {
    const { h } = stableGroupOfTwo();
    h.commit(commitRequest([{ topic: 't', partition: 0, offset: 1n }], { groupId: 'simple' }));
    assert.equal(h.shard.describeGroup('nope').groupState, 'Dead');
    assert.equal(h.shard.describeGroup('nope').errorCode, E.NONE);
    assert.equal(h.shard.describeGroup('').errorCode, E.INVALID_GROUP_ID);
    assert.deepEqual(h.shard.listGroups(['stable']).map((g) => g.groupId), ['g']);
    assert.deepEqual(h.shard.listGroups(['Empty', 'Dead']).map((g) => g.groupId), ['simple']);
    assert.equal(h.shard.listGroups([]).length, 2);
  });

  test('INVALID_GROUP_ID for empty group ids', () => {
    const h = new Harness();
    assert.equal(h.response(h.join({ groupId: '' }))!.errorCode, E.INVALID_GROUP_ID);
    assert.equal(h.heartbeat({ groupId: '' }).errorCode, E.INVALID_GROUP_ID);
    assert.equal(h.response(h.sync({ groupId: '' }))!.errorCode, E.INVALID_GROUP_ID);
    assert.equal(h.leave({ groupId: '' }).errorCode, E.INVALID_GROUP_ID);
  });

  test('heartbeats: UNKNOWN_MEMBER_ID for unknown groups and members, ILLEGAL_GENERATION for old generations', () => {
    const { h, a } = stableGroupOfTwo();
    assert.equal(h.heartbeat({ groupId: 'nope', memberId: a }).errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.heartbeat({ memberId: 'ghost' }).errorCode, E.UNKNOWN_MEMBER_ID);
    assert.equal(h.heartbeat({ memberId: a, generationId: 0 }).errorCode, E.ILLEGAL_GENERATION);
    assert.equal(h.heartbeat({ memberId: a, generationId: 1 }).errorCode, E.NONE);
    assert.equal(h.response(h.join({ groupId: 'nope', memberId: 'm' }))!.errorCode, E.UNKNOWN_MEMBER_ID);
  });

  test('unload answers every parked request', () => {
    const h = new Harness();
    const a = h.joinDynamic();
    const effects = h.apply(h.shard.unload(E.NOT_COORDINATOR));
    assert.deepEqual(effects.responses.map((r) => r.requestId), [a.requestId]);
    assert.equal(h.response(a.requestId)!.errorCode, E.NOT_COORDINATOR);
  });
});

describe('replay', () => {
  test('replaying the log rebuilds the same groups and offsets, and loaded members get session deadlines', () => {
    const { h, a, b } = stableGroupOfTwo();
    h.commit(commitRequest([{ topic: 't', partition: 0, offset: 11n, metadata: 'm' }], { generationIdOrMemberEpoch: 1, memberId: a }));
    h.commit(commitRequest([{ topic: 'x', partition: 3, offset: 1n }], { groupId: 'simple' }));
    const rebuilt = h.rebuilt();
    assert.deepEqual(rebuilt.snapshot(), h.shard.snapshot());
    assert.equal(rebuilt.nextDeadlineMs(), 0, 'a loaded shard asks for a tick to schedule its members');
    rebuilt.tick(h.nowMs);
    assert.equal(rebuilt.nextDeadlineMs(), h.nowMs + 10_000);
    // The loaded group serves its members as before.
    const id = 5_000;
    const out = rebuilt.heartbeat(h.nowMs + 5_000, id, { groupId: 'g', generationId: 1, memberId: b, groupInstanceId: null }, 4);
    assert.equal((out.responses[0]!.response as { errorCode: number }).errorCode, E.NONE);
    // Session expiry still works after loading.
    const expired = rebuilt.tick(h.nowMs + 10_000);
    assert.deepEqual(expired.records, []);
    assert.equal(rebuilt.describeGroup('g').groupState, 'PreparingRebalance');
  });

  test('records of other types (KIP-848 consumer groups) are skipped', () => {
    const h = new Harness();
    const key = Buffer.from([0, 3, 0, 1, 0x67]);
    h.shard.replay({ key, value: Buffer.from([0, 0]) });
    assert.deepEqual(h.shard.snapshot(), { groups: [], offsets: [] });
  });
});
