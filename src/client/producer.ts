import { ErrorCode, KafkaError } from '../common/index.js';
import { CompressionType, RecordBatchBuilder, type RecordHeader } from '../protocol/index.js';
import type { ProduceResponse } from '../protocol/generated/produce-response.js';
import { Apis } from './apis.js';
import { Cluster, backoffMs, needsMetadataRefresh } from './cluster.js';
import { parseProducerConfig, type ProducerConfig, type ProducerOptions } from './config.js';
import { KafkaClosedError, KafkaTimeoutError, isRetriableError } from './errors.js';
import { partitionForKey } from './murmur2.js';
import { toBytes, toRecordHeaders, tpKey, type ProducerRecord, type RecordMetadata } from './record.js';
import { Fifo } from './fifo.js';
import { StickyPartitioner } from './sticky-partitioner.js';

/** Bytes a record adds to a batch beyond key, value and headers (varints, attributes); an upper bound. */
const RECORD_OVERHEAD_BYTES = 21;
/** Bytes of a v2 batch header. */
const BATCH_OVERHEAD_BYTES = 61;
/** Idempotent producers keep at most this many batches per partition in flight (Kafka's limit). */
const MAX_IDEMPOTENT_IN_FLIGHT = 5;
const INT32_MAX = 0x7fffffff;

/** Called once per record with its outcome (the callback form of send()). */
export type DeliveryCallback = (err: Error | null, metadata: RecordMetadata | null) => void;

/** Records of one partition sent together as one v2 record batch. */
interface ProducerBatch {
  readonly state: PartitionState;
  /** The records, encoded as they are appended; finished (header, CRC) when the batch is prepared. */
  readonly builder: RecordBatchBuilder;
  /** Per record: its CreateTime (ms), for the delivery metadata. */
  readonly timestamps: number[];
  /** Per record: a callback, or the resolve/reject pair of a send() promise. */
  readonly deliveries: (DeliveryCallback | PromiseHandlers)[];
  /** buffer.memory reserved by the records (recordSize() of each). */
  reservedBytes: number;
  readonly createdMs: number;
  baseSequence: number;
  buffer: Buffer | null;
  building: boolean;
  attempts: number;
  retryAtMs: number;
  done: (() => void)[] | null;
  completed: boolean;
}

interface PromiseHandlers {
  resolve: (m: RecordMetadata) => void;
  reject: (e: Error) => void;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  open: ProducerBatch | null;
  /** Closed batches not in flight, in sequence order. */
  readonly ready: ProducerBatch[];
  /** Batches in `ready` not yet given a sequence and finished (closed while the producer id was unknown). */
  unprepared: number;
  inFlight: number;
  nextSequence: number;
  /** After a retriable failure: send nothing new until every in-flight batch has come back. */
  holdUntilDrained: boolean;
}

/** A record as the accumulator takes it: fields normalized, not yet in a batch. */
interface PendingRecord {
  readonly topic: string;
  readonly partition: number | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: RecordHeader[] | undefined;
  readonly timestampMs: number;
  /** buffer.memory this record takes (an upper bound of its encoded size). */
  readonly sizeBytes: number;
  readonly delivery: DeliveryCallback | PromiseHandlers;
}

interface MemoryWaiter {
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A Kafka producer: per-partition batching (batch.size, linger.ms), compression, acks, idempotence
 * (on by default: producer id, per-partition sequences, up to 5 batches in flight with order kept
 * across retries), the Java client's partitioners, buffer.memory backpressure and delivery promises.
 *
 * ```ts
 * const producer = new Producer({ 'bootstrap.servers': 'localhost:9092', 'linger.ms': 5 });
 * const { partition, offset } = await producer.send({ topic: 'events', key: 'user-1', value: 'hello' });
 * await producer.close();
 * ```
 */
export class Producer {
  /** The validated configuration. */
  readonly config: ProducerConfig;
  private readonly cluster: Cluster;
  private readonly sticky = new StickyPartitioner();
  /** Partition states by topic, indexed by partition. */
  private readonly partitions = new Map<string, PartitionState[]>();
  /** Every partition state, for drain() and failAll(). */
  private readonly partitionList: PartitionState[] = [];
  private readonly codec: number;
  private bufferedBytes = 0;
  private readonly memoryWaiters: MemoryWaiter[] = [];
  /** Records waiting for metadata or buffer space, in send order. */
  private readonly blocked = new Fifo<{ record: PendingRecord; deadlineMs: number }>();
  private producerId = -1n;
  private producerEpoch = -1;
  private initializing: Promise<void> | null = null;
  private drainScheduled = false;
  private lingerTimer: NodeJS.Timeout | null = null;
  private lingerDeadlineMs = Infinity;
  private flushing = 0;
  private closing = false;
  private closed = false;
  private fatalError: Error | null = null;
  private refreshingMetadata = false;
  /** Every batch created and not yet completed (for flush()). */
  private readonly pendingBatches = new Set<ProducerBatch>();
  /**
   * Buffers of batch.size bytes from acknowledged batches, reused for new ones (the Java
   * producer's BufferPool): no fresh 16 KiB allocation, and no garbage, per batch. Never more
   * than buffer.memory's worth.
   */
  private readonly batchMemory: Buffer[] = [];
  private readonly maxPooledBatches: number;

