import { ErrorCode, KafkaError } from '../common/index.js';
import { BatchAttributes, BatchHeader, batchRecordsBody, checkBatchIntegrity, splitBatches, visitRecords, type BatchInfo } from '../protocol/index.js';
import type { FetchResponse } from '../protocol/generated/fetch-response.js';
import { Apis } from './apis.js';
import { Cluster, needsMetadataRefresh, sleep } from './cluster.js';
import { parseConsumerConfig, type ConsumerConfig, type ConsumerOptions } from './config.js';
import { KafkaClosedError, KafkaConfigError, isRetriableError } from './errors.js';
import { GroupMembership, type RebalanceListener } from './group.js';
import { listOffsets, EARLIEST_TIMESTAMP, LATEST_TIMESTAMP } from './offsets.js';
import { tpKey, type ConsumerRecord, type TopicPartition, type TopicPartitionOffset } from './record.js';

/** Fetch state of one assigned partition. */
interface PartitionFetchState {
  readonly topic: string;
  readonly partition: number;
  /** Offset of the next record poll() returns; null until reset (auto.offset.reset or committed offset). */
  position: bigint | null;
  /** Offset the next fetch asks for (beyond records already buffered). */
  fetchOffset: bigint | null;
  paused: boolean;
  fetching: boolean;
  /** Bumped by seek/assign; fetch results of an older epoch are dropped. */
  epoch: number;
  /** Where to reset when the position is unknown: a timestamp (-2 earliest, -1 latest) or 'none'. */
  reset: bigint | 'none';
  highWatermark: bigint;
  /** Records fetched, not yet returned. */
  buffered: ConsumerRecord[];
  bufferedIndex: number;
  /** Fetched record data not decoded yet, in fetch order (the next fetch goes out before it is decoded). */
  undecoded: FetchedData[];
  /** Records in `undecoded` (from the batch headers). */
  undecodedRecords: number;
  /** Whether decodeFetched() is working through `undecoded`. */
  decoding: boolean;
  retryAtMs: number;
}

/** The record batches of one partition from one fetch response, waiting to be decoded. */
interface FetchedData {
  readonly batches: Buffer[];
  /** The offset the fetch asked for: records before it are dropped. */
  readonly fetchOffset: bigint;
  readonly abortedTransactions: readonly { producerId: bigint; firstOffset: bigint }[];
  /** The partition's epoch when fetched: a seek in between makes it stale. */
  readonly epoch: number;
  readonly sizeBytes: number;
  readonly records: number;
}

/** How many bytes of fetched, unreturned records the consumer holds before it stops prefetching. */
const PREFETCH_FACTOR = 2;

/**
 * A Kafka consumer: manual assignment (assign, seek, pause/resume), or group subscription with
 * client-side assignors, prefetching fetches per leader, poll() and an async iterator.
 *
 * ```ts
 * const consumer = new Consumer({ 'bootstrap.servers': 'localhost:9092', 'auto.offset.reset': 'earliest' });
 * consumer.assign([{ topic: 'events', partition: 0 }]);
 * for await (const record of consumer) console.log(record.offset, record.value?.toString());
 * ```
 */
export class Consumer implements AsyncIterable<ConsumerRecord> {
  /** The validated configuration. */
  readonly config: ConsumerConfig;
  /** @internal */
  readonly cluster: Cluster;
  private readonly states = new Map<string, PartitionFetchState>();
  private readonly inFlightNodes = new Set<number>();
  private bufferedBytes = 0;
  private wakeups: (() => void)[] = [];
  private pendingError: Error | null = null;
  private closed = false;
  private resetting = false;
  private decodeScheduled = false;
  private readonly group: GroupMembership | null;

  constructor(options: ConsumerOptions) {
    this.config = parseConsumerConfig(options);
    this.cluster = new Cluster(this.config);
    this.group = this.config.groupId === undefined ? null : new GroupMembership(this, this.config.groupId);
  }

  /** Connects to the cluster (optional: the first poll connects). */
  async connect(): Promise<void> {
    await this.cluster.anyConnection();
  }

  /** Replaces the assignment with these partitions (no group). Positions of kept partitions stay. */
  assign(partitions: readonly TopicPartition[]): void {
    this.checkOpen();
    if (this.group?.subscribed) throw new KafkaConfigError('assign() cannot be used while subscribed to topics; call unsubscribe() first');
    this.setAssignment(partitions);
  }

