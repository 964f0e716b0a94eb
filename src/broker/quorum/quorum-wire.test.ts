// Every raft message through real request/response frames and back, at the versions the driver uses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../common/index.js';
import { ApiKey, decodeResponseFrame, encodeRequestFrame, encodeResponseFrame, parseRequestHeader } from '../../protocol/index.js';
import { FetchRequest } from '../../protocol/generated/fetch-request.js';
import type * as Raft from '../../raft/index.js';
import { METADATA_TOPIC, METADATA_TOPIC_ID, encodeEntryBatch } from './metadata-batches.js';
import {
  PRE_VOTE_TAG, QUORUM_CODECS, decodeInboundRequest, decodeRaftResponse, encodeRaftRequest, encodeRaftResponse,
  type RaftRequestMessage, type RaftResponseMessage, type WireContext,
} from './quorum-wire.js';

const CLUSTER_ID = 'test-cluster';
const ctx: WireContext = {
  clusterId: CLUSTER_ID,
  endpoint: { host: '127.0.0.1', port: 9093 },
  batchOf: (e) => encodeEntryBatch(e, 1_700_000_000_000, e.control ? { leaderId: 1, voters: [1, 2, 3] } : undefined),
};

/** Sender 1 → receiver 2: request bytes, then what the receiver steps. */
function throughWire(m: RaftRequestMessage): { stepped: Raft.RaftMessage; frame: Buffer } {
  const wire = encodeRaftRequest(m, ctx);
  const codecs = QUORUM_CODECS.get(wire.apiKey)!;
  const frame = Buffer.concat(encodeRequestFrame(codecs.request, wire.version, 42, 'raft-client-1', wire.body)).subarray(4);
  const header = parseRequestHeader(frame);
  const body = codecs.request.decode(header.body, header.apiVersion);
  const inbound = decodeInboundRequest(header.apiKey, header.apiVersion, body, { clusterId: CLUSTER_ID, nodeId: 2, correlationId: m.correlationId });
  if (!('message' in inbound)) assert.fail(`refused: ${JSON.stringify(inbound.response)}`);
  return { stepped: inbound.message, frame };
}

/** Receiver 2 answers `request`; sender 1 decodes the bytes back into raft's response. */
async function replyThroughWire(request: RaftRequestMessage, reply: RaftResponseMessage): Promise<RaftResponseMessage | null> {
  const wire = encodeRaftRequest(request, ctx);
  const codecs = QUORUM_CODECS.get(wire.apiKey)!;
  const frame = Buffer.concat(encodeResponseFrame(codecs.response, wire.apiKey, wire.version, 9, encodeRaftResponse(reply, ctx))).subarray(4);
  const { body } = decodeResponseFrame(codecs.response, wire.version, frame);
  return decodeRaftResponse(request, body, () => undefined);
}

const envelope = { from: 1, to: 2, correlationId: 5 };
const back = { from: 2, to: 1, correlationId: 5 };

test('requests round-trip at the driver versions (Vote 1, BeginQuorumEpoch 1, EndQuorumEpoch 1, Fetch 17, FetchSnapshot 1)', () => {
  const requests: RaftRequestMessage[] = [
    { type: 'VoteRequest', ...envelope, candidateEpoch: 4, candidateId: 1, lastOffsetEpoch: 3, lastOffset: 17n, preVote: false },
    { type: 'VoteRequest', ...envelope, candidateEpoch: 4, candidateId: 1, lastOffsetEpoch: 3, lastOffset: 17n, preVote: true },
    { type: 'BeginQuorumEpochRequest', ...envelope, leaderId: 1, leaderEpoch: 4 },
    { type: 'EndQuorumEpochRequest', ...envelope, leaderId: 1, leaderEpoch: 4, preferredSuccessors: [2, 3] },
    { type: 'FetchRequest', ...envelope, replicaId: 1, maxWaitMs: 500, maxBytes: 8 << 20, currentLeaderEpoch: 4, fetchOffset: 17n, lastFetchedEpoch: 3 },
    { type: 'FetchSnapshotRequest', ...envelope, replicaId: 1, maxBytes: 1 << 20, currentLeaderEpoch: 4, snapshotId: { endOffset: 10n, epoch: 2 }, position: 4096n },
  ];
  for (const m of requests) assert.deepEqual(throughWire(m).stepped, m, m.type);
});

test('pre-vote travels in a tagged field of VoteRequest.PartitionData, absent for a real vote', () => {
  const vote: Raft.VoteRequest = { type: 'VoteRequest', ...envelope, candidateEpoch: 4, candidateId: 1, lastOffsetEpoch: 3, lastOffset: 17n, preVote: false };
  const real = throughWire(vote).frame;
  const pre = throughWire({ ...vote, preVote: true }).frame;
  // Tagged-field section of the partition: count 1, tag, size 1, value 1 (three bytes more than "count 0").
  assert.equal(pre.length, real.length + 3);
  assert.ok(pre.includes(Buffer.from([1, PRE_VOTE_TAG, 1, 1])));
});

