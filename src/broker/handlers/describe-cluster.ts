import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DescribeClusterRequest } from '../../protocol/generated/describe-cluster-request.js';
import { DescribeClusterResponse } from '../../protocol/generated/describe-cluster-response.js';
import { defineHandler } from '../handler.js';
import { CONTROLLER_LISTENER } from '../quorum/index.js';
import { CLUSTER_AUTHORIZED_OPERATIONS, OMITTED_AUTHORIZED_OPERATIONS } from './authorized-operations.js';

/** Endpoint types of DescribeCluster v1 (KIP-919). */
const EndpointType = { BROKER: 1, CONTROLLER: 2 } as const;

/**
 * DescribeCluster: cluster id, controller and the brokers' endpoints on the request's listener;
 * on a controller listener, the controllers and the active one (KIP-919).
 */
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
    // On the controller listener (KIP-919, `--bootstrap-controller`): the controllers.
    const onController = ctx.connection.listenerName === CONTROLLER_LISTENER || broker.config.controllerListenerNames.includes(ctx.connection.listenerName);
    const served = onController ? EndpointType.CONTROLLER : EndpointType.BROKER;
    if (ctx.apiVersion >= 1 && request.endpointType !== served) {
      return {
        ...base,
        errorCode: ErrorCode.MISMATCHED_ENDPOINT_TYPE,
        errorMessage: `The request was sent to an endpoint of type ${onController ? 'CONTROLLER' : 'BROKER'}, but we wanted an endpoint of type ${onController ? 'BROKER' : 'CONTROLLER'}`,
        brokers: [],
      };
    }
    if (onController) {
      const { leaderId, voters } = broker.controllerEndpoints();
      return { ...base, controllerId: leaderId, errorCode: ErrorCode.NONE, errorMessage: null, brokers: voters.map((v) => ({ brokerId: v.id, host: v.host, port: v.port, rack: null })) };
    }
    const brokers = broker.brokerEndpoints(ctx.connection.listenerName).map((b) => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack }));
    return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, brokers };
  },
});