  constructor(options: ProducerOptions) {
    this.config = parseProducerConfig(options);
    this.cluster = new Cluster(this.config);
    this.codec = CompressionType[this.config.compression];
    // Kept: as many as buffer.memory holds, as the Java client's pool does (batches in flight
    // under load number in the thousands; a smaller pool runs dry between bursts of acks).
    this.maxPooledBatches = Math.floor(this.config.bufferMemoryBytes / Math.max(1, this.config.batchSizeBytes));
  }

  /** A batch builder, on a pooled buffer when the batch fits batch.size. */
  private newBuilder(capacityBytes: number): RecordBatchBuilder {
    const pooled = capacityBytes <= this.config.batchSizeBytes ? this.batchMemory.pop() : undefined;
    return new RecordBatchBuilder(capacityBytes, pooled);
  }

  /** Connects to the cluster and, when idempotent, obtains a producer id. Optional: send() does it lazily. */
  async connect(): Promise<void> {
    await this.cluster.anyConnection();
    if (this.config.idempotent) await this.ensureProducerId();
  }

  /** Produces one record; resolves when the broker acknowledged it (per acks). */
  send(record: ProducerRecord): Promise<RecordMetadata> {
    return new Promise<RecordMetadata>((resolve, reject) => this.produce(record, { resolve, reject }));
  }

  /** Produces records in order; resolves when all are acknowledged (rejects on the first failure). */
  sendMany(records: readonly ProducerRecord[]): Promise<RecordMetadata[]> {
    return Promise.all(records.map((r) => this.send(r)));
  }

  /**
   * Produces one record without a promise: `callback` (optional) gets the outcome. The cheapest way
   * to produce many records; call flush() to wait for them.
   */
  produce(record: ProducerRecord, callback?: DeliveryCallback | PromiseHandlers): void {
    const delivery = callback ?? noopDelivery;
    try {
      if (this.closing) throw new KafkaClosedError('The producer is closed');
      if (this.fatalError) throw this.fatalError;
      const pending = this.toPending(record, delivery);
      if (pending.sizeBytes + BATCH_OVERHEAD_BYTES > this.config.maxRequestSizeBytes) {
        throw new KafkaError(
          ErrorCode.MESSAGE_TOO_LARGE,
          `The record is ${pending.sizeBytes + BATCH_OVERHEAD_BYTES} bytes when serialized, larger than max.request.size=${this.config.maxRequestSizeBytes}`,
        );
      }
      if (this.blocked.length === 0 && this.bufferedBytes + pending.sizeBytes <= this.config.bufferMemoryBytes && this.cluster.topic(pending.topic) !== undefined) {
        this.append(pending);
        return;
      }
      this.blocked.push({ record: pending, deadlineMs: Date.now() + this.config.maxBlockMs });
      if (this.blocked.length === 1) void this.appendBlocked();
    } catch (err) {
      deliver(delivery, err as Error, null);
    }
  }

