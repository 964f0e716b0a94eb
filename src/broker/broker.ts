import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { ErrorCode, KafkaError } from '../common/errors.js';
import { parseProperties } from '../common/properties.js';
import {
  ConfigResourceType,
  MetadataImage,
  MetadataRecordType,
  decodeMetadataRecord,
  encodeImageSnapshot,
  encodeMetadataRecord,
  loadImageSnapshot,
  createPartitions,
  createTopics,
  deleteTopics,
  type ControllerContext,
  type CreatableTopic,
  type CreatePartitionsResult,
  type CreateTopicResult,
  type DeleteTopicResult,
  type MetadataRecord,
} from '../metadata/index.js';
import { LogManager, makeLogConfig, type LogConfig } from '../storage/index.js';
import type { BrokerConfig } from './config/broker-config.js';
import { ConfigError } from './config/config-error.js';
import { describeTopicConfig, effectiveLogConfig, validateTopicConfigs, type TopicConfigDescription } from './config/topic-config.js';
import { Connection } from './connection.js';
import { ALL_HANDLERS } from './handlers/index.js';
import { NotLeaderError, RaftDriver, type QuorumVoter } from './quorum/index.js';
import { BrokerLifecycle, PRODUCER_ID_BLOCK_SIZE } from './broker-lifecycle.js';
import { ADMIN_RETRY_MS, ControllerChannel } from './controller-channel.js';
import { ControllerService } from './controller-service.js';
import { CONTROLLER_HANDLERS, FORWARDED_API_KEYS } from './handlers/index.js';
import { ReplicaManager } from './replica-manager.js';
import { CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { RequestMetrics } from './metrics.js';
import { PartitionManager } from './partition-manager.js';
import { FetchPurgatory } from './purgatory.js';
import { GroupService } from './group-service.js';
import { BufferArenaPool } from '../common/buffer-arena.js';
import { RequestRouter } from './router.js';

/** Fetch read arenas: start size, largest size, and how many stay pooled when idle (see Broker.readArenas). */
const READ_ARENA_INITIAL_BYTES = 1024 * 1024;
const READ_ARENA_MAX_BYTES = 16 * 1024 * 1024;
const READ_ARENA_MAX_IDLE = 8;

/** Settings handlers read often, resolved once from the config. */
export interface BrokerSettings {
  readonly autoCreateTopicsEnable: boolean;
  readonly deleteTopicEnable: boolean;
  readonly numPartitions: number;
  readonly defaultReplicationFactor: number;
  readonly fetchMaxBytes: number;
}

/** A broker endpoint as Metadata and DescribeCluster report it. */
export interface BrokerEndpoint {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/** How long start-up waits for a metadata quorum leader before going on. */
const QUORUM_WAIT_MS = 30_000;
const FLUSH_CHECK_INTERVAL_MS = 1000;
/** How long the active controller waits for the other controllers to have an admin change. */
const PUBLISH_WAIT_MS = 1000;
const PUBLISH_APPLY_GRACE_MS = 30;
/** How long a broker waits to replay a change it asked the active controller for. */
const METADATA_CATCH_UP_MS = 3000;
/** How long a stopping broker waits for the controller to move its leaderships away. */
const CONTROLLED_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Request bytes read ahead per connection before it stops being read (one frame always fits). */
const MAX_QUEUED_BYTES_PER_CONNECTION = 4 * 1024 * 1024;
/** Security protocol ids as in RegisterBrokerRecord (Kafka's SecurityProtocol.id). */
const SECURITY_PROTOCOL_IDS: Record<string, number> = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 };

type Logger = (message: string) => void;

/**
 * The composition root: owns sockets, timers, files and the metadata log; wires storage, metadata
 * and handlers together. Metadata changes run one at a time through `submit`.
 */
export class Broker {
  readonly image = new MetadataImage();
  readonly purgatory = new FetchPurgatory();
  /**
   * Memory Fetch responses are read into, reused once a response is written: arenas grow to what
   * a fetch needs (up to READ_ARENA_MAX_BYTES; larger reads get buffers of their own) and at most
   * READ_ARENA_MAX_IDLE are kept between fetches.
   */
  readonly readArenas = new BufferArenaPool(READ_ARENA_INITIAL_BYTES, READ_ARENA_MAX_BYTES, READ_ARENA_MAX_IDLE);
  readonly metrics = new RequestMetrics();
  readonly router: RequestRouter;
  /** Serves the controller APIs on the controller listener (when this node is the active controller). */
  readonly controllerRouter: RequestRouter;
  readonly settings: BrokerSettings;
  readonly controller: ControllerService;
  readonly channel: ControllerChannel;
  readonly lifecycle: BrokerLifecycle;
  readonly replicas: ReplicaManager;
  readonly partitions: PartitionManager;
  readonly groups: GroupService;
  readonly clusterId: string;
  private readonly servers: Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Periodic flushes and checkpoints in progress, awaited before the logs close. */
  private readonly timerTasks = new Set<Promise<void>>();
  private metadataChain: Promise<unknown> = Promise.resolve();
  private producerIdNext = 0n;
  private producerIdEnd = 0n;
  private producerIdBlock: Promise<bigint> | undefined;
  /** Metadata record bytes applied since the last snapshot, when it was taken, and whether one is being written. */
  private bytesSinceSnapshot = 0;
  private lastSnapshotMs = Date.now();
  private snapshotting = false;
  private stopping = false;

  /** The KRaft metadata quorum this node votes in (a single voter by default). */
  private quorum!: RaftDriver;
  /** Whether start-up finished: from then on committed metadata also updates logs and groups. */
  private started = false;

  private constructor(
    readonly config: BrokerConfig,
    private readonly logs: LogManager,
    clusterId: string,
    readonly log: Logger,
  ) {
    this.clusterId = clusterId;
    this.router = new RequestRouter(this, ALL_HANDLERS, { forward: FORWARDED_API_KEYS });
    this.controllerRouter = new RequestRouter(this, CONTROLLER_HANDLERS);
    this.settings = {
      autoCreateTopicsEnable: config.getBoolean('auto.create.topics.enable'),
      deleteTopicEnable: config.getBoolean('delete.topic.enable'),
      numPartitions: config.getNumber('num.partitions'),
      defaultReplicationFactor: config.getNumber('default.replication.factor'),
      fetchMaxBytes: config.getNumber('fetch.max.bytes'),
    };
    this.partitions = new PartitionManager(config.nodeId, logs, this.purgatory, (topic) => this.logConfigFor(topic));
    this.groups = new GroupService(this, {
      groupMinSessionTimeoutMs: config.getNumber('group.min.session.timeout.ms'),
      groupMaxSessionTimeoutMs: config.getNumber('group.max.session.timeout.ms'),
      groupInitialRebalanceDelayMs: config.getNumber('group.initial.rebalance.delay.ms'),
      groupMaxSize: config.getNumber('group.max.size'),
      offsetsRetentionMs: config.getNumber('offsets.retention.minutes') * 60_000,
      offsetMetadataMaxBytes: config.getNumber('offset.metadata.max.bytes'),
    });
    this.channel = new ControllerChannel(config.nodeId, quorumVoters(config), () => this.quorumLeaderId(), config.getNumber('controller.quorum.request.timeout.ms'));
    this.controller = new ControllerService(this, {
      brokerSessionTimeoutMs: config.getNumber('broker.session.timeout.ms'),
      brokerHeartbeatIntervalMs: config.getNumber('broker.heartbeat.interval.ms'),
      autoLeaderRebalanceEnable: config.getBoolean('auto.leader.rebalance.enable'),
      leaderImbalanceCheckIntervalMs: config.getNumber('leader.imbalance.check.interval.seconds') * 1000,
    });
    this.lifecycle = new BrokerLifecycle(this, config.getNumber('broker.heartbeat.interval.ms'));
    this.replicas = new ReplicaManager(this, {
      replicaLagTimeMaxMs: config.getNumber('replica.lag.time.max.ms'),
      replicaFetchMaxBytes: config.getNumber('replica.fetch.max.bytes'),
      replicaFetchResponseMaxBytes: config.getNumber('replica.fetch.response.max.bytes'),
      replicaFetchWaitMaxMs: config.getNumber('replica.fetch.wait.max.ms'),
      replicaFetchMinBytes: config.getNumber('replica.fetch.min.bytes'),
      replicaFetchBackoffMs: config.getNumber('replica.fetch.backoff.ms'),
      requestTimeoutMs: config.getNumber('replica.socket.timeout.ms'),
    });
  }

  /** Absolute paths of the log dirs. */
  get logDirs(): string[] {
    return this.logs.logDirs;
  }

  /** The quorum leader's id, or null while there is none. */
  private quorumLeaderId(): number | null {
    const id = this.quorum?.status().leaderId ?? -1;
    return id >= 0 ? id : null;
  }

  /** Whether this node is the active controller: the quorum leader, with every earlier record applied. */
  isActiveController(): boolean {
    return this.quorum?.isActiveLeader() ?? false;
  }

  /** The offset of the last metadata record applied here (BrokerHeartbeat's currentMetadataOffset). */
  metadataOffset(): bigint {
    return this.image.lastOffset;
  }

  /** This broker's epoch from its registration (-1 before). */
  brokerEpoch(): bigint {
    return this.lifecycle.brokerEpoch;
  }

  /** What this broker registers with: its rack and advertised (non-controller) listeners. */
  registration(): { rack: string | null; listeners: { name: string; host: string; port: number; securityProtocol: number }[] } {
    const controllerNames = new Set(this.config.controllerListenerNames);
    return {
      rack: this.config.getString('broker.rack'),
      listeners: this.config.advertisedListeners
        .filter((l) => !controllerNames.has(l.name))
        .map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: SECURITY_PROTOCOL_IDS[l.securityProtocol] ?? 0 })),
    };
  }

  /** min.insync.replicas of a topic: its override or the broker default. */
  minInsyncReplicas(topic: string): number {
    const override = this.image.configsOf(ConfigResourceType.TOPIC, topic).get('min.insync.replicas');
    return override !== undefined ? Number(override) : this.config.getNumber('min.insync.replicas');
  }

  /** unclean.leader.election.enable of a topic: its override or the broker default. */
  uncleanLeaderElection(topic: string): boolean {
    const override = this.image.configsOf(ConfigResourceType.TOPIC, topic).get('unclean.leader.election.enable');
    return override !== undefined ? override === 'true' : this.config.getBoolean('unclean.leader.election.enable');
  }

  /** A broker's inter-broker listener address from the metadata image. */
  brokerAddress(brokerId: number): { host: string; port: number } | null {
    const name = this.config.getString('inter.broker.listener.name') ?? 'PLAINTEXT';
    const endpoint = this.image.brokers.get(brokerId)?.endpoints.find((e) => e.name === name);
    return endpoint ? { host: endpoint.host, port: endpoint.port } : null;
  }

  /** The broker's node id. */
  get nodeId(): number {
    return this.config.nodeId;
  }

  /** Whether this node has the broker role (process.roles); a controller-only node serves no clients. */
  get isBroker(): boolean {
    return this.config.processRoles.includes('broker');
  }

  /** Opens storage, replays metadata, registers this broker and starts the listeners. */
  static async start(config: BrokerConfig, log: Logger = console.log): Promise<Broker> {
    const logDirs = [...config.logDirs];
    const clusterId = ensureMetaProperties(logDirs, config);
    const nowMs = BigInt(Date.now());
    const metadataDir = config.getString('metadata.log.dir') ?? logDirs[0]!;
    const logs = LogManager.open({ logDirs, defaultConfig: makeLogConfig(), nowMs });
    const broker = new Broker(config, logs, clusterId, log);
    broker.quorum = await RaftDriver.start({
      nodeId: config.nodeId,
      clusterId,
      voters: quorumVoters(config),
      metadataDir,
      electionTimeoutMs: config.getNumber('controller.quorum.election.timeout.ms'),
      fetchTimeoutMs: config.getNumber('controller.quorum.fetch.timeout.ms'),
      segmentBytes: config.getNumber('metadata.log.segment.bytes'),
      listen: controllerListener(config),
      controllerApis: {
        apiVersions: () => broker.controllerRouter.apiVersions(),
        handleFrame: (frame, connection) => broker.controllerRouter.handle(frame, connection),
      },
      onCommitted: (entries) => broker.applyCommitted(entries),
      onSnapshot: (snapshot) => broker.loadSnapshot(snapshot),
      log,
    });
    await broker.waitForLeader();
    if (broker.isBroker) {
      broker.lifecycle.start();
      if (!(await broker.lifecycle.waitUntilRunning(QUORUM_WAIT_MS))) {
        log(`WARN: broker ${config.nodeId} is not unfenced yet (no active controller reachable?); serving anyway and retrying in the background`);
      }
    }
    await broker.partitions.sync(broker.image);
    broker.replicas.onMetadata();
    await broker.groups.sync();
    broker.started = true;
    const stray = broker.partitions.strayLogs();
    if (stray.length > 0) log(`WARN: ${stray.length} partition logs on disk are not in the cluster metadata and are left untouched: ${stray.slice(0, 10).join(', ')}`);
    log(`Data in ${logDirs.map((d) => resolve(d)).join(', ')} (metadata log in ${resolve(metadataDir)})`);
    await broker.listen();
    broker.startTimers();
    return broker;
  }

  /** Applies committed metadata records: the image first, then (after start-up) logs, groups and configs. */
  private async applyCommitted(entries: readonly { offset: bigint; data: Buffer }[]): Promise<void> {
    const records: MetadataRecord[] = [];
    for (const entry of entries) {
      const record = decodeMetadataRecord(entry.data);
      this.image.replay(record, entry.offset);
      records.push(record);
      this.bytesSinceSnapshot += entry.data.length;
    }
    this.maybeSnapshot();
    if (!this.started) return;
    await this.partitions.sync(this.image);
    this.replicas.onMetadata();
    await this.groups.sync();
    for (const r of records) if (r.type === MetadataRecordType.Config) this.partitions.updateConfig(r.data.resourceName);
  }

  /**
   * Replaces the image with a snapshot (at start, or installed from the quorum leader) and, once
   * started, brings logs, replication and groups in line with it.
   */
  private async loadSnapshot(snapshot: { endOffset: bigint; data: Buffer }): Promise<void> {
    loadImageSnapshot(this.image, snapshot.data, snapshot.endOffset - 1n);
    this.bytesSinceSnapshot = 0;
    this.lastSnapshotMs = Date.now();
    this.log(`Metadata image loaded from the snapshot ending at offset ${snapshot.endOffset}: ${this.image.topicsByName.size} topics, ${this.image.brokers.size} brokers`);
    if (!this.started) return;
    await this.partitions.sync(this.image);
    this.replicas.onMetadata();
    await this.groups.sync();
    for (const topic of this.image.topicsByName.keys()) this.partitions.updateConfig(topic);
  }

  /**
   * Snapshots the image once metadata.log.max.record.bytes.between.snapshots of records were
   * applied since the last one, or metadata.log.max.snapshot.interval.ms passed with any; the
   * quorum then drops the log below it (Kafka's snapshot generation). Runs in the background.
   */
  private maybeSnapshot(): void {
    if (!this.quorum || this.stopping || this.snapshotting || this.bytesSinceSnapshot === 0 || this.image.lastOffset < 0n) return;
    const now = Date.now();
    const bySize = this.bytesSinceSnapshot >= this.config.getNumber('metadata.log.max.record.bytes.between.snapshots');
    const interval = this.config.getNumber('metadata.log.max.snapshot.interval.ms');
    const byTime = interval > 0 && now - this.lastSnapshotMs >= interval;
    if (!bySize && !byTime) return;
    const endOffset = this.image.lastOffset + 1n;
    const data = encodeImageSnapshot(this.image);
    this.snapshotting = true;
    this.bytesSinceSnapshot = 0;
    this.lastSnapshotMs = now;
    this.quorum
      .snapshot(endOffset, data)
      .then(
        (id) => this.log(`Metadata snapshot ${id.endOffset}-${id.epoch} written (${data.length} bytes); the metadata log before it is dropped`),
        (e: Error) => this.log(`WARN: metadata snapshot at ${endOffset} failed: ${e.message}`),
      )
      .finally(() => (this.snapshotting = false));
  }

  /** Waits (bounded) until the quorum has a leader, so start-up registration can be written. */
  private async waitForLeader(): Promise<void> {
    const deadline = Date.now() + QUORUM_WAIT_MS;
    const leader = (): number => this.quorum.status().leaderId ?? -1;
    while (leader() < 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (leader() < 0) this.log(`WARN: no metadata quorum leader after ${QUORUM_WAIT_MS} ms; waiting for the other controllers`);
  }

  private async listen(): Promise<void> {
    const controllerNames = new Set(this.config.controllerListenerNames);
    if (!this.isBroker) {
      const port = this.quorum.port;
      const listener = this.config.listeners.find((l) => controllerNames.has(l.name));
      this.log(`Samsa controller ${this.nodeId} (cluster ${this.clusterId}) listening on ${listener?.name ?? 'CONTROLLER'}://${listener?.host ?? ''}:${port}`);
      return;
    }
    const limits = {
      maxRequestBytes: this.config.getNumber('socket.request.max.bytes'),
      maxQueuedRequests: Math.max(1, Math.min(this.config.getNumber('queued.max.requests'), 1000)),
      // Kafka reads one request per connection at a time; Samsa reads ahead a little for pipelining.
      maxQueuedBytes: MAX_QUEUED_BYTES_PER_CONNECTION,
    };
    for (const listener of this.config.listeners) {
      if (controllerNames.has(listener.name)) continue;
      if (listener.securityProtocol !== 'PLAINTEXT') {
        throw new ConfigError([{
          key: 'listeners',
          value: `${listener.name}://${listener.host}:${listener.port}`,
          source: 'listener.security.protocol.map',
          message: `Listener ${listener.name} uses ${listener.securityProtocol}, which Samsa does not support yet; only PLAINTEXT listeners can be served.`,
        }]);
      }
      const server = createServer((socket) => {
        if (this.stopping) return void socket.destroy();
        const connection = new Connection(socket, listener.name, limits, (frame, conn) => this.router.handle(frame, conn), this.log);
        this.connections.add(connection);
        socket.on('close', () => this.connections.delete(connection));
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: listener.host === '' ? undefined : listener.host, port: listener.port }, () => resolve());
      });
      server.on('error', (error) => this.log(`ERROR: listener ${listener.name}: ${error.message}`));
      this.servers.push(server);
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : listener.port;
      this.log(`Samsa broker ${this.nodeId} (cluster ${this.clusterId}) listening on ${listener.name}://${listener.host}:${port}`);
    }
  }

  private startTimers(): void {
    const every = (ms: number, what: string, task: () => Promise<void>): void => {
      let running: Promise<void> | undefined;
      const timer = setInterval(() => {
        if (running || this.stopping) return;
        running = task()
          .catch((e: Error) => this.log(`ERROR: ${what}: ${e.message}`))
          .finally(() => {
            this.timerTasks.delete(running!);
            running = undefined;
          });
        this.timerTasks.add(running);
      }, ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(FLUSH_CHECK_INTERVAL_MS, 'flush', () => this.logs.flushIfDue(BigInt(Date.now())));
    // Kafka's checkpoint intervals; the fsyncs run off the event loop.
    every(this.config.getNumber('replica.high.watermark.checkpoint.interval.ms'), 'high watermark checkpoint', () => this.logs.checkpointHighWatermarks());
    every(this.config.getNumber('log.flush.offset.checkpoint.interval.ms'), 'recovery point checkpoint', () => this.logs.checkpointRecoveryPoints());
    every(this.config.getNumber('log.flush.start.offset.checkpoint.interval.ms'), 'log start offset checkpoint', () => this.logs.checkpointLogStartOffsetsAsync());
  }

  /**
   * The controller id Metadata and DescribeCluster report: the active controller when it is also a
   * broker (combined mode), else a live broker.
   */
  controllerId(): number {
    const leaderId = this.quorum.status().leaderId ?? -1;
    // Clients connect to the controller id they are given: with separate roles the active
    // controller has no broker listener, so (as Kafka does) they get a live broker instead.
    const live = this.image.liveBrokers();
    if (leaderId >= 0 && live.some((b) => b.brokerId === leaderId)) return leaderId;
    if (live.length === 0) return leaderId >= 0 && this.isBroker ? leaderId : -1;
    return live.some((b) => b.brokerId === this.nodeId) ? this.nodeId : live[0]!.brokerId;
  }

  /** The controllers (controller.quorum.voters) and the quorum's leader, for DescribeCluster on the controller listener. */
  controllerEndpoints(): { leaderId: number; voters: QuorumVoter[] } {
    return { leaderId: this.quorumLeaderId() ?? -1, voters: quorumVoters(this.config) };
  }

  /** The metadata quorum, for DescribeQuorum. */
  get metadataQuorum(): RaftDriver {
    return this.quorum;
  }

  /** Live brokers' endpoints for a listener name, as clients on that listener must see them. */
  brokerEndpoints(listenerName: string): BrokerEndpoint[] {
    const out: BrokerEndpoint[] = [];
    for (const b of this.image.liveBrokers()) {
      const endpoint = b.endpoints.find((e) => e.name === listenerName);
      if (endpoint) out.push({ nodeId: b.brokerId, host: endpoint.host, port: endpoint.port, rack: b.rack });
    }
    return out;
  }

  /** A topic's log config: its overrides on top of the broker's defaults. */
  logConfigFor(topic: string): LogConfig {
    const c = effectiveLogConfig(this.topicOverrides(topic), this.config);
    return makeLogConfig({
      segmentBytes: c.segmentBytes,
      segmentMs: c.segmentMs,
      segmentIndexBytes: c.segmentIndexBytes,
      indexIntervalBytes: c.indexIntervalBytes,
      flushMessages: c.flushMessages,
      flushMs: c.flushMs,
      maxMessageBytes: c.maxMessageBytes,
      messageTimestampType: c.messageTimestampType,
      retentionMs: c.retentionMs,
      retentionBytes: c.retentionBytes,
      cleanupPolicy: c.cleanupPolicy.join(',') as LogConfig['cleanupPolicy'],
      producerIdExpirationMs: this.config.getNumber('producer.id.expiration.ms'),
    });
  }

  /** A topic's config overrides from the metadata image. */
  topicOverrides(topic: string): Record<string, string> {
    return Object.fromEntries(this.image.configsOf(ConfigResourceType.TOPIC, topic));
  }

  /** A topic's described configs (every topic config with value, source and synonyms). */
  describeTopicConfigs(topic: string): TopicConfigDescription[] {
    return describeTopicConfig(this.topicOverrides(topic), this.config);
  }

  /** Configs of a topic being created, as CreateTopics v5+ returns them. */
  topicConfigEntries(topic: string, requested: readonly { name: string; value: string | null }[]): TopicConfigDescription[] {
    const overrides: Record<string, string> = this.topicOverrides(topic);
    for (const c of requested) if (c.value !== null) overrides[c.name] = c.value;
    return describeTopicConfig(overrides, this.config);
  }

  private controllerContext(): ControllerContext {
    return {
      image: this.image,
      defaultNumPartitions: this.settings.numPartitions,
      defaultReplicationFactor: this.settings.defaultReplicationFactor,
      newTopicId: () => randomBytes(16).toString('base64url'),
      randomInt: () => randomInt(0, 0x7fffffff),
      validateTopicConfigs: (configs) => {
        try {
          validateTopicConfigs(Object.fromEntries(configs));
          return null;
        } catch (e) {
          return e instanceof ConfigError ? e.problems.map((p) => p.message).join('; ') : (e as Error).message;
        }
      },
    };
  }

  /**
   * Runs a metadata operation exclusively: it plans records from the current image, the records
   * are appended (fsynced) to the metadata log and replayed, then partition logs follow the image.
   */
  submit<T>(operation: (ctx: ControllerContext) => { records: MetadataRecord[]; result: T }, options: { publish?: boolean } = {}): Promise<T> {
    let committedAt = -1n;
    const run = async (): Promise<T> => {
      if (!this.isActiveController()) {
        const leader = this.quorumLeaderId();
        throw new KafkaError(ErrorCode.NOT_CONTROLLER, `Node ${this.nodeId} is not the active controller${leader === null ? ' (the metadata quorum has no leader)' : ` (node ${leader} is)`}.`);
      }
      const { records, result } = operation(this.controllerContext());
      if (records.length > 0) {
        try {
          // Resolves once committed by the quorum and applied (image, logs, groups) by applyCommitted.
          committedAt = await this.quorum.propose(records.map(encodeMetadataRecord));
        } catch (error) {
          if (error instanceof NotLeaderError) throw new KafkaError(ErrorCode.NOT_CONTROLLER, error.message);
          throw error;
        }
      }
      return result;
    };
    const next = this.metadataChain.then(run, run);
    this.metadataChain = next.catch(() => undefined);
    // Admin changes are answered once the other live controllers have the records too, so that a
    // client reading metadata from any broker next sees its change (outside the exclusive chain).
    return options.publish ? next.then(async (result) => {
      if (committedAt >= 0n) await this.awaitVotersHave(committedAt);
      return result;
    }) : next;
  }

  /**
   * Runs a controller operation; when the controller cannot be reached or refuses (no quorum,
   * leadership moving), every item gets that error instead of the connection being closed.
   */
  private async perItem<I, R>(items: I[], fail: (item: I, error: { errorCode: number; errorMessage: string }) => R, run: () => Promise<R[]>): Promise<R[]> {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof KafkaError)) throw error;
      const errorCode = error.code === ErrorCode.NETWORK_EXCEPTION ? ErrorCode.REQUEST_TIMED_OUT : error.code;
      return items.map((item) => fail(item, { errorCode, errorMessage: error.message }));
    }
  }

  /** Waits (bounded) until every voter and observer that is fetching has fetched past `offset`, plus a moment to apply it. */
  private async awaitVotersHave(offset: bigint): Promise<void> {
    const deadline = Date.now() + PUBLISH_WAIT_MS;
    for (;;) {
      const status = this.quorum.status();
      const now = Date.now();
      // Voters and observers (broker-only nodes) that are fetching.
      const lagging = [...status.voters, ...(status.observers ?? [])].filter((v) => v.nodeId !== this.nodeId && v.lastFetchTimestampMs >= 0 && now - v.lastFetchTimestampMs < 2000 && v.endOffset <= offset);
      if (lagging.length === 0 || now >= deadline || this.stopping) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    // The fetch that carried the records is answered with the high watermark that commits them;
    // give the others a moment to apply it.
    await new Promise((r) => setTimeout(r, PUBLISH_APPLY_GRACE_MS));
  }

  /**
   * After the active controller (another node) made a change: waits, briefly and bounded, until
   * this node has replayed it, so that a client reading metadata from this broker next sees it.
   */
  private async awaitMetadata(applied: () => boolean): Promise<void> {
    const deadline = Date.now() + METADATA_CATCH_UP_MS;
    while (!applied() && Date.now() < deadline && !this.stopping) await new Promise((r) => setTimeout(r, 5));
  }

  /** CreateTopics (validate-only plans without writing); sent to the active controller when that is another node. */
  async createTopics(topics: CreatableTopic[], validateOnly: boolean): Promise<CreateTopicResult[]> {
    return this.perItem(topics, (t, e) => ({ name: t.name, topicId: '', numPartitions: -1, replicationFactor: -1, ...e }), () => this.createTopicsNow(topics, validateOnly));
  }

  private async createTopicsNow(topics: CreatableTopic[], validateOnly: boolean): Promise<CreateTopicResult[]> {
    if (!this.isActiveController()) {
      const response = await this.channel.request(CreateTopicsRequest, CreateTopicsResponse, 7, {
        topics: topics.map((t) => ({
          name: t.name, numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
          assignments: t.assignments, configs: t.configs,
        })),
        timeoutMs: 30_000,
        validateOnly,
      }, ADMIN_RETRY_MS);
      const results = response.topics.map((t) => ({
        name: t.name, errorCode: t.errorCode, errorMessage: t.errorMessage, topicId: t.topicId,
        numPartitions: t.numPartitions, replicationFactor: t.replicationFactor,
      }));
      const made = validateOnly ? [] : results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.name);
      await this.awaitMetadata(() => made.every((name) => this.image.topic(name)));
      return results;
    }
    return this.submit((ctx) => {
      const { records, results } = createTopics(ctx, topics);
      return { records: validateOnly ? [] : records, result: results };
    }, { publish: true });
  }

  /** DeleteTopics; sent to the active controller when that is another node. */
  async deleteTopics(topics: { name: string | null; topicId: string | null }[]): Promise<DeleteTopicResult[]> {
    return this.perItem(topics, (t, e) => ({ name: t.name, topicId: t.topicId ?? '', ...e }), () => this.deleteTopicsNow(topics));
  }

  private async deleteTopicsNow(topics: { name: string | null; topicId: string | null }[]): Promise<DeleteTopicResult[]> {
    if (!this.isActiveController()) {
      const response = await this.channel.request(DeleteTopicsRequest, DeleteTopicsResponse, 6, {
        topics: topics.map((t) => ({ name: t.name, topicId: t.topicId ?? 'AAAAAAAAAAAAAAAAAAAAAA' })),
        topicNames: [],
        timeoutMs: 30_000,
      }, ADMIN_RETRY_MS);
      const results = response.responses.map((r) => ({ name: r.name, topicId: r.topicId, errorCode: r.errorCode, errorMessage: r.errorMessage }));
      const gone = results.filter((r) => r.errorCode === ErrorCode.NONE).map((r) => r.topicId);
      await this.awaitMetadata(() => gone.every((id) => !this.image.topicsById.has(id)));
      return results;
    }
    return this.submit((ctx) => {
      const { records, results } = deleteTopics(ctx, topics);
      return { records, result: results };
    }, { publish: true });
  }

  /** CreatePartitions (validate-only plans without writing). */
  async createPartitions(
    topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[],
    validateOnly: boolean,
  ): Promise<CreatePartitionsResult[]> {
    return this.perItem(topics, (t, e) => ({ name: t.name, ...e }), () => this.createPartitionsNow(topics, validateOnly));
  }

  private async createPartitionsNow(
    topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[],
    validateOnly: boolean,
  ): Promise<CreatePartitionsResult[]> {
    if (!this.isActiveController()) {
      const response = await this.channel.request(CreatePartitionsRequest, CreatePartitionsResponse, 3, {
        topics: topics.map((t) => ({ name: t.name, count: t.count, assignments: t.assignments })),
        timeoutMs: 30_000,
        validateOnly,
      }, ADMIN_RETRY_MS);
      const results = response.results.map((r) => ({ name: r.name, errorCode: r.errorCode, errorMessage: r.errorMessage }));
      const grown = validateOnly ? [] : topics.filter((t) => results.some((r) => r.name === t.name && r.errorCode === ErrorCode.NONE));
      await this.awaitMetadata(() => grown.every((t) => (this.image.topic(t.name)?.partitions.size ?? 0) >= t.count));
      return results;
    }
    return this.submit((ctx) => {
      const { records, results } = createPartitions(ctx, topics);
      return { records: validateOnly ? [] : records, result: results };
    }, { publish: true });
  }

  /** Writes config records (already validated by the caller). */
  writeConfigRecords(records: MetadataRecord[]): Promise<void> {
    return this.submit(() => ({ records, result: undefined }));
  }

  /** A producer id never handed out before, from a block the active controller persisted in the metadata log. */
  async nextProducerId(): Promise<bigint> {
    if (this.producerIdNext >= this.producerIdEnd) {
      this.producerIdBlock ??= this.lifecycle.allocateProducerIds().finally(() => (this.producerIdBlock = undefined));
      const first = await this.producerIdBlock;
      if (this.producerIdNext >= this.producerIdEnd) {
        this.producerIdNext = first;
        this.producerIdEnd = first + BigInt(PRODUCER_ID_BLOCK_SIZE);
      }
    }
    return this.producerIdNext++;
  }

  /** Stops listeners, answers waiting fetches, flushes and closes every log (clean shutdown). */
  async shutdown(): Promise<void> {
    if (this.stopping) return;
    // Controlled shutdown: the controller moves leadership away before this node stops serving.
    if (this.isBroker && (this.config.controllerQuorumVoters.length > 1 || !this.config.processRoles.includes('controller')) && this.started) {
      const moved = await this.lifecycle.controlledShutdown(CONTROLLED_SHUTDOWN_TIMEOUT_MS);
      this.log(moved ? `Broker ${this.nodeId}: controlled shutdown complete, leadership moved` : `WARN: broker ${this.nodeId}: controlled shutdown did not complete within ${CONTROLLED_SHUTDOWN_TIMEOUT_MS} ms; stopping anyway`);
    }
    this.lifecycle.stop();
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    for (const server of this.servers) server.close();
    this.purgatory.completeAll();
    for (const c of this.connections) c.close();
    await this.metadataChain;
    await Promise.allSettled([...this.timerTasks]);
    await this.groups.close();
    await this.replicas.close();
    this.controller.close();
    this.channel.close();
    await this.logs.close();
    await this.quorum.close();
    this.log(`Samsa broker ${this.nodeId} shut down cleanly`);
  }
}

