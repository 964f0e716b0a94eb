// RaftMessage ↔ Kafka wire messages (the generated codecs) for the `__cluster_metadata-0` quorum.
// Outbound requests use one fixed flexible version per API (QUORUM_REQUEST_VERSIONS); inbound
// requests are accepted at every version in QUORUM_API_RANGES and answered at their own version.
// KIP-996's PreVote flag has no field before VoteRequest v2, so between Samsa voters it travels in
// the tagged field PRE_VOTE_TAG of VoteRequest.PartitionData (v0/v1 are flexible), one byte 1.
import { ErrorCode } from '../../common/index.js';
import { ApiKey, ZERO_UUID, type Init, type MessageCodec, type TaggedField } from '../../protocol/index.js';
import { BeginQuorumEpochRequest } from '../../protocol/generated/begin-quorum-epoch-request.js';
import { BeginQuorumEpochResponse } from '../../protocol/generated/begin-quorum-epoch-response.js';
import { DescribeQuorumRequest } from '../../protocol/generated/describe-quorum-request.js';
import { DescribeQuorumResponse } from '../../protocol/generated/describe-quorum-response.js';
import { EndQuorumEpochRequest } from '../../protocol/generated/end-quorum-epoch-request.js';
import { EndQuorumEpochResponse } from '../../protocol/generated/end-quorum-epoch-response.js';
import { FetchRequest } from '../../protocol/generated/fetch-request.js';
import { FetchResponse } from '../../protocol/generated/fetch-response.js';
import { FetchSnapshotRequest } from '../../protocol/generated/fetch-snapshot-request.js';
import { FetchSnapshotResponse } from '../../protocol/generated/fetch-snapshot-response.js';
import { VoteRequest } from '../../protocol/generated/vote-request.js';
import { VoteResponse } from '../../protocol/generated/vote-response.js';
import type * as Raft from '../../raft/index.js';
import { METADATA_PARTITION, METADATA_TOPIC, METADATA_TOPIC_ID, decodeEntryBatches } from './metadata-batches.js';

/** The tagged field of VoteRequest.PartitionData that carries KIP-996's PreVote between Samsa voters. */
export const PRE_VOTE_TAG = 100;
const PRE_VOTE_FIELD: TaggedField = Object.freeze({ tag: PRE_VOTE_TAG, data: Buffer.from([1]) }) as TaggedField;
/** The listener name sent in BeginQuorumEpoch/EndQuorumEpoch leader endpoints. */
export const CONTROLLER_LISTENER = 'CONTROLLER';

/** Versions this driver sends. Fetch 17: topic ids (v13+), ReplicaState (v15+). */
export const QUORUM_REQUEST_VERSIONS = {
  [ApiKey.Fetch]: 17,
  [ApiKey.Vote]: 1,
  [ApiKey.BeginQuorumEpoch]: 1,
  [ApiKey.EndQuorumEpoch]: 1,
  [ApiKey.FetchSnapshot]: 1,
} as const;

/** Versions this driver serves (for ApiVersions on the controller listener). */
export const QUORUM_API_RANGES: readonly { apiKey: number; minVersion: number; maxVersion: number }[] = [
  { apiKey: ApiKey.Fetch, minVersion: 12, maxVersion: 17 },
  { apiKey: ApiKey.Vote, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.BeginQuorumEpoch, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.EndQuorumEpoch, minVersion: 0, maxVersion: 1 },
  { apiKey: ApiKey.DescribeQuorum, minVersion: 0, maxVersion: 2 },
  { apiKey: ApiKey.FetchSnapshot, minVersion: 0, maxVersion: 1 },
];

