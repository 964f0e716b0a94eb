import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { BrokerRegistrationRequest } from '../../protocol/generated/broker-registration-request.js';
import { BrokerRegistrationResponse } from '../../protocol/generated/broker-registration-response.js';
import { defineHandler } from '../handler.js';

/** BrokerRegistration (v0-4), served by the active controller on its controller listener. */
export const brokerRegistrationHandler = defineHandler({
  apiKey: ApiKey.BrokerRegistration,
  minVersion: 0,
  maxVersion: 4,
  request: BrokerRegistrationRequest,
  response: BrokerRegistrationResponse,
  async handle(request, ctx) {
    if (request.clusterId !== ctx.broker.clusterId) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.INCONSISTENT_CLUSTER_ID, brokerEpoch: -1n };
    }
    try {
      const result = await ctx.broker.controller.register(request);
      return { throttleTimeMs: 0, errorCode: result.errorCode, brokerEpoch: result.brokerEpoch };
    } catch (error) {
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: error.code, brokerEpoch: -1n };
      throw error;
    }
  },
});
