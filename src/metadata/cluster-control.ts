import { assert } from '../common/index.js';
import { ErrorCode } from '../common/errors.js';
import type { MetadataImage, PartitionImage, TopicImage } from './metadata-image.js';
import { MetadataRecordType, type MetadataRecord } from './metadata-record.js';

/**
 * The KRaft controller's cluster operations as pure functions of the image (Kafka's
 * ClusterControlManager, ReplicationControlManager, PartitionChangeBuilder and
 * BrokerHeartbeatManager): broker registration, heartbeats, fencing, controlled shutdown, ISR
 * changes, leader elections and partition reassignment. Each returns the records to append; the
 * caller appends them and replays them into the image before planning the next operation.
 */

/** Per-topic policy the caller resolves from topic configs and broker defaults. */
export interface ClusterControlOptions {
  /** `unclean.leader.election.enable` for this topic. */
  uncleanLeaderElection(topic: string): boolean;
}

/** PartitionChangeRecord's leader: no leader. */
const NO_LEADER = -1;
/** PartitionChangeRecord's leader: leader unchanged. */
const NO_LEADER_CHANGE = -2;

/** BrokerRegistrationChangeRecord's `fenced` values (Kafka's BrokerRegistrationFencingChange). */
const FENCE = 1;
const UNFENCE = -1;
/** BrokerRegistrationChangeRecord's `inControlledShutdown`: entering controlled shutdown. */
const IN_CONTROLLED_SHUTDOWN = 1;

/** Most preferred-leader elections one rebalance pass plans (Kafka's maxElectionsPerImbalance). */
export const MAX_ELECTIONS_PER_REBALANCE = 1000;

// ---------------------------------------------------------------------------------------------
// Partition changes (Kafka's PartitionChangeBuilder)

/** How a partition change picks its leader (PartitionChangeBuilder.Election). */
type Election = 'preferred' | 'online' | 'unclean';

/** The target state of a partition; absent fields keep the current value. */
interface PartitionTarget {
  isr?: number[];
  replicas?: number[];
  addingReplicas?: number[];
  removingReplicas?: number[];
  election?: Election;
  /** Whether a broker may lead (Kafka's LeaderAcceptor). */
  isAcceptableLeader: (brokerId: number) => boolean;
}

/**
 * Plans one PartitionChangeRecord moving `partition` towards `target`, or null when nothing
 * changes. Completes a reassignment once the ISR holds every adding replica, keeps the current
 * leader while it is valid, never writes an empty ISR, and bumps the leader epoch when replicas
 * are removed so that removed followers stop.
 */
function partitionChange(topic: TopicImage, partition: PartitionImage, target: PartitionTarget): MetadataRecord | null {
  let isr = target.isr ?? partition.isr;
  let replicas = target.replicas ?? partition.replicas;
  let adding = target.addingReplicas ?? partition.addingReplicas;
  let removing = target.removingReplicas ?? partition.removingReplicas;
  const completed = completeReassignment(isr, replicas, adding, removing);
  if (completed) ({ isr, replicas, adding, removing } = completed);

  const record = {
    partitionId: partition.partitionId,
    topicId: topic.topicId,
    isr: null as number[] | null,
    leader: NO_LEADER_CHANGE,
    replicas: null as number[] | null,
    removingReplicas: null as number[] | null,
    addingReplicas: null as number[] | null,
    leaderRecoveryState: -1,
    directories: null,
    eligibleLeaderReplicas: null,
    lastKnownElr: null,
  };
  const election = electLeader(partition.leader, isr, replicas, target.election ?? 'online', target.isAcceptableLeader);
  if (election.leader !== partition.leader) {
    record.leader = election.leader;
    // An unclean leader is the only replica known to hold what it has: the ISR restarts from it.
    if (election.unclean) record.isr = [election.leader];
  }
  // Removed replicas learn it from the leader epoch bump (Kafka's triggerLeaderEpochBumpForReplicaReassignmentIfNeeded).
  if (record.leader === NO_LEADER_CHANGE && !partition.replicas.every((r) => replicas.includes(r))) record.leader = partition.leader;
  if (record.isr === null && isr.length > 0 && !sameList(isr, partition.isr)) record.isr = isr;
  if (replicas.length > 0 && !sameList(replicas, partition.replicas)) record.replicas = replicas;
  if (!sameList(removing, partition.removingReplicas)) record.removingReplicas = removing;
  if (!sameList(adding, partition.addingReplicas)) record.addingReplicas = adding;
  const changed =
    record.leader !== NO_LEADER_CHANGE || record.isr !== null || record.replicas !== null || record.removingReplicas !== null || record.addingReplicas !== null;
  return changed ? { type: MetadataRecordType.PartitionChange, version: 0, data: record } : null;
}

