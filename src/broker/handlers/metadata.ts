import { ErrorCode } from '../../common/errors.js';
import { ApiKey, ZERO_UUID } from '../../protocol/index.js';
import { MetadataRequest } from '../../protocol/generated/metadata-request.js';
import { MetadataResponse, type MetadataResponseTopic } from '../../protocol/generated/metadata-response.js';
import { INTERNAL_TOPICS, topicNameError, type TopicImage } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';
import {
  CLUSTER_AUTHORIZED_OPERATIONS,
  OMITTED_AUTHORIZED_OPERATIONS,
  TOPIC_AUTHORIZED_OPERATIONS,
} from './authorized-operations.js';

/** Metadata: brokers, cluster id, controller, and topics with leaders, replicas and ISR. */
export const metadataHandler = defineHandler({
  apiKey: ApiKey.Metadata,
  minVersion: 0,
  maxVersion: 12,
  request: MetadataRequest,
  response: MetadataResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const v = ctx.apiVersion;
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = request.topics === null || (v === 0 && request.topics.length === 0);
    const allowAutoCreate = v < 4 || request.allowAutoTopicCreation;
    const topics: MetadataResponseTopic[] = [];
    if (all) {
      for (const topic of broker.image.topicsByName.values()) topics.push(describeTopic(broker, topic, request.includeTopicAuthorizedOperations));
    } else {
      for (const wanted of request.topics!) topics.push(await lookupTopic(broker, wanted, allowAutoCreate, request.includeTopicAuthorizedOperations));
    }
    return {
      throttleTimeMs: 0,
      brokers: broker.brokerEndpoints(ctx.connection.listenerName).map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: broker.clusterId,
      controllerId: broker.controllerId(),
      topics,
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_AUTHORIZED_OPERATIONS : OMITTED_AUTHORIZED_OPERATIONS,
    };
  },
});

async function lookupTopic(
  broker: Broker,
  wanted: { topicId: string; name: string | null },
  allowAutoCreate: boolean,
  includeOperations: boolean,
): Promise<MetadataResponseTopic> {
  if (wanted.name === null) {
    const byId = broker.image.topicsById.get(wanted.topicId);
    if (byId) return describeTopic(broker, byId, includeOperations);
    return errorTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
  }
  const name = wanted.name;
  const existing = broker.image.topic(name);
  if (existing) return describeTopic(broker, existing, includeOperations);
  if (topicNameError(name)) return errorTopic(name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
  if (allowAutoCreate && broker.settings.autoCreateTopicsEnable && !INTERNAL_TOPICS.has(name)) {
    const result = await broker.createTopics([{ name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: [] }], false);
    const created = broker.image.topic(name);
    if (created) return describeTopic(broker, created, includeOperations);
    // TOPIC_ALREADY_EXISTS: someone created it a moment ago and this broker has not replayed it
    // yet; like a topic being created, that is LEADER_NOT_AVAILABLE (retriable), never fatal.
    const code = result[0]?.errorCode;
    return errorTopic(name, ZERO_UUID, code && code !== ErrorCode.TOPIC_ALREADY_EXISTS ? code : ErrorCode.LEADER_NOT_AVAILABLE);
  }
  return errorTopic(name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
}

function errorTopic(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [], topicAuthorizedOperations: OMITTED_AUTHORIZED_OPERATIONS };
}

/** The metadata of one topic as the image holds it, partitions sorted by index. */
export function describeTopic(broker: Broker, topic: TopicImage, includeOperations: boolean): MetadataResponseTopic {
  const live = new Set(broker.image.liveBrokers().map((b) => b.brokerId));
  const partitions = [...topic.partitions.values()]
    .sort((a, b) => a.partitionId - b.partitionId)
    .map((p) => {
      const offlineReplicas = p.replicas.filter((r) => !live.has(r));
      const leaderLive = p.leader >= 0 && live.has(p.leader);
      return {
        errorCode: leaderLive ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
        partitionIndex: p.partitionId,
        leaderId: leaderLive ? p.leader : -1,
        leaderEpoch: p.leaderEpoch,
        replicaNodes: p.replicas,
        isrNodes: p.isr,
        offlineReplicas,
      };
    });
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: INTERNAL_TOPICS.has(topic.name),
    partitions,
    topicAuthorizedOperations: includeOperations ? TOPIC_AUTHORIZED_OPERATIONS : OMITTED_AUTHORIZED_OPERATIONS,
  };
}
