import { ErrorCode, KafkaError } from '../common/index.js';
import type { Init } from '../protocol/index.js';
import type { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { Apis, type ClientApi } from './apis.js';
import type { ClientConfig } from './config.js';
import { parseAddress } from './config.js';
import { BrokerConnection, type RequestOptions } from './connection.js';
import { KafkaClosedError, KafkaConnectionError, isRetriableError, kafkaErrorFor } from './errors.js';

/** A broker as metadata describes it. */
export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** One partition in the metadata cache. */
export interface PartitionInfo {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

/** One topic in the metadata cache. */
export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionInfo[];
}

/** Errors after which the client refreshes metadata before retrying. */
const METADATA_ERRORS: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NETWORK_EXCEPTION,
  ErrorCode.REQUEST_TIMED_OUT,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.NOT_CONTROLLER,
  ErrorCode.BROKER_NOT_AVAILABLE,
]);

/** Whether an error means the client's view of leaders may be stale. */
export function needsMetadataRefresh(err: unknown): boolean {
  return err instanceof KafkaError && METADATA_ERRORS.has(err.code);
}

/** Resolves after `ms` milliseconds (unref'd: a pending backoff does not keep the process alive). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Exponential backoff with ±20 % jitter: retry.backoff.ms doubling up to retry.backoff.max.ms. */
export function backoffMs(config: ClientConfig, attempt: number): number {
  const base = Math.min(config.retryBackoffMs * 2 ** Math.min(attempt, 20), config.retryBackoffMaxMs);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/**
 * The connections and metadata shared by a producer, consumer or admin client: bootstrap, one
 * connection per broker, a metadata cache of the topics in use refreshed on leader errors,
 * disconnects and metadata.max.age.ms, and a retry helper with backoff.
 */
export class Cluster {
  private readonly connections = new Map<string, BrokerConnection>();
  private readonly brokers = new Map<number, BrokerInfo>();
  private readonly topics = new Map<string, TopicInfo>();
  /** Topics whose metadata the client keeps fresh. */
  private readonly tracked = new Set<string>();
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  private lastRefreshMs = 0;
  private closed = false;
  /** Cluster id and controller from the last metadata response. */
  clusterId: string | null = null;
  controllerId = -1;

  constructor(readonly config: ClientConfig) {}

  /** Throws if close() was called. */
  checkOpen(): void {
    if (this.closed) throw new KafkaClosedError('The client is closed');
  }

  /** The connection to `host:port`, opened (and version-negotiated) on first use. */
  async connectionTo(host: string, port: number): Promise<BrokerConnection> {
    this.checkOpen();
    const key = `${host}:${port}`;
    let conn = this.connections.get(key);
    if (conn === undefined) {
      conn = new BrokerConnection({
        host,
        port,
        clientId: this.config.clientId,
        requestTimeoutMs: this.config.requestTimeoutMs,
        connectTimeoutMs: this.config.connectTimeoutMs,
        maxInFlight: this.config.maxInFlightPerConnection,
      });
      const created = conn;
      created.onClose = () => {
        if (this.connections.get(key) === created) this.connections.delete(key);
      };
      this.connections.set(key, created);
    }
    try {
      await conn.connect();
    } catch (err) {
      if (this.connections.get(key) === conn) this.connections.delete(key);
      throw err;
    }
    return conn;
  }

  /** The connection to a broker by node id (metadata is refreshed when the id is unknown). */
  async nodeConnection(nodeId: number): Promise<BrokerConnection> {
    let broker = this.brokers.get(nodeId);
    if (broker === undefined) {
      await this.refreshMetadata();
      broker = this.brokers.get(nodeId);
      if (broker === undefined) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `Broker ${nodeId} is not in the cluster metadata`);
    }
    return this.connectionTo(broker.host, broker.port);
  }

  /** A connection to any broker: an open one if there is one, else known brokers, then bootstrap servers in turn. */
  async anyConnection(): Promise<BrokerConnection> {
    for (const conn of this.connections.values()) if (conn.isOpen) return conn;
    const candidates = [
      ...[...this.brokers.values()].map((b) => `${b.host}:${b.port}`),
      ...this.config.bootstrapServers,
    ];
    const errors: string[] = [];
    for (const address of new Set(candidates)) {
      const { host, port } = parseAddress(address);
      try {
        return await this.connectionTo(host, port);
      } catch (err) {
        if (!(err instanceof KafkaConnectionError)) throw err;
        errors.push(err.message);
      }
    }
    if (errors.length === 1) throw new KafkaConnectionError(this.config.bootstrapServers.join(','), errors[0]!);
    throw new KafkaConnectionError(this.config.bootstrapServers.join(','), `Cannot connect to any broker: ${errors.join('; ')}`);
  }

  /** Sends one request to any broker. */
  async requestAny<Req, Res>(api: ClientApi<Req, Res>, body: Init<Req>, opts?: RequestOptions): Promise<Res> {
    return (await this.anyConnection()).request(api, body, opts);
  }

  /** Whether the cached metadata knows broker `nodeId` (without fetching metadata). */
  knowsNode(nodeId: number): boolean {
    return this.brokers.has(nodeId);
  }

  /** Sends one request to a broker by node id. */
  async requestNode<Req, Res>(nodeId: number, api: ClientApi<Req, Res>, body: Init<Req>, opts?: RequestOptions): Promise<Res> {
    return (await this.nodeConnection(nodeId)).request(api, body, opts);
  }

  /** Sends one request to the controller (any broker when the controller is unknown). */
  async requestController<Req, Res>(api: ClientApi<Req, Res>, body: Init<Req>, opts?: RequestOptions): Promise<Res> {
    if (this.controllerId < 0) await this.refreshMetadata();
    if (this.controllerId >= 0 && this.brokers.has(this.controllerId)) return this.requestNode(this.controllerId, api, body, opts);
    return this.requestAny(api, body, opts);
  }

  /**
   * Runs `fn` until it succeeds, a non-retriable error, `retries` attempts or `deadlineMs` passes,
   * backing off between attempts and refreshing metadata after leader and connection errors.
   */
  async retry<T>(what: string, fn: (attempt: number) => Promise<T>, opts: { retries?: number; deadlineMs?: number } = {}): Promise<T> {
    const retries = opts.retries ?? 10;
    const deadline = Date.now() + (opts.deadlineMs ?? this.config.requestTimeoutMs * 2);
    for (let attempt = 0; ; attempt++) {
      this.checkOpen();
      try {
        return await fn(attempt);
      } catch (err) {
        if (!isRetriableError(err) || attempt >= retries || Date.now() >= deadline) throw err;
        const wait = backoffMs(this.config, attempt);
        if (needsMetadataRefresh(err)) this.invalidate();
        await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
        if (needsMetadataRefresh(err)) await this.refreshMetadata().catch(() => undefined);
        void what;
      }
    }
  }

  /** Marks the metadata stale so the next lookup refreshes it. */
  invalidate(): void {
    this.lastRefreshMs = 0;
  }

  /** Adds topics to the set kept fresh. */
  track(topics: Iterable<string>): void {
    for (const t of topics) this.tracked.add(t);
  }

  /** Stops tracking topics (their cached metadata stays until the next refresh). */
  untrack(topics: Iterable<string>): void {
    for (const t of topics) this.tracked.delete(t);
  }

  /** The cached metadata of a topic, if any. */
  topic(name: string): TopicInfo | undefined {
    return this.topics.get(name);
  }

  /** All brokers in the cached metadata. */
  brokerList(): BrokerInfo[] {
    return [...this.brokers.values()];
  }

  /** Whether the cached metadata is older than metadata.max.age.ms (or was invalidated). */
  get stale(): boolean {
    return Date.now() - this.lastRefreshMs > this.config.metadataMaxAgeMs;
  }

  /**
   * The metadata of `topic`, fetched if missing or stale. Retries while the topic's leaders are
   * being elected; throws UNKNOWN_TOPIC_OR_PARTITION if it does not exist when `deadlineMs` passes.
   */
  async topicMetadata(topic: string, deadlineMs = this.config.requestTimeoutMs): Promise<TopicInfo> {
    this.track([topic]);
    const cached = this.topics.get(topic);
    if (cached !== undefined && !this.stale && cached.partitions.length > 0) return cached;
    const deadline = Date.now() + deadlineMs;
    for (let attempt = 0; ; attempt++) {
      await this.refreshMetadata();
      const info = this.topics.get(topic);
      if (info !== undefined && info.partitions.length > 0 && info.partitions.every((p) => p.leader >= 0)) return info;
      if (Date.now() >= deadline) {
        if (info !== undefined && info.partitions.length > 0) return info;
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic}' not present in metadata after ${deadlineMs} ms`);
      }
      await sleep(Math.min(backoffMs(this.config, attempt), Math.max(1, deadline - Date.now())));
    }
  }

  /** Fetches metadata of the tracked topics; concurrent callers share one request. */
  refreshMetadata(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          const response = await this.retry('Metadata', () => this.fetchMetadata([...this.tracked], this.config.allowAutoCreateTopics === true), { retries: 5 });
          this.apply(response, false);
        } while (this.refreshAgain && !this.closed);
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** Fetches metadata of the given topics (all topics when null) without changing what is tracked. */
  async fetchMetadata(topics: string[] | null, allowAutoTopicCreation = false): Promise<MetadataResponse> {
    const body = {
      topics: topics === null ? null : topics.map((name) => ({ name })),
      allowAutoTopicCreation,
    };
    const conn = await this.anyConnection();
    const response = await conn.request(Apis.Metadata, body);
    this.apply(response, topics === null);
    return response;
  }

  private apply(response: MetadataResponse, complete: boolean): void {
    this.brokers.clear();
    for (const b of response.brokers) this.brokers.set(b.nodeId, { nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack });
    this.clusterId = response.clusterId;
    this.controllerId = response.controllerId;
    if (complete) this.topics.clear();
    for (const t of response.topics) {
      if (t.name === null) continue;
      if (t.errorCode !== 0 && t.partitions.length === 0) {
        this.topics.delete(t.name);
        continue;
      }
      this.topics.set(t.name, {
        name: t.name,
        topicId: t.topicId,
        isInternal: t.isInternal,
        partitions: t.partitions
          .map((p) => ({
            partition: p.partitionIndex,
            leader: p.errorCode === ErrorCode.LEADER_NOT_AVAILABLE ? -1 : p.leaderId,
            leaderEpoch: p.leaderEpoch,
            replicas: p.replicaNodes,
            isr: p.isrNodes,
            offlineReplicas: p.offlineReplicas,
            errorCode: p.errorCode,
          }))
          .sort((a, b) => a.partition - b.partition),
      });
    }
    this.lastRefreshMs = Date.now();
  }

  /** The leader of a partition from the cache, or -1 when unknown. */
  leaderOf(topic: string, partition: number): number {
    const partitions = this.topics.get(topic)?.partitions;
    const info = partitions?.[partition]?.partition === partition ? partitions[partition] : partitions?.find((p) => p.partition === partition);
    return info?.leader ?? -1;
  }

  /** Throws a KafkaError for a non-zero error code (helper for response handling). */
  static check(code: number, context: string, message?: string | null): void {
    if (code !== 0) throw kafkaErrorFor(code, context, message);
  }

  /** Closes every connection. */
  close(): void {
    this.closed = true;
    for (const conn of this.connections.values()) conn.close();
    this.connections.clear();
  }
}
