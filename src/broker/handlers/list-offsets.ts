import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { ListOffsetsRequest } from '../../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../../protocol/generated/list-offsets-response.js';
import { decodeRecordBatch } from '../../protocol/records/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import { checkLeaderEpoch } from './fetch.js';

/** Special timestamps of ListOffsets. */
export const OffsetSpec = { LATEST: -1n, EARLIEST: -2n, MAX_TIMESTAMP: -3n } as const;

/**
 * ListOffsets (v1-7): earliest, latest (the high watermark), max timestamp (v7+, KIP-734) and the
 * first offset whose timestamp is at or after a given time.
 */
export const listOffsetsHandler = defineHandler({
  apiKey: ApiKey.ListOffsets,
  minVersion: 1,
  maxVersion: 7,
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
  async handle(request, ctx) {
    const topics = [];
    for (const t of request.topics) {
      const partitions = [];
      for (const p of t.partitions) partitions.push({ partitionIndex: p.partitionIndex, ...(await lookup(ctx.broker, t.name, p.partitionIndex, p.timestamp, p.currentLeaderEpoch, ctx.apiVersion)) });
      topics.push({ name: t.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
});

async function lookup(broker: Broker, topic: string, partition: number, timestamp: bigint, currentLeaderEpoch: number, version: number) {
  const none = { errorCode: ErrorCode.NONE, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
  const hosted = broker.partitions.get(topic, partition);
  if (!hosted) return { ...none, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  const epochError = checkLeaderEpoch(hosted, currentLeaderEpoch, broker.nodeId);
  if (epochError !== ErrorCode.NONE) return { ...none, errorCode: epochError };
  const log = hosted.log;
  const leaderEpoch = hosted.partition.leaderEpoch;
  if (timestamp === OffsetSpec.EARLIEST) return { ...none, offset: log.logStartOffset, leaderEpoch: epochAt(hosted.log.leaderEpochs(), log.logStartOffset, leaderEpoch) };
  if (timestamp === OffsetSpec.LATEST) return { ...none, offset: log.highWatermark, leaderEpoch };
  if (timestamp === OffsetSpec.MAX_TIMESTAMP && version >= 7) {
    const found = log.maxTimestampBatch();
    if (!found) return none;
    const decoded = await decodeRecordBatch(found.batch);
    const record = decoded.records.find((r) => r.timestamp === found.maxTimestampMs) ?? decoded.records.at(-1)!;
    return { ...none, timestamp: found.maxTimestampMs, offset: record.offset, leaderEpoch: epochAt(hosted.log.leaderEpochs(), record.offset, leaderEpoch) };
  }
  if (timestamp < 0n) return { ...none, errorCode: ErrorCode.UNSUPPORTED_VERSION };
  const batch = log.findBatchByTimestamp(timestamp);
  if (!batch || batch.baseOffset >= log.highWatermark) return none;
  const decoded = await decodeRecordBatch(batch.batch);
  const record = decoded.records.find((r) => r.timestamp >= timestamp);
  if (!record || record.offset >= log.highWatermark) return none;
  return { ...none, timestamp: record.timestamp, offset: record.offset, leaderEpoch: epochAt(hosted.log.leaderEpochs(), record.offset, leaderEpoch) };
}

/** The leader epoch in force at an offset, from the leader epoch cache. */
function epochAt(entries: readonly { epoch: number; startOffset: bigint }[], offset: bigint, fallback: number): number {
  let epoch = -1;
  for (const e of entries) if (e.startOffset <= offset) epoch = e.epoch;
  return epoch >= 0 ? epoch : fallback;
}
