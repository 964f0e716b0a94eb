import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { ElectLeadersRequest } from '../../protocol/generated/elect-leaders-request.js';
import { ElectLeadersResponse } from '../../protocol/generated/elect-leaders-response.js';
import { defineHandler } from '../handler.js';

/**
 * ElectLeaders (v0-2): preferred (v0 always) or unclean leader elections, decided by the active
 * controller (brokers forward the request there).
 */
export const electLeadersHandler = defineHandler({
  apiKey: ApiKey.ElectLeaders,
  minVersion: 0,
  maxVersion: 2,
  request: ElectLeadersRequest,
  response: ElectLeadersResponse,
  async handle(request, ctx) {
    const type = ctx.apiVersion >= 1 ? request.electionType : 0;
    if (type !== 0 && type !== 1) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, replicaElectionResults: [] };
    }
    try {
      const results = await ctx.broker.controller.electLeaders(type, request.topicPartitions);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        replicaElectionResults: results.map((t) => ({ topic: t.topic, partitionResult: t.partitions })),
      };
    } catch (error) {
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: error.code, replicaElectionResults: [] };
      throw error;
    }
  },
});
