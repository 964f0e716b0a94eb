import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../src/common/errors.js';
import { CreateTopicsRequest } from '../src/protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../src/protocol/generated/create-topics-response.js';
import { DeleteGroupsRequest } from '../src/protocol/generated/delete-groups-request.js';
import { DeleteGroupsResponse } from '../src/protocol/generated/delete-groups-response.js';
import { FindCoordinatorRequest } from '../src/protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../src/protocol/generated/find-coordinator-response.js';
import { JoinGroupRequest } from '../src/protocol/generated/join-group-request.js';
import { JoinGroupResponse } from '../src/protocol/generated/join-group-response.js';
import { ListGroupsRequest } from '../src/protocol/generated/list-groups-request.js';
import { ListGroupsResponse } from '../src/protocol/generated/list-groups-response.js';
import { OffsetCommitRequest } from '../src/protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../src/protocol/generated/offset-commit-response.js';
import { OffsetDeleteRequest } from '../src/protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../src/protocol/generated/offset-delete-response.js';
import { OffsetFetchRequest } from '../src/protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../src/protocol/generated/offset-fetch-response.js';
import { SyncGroupRequest } from '../src/protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../src/protocol/generated/sync-group-response.js';
import { startBroker, type BrokerHandle } from './helpers/broker.js';
import { WireClient } from './helpers/wire-client.js';

let broker: BrokerHandle;
let client: WireClient;

before(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0', 'group.max.size': '2' } });
  client = await WireClient.connect(broker.bootstrap);
  await client.send(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: [{ name: 'gt', numPartitions: 2, replicationFactor: 1 }], timeoutMs: 5000 });
});

after(async () => {
  client?.close();
  await broker?.cleanup();
});

const protocols = [{ name: 'range', metadata: Buffer.from([0, 0, 0, 0, 0, 1, 0, 2, 0x67, 0x74, 0, 0, 0, 0]) }];

function join(groupId: string, memberId: string, extra: { sessionTimeoutMs?: number; protocolType?: string; version?: number; instance?: string } = {}) {
  return client.send(JoinGroupRequest, JoinGroupResponse, extra.version ?? 5, {
    groupId,
    sessionTimeoutMs: extra.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: 10_000,
    memberId,
    groupInstanceId: extra.instance ?? null,
    protocolType: extra.protocolType ?? 'consumer',
    protocols,
  });
}

/** Joins (with the MEMBER_ID_REQUIRED handshake of v4+) and syncs as the only member. */
async function joinAndSync(groupId: string): Promise<{ memberId: string; generationId: number }> {
  const first = await join(groupId, '');
  assert.equal(first.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
  assert.ok(first.memberId.length > 0);
  const joined = await join(groupId, first.memberId);
  assert.equal(joined.errorCode, ErrorCode.NONE);
  assert.equal(joined.leader, joined.memberId);
  const synced = await client.send(SyncGroupRequest, SyncGroupResponse, 3, {
    groupId,
    generationId: joined.generationId,
    memberId: joined.memberId,
    assignments: [{ memberId: joined.memberId, assignment: Buffer.from('a') }],
  });
  assert.equal(synced.errorCode, ErrorCode.NONE);
  assert.deepEqual(synced.assignment, Buffer.from('a'));
  return { memberId: joined.memberId, generationId: joined.generationId };
}

test('FindCoordinator points at this broker, batched from v4; transactions are refused clearly', async () => {
  const v0 = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 0, { key: 'g1' });
  assert.equal(v0.errorCode, ErrorCode.NONE);
  assert.equal(`${v0.host}:${v0.port}`, broker.bootstrap);
  const v4 = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 4, { keyType: 0, coordinatorKeys: ['a', 'b'] });
  assert.deepEqual(v4.coordinators.map((c) => [c.key, c.errorCode]), [['a', 0], ['b', 0]]);
  const txn = await client.send(FindCoordinatorRequest, FindCoordinatorResponse, 3, { key: 'tx', keyType: 1 });
  assert.equal(txn.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
});