  /**
   * Appends records that had to wait for metadata or buffer space, one at a time in send order
   * (later records queue behind them), each bounded by max.block.ms.
   */
  private async appendBlocked(): Promise<void> {
    while (this.blocked.length > 0) {
      const item = this.blocked.peek();
      if (item === undefined) break; // failAll() emptied the queue
      const { record, deadlineMs } = item;
      const { sizeBytes, delivery } = record;
      try {
        if (this.cluster.topic(record.topic) === undefined) {
          await this.cluster.topicMetadata(record.topic, Math.max(0, deadlineMs - Date.now())).catch((err: Error) => {
            if (err instanceof KafkaError && err.code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
              throw new KafkaTimeoutError(`Topic '${record.topic}' not present in metadata after max.block.ms=${this.config.maxBlockMs} ms`);
            }
            throw err;
          });
        }
        await this.reserveMemory(sizeBytes, Math.max(0, deadlineMs - Date.now()));
        this.bufferedBytes -= sizeBytes; // append() accounts for it again
        if (this.closed) throw new KafkaClosedError('The producer is closed');
        this.append(record);
      } catch (err) {
        deliver(delivery, err as Error, null);
      }
      this.blocked.shift();
    }
  }

  private toPending(record: ProducerRecord, delivery: DeliveryCallback | PromiseHandlers): PendingRecord {
    if (typeof record.topic !== 'string' || record.topic === '') throw new TypeError('ProducerRecord.topic must be a non-empty string');
    const ts = record.timestamp;
    const timestampMs = ts === undefined ? Date.now() : typeof ts === 'number' ? Math.trunc(ts) : typeof ts === 'bigint' ? Number(ts) : ts.getTime();
    const key = toBytes(record.key);
    const value = toBytes(record.value);
    const headers = toRecordHeaders(record.headers);
    return { topic: record.topic, partition: record.partition, key, value, headers, timestampMs, sizeBytes: recordSize(key, value, headers), delivery };
  }