/** The request and response codecs of each API this module maps. */
export const QUORUM_CODECS: ReadonlyMap<number, { request: MessageCodec<any>; response: MessageCodec<any> }> = new Map<number, { request: MessageCodec<any>; response: MessageCodec<any> }>([
  [ApiKey.Fetch, { request: FetchRequest, response: FetchResponse }],
  [ApiKey.Vote, { request: VoteRequest, response: VoteResponse }],
  [ApiKey.BeginQuorumEpoch, { request: BeginQuorumEpochRequest, response: BeginQuorumEpochResponse }],
  [ApiKey.EndQuorumEpoch, { request: EndQuorumEpochRequest, response: EndQuorumEpochResponse }],
  [ApiKey.DescribeQuorum, { request: DescribeQuorumRequest, response: DescribeQuorumResponse }],
  [ApiKey.FetchSnapshot, { request: FetchSnapshotRequest, response: FetchSnapshotResponse }],
]);

/** A raft request as it goes on the wire. */
export interface WireRequest {
  apiKey: number;
  version: number;
  body: object;
}

/** Context of the encoding side. */
export interface WireContext {
  clusterId: string;
  /** This node's controller endpoint, sent in BeginQuorumEpoch/EndQuorumEpoch v1. */
  endpoint: { host: string; port: number } | null;
  /** The batch bytes of a log entry (FetchResponse.records). */
  batchOf: (entry: Raft.LogEntry) => Buffer;
}

export type RaftRequestMessage = Raft.VoteRequest | Raft.BeginQuorumEpochRequest | Raft.EndQuorumEpochRequest | Raft.FetchRequest | Raft.FetchSnapshotRequest;
export type RaftResponseMessage = Raft.VoteResponse | Raft.BeginQuorumEpochResponse | Raft.EndQuorumEpochResponse | Raft.FetchResponse | Raft.FetchSnapshotResponse;

/** Whether a raft message is a request (sent to a peer) rather than a response (to an inbound request). */
export function isRaftRequest(m: Raft.RaftMessage): m is RaftRequestMessage {
  return m.type.endsWith('Request');
}

/** The API key of a raft message. */
export function apiKeyOf(m: Raft.RaftMessage): number {
  switch (m.type) {
    case 'VoteRequest': case 'VoteResponse': return ApiKey.Vote;
    case 'BeginQuorumEpochRequest': case 'BeginQuorumEpochResponse': return ApiKey.BeginQuorumEpoch;
    case 'EndQuorumEpochRequest': case 'EndQuorumEpochResponse': return ApiKey.EndQuorumEpoch;
    case 'FetchRequest': case 'FetchResponse': return ApiKey.Fetch;
    case 'FetchSnapshotRequest': case 'FetchSnapshotResponse': return ApiKey.FetchSnapshot;
  }
}

function leaderEndpoints(ctx: WireContext): { name: string; host: string; port: number }[] {
  return ctx.endpoint ? [{ name: CONTROLLER_LISTENER, host: ctx.endpoint.host, port: ctx.endpoint.port }] : [];
}

// ---- outbound requests -------------------------------------------------------------------------

/** Encodes a raft request for its peer at the version this driver sends. */
export function encodeRaftRequest(m: RaftRequestMessage, ctx: WireContext): WireRequest {
  const apiKey = apiKeyOf(m);
  const version = QUORUM_REQUEST_VERSIONS[apiKey as keyof typeof QUORUM_REQUEST_VERSIONS];
  return { apiKey, version, body: requestBody(m, ctx) };
}

