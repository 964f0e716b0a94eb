import { MetadataRecordType, type MetadataRecord } from './metadata-record.js';

/** One partition's replica assignment and leadership, as the metadata log says. */
export interface PartitionImage {
  partitionId: number;
  replicas: number[];
  isr: number[];
  leader: number;
  leaderEpoch: number;
  partitionEpoch: number;
  /** Replicas a reassignment is adding (they join `replicas` but may not lead until in the ISR). */
  addingReplicas: number[];
  /** Replicas a reassignment will drop once the adding replicas are in the ISR. */
  removingReplicas: number[];
}

/** One topic: id, partitions by index. */
export interface TopicImage {
  name: string;
  topicId: string;
  partitions: Map<number, PartitionImage>;
}

/** One registered broker and its advertised endpoints. */
export interface BrokerImage {
  brokerId: number;
  brokerEpoch: bigint;
  incarnationId: string;
  endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
  rack: string | null;
  fenced: boolean;
  /** Set when the broker asked for a controlled shutdown; cleared only by a new registration. */
  inControlledShutdown: boolean;
  /** Offset of its last RegisterBroker record: the broker is caught up once it has replayed it. */
  registeredAtOffset: bigint;
}

/** Kafka's ConfigResource types used in ConfigRecord. */
export const ConfigResourceType = { TOPIC: 2, BROKER: 4 } as const;

/**
 * The cluster metadata as built by replaying metadata records in log order. It changes only
 * through `replay`, so loading the log at start-up and applying new records are one code path.
 */
export class MetadataImage {
  readonly topicsByName = new Map<string, TopicImage>();
  readonly topicsById = new Map<string, TopicImage>();
  readonly brokers = new Map<number, BrokerImage>();
  /** Config overrides by `${resourceType}:${resourceName}`. */
  readonly configs = new Map<string, Map<string, string>>();
  /** First producer id not yet handed out in a block. */
  nextProducerId = 0n;
  /** Offset of the last record replayed, -1 before any. */
  lastOffset = -1n;

  /** Empties the image (before a snapshot is loaded into it). */
  reset(): void {
    this.topicsByName.clear();
    this.topicsById.clear();
    this.brokers.clear();
    this.configs.clear();
    this.nextProducerId = 0n;
    this.lastOffset = -1n;
  }

  /** Applies one record. */
  replay(record: MetadataRecord, offset: bigint): void {
    this.lastOffset = offset;
    switch (record.type) {
      case MetadataRecordType.RegisterBroker: {
        const d = record.data;
        this.brokers.set(d.brokerId, {
          brokerId: d.brokerId,
          brokerEpoch: d.brokerEpoch,
          incarnationId: d.incarnationId,
          endpoints: d.endPoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
          rack: d.rack,
          fenced: d.fenced,
          inControlledShutdown: d.inControlledShutdown,
          registeredAtOffset: offset,
        });
        return;
      }
      case MetadataRecordType.UnregisterBroker:
        this.brokers.delete(record.data.brokerId);
        return;
      case MetadataRecordType.FenceBroker:
        this.setFenced(record.data.id, true);
        return;
      case MetadataRecordType.UnfenceBroker:
        this.setFenced(record.data.id, false);
        return;
      case MetadataRecordType.BrokerRegistrationChange:
        this.applyBrokerRegistrationChange(record.data);
        return;
      case MetadataRecordType.Topic: {
        const topic: TopicImage = { name: record.data.name, topicId: record.data.topicId, partitions: new Map() };
        this.topicsByName.set(topic.name, topic);
        this.topicsById.set(topic.topicId, topic);
        return;
      }
      case MetadataRecordType.Partition: {
        const d = record.data;
        const topic = this.topicsById.get(d.topicId);
        if (!topic) return;
        topic.partitions.set(d.partitionId, {
          partitionId: d.partitionId,
          replicas: d.replicas,
          isr: d.isr,
          leader: d.leader,
          leaderEpoch: d.leaderEpoch,
          partitionEpoch: d.partitionEpoch,
          addingReplicas: d.addingReplicas,
          removingReplicas: d.removingReplicas,
        });
        return;
      }
      case MetadataRecordType.PartitionChange:
        this.applyPartitionChange(record.data);
        return;
      case MetadataRecordType.RemoveTopic: {
        const topic = this.topicsById.get(record.data.topicId);
        if (!topic) return;
        this.topicsById.delete(topic.topicId);
        this.topicsByName.delete(topic.name);
        this.configs.delete(configKey(ConfigResourceType.TOPIC, topic.name));
        return;
      }
      case MetadataRecordType.Config: {
        const d = record.data;
        const key = configKey(d.resourceType, d.resourceName);
        let entries = this.configs.get(key);
        if (d.value === null) {
          entries?.delete(d.name);
          if (entries?.size === 0) this.configs.delete(key);
          return;
        }
        if (!entries) this.configs.set(key, (entries = new Map()));
        entries.set(d.name, d.value);
        return;
      }
      case MetadataRecordType.ProducerIds:
        if (record.data.nextProducerId > this.nextProducerId) this.nextProducerId = record.data.nextProducerId;
        return;
      default:
        return;
    }
  }

