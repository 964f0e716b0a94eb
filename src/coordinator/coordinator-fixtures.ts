// Test fixtures for the coordinator: request builders and a harness that keeps the log and the
// responses of a GroupCoordinatorShard. Used by the unit tests and the simulation only.
import { Reader, Writer } from '../protocol/index.js';
import { ConsumerProtocolAssignment } from '../protocol/generated/consumer-protocol-assignment.js';
import { ConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';
import type { HeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import type { JoinGroupRequest } from '../protocol/generated/join-group-request.js';
import type { LeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import type { OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import type { SyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import { GroupCoordinatorShard, type CoordinatorEffects, type GroupCoordinatorConfig } from './group-coordinator-shard.js';
import type { CoordinatorRecord } from './records.js';

/** Kafka's defaults, with no initial rebalance delay unless a test asks for one. */
export function testConfig(overrides: Partial<GroupCoordinatorConfig> = {}): GroupCoordinatorConfig {
  return {
    groupMinSessionTimeoutMs: 6_000,
    groupMaxSessionTimeoutMs: 1_800_000,
    groupInitialRebalanceDelayMs: 0,
    groupMaxSize: 2_147_483_647,
    offsetsRetentionMs: 7 * 24 * 3_600_000,
    offsetMetadataMaxBytes: 4096,
    ...overrides,
  };
}

/** A consumer-protocol subscription as clients send it: int16 version + ConsumerProtocolSubscription. */
export function subscription(topics: string[], version = 1): Buffer {
  const w = new Writer(64);
  w.int16(version);
  ConsumerProtocolSubscription.encode(w, { topics, userData: null, ownedPartitions: [] }, version);
  return w.toBuffer();
}

/** A consumer-protocol assignment: int16 version + ConsumerProtocolAssignment. */
export function assignment(partitions: Record<string, number[]>): Buffer {
  const w = new Writer(64);
  w.int16(0);
  ConsumerProtocolAssignment.encode(w, { assignedPartitions: Object.entries(partitions).map(([topic, p]) => ({ topic, partitions: p })), userData: null }, 0);
  return w.toBuffer();
}

/** The partitions of a consumer-protocol assignment. */
export function decodeAssignment(buf: Buffer): { topic: string; partition: number }[] {
  if (buf.length === 0) return [];
  const r = new Reader(buf);
  const version = r.int16();
  const decoded = ConsumerProtocolAssignment.decode(r, Math.min(version, ConsumerProtocolAssignment.maxVersion));
  return decoded.assignedPartitions.flatMap((tp) => tp.partitions.map((partition) => ({ topic: tp.topic, partition })));
}

export function joinRequest(overrides: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId: 'g',
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId: '',
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
    ...overrides,
  };
}

export function syncRequest(overrides: Partial<SyncGroupRequest> = {}): SyncGroupRequest {
  return { groupId: 'g', generationId: 1, memberId: '', groupInstanceId: null, protocolType: null, protocolName: null, assignments: [], ...overrides };
}

export function heartbeatRequest(overrides: Partial<HeartbeatRequest> = {}): HeartbeatRequest {
  return { groupId: 'g', generationId: 1, memberId: '', groupInstanceId: null, ...overrides };
}

export function leaveRequest(overrides: Partial<LeaveGroupRequest> = {}): LeaveGroupRequest {
  return { groupId: 'g', memberId: '', members: [], ...overrides };
}

export function commitRequest(offsets: { topic: string; partition: number; offset: bigint; metadata?: string | null }[], overrides: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  const topics = new Map<string, OffsetCommitRequest['topics'][number]>();
  for (const o of offsets) {
    let topic = topics.get(o.topic);
    if (!topic) topics.set(o.topic, (topic = { name: o.topic, partitions: [] }));
    topic.partitions.push({ partitionIndex: o.partition, committedOffset: o.offset, committedLeaderEpoch: -1, commitTimestamp: -1n, committedMetadata: o.metadata === undefined ? '' : o.metadata });
  }
  return { groupId: 'g', generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null, retentionTimeMs: -1n, topics: [...topics.values()], ...overrides };
}

/** A deterministic member-id source: uuid-1, uuid-2, ... */
export function counterUuid(): () => string {
  let n = 0;
  return () => `uuid-${++n}`;
}

/**
 * A shard plus everything around it a broker would keep: the log of records (appended before
 * responses are delivered), the clock, request ids, and every response by request id. Each
 * request id must be answered exactly once; a second answer throws.
 */
export class Harness {
  readonly shard: GroupCoordinatorShard;
  readonly log: CoordinatorRecord[] = [];
  readonly responses = new Map<number, unknown>();
  nowMs = 1_000_000;
  private nextRequestId = 1;

  constructor(readonly config: GroupCoordinatorConfig = testConfig(), uuid: () => string = counterUuid()) {
    this.shard = new GroupCoordinatorShard(config, uuid);
  }

  /** Applies effects as the broker would: records first, then responses. */
  apply(effects: CoordinatorEffects): CoordinatorEffects {
    this.log.push(...effects.records);
    for (const { requestId, response } of effects.responses) {
      if (this.responses.has(requestId)) throw new Error(`request ${requestId} answered twice`);
      this.responses.set(requestId, response);
    }
    return effects;
  }

  /** The response of a request, or undefined while it is parked. */
  response<T = Record<string, any>>(requestId: number): T | undefined {
    return this.responses.get(requestId) as T | undefined;
  }

  join(overrides: Partial<JoinGroupRequest> = {}, version = 9, clientId = 'client'): number {
    const id = this.nextRequestId++;
    this.apply(this.shard.joinGroup(this.nowMs, id, joinRequest(overrides), version, clientId, '/127.0.0.1'));
    return id;
  }

  sync(overrides: Partial<SyncGroupRequest> = {}, version = 5): number {
    const id = this.nextRequestId++;
    this.apply(this.shard.syncGroup(this.nowMs, id, syncRequest(overrides), version));
    return id;
  }

  heartbeat(overrides: Partial<HeartbeatRequest> = {}, version = 4): Record<string, any> {
    const id = this.nextRequestId++;
    this.apply(this.shard.heartbeat(this.nowMs, id, heartbeatRequest(overrides), version));
    return this.response(id)!;
  }

  leave(overrides: Partial<LeaveGroupRequest> = {}, version = 5): Record<string, any> {
    const id = this.nextRequestId++;
    this.apply(this.shard.leaveGroup(this.nowMs, id, leaveRequest(overrides), version));
    return this.response(id)!;
  }

  commit(request: OffsetCommitRequest, version = 8, partitionExists: (t: string, p: number) => boolean = () => true): Record<string, any> {
    const id = this.nextRequestId++;
    this.apply(this.shard.commitOffsets(this.nowMs, id, request, version, partitionExists));
    return this.response(id)!;
  }

  /** Moves the clock and fires whatever timers are due. */
  advance(ms: number): CoordinatorEffects {
    this.nowMs += ms;
    return this.apply(this.shard.tick(this.nowMs));
  }

  /** A new shard built by replaying this harness's log. */
  rebuilt(): GroupCoordinatorShard {
    const shard = new GroupCoordinatorShard(this.config, counterUuid());
    for (const record of this.log) shard.replay(record);
    return shard;
  }

  /** Joins a dynamic member through the MEMBER_ID_REQUIRED handshake; returns its member id and parked join request id. */
  joinDynamic(overrides: Partial<JoinGroupRequest> = {}, clientId = 'client'): { memberId: string; requestId: number } {
    const first = this.join({ ...overrides, memberId: '' }, 9, clientId);
    const memberId = this.response(first)!.memberId as string;
    const requestId = this.join({ ...overrides, memberId }, 9, clientId);
    return { memberId, requestId };
  }
}
