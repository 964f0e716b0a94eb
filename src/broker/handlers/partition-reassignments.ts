import { ErrorCode, KafkaError } from '../../common/errors.js';
import { listPartitionReassignments } from '../../metadata/index.js';
import { ApiKey } from '../../protocol/index.js';
import { AlterPartitionReassignmentsRequest } from '../../protocol/generated/alter-partition-reassignments-request.js';
import { AlterPartitionReassignmentsResponse } from '../../protocol/generated/alter-partition-reassignments-response.js';
import { ListPartitionReassignmentsRequest } from '../../protocol/generated/list-partition-reassignments-request.js';
import { ListPartitionReassignmentsResponse } from '../../protocol/generated/list-partition-reassignments-response.js';
import { defineHandler } from '../handler.js';

/** AlterPartitionReassignments (v0): start or cancel replica moves, decided by the active controller. */
export const alterPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.AlterPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  request: AlterPartitionReassignmentsRequest,
  response: AlterPartitionReassignmentsResponse,
  async handle(request, ctx) {
    try {
      const results = await ctx.broker.controller.alterReassignments(request.topics);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, responses: results };
    } catch (error) {
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: error.code, errorMessage: error.message, responses: [] };
      throw error;
    }
  },
});

/** ListPartitionReassignments (v0): the moves in progress, from the metadata image. */
export const listPartitionReassignmentsHandler = defineHandler({
  apiKey: ApiKey.ListPartitionReassignments,
  minVersion: 0,
  maxVersion: 0,
  request: ListPartitionReassignmentsRequest,
  response: ListPartitionReassignmentsResponse,
  handle(request, ctx) {
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: listPartitionReassignments(ctx.broker.image, request.topics),
    };
  },
});
