import { randomUUID } from 'node:crypto';
import { ErrorCode, KafkaError } from '../common/errors.js';
import {
  GroupCoordinatorShard,
  groupPartition,
  type CoordinatorEffects,
  type CoordinatorRecord,
  type GroupCoordinatorConfig,
} from '../coordinator/index.js';
import { buildRecordBatch, decodeRecordBatches } from '../protocol/records/index.js';
import type { Broker } from './broker.js';
import type { HostedPartition } from './partition-manager.js';

/** The internal topic holding group metadata and committed offsets. */
export const OFFSETS_TOPIC = '__consumer_offsets';

/** Bytes read per step while loading a coordinator partition. */
const LOAD_READ_BYTES = 4 * 1024 * 1024;

/** Most queued operations whose records go into one append. */
const MAX_OPERATIONS_PER_APPEND = 1000;

/** An operation waiting for its shard. */
interface Step {
  run: (coordinator: GroupCoordinatorShard, nowMs: number) => CoordinatorEffects;
  done: (error?: Error) => void;
}

/** A shard of the group coordinator: one per hosted __consumer_offsets partition. */
interface Shard {
  readonly partition: number;
  readonly coordinator: GroupCoordinatorShard;
  loaded: boolean;
  unloaded: boolean;
  /** Loading, then draining: the shard's work runs one piece at a time along this chain. */
  chain: Promise<void>;
  /** Operations queued while the shard is busy; drained together, their records in one append. */
  readonly pending: Step[];
  draining: boolean;
  timer: NodeJS.Timeout | undefined;
}

/** The answer when a group's coordinator cannot serve: which error to return. */
export interface Unavailable {
  unavailable: number;
}

/** offsets.commit.timeout.ms: how long a coordinator write waits for the ISR. */
const OFFSETS_COMMIT_TIMEOUT_MS = 5000;

/**
 * The broker side of the group coordinator: owns one pure GroupCoordinatorShard per hosted
 * `__consumer_offsets` partition, loads it by replaying the partition, runs operations one at a
 * time per shard, appends the records they produce before sending their responses, and drives
 * their deadlines with one timer per shard.
 */
