import { ErrorCode } from '../common/errors.js';
import { ConfigResourceType, type MetadataImage, type PartitionImage } from './metadata-image.js';
import { MetadataRecordType, type MetadataRecord } from './metadata-record.js';
import { topicNameError, unifyTopicName } from './topic-name.js';

/** What the pure controller operations need from their caller: defaults, validation, randomness. */
export interface ControllerContext {
  readonly image: MetadataImage;
  readonly defaultNumPartitions: number;
  readonly defaultReplicationFactor: number;
  /** Returns a fresh random topic id (base64url UUID). */
  newTopicId(): string;
  /** Returns a random non-negative integer, for where replica placement starts. */
  randomInt(): number;
  /** Returns a Kafka-worded error message for invalid topic configs, or null. */
  validateTopicConfigs(configs: ReadonlyMap<string, string | null>): string | null;
}

/** The outcome of a controller operation: records to append, then per-item results. */
export interface ControllerResult<T> {
  records: MetadataRecord[];
  results: T[];
}

/** One topic of a CreateTopics request, in the request's own shape. */
export interface CreatableTopic {
  name: string;
  numPartitions: number;
  replicationFactor: number;
  assignments: { partitionIndex: number; brokerIds: number[] }[];
  configs: { name: string; value: string | null }[];
}

/** The result for one topic of a CreateTopics request. */
export interface CreateTopicResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  topicId: string;
  numPartitions: number;
  replicationFactor: number;
}

/** An error for one item: a Kafka error code and its message. */
interface ItemError {
  errorCode: number;
  errorMessage: string;
}

function fail(errorCode: number, errorMessage: string): ItemError {
  return { errorCode, errorMessage };
}

/** Validates and plans topic creation (Kafka's ReplicationControlManager.createTopics). */
export function createTopics(ctx: ControllerContext, topics: CreatableTopic[]): ControllerResult<CreateTopicResult> {
  const records: MetadataRecord[] = [];
  const results: CreateTopicResult[] = [];
  const counts = new Map<string, number>();
  for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  const created = new Set<string>();
  for (const topic of topics) {
    const base = { name: topic.name, topicId: '', numPartitions: -1, replicationFactor: -1 };
    const error = counts.get(topic.name)! > 1 ? fail(ErrorCode.INVALID_REQUEST, 'Duplicate topic name.') : checkNewTopic(ctx, topic, created);
    if ('errorCode' in error) {
      results.push({ ...base, ...error });
      continue;
    }
    const topicId = ctx.newTopicId();
    records.push({ type: MetadataRecordType.Topic, version: 0, data: { name: topic.name, topicId } });
    error.assignment.forEach((replicas, partitionId) => records.push(partitionRecord(topicId, partitionId, replicas)));
    for (const c of topic.configs) {
      if (c.value === null) continue;
      records.push(configRecord(ConfigResourceType.TOPIC, topic.name, c.name, c.value));
    }
    created.add(unifyTopicName(topic.name));
    results.push({
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicId,
      numPartitions: error.assignment.length,
      replicationFactor: error.assignment[0]!.length,
    });
  }
  return { records, results };
}

function checkNewTopic(ctx: ControllerContext, topic: CreatableTopic, created: Set<string>): ItemError | { assignment: number[][] } {
  const nameError = topicNameError(topic.name);
  if (nameError) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, nameError);
  if (ctx.image.topic(topic.name)) return fail(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists.`);
  const unified = unifyTopicName(topic.name);
  for (const existing of ctx.image.topicsByName.keys()) {
    if (unifyTopicName(existing) === unified) {
      return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${topic.name}' collides with existing topic: ${existing}`);
    }
  }
  if (created.has(unified)) return fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic '${topic.name}' collides with another topic in this request.`);
  const configs = new Map(topic.configs.map((c) => [c.name, c.value]));
  const configError = ctx.validateTopicConfigs(configs);
  if (configError) return fail(ErrorCode.INVALID_CONFIG, configError);
  const assignment = topic.assignments.length > 0 ? checkManualAssignment(ctx, topic) : placeReplicas(ctx, topic.numPartitions, topic.replicationFactor);
  return assignment;
}

function checkManualAssignment(ctx: ControllerContext, topic: CreatableTopic): ItemError | { assignment: number[][] } {
  if (topic.numPartitions !== -1 || topic.replicationFactor !== -1) {
    return fail(ErrorCode.INVALID_REQUEST, 'A manual partition assignment was specified, but numPartitions or replicationFactor was not set to -1.');
  }
  if (topic.assignments.length > MAX_PARTITIONS_PER_REQUEST) {
    return fail(ErrorCode.POLICY_VIOLATION, `Excessively large number of partitions per request: ${topic.assignments.length} (at most ${MAX_PARTITIONS_PER_REQUEST}).`);
  }
  const sorted = [...topic.assignments].sort((a, b) => a.partitionIndex - b.partitionIndex);
  const assignment: number[][] = [];
  for (const [i, a] of sorted.entries()) {
    if (a.partitionIndex !== i) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partitions should be a consecutive 0-based integer sequence, but got ${sorted.map((s) => s.partitionIndex).join(', ')}.`);
    const error = checkReplicas(ctx, a.brokerIds, i);
    if (error) return error;
    assignment.push(a.brokerIds);
  }
  const rf = assignment[0]?.length ?? 0;
  if (assignment.some((r) => r.length !== rf)) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'All partitions should have the same number of replicas.');
  return { assignment };
}