test('responses round-trip, Fetch records as batches of the entries', async () => {
  const vote: Raft.VoteRequest = { type: 'VoteRequest', ...envelope, candidateEpoch: 4, candidateId: 1, lastOffsetEpoch: 3, lastOffset: 17n, preVote: true };
  const begin: Raft.BeginQuorumEpochRequest = { type: 'BeginQuorumEpochRequest', ...envelope, leaderId: 1, leaderEpoch: 4 };
  const end: Raft.EndQuorumEpochRequest = { type: 'EndQuorumEpochRequest', ...envelope, leaderId: 1, leaderEpoch: 4, preferredSuccessors: [2] };
  const fetch: Raft.FetchRequest = { type: 'FetchRequest', ...envelope, replicaId: 1, maxWaitMs: 0, maxBytes: 1 << 20, currentLeaderEpoch: 4, fetchOffset: 7n, lastFetchedEpoch: 3 };
  const snap: Raft.FetchSnapshotRequest = { type: 'FetchSnapshotRequest', ...envelope, replicaId: 1, maxBytes: 10, currentLeaderEpoch: 4, snapshotId: { endOffset: 5n, epoch: 2 }, position: 0n };
  const leader = { leaderId: 2, leaderEpoch: 4 };
  const records: Raft.LogEntry[] = [
    { offset: 7n, epoch: 4, data: Buffer.alloc(0), control: true },
    { offset: 8n, epoch: 4, data: Buffer.from('eight') },
    { offset: 9n, epoch: 4, data: Buffer.from('nine') },
  ];
  const cases: [RaftRequestMessage, RaftResponseMessage][] = [
    [vote, { type: 'VoteResponse', ...back, errorCode: 0, leaderId: -1, leaderEpoch: 3, voteGranted: true }],
    [begin, { type: 'BeginQuorumEpochResponse', ...back, errorCode: ErrorCode.FENCED_LEADER_EPOCH, leaderId: 3, leaderEpoch: 5 }],
    [end, { type: 'EndQuorumEpochResponse', ...back, errorCode: 0, leaderId: -1, leaderEpoch: 4 }],
    [fetch, { type: 'FetchResponse', ...back, errorCode: 0, highWatermark: 8n, logStartOffset: 0n, divergingEpoch: null, currentLeader: leader, snapshotId: null, records }],
    [fetch, { type: 'FetchResponse', ...back, errorCode: 0, highWatermark: 5n, logStartOffset: 0n, divergingEpoch: { epoch: 2, endOffset: 5n }, currentLeader: leader, snapshotId: null, records: [] }],
    [fetch, { type: 'FetchResponse', ...back, errorCode: 0, highWatermark: 9n, logStartOffset: 9n, divergingEpoch: null, currentLeader: leader, snapshotId: { endOffset: 9n, epoch: 4 }, records: [] }],
    [snap, { type: 'FetchSnapshotResponse', ...back, errorCode: 0, snapshotId: { endOffset: 5n, epoch: 2 }, currentLeader: leader, size: 20n, position: 0n, unalignedRecords: Buffer.from('0123456789') }],
  ];
  for (const [request, reply] of cases) assert.deepEqual(await replyThroughWire(request, reply), reply, reply.type);
  // A fetch response that does not continue at the fetch offset is not for this request.
  assert.equal(await replyThroughWire({ ...fetch, fetchOffset: 6n }, cases[3]![1]), null);
});

test('inbound requests for another cluster, topic or voter are refused without reaching raft', () => {
  const vote: Raft.VoteRequest = { type: 'VoteRequest', ...envelope, candidateEpoch: 4, candidateId: 1, lastOffsetEpoch: 3, lastOffset: 17n, preVote: false };
  const body = encodeRaftRequest(vote, ctx).body as { topics: { topicName: string }[]; voterId: number };
  const inbound = (b: object, nodeId = 2) => decodeInboundRequest(ApiKey.Vote, 1, b, { clusterId: CLUSTER_ID, nodeId, correlationId: 1 });
  assert.deepEqual(inbound({ ...body, clusterId: 'other' }), { response: { errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, topics: [] } });
  assert.deepEqual(inbound({ ...body, clusterId: CLUSTER_ID, topics: [{ ...body.topics[0], topicName: 'other' }] }), { response: { errorCode: ErrorCode.INVALID_REQUEST, topics: [] } });
  assert.deepEqual(inbound({ ...body, clusterId: CLUSTER_ID }, 3), { response: { errorCode: ErrorCode.INVALID_VOTER_KEY, topics: [] } });
});

test('an inbound Fetch v12 names the topic; v13+ must carry the metadata topic id', () => {
  const partitions = [{ partition: 0, currentLeaderEpoch: 1, fetchOffset: 3n, lastFetchedEpoch: 1, partitionMaxBytes: 100 }];
  const v12 = decodeInboundRequest(ApiKey.Fetch, 12, decodeFetch(12, { replicaId: 3, maxWaitMs: 10, maxBytes: 1000, topics: [{ topic: METADATA_TOPIC, partitions }] }), { clusterId: CLUSTER_ID, nodeId: 2, correlationId: 1 });
  assert.ok('message' in v12 && v12.message.type === 'FetchRequest' && v12.message.replicaId === 3 && v12.message.maxBytes === 100);
  const v17 = decodeInboundRequest(ApiKey.Fetch, 17, decodeFetch(17, { replicaState: { replicaId: 3 }, topics: [{ topicId: METADATA_TOPIC_ID, partitions }] }), { clusterId: CLUSTER_ID, nodeId: 2, correlationId: 1 });
  assert.ok('message' in v17 && v17.message.from === 3);
  const wrongId = decodeInboundRequest(ApiKey.Fetch, 17, decodeFetch(17, { topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAg', partitions }] }), { clusterId: CLUSTER_ID, nodeId: 2, correlationId: 1 });
  assert.deepEqual(wrongId, { response: { errorCode: ErrorCode.INVALID_REQUEST, responses: [] } });
});

function decodeFetch(version: number, body: object): FetchRequest {
  const frame = Buffer.concat(encodeRequestFrame(FetchRequest, version, 1, 'c', body)).subarray(4);
  return FetchRequest.decode(parseRequestHeader(frame).body, version);
}