/**
 * The controller quorum's voters; without controller.quorum.voters, this node alone (combined or
 * controller-only). A dynamic quorum (KIP-853, controller.quorum.bootstrap.servers only) is not
 * supported: start-up stops with a message saying what to set instead.
 */
function quorumVoters(config: BrokerConfig): QuorumVoter[] {
  const voters = config.controllerQuorumVoters.map((v) => ({ id: v.nodeId, host: v.host, port: v.port }));
  if (voters.length > 0) return voters;
  if (!config.processRoles.includes('controller')) {
    throw new ConfigError([{
      key: 'controller.quorum.voters',
      value: '',
      source: 'controller.quorum.bootstrap.servers',
      message: 'A broker-only node needs controller.quorum.voters (id@host:port of every controller); Samsa does not support a dynamic quorum found through controller.quorum.bootstrap.servers yet.',
    }]);
  }
  return [{ id: config.nodeId, host: '127.0.0.1', port: 0 }];
}

/** Where this node serves the KRaft APIs: its controller listener, if it has one. */
function controllerListener(config: BrokerConfig): { host: string; port: number } | undefined {
  if (!config.processRoles.includes('controller')) return undefined;
  const names = new Set(config.controllerListenerNames);
  const listener = config.listeners.find((l) => names.has(l.name));
  return listener ? { host: listener.host === '' ? '0.0.0.0' : listener.host, port: listener.port } : undefined;
}