  private choosePartition(record: PendingRecord): number {
    const count = this.cluster.topic(record.topic)!.partitions.length;
    if (record.partition !== undefined) {
      if (!Number.isInteger(record.partition) || record.partition < 0 || record.partition >= count) {
        throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Invalid partition ${record.partition} for topic '${record.topic}' with ${count} partitions`);
      }
      return record.partition;
    }
    if (record.key !== null) return partitionForKey(record.key, count);
    const sticky = this.sticky.peek(record.topic, count);
    return sticky >= 0 ? sticky : this.sticky.partition(record.topic, count, this.available(record.topic));
  }

  private available(topic: string): number[] {
    return (this.cluster.topic(topic)?.partitions ?? []).filter((p) => p.leader >= 0).map((p) => p.partition);
  }

  private stateOf(topic: string, partition: number): PartitionState {
    let states = this.partitions.get(topic);
    if (states === undefined) this.partitions.set(topic, (states = []));
    let state = states[partition];
    if (state === undefined) {
      state = { topic, partition, open: null, ready: [], unprepared: 0, inFlight: 0, nextSequence: 0, holdUntilDrained: false };
      states[partition] = state;
      this.partitionList.push(state);
    }
    return state;
  }

  private append(record: PendingRecord): void {
    const state = this.stateOf(record.topic, this.choosePartition(record));
    const { key, value, headers, timestampMs } = record;
    const batchSizeBytes = this.config.batchSizeBytes;
    let batch = state.open;
    if (batch !== null && batch.builder.sizeBytes + batch.builder.recordSizeBytes(key, value, headers, timestampMs) > batchSizeBytes) {
      this.closeOpenBatch(state);
      batch = null;
      if (record.partition === undefined && key === null) {
        // The sticky partition may have moved on when its batch closed.
        this.append(record);
        return;
      }
    }
    if (batch === null) {
      batch = {
        state,
        builder: this.newBuilder(Math.max(batchSizeBytes, BATCH_OVERHEAD_BYTES + record.sizeBytes)),
        timestamps: [],
        deliveries: [],
        reservedBytes: 0,
        createdMs: Date.now(),
        baseSequence: -1,
        buffer: null,
        building: false,
        attempts: 0,
        retryAtMs: 0,
        done: null,
        completed: false,
      };
      this.pendingBatches.add(batch);
      state.open = batch;
      this.armLinger(batch.createdMs + this.config.lingerMs);
    }
    batch.builder.append(key, value, headers, timestampMs);
    batch.timestamps.push(timestampMs);
    batch.deliveries.push(record.delivery);
    batch.reservedBytes += record.sizeBytes;
    this.bufferedBytes += record.sizeBytes;
    // As Java's accumulator: a batch is full at batch.size; otherwise the next record that does not fit closes it.
    if (batch.builder.sizeBytes >= batchSizeBytes) this.closeOpenBatch(state);
  }

  private closeOpenBatch(state: PartitionState): void {
    this.closeOpenBatchQuietly(state);
    this.scheduleDrain();
  }

  private armLinger(deadlineMs: number): void {
    if (this.config.lingerMs === 0) {
      this.scheduleDrain();
      return;
    }
    if (deadlineMs >= this.lingerDeadlineMs) return;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerDeadlineMs = deadlineMs;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = null;
      this.lingerDeadlineMs = Infinity;
      this.drain();
    }, Math.max(0, deadlineMs - Date.now()));
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  /** Closes batches whose time has come, builds closed batches and sends what is ready, per leader. */
  private drain(): void {
    if (this.closed) return;
    const now = Date.now();
    const urgent = this.flushing > 0 || this.closing || this.blocked.length > 0;
    let nextLingerMs = Infinity;
    // Per leader, the requests to send: request k holds the k-th batch sent now of each partition
    // (a ProduceRequest carries at most one batch per partition), so a partition with several
    // ready batches fills its in-flight window in one drain instead of one batch per drain.
    const byNode = new Map<number, ProducerBatch[][]>();
    let missingLeader = false;
    for (const state of this.partitionList) {
      const open = state.open;
      if (open !== null) {
        const due = open.createdMs + this.config.lingerMs;
        if (urgent || due <= now) this.closeOpenBatchQuietly(state);
        else nextLingerMs = Math.min(nextLingerMs, due);
      }
      this.expireBatches(state, now);
      if (state.ready.length === 0) continue;
      if (!this.prepareBatches(state)) continue;
      if (state.holdUntilDrained && state.inFlight > 0) continue;
      state.holdUntilDrained = false;
      const limit = this.config.idempotent ? MAX_IDEMPOTENT_IN_FLIGHT : this.config.maxInFlightPerConnection;
      if (state.inFlight >= limit || state.ready[0]!.buffer === null) continue;
      const leader = this.cluster.leaderOf(state.topic, state.partition);
      if (leader < 0) {
        missingLeader = true;
        nextLingerMs = Math.min(nextLingerMs, now + this.config.retryBackoffMs);
        continue;
      }
      let requests = byNode.get(leader);
      if (requests === undefined) byNode.set(leader, (requests = []));
      for (let k = 0; state.ready.length > 0 && state.inFlight < limit; k++) {
        const head = state.ready[0]!;
        if (head.buffer === null) break;
        if (head.retryAtMs > now) {
          nextLingerMs = Math.min(nextLingerMs, head.retryAtMs);
          break;
        }
        (requests[k] ??= []).push(state.ready.shift()!);
        state.inFlight++;
      }
    }
    if (nextLingerMs < Infinity) this.armLinger(nextLingerMs);
    if (missingLeader || this.cluster.stale) this.refreshMetadataInBackground();
    for (const [nodeId, requests] of byNode) for (const batches of requests) this.sendToNode(nodeId, batches);
  }

  private closeOpenBatchQuietly(state: PartitionState): void {
    const batch = state.open;
    if (batch === null) return;
    state.open = null;
    state.ready.push(batch);
    state.unprepared++;
    // Finish it now when its sequence can be assigned in order (usually: no waiting for a producer id).
    if (state.unprepared === 1 && (!this.config.idempotent || this.producerId >= 0n)) this.prepareBatch(state, batch);
    const count = this.cluster.topic(state.topic)?.partitions.length ?? 0;
    this.sticky.onNewBatch(state.topic, state.partition, count, this.available(state.topic));
  }

  /** Fails batches that waited longer than delivery.timeout.ms without being sent. */
  private expireBatches(state: PartitionState, now: number): void {
    while (state.ready.length > 0 && now - state.ready[0]!.createdMs >= this.config.deliveryTimeoutMs && state.inFlight === 0) {
      const batch = state.ready.shift()!;
      if (batch.buffer === null && !batch.building) state.unprepared--;
      this.completeBatch(batch, new KafkaTimeoutError(`Expiring ${batch.deliveries.length} record(s) for ${state.topic}-${state.partition}: ${now - batch.createdMs} ms has passed since batch creation (delivery.timeout.ms)`), null);
    }
  }

  /**
   * Assigns sequences (in order) and starts building the closed batches of a partition. Returns
   * false while a producer id is still being obtained.
   */
  private prepareBatches(state: PartitionState): boolean {
    if (state.unprepared === 0) return true;
    if (this.config.idempotent && this.producerId < 0n) {
      void this.ensureProducerId().then(
        () => this.scheduleDrain(),
        (err: Error) => this.failAll(err),
      );
      return false;
    }
    for (const batch of state.ready) {
      if (batch.buffer !== null || batch.building) continue;
      this.prepareBatch(state, batch);
    }
    return true;
  }

  /** Gives a closed batch its sequence (in order) and finishes its bytes: at once uncompressed, asynchronously compressed. */
  private prepareBatch(state: PartitionState, batch: ProducerBatch): void {
    state.unprepared--;
    if (this.config.idempotent) {
      batch.baseSequence = state.nextSequence;
      state.nextSequence = (state.nextSequence + batch.deliveries.length) % (INT32_MAX + 1);
    }
    const header = {
      compression: this.codec,
      producerId: this.config.idempotent ? this.producerId : -1n,
      producerEpoch: this.config.idempotent ? this.producerEpoch : -1,
      baseSequence: batch.baseSequence,
    };
    if (this.codec === 0) {
      batch.buffer = batch.builder.finishUncompressed(header);
      return;
    }
    batch.building = true;
    batch.builder.finish(header).then(
      (buffer) => {
        batch.buffer = buffer;
        batch.building = false;
        this.scheduleDrain();
      },
      (err: Error) => {
        const i = state.ready.indexOf(batch);
        if (i >= 0) state.ready.splice(i, 1);
        this.completeBatch(batch, err, null);
      },
    );
  }

  private ensureProducerId(): Promise<void> {
    if (this.producerId >= 0n) return Promise.resolve();
    this.initializing ??= this.cluster
      .retry('InitProducerId', async () => {
        const response = await this.cluster.requestAny(Apis.InitProducerId, { transactionalId: null, transactionTimeoutMs: INT32_MAX, producerId: -1n, producerEpoch: -1 });
        Cluster.check(response.errorCode, 'InitProducerId');
        this.producerId = response.producerId;
        this.producerEpoch = response.producerEpoch;
      }, { retries: this.config.retries, deadlineMs: this.config.deliveryTimeoutMs })
      .finally(() => {
        this.initializing = null;
      });
    return this.initializing;
  }

  private refreshMetadataInBackground(): void {
    if (this.refreshingMetadata) return;
    this.refreshingMetadata = true;
    this.cluster
      .refreshMetadata()
      .catch(() => undefined)
      .finally(() => {
        this.refreshingMetadata = false;
        this.scheduleDrain();
      });
  }

  /** Sends one ProduceRequest holding one batch per partition (bounded by max.request.size). */
  private sendToNode(nodeId: number, batches: ProducerBatch[]): void {
    let chunk: ProducerBatch[] = [];
    let bytes = 0;
    for (const batch of batches) {
      if (chunk.length > 0 && bytes + batch.buffer!.length > this.config.maxRequestSizeBytes) {
        void this.sendRequest(nodeId, chunk);
        chunk = [];
        bytes = 0;
      }
      chunk.push(batch);
      bytes += batch.buffer!.length;
    }
    if (chunk.length > 0) void this.sendRequest(nodeId, chunk);
  }

  private async sendRequest(nodeId: number, batches: ProducerBatch[]): Promise<void> {
    const topics = new Map<string, { index: number; records: Buffer }[]>();
    for (const batch of batches) {
      batch.attempts++;
      let list = topics.get(batch.state.topic);
      if (list === undefined) topics.set(batch.state.topic, (list = []));
      list.push({ index: batch.state.partition, records: batch.buffer! });
    }
    const body = {
      transactionalId: null,
      acks: this.config.acks,
      timeoutMs: this.config.requestTimeoutMs,
      topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
    };
    let response: ProduceResponse;
    try {
      const conn = await this.cluster.nodeConnection(nodeId);
      if (this.config.acks === 0) {
        await conn.sendOneWay(Apis.Produce, body);
        for (const batch of batches) this.onBatchResult(batch, null, -1n, -1n);
        return;
      }
      response = await conn.request(Apis.Produce, body);
    } catch (err) {
      for (const batch of batches) this.onBatchResult(batch, err as Error, -1n, -1n);
      return;
    }
    const results = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const t of response.responses) for (const p of t.partitionResponses) results.set(tpKey(t.name, p.index), p);
    for (const batch of batches) {
      const r = results.get(tpKey(batch.state.topic, batch.state.partition));
      if (r === undefined) {
        this.onBatchResult(batch, new KafkaError(ErrorCode.UNKNOWN_SERVER_ERROR, `Produce response from broker ${nodeId} lacks ${batch.state.topic}-${batch.state.partition}`), -1n, -1n);
      } else if (r.errorCode === ErrorCode.NONE || r.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.onBatchResult(batch, null, r.errorCode === 0 ? r.baseOffset : -1n, r.logAppendTimeMs);
      } else {
        const detail = r.errorMessage ? `: ${r.errorMessage}` : '';
        const err = new KafkaError(r.errorCode);
        err.message = `Produce to ${batch.state.topic}-${batch.state.partition} failed: ${err.errorName}${detail}`;
        this.onBatchResult(batch, err, -1n, -1n);
      }
    }
  }

  private onBatchResult(batch: ProducerBatch, err: Error | null, baseOffset: bigint, logAppendTimeMs: bigint): void {
    const state = batch.state;
    state.inFlight--;
    if (err === null) {
      this.completeBatch(batch, null, { baseOffset, logAppendTimeMs });
    } else if (this.shouldRetry(batch, err)) {
      if (needsMetadataRefresh(err)) {
        this.cluster.invalidate();
        this.refreshMetadataInBackground();
      }
      batch.retryAtMs = Date.now() + backoffMs(this.config, batch.attempts - 1);
      // Keep sequence order: the retried batch goes back before every later batch of its partition.
      let i = 0;
      while (i < state.ready.length && seqBefore(state.ready[i]!, batch)) i++;
      state.ready.splice(i, 0, batch);
      if (this.config.idempotent) state.holdUntilDrained = true;
    } else {
      this.completeBatch(batch, err, null);
    }
    this.scheduleDrain();
  }

  private shouldRetry(batch: ProducerBatch, err: Error): boolean {
    if (this.closed) return false;
    if (batch.attempts > this.config.retries) return false;
    if (Date.now() - batch.createdMs >= this.config.deliveryTimeoutMs) return false;
    if (isRetriableError(err)) return true;
    // A batch behind a failed one is rejected as out of order; it is retried after its predecessor.
    return (
      this.config.idempotent &&
      err instanceof KafkaError &&
      err.code === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER &&
      (batch.state.holdUntilDrained || batch.state.ready.some((b) => seqBefore(b, batch)))
    );
  }

  private completeBatch(batch: ProducerBatch, err: Error | null, result: { baseOffset: bigint; logAppendTimeMs: bigint } | null): void {
    const { topic, partition } = batch.state;
    const logAppendTime = result !== null && result.logAppendTimeMs >= 0n ? Number(result.logAppendTimeMs) : -1;
    for (let i = 0; i < batch.deliveries.length; i++) {
      const delivery = batch.deliveries[i]!;
      if (err !== null) {
        deliver(delivery, err, null);
      } else {
        const offset = result!.baseOffset < 0n ? -1n : result!.baseOffset + BigInt(i);
        const timestamp = logAppendTime >= 0 ? logAppendTime : batch.timestamps[i]!;
        deliver(delivery, null, { topic, partition, offset, timestamp });
      }
    }
    batch.completed = true;
    this.pendingBatches.delete(batch);
    this.releaseMemory(batch.reservedBytes);
    // Acknowledged by a response: the request that carried the batch was written and answered, so
    // its buffer can hold a later batch. (acks=0 has no response, and after a failure a request may
    // still be queued on a socket: those buffers are left to the collector.)
    const memory = batch.builder.memory;
    if (err === null && this.config.acks !== 0 && memory.length === this.config.batchSizeBytes && this.batchMemory.length < this.maxPooledBatches) {
      this.batchMemory.push(memory);
    }
    if (batch.done) for (const fn of batch.done) fn();
  }

  private reserveMemory(bytes: number, timeoutMs: number): Promise<void> {
    if (this.memoryWaiters.length === 0 && this.bufferedBytes + bytes <= this.config.bufferMemoryBytes) {
      this.bufferedBytes += bytes;
      return Promise.resolve();
    }
    this.scheduleDrain();
    return new Promise<void>((resolve, reject) => {
      const waiter: MemoryWaiter = {
        bytes,
        resolve,
        reject,
        timer: setTimeout(() => {
          const i = this.memoryWaiters.indexOf(waiter);
          if (i >= 0) this.memoryWaiters.splice(i, 1);
          reject(new KafkaTimeoutError(`Failed to allocate ${bytes} bytes within max.block.ms=${this.config.maxBlockMs} ms (buffer.memory=${this.config.bufferMemoryBytes} is full)`));
          this.releaseMemory(0);
        }, timeoutMs),
      };
      this.memoryWaiters.push(waiter);
    });
  }

  private releaseMemory(bytes: number): void {
    this.bufferedBytes -= bytes;
    while (this.memoryWaiters.length > 0) {
      const next = this.memoryWaiters[0]!;
      // A record bigger than buffer.memory alone still goes through once the buffer is empty.
      if (this.bufferedBytes > 0 && this.bufferedBytes + next.bytes > this.config.bufferMemoryBytes) break;
      this.memoryWaiters.shift();
      clearTimeout(next.timer);
      this.bufferedBytes += next.bytes;
      next.resolve();
    }
  }

  /** Bytes of records accepted and not yet acknowledged or failed. */
  get bufferedRecordBytes(): number {
    return this.bufferedBytes;
  }

  /** Sends everything buffered now (ignoring linger.ms) and resolves when all of it is acknowledged or failed. */
  async flush(): Promise<void> {
    // Records still waiting for metadata or buffer space are appended later; wait for them first (bounded by max.block.ms).
    for (let i = 0; this.blocked.length > 0 && i < this.config.maxBlockMs; i++) {
      this.flushing++;
      this.scheduleDrain();
      await new Promise((r) => setTimeout(r, 1));
      this.flushing--;
    }
    const pending = [...this.pendingBatches].map(whenDone);
    this.flushing++;
    this.drain();
    try {
      await Promise.all(pending);
    } finally {
      this.flushing--;
    }
  }

  /** Flushes, then closes the connections. Later sends fail with KafkaClosedError. */
  async close(opts: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    const timeoutMs = opts.timeoutMs ?? this.config.deliveryTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    } finally {
      clearTimeout(timer);
      this.closed = true;
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.failAll(new KafkaClosedError('The producer was closed before the record was sent'));
      this.cluster.close();
    }
  }

  private failAll(err: Error): void {
    for (const state of this.partitionList) {
      const batches = [...(state.open ? [state.open] : []), ...state.ready];
      state.open = null;
      state.ready.length = 0;
      state.unprepared = 0;
      for (const batch of batches) this.completeBatch(batch, err, null);
    }
    for (const w of this.memoryWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    for (const b of this.blocked.drain()) deliver(b.record.delivery, err, null);
  }
}

function whenDone(batch: ProducerBatch): Promise<void> {
  if (batch.completed) return Promise.resolve();
  return new Promise((resolve) => (batch.done ??= []).push(resolve));
}

function seqBefore(a: ProducerBatch, b: ProducerBatch): boolean {
  if (a.baseSequence < 0 || b.baseSequence < 0) return a.createdMs <= b.createdMs;
  // Sequences wrap at 2^31; compare in the window around b.
  const diff = (b.baseSequence - a.baseSequence + 0x80000000) % 0x80000000;
  return diff !== 0 && diff < 0x40000000;
}

function recordSize(key: Buffer | null, value: Buffer | null, headers: readonly RecordHeader[] | undefined): number {
  let size = RECORD_OVERHEAD_BYTES + (key?.length ?? 0) + (value?.length ?? 0);
  if (headers) for (const h of headers) size += Buffer.byteLength(h.key) + (h.value?.length ?? 0) + 10;
  return size;
}

function noopDelivery(): void {}

function deliver(delivery: DeliveryCallback | PromiseHandlers, err: Error | null, metadata: RecordMetadata | null): void {
  if (typeof delivery === 'function') {
    delivery(err, metadata);
  } else if (err !== null) {
    delivery.reject(err);
  } else {
    delivery.resolve(metadata!);
  }
}
