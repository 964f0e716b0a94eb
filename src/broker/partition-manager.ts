import type { MetadataImage, PartitionImage, TopicImage } from '../metadata/index.js';
import type { LogConfig, LogManager, PartitionLog } from '../storage/index.js';
import { FOLLOWER_KEY_SUFFIX, partitionKey, type FetchPurgatory } from './purgatory.js';

/** A partition this broker hosts: its metadata and its log. */
export interface HostedPartition {
  readonly topic: TopicImage;
  readonly partition: PartitionImage;
  readonly log: PartitionLog;
  /** Purgatory key, for waking fetches after appends. */
  readonly key: string;
  /** Purgatory key of waiting follower fetches (computed once: appends wake them every time). */
  readonly followerKey: string;
}

/**
 * Keeps the partition logs on disk in line with the metadata image: creates logs for partitions
 * this broker is a replica of, deletes logs of removed topics, and looks partitions up for handlers.
 */
export class PartitionManager {
  private readonly hosted = new Map<string, HostedPartition>();
  /** The same partitions by topic, indexed by partition id: the lookup on every request. */
  private byTopic = new Map<string, HostedPartition[]>();

  constructor(
    private readonly nodeId: number,
    private readonly logs: LogManager,
    private readonly purgatory: FetchPurgatory,
    private readonly configFor: (topic: string) => LogConfig,
  ) {}

  /** The hosted partition, or undefined when the topic or partition is unknown here. */
  get(topic: string, partition: number): HostedPartition | undefined {
    return this.byTopic.get(topic)?.[partition];
  }

  /** All hosted partitions. */
  all(): IterableIterator<HostedPartition> {
    return this.hosted.values();
  }

  /** Creates and deletes logs so that they match the image. */
  async sync(image: MetadataImage): Promise<void> {
    const wanted = new Set<string>();
    for (const topic of image.topicsByName.values()) {
      const config = this.configFor(topic.name);
      for (const partition of topic.partitions.values()) {
        if (!partition.replicas.includes(this.nodeId)) continue;
        const key = partitionKey(topic.name, partition.partitionId);
        wanted.add(key);
        const existing = this.hosted.get(key);
        if (existing && existing.topic === topic && existing.partition === partition) continue;
        const log = existing?.log ?? this.logs.getOrCreateLog(topic.name, partition.partitionId, topic.topicId, config);
        this.hosted.set(key, { topic, partition, log, key, followerKey: key + FOLLOWER_KEY_SUFFIX });
      }
    }
    const removed: HostedPartition[] = [];
    for (const [key, hosted] of [...this.hosted]) {
      if (wanted.has(key)) continue;
      this.hosted.delete(key);
      removed.push(hosted);
    }
    this.reindex();
    for (const hosted of removed) {
      this.purgatory.onAppend(hosted.key, Number.MAX_SAFE_INTEGER);
      await this.logs.deletePartition(hosted.topic.name, hosted.partition.partitionId);
    }
  }

  private reindex(): void {
    const byTopic = new Map<string, HostedPartition[]>();
    for (const hosted of this.hosted.values()) {
      let list = byTopic.get(hosted.topic.name);
      if (!list) byTopic.set(hosted.topic.name, (list = []));
      list[hosted.partition.partitionId] = hosted;
    }
    this.byTopic = byTopic;
  }

  /** Logs on disk that the image does not know: left alone (never deleted on a guess), reported. */
  strayLogs(): string[] {
    return this.logs
      .allLogs()
      .filter((log) => !this.hosted.has(partitionKey(log.topic, log.partition)))
      .map((log) => `${log.topic}-${log.partition}`);
  }

  /** Applies a topic's changed config to its open logs. */
  updateConfig(topic: string): void {
    const config = this.configFor(topic);
    for (const hosted of this.hosted.values()) if (hosted.topic.name === topic) hosted.log.updateConfig(config);
  }
}
