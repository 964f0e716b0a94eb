import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { AlterPartitionRequest } from '../../protocol/generated/alter-partition-request.js';
import { AlterPartitionResponse } from '../../protocol/generated/alter-partition-response.js';
import { defineHandler } from '../handler.js';

/** AlterPartition (v0-3): ISR changes from partition leaders, served by the active controller. */
export const alterPartitionHandler = defineHandler({
  apiKey: ApiKey.AlterPartition,
  minVersion: 0,
  maxVersion: 3,
  request: AlterPartitionRequest,
  response: AlterPartitionResponse,
  async handle(request, ctx) {
    try {
      const results = await ctx.broker.controller.alterPartition(request);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        topics: results.map((t) => {
          const name = ctx.broker.image.topicsById.get(t.topicId)?.name ?? request.topics.find((r) => r.topicId === t.topicId)?.topicName ?? '';
          return {
            topicName: name,
            topicId: t.topicId,
            partitions: t.partitions.map((p) => ({ ...p, leaderRecoveryState: 0 })),
          };
        }),
      };
    } catch (error) {
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: error.code, topics: [] };
      throw error;
    }
  },
});