export class GroupService {
  private readonly shards = new Map<number, Shard>();
  private readonly pending = new Map<number, (response: unknown) => void>();
  private nextRequestId = 1;
  private creating: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly broker: Broker,
    private readonly config: GroupCoordinatorConfig,
  ) {}

  /** Number of __consumer_offsets partitions (offsets.topic.num.partitions). */
  get numPartitions(): number {
    return this.broker.image.topic(OFFSETS_TOPIC)?.partitions.size ?? this.broker.config.getNumber('offsets.topic.num.partitions');
  }

  /** The __consumer_offsets partition of a group. */
  partitionOf(groupId: string): number {
    return groupPartition(groupId, this.numPartitions);
  }

  /**
   * Creates __consumer_offsets if missing. Its replication factor is offsets.topic.replication.factor,
   * lowered to the number of live brokers so that single-node setups work (with a warning).
   */
  async ensureOffsetsTopic(): Promise<number> {
    if (this.broker.image.topic(OFFSETS_TOPIC)) return ErrorCode.NONE;
    this.creating ??= this.createOffsetsTopic().finally(() => (this.creating = undefined));
    await this.creating;
    return this.broker.image.topic(OFFSETS_TOPIC) ? ErrorCode.NONE : ErrorCode.COORDINATOR_NOT_AVAILABLE;
  }

  private async createOffsetsTopic(): Promise<void> {
    const wanted = this.broker.config.getNumber('offsets.topic.replication.factor');
    const live = this.broker.image.liveBrokers().length;
    const replicationFactor = Math.max(1, Math.min(wanted, live));
    if (replicationFactor < wanted) {
      this.broker.log(`WARN: creating ${OFFSETS_TOPIC} with replication factor ${replicationFactor}: offsets.topic.replication.factor=${wanted} but only ${live} broker(s) are live`);
    }
    const [result] = await this.broker.createTopics(
      [
        {
          name: OFFSETS_TOPIC,
          numPartitions: this.broker.config.getNumber('offsets.topic.num.partitions'),
          replicationFactor,
          assignments: [],
          configs: [
            { name: 'cleanup.policy', value: 'compact' },
            { name: 'compression.type', value: 'producer' },
            { name: 'segment.bytes', value: String(this.broker.config.getNumber('offsets.topic.segment.bytes')) },
          ],
        },
      ],
      false,
    );
    if (result && result.errorCode !== ErrorCode.NONE && result.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
      this.broker.log(`ERROR: cannot create ${OFFSETS_TOPIC}: ${result.errorMessage}`);
    }
  }

  /** Loads shards for the __consumer_offsets partitions this broker leads; unloads the others. */
  async sync(): Promise<void> {
    if (this.stopped) return;
    const led = new Set<number>();
    for (const hosted of this.broker.partitions.all()) {
      if (hosted.topic.name !== OFFSETS_TOPIC || hosted.partition.leader !== this.broker.nodeId) continue;
      led.add(hosted.partition.partitionId);
      if (!this.shards.has(hosted.partition.partitionId)) this.load(hosted);
    }
    for (const [partition, shard] of this.shards) if (!led.has(partition)) this.unloadShard(shard, ErrorCode.NOT_COORDINATOR);
  }

  private load(hosted: HostedPartition): void {
    const shard: Shard = {
      partition: hosted.partition.partitionId,
      coordinator: new GroupCoordinatorShard(this.config, () => randomUUID()),
      loaded: false,
      unloaded: false,
      chain: Promise.resolve(),
      pending: [],
      draining: false,
      timer: undefined,
    };
    this.shards.set(shard.partition, shard);
    shard.chain = this.replayLog(hosted, shard).then(
      () => {
        shard.loaded = true;
        this.schedule(shard);
      },
      (e: Error) => this.broker.log(`ERROR: loading ${OFFSETS_TOPIC}-${shard.partition}: ${e.message}`),
    );
  }

  private async replayLog(hosted: HostedPartition, shard: Shard): Promise<void> {
    const log = hosted.log;
    let offset = log.logStartOffset;
    const end = log.logEndOffset;
    while (offset < end) {
      const data = log.read(offset, LOAD_READ_BYTES, end, true);
      if (data.batches.length === 0) break;
      for (const batch of await decodeRecordBatches(Buffer.concat(data.batches))) {
        for (const record of batch.records) if (record.key) shard.coordinator.replay({ key: record.key, value: record.value });
        offset = batch.info.baseOffset + BigInt(batch.info.lastOffsetDelta) + 1n;
      }
    }
  }

  private unloadShard(shard: Shard, errorCode: number): void {
    this.shards.delete(shard.partition);
    shard.unloaded = true;
    clearTimeout(shard.timer);
    shard.chain = shard.chain.then(() => this.deliver(shard.coordinator.unload(errorCode).responses));
  }

  /** Whether this broker coordinates the group right now, or the error to answer with. */
  status(groupId: string): number {
    if (!this.broker.image.topic(OFFSETS_TOPIC)) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const shard = this.shards.get(this.partitionOf(groupId));
    if (!shard) return ErrorCode.NOT_COORDINATOR;
    return shard.loaded ? ErrorCode.NONE : ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
  }

  /**
   * Runs an operation on the group's shard: its records are appended to the shard's partition
   * before its responses are released. Resolves to this request's response.
   */
  async call<T>(groupId: string, operation: (coordinator: GroupCoordinatorShard, nowMs: number, requestId: number) => CoordinatorEffects): Promise<T | Unavailable> {
    const status = this.status(groupId);
    if (status !== ErrorCode.NONE) return { unavailable: status };
    const shard = this.shards.get(this.partitionOf(groupId))!;
    const requestId = this.nextRequestId++;
    const response = new Promise<T>((resolve) => this.pending.set(requestId, resolve as (r: unknown) => void));
    await this.enqueue(shard, (coordinator, nowMs) => operation(coordinator, nowMs, requestId));
    return response;
  }

  /** Runs a read or a multi-result operation on a group's shard, in order with the others. */
  async read<T>(groupId: string, operation: (coordinator: GroupCoordinatorShard, nowMs: number) => { records?: CoordinatorRecord[]; result: T }): Promise<T | Unavailable> {
    const status = this.status(groupId);
    if (status !== ErrorCode.NONE) return { unavailable: status };
    const shard = this.shards.get(this.partitionOf(groupId))!;
    let result!: T;
    await this.enqueue(shard, (coordinator, nowMs) => {
      const out = operation(coordinator, nowMs);
      result = out.result;
      return { records: out.records ?? [], responses: [] };
    });
    return result;
  }

  /** Every loaded shard, for ListGroups. */
  loadedShards(): GroupCoordinatorShard[] {
    return [...this.shards.values()].filter((s) => s.loaded).map((s) => s.coordinator);
  }

  private enqueue(shard: Shard, run: (coordinator: GroupCoordinatorShard, nowMs: number) => CoordinatorEffects): Promise<void> {
    return new Promise((resolve, reject) => {
      shard.pending.push({ run, done: (error) => (error ? reject(error) : resolve()) });
      if (shard.draining) return;
      shard.draining = true;
      shard.chain = shard.chain.then(() => this.drain(shard));
    });
  }

  /**
   * Runs the queued operations of a shard in order and appends all their records as one batch
   * (as Kafka's coordinator runtime does) before releasing any of their responses.
   */
  private async drain(shard: Shard): Promise<void> {
    try {
      while (shard.pending.length > 0) {
        const steps = shard.pending.splice(0, MAX_OPERATIONS_PER_APPEND);
        if (shard.unloaded) {
          for (const step of steps) step.done(new Error(`${OFFSETS_TOPIC}-${shard.partition} is no longer coordinated here`));
          continue;
        }
        const records: CoordinatorRecord[] = [];
        const responses: { requestId: number; response: unknown }[] = [];
        const failures = new Map<Step, Error>();
        const nowMs = Date.now();
        for (const step of steps) {
          try {
            const effects = step.run(shard.coordinator, nowMs);
            records.push(...effects.records);
            responses.push(...effects.responses);
          } catch (error) {
            failures.set(step, error as Error);
          }
        }
        try {
          await this.appendRecords(shard.partition, records);
        } catch (error) {
          // The shard applied records the log does not have: rebuild it from the log.
          this.broker.log(`ERROR: group coordinator ${OFFSETS_TOPIC}-${shard.partition}: append failed, reloading: ${(error as Error).message}`);
          for (const step of [...steps, ...shard.pending.splice(0)]) step.done(error as Error);
          this.reload(shard);
          return;
        }
        this.deliver(responses);
        for (const step of steps) step.done(failures.get(step));
        for (const error of failures.values()) this.broker.log(`ERROR: group coordinator ${OFFSETS_TOPIC}-${shard.partition}: ${error.stack}`);
        this.schedule(shard);
      }
    } finally {
      shard.draining = false;
    }
  }

  private reload(shard: Shard): void {
    this.unloadShard(shard, ErrorCode.NOT_COORDINATOR);
    const hosted = this.broker.partitions.get(OFFSETS_TOPIC, shard.partition);
    if (hosted && hosted.partition.leader === this.broker.nodeId && !this.stopped) this.load(hosted);
  }

  private async appendRecords(partition: number, records: CoordinatorRecord[]): Promise<void> {
    if (records.length === 0) return;
    const hosted = this.broker.partitions.get(OFFSETS_TOPIC, partition);
    if (!hosted) throw new Error(`${OFFSETS_TOPIC}-${partition} is not hosted here`);
    const nowMs = BigInt(Date.now());
    const batch = await buildRecordBatch({ records: records.map((r) => ({ key: r.key, value: r.value, timestamp: nowMs })) });
    const appended = this.broker.replicas.appendAsLeader(hosted, batch, nowMs);
    // As Kafka's coordinator (acks=-1): answered once the ISR has the records.
    const code = await this.broker.replicas.waitForReplication(hosted, appended.lastOffset + 1n, OFFSETS_COMMIT_TIMEOUT_MS);
    if (code !== ErrorCode.NONE) throw new KafkaError(code, `${OFFSETS_TOPIC}-${partition}: the records were not replicated to the ISR (error ${code}).`);
  }

  private deliver(responses: { requestId: number; response: unknown }[]): void {
    for (const { requestId, response } of responses) {
      const resolve = this.pending.get(requestId);
      this.pending.delete(requestId);
      resolve?.(response);
    }
  }

  private schedule(shard: Shard): void {
    clearTimeout(shard.timer);
    shard.timer = undefined;
    if (this.stopped || !this.shards.has(shard.partition)) return;
    const deadline = shard.coordinator.nextDeadlineMs();
    if (deadline === null) return;
    shard.timer = setTimeout(() => void this.enqueue(shard, (c, nowMs) => c.tick(nowMs)), Math.max(0, deadline - Date.now()));
    shard.timer.unref();
  }

  /** Fails pending requests and stops timers (shutdown). */
  async close(): Promise<void> {
    this.stopped = true;
    const shards = [...this.shards.values()];
    for (const shard of shards) this.unloadShard(shard, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    await Promise.all(shards.map((s) => s.chain));
  }
}

/** Whether a service answer is the coordinator-unavailable sentinel. */
export function isUnavailable(value: unknown): value is Unavailable {
  return typeof value === 'object' && value !== null && 'unavailable' in value;
}