function requestBody(m: RaftRequestMessage, ctx: WireContext): object {
  const clusterId = ctx.clusterId;
  switch (m.type) {
    case 'VoteRequest': {
      const body: Init<VoteRequest> = {
        clusterId, voterId: m.to,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{
          partitionIndex: METADATA_PARTITION, candidateEpoch: m.candidateEpoch, candidateId: m.candidateId,
          lastOffsetEpoch: m.lastOffsetEpoch, lastOffset: m.lastOffset,
          ...(m.preVote ? { _unknownTaggedFields: [PRE_VOTE_FIELD] } : {}),
        }] }],
      };
      return body;
    }
    case 'BeginQuorumEpochRequest': {
      const body: Init<BeginQuorumEpochRequest> = {
        clusterId, voterId: m.to, leaderEndpoints: leaderEndpoints(ctx),
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch }] }],
      };
      return body;
    }
    case 'EndQuorumEpochRequest': {
      const body: Init<EndQuorumEpochRequest> = {
        clusterId, leaderEndpoints: leaderEndpoints(ctx),
        topics: [{ topicName: METADATA_TOPIC, partitions: [{
          partitionIndex: METADATA_PARTITION, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch,
          preferredSuccessors: m.preferredSuccessors,
          preferredCandidates: m.preferredSuccessors.map((candidateId) => ({ candidateId, candidateDirectoryId: ZERO_UUID })),
        }] }],
      };
      return body;
    }
    case 'FetchRequest': {
      const body: Init<FetchRequest> = {
        clusterId, replicaId: -1, replicaState: { replicaId: m.replicaId, replicaEpoch: -1n },
        maxWaitMs: m.maxWaitMs, minBytes: 0, maxBytes: m.maxBytes, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
        topics: [{ topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [{
          partition: METADATA_PARTITION, currentLeaderEpoch: m.currentLeaderEpoch, fetchOffset: m.fetchOffset,
          lastFetchedEpoch: m.lastFetchedEpoch, logStartOffset: -1n, partitionMaxBytes: m.maxBytes,
        }] }],
        forgottenTopicsData: [], rackId: '',
      };
      return body;
    }
    case 'FetchSnapshotRequest': {
      const body: Init<FetchSnapshotRequest> = {
        clusterId, replicaId: m.replicaId, maxBytes: m.maxBytes,
        topics: [{ name: METADATA_TOPIC, partitions: [{
          partition: METADATA_PARTITION, currentLeaderEpoch: m.currentLeaderEpoch,
          snapshotId: { endOffset: m.snapshotId.endOffset, epoch: m.snapshotId.epoch }, position: m.position,
        }] }],
      };
      return body;
    }
  }
}

// ---- responses to our requests ------------------------------------------------------------------

/** The envelope of the response to `request`. */
function replyEnvelope(request: RaftRequestMessage): Raft.Envelope {
  return { from: request.to, to: request.from, correlationId: request.correlationId };
}

/**
 * A response that never came (disconnect) or carried only a top-level error, as the raft response
 * to `request`: the error code with no leader hint, so the node backs off and retries.
 */
export function errorReply(request: RaftRequestMessage, errorCode: number): RaftResponseMessage {
  const e = replyEnvelope(request);
  const noLeader = { leaderId: -1, leaderEpoch: -1 };
  switch (request.type) {
    case 'VoteRequest': return { type: 'VoteResponse', ...e, errorCode, ...noLeader, voteGranted: false };
    case 'BeginQuorumEpochRequest': return { type: 'BeginQuorumEpochResponse', ...e, errorCode, ...noLeader };
    case 'EndQuorumEpochRequest': return { type: 'EndQuorumEpochResponse', ...e, errorCode, ...noLeader };
    case 'FetchRequest':
      return {
        type: 'FetchResponse', ...e, errorCode, highWatermark: -1n, logStartOffset: -1n, divergingEpoch: null,
        currentLeader: noLeader, snapshotId: null, records: [],
      };
    case 'FetchSnapshotRequest':
      return {
        type: 'FetchSnapshotResponse', ...e, errorCode, snapshotId: { ...request.snapshotId }, currentLeader: noLeader,
        size: -1n, position: -1n, unalignedRecords: Buffer.alloc(0),
      };
  }
}

/** The single partition of a topic list, if it is `__cluster_metadata-0`. */
function metadataPartition<P>(topics: readonly { partitions: P[] }[], name: (t: any) => string, index: (p: P) => number): P | undefined {
  if (topics.length !== 1 || name(topics[0]) !== METADATA_TOPIC) return undefined;
  const partitions = topics[0]!.partitions;
  return partitions.length === 1 && index(partitions[0]!) === METADATA_PARTITION ? partitions[0] : undefined;
}