  /** @internal Sets the fetched partitions (used by assign() and by the group on rebalance). */
  setAssignment(partitions: readonly TopicPartition[]): void {
    const keep = new Map<string, PartitionFetchState>();
    for (const { topic, partition } of partitions) {
      const key = tpKey(topic, partition);
      const existing = this.states.get(key);
      keep.set(key, existing ?? this.newState(topic, partition));
    }
    for (const [key, state] of this.states) if (!keep.has(key)) this.dropBuffered(state);
    this.states.clear();
    for (const [key, state] of keep) this.states.set(key, state);
    this.cluster.track(new Set(partitions.map((p) => p.topic)));
    this.wake();
  }

  private newState(topic: string, partition: number): PartitionFetchState {
    return {
      topic,
      partition,
      position: null,
      fetchOffset: null,
      paused: false,
      fetching: false,
      epoch: 0,
      reset: this.defaultReset(),
      highWatermark: -1n,
      buffered: [],
      bufferedIndex: 0,
      undecoded: [],
      undecodedRecords: 0,
      decoding: false,
      retryAtMs: 0,
    };
  }

  private defaultReset(): bigint | 'none' {
    const r = this.config.autoOffsetReset;
    return r === 'earliest' ? EARLIEST_TIMESTAMP : r === 'latest' ? LATEST_TIMESTAMP : 'none';
  }

