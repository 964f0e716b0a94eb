import { ApiKey } from '../../protocol/index.js';
import { DescribeQuorumRequest } from '../../protocol/generated/describe-quorum-request.js';
import { DescribeQuorumResponse } from '../../protocol/generated/describe-quorum-response.js';
import { defineHandler } from '../handler.js';

/**
 * DescribeQuorum (v0-2) on the broker listener, as `kafka-metadata-quorum --bootstrap-server`
 * sends it: answered by this node's metadata quorum (the leader knows every voter's progress).
 */
export const describeQuorumHandler = defineHandler({
  apiKey: ApiKey.DescribeQuorum,
  minVersion: 0,
  maxVersion: 2,
  request: DescribeQuorumRequest,
  response: DescribeQuorumResponse,
  handle(request, ctx) {
    return ctx.broker.metadataQuorum.describeQuorum(request);
  },
});
