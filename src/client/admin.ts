import { ErrorCode, KafkaError } from '../common/index.js';
import { Reader } from '../protocol/index.js';
import { ConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
import { Apis } from './apis.js';
import { Cluster } from './cluster.js';
import { parseAdminConfig, type AdminOptions, type ClientConfig } from './config.js';
import { KafkaConfigError, kafkaErrorFor } from './errors.js';
import { describeGroupCoordinator, findGroupCoordinator, type GroupCoordinator } from './group.js';

export type { GroupCoordinator } from './group.js';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, MAX_TIMESTAMP, listOffsets, type ListedOffset } from './offsets.js';
import { tpKey, type TopicPartition, type TopicPartitionOffset } from './record.js';
import {
  alterReassignmentsRequest,
  alterReassignmentsResults,
  describeLogDirsRequest,
  describeQuorumRequest,
  electLeadersRequest,
  electLeadersResults,
  listReassignmentsRequest,
  listReassignmentsResults,
  logDirsFrom,
  quorumInfoFrom,
  type ElectionType,
  type LogDirDescription,
  type OngoingReassignment,
  type PartitionReassignment,
  type PartitionResult,
  type QuorumInfo,
} from './admin-replicas.js';

export type { ElectionType, LogDirDescription, OngoingReassignment, PartitionReassignment, PartitionResult, QuorumInfo, QuorumNode, QuorumReplicaState } from './admin-replicas.js';

/** A topic to create. Partitions and replication factor default to the broker's defaults. */
export interface NewTopic {
  name: string;
  numPartitions?: number;
  replicationFactor?: number;
  /** Explicit replica placement: partition index -> broker ids. */
  replicaAssignment?: Record<number, number[]>;
  configs?: Record<string, string>;
}

/** A created topic as the broker reports it. */
export interface CreatedTopic {
  name: string;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

/** A topic's partitions and replicas. */
export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: { partition: number; leader: number; leaderEpoch: number; replicas: number[]; isr: number[]; offlineReplicas: number[] }[];
}

/** Config resource kinds (Kafka's ConfigResource.Type). */
export type ConfigResourceType = 'topic' | 'broker' | 'broker-logger' | 'group' | 'client-metrics';

const RESOURCE_TYPE_CODES: Record<ConfigResourceType, number> = { topic: 2, broker: 4, 'broker-logger': 8, group: 32, 'client-metrics': 16 };
const RESOURCE_TYPE_NAMES = new Map(Object.entries(RESOURCE_TYPE_CODES).map(([k, v]) => [v, k as ConfigResourceType]));

/** A config resource: a topic by name, or a broker by id (as a string). */
export interface ConfigResource {
  type: ConfigResourceType;
  name: string;
}

/** Where a config value comes from (Kafka's ConfigSource). */
export type ConfigSource =
  | 'UNKNOWN'
  | 'DYNAMIC_TOPIC_CONFIG'
  | 'DYNAMIC_BROKER_CONFIG'
  | 'DYNAMIC_DEFAULT_BROKER_CONFIG'
  | 'STATIC_BROKER_CONFIG'
  | 'DEFAULT_CONFIG'
  | 'DYNAMIC_BROKER_LOGGER_CONFIG'
  | 'CLIENT_METRICS_CONFIG'
  | 'GROUP_CONFIG';

const CONFIG_SOURCES: ConfigSource[] = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
];

/** Another source of a config's value, in the broker's priority order (DescribeConfigs synonyms). */
export interface ConfigSynonym {
  name: string;
  value: string | null;
  source: ConfigSource;
}

/** One config entry of a described resource. */
export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  isSensitive: boolean;
  source: ConfigSource;
  /** Filled only when describeConfigs was asked to include synonyms; empty otherwise. */
  synonyms: ConfigSynonym[];
}

/** The configs of one resource. */
export interface ResourceConfig extends ConfigResource {
  configs: ConfigEntry[];
}

/** One incremental config change. */
export interface AlterConfigOp {
  name: string;
  op: 'set' | 'delete' | 'append' | 'subtract';
  value?: string | null;
}

const OP_CODES = { set: 0, delete: 1, append: 2, subtract: 3 } as const;

/** The cluster as DescribeCluster (or Metadata) reports it. */
export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: { nodeId: number; host: string; port: number; rack: string | null }[];
}