  /** The assigned partitions. */
  assignment(): TopicPartition[] {
    return [...this.states.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  private stateOf(tp: TopicPartition): PartitionFetchState {
    const state = this.states.get(tpKey(tp.topic, tp.partition));
    if (state === undefined) throw new KafkaConfigError(`Partition ${tp.topic}-${tp.partition} is not assigned to this consumer`);
    return state;
  }

  /** The next offset poll() returns for a partition, or null when it is not known yet. */
  position(tp: TopicPartition): bigint | null {
    return this.stateOf(tp).position;
  }

  /** Moves a partition's position; the next record returned is the one at `offset`. */
  seek(tp: TopicPartition & { offset: bigint | number }): void {
    const state = this.stateOf(tp);
    const offset = BigInt(tp.offset);
    if (offset < 0n) throw new KafkaConfigError(`Invalid seek offset ${offset} for ${tp.topic}-${tp.partition}: offsets are >= 0`);
    this.dropBuffered(state);
    state.position = offset;
    state.fetchOffset = offset;
    this.wake();
  }

  /** Seeks partitions (all assigned by default) to their log start offset. */
  seekToBeginning(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.resetTo(this.stateOf(tp), EARLIEST_TIMESTAMP);
  }

  /** Seeks partitions (all assigned by default) to their end (the next record produced). */
  seekToEnd(tps: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of tps) this.resetTo(this.stateOf(tp), LATEST_TIMESTAMP);
  }

  private resetTo(state: PartitionFetchState, timestamp: bigint): void {
    this.dropBuffered(state);
    state.position = null;
    state.fetchOffset = null;
    state.reset = timestamp;
    this.wake();
  }

  /** Seeks partitions to the first record with a timestamp >= `timestampMs` (the end when there is none). */
  async seekToTimestamp(tps: readonly TopicPartition[], timestampMs: number): Promise<void> {
    const offsets = await this.offsetsForTimes(tps.map((tp) => ({ ...tp, timestamp: timestampMs })));
    for (const o of offsets) {
      if (o.offset >= 0n) this.seek(o);
      else this.seekToEnd([o]);
    }
  }

  /** For each partition, the earliest offset whose timestamp is >= the given one (-1n when none). */
  async offsetsForTimes(tps: readonly (TopicPartition & { timestamp: number })[]): Promise<(TopicPartitionOffset & { timestamp: number })[]> {
    const results = await listOffsets(this.cluster, tps.map((tp) => ({ ...tp, timestamp: BigInt(tp.timestamp) })), this.config.readCommitted);
    return results.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset, timestamp: Number(r.timestamp) }));
  }

  /** Stops fetching from partitions; their positions are kept. */
  pause(tps: readonly TopicPartition[]): void {
    for (const tp of tps) {
      const state = this.stateOf(tp);
      state.paused = true;
      this.dropBuffered(state, false);
    }
  }

  /** Resumes fetching from paused partitions. */
  resume(tps: readonly TopicPartition[]): void {
    for (const tp of tps) this.stateOf(tp).paused = false;
    this.wake();
  }

  /** The paused partitions. */
  paused(): TopicPartition[] {
    return [...this.states.values()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** Drops records buffered for a partition and rewinds the fetch offset to the position. */
  private dropBuffered(state: PartitionFetchState, bumpEpoch = true): void {
    for (let i = state.bufferedIndex; i < state.buffered.length; i++) this.bufferedBytes -= recordBytes(state.buffered[i]!);
    for (const data of state.undecoded) this.bufferedBytes -= data.sizeBytes;
    state.buffered = [];
    state.bufferedIndex = 0;
    state.undecoded = [];
    state.undecodedRecords = 0;
    state.fetchOffset = state.position;
    if (bumpEpoch || state.fetching) state.epoch++;
  }

  /** Subscribes to topics as a member of group.id; partitions are assigned by the group. */
  subscribe(topics: readonly string[], listener?: RebalanceListener): void {
    this.checkOpen();
    if (this.group === null) throw new KafkaConfigError("subscribe() needs the consumer option 'group.id'");
    if (topics.length === 0) throw new KafkaConfigError('subscribe() needs at least one topic');
    this.group.subscribe(topics, listener);
    this.wake();
  }

  /** Leaves the group and drops the assignment. */
  async unsubscribe(): Promise<void> {
    if (this.group) await this.group.unsubscribe();
    this.setAssignment([]);
  }

  /** Commits offsets (default: the current positions of all assigned partitions) to the group. */
  async commit(offsets?: readonly TopicPartitionOffset[]): Promise<void> {
    if (this.group === null) throw new KafkaConfigError("commit() needs the consumer option 'group.id'");
    await this.group.commit(offsets ?? this.positions());
  }

  /** The committed offsets of partitions in the group (-1n when none). */
  async committed(tps: readonly TopicPartition[] = this.assignment()): Promise<TopicPartitionOffset[]> {
    if (this.group === null) throw new KafkaConfigError("committed() needs the consumer option 'group.id'");
    return this.group.fetchCommitted(tps);
  }

  /** @internal Current positions of assigned partitions whose position is known. */
  positions(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const s of this.states.values()) if (s.position !== null) out.push({ topic: s.topic, partition: s.partition, offset: s.position });
    return out;
  }

  /** @internal Sets positions from committed offsets (group join); partitions without one keep auto.offset.reset. */
  applyCommitted(offsets: readonly TopicPartitionOffset[]): void {
    for (const o of offsets) {
      const state = this.states.get(tpKey(o.topic, o.partition));
      if (state === undefined || state.position !== null) continue;
      if (o.offset >= 0n) {
        state.position = o.offset;
        state.fetchOffset = o.offset;
      }
    }
    this.wake();
  }

  /**
   * Returns the next records (up to max.poll.records), waiting up to `timeoutMs` for some. Throws
   * fetch errors that need the caller (e.g. no offset with auto.offset.reset=none).
   */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord[]> {
    this.checkOpen();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.pendingError) {
        const err = this.pendingError;
        this.pendingError = null;
        throw err;
      }
      if (this.group) await this.group.poll(deadline);
      const records = this.takeRecords(this.config.maxPollRecords);
      this.startFetches();
      if (records.length > 0) {
        this.group?.onRecordsReturned();
        return records;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.closed) return [];
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, Math.min(remaining, this.group ? this.config.heartbeatIntervalMs : remaining));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wakeups.push(done);
      });
    }
  }

  /** Iterates records until close(); errors end the iteration by throwing. */
  async *[Symbol.asyncIterator](): AsyncIterator<ConsumerRecord> {
    while (!this.closed) {
      let records: ConsumerRecord[];
      try {
        records = await this.poll(this.config.fetchMaxWaitMs + 1000);
      } catch (err) {
        if (this.closed && err instanceof KafkaClosedError) return;
        throw err;
      }
      for (const record of records) yield record;
    }
  }

  private takeRecords(max: number): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const state of this.states.values()) {
      if (state.paused) continue;
      let last: ConsumerRecord | undefined;
      while (state.bufferedIndex < state.buffered.length && out.length < max) {
        last = state.buffered[state.bufferedIndex++]!;
        this.bufferedBytes -= recordBytes(last);
        out.push(last);
      }
      if (last !== undefined) state.position = last.offset + 1n; // one bigint per poll, not per record
      if (state.bufferedIndex >= state.buffered.length && state.buffered.length > 0) {
        state.buffered = [];
        state.bufferedIndex = 0;
      }
      if (out.length >= max) break;
    }
    // Rotate so that one busy partition does not starve the others.
    if (out.length > 0 && this.states.size > 1) {
      const first = this.states.entries().next().value!;
      this.states.delete(first[0]);
      this.states.set(first[0], first[1]);
    }
    return out;
  }

  private wake(): void {
    for (const fn of this.wakeups.splice(0)) fn();
    if (!this.closed) queueMicrotask(() => this.startFetches());
  }

  /** Resets unknown positions, then sends one fetch per leader for partitions ready to fetch. */
  private startFetches(): void {
    if (this.closed || this.pendingError) return;
    const now = Date.now();
    const needReset: PartitionFetchState[] = [];
    const byNode = new Map<number, PartitionFetchState[]>();
    let missingLeader = false;
    if (this.bufferedBytes >= this.config.fetchMaxBytes * PREFETCH_FACTOR) return;
    for (const state of this.states.values()) {
      if (state.paused || state.fetching || state.retryAtMs > now) continue;
      if (state.position === null) {
        needReset.push(state);
        continue;
      }
      if (state.buffered.length - state.bufferedIndex + state.undecodedRecords > this.config.maxPollRecords) continue;
      const leader = this.cluster.leaderOf(state.topic, state.partition);
      if (leader < 0) {
        missingLeader = true;
        continue;
      }
      if (this.inFlightNodes.has(leader)) continue;
      let list = byNode.get(leader);
      if (list === undefined) byNode.set(leader, (list = []));
      list.push(state);
    }
    if (needReset.length > 0 && !(this.group?.fetchingCommitted ?? false)) void this.resetPositions(needReset);
    if (missingLeader) void this.refreshMetadata();
    for (const [nodeId, states] of byNode) void this.fetchFrom(nodeId, states);
  }

  private async refreshMetadata(): Promise<void> {
    try {
      await this.cluster.refreshMetadata();
    } catch {
      // the next startFetches() retries
    }
    await sleep(this.config.retryBackoffMs);
    this.wake();
  }

  private async resetPositions(states: PartitionFetchState[]): Promise<void> {
    if (this.resetting) return;
    this.resetting = true;
    try {
      const none = states.filter((s) => s.reset === 'none');
      if (none.length > 0) {
        const names = none.map((s) => `${s.topic}-${s.partition}`).join(', ');
        this.fail(new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `No valid offset for partition(s) ${names} and auto.offset.reset=none`));
        return;
      }
      const requests = states.map((s) => ({ topic: s.topic, partition: s.partition, timestamp: s.reset as bigint, epoch: s.epoch }));
      const results = await listOffsets(this.cluster, requests, this.config.readCommitted);
      for (let i = 0; i < results.length; i++) {
        const state = this.states.get(tpKey(results[i]!.topic, results[i]!.partition));
        if (state === undefined || state.epoch !== requests[i]!.epoch || state.position !== null) continue;
        state.position = results[i]!.offset;
        state.fetchOffset = results[i]!.offset;
        state.reset = this.defaultReset();
      }
    } catch (err) {
      if (!isRetriableError(err)) this.fail(err as Error);
      else await sleep(this.config.retryBackoffMs);
    } finally {
      this.resetting = false;
      this.wake();
    }
  }

  private fail(err: Error): void {
    this.pendingError = err;
    for (const fn of this.wakeups.splice(0)) fn();
  }

  private async fetchFrom(nodeId: number, states: PartitionFetchState[]): Promise<void> {
    this.inFlightNodes.add(nodeId);
    const epochs = states.map((s) => s.epoch);
    const offsets = states.map((s) => s.fetchOffset!);
    for (const s of states) s.fetching = true;
    const topics = new Map<string, { partition: number; fetchOffset: bigint; partitionMaxBytes: number; currentLeaderEpoch: number; logStartOffset: bigint }[]>();
    states.forEach((s, i) => {
      let list = topics.get(s.topic);
      if (list === undefined) topics.set(s.topic, (list = []));
      list.push({ partition: s.partition, fetchOffset: offsets[i]!, partitionMaxBytes: this.config.maxPartitionFetchBytes, currentLeaderEpoch: -1, logStartOffset: -1n });
    });
    let response: FetchResponse;
    try {
      response = await this.cluster.requestNode(
        nodeId,
        Apis.Fetch,
        {
          replicaId: -1,
          maxWaitMs: this.config.fetchMaxWaitMs,
          minBytes: this.config.fetchMinBytes,
          maxBytes: this.config.fetchMaxBytes,
          isolationLevel: this.config.readCommitted ? 1 : 0,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
        },
        { timeoutMs: this.config.requestTimeoutMs + this.config.fetchMaxWaitMs },
      );
      if (response.errorCode !== 0) throw new KafkaError(response.errorCode, `Fetch from broker ${nodeId} failed: top-level error`);
    } catch (err) {
      for (const s of states) {
        s.fetching = false;
        s.retryAtMs = Date.now() + this.config.retryBackoffMs;
      }
      this.inFlightNodes.delete(nodeId);
      if (this.closed) return;
      if (needsMetadataRefresh(err) || isRetriableError(err)) void this.refreshMetadata();
      else this.fail(err as Error);
      return;
    }
    try {
      this.handleFetchResponse(response, states, epochs, offsets);
    } catch (err) {
      this.fail(err as Error);
    } finally {
      for (const s of states) s.fetching = false;
      this.inFlightNodes.delete(nodeId);
      this.wake();
    }
    // Decode after the next fetch is written (wake() sends it from a microtask; the socket is
    // uncorked on the next tick), so the broker serves it while this response is decoded.
    if (!this.decodeScheduled && states.some((s) => s.undecoded.length > 0 && !s.decoding)) {
      this.decodeScheduled = true;
      setImmediate(() => {
        this.decodeScheduled = false;
        for (const state of this.states.values()) if (state.undecoded.length > 0 && !state.decoding) void this.decodeFetched(state);
      });
    }
  }

  /** Decodes a partition's fetched data in fetch order into buffered records; drops data a seek made stale. */
  private async decodeFetched(state: PartitionFetchState): Promise<void> {
    state.decoding = true;
    try {
      while (state.undecoded.length > 0 && !this.closed) {
        const data = state.undecoded[0]!;
        const records = await toConsumerRecords(state.topic, state.partition, data, this.config.readCommitted);
        if (state.undecoded[0] !== data) continue; // dropped (seek, pause, reassignment) while decompressing
        state.undecoded.shift();
        state.undecodedRecords -= data.records;
        this.bufferedBytes -= data.sizeBytes;
        if (records.length > 0) {
          for (const r of records) this.bufferedBytes += recordBytes(r);
          state.buffered = state.bufferedIndex < state.buffered.length ? [...state.buffered.slice(state.bufferedIndex), ...records] : records;
          state.bufferedIndex = 0;
        }
        // Skip past batches with nothing to return (control batches, aborted data, offsets before fetchOffset).
        if (records.length === 0 && state.buffered.length === 0 && state.undecoded.length === 0 && state.fetchOffset! > state.position!) state.position = state.fetchOffset;
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      state.decoding = false;
      this.wake();
    }
  }

  /**
   * Takes a fetch response apart without decoding records: per partition, the complete batches
   * are queued for decodeFetched() and the next fetch offset is read from the last batch header.
   */
  private handleFetchResponse(response: FetchResponse, states: PartitionFetchState[], epochs: number[], offsets: bigint[]): void {
    const index = new Map<string, number>();
    states.forEach((s, i) => index.set(tpKey(s.topic, s.partition), i));
    let refresh = false;
    for (const topic of response.responses) {
      for (const p of topic.partitions) {
        const i = index.get(tpKey(topic.topic, p.partitionIndex));
        if (i === undefined) continue;
        const state = states[i]!;
        if (this.states.get(tpKey(state.topic, state.partition)) !== state || state.epoch !== epochs[i]) continue;
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          const reset = this.defaultReset();
          if (reset === 'none') {
            throw new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, `Fetch offset ${offsets[i]} is out of range for ${state.topic}-${state.partition} and auto.offset.reset=none`);
          }
          this.resetTo(state, reset);
          continue;
        }
        if (p.errorCode !== 0) {
          const err = new KafkaError(p.errorCode);
          if (!err.retriable) throw new KafkaError(p.errorCode, `Fetch from ${state.topic}-${state.partition} failed: ${err.errorName}`);
          refresh ||= needsMetadataRefresh(err);
          state.retryAtMs = Date.now() + this.config.retryBackoffMs;
          continue;
        }
        state.highWatermark = p.highWatermark;
        if (p.records === null || p.records.length === 0) continue;
        const batches = splitBatches(p.records);
        if (batches.length === 0) continue;
        let sizeBytes = 0;
        let records = 0;
        for (const b of batches) {
          sizeBytes += b.length;
          if (b.length >= BatchHeader.SIZE) records += b.readInt32BE(BatchHeader.RECORDS_COUNT);
        }
        const last = batches[batches.length - 1]!;
        // A v2 header (decoding checks the magic and CRC, and fails the consumer on anything else).
        if (last.length >= BatchHeader.SIZE) state.fetchOffset = last.readBigInt64BE(BatchHeader.BASE_OFFSET) + BigInt(last.readInt32BE(BatchHeader.LAST_OFFSET_DELTA)) + 1n;
        const abortedTransactions = this.config.readCommitted ? p.abortedTransactions ?? [] : [];
        state.undecoded.push({ batches, fetchOffset: offsets[i]!, abortedTransactions, epoch: state.epoch, sizeBytes, records });
        state.undecodedRecords += records;
        this.bufferedBytes += sizeBytes;
      }
    }
    if (refresh) void this.refreshMetadata();
  }

  private checkOpen(): void {
    if (this.closed) throw new KafkaClosedError('The consumer is closed');
  }

  /** Leaves the group (committing first when auto-commit is on) and closes the connections. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (this.group) await this.group.close();
    } finally {
      this.closed = true;
      for (const fn of this.wakeups.splice(0)) fn();
      this.cluster.close();
    }
  }
}

/**
 * Decodes fetched batches straight into consumer records at or after the fetch offset, dropping
 * control batches and aborted transactions (whose records are not decoded at all).
 */
