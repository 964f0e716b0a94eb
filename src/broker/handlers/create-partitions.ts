import { ApiKey } from '../../protocol/index.js';
import { CreatePartitionsRequest } from '../../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../../protocol/generated/create-partitions-response.js';
import { defineHandler } from '../handler.js';

/** CreatePartitions: grows topics, with manual assignments or round-robin placement. */
export const createPartitionsHandler = defineHandler({
  apiKey: ApiKey.CreatePartitions,
  minVersion: 0,
  maxVersion: 3,
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  async handle(request, ctx) {
    const results = await ctx.broker.createPartitions(
      request.topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments?.map((a) => ({ brokerIds: a.brokerIds })) ?? null })),
      request.validateOnly,
    );
    return { throttleTimeMs: 0, results };
  },
});
