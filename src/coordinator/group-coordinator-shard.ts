import { assert, ErrorCode } from '../common/index.js';
import type { Init } from '../protocol/index.js';
import type { DescribeGroupsResponseDescribedGroup } from '../protocol/generated/describe-groups-response.js';
import type { HeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import type { HeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import type { JoinGroupRequest } from '../protocol/generated/join-group-request.js';
import type { JoinGroupResponse, JoinGroupResponseMember } from '../protocol/generated/join-group-response.js';
import type { LeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import type { LeaveGroupResponse, LeaveGroupResponseMemberResponse } from '../protocol/generated/leave-group-response.js';
import type { OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import type { OffsetCommitResponse, OffsetCommitResponsePartition } from '../protocol/generated/offset-commit-response.js';
import type { OffsetDeleteRequest } from '../protocol/generated/offset-delete-request.js';
import type { OffsetDeleteResponse, OffsetDeleteResponseTopic } from '../protocol/generated/offset-delete-response.js';
import type { SyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import type { SyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import type { GroupMetadataValue } from '../protocol/generated/coordinator/group-metadata-value.js';
import type { OffsetCommitValue } from '../protocol/generated/coordinator/offset-commit-value.js';
import { ClassicGroup, ClassicGroupMember, CONSUMER_PROTOCOL_TYPE, GroupState, type MemberProtocol, type ParkedRequest } from './classic-group.js';
import { decodeRecord, groupMetadataRecord, offsetCommitRecord, type CoordinatorRecord } from './records.js';

/** The group coordinator's settings, named after Kafka's config keys (group.*, offsets.*, offset.metadata.max.bytes). */
export interface GroupCoordinatorConfig {
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupInitialRebalanceDelayMs: number;
  groupMaxSize: number;
  offsetsRetentionMs: number;
  /** offset.metadata.max.bytes (4096), compared with the metadata's length in UTF-16 units as Kafka does. */
  offsetMetadataMaxBytes: number;
  /** offsets.retention.check.interval.ms: how often expired offsets are removed (default 600000). */
  offsetsRetentionCheckIntervalMs?: number;
  /** How long a new member may wait in a join phase before it expires (Kafka's fixed 300000; not a config key). */
  groupNewMemberJoinTimeoutMs?: number;
}

/** What an operation produces: records to append durably BEFORE any response is sent, and the responses ready now. */
export interface CoordinatorEffects {
  records: CoordinatorRecord[];
  responses: { requestId: number; response: unknown }[];
}

/** A committed offset as the coordinator keeps it. */
interface OffsetAndMetadata {
  committedOffset: bigint;
  leaderEpoch: number;
  metadata: string;
  commitTimestampMs: number;
  /** Set only by OffsetCommit v2-v4 with a retention time (value version 1). */
  expireTimestampMs: number | null;
}

/** Result of fetchOffsets, in the shape of one OffsetFetch group. */
export interface FetchedOffsets {
  errorCode: number;
  topics: {
    name: string;
    partitions: { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number; metadata: string | null; errorCode: number }[];
  }[];
}

const DEFAULT_RETENTION_CHECK_INTERVAL_MS = 600_000;
const DEFAULT_NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;
/** tick() fires timers in rounds (a firing can make other timers due); this bounds the rounds. */
const MAX_TIMER_ROUNDS = 1_000;
const EMPTY_BYTES = Buffer.alloc(0);

type Timer =
  | { kind: 'heartbeat'; deadlineMs: number; groupId: string; memberId: string }
  | { kind: 'pending'; deadlineMs: number; groupId: string; memberId: string }
  | { kind: 'join'; deadlineMs: number; groupId: string }
  | { kind: 'sync'; deadlineMs: number; groupId: string }
  | { kind: 'cleanup'; deadlineMs: number };

class Effects implements CoordinatorEffects {
  records: CoordinatorRecord[] = [];
  responses: { requestId: number; response: unknown }[] = [];
  respond(requestId: number, response: unknown): void {
    this.responses.push({ requestId, response });
  }
}

interface JoinResult {
  errorCode: number;
  memberId: string;
  generationId?: number;
  protocolType?: string | null;
  protocolName?: string | null;
  leader?: string | null;
  skipAssignment?: boolean;
  members?: Init<JoinGroupResponseMember>[];
}

/** A JoinGroup response for a version: protocolName is not nullable before v7. */
function joinResponse(version: number, r: JoinResult): Init<JoinGroupResponse> {
  const protocolName = r.protocolName ?? null;
  return {
    errorCode: r.errorCode,
    generationId: r.generationId ?? -1,
    protocolType: r.protocolType ?? null,
    protocolName: version < 7 && protocolName === null ? '' : protocolName,
    leader: r.leader ?? '',
    skipAssignment: r.skipAssignment ?? false,
    memberId: r.memberId,
    members: r.members ?? [],
  };
}

function syncResponse(errorCode: number, protocolType: string | null = null, protocolName: string | null = null, assignment: Buffer = EMPTY_BYTES): Init<SyncGroupResponse> {
  return { errorCode, protocolType, protocolName, assignment };
}

/**
 * The classic group coordinator for one __consumer_offsets partition, as a pure state machine
 * (Kafka's GroupMetadataManager classic paths + OffsetMetadataManager). Durable state changes only
 * through replay(); operations emit records and replay them into themselves. Time comes in as
 * nowMs; member-id randomness through newMemberUuid.
 */
export class GroupCoordinatorShard {
  private readonly groups = new Map<string, ClassicGroup>();
  /** group → topic → partition → offset. */
  private readonly offsets = new Map<string, Map<string, Map<number, OffsetAndMetadata>>>();
  private cleanupDeadlineMs: number | null = null;
  /** Members replayed from the log have no session deadline until an operation brings the time. */
  private hasUnscheduledMembers = false;
  private readonly retentionCheckIntervalMs: number;
  private readonly newMemberJoinTimeoutMs: number;

  constructor(
    private readonly config: GroupCoordinatorConfig,
    private readonly newMemberUuid: () => string,
  ) {
    this.retentionCheckIntervalMs = config.offsetsRetentionCheckIntervalMs ?? DEFAULT_RETENTION_CHECK_INTERVAL_MS;
    this.newMemberJoinTimeoutMs = config.groupNewMemberJoinTimeoutMs ?? DEFAULT_NEW_MEMBER_JOIN_TIMEOUT_MS;
  }

  // ---------------------------------------------------------------------------------------------
  // Replay: the only way durable state changes.

  /** Applies one __consumer_offsets record (loading, and every record an operation emits). */
  replay(record: CoordinatorRecord): void {
    const decoded = decodeRecord(record);
    if (decoded === null) return;
    if (decoded.type === 'offset') this.replayOffset(decoded.key.group, decoded.key.topic, decoded.key.partition, decoded.value);
    else this.replayGroup(decoded.key.group, decoded.value);
  }

  private replayOffset(groupId: string, topic: string, partition: number, value: OffsetCommitValue | null): void {
    if (value === null) {
      const byTopic = this.offsets.get(groupId);
      const byPartition = byTopic?.get(topic);
      if (!byTopic || !byPartition) return;
      byPartition.delete(partition);
      if (byPartition.size === 0) byTopic.delete(topic);
      if (byTopic.size === 0) this.offsets.delete(groupId);
      return;
    }
    // Offsets committed without group membership create a "simple" group (no protocol type), as in Kafka.
    if (!this.groups.has(groupId)) this.groups.set(groupId, new ClassicGroup(groupId));
    let byTopic = this.offsets.get(groupId);
    if (!byTopic) this.offsets.set(groupId, (byTopic = new Map()));
    let byPartition = byTopic.get(topic);
    if (!byPartition) byTopic.set(topic, (byPartition = new Map()));
    byPartition.set(partition, {
      committedOffset: value.offset,
      leaderEpoch: value.leaderEpoch,
      metadata: value.metadata,
      commitTimestampMs: Number(value.commitTimestamp),
      expireTimestampMs: value.expireTimestamp === -1n ? null : Number(value.expireTimestamp),
    });
  }

  /**
   * Makes the group match its GroupMetadataValue: generation, protocol, leader and members with
   * their assignments; the group becomes Stable (members) or Empty (none). Members already in
   * memory keep their transient state (parked requests, deadlines, full protocol lists).
   */
  private replayGroup(groupId: string, value: GroupMetadataValue | null): void {
    if (value === null) {
      const group = this.groups.get(groupId);
      if (group) group.state = GroupState.Dead;
      this.groups.delete(groupId);
      return;
    }
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = new ClassicGroup(groupId)));
    group.protocolType = value.protocolType === '' ? null : value.protocolType;
    group.generationId = value.generation;
    group.protocolName = value.protocol;
    group.currentStateTimestampMs = value.currentStateTimestamp === -1n ? null : Number(value.currentStateTimestamp);
    const inRecord = new Set(value.members.map((m) => m.memberId));
    for (const member of [...group.members.values()]) {
      if (inRecord.has(member.memberId)) continue;
      assert(member.awaitingJoin === null && member.awaitingSync === null, `replay would drop parked requests of ${member.memberId}`);
      group.remove(member.memberId);
    }
    for (const m of value.members) {
      const rebalanceTimeoutMs = m.rebalanceTimeout === -1 ? m.sessionTimeout : m.rebalanceTimeout;
      const existing = group.members.get(m.memberId);
      if (existing) {
        existing.clientId = m.clientId;
        existing.clientHost = m.clientHost;
        existing.rebalanceTimeoutMs = rebalanceTimeoutMs;
        existing.sessionTimeoutMs = m.sessionTimeout;
        existing.assignment = m.assignment;
      } else {
        const protocols = [{ name: value.protocol ?? '', metadata: m.subscription }];
        group.add(new ClassicGroupMember(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, rebalanceTimeoutMs, m.sessionTimeout, protocols, m.assignment), null);
        this.hasUnscheduledMembers = true;
      }
    }
    group.leaderId = value.leader;
    group.previousState = group.state;
    group.state = group.members.size > 0 ? GroupState.Stable : GroupState.Empty;
    group.subscribedTopics = group.computeSubscribedTopics();
  }

  /** Appends a record to the effects and applies it. */
  private emit(out: Effects, record: CoordinatorRecord): void {
    out.records.push(record);
    this.replay(record);
  }

  /** The GroupMetadataValue of a group as it is now, with optional new assignments. */
  private groupValue(group: ClassicGroup, generationId: number, timestampMs: number | null, assignment?: ReadonlyMap<string, Buffer>): Init<GroupMetadataValue> {
    const protocolName = group.protocolName;
    return {
      protocolType: group.protocolType ?? '',
      generation: generationId,
      protocol: protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(timestampMs ?? -1),
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeout: m.rebalanceTimeoutMs,
        sessionTimeout: m.sessionTimeoutMs,
        subscription: protocolName === null ? EMPTY_BYTES : m.metadata(protocolName),
        assignment: assignment?.get(m.memberId) ?? m.assignment,
      })),
    };
  }

  /** Gives the time to state loaded from the log: session deadlines of loaded members, the cleanup timer. */
  private advance(nowMs: number): void {
    if (this.cleanupDeadlineMs === null) this.cleanupDeadlineMs = nowMs + this.retentionCheckIntervalMs;
    if (!this.hasUnscheduledMembers) return;
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        if (member.heartbeatDeadlineMs === undefined) member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
      }
    }
    this.hasUnscheduledMembers = false;
  }

  // ---------------------------------------------------------------------------------------------
  // JoinGroup

  /** JoinGroup (v0-v9). The response comes now (errors, MEMBER_ID_REQUIRED) or when the join phase completes. */
  joinGroup(nowMs: number, requestId: number, request: JoinGroupRequest, version: number, clientId: string, clientHost: string): CoordinatorEffects {
    this.advance(nowMs);
    const out = new Effects();
    const join: ParkedRequest = { requestId, version };
    const fail = (errorCode: number, memberId = request.memberId): CoordinatorEffects => {
      out.respond(requestId, joinResponse(version, { errorCode, memberId }));
      return out;
    };
    const { groupId, memberId, sessionTimeoutMs } = request;
    if (groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (sessionTimeoutMs < this.config.groupMinSessionTimeoutMs || sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs) {
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    }
    const isUnknownMember = memberId === '';
    let group = this.groups.get(groupId);
    if (!group) {
      // Kafka 3.x answers UNKNOWN_MEMBER_ID (4.x: GROUP_ID_NOT_FOUND); every client handles the former by rejoining.
      if (!isUnknownMember) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      this.emit(out, groupMetadataRecord(groupId, { protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: BigInt(nowMs), members: [] }));
      group = this.groups.get(groupId)!;
    }
    if (!this.acceptJoiningMember(group, memberId)) {
      this.removeMember(group, memberId, out);
      return fail(ErrorCode.GROUP_MAX_SIZE_REACHED, '');
    }
    const protocols: MemberProtocol[] = request.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
    const names = protocols.map((p) => p.name);
    if (!group.supportsProtocols(request.protocolType, names)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, isUnknownMember ? '' : memberId);
    // JoinGroup v0 has no rebalance timeout: the session timeout serves for both, as in Kafka.
    const rebalanceTimeoutMs = version === 0 || request.rebalanceTimeoutMs < 0 ? sessionTimeoutMs : request.rebalanceTimeoutMs;
    const joining: Joining = { protocols, rebalanceTimeoutMs, sessionTimeoutMs, clientId, clientHost, groupInstanceId: request.groupInstanceId, protocolType: request.protocolType };
    if (isUnknownMember) this.joinNewMember(nowMs, group, joining, join, out);
    else this.joinExistingMember(nowMs, group, memberId, joining, join, out);
    return out;
  }

  /** Kafka's acceptJoiningMember: group.max.size counts awaiting members while preparing, members otherwise. */
  private acceptJoiningMember(group: ClassicGroup, memberId: string): boolean {
    switch (group.state) {
      case GroupState.Empty:
      case GroupState.Dead:
        return true;
      case GroupState.PreparingRebalance:
        return (group.hasMember(memberId) && group.member(memberId).awaitingJoin !== null) || group.numAwaitingJoin < this.config.groupMaxSize;
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        return group.hasMember(memberId) || group.members.size < this.config.groupMaxSize;
    }
  }

  private joinNewMember(nowMs: number, group: ClassicGroup, joining: Joining, join: ParkedRequest, out: Effects): void {
    const newMemberId = `${joining.groupInstanceId ?? joining.clientId}-${this.newMemberUuid()}`;
    if (joining.groupInstanceId !== null) {
      const existingMemberId = group.staticMembers.get(joining.groupInstanceId);
      if (existingMemberId !== undefined) this.replaceStaticMemberThenRebalanceOrCompleteJoin(nowMs, group, existingMemberId, newMemberId, joining, join, out);
      else this.addMemberThenRebalanceOrCompleteJoin(nowMs, group, newMemberId, joining, join, out);
    } else if (join.version >= 4) {
      // KIP-394: hand out a member id first; the member must rejoin with it within its session timeout.
      group.pendingMembers.set(newMemberId, nowMs + joining.sessionTimeoutMs);
      out.respond(join.requestId, joinResponse(join.version, { errorCode: ErrorCode.MEMBER_ID_REQUIRED, memberId: newMemberId }));
    } else {
      this.addMemberThenRebalanceOrCompleteJoin(nowMs, group, newMemberId, joining, join, out);
    }
  }

  private joinExistingMember(nowMs: number, group: ClassicGroup, memberId: string, joining: Joining, join: ParkedRequest, out: Effects): void {
    const respond = (r: JoinResult): void => out.respond(join.requestId, joinResponse(join.version, r));
    if (group.pendingMembers.has(memberId)) {
      // A pending member id is never a static member's (Kafka treats this as an illegal state).
      if (joining.groupInstanceId !== null) return respond({ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, memberId });
      return this.addMemberThenRebalanceOrCompleteJoin(nowMs, group, memberId, joining, join, out);
    }
    const error = validateMember(group, memberId, joining.groupInstanceId);
    if (error !== ErrorCode.NONE) return respond({ errorCode: error, memberId });
    const member = group.member(memberId);
    const current = (members: Init<JoinGroupResponseMember>[]): JoinResult => ({
      errorCode: ErrorCode.NONE, memberId, generationId: group.generationId, protocolType: group.protocolType,
      protocolName: group.protocolName, leader: group.leaderId, members,
    });
    switch (group.state) {
      case GroupState.PreparingRebalance:
        return this.updateMemberThenRebalanceOrCompleteJoin(nowMs, group, member, joining, join, out);
      case GroupState.CompletingRebalance:
        // Same metadata: the member missed the join response; send the current generation again.
        if (member.matches(joining.protocols)) return respond(current(group.isLeader(memberId) ? this.currentMembers(group) : []));
        return this.updateMemberThenRebalanceOrCompleteJoin(nowMs, group, member, joining, join, out);
      case GroupState.Stable:
        // The leader's join forces a rebalance (e.g. topic metadata changed); so does changed metadata.
        if (group.isLeader(memberId) || !member.matches(joining.protocols)) {
          return this.updateMemberThenRebalanceOrCompleteJoin(nowMs, group, member, joining, join, out);
        }
        return respond(current([]));
      default:
        return respond({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId });
    }
  }

  private addMemberThenRebalanceOrCompleteJoin(nowMs: number, group: ClassicGroup, memberId: string, joining: Joining, join: ParkedRequest, out: Effects): void {
    const member = new ClassicGroupMember(memberId, joining.groupInstanceId, joining.clientId, joining.clientHost,
      joining.rebalanceTimeoutMs, joining.sessionTimeoutMs, joining.protocols, EMPTY_BYTES);
    member.isNew = true;
    if (group.is(GroupState.PreparingRebalance) && group.previousState === GroupState.Empty) group.newMemberAdded = true;
    // The first member of an empty group sets its protocol type (Kafka's ClassicGroup.add).
    if (group.members.size === 0) group.protocolType = joining.protocolType;
    group.add(member, join);
    // A new member cannot heartbeat while its join is parked; bound how long it may wait.
    member.heartbeatDeadlineMs = nowMs + this.newMemberJoinTimeoutMs;
    this.maybePrepareRebalanceOrCompleteJoin(nowMs, group, out);
  }

  private updateMemberThenRebalanceOrCompleteJoin(nowMs: number, group: ClassicGroup, member: ClassicGroupMember, joining: Joining, join: ParkedRequest, out: Effects): void {
    this.supersedeParkedJoin(group, member, out);
    group.updateMember(member, joining.protocols, joining.rebalanceTimeoutMs, joining.sessionTimeoutMs, join);
    this.maybePrepareRebalanceOrCompleteJoin(nowMs, group, out);
  }

  /** A member that joins again while its previous JoinGroup is parked: the old request is answered, not leaked. */
  private supersedeParkedJoin(group: ClassicGroup, member: ClassicGroupMember, out: Effects): void {
    const old = group.takeAwaitingJoin(member);
    if (old) out.respond(old.requestId, joinResponse(old.version, { errorCode: ErrorCode.REBALANCE_IN_PROGRESS, memberId: member.memberId }));
  }

  /** KIP-345: a known static instance rejoins with a new member id; the old id is fenced. */
  private replaceStaticMemberThenRebalanceOrCompleteJoin(nowMs: number, group: ClassicGroup, oldMemberId: string, newMemberId: string, joining: Joining, join: ParkedRequest, out: Effects): void {
    const old = group.member(oldMemberId);
    const oldJoin = group.takeAwaitingJoin(old);
    if (oldJoin) out.respond(oldJoin.requestId, joinResponse(oldJoin.version, { errorCode: ErrorCode.FENCED_INSTANCE_ID, memberId: oldMemberId }));
    if (old.awaitingSync) {
      out.respond(old.awaitingSync.requestId, syncResponse(ErrorCode.FENCED_INSTANCE_ID));
      old.awaitingSync = null;
    }
    const member = group.replaceStaticMember(joining.groupInstanceId!, oldMemberId, newMemberId);
    member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
    const oldProtocolName = group.protocolName;
    if (group.is(GroupState.Stable)) {
      group.updateMember(member, joining.protocols, joining.rebalanceTimeoutMs, joining.sessionTimeoutMs, null);
      if (oldProtocolName === group.selectProtocol()) {
        // Nothing the assignment depends on changed: persist the new member id, no rebalance.
        this.emit(out, groupMetadataRecord(group.groupId, this.groupValue(group, group.generationId, group.currentStateTimestampMs)));
        const isLeader = group.isLeader(newMemberId);
        const skipAssignment = isLeader && join.version >= 9;
        out.respond(join.requestId, joinResponse(join.version, {
          errorCode: ErrorCode.NONE, memberId: newMemberId, generationId: group.generationId, protocolType: group.protocolType,
          protocolName: group.protocolName, leader: group.leaderId, skipAssignment,
          members: skipAssignment ? this.currentMembers(group) : [],
        }));
        return;
      }
      group.updateMember(member, joining.protocols, joining.rebalanceTimeoutMs, joining.sessionTimeoutMs, join);
      return this.maybePrepareRebalanceOrCompleteJoin(nowMs, group, out);
    }
    group.updateMember(member, joining.protocols, joining.rebalanceTimeoutMs, joining.sessionTimeoutMs, join);
    if (group.is(GroupState.CompletingRebalance)) {
      // The leader may already be assigning to the old member id: rebalance so the new id gets partitions.
      return this.prepareRebalance(nowMs, group, out);
    }
    assert(group.is(GroupState.PreparingRebalance), `static member rejoined group ${group.groupId} in state ${group.state}`);
    this.maybeCompleteJoinPhase(nowMs, group, out);
  }

  private maybePrepareRebalanceOrCompleteJoin(nowMs: number, group: ClassicGroup, out: Effects): void {
    if (group.canRebalance()) this.prepareRebalance(nowMs, group, out);
    else this.maybeCompleteJoinPhase(nowMs, group, out);
  }

  private maybeCompleteJoinPhase(nowMs: number, group: ClassicGroup, out: Effects): void {
    // The initial rebalance of an empty group completes only when its delay ends.
    if (group.is(GroupState.PreparingRebalance) && group.hasAllMembersJoined() && group.previousState !== GroupState.Empty) {
      this.completeJoin(nowMs, group, out);
    }
  }

  private prepareRebalance(nowMs: number, group: ClassicGroup, out: Effects): void {
    if (group.is(GroupState.CompletingRebalance)) this.resetAndPropagateAssignmentWithError(nowMs, group, ErrorCode.REBALANCE_IN_PROGRESS, out);
    group.pendingSyncMembers.clear();
    group.syncDeadlineMs = null;
    const isInitialRebalance = group.is(GroupState.Empty);
    if (isInitialRebalance) {
      // Kafka's InitialDelayedJoin: wait group.initial.rebalance.delay.ms, extended by new joins up to the rebalance timeout.
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      group.initialDelay = { delayMs, remainingMs: Math.max(group.rebalanceTimeoutMs() - delayMs, 0) };
      group.joinDeadlineMs = nowMs + delayMs;
    }
    group.transitionTo(GroupState.PreparingRebalance, nowMs);
    if (isInitialRebalance) return;
    if (group.hasAllMembersJoined()) {
      this.completeJoin(nowMs, group, out);
    } else {
      group.initialDelay = null;
      group.joinDeadlineMs = nowMs + group.rebalanceTimeoutMs();
    }
  }

  private tryCompleteInitialRebalanceElseSchedule(nowMs: number, group: ClassicGroup, out: Effects): void {
    const { delayMs, remainingMs } = group.initialDelay!;
    if (group.newMemberAdded && remainingMs !== 0) {
      group.newMemberAdded = false;
      const newDelayMs = Math.min(this.config.groupInitialRebalanceDelayMs, remainingMs);
      group.initialDelay = { delayMs: newDelayMs, remainingMs: Math.max(remainingMs - delayMs, 0) };
      group.joinDeadlineMs = nowMs + newDelayMs;
    } else {
      this.completeJoin(nowMs, group, out);
    }
  }

  /** Ends the join phase: drops dynamic members that did not rejoin, starts the next generation. */
  private completeJoin(nowMs: number, group: ClassicGroup, out: Effects): void {
    assert(group.is(GroupState.PreparingRebalance), `completing the join of group ${group.groupId} in state ${group.state}`);
    group.joinDeadlineMs = null;
    group.initialDelay = null;
    group.newMemberAdded = false;
    for (const member of group.notYetRejoinedMembers()) {
      if (member.groupInstanceId !== null) continue;
      this.removeMember(group, member.memberId, out);
    }
    if (!group.maybeElectNewJoinedLeader() && group.members.size > 0) {
      // Only static members that did not rejoin remain: wait another rebalance timeout for them.
      group.joinDeadlineMs = nowMs + group.rebalanceTimeoutMs();
      return;
    }
    if (group.members.size === 0) {
      // The group is empty now: its next generation is durable, and the replay makes it Empty.
      group.pendingSyncMembers.clear();
      this.emit(out, groupMetadataRecord(group.groupId, { ...this.groupValue(group, group.generationId + 1, nowMs), protocol: null, leader: null }));
      return;
    }
    group.initNextGeneration(nowMs);
    for (const member of group.members.values()) {
      const join = group.takeAwaitingJoin(member);
      if (join) {
        const isLeader = group.isLeader(member.memberId);
        out.respond(join.requestId, joinResponse(join.version, {
          errorCode: ErrorCode.NONE, memberId: member.memberId, generationId: group.generationId, protocolType: group.protocolType,
          protocolName: group.protocolName, leader: group.leaderId, members: isLeader ? this.currentMembers(group) : [],
        }));
      }
      member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
      member.isNew = false;
      group.pendingSyncMembers.add(member.memberId);
    }
    group.syncDeadlineMs = nowMs + group.rebalanceTimeoutMs();
    group.syncGenerationId = group.generationId;
  }

  /** The member list the leader receives: ids and metadata for the selected protocol. */
  private currentMembers(group: ClassicGroup): Init<JoinGroupResponseMember>[] {
    const protocolName = group.protocolName!;
    return [...group.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata(protocolName) }));
  }

  /** Removes a member or pending member, answering its parked requests with UNKNOWN_MEMBER_ID. */
  private removeMember(group: ClassicGroup, memberId: string, out: Effects): void {
    const member = group.members.get(memberId);
    if (member) {
      const join = group.takeAwaitingJoin(member);
      if (join) out.respond(join.requestId, joinResponse(join.version, { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: '' }));
      if (member.awaitingSync) {
        out.respond(member.awaitingSync.requestId, syncResponse(ErrorCode.UNKNOWN_MEMBER_ID));
        member.awaitingSync = null;
      }
    }
    group.remove(memberId);
  }

  // ---------------------------------------------------------------------------------------------
  // SyncGroup

  /** SyncGroup (v0-v5). Followers wait for the leader's assignment; the leader's assignment is written first. */
  syncGroup(nowMs: number, requestId: number, request: SyncGroupRequest, version: number): CoordinatorEffects {
    this.advance(nowMs);
    const out = new Effects();
    const fail = (errorCode: number): CoordinatorEffects => {
      out.respond(requestId, syncResponse(errorCode));
      return out;
    };
    if (request.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(request.groupId);
    if (!group) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    const error = validateMember(group, request.memberId, request.groupInstanceId);
    if (error !== ErrorCode.NONE) return fail(error);
    if (request.generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (isInconsistent(request.protocolType, group.protocolType) || isInconsistent(request.protocolName, group.protocolName)) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    const member = group.member(request.memberId);
    switch (group.state) {
      case GroupState.Empty:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case GroupState.PreparingRebalance:
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case GroupState.CompletingRebalance: {
        if (member.awaitingSync) out.respond(member.awaitingSync.requestId, syncResponse(ErrorCode.REBALANCE_IN_PROGRESS));
        member.awaitingSync = { requestId, version };
        this.removePendingSyncMember(group, member.memberId);
        if (group.isLeader(member.memberId)) {
          const assignment = new Map<string, Buffer>();
          for (const a of request.assignments) if (group.hasMember(a.memberId)) assignment.set(a.memberId, a.assignment);
          for (const id of group.members.keys()) if (!assignment.has(id)) assignment.set(id, EMPTY_BYTES);
          // The replay stores the assignments and makes the group Stable.
          this.emit(out, groupMetadataRecord(group.groupId, this.groupValue(group, group.generationId, nowMs, assignment)));
          this.propagateAssignment(nowMs, group, ErrorCode.NONE, out);
        }
        return out;
      }
      case GroupState.Stable:
        this.removePendingSyncMember(group, member.memberId);
        out.respond(requestId, syncResponse(ErrorCode.NONE, group.protocolType, group.protocolName, member.assignment));
        return out;
      default:
        return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    }
  }

  private removePendingSyncMember(group: ClassicGroup, memberId: string): void {
    group.pendingSyncMembers.delete(memberId);
    if (group.pendingSyncMembers.size === 0) group.syncDeadlineMs = null;
  }

  private resetAndPropagateAssignmentWithError(nowMs: number, group: ClassicGroup, errorCode: number, out: Effects): void {
    assert(group.is(GroupState.CompletingRebalance), `group ${group.groupId} must be CompletingRebalance, is ${group.state}`);
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(nowMs, group, errorCode, out);
  }

  /** Answers parked SyncGroups; members answered get a fresh session deadline. */
  private propagateAssignment(nowMs: number, group: ClassicGroup, errorCode: number, out: Effects): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of group.members.values()) {
      const sync = member.awaitingSync;
      if (!sync) continue;
      member.awaitingSync = null;
      out.respond(sync.requestId, ok ? syncResponse(errorCode, group.protocolType, group.protocolName, member.assignment) : syncResponse(errorCode));
      member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Heartbeat and LeaveGroup

  /** Heartbeat (v0-v4): answered at once. */
  heartbeat(nowMs: number, requestId: number, request: HeartbeatRequest, version: number): CoordinatorEffects {
    void version;
    this.advance(nowMs);
    const out = new Effects();
    const respond = (errorCode: number): CoordinatorEffects => {
      out.respond(requestId, { errorCode } satisfies Init<HeartbeatResponse>);
      return out;
    };
    if (request.groupId === '') return respond(ErrorCode.INVALID_GROUP_ID);
    const group = this.groups.get(request.groupId);
    if (!group) return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    const error = validateMember(group, request.memberId, request.groupInstanceId);
    if (error !== ErrorCode.NONE) return respond(error);
    if (request.generationId !== group.generationId) return respond(ErrorCode.ILLEGAL_GENERATION);
    const member = group.member(request.memberId);
    switch (group.state) {
      case GroupState.PreparingRebalance:
        member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
        return respond(ErrorCode.REBALANCE_IN_PROGRESS);
      case GroupState.CompletingRebalance:
      case GroupState.Stable:
        member.heartbeatDeadlineMs = nowMs + member.sessionTimeoutMs;
        return respond(ErrorCode.NONE);
      default:
        return respond(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** LeaveGroup: v0-v2 one member by id, v3+ a batch by member id and/or group.instance.id. */
  leaveGroup(nowMs: number, requestId: number, request: LeaveGroupRequest, version: number): CoordinatorEffects {
    this.advance(nowMs);
    const out = new Effects();
    const leaving = version <= 2 ? [{ memberId: request.memberId, groupInstanceId: null as string | null }] : request.members;
    const respond = (errorCode: number, members: Init<LeaveGroupResponseMemberResponse>[]): CoordinatorEffects => {
      // Before v3 the single member's error is the top-level error.
      const response: Init<LeaveGroupResponse> = version <= 2
        ? { errorCode: errorCode !== ErrorCode.NONE ? errorCode : (members[0]?.errorCode ?? ErrorCode.NONE), members: [] }
        : { errorCode, members };
      out.respond(requestId, response);
      return out;
    };
    if (request.groupId === '') return respond(ErrorCode.INVALID_GROUP_ID, []);
    const group = this.groups.get(request.groupId);
    if (!group) return respond(ErrorCode.UNKNOWN_MEMBER_ID, []);
    const results: Init<LeaveGroupResponseMemberResponse>[] = [];
    let anyLeft = false;
    for (const m of leaving) {
      let errorCode: number = ErrorCode.NONE;
      if (m.memberId === '') {
        // Administrative removal by group.instance.id alone.
        const staticMemberId = m.groupInstanceId === null ? undefined : group.staticMembers.get(m.groupInstanceId);
        if (staticMemberId === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else this.removeMember(group, staticMemberId, out);
      } else if (group.pendingMembers.has(m.memberId)) {
        group.remove(m.memberId);
      } else {
        errorCode = validateMember(group, m.memberId, m.groupInstanceId);
        if (errorCode === ErrorCode.NONE) this.removeMember(group, m.memberId, out);
      }
      if (errorCode === ErrorCode.NONE) anyLeft = true;
      results.push({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, errorCode });
    }
    if (anyLeft) {
      if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) this.maybePrepareRebalanceOrCompleteJoin(nowMs, group, out);
      else if (group.is(GroupState.PreparingRebalance)) this.maybeCompleteJoinPhase(nowMs, group, out);
    }
    return respond(ErrorCode.NONE, results);
  }

  // ---------------------------------------------------------------------------------------------
  // Offsets

  /** OffsetCommit (v0-v9). Unknown partitions are checked first, then the group and member. */
  commitOffsets(nowMs: number, requestId: number, request: OffsetCommitRequest, version: number, partitionExists: (topic: string, partition: number) => boolean): CoordinatorEffects {
    this.advance(nowMs);
    const out = new Effects();
    const group = this.groups.get(request.groupId);
    const groupError = validateOffsetCommit(group, request, version);
    // OffsetCommit v2-v4 carry a retention time; its expiry is stored in value version 1, as Kafka does.
    const expireTimestamp = request.retentionTimeMs === -1n ? -1n : BigInt(nowMs) + request.retentionTimeMs;
    const topics = request.topics.map((topic) => {
      const partitions: Init<OffsetCommitResponsePartition>[] = topic.partitions.map((p) => {
        let errorCode: number;
        if (!partitionExists(topic.name, p.partitionIndex)) errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        else if (groupError !== ErrorCode.NONE) errorCode = groupError;
        else if (p.committedMetadata !== null && p.committedMetadata.length > this.config.offsetMetadataMaxBytes) errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        else {
          errorCode = ErrorCode.NONE;
          this.emit(out, offsetCommitRecord(request.groupId, topic.name, p.partitionIndex, {
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata: p.committedMetadata ?? '',
            commitTimestamp: p.commitTimestamp === -1n ? BigInt(nowMs) : p.commitTimestamp,
            expireTimestamp,
          }));
        }
        return { partitionIndex: p.partitionIndex, errorCode };
      });
      return { name: topic.name, partitions };
    });
    out.respond(requestId, { topics } satisfies Init<OffsetCommitResponse>);
    return out;
  }

  /** OffsetFetch for one group; topics null = every committed offset. Unknown groups have no offsets. */
  fetchOffsets(groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null): FetchedOffsets {
    const byTopic = this.offsets.get(groupId);
    const partition = (partitionIndex: number, o: OffsetAndMetadata | undefined) => ({
      partitionIndex,
      committedOffset: o?.committedOffset ?? -1n,
      committedLeaderEpoch: o?.leaderEpoch ?? -1,
      metadata: o?.metadata ?? '',
      errorCode: ErrorCode.NONE as number,
    });
    if (topics === null) {
      return {
        errorCode: ErrorCode.NONE,
        topics: [...(byTopic ?? new Map<string, Map<number, OffsetAndMetadata>>())].map(([name, byPartition]) => ({
          name,
          partitions: [...byPartition].map(([index, o]) => partition(index, o)),
        })),
      };
    }
    return {
      errorCode: ErrorCode.NONE,
      topics: topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((i) => partition(i, byTopic?.get(t.name)?.get(i))) })),
    };
  }

  /** OffsetDelete: allowed for empty groups, and for consumer groups on topics no member subscribes to. */
  deleteOffsets(nowMs: number, requestId: number, request: OffsetDeleteRequest, version: number): CoordinatorEffects {
    void version;
    this.advance(nowMs);
    const out = new Effects();
    const respond = (errorCode: number, topics: Init<OffsetDeleteResponseTopic>[]): CoordinatorEffects => {
      out.respond(requestId, { errorCode, topics } satisfies Init<OffsetDeleteResponse>);
      return out;
    };
    if (request.groupId === '') return respond(ErrorCode.INVALID_GROUP_ID, []);
    const group = this.groups.get(request.groupId);
    if (!group) return respond(ErrorCode.GROUP_ID_NOT_FOUND, []);
    if (!group.is(GroupState.Empty) && group.protocolType !== CONSUMER_PROTOCOL_TYPE) return respond(ErrorCode.NON_EMPTY_GROUP, []);
    const topics = request.topics.map((topic) => {
      const subscribed = group.isSubscribedToTopic(topic.name);
      const partitions = topic.partitions.map((p) => {
        if (subscribed) return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC as number };
        if (this.offsets.get(request.groupId)?.get(topic.name)?.has(p.partitionIndex)) {
          this.emit(out, offsetCommitRecord(request.groupId, topic.name, p.partitionIndex, null));
        }
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE as number };
      });
      return { name: topic.name, partitions };
    });
    return respond(ErrorCode.NONE, topics);
  }

  // ---------------------------------------------------------------------------------------------
  // Group administration

  /** DeleteGroups: only Empty groups; writes tombstones for every offset, then the group. */
  deleteGroups(nowMs: number, groupIds: string[]): { records: CoordinatorRecord[]; results: { groupId: string; errorCode: number }[] } {
    this.advance(nowMs);
    const out = new Effects();
    const results = groupIds.map((groupId) => {
      if (groupId === '') return { groupId, errorCode: ErrorCode.INVALID_GROUP_ID as number };
      const group = this.groups.get(groupId);
      if (!group) return { groupId, errorCode: ErrorCode.GROUP_ID_NOT_FOUND as number };
      if (!group.is(GroupState.Empty)) return { groupId, errorCode: ErrorCode.NON_EMPTY_GROUP as number };
      this.deleteGroup(groupId, out);
      return { groupId, errorCode: ErrorCode.NONE as number };
    });
    return { records: out.records, results };
  }

  private deleteGroup(groupId: string, out: Effects): void {
    for (const [topic, byPartition] of [...(this.offsets.get(groupId) ?? [])]) {
      for (const partition of [...byPartition.keys()]) this.emit(out, offsetCommitRecord(groupId, topic, partition, null));
    }
    this.emit(out, groupMetadataRecord(groupId, null));
  }

  /** DescribeGroups for one group; unknown groups are reported Dead without error, as Kafka does up to v5. */
  describeGroup(groupId: string): Init<DescribeGroupsResponseDescribedGroup> {
    const described = { errorCode: ErrorCode.NONE as number, groupId, groupState: GroupState.Dead as string, protocolType: '', protocolData: '', members: [] as Init<DescribeGroupsResponseDescribedGroup>['members'], authorizedOperations: -2147483648 };
    if (groupId === '') return { ...described, errorCode: ErrorCode.INVALID_GROUP_ID, groupState: '' };
    const group = this.groups.get(groupId);
    if (!group) return described;
    const stable = group.is(GroupState.Stable);
    return {
      ...described,
      groupState: group.state,
      protocolType: group.protocolType ?? '',
      protocolData: stable ? (group.protocolName ?? '') : '',
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadata(group.protocolName!) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  /** ListGroups; the states filter (v4+) is case-insensitive, empty = all. */
  listGroups(statesFilter: string[]): { groupId: string; protocolType: string; groupState: string }[] {
    const wanted = new Set(statesFilter.map((s) => s.trim().toLowerCase()));
    return [...this.groups.values()]
      .filter((g) => wanted.size === 0 || wanted.has(g.state.toLowerCase()))
      .map((g) => ({ groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state }));
  }

  hasGroup(groupId: string): boolean {
    return this.groups.has(groupId);
  }

  // ---------------------------------------------------------------------------------------------
  // Timers

  /** Fires every timer due at nowMs: session expiry, join/sync phase ends, the initial delay, offset expiry. */
  tick(nowMs: number): CoordinatorEffects {
    this.advance(nowMs);
    const out = new Effects();
    for (let round = 0; round < MAX_TIMER_ROUNDS; round++) {
      const due = this.timers().filter((t) => t.deadlineMs <= nowMs).sort((a, b) => a.deadlineMs - b.deadlineMs);
      if (due.length === 0) return out;
      for (const timer of due) this.fire(nowMs, timer, out);
    }
    assert(false, `timers still due after ${MAX_TIMER_ROUNDS} rounds`);
    return out;
  }

  /** The earliest time tick() has something to do, or null; in the past when state was just loaded. */
  nextDeadlineMs(): number | null {
    if (this.cleanupDeadlineMs === null || this.hasUnscheduledMembers) return 0;
    let next: number | null = null;
    for (const t of this.timers()) if (next === null || t.deadlineMs < next) next = t.deadlineMs;
    return next;
  }

  private timers(): Timer[] {
    const out: Timer[] = [];
    if (this.cleanupDeadlineMs !== null) out.push({ kind: 'cleanup', deadlineMs: this.cleanupDeadlineMs });
    for (const group of this.groups.values()) {
      const groupId = group.groupId;
      if (group.joinDeadlineMs !== null) out.push({ kind: 'join', deadlineMs: group.joinDeadlineMs, groupId });
      if (group.syncDeadlineMs !== null) out.push({ kind: 'sync', deadlineMs: group.syncDeadlineMs, groupId });
      for (const [memberId, deadlineMs] of group.pendingMembers) out.push({ kind: 'pending', deadlineMs, groupId, memberId });
      for (const m of group.members.values()) {
        if (typeof m.heartbeatDeadlineMs === 'number') out.push({ kind: 'heartbeat', deadlineMs: m.heartbeatDeadlineMs, groupId, memberId: m.memberId });
      }
    }
    return out;
  }

  /** Fires one timer if it is still scheduled as collected (an earlier firing may have changed it). */
  private fire(nowMs: number, timer: Timer, out: Effects): void {
    if (timer.kind === 'cleanup') {
      if (this.cleanupDeadlineMs !== timer.deadlineMs) return;
      this.cleanupDeadlineMs = nowMs + this.retentionCheckIntervalMs;
      this.cleanupGroupMetadata(nowMs, out);
      return;
    }
    const group = this.groups.get(timer.groupId);
    if (!group) return;
    switch (timer.kind) {
      case 'heartbeat': {
        const member = group.members.get(timer.memberId);
        if (!member || member.heartbeatDeadlineMs !== timer.deadlineMs) return;
        member.heartbeatDeadlineMs = null;
        // Members parked in a rebalance satisfy their heartbeats, except new members (Kafka's hasSatisfiedHeartbeat).
        const satisfied = !member.isNew && (member.awaitingJoin !== null || member.awaitingSync !== null);
        if (!satisfied) this.removeMemberAndUpdateGroup(nowMs, group, member.memberId, out);
        return;
      }
      case 'pending':
        if (group.pendingMembers.get(timer.memberId) !== timer.deadlineMs) return;
        group.remove(timer.memberId);
        if (group.is(GroupState.PreparingRebalance) && group.hasAllMembersJoined()) this.completeJoin(nowMs, group, out);
        return;
      case 'join':
        if (group.joinDeadlineMs !== timer.deadlineMs) return;
        group.joinDeadlineMs = null;
        if (!group.is(GroupState.PreparingRebalance)) return;
        if (group.initialDelay) this.tryCompleteInitialRebalanceElseSchedule(nowMs, group, out);
        else this.completeJoin(nowMs, group, out);
        return;
      case 'sync':
        if (group.syncDeadlineMs !== timer.deadlineMs) return;
        group.syncDeadlineMs = null;
        this.expirePendingSync(nowMs, group, out);
        return;
    }
  }

  private removeMemberAndUpdateGroup(nowMs: number, group: ClassicGroup, memberId: string, out: Effects): void {
    this.removeMember(group, memberId, out);
    if (group.is(GroupState.Stable) || group.is(GroupState.CompletingRebalance)) this.maybePrepareRebalanceOrCompleteJoin(nowMs, group, out);
    else if (group.is(GroupState.PreparingRebalance) && group.hasAllMembersJoined()) this.completeJoin(nowMs, group, out);
  }

  /** Members of the new generation that never sent SyncGroup within the rebalance timeout are removed. */
  private expirePendingSync(nowMs: number, group: ClassicGroup, out: Effects): void {
    if (group.syncGenerationId !== group.generationId) return;
    if (!group.is(GroupState.CompletingRebalance) && !group.is(GroupState.Stable)) return;
    if (group.pendingSyncMembers.size === 0) return;
    for (const memberId of [...group.pendingSyncMembers]) this.removeMember(group, memberId, out);
    this.prepareRebalance(nowMs, group, out);
  }

  /** Offset expiry (Kafka's cleanupGroupMetadata): tombstones expired offsets; drops Empty groups left without offsets. */
  private cleanupGroupMetadata(nowMs: number, out: Effects): void {
    for (const group of [...this.groups.values()]) {
      const allExpired = this.cleanupExpiredOffsets(nowMs, group, out);
      // Unlike Kafka, an Empty group with MEMBER_ID_REQUIRED joins outstanding is kept: its members are about to join.
      if (allExpired && group.is(GroupState.Empty) && group.pendingMembers.size === 0) this.emit(out, groupMetadataRecord(group.groupId, null));
    }
  }

  private cleanupExpiredOffsets(nowMs: number, group: ClassicGroup, out: Effects): boolean {
    const byTopic = this.offsets.get(group.groupId);
    if (!byTopic) return true;
    const baseTimestamp = offsetExpirationBase(group);
    if (baseTimestamp === null) return false;
    let allExpired = true;
    for (const [topic, byPartition] of [...byTopic]) {
      if (group.isSubscribedToTopic(topic)) {
        allExpired = false;
        continue;
      }
      for (const [partition, offset] of [...byPartition]) {
        const expired = offset.expireTimestampMs !== null
          ? nowMs >= offset.expireTimestampMs
          : nowMs - baseTimestamp(offset) >= this.config.offsetsRetentionMs;
        if (expired) this.emit(out, offsetCommitRecord(group.groupId, topic, partition, null));
        else allExpired = false;
      }
    }
    return allExpired;
  }

  // ---------------------------------------------------------------------------------------------
  // Unloading

  /** Answers every parked request with errorCode (the shard is being unloaded). */
  unload(errorCode: number): CoordinatorEffects {
    const out = new Effects();
    for (const group of this.groups.values()) {
      for (const member of group.members.values()) {
        const join = group.takeAwaitingJoin(member);
        if (join) out.respond(join.requestId, joinResponse(join.version, { errorCode, memberId: member.memberId }));
        if (member.awaitingSync) {
          out.respond(member.awaitingSync.requestId, syncResponse(errorCode));
          member.awaitingSync = null;
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------
  // Introspection for tests and the simulation.

  /** A plain snapshot of the durable view of every group and offset, for comparing shards. */
  snapshot(): ShardSnapshot {
    const groups = [...this.groups.values()].map((g) => ({
      groupId: g.groupId,
      state: g.state,
      generationId: g.generationId,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leaderId: g.leaderId,
      members: [...g.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, assignment: m.assignment.toString('hex') }))
        .sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0)),
    })).sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
    const offsets: ShardSnapshot['offsets'] = [];
    for (const [groupId, byTopic] of this.offsets) {
      for (const [topic, byPartition] of byTopic) {
        for (const [partition, o] of byPartition) offsets.push({ groupId, topic, partition, offset: o.committedOffset, leaderEpoch: o.leaderEpoch, metadata: o.metadata });
      }
    }
    offsets.sort((a, b) => (`${a.groupId}\0${a.topic}` < `${b.groupId}\0${b.topic}` ? -1 : `${a.groupId}\0${a.topic}` > `${b.groupId}\0${b.topic}` ? 1 : a.partition - b.partition));
    return { groups, offsets };
  }
}

/** See GroupCoordinatorShard.snapshot(). */
export interface ShardSnapshot {
  groups: { groupId: string; state: string; generationId: number; protocolType: string | null; protocolName: string | null; leaderId: string | null; members: { memberId: string; groupInstanceId: string | null; assignment: string }[] }[];
  offsets: { groupId: string; topic: string; partition: number; offset: bigint; leaderEpoch: number; metadata: string }[];
}

interface Joining {
  protocols: MemberProtocol[];
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  clientId: string;
  clientHost: string;
  groupInstanceId: string | null;
  protocolType: string;
}

/** Kafka's validateMember: static members are checked by instance id (FENCED_INSTANCE_ID), others by member id. */
function validateMember(group: ClassicGroup, memberId: string, groupInstanceId: string | null): number {
  if (groupInstanceId !== null) {
    const existing = group.staticMembers.get(groupInstanceId);
    if (existing === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (existing !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
    return ErrorCode.NONE;
  }
  return group.hasMember(memberId) ? ErrorCode.NONE : ErrorCode.UNKNOWN_MEMBER_ID;
}

function isInconsistent(requested: string | null, current: string | null): boolean {
  return requested !== null && current !== null && requested !== current;
}

/** Kafka's classic-group validateOffsetCommit, including the simple-consumer (generation -1) case. */
function validateOffsetCommit(group: ClassicGroup | undefined, request: OffsetCommitRequest, version: number): number {
  const generationId = request.generationIdOrMemberEpoch;
  if (!group) {
    if (generationId < 0) return ErrorCode.NONE;
    return version >= 9 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.ILLEGAL_GENERATION;
  }
  if (generationId < 0 && group.is(GroupState.Empty)) return ErrorCode.NONE;
  if (generationId >= 0 || request.memberId !== '' || request.groupInstanceId !== null) {
    const error = validateMember(group, request.memberId, request.groupInstanceId);
    if (error !== ErrorCode.NONE) return error;
    if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  } else if (!group.is(GroupState.Empty)) {
    return ErrorCode.UNKNOWN_MEMBER_ID;
  }
  if (group.is(GroupState.CompletingRebalance)) return ErrorCode.REBALANCE_IN_PROGRESS;
  return ErrorCode.NONE;
}

/**
 * Kafka's ClassicGroup.offsetExpirationCondition: the time an offset's retention counts from, or
 * null when the group's offsets do not expire now.
 */
function offsetExpirationBase(group: ClassicGroup): ((offset: OffsetAndMetadata) => number) | null {
  if (group.protocolType === null) return (o) => o.commitTimestampMs;
  if (group.is(GroupState.Empty)) {
    const emptySince = group.currentStateTimestampMs;
    return (o) => emptySince ?? o.commitTimestampMs;
  }
  if (group.protocolType === CONSUMER_PROTOCOL_TYPE && group.subscribedTopics !== null && group.is(GroupState.Stable)) {
    return (o) => o.commitTimestampMs;
  }
  return null;
}
