// Requests and result mapping of the Admin's quorum and replica operations: DescribeQuorum,
// ElectLeaders, Alter/ListPartitionReassignments and DescribeLogDirs. Pure functions, so the
// encoding and the mapping are testable without a broker.
import { ErrorCode, KafkaError } from '../common/index.js';
import type { Init } from '../protocol/index.js';
import type { AlterPartitionReassignmentsRequest } from '../protocol/generated/alter-partition-reassignments-request.js';
import type { AlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments-response.js';
import type { DescribeLogDirsRequest } from '../protocol/generated/describe-log-dirs-request.js';
import type { DescribeLogDirsResponse } from '../protocol/generated/describe-log-dirs-response.js';
import type { DescribeQuorumRequest } from '../protocol/generated/describe-quorum-request.js';
import type { DescribeQuorumResponse, DescribeQuorumResponseReplicaState } from '../protocol/generated/describe-quorum-response.js';
import type { ElectLeadersRequest } from '../protocol/generated/elect-leaders-request.js';
import type { ElectLeadersResponse } from '../protocol/generated/elect-leaders-response.js';
import type { ListPartitionReassignmentsRequest } from '../protocol/generated/list-partition-reassignments-request.js';
import type { ListPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments-response.js';
import { kafkaErrorFor } from './errors.js';
import type { TopicPartition } from './record.js';

/** The KRaft metadata log: the one partition DescribeQuorum is about. */
export const METADATA_TOPIC = '__cluster_metadata';

/** The all-zero directory id (base64url), which Kafka uses for "unknown". */
const ZERO_DIRECTORY_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** One voter or observer of the metadata quorum as the leader sees it. */
export interface QuorumReplicaState {
  replicaId: number;
  /** The replica's log directory id (KIP-853), or null when the leader does not know it. */
  replicaDirectoryId: string | null;
  logEndOffset: bigint;
  /** Epoch ms of the replica's last fetch, -1n when unknown. */
  lastFetchTimestamp: bigint;
  /** Epoch ms when the replica last caught up with the leader, -1n when unknown. */
  lastCaughtUpTimestamp: bigint;
}

/** A quorum node's endpoints (DescribeQuorum v2). */
export interface QuorumNode {
  nodeId: number;
  endpoints: { listener: string; host: string; port: number }[];
}

/** The metadata quorum as DescribeQuorum reports it (Kafka's QuorumInfo). */
export interface QuorumInfo {
  leaderId: number;
  leaderEpoch: number;
  highWatermark: bigint;
  voters: QuorumReplicaState[];
  observers: QuorumReplicaState[];
  /** Endpoints of the voters; empty before DescribeQuorum v2. */
  nodes: QuorumNode[];
}

/** Which replica ElectLeaders makes leader (Kafka's ElectionType). */
export type ElectionType = 'preferred' | 'unclean';

const ELECTION_TYPE_CODES: Record<ElectionType, number> = { preferred: 0, unclean: 1 };

/** The outcome of one partition of an admin operation: `error` is null on success. */
export interface PartitionResult extends TopicPartition {
  error: KafkaError | null;
}

/** A reassignment to start (`replicas`) or cancel (`replicas: null`). */
export interface PartitionReassignment extends TopicPartition {
  replicas: number[] | null;
}

/** A reassignment in progress. */
export interface OngoingReassignment extends TopicPartition {
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/** One log directory of one broker (DescribeLogDirs). */
export interface LogDirDescription {
  brokerId: number;
  logDir: string;
  /** null when the directory is healthy, else e.g. KAFKA_STORAGE_ERROR. */
  error: KafkaError | null;
  /** Bytes of the volume, -1n when unknown (before v4). */
  totalBytes: bigint;
  usableBytes: bigint;
  replicas: { topic: string; partition: number; sizeBytes: bigint; offsetLag: bigint; isFuture: boolean }[];
}

/** The DescribeQuorum request for the metadata partition. */
export function describeQuorumRequest(): Init<DescribeQuorumRequest> {
  return { topics: [{ topicName: METADATA_TOPIC, partitions: [{ partitionIndex: 0 }] }] };
}

/**
 * The QuorumInfo of a DescribeQuorum response; throws the top-level or partition error (a
 * NOT_LEADER_OR_FOLLOWER error carries the leader the broker knows in `leaderHint`, and its
 * controller endpoint in `leaderEndpoint` when the response lists it).
 */
export function quorumInfoFrom(response: DescribeQuorumResponse): QuorumInfo {
  if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, 'Cannot describe the metadata quorum', response.errorMessage);
  const partition = response.topics.find((t) => t.topicName === METADATA_TOPIC)?.partitions.find((p) => p.partitionIndex === 0);
  if (partition === undefined) throw new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `Cannot describe the metadata quorum: the response has no ${METADATA_TOPIC}-0`);
  if (partition.errorCode !== 0) {
    const error = kafkaErrorFor(partition.errorCode, 'Cannot describe the metadata quorum', partition.errorMessage);
    // v2 lists the voters' endpoints: a client bootstrapped on controllers goes to the leader's.
    const listener = response.nodes?.find((n) => n.nodeId === partition.leaderId)?.listeners[0];
    throw Object.assign(error, { leaderHint: partition.leaderId, leaderEndpoint: listener ? { host: listener.host, port: listener.port } : undefined });
  }
  return {
    leaderId: partition.leaderId,
    leaderEpoch: partition.leaderEpoch,
    highWatermark: partition.highWatermark,
    voters: partition.currentVoters.map(replicaState),
    observers: partition.observers.map(replicaState),
    nodes: response.nodes.map((n) => ({ nodeId: n.nodeId, endpoints: n.listeners.map((l) => ({ listener: l.name, host: l.host, port: l.port })) })),
  };
}

function replicaState(r: DescribeQuorumResponseReplicaState): QuorumReplicaState {
  const directoryId = r.replicaDirectoryId === ZERO_DIRECTORY_ID || r.replicaDirectoryId === '' ? null : r.replicaDirectoryId;
  return { replicaId: r.replicaId, replicaDirectoryId: directoryId, logEndOffset: r.logEndOffset, lastFetchTimestamp: r.lastFetchTimestamp, lastCaughtUpTimestamp: r.lastCaughtUpTimestamp };
}

/** The ElectLeaders request; `partitions` null means every partition. v0 knows preferred elections only. */
export function electLeadersRequest(type: ElectionType, partitions: readonly TopicPartition[] | null, version: number, timeoutMs: number): Init<ElectLeadersRequest> {
  const electionType = ELECTION_TYPE_CODES[type];
  if (electionType === undefined) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown election type '${type}' (known: preferred, unclean)`);
  if (version < 1 && type !== 'preferred') throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `The broker supports only ElectLeaders v0, which cannot run ${type} elections`);
  return {
    electionType,
    topicPartitions: partitions === null ? null : groupByTopic(partitions).map(([topic, ps]) => ({ topic, partitions: ps })),
    timeoutMs,
  };
}

/** Per-partition results of ElectLeaders; a top-level error applies to every requested partition. */
export function electLeadersResults(response: ElectLeadersResponse, requested: readonly TopicPartition[] | null): PartitionResult[] {
  if (response.errorCode !== 0) {
    if (requested === null) throw kafkaErrorFor(response.errorCode, 'Cannot elect leaders');
    return requested.map((tp) => ({ ...tp, error: kafkaErrorFor(response.errorCode, `Cannot elect a leader for ${tp.topic}-${tp.partition}`) }));
  }
  const out: PartitionResult[] = [];
  for (const t of response.replicaElectionResults) {
    for (const p of t.partitionResult) {
      const error = p.errorCode === 0 ? null : kafkaErrorFor(p.errorCode, `Cannot elect a leader for ${t.topic}-${p.partitionId}`, p.errorMessage);
      out.push({ topic: t.topic, partition: p.partitionId, error });
    }
  }
  return sortPartitions(out);
}

/** The AlterPartitionReassignments request. */
export function alterReassignmentsRequest(reassignments: readonly PartitionReassignment[], timeoutMs: number): Init<AlterPartitionReassignmentsRequest> {
  const topics = new Map<string, { partitionIndex: number; replicas: number[] | null }[]>();
  for (const r of reassignments) {
    let list = topics.get(r.topic);
    if (list === undefined) topics.set(r.topic, (list = []));
    list.push({ partitionIndex: r.partition, replicas: r.replicas === null ? null : [...r.replicas] });
  }
  return { timeoutMs, topics: [...topics].map(([name, partitions]) => ({ name, partitions })) };
}

/** Per-partition results of AlterPartitionReassignments; a top-level error is thrown. */
export function alterReassignmentsResults(response: AlterPartitionReassignmentsResponse): PartitionResult[] {
  if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, 'Cannot alter partition reassignments', response.errorMessage);
  const out: PartitionResult[] = [];
  for (const t of response.responses) {
    for (const p of t.partitions) {
      const error = p.errorCode === 0 ? null : kafkaErrorFor(p.errorCode, `Cannot reassign ${t.name}-${p.partitionIndex}`, p.errorMessage);
      out.push({ topic: t.name, partition: p.partitionIndex, error });
    }
  }
  return sortPartitions(out);
}

/** The ListPartitionReassignments request; null lists every reassignment in progress. */
export function listReassignmentsRequest(partitions: readonly TopicPartition[] | null, timeoutMs: number): Init<ListPartitionReassignmentsRequest> {
  return { timeoutMs, topics: partitions === null ? null : groupByTopic(partitions).map(([name, partitionIndexes]) => ({ name, partitionIndexes })) };
}

/** The reassignments in progress of a ListPartitionReassignments response; a top-level error is thrown. */
export function listReassignmentsResults(response: ListPartitionReassignmentsResponse): OngoingReassignment[] {
  if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, 'Cannot list partition reassignments', response.errorMessage);
  const out: OngoingReassignment[] = [];
  for (const t of response.topics) {
    for (const p of t.partitions) out.push({ topic: t.name, partition: p.partitionIndex, replicas: p.replicas, addingReplicas: p.addingReplicas, removingReplicas: p.removingReplicas });
  }
  return sortPartitions(out);
}

/** The DescribeLogDirs request: every directory and every replica in it. */
export function describeLogDirsRequest(): Init<DescribeLogDirsRequest> {
  return { topics: null };
}

/** The log directories of one broker's DescribeLogDirs response; a top-level error (v3+) is thrown. */
export function logDirsFrom(brokerId: number, response: DescribeLogDirsResponse): LogDirDescription[] {
  if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, `Cannot describe the log directories of broker ${brokerId}`);
  return response.results.map((d) => ({
    brokerId,
    logDir: d.logDir,
    error: d.errorCode === 0 ? null : kafkaErrorFor(d.errorCode, `Log directory ${d.logDir} of broker ${brokerId}`),
    totalBytes: d.totalBytes,
    usableBytes: d.usableBytes,
    replicas: sortPartitions(
      d.topics.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, sizeBytes: p.partitionSize, offsetLag: p.offsetLag, isFuture: p.isFutureKey }))),
    ),
  }));
}

function groupByTopic(tps: readonly TopicPartition[]): [string, number[]][] {
  const map = new Map<string, number[]>();
  for (const tp of tps) {
    let list = map.get(tp.topic);
    if (list === undefined) map.set(tp.topic, (list = []));
    if (!list.includes(tp.partition)) list.push(tp.partition);
  }
  return [...map];
}

function sortPartitions<T extends TopicPartition>(list: T[]): T[] {
  return list.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