test('join, sync, commit and fetch offsets with metadata; list and delete groups', async () => {
  const { memberId, generationId } = await joinAndSync('g-commit');
  const commit = await client.send(OffsetCommitRequest, OffsetCommitResponse, 8, {
    groupId: 'g-commit',
    generationIdOrMemberEpoch: generationId,
    memberId,
    topics: [{ name: 'gt', partitions: [{ partitionIndex: 1, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: 'meta-42' }] }],
  });
  assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE);
  const fetched = await client.send(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'g-commit', topics: null });
  const p = fetched.topics.find((t) => t.name === 'gt')!.partitions[0]!;
  assert.deepEqual([p.partitionIndex, p.committedOffset, p.metadata], [1, 42n, 'meta-42']);
  const multi = await client.send(OffsetFetchRequest, OffsetFetchResponse, 8, { groups: [{ groupId: 'g-commit', topics: null }, { groupId: 'nobody', topics: null }] });
  assert.equal(multi.groups.length, 2);
  const listed = await client.send(ListGroupsRequest, ListGroupsResponse, 4, { statesFilter: ['Stable'] });
  assert.ok(listed.groups.some((g) => g.groupId === 'g-commit' && g.groupState === 'Stable'));
  const live = await client.send(DeleteGroupsRequest, DeleteGroupsResponse, 2, { groupsNames: ['g-commit', 'never-existed'] });
  assert.deepEqual(live.results.map((r) => r.errorCode), [ErrorCode.NON_EMPTY_GROUP, ErrorCode.GROUP_ID_NOT_FOUND]);
});

test('group errors: bad session timeout, inconsistent protocol, stale generation, unknown member, missing topic, group.max.size', async () => {
  assert.equal((await join('g-bad', '', { sessionTimeoutMs: 1000 })).errorCode, ErrorCode.INVALID_SESSION_TIMEOUT);
  const { memberId, generationId } = await joinAndSync('g-errors');
  assert.equal((await join('g-errors', '', { protocolType: 'connect', version: 3 })).errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  const commit = (gen: number, member: string, topic = 'gt') =>
    client.send(OffsetCommitRequest, OffsetCommitResponse, 8, {
      groupId: 'g-errors',
      generationIdOrMemberEpoch: gen,
      memberId: member,
      topics: [{ name: topic, partitions: [{ partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
  assert.equal((await commit(generationId + 5, memberId)).topics[0]!.partitions[0]!.errorCode, ErrorCode.ILLEGAL_GENERATION);
  assert.equal((await commit(generationId, 'who-is-this')).topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
  assert.equal((await commit(generationId, memberId, 'no-such-topic')).topics[0]!.partitions[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  // group.max.size=2: with two members in the group, a third is refused. Each member has its own
  // connection, as a waiting JoinGroup holds its connection's later requests.
  const [c1, c2, c3] = await Promise.all([1, 2, 3].map(() => WireClient.connect(broker.bootstrap)));
  try {
    const joinOn = (c: WireClient, memberId: string) =>
      c.send(JoinGroupRequest, JoinGroupResponse, 3, { groupId: 'g-max', sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId, protocolType: 'consumer', protocols });
    const m1 = await joinOn(c1!, '');
    assert.equal(m1.errorCode, ErrorCode.NONE);
    const m2 = joinOn(c2!, '');
    await new Promise((r) => setTimeout(r, 200));
    const m1again = await joinOn(c1!, m1.memberId);
    assert.equal(m1again.errorCode, ErrorCode.NONE);
    assert.equal((await m2).errorCode, ErrorCode.NONE);
    assert.equal((await joinOn(c3!, '')).errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
  } finally {
    for (const c of [c1, c2, c3]) c?.close();
  }
});

test('OffsetDelete: unknown partitions are UNKNOWN_TOPIC_OR_PARTITION, offsets of an empty group go', async () => {
  const commit = await client.send(OffsetCommitRequest, OffsetCommitResponse, 8, {
    groupId: 'g-simple',
    generationIdOrMemberEpoch: -1,
    memberId: '',
    topics: [{ name: 'gt', partitions: [{ partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: null }] }],
  });
  assert.equal(commit.topics[0]!.partitions[0]!.errorCode, ErrorCode.NONE, 'a simple consumer may commit without a generation');
  const del = await client.send(OffsetDeleteRequest, OffsetDeleteResponse, 0, {
    groupId: 'g-simple',
    topics: [{ name: 'gt', partitions: [{ partitionIndex: 0 }] }, { name: 'ghost', partitions: [{ partitionIndex: 0 }] }],
  });
  assert.equal(del.errorCode, ErrorCode.NONE);
  const codes = new Map(del.topics.map((t) => [t.name, t.partitions[0]!.errorCode]));
  assert.deepEqual([codes.get('gt'), codes.get('ghost')], [ErrorCode.NONE, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]);
  const fetched = await client.send(OffsetFetchRequest, OffsetFetchResponse, 7, { groupId: 'g-simple', topics: [{ name: 'gt', partitionIndexes: [0] }] });
  assert.equal(fetched.topics[0]!.partitions[0]!.committedOffset, -1n);
});
