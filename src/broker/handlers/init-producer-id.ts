import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { InitProducerIdRequest } from '../../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../../protocol/generated/init-producer-id-response.js';
import { defineHandler } from '../handler.js';

/** Largest producer epoch before a new producer id is needed (Short.MAX_VALUE - 1). */
const MAX_PRODUCER_EPOCH = 32766;

/**
 * InitProducerId for idempotent producers: a new producer id from a block persisted in the
 * metadata log (never reused across restarts), or an epoch bump of a known id (KIP-360).
 * Transactional ids need the transaction coordinator, which this broker does not run yet.
 */
export const initProducerIdHandler = defineHandler({
  apiKey: ApiKey.InitProducerId,
  minVersion: 0,
  maxVersion: 4,
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  async handle(request, ctx) {
    const fail = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 });
    if (request.transactionalId !== null) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (request.producerId >= 0n && request.producerEpoch >= 0 && request.producerEpoch < MAX_PRODUCER_EPOCH) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: request.producerId, producerEpoch: request.producerEpoch + 1 };
    }
    try {
      const producerId = await ctx.broker.nextProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (error) {
      // No reachable active controller to hand out a block of ids: retriable for the client.
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1n, producerEpoch: -1 };
      throw error;
    }
  },
});
