import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { OffsetForLeaderEpochRequest } from '../../protocol/generated/offset-for-leader-epoch-request.js';
import { OffsetForLeaderEpochResponse } from '../../protocol/generated/offset-for-leader-epoch-response.js';
import { defineHandler } from '../handler.js';
import { checkLeaderEpoch } from './fetch.js';

/**
 * OffsetForLeaderEpoch (v0-4): the leader's end offset for an epoch (the start of the next larger
 * epoch, or its log end for the latest one), which followers (KIP-101/279) and consumers (KIP-320)
 * use to find where their log diverged from the leader's.
 */
export const offsetForLeaderEpochHandler = defineHandler({
  apiKey: ApiKey.OffsetForLeaderEpoch,
  minVersion: 0,
  maxVersion: 4,
  request: OffsetForLeaderEpochRequest,
  response: OffsetForLeaderEpochResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const hosted = broker.partitions.get(t.topic, p.partition);
          const error = (errorCode: number) => ({ errorCode, partition: p.partition, leaderEpoch: -1, endOffset: -1n });
          if (!hosted) return error(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
          const epochError = checkLeaderEpoch(hosted, p.currentLeaderEpoch, broker.nodeId);
          if (epochError !== ErrorCode.NONE) return error(epochError);
          const end = hosted.log.endOffsetForEpoch(p.leaderEpoch);
          return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: end.leaderEpoch, endOffset: end.endOffset };
        }),
      })),
    };
  },
});