/**
 * Maps a peer's response body back to the raft response of `request`. Returns null when the body
 * does not answer it (then the node's request timeout covers it). Fetch records are decoded here
 * (CRC-checked); their batches go to `remember` so they are stored byte for byte.
 */
export async function decodeRaftResponse(
  request: RaftRequestMessage,
  body: any,
  remember: (entry: Raft.LogEntry, batch: Buffer) => void,
): Promise<RaftResponseMessage | null> {
  const e = replyEnvelope(request);
  if (body.errorCode !== ErrorCode.NONE) return errorReply(request, body.errorCode);
  switch (request.type) {
    case 'VoteRequest': {
      const p = metadataPartition((body as VoteResponse).topics, (t) => t.topicName, (p) => p.partitionIndex);
      if (!p) return null;
      return { type: 'VoteResponse', ...e, errorCode: p.errorCode, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, voteGranted: p.voteGranted };
    }
    case 'BeginQuorumEpochRequest': {
      const p = metadataPartition((body as BeginQuorumEpochResponse).topics, (t) => t.topicName, (p) => p.partitionIndex);
      if (!p) return null;
      return { type: 'BeginQuorumEpochResponse', ...e, errorCode: p.errorCode, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch };
    }
    case 'EndQuorumEpochRequest': {
      const p = metadataPartition((body as EndQuorumEpochResponse).topics, (t) => t.topicName, (p) => p.partitionIndex);
      if (!p) return null;
      return { type: 'EndQuorumEpochResponse', ...e, errorCode: p.errorCode, leaderId: p.leaderId, leaderEpoch: p.leaderEpoch };
    }
    case 'FetchRequest': {
      const topics = (body as FetchResponse).responses;
      if (topics.length !== 1 || (topics[0]!.topicId !== METADATA_TOPIC_ID && topics[0]!.topic !== METADATA_TOPIC)) return null;
      const p = topics[0]!.partitions.length === 1 ? topics[0]!.partitions[0]! : undefined;
      if (!p || p.partitionIndex !== METADATA_PARTITION) return null;
      const decoded = p.records && p.records.length > 0 ? await decodeEntryBatches(p.records) : [];
      const records: Raft.LogEntry[] = [];
      for (const { entry, batch } of decoded) {
        // Contiguous from the fetch offset, or the response is not for this log position.
        if (entry.offset !== request.fetchOffset + BigInt(records.length)) return null;
        if (batch) remember(entry, batch);
        records.push(entry);
      }
      const diverging = p.divergingEpoch.epoch >= 0 && p.divergingEpoch.endOffset >= 0n ? { epoch: p.divergingEpoch.epoch, endOffset: p.divergingEpoch.endOffset } : null;
      const snapshotId = p.snapshotId.epoch >= 0 && p.snapshotId.endOffset >= 0n ? { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch } : null;
      return {
        type: 'FetchResponse', ...e, errorCode: p.errorCode, highWatermark: p.highWatermark, logStartOffset: p.logStartOffset,
        divergingEpoch: diverging, snapshotId, records,
        currentLeader: { leaderId: p.currentLeader.leaderId, leaderEpoch: p.currentLeader.leaderEpoch },
      };
    }
    case 'FetchSnapshotRequest': {
      const p = metadataPartition((body as FetchSnapshotResponse).topics, (t) => t.name, (p) => p.index);
      if (!p) return null;
      return {
        type: 'FetchSnapshotResponse', ...e, errorCode: p.errorCode,
        snapshotId: { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch },
        currentLeader: { leaderId: p.currentLeader.leaderId, leaderEpoch: p.currentLeader.leaderEpoch },
        size: p.size, position: p.position, unalignedRecords: p.unalignedRecords,
      };
    }
  }
}

// ---- inbound requests ---------------------------------------------------------------------------

/** An inbound request: the raft message to step, or the error response to send at once. */
export type InboundRequest = { message: RaftRequestMessage } | { response: object };

