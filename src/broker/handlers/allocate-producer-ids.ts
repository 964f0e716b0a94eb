import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { AllocateProducerIdsRequest } from '../../protocol/generated/allocate-producer-ids-request.js';
import { AllocateProducerIdsResponse } from '../../protocol/generated/allocate-producer-ids-response.js';
import { PRODUCER_ID_BLOCK_SIZE } from '../broker-lifecycle.js';
import { defineHandler } from '../handler.js';

/** AllocateProducerIds (v0): blocks of producer ids for brokers, served by the active controller. */
export const allocateProducerIdsHandler = defineHandler({
  apiKey: ApiKey.AllocateProducerIds,
  minVersion: 0,
  maxVersion: 0,
  request: AllocateProducerIdsRequest,
  response: AllocateProducerIdsResponse,
  async handle(request, ctx) {
    try {
      const first = await ctx.broker.controller.allocateProducerIds(request.brokerId, request.brokerEpoch, PRODUCER_ID_BLOCK_SIZE);
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerIdStart: first, producerIdLen: PRODUCER_ID_BLOCK_SIZE };
    } catch (error) {
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: error.code, producerIdStart: -1n, producerIdLen: 0 };
      throw error;
    }
  },
});