/**
 * Reads or writes `meta.properties` in every log dir (Kafka's `version=1`, `cluster.id`,
 * `node.id`, `directory.id`). Samsa formats new directories itself; a directory that belongs to
 * another cluster or node stops start-up.
 */
function ensureMetaProperties(logDirs: string[], config: BrokerConfig): string {
  let clusterId = config.clusterId;
  for (const dir of logDirs) {
    const file = join(dir, 'meta.properties');
    if (!existsSync(file)) continue;
    const props = new Map(parseProperties(readFileSync(file, 'utf8')).map((e) => [e.key, e.value]));
    const found = props.get('cluster.id');
    if (clusterId !== undefined && found !== undefined && found !== clusterId) {
      throw new ConfigError([{ key: 'cluster.id', value: found, source: file, message: `Log directory ${dir} belongs to cluster ${found}, not ${clusterId}. Use an empty log.dirs or the matching CLUSTER_ID.` }]);
    }
    const nodeId = props.get('node.id');
    if (nodeId !== undefined && Number(nodeId) !== config.nodeId) {
      throw new ConfigError([{ key: 'node.id', value: String(config.nodeId), source: file, message: `Log directory ${dir} belongs to node ${nodeId}, but node.id is ${config.nodeId}.` }]);
    }
    clusterId ??= found;
  }
  clusterId ??= randomBytes(16).toString('base64url');
  for (const dir of logDirs) {
    const file = join(dir, 'meta.properties');
    if (existsSync(file)) continue;
    mkdirSync(dir, { recursive: true });
    const text = [
      '#',
      `#${new Date().toString()}`,
      `cluster.id=${clusterId}`,
      `directory.id=${randomBytes(16).toString('base64url')}`,
      `node.id=${config.nodeId}`,
      'version=1',
      '',
    ].join('\n');
    writeFileSync(file, text);
  }
  return clusterId;
}