/** Context of the serving side. */
export interface InboundContext {
  clusterId: string;
  nodeId: number;
  correlationId: number;
}

/** A top-level error response body of a quorum API (its partitions empty). */
export function topLevelError(apiKey: number, errorCode: number): object {
  switch (apiKey) {
    case ApiKey.Fetch: return { errorCode, responses: [] } satisfies Init<FetchResponse>;
    case ApiKey.Vote: return { errorCode, topics: [] } satisfies Init<VoteResponse>;
    case ApiKey.BeginQuorumEpoch: return { errorCode, topics: [] } satisfies Init<BeginQuorumEpochResponse>;
    case ApiKey.EndQuorumEpoch: return { errorCode, topics: [] } satisfies Init<EndQuorumEpochResponse>;
    case ApiKey.FetchSnapshot: return { errorCode, topics: [] } satisfies Init<FetchSnapshotResponse>;
    default: return { errorCode, errorMessage: null, topics: [] } satisfies Init<DescribeQuorumResponse>;
  }
}

/** Kafka's cluster id check: a request naming another cluster is refused (null is accepted, as Kafka does). */
function clusterIdError(clusterId: string | null, ctx: InboundContext): number {
  return clusterId !== null && clusterId !== ctx.clusterId ? ErrorCode.INCONSISTENT_CLUSTER_ID : ErrorCode.NONE;
}

/** Maps an inbound request body (decoded at `version`) to the raft message to step. */
export function decodeInboundRequest(apiKey: number, version: number, body: any, ctx: InboundContext): InboundRequest {
  const envelope = (from: number): Raft.Envelope => ({ from, to: ctx.nodeId, correlationId: ctx.correlationId });
  const clusterError = clusterIdError(body.clusterId ?? null, ctx);
  if (clusterError !== ErrorCode.NONE) return { response: topLevelError(apiKey, clusterError) };
  const invalid = { response: topLevelError(apiKey, ErrorCode.INVALID_REQUEST) };
  switch (apiKey) {
    case ApiKey.Vote: {
      const b = body as VoteRequest;
      const p = metadataPartition(b.topics, (t) => t.topicName, (p) => p.partitionIndex);
      if (!p) return invalid;
      if (version >= 1 && b.voterId >= 0 && b.voterId !== ctx.nodeId) return { response: topLevelError(apiKey, ErrorCode.INVALID_VOTER_KEY) };
      const preVote = p._unknownTaggedFields?.some((f) => f.tag === PRE_VOTE_TAG && f.data[0] === 1) ?? false;
      return { message: {
        type: 'VoteRequest', ...envelope(p.candidateId), candidateEpoch: p.candidateEpoch, candidateId: p.candidateId,
        lastOffsetEpoch: p.lastOffsetEpoch, lastOffset: p.lastOffset, preVote,
      } };
    }
    case ApiKey.BeginQuorumEpoch: {
      const p = metadataPartition((body as BeginQuorumEpochRequest).topics, (t) => t.topicName, (p) => p.partitionIndex);
      if (!p) return invalid;
      return { message: { type: 'BeginQuorumEpochRequest', ...envelope(p.leaderId), leaderId: p.leaderId, leaderEpoch: p.leaderEpoch } };
    }
    case ApiKey.EndQuorumEpoch: {
      const p = metadataPartition((body as EndQuorumEpochRequest).topics, (t) => t.topicName, (p) => p.partitionIndex);
      if (!p) return invalid;
      const preferredSuccessors = version >= 1 ? p.preferredCandidates.map((c) => c.candidateId) : p.preferredSuccessors;
      return { message: { type: 'EndQuorumEpochRequest', ...envelope(p.leaderId), leaderId: p.leaderId, leaderEpoch: p.leaderEpoch, preferredSuccessors } };
    }
    case ApiKey.Fetch: {
      const b = body as FetchRequest;
      const t = b.topics.length === 1 ? b.topics[0]! : undefined;
      const topicOk = t && (version >= 13 ? t.topicId === METADATA_TOPIC_ID : t.topic === METADATA_TOPIC);
      const p = topicOk && t.partitions.length === 1 ? t.partitions[0]! : undefined;
      if (!p || p.partition !== METADATA_PARTITION) return invalid;
      const replicaId = version >= 15 ? b.replicaState.replicaId : b.replicaId;
      return { message: {
        type: 'FetchRequest', ...envelope(replicaId), replicaId, maxWaitMs: b.maxWaitMs,
        maxBytes: Math.max(0, Math.min(b.maxBytes, p.partitionMaxBytes)), currentLeaderEpoch: p.currentLeaderEpoch,
        fetchOffset: p.fetchOffset, lastFetchedEpoch: p.lastFetchedEpoch,
      } };
    }
    case ApiKey.FetchSnapshot: {
      const b = body as FetchSnapshotRequest;
      const p = metadataPartition(b.topics, (t) => t.name, (p) => p.partition);
      if (!p) return invalid;
      return { message: {
        type: 'FetchSnapshotRequest', ...envelope(b.replicaId), replicaId: b.replicaId, maxBytes: b.maxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch, snapshotId: { endOffset: p.snapshotId.endOffset, epoch: p.snapshotId.epoch }, position: p.position,
      } };
    }
    default:
      return invalid;
  }
}