/** Kafka's PartitionReassignmentReplicas.maybeCompleteReassignment. */
function completeReassignment(
  isr: number[],
  replicas: number[],
  adding: number[],
  removing: number[],
): { isr: number[]; replicas: number[]; adding: number[]; removing: number[] } | null {
  if (adding.length === 0 && removing.length === 0) return null;
  if (!adding.every((r) => isr.includes(r))) return null;
  const newIsr = isr.filter((r) => !removing.includes(r));
  if (newIsr.length === 0) return null;
  return { isr: newIsr, replicas: replicas.filter((r) => !removing.includes(r)), adding: [], removing: [] };
}

/** Kafka's PartitionChangeBuilder.electLeader: a valid leader is in the ISR and acceptable. */
function electLeader(
  current: number,
  isr: number[],
  replicas: number[],
  election: Election,
  isAcceptable: (brokerId: number) => boolean,
): { leader: number; unclean: boolean } {
  const valid = (r: number): boolean => isr.includes(r) && isAcceptable(r);
  if (election === 'preferred' && replicas.length > 0 && valid(replicas[0]!)) return { leader: replicas[0]!, unclean: false };
  if (valid(current)) return { leader: current, unclean: false };
  const clean = replicas.find(valid);
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (election === 'unclean') {
    const unclean = replicas.find(isAcceptable);
    if (unclean !== undefined) return { leader: unclean, unclean: true };
  }
  return { leader: NO_LEADER, unclean: false };
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Kafka's LeaderAcceptor: active brokers, never `remove`, and `add` as if already active. */
function leaderAcceptor(image: MetadataImage, change: { remove?: number; add?: number }): (brokerId: number) => boolean {
  return (r) => r !== change.remove && (r === change.add || image.isActive(r));
}

function electionFor(opts: ClusterControlOptions, topic: string): Election {
  return opts.uncleanLeaderElection(topic) ? 'unclean' : 'online';
}

/**
 * Takes `brokerId` out of leadership and out of every ISR it is in (Kafka's
 * generateLeaderAndIsrUpdates with brokerToRemove): the last ISR member stays in the ISR, and a
 * partition with no other valid leader goes offline (leader -1) unless unclean election is allowed.
 */
function removeFromIsrs(image: MetadataImage, opts: ClusterControlOptions, brokerId: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const isAcceptableLeader = leaderAcceptor(image, { remove: brokerId });
  for (const { topic, partition } of image.allPartitions()) {
    if (!partition.isr.includes(brokerId)) continue;
    const isr = partition.isr.filter((r) => r !== brokerId);
    const record = partitionChange(topic, partition, { isr, election: electionFor(opts, topic.name), isAcceptableLeader });
    if (record) records.push(record);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Brokers (Kafka's ClusterControlManager and BrokerHeartbeatManager)

/** A BrokerRegistration request, as the controller needs it. */
export interface BrokerRegistrationRequest {
  brokerId: number;
  incarnationId: string;
  rack: string | null;
  endpoints: { name: string; host: string; port: number; securityProtocol: number }[];
}

/** The BrokerRegistration answer: the broker epoch to use in heartbeats and AlterPartition. */
export interface BrokerRegistrationResult {
  errorCode: number;
  errorMessage: string | null;
  brokerEpoch: bigint;
}

/**
 * Registers a broker, fenced until its heartbeats show it has caught up. A retry of the current
 * incarnation changes nothing. A new incarnation of a registered broker is a restart: it loses
 * leadership and ISR membership (as when fenced) and gets the next broker epoch.
 */
export function registerBroker(image: MetadataImage, req: BrokerRegistrationRequest): { records: MetadataRecord[]; result: BrokerRegistrationResult } {
  const existing = image.brokers.get(req.brokerId);
  if (existing && existing.incarnationId === req.incarnationId) {
    return { records: [], result: { errorCode: ErrorCode.NONE, errorMessage: null, brokerEpoch: existing.brokerEpoch } };
  }
  const brokerEpoch = existing ? existing.brokerEpoch + 1n : 0n;
  // A restart without a clean shutdown: the old incarnation may still lead or sit in ISRs.
  const records = existing ? removeFromIsrs(image, { uncleanLeaderElection: () => false }, req.brokerId) : [];
  records.push({
    type: MetadataRecordType.RegisterBroker,
    version: 3,
    data: {
      brokerId: req.brokerId,
      isMigratingZkBroker: false,
      incarnationId: req.incarnationId,
      brokerEpoch,
      endPoints: req.endpoints.map((e) => ({ name: e.name, host: e.host, port: e.port, securityProtocol: e.securityProtocol })),
      features: [],
      rack: req.rack,
      fenced: true,
      inControlledShutdown: false,
      logDirs: [],
    },
  });
  return { records, result: { errorCode: ErrorCode.NONE, errorMessage: null, brokerEpoch } };
}

/** A BrokerHeartbeat request, as the controller needs it. */
export interface BrokerHeartbeatRequest {
  brokerId: number;
  brokerEpoch: bigint;
  currentMetadataOffset: bigint;
  wantFence: boolean;
  wantShutDown: boolean;
}

/** The BrokerHeartbeat answer. */
export interface BrokerHeartbeatResult {
  errorCode: number;
  isCaughtUp: boolean;
  isFenced: boolean;
  /** The broker is moving its leadership away before shutting down. */
  inControlledShutdown: boolean;
  shouldShutDown: boolean;
}

/** Kafka's BrokerControlState. */
type BrokerControlState = 'fenced' | 'unfenced' | 'controlledShutdown' | 'shutdownNow';

/**
 * Handles one heartbeat (Kafka's processBrokerHeartbeat and calculateNextBrokerState): a fenced
 * broker that has replayed its registration is unfenced and takes over leaderless partitions;
 * a broker that wants to shut down first hands its leadership to other ISR members, and once it
 * leads nothing it is fenced and told to shut down.
 */
export function brokerHeartbeat(
  image: MetadataImage,
  opts: ClusterControlOptions,
  req: BrokerHeartbeatRequest,
): { records: MetadataRecord[]; result: BrokerHeartbeatResult } {
  const broker = image.brokers.get(req.brokerId);
  if (!broker || broker.brokerEpoch !== req.brokerEpoch) {
    return {
      records: [],
      result: { errorCode: ErrorCode.STALE_BROKER_EPOCH, isCaughtUp: false, isFenced: true, inControlledShutdown: false, shouldShutDown: false },
    };
  }
  const isCaughtUp = req.currentMetadataOffset >= broker.registeredAtOffset;
  const current = brokerState(broker);
  const next = nextBrokerState(image, current, req, isCaughtUp);
  const records: MetadataRecord[] = [];
  if (next === 'unfenced' && current === 'fenced') {
    records.push(registrationChange(req.brokerId, broker.brokerEpoch, { fenced: UNFENCE }));
    records.push(...unfenceElections(image, opts, req.brokerId));
  } else if (next === 'controlledShutdown') {
    // Repeated while it still leads: a partition may have gained it as leader in between.
    if (current !== 'controlledShutdown') records.push(registrationChange(req.brokerId, broker.brokerEpoch, { inControlledShutdown: IN_CONTROLLED_SHUTDOWN }));
    records.push(...removeFromIsrs(image, opts, req.brokerId));
  } else if ((next === 'fenced' || next === 'shutdownNow') && !broker.fenced) {
    records.push(...fenceBroker(image, opts, req.brokerId));
  }
  return {
    records,
    result: {
      errorCode: ErrorCode.NONE,
      isCaughtUp,
      isFenced: next === 'fenced' || next === 'shutdownNow',
      inControlledShutdown: next === 'controlledShutdown' || next === 'shutdownNow',
      shouldShutDown: next === 'shutdownNow',
    },
  };
}

function brokerState(broker: { fenced: boolean; inControlledShutdown: boolean }): BrokerControlState {
  if (broker.inControlledShutdown) return broker.fenced ? 'shutdownNow' : 'controlledShutdown';
  return broker.fenced ? 'fenced' : 'unfenced';
}

function nextBrokerState(image: MetadataImage, current: BrokerControlState, req: BrokerHeartbeatRequest, isCaughtUp: boolean): BrokerControlState {
  const leadsSomething = (): boolean => !image.partitionsLedBy(req.brokerId).next().done;
  switch (current) {
    case 'fenced':
      if (req.wantShutDown) return 'shutdownNow';
      return !req.wantFence && isCaughtUp ? 'unfenced' : 'fenced';
    case 'unfenced':
      if (req.wantFence) return req.wantShutDown ? 'shutdownNow' : 'fenced';
      if (req.wantShutDown) return leadsSomething() ? 'controlledShutdown' : 'shutdownNow';
      return 'unfenced';
    case 'controlledShutdown':
      return leadsSomething() ? 'controlledShutdown' : 'shutdownNow';
    case 'shutdownNow':
      return 'shutdownNow';
  }
}

function registrationChange(brokerId: number, brokerEpoch: bigint, change: { fenced?: number; inControlledShutdown?: number }): MetadataRecord {
  return {
    type: MetadataRecordType.BrokerRegistrationChange,
    version: 1,
    data: { brokerId, brokerEpoch, fenced: change.fenced ?? 0, inControlledShutdown: change.inControlledShutdown ?? 0, logDirs: [] },
  };
}

/**
 * Fences a broker whose session expired (or that asked to be fenced): new leaders from the live
 * ISR for the partitions it led, out of every ISR it is in (but the last member stays), then the
 * fence record. Nothing when the broker is unknown or already fenced.
 */
export function fenceBroker(image: MetadataImage, opts: ClusterControlOptions, brokerId: number): MetadataRecord[] {
  const broker = image.brokers.get(brokerId);
  if (!broker || broker.fenced) return [];
  const records = removeFromIsrs(image, opts, brokerId);
  records.push(registrationChange(brokerId, broker.brokerEpoch, { fenced: FENCE }));
  return records;
}

/**
 * Elections for leaderless partitions once `brokerId` is unfenced (Kafka's handleBrokerUnfenced):
 * the broker leads those whose ISR holds it, and with unclean election allowed also those where it
 * is only a replica. Planned as if the broker were already unfenced.
 */
export function unfenceElections(image: MetadataImage, opts: ClusterControlOptions, brokerId: number): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const isAcceptableLeader = leaderAcceptor(image, { add: brokerId });
  for (const { topic, partition } of image.allPartitions()) {
    if (partition.leader !== NO_LEADER || !partition.replicas.includes(brokerId)) continue;
    const record = partitionChange(topic, partition, { election: electionFor(opts, topic.name), isAcceptableLeader });
    if (record) records.push(record);
  }
  return records;
}

/**
 * When each broker last sent a heartbeat, to find expired sessions (Kafka's
 * BrokerHeartbeatManager). Pure: the caller passes the time. Holds one entry per broker.
 */
export class BrokerHeartbeatTracker {
  private readonly lastContactMs = new Map<number, number>();

  /** Records a heartbeat (or registration) from `brokerId` at `nowMs`. */
  touch(brokerId: number, nowMs: number): void {
    this.lastContactMs.set(brokerId, nowMs);
  }

  /** Stops tracking a broker (unregistered, or fenced and not to be fenced again). */
  forget(brokerId: number): void {
    this.lastContactMs.delete(brokerId);
  }

  /** Brokers whose last heartbeat is more than `sessionTimeoutMs` before `nowMs`, by id. */
  expired(nowMs: number, sessionTimeoutMs: number): number[] {
    const out: number[] = [];
    for (const [brokerId, lastMs] of this.lastContactMs) if (nowMs - lastMs > sessionTimeoutMs) out.push(brokerId);
    return out.sort((a, b) => a - b);
  }
}

// ---------------------------------------------------------------------------------------------
// AlterPartition

/** One partition of an AlterPartition request. */
export interface AlterPartitionItem {
  partitionIndex: number;
  leaderEpoch: number;
  newIsr: number[];
  partitionEpoch: number;
}

/** The AlterPartition answer for one partition: the state after the change. */
export interface AlterPartitionItemResult {
  partitionIndex: number;
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  isr: number[];
  partitionEpoch: number;
}

/** An AlterPartition request, as the controller needs it. */
export interface AlterPartitionRequest {
  brokerId: number;
  brokerEpoch: bigint;
  topics: { topicId: string; partitions: AlterPartitionItem[] }[];
}

/**
 * A partition leader's ISR change (Kafka's ReplicationControlManager.alterPartition). A stale or
 * unknown broker epoch fails the whole request (`errorCode`, repeated on every partition). An ISR
 * change that completes a reassignment may move the leadership away: the requester then gets
 * NEW_LEADER_ELECTED while the change is still made.
 */
export function alterPartition(
  image: MetadataImage,
  req: AlterPartitionRequest,
): { records: MetadataRecord[]; errorCode: number; results: { topicId: string; partitions: AlterPartitionItemResult[] }[] } {
  const broker = image.brokers.get(req.brokerId);
  const failed = (errorCode: number, p: { partitionIndex: number }): AlterPartitionItemResult => ({
    partitionIndex: p.partitionIndex,
    errorCode,
    leaderId: NO_LEADER,
    leaderEpoch: -1,
    isr: [],
    partitionEpoch: -1,
  });
  if (!broker || broker.brokerEpoch !== req.brokerEpoch) {
    const results = req.topics.map((t) => ({ topicId: t.topicId, partitions: t.partitions.map((p) => failed(ErrorCode.STALE_BROKER_EPOCH, p)) }));
    return { records: [], errorCode: ErrorCode.STALE_BROKER_EPOCH, results };
  }
  const records: MetadataRecord[] = [];
  const results = req.topics.map((t) => {
    const topic = image.topicsById.get(t.topicId);
    if (!topic) return { topicId: t.topicId, partitions: t.partitions.map((p) => failed(ErrorCode.UNKNOWN_TOPIC_ID, p)) };
    const partitions = t.partitions.map((p) => {
      const partition = topic.partitions.get(p.partitionIndex);
      const error = partition ? alterPartitionError(image, req.brokerId, partition, p) : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      if (error !== ErrorCode.NONE || !partition) return failed(error, p);
      const record = partitionChange(topic, partition, { isr: p.newIsr, isAcceptableLeader: leaderAcceptor(image, {}) });
      const after = record ? applied(partition, record) : partition;
      if (record) records.push(record);
      if (after.leader !== req.brokerId) return failed(ErrorCode.NEW_LEADER_ELECTED, p);
      return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, leaderId: after.leader, leaderEpoch: after.leaderEpoch, isr: after.isr, partitionEpoch: after.partitionEpoch };
    });
    return { topicId: t.topicId, partitions };
  });
  return { records, errorCode: ErrorCode.NONE, results };
}

/**
 * Kafka's validateAlterPartitionData, in its order and with its codes: a request from a broker
 * that is not the leader, an ISR with a non-replica or a duplicate, and an ISR without the leader
 * are INVALID_REQUEST; an ISR member that is not registered, fenced or shutting down is
 * INELIGIBLE_REPLICA (the leader retries once it hears of the broker's state).
 */
function alterPartitionError(image: MetadataImage, brokerId: number, partition: PartitionImage, p: AlterPartitionItem): number {
  if (p.leaderEpoch !== partition.leaderEpoch) return ErrorCode.FENCED_LEADER_EPOCH;
  if (brokerId !== partition.leader) return ErrorCode.INVALID_REQUEST;
  if (p.partitionEpoch !== partition.partitionEpoch) return ErrorCode.INVALID_UPDATE_VERSION;
  if (new Set(p.newIsr).size !== p.newIsr.length || p.newIsr.some((r) => !partition.replicas.includes(r))) return ErrorCode.INVALID_REQUEST;
  if (!p.newIsr.includes(partition.leader)) return ErrorCode.INVALID_REQUEST;
  if (p.newIsr.some((r) => !image.isActive(r))) return ErrorCode.INELIGIBLE_REPLICA;
  return ErrorCode.NONE;
}

/** The partition as it will be once `record` (a PartitionChange for it) is replayed. */
function applied(partition: PartitionImage, record: MetadataRecord): PartitionImage {
  assert(record.type === MetadataRecordType.PartitionChange, 'a partition change');
  const d = record.data;
  return {
    ...partition,
    isr: d.isr ?? partition.isr,
    replicas: d.replicas ?? partition.replicas,
    addingReplicas: d.addingReplicas ?? partition.addingReplicas,
    removingReplicas: d.removingReplicas ?? partition.removingReplicas,
    leader: d.leader === NO_LEADER_CHANGE ? partition.leader : d.leader,
    leaderEpoch: d.leader === NO_LEADER_CHANGE ? partition.leaderEpoch : partition.leaderEpoch + 1,
    partitionEpoch: partition.partitionEpoch + 1,
  };
}

// ---------------------------------------------------------------------------------------------
// Leader elections

/** ElectLeaders' election types. */
export const ElectionType = { PREFERRED: 0, UNCLEAN: 1 } as const;

/** The ElectLeaders answer for one partition. */
export interface ElectLeadersItemResult {
  partitionId: number;
  errorCode: number;
  errorMessage: string | null;
}

const ELECTION_NOT_NEEDED_MESSAGE = 'Leader election not needed for topic partition.';
const PREFERRED_LEADER_NOT_AVAILABLE_MESSAGE = 'The preferred leader was not available.';
const ELIGIBLE_LEADERS_NOT_AVAILABLE_MESSAGE = 'Eligible topic partition leaders are not available.';

/**
 * An ElectLeaders request (Kafka's ReplicationControlManager.electLeaders). Preferred: the first
 * replica leads if it is active and in the ISR (a leaderless partition may get another ISR member).
 * Unclean: only for leaderless partitions, from the ISR first, else any active replica (the ISR
 * restarts from it). `partitions` null means every partition, leaving out those that need nothing.
 */
export function electLeaders(
  image: MetadataImage,
  opts: ClusterControlOptions,
  electionType: 0 | 1,
  partitions: { topic: string; partitions: number[] }[] | null,
): { records: MetadataRecord[]; results: { topic: string; partitions: ElectLeadersItemResult[] }[] } {
  void opts; // the request's election type decides, not the topic config (as in Kafka)
  const records: MetadataRecord[] = [];
  const results: { topic: string; partitions: ElectLeadersItemResult[] }[] = [];
  if (partitions === null) {
    for (const topic of [...image.topicsByName.values()].sort((a, b) => a.name.localeCompare(b.name))) {
      const items = [...topic.partitions.keys()]
        .sort((a, b) => a - b)
        .map((id) => electOne(image, electionType, topic.name, id, records))
        .filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED);
      if (items.length > 0) results.push({ topic: topic.name, partitions: items });
    }
    return { records, results };
  }
  for (const t of partitions) results.push({ topic: t.topic, partitions: t.partitions.map((id) => electOne(image, electionType, t.topic, id, records)) });
  return { records, results };
}

function electOne(image: MetadataImage, electionType: 0 | 1, topicName: string, partitionId: number, records: MetadataRecord[]): ElectLeadersItemResult {
  const result = (errorCode: number, errorMessage: string | null): ElectLeadersItemResult => ({ partitionId, errorCode, errorMessage });
  const topic = image.topic(topicName);
  if (!topic) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such topic as ${topicName}`);
  const partition = topic.partitions.get(partitionId);
  if (!partition) return result(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `No such partition as ${topicName}-${partitionId}`);
  const preferred = electionType === ElectionType.PREFERRED;
  if (preferred ? partition.leader === partition.replicas[0] : partition.leader !== NO_LEADER) {
    return result(ErrorCode.ELECTION_NOT_NEEDED, ELECTION_NOT_NEEDED_MESSAGE);
  }
  const record = partitionChange(topic, partition, { election: preferred ? 'preferred' : 'unclean', isAcceptableLeader: leaderAcceptor(image, {}) });
  if (!record) {
    return preferred
      ? result(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, PREFERRED_LEADER_NOT_AVAILABLE_MESSAGE)
      : result(ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE_MESSAGE);
  }
  records.push(record);
  return result(ErrorCode.NONE, null);
}

/**
 * `auto.leader.rebalance.enable`: moves leadership back to the preferred replica (the first) of
 * partitions led by another broker, where that replica is active and in the ISR. At most
 * MAX_ELECTIONS_PER_REBALANCE records per call; the caller runs it again later for the rest.
 */
export function preferredLeaderRebalance(image: MetadataImage): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const isAcceptableLeader = leaderAcceptor(image, {});
  for (const { topic, partition } of image.allPartitions()) {
    if (records.length >= MAX_ELECTIONS_PER_REBALANCE) break;
    if (partition.leader === NO_LEADER || partition.leader === partition.replicas[0]) continue;
    const record = partitionChange(topic, partition, { election: 'preferred', isAcceptableLeader });
    if (record) records.push(record);
  }
  return records;
}

// ---------------------------------------------------------------------------------------------
// Partition reassignment

/** The AlterPartitionReassignments answer for one partition. */
export interface ReassignmentItemResult {
  partitionIndex: number;
  errorCode: number;
  errorMessage: string | null;
}

/**
 * An AlterPartitionReassignments request (Kafka's ReplicationControlManager). Target replicas:
 * the partition runs on target + current replicas until the ISR holds every added replica, then
 * drops the removed ones (at once when nothing is added). Null cancels: back to the original
 * replicas; a cancel that would leave no ISR member needs unclean election for the topic (`opts`).
 */
export function alterPartitionReassignments(
  image: MetadataImage,
  topics: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[],
  opts: ClusterControlOptions = { uncleanLeaderElection: () => false },
): { records: MetadataRecord[]; results: { name: string; partitions: ReassignmentItemResult[] }[] } {
  const records: MetadataRecord[] = [];
  const results = topics.map((t) => ({
    name: t.name,
    partitions: t.partitions.map((p): ReassignmentItemResult => {
      const outcome = reassignOne(image, opts, t.name, p.partitionIndex, p.replicas);
      if ('errorCode' in outcome) return { partitionIndex: p.partitionIndex, ...outcome };
      if (outcome.record) records.push(outcome.record);
      return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, errorMessage: null };
    }),
  }));
  return { records, results };
}

function reassignOne(
  image: MetadataImage,
  opts: ClusterControlOptions,
  topicName: string,
  partitionIndex: number,
  target: number[] | null,
): { errorCode: number; errorMessage: string } | { record: MetadataRecord | null } {
  const topic = image.topic(topicName);
  if (!topic) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find a topic named ${topicName}.` };
  const partition = topic.partitions.get(partitionIndex);
  if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Unable to find partition ${topicName}:${partitionIndex}.` };
  const election = electionFor(opts, topicName);
  const isAcceptableLeader = leaderAcceptor(image, {});
  if (target === null) {
    if (partition.addingReplicas.length === 0 && partition.removingReplicas.length === 0) {
      return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: 'No partition reassignment is in progress.' };
    }
    const replicas = partition.replicas.filter((r) => !partition.addingReplicas.includes(r));
    let isr = partition.isr.filter((r) => !partition.addingReplicas.includes(r));
    if (isr.length === 0) {
      if (election !== 'unclean') {
        return {
          errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          errorMessage: `Unable to revert partition assignment for ${topicName}:${partitionIndex} because it would require an unclean leader election.`,
        };
      }
      isr = replicas.slice(0, 1);
    }
    return { record: partitionChange(topic, partition, { isr, replicas, addingReplicas: [], removingReplicas: [], election, isAcceptableLeader }) };
  }
  const error = replicaListError(image, target);
  if (error) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: error };
  const current = partition.replicas;
  const replicas = [...target, ...current.filter((r) => !target.includes(r))];
  const addingReplicas = target.filter((r) => !current.includes(r));
  const removingReplicas = current.filter((r) => !target.includes(r));
  return { record: partitionChange(topic, partition, { replicas, addingReplicas, removingReplicas, election, isAcceptableLeader }) };
}

/** Kafka's validateManualPartitionAssignment wording. */
function replicaListError(image: MetadataImage, replicas: number[]): string | null {
  if (replicas.length === 0) return 'The manual partition assignment includes an empty replica list.';
  if (new Set(replicas).size !== replicas.length) return `The manual partition assignment includes duplicate replicas: ${replicas.join(', ')}.`;
  const unknown = replicas.find((r) => !image.brokers.has(r));
  if (unknown !== undefined) return `The manual partition assignment includes broker ${unknown}, but no such broker is registered.`;
  return null;
}

/** One reassigning partition, as ListPartitionReassignments reports it. */
export interface OngoingReassignment {
  partitionIndex: number;
  replicas: number[];
  addingReplicas: number[];
  removingReplicas: number[];
}

/**
 * Partitions with a reassignment in progress: of the named topics and partitions (unknown ones
 * are left out, as Kafka does), or of every topic when `topics` is null. Topics without any are
 * left out.
 */
export function listPartitionReassignments(
  image: MetadataImage,
  topics: { name: string; partitionIndexes: number[] }[] | null,
): { name: string; partitions: OngoingReassignment[] }[] {
  const wanted =
    topics ??
    [...image.topicsByName.values()]
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((t) => ({ name: t.name, partitionIndexes: [...t.partitions.keys()].sort((a, b) => a - b) }));
  const out: { name: string; partitions: OngoingReassignment[] }[] = [];
  for (const t of wanted) {
    const topic = image.topic(t.name);
    if (!topic) continue;
    const partitions: OngoingReassignment[] = [];
    for (const index of t.partitionIndexes) {
      const p = topic.partitions.get(index);
      if (!p || (p.addingReplicas.length === 0 && p.removingReplicas.length === 0)) continue;
      partitions.push({ partitionIndex: index, replicas: [...p.replicas], addingReplicas: [...p.addingReplicas], removingReplicas: [...p.removingReplicas] });
    }
    if (partitions.length > 0) out.push({ name: t.name, partitions });
  }
  return out;
}