/** Which offset to look up: a timestamp in ms, or one of the special positions. */
export type OffsetSpec = 'earliest' | 'latest' | 'max-timestamp' | number;

/** A group as ListGroups reports it. */
export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string;
  type: string;
}

/** A group as DescribeGroups reports it; member assignments are decoded for consumer groups. */
export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: { memberId: string; groupInstanceId: string | null; clientId: string; clientHost: string; assignment: TopicPartition[] }[];
}

/**
 * Returns `response` unless one of its results says NOT_CONTROLLER; then throws that (retriable)
 * error so that the caller's retry loop refreshes metadata and sends the whole request again, to
 * the new controller (Kafka's AdminClient handleNotControllerError). A retry may then report
 * TOPIC_ALREADY_EXISTS (or UNKNOWN_TOPIC_OR_PARTITION for a deletion) if the first attempt
 * committed after all, as Kafka's does.
 */
function retryIfNotController<R, E extends { errorCode: number; errorMessage?: string | null }>(response: R, results: (r: R) => readonly E[], context: (e: E) => string): R {
  for (const e of results(response)) if (e.errorCode === ErrorCode.NOT_CONTROLLER) Cluster.check(e.errorCode, context(e), e.errorMessage);
  return response;
}

/**
 * Kafka admin client: topics, partitions, configs, cluster, offsets, records and groups.
 * Failures surface as KafkaError whose errorName is the Kafka error (e.g. TOPIC_ALREADY_EXISTS) and
 * whose message names the resource.
 */
export class Admin {
  /** The validated configuration. */
  readonly config: ClientConfig;
  private readonly cluster: Cluster;

  constructor(options: AdminOptions) {
    this.config = parseAdminConfig(options);
    this.cluster = new Cluster(this.config);
  }

  /** Connects to a bootstrap broker (optional: every call connects as needed). */
  async connect(): Promise<void> {
    await this.cluster.anyConnection();
  }

