import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DeleteRecordsRequest } from '../../protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse } from '../../protocol/generated/delete-records-response.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';

/** DeleteRecords: moves the log start offset (-1 means the high watermark) and drops whole segments below it. */
export const deleteRecordsHandler = defineHandler({
  apiKey: ApiKey.DeleteRecords,
  minVersion: 0,
  maxVersion: 2,
  request: DeleteRecordsRequest,
  response: DeleteRecordsResponse,
  handle(request, ctx) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, ...deleteBefore(ctx.broker, t.name, p.partitionIndex, p.offset) })),
      })),
    };
  },
});

function deleteBefore(broker: Broker, topic: string, partition: number, offset: bigint): { lowWatermark: bigint; errorCode: number } {
  const hosted = broker.partitions.get(topic, partition);
  if (!hosted) return { lowWatermark: -1n, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  if (hosted.partition.leader !== broker.nodeId) return { lowWatermark: -1n, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  const log = hosted.log;
  const target = offset === -1n ? log.highWatermark : offset;
  if (target < 0n || target > log.highWatermark) return { lowWatermark: -1n, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
  try {
    return { lowWatermark: log.deleteRecordsBefore(target), errorCode: ErrorCode.NONE };
  } catch (error) {
    if (error instanceof KafkaError) return { lowWatermark: -1n, errorCode: error.code };
    throw error;
  }
}
