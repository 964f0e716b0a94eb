import { ErrorCode, KafkaError } from '../common/index.js';
import { Reader, Writer } from '../protocol/index.js';
import { ConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
import { ConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import { Apis } from './apis.js';
import { ASSIGNORS, type Assignor, type MemberSubscription } from './assignors.js';
import { backoffMs, sleep, type Cluster } from './cluster.js';
import type { ConsumerConfig } from './config.js';
import type { BrokerConnection } from './connection.js';
import { isRetriableError, kafkaErrorFor } from './errors.js';
import { tpKey, type TopicPartition, type TopicPartitionOffset } from './record.js';

/** Callbacks around a rebalance, as the Java client's ConsumerRebalanceListener. */
export interface RebalanceListener {
  /** Partitions taken away in an orderly way (commit their offsets here if auto-commit is off). */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions newly assigned (cooperative: only the added ones). */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a chance to commit (session expired, generation fenced). */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

/** The part of the consumer that group membership drives. */
interface GroupConsumer {
  readonly config: ConsumerConfig;
  readonly cluster: Cluster;
  assignment(): TopicPartition[];
  setAssignment(partitions: readonly TopicPartition[]): void;
  positions(): TopicPartitionOffset[];
  applyCommitted(offsets: readonly TopicPartitionOffset[]): void;
}

const CONSUMER_PROTOCOL_VERSION = 3;
const NO_GENERATION = -1;

/** Encodes a consumer-protocol payload: int16 version then the body. */
function encodeVersioned<T>(codec: { encode(w: Writer, m: T, v: number): void }, message: T, version: number): Buffer {
  const w = new Writer(128);
  w.int16(version);
  codec.encode(w, message, version);
  return w.toBuffer();
}

function decodeVersioned<T>(codec: { decode(r: Reader, v: number): T }, data: Buffer): T {
  const r = new Reader(data);
  const version = Math.min(r.int16(), CONSUMER_PROTOCOL_VERSION); // newer versions only add fields
  return codec.decode(r, version);
}

function groupByTopic(tps: readonly TopicPartition[]): { topic: string; partitions: number[] }[] {
  const map = new Map<string, number[]>();
  for (const tp of tps) {
    let list = map.get(tp.topic);
    if (list === undefined) map.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  return [...map].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

function minus(a: readonly TopicPartition[], b: readonly TopicPartition[]): TopicPartition[] {
  const keys = new Set(b.map((tp) => tpKey(tp.topic, tp.partition)));
  return a.filter((tp) => !keys.has(tpKey(tp.topic, tp.partition)));
}

/** The broker coordinating a group. */
export interface GroupCoordinator {
  nodeId: number;
  host: string;
  port: number;
}

/** Asks any broker which broker coordinates a group (FindCoordinator, key type 0), once. */
async function lookupGroupCoordinator(cluster: Cluster, groupId: string): Promise<GroupCoordinator> {
  const conn = await cluster.anyConnection();
  const v = conn.versionOf(Apis.FindCoordinator);
  const response = await conn.request(Apis.FindCoordinator, v >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 });
  const c = v >= 4 ? response.coordinators[0] : response;
  if (c === undefined) throw new KafkaError(ErrorCode.COORDINATOR_NOT_AVAILABLE, `FindCoordinator returned no coordinator for group '${groupId}'`);
  if (c.errorCode !== 0) throw kafkaErrorFor(c.errorCode, `FindCoordinator for group '${groupId}'`, c.errorMessage);
  return { nodeId: c.nodeId, host: c.host, port: c.port };
}

/** The coordinator of a group, retrying while it is being elected or loaded. */
export async function describeGroupCoordinator(cluster: Cluster, groupId: string): Promise<GroupCoordinator> {
  return cluster.retry('FindCoordinator', () => lookupGroupCoordinator(cluster, groupId), { retries: 20, deadlineMs: cluster.config.requestTimeoutMs * 2 });
}

/** Finds the coordinator of a group (FindCoordinator, key type 0) and connects to it. */
export async function findGroupCoordinator(cluster: Cluster, groupId: string): Promise<BrokerConnection> {
  return cluster.retry('FindCoordinator', async () => {
    const c = await lookupGroupCoordinator(cluster, groupId);
    return cluster.connectionTo(c.host, c.port);
  }, { retries: 20, deadlineMs: cluster.config.requestTimeoutMs * 2 });
}

/**
 * Classic consumer-group membership (JoinGroup/SyncGroup/Heartbeat/LeaveGroup) with client-side
 * assignors, eager or cooperative rebalancing, auto-commit and offset fetch on assignment. Driven
 * by the consumer's poll(); heartbeats and auto-commits run on timers.
 */
export class GroupMembership {
  private topics: string[] = [];
  private listener: RebalanceListener = {};
  private memberId = '';
  private generationId = NO_GENERATION;
  private protocol: Assignor | null = null;
  private coordinator: BrokerConnection | null = null;
  private needsJoin = false;
  private joining: Promise<void> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private autoCommitTimer: NodeJS.Timeout | null = null;
  private lastCommitted = new Map<string, bigint>();
  private closed = false;
  /** True while offsets of a new assignment are being fetched (the consumer must not reset them). */
  fetchingCommitted = false;
  private readonly config: ConsumerConfig;
  private readonly assignors: Assignor[];

  constructor(private readonly consumer: GroupConsumer, private readonly groupId: string) {
    this.config = consumer.config;
    this.assignors = this.config.assignors.map((name) => ASSIGNORS.get(name)!);
  }

  /** Whether subscribe() was called (and not undone). */
  get subscribed(): boolean {
    return this.topics.length > 0;
  }

  /** Sets the subscription; the next poll() joins (or rejoins) the group. */
  subscribe(topics: readonly string[], listener: RebalanceListener = {}): void {
    this.topics = [...new Set(topics)].sort();
    this.listener = listener;
    this.consumer.cluster.track(this.topics);
    this.needsJoin = true;
  }

  /** Leaves the group and forgets the subscription. */
  async unsubscribe(): Promise<void> {
    await this.leave('the consumer unsubscribed');
    this.topics = [];
  }

  /** Joins or rejoins when needed; called at the start of every poll(). */
  async poll(_deadlineMs: number): Promise<void> {
    if (!this.subscribed || this.closed) return;
    if (!this.needsJoin && this.generationId !== NO_GENERATION) return;
    await this.startJoin();
  }

  /** Starts (or joins) the join/sync round. */
  private startJoin(): Promise<void> {
    this.joining ??= this.joinLoop().finally(() => {
      this.joining = null;
    });
    return this.joining;
  }

  /** Called after poll() returned records (nothing to do: commits are timer- or caller-driven). */
  onRecordsReturned(): void {}

  private async coordinatorConnection(): Promise<BrokerConnection> {
    if (this.coordinator?.isOpen) return this.coordinator;
    this.coordinator = await findGroupCoordinator(this.consumer.cluster, this.groupId);
    return this.coordinator;
  }

  /** Runs a coordinator request, rediscovering the coordinator on NOT_COORDINATOR and the like. */
  private async onCoordinator<T>(fn: (conn: BrokerConnection) => Promise<T>): Promise<T> {
    try {
      return await fn(await this.coordinatorConnection());
    } catch (err) {
      if (err instanceof KafkaError && (err.code === ErrorCode.NOT_COORDINATOR || err.code === ErrorCode.COORDINATOR_NOT_AVAILABLE || err.code === ErrorCode.NETWORK_EXCEPTION)) {
        this.coordinator = null;
      }
      throw err;
    }
  }

  private async joinLoop(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      try {
        await this.joinOnce();
        return;
      } catch (err) {
        if (!(err instanceof KafkaError)) throw err;
        if (err.code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        else if (err.code === ErrorCode.MEMBER_ID_REQUIRED) continue;
        else if (!isRetriableError(err) && err.code !== ErrorCode.ILLEGAL_GENERATION && err.code !== ErrorCode.REBALANCE_IN_PROGRESS) throw err;
        if (attempt > 50) throw err;
        await sleep(backoffMs(this.config, attempt));
      }
    }
  }

  private async joinOnce(): Promise<void> {
    const owned = this.consumer.assignment();
    const cooperative = this.protocol?.cooperative ?? false;
    if (!cooperative && owned.length > 0 && this.generationId !== NO_GENERATION) {
      // Eager protocols give everything up before rejoining.
      if (this.config.autoCommit) await this.commit(this.consumer.positions()).catch(() => undefined);
      await this.listener.onPartitionsRevoked?.(owned);
      this.consumer.setAssignment([]);
    }
    this.stopHeartbeats();
    const ownedNow = this.consumer.assignment();
    const subscription = encodeVersioned(
      ConsumerProtocolSubscription,
      { topics: this.topics, userData: null, ownedPartitions: groupByTopic(ownedNow), generationId: this.generationId, rackId: null },
      CONSUMER_PROTOCOL_VERSION,
    );
    const join = await this.onCoordinator((conn) =>
      conn.request(
        Apis.JoinGroup,
        {
          groupId: this.groupId,
          sessionTimeoutMs: this.config.sessionTimeoutMs,
          rebalanceTimeoutMs: this.config.rebalanceTimeoutMs,
          memberId: this.memberId,
          groupInstanceId: this.config.groupInstanceId ?? null,
          protocolType: 'consumer',
          protocols: this.assignors.map((a) => ({ name: a.name, metadata: subscription })),
        },
        { timeoutMs: this.config.rebalanceTimeoutMs + 5000 },
      ),
    );
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = join.memberId; // KIP-394: join again with the assigned id
      throw new KafkaError(ErrorCode.MEMBER_ID_REQUIRED);
    }
    if (join.errorCode !== 0) throw kafkaErrorFor(join.errorCode, `JoinGroup '${this.groupId}'`);
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocol = ASSIGNORS.get(join.protocolName ?? '') ?? this.assignors[0]!;
    const assignments = join.leader === join.memberId && !join.skipAssignment ? await this.computeAssignment(join.members) : [];
    const sync = await this.onCoordinator((conn) =>
      conn.request(Apis.SyncGroup, {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: this.config.groupInstanceId ?? null,
        protocolType: 'consumer',
        protocolName: this.protocol!.name,
        assignments,
      }),
    );
    if (sync.errorCode !== 0) throw kafkaErrorFor(sync.errorCode, `SyncGroup '${this.groupId}'`);
    const assigned: TopicPartition[] = [];
    if (sync.assignment.length > 0) {
      const decoded = decodeVersioned(ConsumerProtocolAssignment, sync.assignment);
      for (const t of decoded.assignedPartitions) for (const p of t.partitions) assigned.push({ topic: t.topic, partition: p });
    }
    await this.install(ownedNow, assigned);
  }

  private async install(owned: TopicPartition[], assigned: TopicPartition[]): Promise<void> {
    const revoked = minus(owned, assigned);
    const added = minus(assigned, owned);
    if (revoked.length > 0) {
      if (this.config.autoCommit) await this.commit(this.consumer.positions().filter((p) => revoked.some((r) => r.topic === p.topic && r.partition === p.partition))).catch(() => undefined);
      await this.listener.onPartitionsRevoked?.(revoked);
    }
    this.fetchingCommitted = true;
    try {
      this.consumer.setAssignment(assigned);
      if (added.length > 0) this.consumer.applyCommitted(await this.fetchCommitted(added));
    } finally {
      this.fetchingCommitted = false;
    }
    // Cooperative: partitions given up trigger a follow-up rebalance so others can take them.
    this.needsJoin = this.protocol!.cooperative && revoked.length > 0;
    this.startHeartbeats();
    if (added.length > 0 || !this.protocol!.cooperative) await this.listener.onPartitionsAssigned?.(added);
  }

  private async computeAssignment(members: { memberId: string; metadata: Buffer }[]): Promise<{ memberId: string; assignment: Buffer }[]> {
    const subscriptions: MemberSubscription[] = members.map((m) => {
      const s = decodeVersioned(ConsumerProtocolSubscription, m.metadata);
      return {
        memberId: m.memberId,
        topics: s.topics,
        ownedPartitions: s.ownedPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
      };
    });
    const counts = new Map<string, number>();
    for (const topic of new Set(subscriptions.flatMap((s) => s.topics))) {
      const info = await this.consumer.cluster.topicMetadata(topic).catch(() => undefined);
      if (info !== undefined) counts.set(topic, info.partitions.length);
    }
    const result = this.protocol!.assign(subscriptions, counts);
    return subscriptions.map((s) => ({
      memberId: s.memberId,
      assignment: encodeVersioned(
        ConsumerProtocolAssignment,
        { assignedPartitions: groupByTopic(result.get(s.memberId) ?? []).map((t) => ({ topic: t.topic, partitions: t.partitions })), userData: null },
        CONSUMER_PROTOCOL_VERSION,
      ),
    }));
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.config.heartbeatIntervalMs);
    if (this.config.autoCommit && this.autoCommitTimer === null) {
      this.autoCommitTimer = setInterval(() => void this.commit(this.consumer.positions()).catch(() => undefined), this.config.autoCommitIntervalMs);
    }
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    if (this.joining || this.generationId === NO_GENERATION) return;
    try {
      const response = await this.onCoordinator((conn) =>
        conn.request(Apis.Heartbeat, { groupId: this.groupId, generationId: this.generationId, memberId: this.memberId, groupInstanceId: this.config.groupInstanceId ?? null }),
      );
      this.onGroupError(response.errorCode);
    } catch {
      // a failed heartbeat is retried on the next tick; the session timeout bounds how long that can go on
    }
  }

  /** Reacts to a group error code from Heartbeat or OffsetCommit. */
  private onGroupError(code: number): void {
    if (code === ErrorCode.REBALANCE_IN_PROGRESS) {
      // Rejoin at once rather than at the next poll(), so a consumer busy elsewhere does not stall the group.
      this.needsJoin = true;
      if (!this.closed && this.subscribed) this.startJoin().catch(() => undefined);
    }
    else if (code === ErrorCode.UNKNOWN_MEMBER_ID || code === ErrorCode.ILLEGAL_GENERATION || code === ErrorCode.FENCED_INSTANCE_ID) {
      if (code === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
      this.generationId = NO_GENERATION;
      this.needsJoin = true;
      const lost = this.consumer.assignment();
      this.consumer.setAssignment([]);
      if (lost.length > 0) void this.listener.onPartitionsLost?.(lost);
    } else if (code === ErrorCode.NOT_COORDINATOR || code === ErrorCode.COORDINATOR_NOT_AVAILABLE) this.coordinator = null;
  }

  /** Commits offsets for the group (only changed ones when called by auto-commit). */
  async commit(offsets: readonly TopicPartitionOffset[]): Promise<void> {
    const changed = offsets.filter((o) => this.lastCommitted.get(tpKey(o.topic, o.partition)) !== o.offset);
    if (changed.length === 0) return;
    const topics = new Map<string, { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; committedMetadata: string }[]>();
    for (const o of changed) {
      let list = topics.get(o.topic);
      if (list === undefined) topics.set(o.topic, (list = []));
      list.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, committedMetadata: '' });
    }
    const subscribed = this.subscribed && this.generationId !== NO_GENERATION;
    const response = await this.onCoordinator((conn) =>
      conn.request(Apis.OffsetCommit, {
        groupId: this.groupId,
        generationIdOrMemberEpoch: subscribed ? this.generationId : -1,
        memberId: subscribed ? this.memberId : '',
        groupInstanceId: subscribed ? this.config.groupInstanceId ?? null : null,
        retentionTimeMs: -1n,
        topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
      }),
    );
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode !== 0) {
          this.onGroupError(p.errorCode);
          throw kafkaErrorFor(p.errorCode, `OffsetCommit for ${t.name}-${p.partitionIndex} in group '${this.groupId}'`);
        }
      }
    }
    for (const o of changed) this.lastCommitted.set(tpKey(o.topic, o.partition), o.offset);
  }

  /** The group's committed offsets for partitions (-1n when none). */
  async fetchCommitted(tps: readonly TopicPartition[]): Promise<TopicPartitionOffset[]> {
    const cluster = this.consumer.cluster;
    return cluster.retry('OffsetFetch', async () => {
      const response = await this.onCoordinator((conn) =>
        conn.request(Apis.OffsetFetch, {
          groupId: this.groupId,
          topics: groupByTopic(tps).map((t) => ({ name: t.topic, partitionIndexes: t.partitions })),
          requireStable: true,
        }),
      );
      if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, `OffsetFetch for group '${this.groupId}'`);
      const found = new Map<string, bigint>();
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0) throw kafkaErrorFor(p.errorCode, `OffsetFetch for ${t.name}-${p.partitionIndex} in group '${this.groupId}'`);
          found.set(tpKey(t.name, p.partitionIndex), p.committedOffset);
        }
      }
      return tps.map((tp) => {
        const offset = found.get(tpKey(tp.topic, tp.partition)) ?? -1n;
        if (offset >= 0n) this.lastCommitted.set(tpKey(tp.topic, tp.partition), offset);
        return { topic: tp.topic, partition: tp.partition, offset };
      });
    });
  }

  private async leave(reason: string): Promise<void> {
    this.stopHeartbeats();
    if (this.autoCommitTimer) clearInterval(this.autoCommitTimer);
    this.autoCommitTimer = null;
    if (this.generationId === NO_GENERATION && this.memberId === '') return;
    const owned = this.consumer.assignment();
    if (this.config.autoCommit && owned.length > 0) await this.commit(this.consumer.positions()).catch(() => undefined);
    if (owned.length > 0) await Promise.resolve(this.listener.onPartitionsRevoked?.(owned)).catch(() => undefined);
    // Static members keep their place in the group across restarts (KIP-345): they do not leave.
    if (this.config.groupInstanceId === undefined && this.memberId !== '') {
      await this.onCoordinator((conn) => {
        const v = conn.versionOf(Apis.LeaveGroup);
        return conn.request(Apis.LeaveGroup, v >= 3 ? { groupId: this.groupId, members: [{ memberId: this.memberId, groupInstanceId: null, reason }] } : { groupId: this.groupId, memberId: this.memberId });
      }).catch(() => undefined);
    }
    this.memberId = '';
    this.generationId = NO_GENERATION;
    this.needsJoin = this.subscribed;
  }

  /** Commits (auto-commit), leaves the group and stops the timers. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.joining) await this.joining.catch(() => undefined);
    await this.leave('the consumer is closing');
    this.closed = true;
  }
}