  /** Creates topics; throws on the first topic that fails (TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, …). */
  async createTopics(topics: readonly NewTopic[], opts: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<CreatedTopic[]> {
    for (const t of topics) if (typeof t.name !== 'string' || t.name === '') throw new KafkaConfigError('createTopics: every topic needs a name');
    const response = await this.cluster.retry('CreateTopics', async () =>
      retryIfNotController(
        await this.cluster.requestController(Apis.CreateTopics, {
          topics: topics.map((t) => ({
            name: t.name,
            numPartitions: t.replicaAssignment ? -1 : t.numPartitions ?? -1,
            replicationFactor: t.replicaAssignment ? -1 : t.replicationFactor ?? -1,
            assignments: Object.entries(t.replicaAssignment ?? {}).map(([p, brokerIds]) => ({ partitionIndex: Number(p), brokerIds })),
            configs: Object.entries(t.configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
          timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
          validateOnly: opts.validateOnly ?? false,
        }),
        (r) => r.topics,
        (t) => `Cannot create topic '${t.name}'`,
      ),
    );
    for (const t of response.topics) Cluster.check(t.errorCode, `Cannot create topic '${t.name}'`, t.errorMessage);
    this.cluster.invalidate();
    return response.topics.map((t) => ({ name: t.name, topicId: t.topicId, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor }));
  }

  /** Deletes topics by name; throws on the first that fails (UNKNOWN_TOPIC_OR_PARTITION, …). */
  async deleteTopics(names: readonly string[], opts: { timeoutMs?: number } = {}): Promise<void> {
    const response = await this.cluster.retry('DeleteTopics', async () => {
      const conn = this.cluster.controllerId >= 0 ? await this.cluster.nodeConnection(this.cluster.controllerId) : await this.cluster.anyConnection();
      const v = conn.versionOf(Apis.DeleteTopics);
      const deleted = await conn.request(Apis.DeleteTopics, {
        ...(v >= 6 ? { topics: names.map((name) => ({ name })) } : { topicNames: [...names] }),
        timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
      });
      return retryIfNotController(deleted, (r) => r.responses, (r) => `Cannot delete topic '${r.name ?? r.topicId}'`);
    });
    for (const r of response.responses) Cluster.check(r.errorCode, `Cannot delete topic '${r.name ?? r.topicId}'`, r.errorMessage);
    this.cluster.invalidate();
  }

  /** Names of all topics (internal ones only when asked). */
  async listTopics(opts: { includeInternal?: boolean } = {}): Promise<string[]> {
    const md = await this.cluster.retry('Metadata', () => this.cluster.fetchMetadata(null));
    return md.topics
      .filter((t) => t.name !== null && t.errorCode === 0 && (opts.includeInternal || !t.isInternal))
      .map((t) => t.name!)
      .sort();
  }

  /** Partitions, leaders and replicas of topics; throws UNKNOWN_TOPIC_OR_PARTITION for a missing topic. */
  async describeTopics(names: readonly string[]): Promise<TopicDescription[]> {
    const md = await this.cluster.retry('Metadata', () => this.cluster.fetchMetadata([...names]));
    const out: TopicDescription[] = [];
    for (const name of names) {
      const t = md.topics.find((x) => x.name === name);
      if (t === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Cannot describe topic '${name}': not in the metadata response`);
      Cluster.check(t.errorCode, `Cannot describe topic '${name}'`);
      out.push({
        name,
        topicId: t.topicId,
        isInternal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({ partition: p.partitionIndex, leader: p.leaderId, leaderEpoch: p.leaderEpoch, replicas: p.replicaNodes, isr: p.isrNodes, offlineReplicas: p.offlineReplicas }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    return out;
  }

  /** Raises the partition count of topics to `count`. */
  async createPartitions(requests: readonly { topic: string; count: number; assignments?: number[][] }[], opts: { validateOnly?: boolean; timeoutMs?: number } = {}): Promise<void> {
    const response = await this.cluster.retry('CreatePartitions', async () =>
      retryIfNotController(
        await this.cluster.requestController(Apis.CreatePartitions, {
          topics: requests.map((r) => ({ name: r.topic, count: r.count, assignments: r.assignments ? r.assignments.map((brokerIds) => ({ brokerIds })) : null })),
          timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
          validateOnly: opts.validateOnly ?? false,
        }),
        (r) => r.results,
        (r) => `Cannot create partitions for topic '${r.name}'`,
      ),
    );
    for (const r of response.results) Cluster.check(r.errorCode, `Cannot create partitions for topic '${r.name}'`, r.errorMessage);
    this.cluster.invalidate();
  }

  /** Describes configs of resources (all keys, or just `keys`). Broker resources go to that broker. */
  async describeConfigs(resources: readonly (ConfigResource & { keys?: string[] })[], opts: { includeSynonyms?: boolean } = {}): Promise<ResourceConfig[]> {
    const out: ResourceConfig[] = [];
    for (const resource of resources) {
      const response = await this.cluster.retry('DescribeConfigs', () =>
        this.forResource(resource, (conn) =>
          conn.request(Apis.DescribeConfigs, {
            resources: [{ resourceType: resourceTypeCode(resource.type), resourceName: resource.name, configurationKeys: resource.keys ?? null }],
            includeSynonyms: opts.includeSynonyms ?? false,
            includeDocumentation: false,
          }),
        ),
      );
      for (const r of response.results) {
        Cluster.check(r.errorCode, `Cannot describe configs of ${resource.type} '${resource.name}'`, r.errorMessage);
        out.push({
          type: RESOURCE_TYPE_NAMES.get(r.resourceType) ?? resource.type,
          name: r.resourceName,
          configs: r.configs.map((c) => ({
            name: c.name,
            value: c.value,
            readOnly: c.readOnly,
            isDefault: c.configSource === 5 || (c.configSource === -1 && c.isDefault),
            isSensitive: c.isSensitive,
            source: CONFIG_SOURCES[c.configSource] ?? 'UNKNOWN',
            synonyms: c.synonyms.map((y) => ({ name: y.name, value: y.value, source: CONFIG_SOURCES[y.source] ?? 'UNKNOWN' })),
          })),
        });
      }
    }
    return out;
  }

  /** Replaces the whole dynamic config of resources (legacy AlterConfigs: unset keys revert to defaults). */
  async alterConfigs(resources: readonly (ConfigResource & { configs: Record<string, string | null> })[], opts: { validateOnly?: boolean } = {}): Promise<void> {
    for (const resource of resources) {
      const response = await this.cluster.retry('AlterConfigs', () =>
        this.forResource(resource, (conn) =>
          conn.request(Apis.AlterConfigs, {
            resources: [{ resourceType: resourceTypeCode(resource.type), resourceName: resource.name, configs: Object.entries(resource.configs).map(([name, value]) => ({ name, value })) }],
            validateOnly: opts.validateOnly ?? false,
          }),
        ),
      );
      for (const r of response.responses) Cluster.check(r.errorCode, `Cannot alter configs of ${resource.type} '${resource.name}'`, r.errorMessage);
    }
  }

  /** Changes individual config keys (set, delete, append, subtract). */
  async incrementalAlterConfigs(resources: readonly (ConfigResource & { ops: AlterConfigOp[] })[], opts: { validateOnly?: boolean } = {}): Promise<void> {
    for (const resource of resources) {
      const response = await this.cluster.retry('IncrementalAlterConfigs', () =>
        this.forResource(resource, (conn) =>
          conn.request(Apis.IncrementalAlterConfigs, {
            resources: [
              {
                resourceType: resourceTypeCode(resource.type),
                resourceName: resource.name,
                configs: resource.ops.map((o) => ({ name: o.name, configOperation: opCode(o.op), value: o.value ?? null })),
              },
            ],
            validateOnly: opts.validateOnly ?? false,
          }),
        ),
      );
      for (const r of response.responses) Cluster.check(r.errorCode, `Cannot alter configs of ${resource.type} '${resource.name}'`, r.errorMessage);
    }
  }

  /** Broker resources are served by that broker; others by any broker. */
  private async forResource<T>(resource: ConfigResource, fn: (conn: Awaited<ReturnType<Cluster['anyConnection']>>) => Promise<T>): Promise<T> {
    if ((resource.type === 'broker' || resource.type === 'broker-logger') && resource.name !== '') {
      const id = Number(resource.name);
      if (!Number.isInteger(id)) throw new KafkaConfigError(`Broker config resource name must be a broker id, got '${resource.name}'`);
      return fn(await this.cluster.nodeConnection(id));
    }
    return fn(await this.cluster.anyConnection());
  }

  /**
   * Cluster id, controller and brokers (DescribeCluster, or Metadata on brokers without it). With
   * `endpointType: 'controller'` (a client bootstrapped on controllers, KIP-919): the controllers.
   */
  async describeCluster(opts: { endpointType?: 'broker' | 'controller' } = {}): Promise<ClusterDescription> {
    const endpointType = opts.endpointType === 'controller' ? 2 : 1;
    return this.cluster.retry('DescribeCluster', async () => {
      const conn = await this.cluster.anyConnection();
      if (!conn.supports(Apis.DescribeCluster) && endpointType === 1) {
        const md = await this.cluster.fetchMetadata([]);
        return { clusterId: md.clusterId, controllerId: md.controllerId, brokers: md.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })) };
      }
      const r = await conn.request(Apis.DescribeCluster, { includeClusterAuthorizedOperations: false, endpointType });
      Cluster.check(r.errorCode, 'DescribeCluster', r.errorMessage);
      return { clusterId: r.clusterId, controllerId: r.controllerId, brokers: r.brokers.map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack })) };
    });
  }

  /** Offsets by spec per partition: earliest, latest, max-timestamp or the first at/after a timestamp. */
  async listOffsets(requests: readonly (TopicPartition & { spec: OffsetSpec })[], opts: { isolationLevel?: 'read_uncommitted' | 'read_committed' } = {}): Promise<ListedOffset[]> {
    const timestamp = (spec: OffsetSpec): bigint =>
      spec === 'earliest' ? EARLIEST_TIMESTAMP : spec === 'latest' ? LATEST_TIMESTAMP : spec === 'max-timestamp' ? MAX_TIMESTAMP : BigInt(spec);
    return listOffsets(this.cluster, requests.map((r) => ({ topic: r.topic, partition: r.partition, timestamp: timestamp(r.spec) })), opts.isolationLevel === 'read_committed');
  }

  /** Deletes records before `offset` (-1n: the high watermark) per partition; returns the new low watermarks. */
  async deleteRecords(requests: readonly TopicPartitionOffset[], opts: { timeoutMs?: number } = {}): Promise<TopicPartitionOffset[]> {
    const results = new Map<string, bigint>();
    await this.cluster.retry('DeleteRecords', async () => {
      const todo = requests.filter((r) => !results.has(tpKey(r.topic, r.partition)));
      for (const topic of new Set(todo.map((r) => r.topic))) await this.cluster.topicMetadata(topic);
      const byNode = new Map<number, TopicPartitionOffset[]>();
      for (const r of todo) {
        const leader = this.cluster.leaderOf(r.topic, r.partition);
        if (leader < 0) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Cannot delete records of ${r.topic}-${r.partition}: no such partition or no leader`);
        let list = byNode.get(leader);
        if (list === undefined) byNode.set(leader, (list = []));
        list.push(r);
      }
      for (const [nodeId, list] of byNode) {
        const topics = new Map<string, { partitionIndex: number; offset: bigint }[]>();
        for (const r of list) {
          let parts = topics.get(r.topic);
          if (parts === undefined) topics.set(r.topic, (parts = []));
          parts.push({ partitionIndex: r.partition, offset: BigInt(r.offset) });
        }
        const response = await this.cluster.requestNode(nodeId, Apis.DeleteRecords, {
          topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
          timeoutMs: opts.timeoutMs ?? this.config.requestTimeoutMs,
        });
        for (const t of response.topics) {
          for (const p of t.partitions) {
            Cluster.check(p.errorCode, `Cannot delete records of ${t.name}-${p.partitionIndex}`);
            results.set(tpKey(t.name, p.partitionIndex), p.lowWatermark);
          }
        }
      }
    });
    return requests.map((r) => ({ topic: r.topic, partition: r.partition, offset: results.get(tpKey(r.topic, r.partition))! }));
  }

  /** Groups on every broker, optionally filtered by state (ListGroups v4+). */
  async listGroups(opts: { states?: string[] } = {}): Promise<GroupListing[]> {
    await this.cluster.refreshMetadata();
    const brokers = this.cluster.brokerList();
    const out: GroupListing[] = [];
    for (const b of brokers) {
      const response = await this.cluster.retry('ListGroups', () => this.cluster.requestNode(b.nodeId, Apis.ListGroups, { statesFilter: opts.states ?? [], typesFilter: [] }));
      Cluster.check(response.errorCode, `ListGroups on broker ${b.nodeId}`);
      for (const g of response.groups) out.push({ groupId: g.groupId, protocolType: g.protocolType, state: g.groupState, type: g.groupType || 'classic' });
    }
    return out.sort((a, b) => (a.groupId < b.groupId ? -1 : 1));
  }

  /** Describes groups (state, protocol, members and their assignments). */
  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    const out: GroupDescription[] = [];
    for (const groupId of groupIds) {
      const response = await this.onCoordinator(groupId, (conn) => conn.request(Apis.DescribeGroups, { groups: [groupId], includeAuthorizedOperations: false }));
      for (const g of response.groups) {
        Cluster.check(g.errorCode, `Cannot describe group '${groupId}'`);
        out.push({
          groupId: g.groupId,
          state: g.groupState,
          protocolType: g.protocolType,
          protocol: g.protocolData,
          members: g.members.map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            clientId: m.clientId,
            clientHost: m.clientHost,
            assignment: g.protocolType === 'consumer' ? decodeAssignment(m.memberAssignment) : [],
          })),
        });
      }
    }
    return out;
  }

  /** The broker coordinating a group (its node id and address). */
  async findGroupCoordinator(groupId: string): Promise<GroupCoordinator> {
    return describeGroupCoordinator(this.cluster, groupId);
  }

  /** Deletes empty groups; throws NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, … */
  async deleteGroups(groupIds: readonly string[]): Promise<void> {
    for (const groupId of groupIds) {
      const response = await this.onCoordinator(groupId, (conn) => conn.request(Apis.DeleteGroups, { groupsNames: [groupId] }));
      for (const r of response.results) Cluster.check(r.errorCode, `Cannot delete group '${r.groupId}'`);
    }
  }

  /** Committed offsets of a group (all partitions, or just `partitions`). */
  async listGroupOffsets(groupId: string, partitions?: readonly TopicPartition[]): Promise<(TopicPartitionOffset & { metadata: string | null })[]> {
    const response = await this.onCoordinator(groupId, (conn) =>
      conn.request(Apis.OffsetFetch, {
        groupId,
        topics: partitions ? groupTopics(partitions).map(([name, ps]) => ({ name, partitionIndexes: ps })) : null,
        requireStable: false,
      }),
    );
    Cluster.check(response.errorCode, `Cannot fetch offsets of group '${groupId}'`);
    const out: (TopicPartitionOffset & { metadata: string | null })[] = [];
    for (const t of response.topics) {
      for (const p of t.partitions) {
        Cluster.check(p.errorCode, `Cannot fetch offset of ${t.name}-${p.partitionIndex} in group '${groupId}'`);
        out.push({ topic: t.name, partition: p.partitionIndex, offset: p.committedOffset, metadata: p.metadata });
      }
    }
    return out.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  /** Sets committed offsets of a group that has no active members (as kafka-consumer-groups --reset-offsets). */
  async alterGroupOffsets(groupId: string, offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const response = await this.onCoordinator(groupId, (conn) =>
      conn.request(Apis.OffsetCommit, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: groupTopics(offsets).map(([name]) => ({
          name,
          partitions: offsets.filter((o) => o.topic === name).map((o) => ({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1, committedMetadata: '' })),
        })),
      }),
    );
    for (const t of response.topics) for (const p of t.partitions) Cluster.check(p.errorCode, `Cannot commit offset of ${t.name}-${p.partitionIndex} for group '${groupId}'`);
  }

  /** Deletes committed offsets of a group for partitions (OffsetDelete); throws the first error. */
  async deleteGroupOffsets(groupId: string, partitions: readonly TopicPartition[]): Promise<void> {
    const results = await this.deleteGroupOffsetsResults(groupId, partitions);
    for (const r of results) if (r.error !== null) throw r.error;
  }

  /**
   * Deletes committed offsets of a group and reports each partition: `error` is null on success,
   * else the partition's KafkaError (or the group-level one, e.g. GROUP_ID_NOT_FOUND, for every partition).
   */
  async deleteGroupOffsetsResults(groupId: string, partitions: readonly TopicPartition[]): Promise<(TopicPartition & { error: KafkaError | null })[]> {
    const response = await this.onCoordinator(groupId, (conn) =>
      conn.request(Apis.OffsetDelete, { groupId, topics: groupTopics(partitions).map(([name, ps]) => ({ name, partitions: ps.map((partitionIndex) => ({ partitionIndex })) })) }),
    );
    const groupError = response.errorCode !== 0 ? kafkaErrorFor(response.errorCode, `Cannot delete offsets of group '${groupId}'`) : null;
    const codes = new Map<string, number>();
    for (const t of response.topics) for (const p of t.partitions) codes.set(tpKey(t.name, p.partitionIndex), p.errorCode);
    return partitions.map((tp) => {
      const code = codes.get(tpKey(tp.topic, tp.partition)) ?? 0;
      const error = groupError ?? (code !== 0 ? kafkaErrorFor(code, `Cannot delete offset of ${tp.topic}-${tp.partition} in group '${groupId}'`) : null);
      return { topic: tp.topic, partition: tp.partition, error };
    });
  }

  private async onCoordinator<T>(groupId: string, fn: (conn: Awaited<ReturnType<typeof findGroupCoordinator>>) => Promise<T>): Promise<T> {
    return this.cluster.retry(`group '${groupId}'`, async () => fn(await findGroupCoordinator(this.cluster, groupId)));
  }

  /**
   * The metadata quorum: leader, epoch, high watermark, voters and observers with their progress
   * (DescribeQuorum). A broker that is not the quorum leader answers NOT_LEADER_OR_FOLLOWER with
   * the leader's id; the request is then sent to that node.
   */
  async describeQuorum(): Promise<QuorumInfo> {
    return this.cluster.retry('DescribeQuorum', async () => {
      try {
        return quorumInfoFrom(await this.cluster.requestAny(Apis.DescribeQuorum, describeQuorumRequest()));
      } catch (err) {
        const { leaderHint: leader, leaderEndpoint } = err as { leaderHint?: number; leaderEndpoint?: { host: string; port: number } };
        if (!(err instanceof KafkaError) || err.code !== ErrorCode.NOT_LEADER_OR_FOLLOWER || leader === undefined || leader < 0) throw err;
        if (this.cluster.knowsNode(leader) || leaderEndpoint === undefined) {
          return quorumInfoFrom(await this.cluster.requestNode(leader, Apis.DescribeQuorum, describeQuorumRequest()));
        }
        // Bootstrapped on controllers (no broker metadata): straight to the leader's controller endpoint.
        const conn = await this.cluster.connectionTo(leaderEndpoint.host, leaderEndpoint.port);
        return quorumInfoFrom(await conn.request(Apis.DescribeQuorum, describeQuorumRequest()));
      }
    });
  }

  /**
   * Elects leaders (preferred: the first assigned replica, if alive and in the ISR; unclean: any live replica, even out of the ISR) for
   * `partitions`, or every partition when null. Resolves to one result per partition; an error of
   * ELECTION_NOT_NEEDED means the right leader was already in place.
   */
  async electLeaders(type: ElectionType, partitions: readonly TopicPartition[] | null, opts: { timeoutMs?: number } = {}): Promise<PartitionResult[]> {
    const response = await this.cluster.retry('ElectLeaders', async () => {
      const conn = await this.cluster.anyConnection();
      return conn.request(Apis.ElectLeaders, electLeadersRequest(type, partitions, conn.versionOf(Apis.ElectLeaders), opts.timeoutMs ?? this.config.requestTimeoutMs));
    });
    this.cluster.invalidate();
    return electLeadersResults(response, partitions);
  }

  /** Starts (`replicas`) or cancels (`replicas: null`) partition reassignments; one result per partition. */
  async alterPartitionReassignments(reassignments: readonly PartitionReassignment[], opts: { timeoutMs?: number } = {}): Promise<PartitionResult[]> {
    const response = await this.cluster.retry('AlterPartitionReassignments', () =>
      this.cluster.requestAny(Apis.AlterPartitionReassignments, alterReassignmentsRequest(reassignments, opts.timeoutMs ?? this.config.requestTimeoutMs)),
    );
    this.cluster.invalidate();
    return alterReassignmentsResults(response);
  }

  /** The reassignments in progress (of `partitions`, or all when null). */
  async listPartitionReassignments(partitions: readonly TopicPartition[] | null = null, opts: { timeoutMs?: number } = {}): Promise<OngoingReassignment[]> {
    const response = await this.cluster.retry('ListPartitionReassignments', () =>
      this.cluster.requestAny(Apis.ListPartitionReassignments, listReassignmentsRequest(partitions, opts.timeoutMs ?? this.config.requestTimeoutMs)),
    );
    return listReassignmentsResults(response);
  }

  /** The log directories of brokers (all brokers by default) and the replicas in them; asks each broker itself. */
  async describeLogDirs(brokerIds?: readonly number[]): Promise<LogDirDescription[]> {
    let ids = brokerIds;
    if (ids === undefined) {
      await this.cluster.refreshMetadata();
      ids = this.cluster.brokerList().map((b) => b.nodeId).sort((a, b) => a - b);
    }
    const out: LogDirDescription[] = [];
    for (const brokerId of ids) {
      const response = await this.cluster.retry('DescribeLogDirs', () => this.cluster.requestNode(brokerId, Apis.DescribeLogDirs, describeLogDirsRequest()));
      out.push(...logDirsFrom(brokerId, response));
    }
    return out;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    this.cluster.close();
  }
}

function resourceTypeCode(type: ConfigResourceType): number {
  const code = RESOURCE_TYPE_CODES[type];
  if (code === undefined) throw new KafkaConfigError(`Unknown config resource type '${type}' (known: ${Object.keys(RESOURCE_TYPE_CODES).join(', ')})`);
  return code;
}

function opCode(op: AlterConfigOp['op']): number {
  const code = OP_CODES[op];
  if (code === undefined) throw new KafkaConfigError(`Unknown config operation '${op}' (known: set, delete, append, subtract)`);
  return code;
}

function groupTopics(tps: readonly TopicPartition[]): [string, number[]][] {
  const map = new Map<string, number[]>();
  for (const tp of tps) {
    let list = map.get(tp.topic);
    if (list === undefined) map.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return [...map];
}

function decodeAssignment(data: Buffer): TopicPartition[] {
  if (data.length < 2) return [];
  try {
    const r = new Reader(data);
    const version = Math.min(r.int16(), 3);
    const a = ConsumerProtocolAssignment.decode(r, version);
    return a.assignedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
  } catch {
    return [];
  }
}