function checkReplicas(ctx: ControllerContext, brokerIds: number[], partition: number): ItemError | null {
  if (brokerIds.length === 0) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes an empty replica list for partition ${partition}.`);
  if (new Set(brokerIds).size !== brokerIds.length) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes duplicate replicas: ${brokerIds.join(', ')}.`);
  for (const id of brokerIds) {
    if (!ctx.image.brokers.has(id)) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes broker ${id}, but no such broker is registered.`);
  }
  return null;
}

/** Most partitions one request may create (Kafka's bound on records per controller operation). */
export const MAX_PARTITIONS_PER_REQUEST = 10_000;

/**
 * Replica placement over the active brokers (unfenced, not in controlled shutdown), after Kafka's
 * striped placer: leaders round-robin from a random start. Without racks the replicas of a
 * partition are consecutive brokers by id; with racks the brokers are interleaved rack by rack and
 * each partition takes brokers from distinct racks first, so it survives the loss of a rack.
 */
export function placeReplicas(ctx: ControllerContext, numPartitions: number, replicationFactor: number, firstPartition = 0): ItemError | { assignment: number[][] } {
  const partitions = numPartitions === -1 ? ctx.defaultNumPartitions : numPartitions;
  const rf = replicationFactor === -1 ? ctx.defaultReplicationFactor : replicationFactor;
  if (partitions <= 0) return fail(ErrorCode.INVALID_PARTITIONS, 'Number of partitions was set to an invalid non-positive value.');
  if (rf <= 0) return fail(ErrorCode.INVALID_REPLICATION_FACTOR, 'Replication factor must be larger than 0, or -1 to use the default value.');
  if (partitions - firstPartition > MAX_PARTITIONS_PER_REQUEST) {
    return fail(ErrorCode.POLICY_VIOLATION, `Excessively large number of partitions per request: ${partitions - firstPartition} (at most ${MAX_PARTITIONS_PER_REQUEST}).`);
  }
  const active = ctx.image.liveBrokers().filter((b) => !b.inControlledShutdown);
  if (rf > active.length) {
    return fail(ErrorCode.INVALID_REPLICATION_FACTOR, `Replication factor: ${rf} larger than available brokers: ${active.length}.`);
  }
  const start = ctx.randomInt() % active.length;
  const assignment: number[][] = [];
  if (active.every((b) => b.rack === null)) {
    const brokers = active.map((b) => b.brokerId);
    for (let p = 0; p < partitions - firstPartition; p++) {
      const replicas: number[] = [];
      for (let r = 0; r < rf; r++) replicas.push(brokers[(start + firstPartition + p + r) % brokers.length]!);
      assignment.push(replicas);
    }
    return { assignment };
  }
  const brokers = rackAlternated(active);
  for (let p = 0; p < partitions - firstPartition; p++) {
    assignment.push(stripe(brokers, (start + firstPartition + p) % brokers.length, rf));
  }
  return { assignment };
}

/** Brokers interleaved by rack (racks by name, brokers by id): a1, b1, c1, a2, b2, ... */
function rackAlternated(brokers: { brokerId: number; rack: string | null }[]): { brokerId: number; rack: string | null }[] {
  const byRack = new Map<string | null, { brokerId: number; rack: string | null }[]>();
  for (const b of brokers) {
    let list = byRack.get(b.rack);
    if (!list) byRack.set(b.rack, (list = []));
    list.push(b);
  }
  const racks = [...byRack.keys()].sort((a, b) => (a ?? '').localeCompare(b ?? ''));
  const out: { brokerId: number; rack: string | null }[] = [];
  for (let i = 0; out.length < brokers.length; i++) {
    for (const rack of racks) {
      const b = byRack.get(rack)![i];
      if (b) out.push(b);
    }
  }
  return out;
}

/** `rf` brokers walking the list from `first`: unused racks first, then any broker not yet taken. */
function stripe(brokers: { brokerId: number; rack: string | null }[], first: number, rf: number): number[] {
  const chosen: number[] = [];
  const racks = new Set<string | null>();
  for (let k = 0; k < brokers.length && chosen.length < rf; k++) {
    const b = brokers[(first + k) % brokers.length]!;
    if (racks.has(b.rack)) continue;
    racks.add(b.rack);
    chosen.push(b.brokerId);
  }
  for (let k = 0; k < brokers.length && chosen.length < rf; k++) {
    const b = brokers[(first + k) % brokers.length]!;
    if (!chosen.includes(b.brokerId)) chosen.push(b.brokerId);
  }
  return chosen;
}

/**
 * A PartitionRecord: a new partition (all replicas in sync, the first leads, epochs 0), or with
 * `state` a partition as it stands (a snapshot of the image).
 */
export function partitionRecord(
  topicId: string,
  partitionId: number,
  replicas: number[],
  state: Partial<Pick<PartitionImage, 'isr' | 'leader' | 'leaderEpoch' | 'partitionEpoch' | 'addingReplicas' | 'removingReplicas'>> = {},
): MetadataRecord {
  return {
    type: MetadataRecordType.Partition,
    version: 0,
    data: {
      partitionId,
      topicId,
      replicas: [...replicas],
      isr: [...(state.isr ?? replicas)],
      removingReplicas: [...(state.removingReplicas ?? [])],
      addingReplicas: [...(state.addingReplicas ?? [])],
      leader: state.leader ?? replicas[0]!,
      leaderRecoveryState: 0,
      leaderEpoch: state.leaderEpoch ?? 0,
      partitionEpoch: state.partitionEpoch ?? 0,
      directories: [],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    },
  };
}

/** A ConfigRecord setting (or, with null, removing) one config of a resource. */
export function configRecord(resourceType: number, resourceName: string, name: string, value: string | null): MetadataRecord {
  return { type: MetadataRecordType.Config, version: 0, data: { resourceType, resourceName, name, value } };
}

/** The result for one topic of a DeleteTopics request. */
export interface DeleteTopicResult {
  name: string | null;
  topicId: string;
  errorCode: number;
  errorMessage: string | null;
}

/** Plans topic deletion by name or id. */
export function deleteTopics(ctx: ControllerContext, topics: { name: string | null; topicId: string | null }[]): ControllerResult<DeleteTopicResult> {
  const records: MetadataRecord[] = [];
  const results: DeleteTopicResult[] = [];
  const seen = new Set<string>();
  for (const t of topics) {
    const topic = t.name !== null ? ctx.image.topic(t.name) : ctx.image.topicsById.get(t.topicId ?? '');
    if (!topic) {
      const byId = t.name === null;
      results.push({
        name: t.name,
        topicId: t.topicId ?? '',
        errorCode: byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        errorMessage: byId ? 'This server does not host this topic ID.' : 'This server does not host this topic-partition.',
      });
      continue;
    }
    if (!seen.has(topic.topicId)) records.push({ type: MetadataRecordType.RemoveTopic, version: 0, data: { topicId: topic.topicId } });
    seen.add(topic.topicId);
    results.push({ name: topic.name, topicId: topic.topicId, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  return { records, results };
}

/** The result for one topic of a CreatePartitions request. */
export interface CreatePartitionsResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

/** Plans adding partitions to existing topics. */
export function createPartitions(
  ctx: ControllerContext,
  topics: { name: string; count: number; assignments: { brokerIds: number[] }[] | null }[],
): ControllerResult<CreatePartitionsResult> {
  const records: MetadataRecord[] = [];
  const results: CreatePartitionsResult[] = [];
  for (const t of topics) {
    const outcome = planNewPartitions(ctx, t);
    if ('errorCode' in outcome) {
      results.push({ name: t.name, ...outcome });
      continue;
    }
    records.push(...outcome.records);
    results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
  }
  return { records, results };
}

function planNewPartitions(
  ctx: ControllerContext,
  t: { name: string; count: number; assignments: { brokerIds: number[] }[] | null },
): ItemError | { records: MetadataRecord[] } {
  const topic = ctx.image.topic(t.name);
  if (!topic) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${t.name}' does not exist.`);
  const current = topic.partitions.size;
  if (t.count < current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic currently has ${current} partitions, which is higher than the requested ${t.count}.`);
  if (t.count === current) return fail(ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
  const rf = topic.partitions.get(0)?.replicas.length ?? 1;
  let assignment: number[][];
  if (t.assignments !== null) {
    if (t.assignments.length !== t.count - current) {
      return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Attempted to add ${t.count - current} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`);
    }
    for (const [i, a] of t.assignments.entries()) {
      const error = checkReplicas(ctx, a.brokerIds, current + i);
      if (error) return error;
      if (a.brokerIds.length !== rf) return fail(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `The manual partition assignment includes a partition with ${a.brokerIds.length} replica(s), but this is not consistent with previous partitions, which have ${rf} replica(s).`);
    }
    assignment = t.assignments.map((a) => a.brokerIds);
  } else {
    const placed = placeReplicas(ctx, t.count, rf, current);
    if ('errorCode' in placed) return placed;
    assignment = placed.assignment;
  }
  return { records: assignment.map((replicas, i) => partitionRecord(topic.topicId, current + i, replicas)) };
}

/** Hands out the next block of producer ids (Kafka's ProducerIdControlManager). */
export function allocateProducerIds(ctx: Pick<ControllerContext, 'image'>, brokerId: number, brokerEpoch: bigint, blockSize: number): { records: MetadataRecord[]; firstProducerId: bigint } {
  const first = ctx.image.nextProducerId;
  return {
    firstProducerId: first,
    records: [{ type: MetadataRecordType.ProducerIds, version: 0, data: { brokerId, brokerEpoch, nextProducerId: first + BigInt(blockSize) } }],
  };
}
