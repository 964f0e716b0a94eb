import { KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { BrokerHeartbeatRequest } from '../../protocol/generated/broker-heartbeat-request.js';
import { BrokerHeartbeatResponse } from '../../protocol/generated/broker-heartbeat-response.js';
import { defineHandler } from '../handler.js';

/** BrokerHeartbeat (v0-1), served by the active controller on its controller listener. */
export const brokerHeartbeatHandler = defineHandler({
  apiKey: ApiKey.BrokerHeartbeat,
  minVersion: 0,
  maxVersion: 1,
  request: BrokerHeartbeatRequest,
  response: BrokerHeartbeatResponse,
  async handle(request, ctx) {
    try {
      const result = await ctx.broker.controller.heartbeat(request);
      if (result.errorCode === 0) ctx.broker.controller.noteConnection(request.brokerId, ctx.connection);
      return { throttleTimeMs: 0, ...result };
    } catch (error) {
      if (error instanceof KafkaError) return { throttleTimeMs: 0, errorCode: error.code, isCaughtUp: false, isFenced: true, shouldShutDown: false };
      throw error;
    }
  },
});
