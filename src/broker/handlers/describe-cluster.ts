import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DescribeClusterRequest } from '../../protocol/generated/describe-cluster-request.js';
import { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response.js';
import { defineHandler } from '../handler.js';
import { CLUSTER_AUTHORIZED_OPERATIONS, OMITTED_AUTHORIZED_OPERATIONS } from './authorized-operations.js';

/** Endpoint types of DescribeCluster v1 (KIP-919). */
const EndpointType = { BROKER: 1, CONTROLLER: 2 } as const;

/** DescribeCluster: cluster id, controller and the brokers' endpoints on the request's listener. */
export const describeClusterHandler = defineHandler({
  apiKey: ApiKey.DescribeCluster,
  minVersion: 0,
  maxVersion: 1,
  request: DescribeClusterRequest,
  response: DescribeClusterResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const base = {
      throttleTimeMs: 0,
      endpointType: request.endpointType,
      clusterId: broker.clusterId,
      controllerId: broker.controllerId(),
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : OMITTED_AUTHORIZED_OPERATIONS,
    };
    if (ctx.apiVersion >= 1 && request.endpointType !== EndpointType.BROKER) {
      return {
        ...base,
        errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER',
        brokers: [],
      };
    }
    const brokers = broker.brokerEndpoints(ctx.connection.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, brokers };
  },
});
