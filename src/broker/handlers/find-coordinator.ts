import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { FindCoordinatorRequest } from '../../protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../../protocol/generated/find-coordinator-response.js';
import type { Broker } from '../broker.js';
import { OFFSETS_TOPIC } from '../group-service.js';
import { defineHandler } from '../handler.js';

/** Coordinator key types. */
export const CoordinatorType = { GROUP: 0, TRANSACTION: 1 } as const;

interface Found {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * FindCoordinator (v0-4, batched keys from v4): a group's coordinator is the leader of
 * __consumer_offsets partition abs(hashCode(groupId)) % partitions; the topic is created on first use.
 */
export const findCoordinatorHandler = defineHandler({
  apiKey: ApiKey.FindCoordinator,
  minVersion: 0,
  maxVersion: 4,
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  async handle(request, ctx) {
    const keys = ctx.apiVersion >= 4 ? request.coordinatorKeys : [request.key];
    const found: Found[] = [];
    for (const key of keys) found.push(await find(ctx.broker, key, request.keyType, ctx.connection.listenerName));
    if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: found };
    const one = found[0]!;
    return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port };
  },
});

async function find(broker: Broker, key: string, keyType: number, listenerName: string): Promise<Found> {
  const none = { key, nodeId: -1, host: '', port: -1 };
  if (keyType === CoordinatorType.TRANSACTION) {
    return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'Transactions are not supported by this cluster yet.' };
  }
  if (keyType !== CoordinatorType.GROUP) return { ...none, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unknown coordinator key type ${keyType}.` };
  const created = await broker.groups.ensureOffsetsTopic();
  if (created !== ErrorCode.NONE) return { ...none, errorCode: created, errorMessage: `The ${OFFSETS_TOPIC} topic could not be created.` };
  const partition = broker.image.topic(OFFSETS_TOPIC)?.partitions.get(broker.groups.partitionOf(key));
  const endpoint = partition ? broker.brokerEndpoints(listenerName).find((b) => b.nodeId === partition.leader) : undefined;
  if (!endpoint) return { ...none, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'The coordinator is not available.' };
  return { key, nodeId: endpoint.nodeId, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}