/** Encodes the raft response to an inbound request as the response body. */
export function encodeRaftResponse(m: RaftResponseMessage, ctx: WireContext): object {
  switch (m.type) {
    case 'VoteResponse':
      return {
        errorCode: ErrorCode.NONE,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: m.errorCode, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch, voteGranted: m.voteGranted }] }],
      } satisfies Init<VoteResponse>;
    case 'BeginQuorumEpochResponse':
      return {
        errorCode: ErrorCode.NONE,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: m.errorCode, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch }] }],
      } satisfies Init<BeginQuorumEpochResponse>;
    case 'EndQuorumEpochResponse':
      return {
        errorCode: ErrorCode.NONE,
        topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: METADATA_PARTITION, errorCode: m.errorCode, leaderId: m.leaderId, leaderEpoch: m.leaderEpoch }] }],
      } satisfies Init<EndQuorumEpochResponse>;
    case 'FetchResponse':
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0,
        responses: [{ topic: METADATA_TOPIC, topicId: METADATA_TOPIC_ID, partitions: [{
          partitionIndex: METADATA_PARTITION, errorCode: m.errorCode, highWatermark: m.highWatermark, lastStableOffset: m.highWatermark,
          logStartOffset: m.logStartOffset,
          divergingEpoch: m.divergingEpoch ? { epoch: m.divergingEpoch.epoch, endOffset: m.divergingEpoch.endOffset } : { epoch: -1, endOffset: -1n },
          currentLeader: { leaderId: m.currentLeader.leaderId, leaderEpoch: m.currentLeader.leaderEpoch },
          snapshotId: m.snapshotId ? { endOffset: m.snapshotId.endOffset, epoch: m.snapshotId.epoch } : { endOffset: -1n, epoch: -1 },
          abortedTransactions: null, preferredReadReplica: -1,
          records: m.records.map((entry) => ctx.batchOf(entry)),
        }] }],
      } satisfies Init<FetchResponse>;
    case 'FetchSnapshotResponse':
      return {
        throttleTimeMs: 0, errorCode: ErrorCode.NONE,
        topics: [{ name: METADATA_TOPIC, partitions: [{
          index: METADATA_PARTITION, errorCode: m.errorCode,
          snapshotId: { endOffset: m.snapshotId.endOffset, epoch: m.snapshotId.epoch },
          currentLeader: { leaderId: m.currentLeader.leaderId, leaderEpoch: m.currentLeader.leaderEpoch },
          size: m.size, position: m.position, unalignedRecords: m.unalignedRecords,
        }] }],
      } satisfies Init<FetchSnapshotResponse>;
  }
}