  private setFenced(brokerId: number, fenced: boolean): void {
    const broker = this.brokers.get(brokerId);
    if (broker) broker.fenced = fenced;
  }

  /**
   * BrokerRegistrationChangeRecord as Kafka encodes it: fenced 1 = fence, -1 = unfence, 0 = no
   * change; inControlledShutdown 1 = entering, 0 = no change. A change for another epoch than the
   * registered one is stale (an older incarnation) and is ignored.
   */
  private applyBrokerRegistrationChange(d: Extract<MetadataRecord, { type: 17 }>['data']): void {
    const broker = this.brokers.get(d.brokerId);
    if (!broker || broker.brokerEpoch !== d.brokerEpoch) return;
    if (d.fenced === 1) broker.fenced = true;
    else if (d.fenced === -1) broker.fenced = false;
    if (d.inControlledShutdown === 1) broker.inControlledShutdown = true;
  }

  private applyPartitionChange(d: Extract<MetadataRecord, { type: 5 }>['data']): void {
    const partition = this.topicsById.get(d.topicId)?.partitions.get(d.partitionId);
    if (!partition) return;
    if (d.isr !== null) partition.isr = d.isr;
    if (d.replicas !== null) partition.replicas = d.replicas;
    if (d.addingReplicas !== null) partition.addingReplicas = d.addingReplicas;
    if (d.removingReplicas !== null) partition.removingReplicas = d.removingReplicas;
    // -2 means "no change" in PartitionChangeRecord; a leader change bumps the leader epoch.
    if (d.leader !== -2) {
      partition.leader = d.leader;
      partition.leaderEpoch++;
    }
    partition.partitionEpoch++;
  }

  /** The config overrides of a resource (empty when none). */
  configsOf(resourceType: number, resourceName: string): ReadonlyMap<string, string> {
    return this.configs.get(configKey(resourceType, resourceName)) ?? EMPTY;
  }

  /** Topic by name, or undefined. */
  topic(name: string): TopicImage | undefined {
    return this.topicsByName.get(name);
  }

  /** Every partition whose leader is `brokerId`. */
  *partitionsLedBy(brokerId: number): Generator<{ topic: TopicImage; partition: PartitionImage }> {
    for (const topic of this.topicsByName.values()) {
      for (const partition of topic.partitions.values()) if (partition.leader === brokerId) yield { topic, partition };
    }
  }

  /** Every partition that has `brokerId` among its replicas (including adding replicas). */
  *partitionsWithReplica(brokerId: number): Generator<{ topic: TopicImage; partition: PartitionImage }> {
    for (const topic of this.topicsByName.values()) {
      for (const partition of topic.partitions.values()) if (partition.replicas.includes(brokerId)) yield { topic, partition };
    }
  }

  /** Every partition, topic by topic. */
  *allPartitions(): Generator<{ topic: TopicImage; partition: PartitionImage }> {
    for (const topic of this.topicsByName.values()) {
      for (const partition of topic.partitions.values()) yield { topic, partition };
    }
  }

  /** Whether a broker may lead or join an ISR: registered, unfenced and not shutting down. */
  isActive(brokerId: number): boolean {
    const broker = this.brokers.get(brokerId);
    return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
  }

  /** Brokers that are registered and not fenced, by id. */
  liveBrokers(): BrokerImage[] {
    return [...this.brokers.values()].filter((b) => !b.fenced).sort((a, b) => a.brokerId - b.brokerId);
  }
}

const EMPTY: ReadonlyMap<string, string> = new Map();

function configKey(resourceType: number, resourceName: string): string {
  return `${resourceType}:${resourceName}`;
}

