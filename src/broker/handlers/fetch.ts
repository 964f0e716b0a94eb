import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey, type Init } from '../../protocol/index.js';
import { FetchRequest, type FetchRequestFetchPartition } from '../../protocol/generated/fetch-request.js';
import { FetchResponse, type FetchResponsePartitionData } from '../../protocol/generated/fetch-response.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import type { HostedPartition } from '../partition-manager.js';

/** Isolation levels of Fetch and ListOffsets. */
export const IsolationLevel = { READ_UNCOMMITTED: 0, READ_COMMITTED: 1 } as const;

type PartitionData = Init<FetchResponsePartitionData> & { partitionIndex: number; errorCode: number };

interface Wanted {
  topic: string;
  topicId: string;
  partitions: FetchRequestFetchPartition[];
}

/**
 * Fetch (v4-12) for consumers and followers: whole batches as byte ranges of the segment files,
 * up to the high watermark for consumers and up to the log end for followers, whose fetch offset
 * reports their progress to the replica manager. A fetch short of `min.bytes` waits in the purgatory until appends bring enough
 * data or `max.wait.ms` passes. Fetch sessions (KIP-227) are declined with session id 0, so
 * clients keep sending full fetch requests.
 */
export const fetchHandler = defineHandler({
  apiKey: ApiKey.Fetch,
  minVersion: 4,
  maxVersion: 12,
  request: FetchRequest,
  response: FetchResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    if (request.sessionId !== 0) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [] };
    }
    const wanted: Wanted[] = request.topics.map((t) => ({ topic: t.topic, topicId: t.topicId, partitions: t.partitions }));
    const maxBytes = Math.min(request.maxBytes > 0 ? request.maxBytes : broker.settings.fetchMaxBytes, broker.settings.fetchMaxBytes);
    // Followers (replica id >= 0) read up to the log end and report their progress by fetching.
    const replicaId = request.replicaId >= 0 ? request.replicaId : -1;
    // The segment slices are read into an arena that goes back to the pool once the response
    // has been written (no fresh megabytes per fetch).
    const arena = broker.readArenas.acquire();
    ctx.connection.afterResponse(() => broker.readArenas.release(arena));
    let result = readAll(broker, wanted, maxBytes, request.isolationLevel, replicaId, arena.alloc);
    if (result.bytes < request.minBytes && request.maxWaitMs > 0 && !result.anyError) {
      const keys = result.keys;
      await broker.purgatory.wait(keys, request.minBytes - result.bytes, request.maxWaitMs);
      result = readAll(broker, wanted, maxBytes, request.isolationLevel, replicaId, arena.alloc);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses: result.responses };
  },
});

function readAll(broker: Broker, wanted: Wanted[], maxBytes: number, isolationLevel: number, replicaId: number, alloc: (length: number) => Buffer) {
  let remaining = maxBytes;
  let bytes = 0;
  let anyError = false;
  const keys: string[] = [];
  const responses = wanted.map((t) => ({
    topic: t.topic,
    topicId: t.topicId,
    partitions: t.partitions.map((p): PartitionData => {
      const hosted = broker.partitions.get(t.topic, p.partition);
      if (!hosted) {
        anyError = true;
        return errorPartition(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      }
      keys.push(replicaId >= 0 ? hosted.followerKey : hosted.key);
      const data = readPartition(hosted, p, remaining, bytes === 0, isolationLevel, broker.nodeId, replicaId >= 0, alloc);
      if (replicaId >= 0 && data.errorCode === ErrorCode.NONE) {
        broker.replicas.onFollowerFetch(hosted, replicaId, p.fetchOffset);
        // The follower learns the high watermark its own fetch just moved.
        data.highWatermark = hosted.log.highWatermark;
      }
      if (data.errorCode !== ErrorCode.NONE) anyError = true;
      const size = data.records ? sizeOf(data.records) : 0;
      bytes += size;
      remaining = Math.max(0, remaining - size);
      return data;
    }),
  }));
  return { responses, bytes, anyError, keys };
}

function sizeOf(records: Buffer | readonly Buffer[]): number {
  if (Buffer.isBuffer(records)) return records.length;
  let n = 0;
  for (const b of records as readonly Buffer[]) n += b.length;
  return n;
}

function errorPartition(partitionIndex: number, errorCode: number, hosted?: HostedPartition): PartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: hosted?.log.highWatermark ?? -1n,
    lastStableOffset: hosted?.log.highWatermark ?? -1n,
    logStartOffset: hosted?.log.logStartOffset ?? -1n,
    abortedTransactions: null,
    preferredReadReplica: -1,
    records: null,
  };
}

function readPartition(
  hosted: HostedPartition,
  p: FetchRequestFetchPartition,
  maxBytes: number,
  minOneBatch: boolean,
  isolationLevel: number,
  nodeId: number,
  follower: boolean,
  alloc: (length: number) => Buffer,
): PartitionData {
  const epochError = checkLeaderEpoch(hosted, p.currentLeaderEpoch, nodeId);
  if (epochError !== ErrorCode.NONE) return errorPartition(p.partition, epochError, hosted);
  const log = hosted.log;
  const limit = Math.min(maxBytes, p.partitionMaxBytes);
  try {
    const data =
      limit > 0 || minOneBatch
        ? log.read(p.fetchOffset, Math.max(limit, 0), follower ? log.logEndOffset : log.highWatermark, minOneBatch, alloc)
        : { chunks: [] as Buffer[], logStartOffset: log.logStartOffset };
    return {
      partitionIndex: p.partition,
      errorCode: ErrorCode.NONE,
      highWatermark: log.highWatermark,
      lastStableOffset: log.highWatermark,
      logStartOffset: log.logStartOffset,
      abortedTransactions: isolationLevel === IsolationLevel.READ_COMMITTED ? [] : null,
      preferredReadReplica: -1,
      records: data.chunks,
    };
  } catch (error) {
    if (error instanceof KafkaError) return errorPartition(p.partition, error.code, hosted);
    throw error;
  }
}

/** KIP-320: a client's leader epoch newer than ours is UNKNOWN_LEADER_EPOCH, older is FENCED_LEADER_EPOCH. */
export function checkLeaderEpoch(hosted: HostedPartition, currentLeaderEpoch: number, nodeId: number): number {
  if (hosted.partition.leader !== nodeId) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (currentLeaderEpoch < 0) return ErrorCode.NONE;
  if (currentLeaderEpoch > hosted.partition.leaderEpoch) return ErrorCode.UNKNOWN_LEADER_EPOCH;
  if (currentLeaderEpoch < hosted.partition.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  return ErrorCode.NONE;
}
