import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { CreateTopicsRequest } from '../../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../../protocol/generated/create-topics-response.js';
import { defineHandler } from '../handler.js';

/** CreateTopics (including validate-only): placement, configs and Kafka's error codes and messages. */
export const createTopicsHandler = defineHandler({
  apiKey: ApiKey.CreateTopics,
  minVersion: 2,
  maxVersion: 7,
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const results = await broker.createTopics(
      request.topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
        configs: t.configs.map((c) => ({ name: c.name, value: c.value })),
      })),
      request.validateOnly,
    );
    return {
      throttleTimeMs: 0,
      topics: results.map((r) => {
        const ok = r.errorCode === ErrorCode.NONE;
        const configs = ok && ctx.apiVersion >= 5 ? broker.topicConfigEntries(r.name, request.topics.find((t) => t.name === r.name)?.configs ?? []) : [];
        return {
          name: r.name,
          topicId: r.topicId || undefined,
          errorCode: r.errorCode,
          errorMessage: r.errorMessage,
          numPartitions: ok ? r.numPartitions : -1,
          replicationFactor: ok ? r.replicationFactor : -1,
          configs: configs.map((c) => ({ name: c.name, value: c.value, readOnly: c.readOnly, configSource: c.source, isSensitive: c.isSensitive })),
        };
      }),
    };
  },
});