async function toConsumerRecords(topic: string, partition: number, data: FetchedData, readCommitted: boolean): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const fetchOffset = data.fetchOffset;
  const aborted = readCommitted ? [...data.abortedTransactions].sort((a, b) => (a.firstOffset < b.firstOffset ? -1 : 1)) : [];
  const abortedProducers = new Set<bigint>();
  let nextAborted = 0;
  for (const batch of data.batches) {
    const info = checkBatchIntegrity(batch);
    const lastOffset = info.baseOffset + BigInt(info.lastOffsetDelta);
    if (lastOffset < fetchOffset) continue;
    const control = (info.attributes & BatchAttributes.CONTROL) !== 0;
    const transactional = (info.attributes & BatchAttributes.TRANSACTIONAL) !== 0;
    while (nextAborted < aborted.length && aborted[nextAborted]!.firstOffset <= lastOffset) abortedProducers.add(aborted[nextAborted++]!.producerId);
    if (control) {
      // An abort (or commit) marker ends the producer's transaction.
      abortedProducers.delete(info.producerId);
      continue;
    }
    if (transactional && abortedProducers.has(info.producerId)) continue;
    const body = batchRecordsBody(batch, info);
    appendRecords(out, topic, partition, info, body instanceof Buffer ? body : await body, fetchOffset);
  }
  return out;
}

/** Appends the records of one batch body at or after `fetchOffset` to `out`. */
function appendRecords(out: ConsumerRecord[], topic: string, partition: number, info: BatchInfo, body: Buffer, fetchOffset: bigint): void {
  const logAppendTime = (info.attributes & BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0;
  const timestampType = logAppendTime ? 'LogAppendTime' : 'CreateTime';
  const baseTimestamp = Number(info.baseTimestamp);
  const maxTimestamp = Number(info.maxTimestamp);
  const { baseOffset, partitionLeaderEpoch: leaderEpoch } = info;
  const skipBelow = fetchOffset > baseOffset ? Number(fetchOffset - baseOffset) : 0;
  visitRecords(body, info, (offsetDelta, timestampDelta, key, value, headers) => {
    if (offsetDelta < skipBelow) return;
    const timestamp = logAppendTime ? maxTimestamp : typeof timestampDelta === 'number' ? baseTimestamp + timestampDelta : Number(info.baseTimestamp + timestampDelta);
    out.push({ topic, partition, offset: baseOffset + BigInt(offsetDelta), timestamp, timestampType, key, value, headers, leaderEpoch });
  });
}

function recordBytes(r: ConsumerRecord): number {
  return 64 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
}
