import { ErrorCode, KafkaError } from '../common/errors.js';
import { FetchRequest } from '../protocol/generated/fetch-request.js';
import { FetchResponse } from '../protocol/generated/fetch-response.js';
import { OffsetForLeaderEpochRequest } from '../protocol/generated/offset-for-leader-epoch-request.js';
import { OffsetForLeaderEpochResponse } from '../protocol/generated/offset-for-leader-epoch-response.js';
import { truncationOffset } from '../replication/index.js';
import { NodeClient } from './net/node-client.js';
import type { HostedPartition } from './partition-manager.js';

/** Follower fetch settings (Kafka's replica.fetch.* keys). */
export interface FetcherSettings {
  replicaFetchMaxBytes: number;
  replicaFetchResponseMaxBytes: number;
  replicaFetchWaitMaxMs: number;
  replicaFetchMinBytes: number;
  replicaFetchBackoffMs: number;
  requestTimeoutMs: number;
}

interface Fetched {
  hosted: HostedPartition;
  /** Must find its divergence point with the leader (OffsetForLeaderEpoch) before fetching. */
  truncate: boolean;
  /** Not fetched before this time (after a partition-level error, waiting for metadata). */
  delayUntilMs: number;
  /** When the current run of partition-level errors began (0: none), and when it was last logged. */
  errorSinceMs: number;
  lastErrorMs: number;
}

const FETCH_VERSION = 12;
const OFFSET_FOR_LEADER_EPOCH_VERSION = 3;
/** Pause after a partition error such as FENCED_LEADER_EPOCH, while new metadata arrives. */
const PARTITION_ERROR_DELAY_MS = 100;

/**
 * Fetches, for the partitions this node follows, from one leader broker (Kafka's
 * ReplicaFetcherThread): first OffsetForLeaderEpoch to truncate a diverged tail (KIP-101/279),
 * then Fetch as replica in a loop, appending batches as follower and taking the leader's high
 * watermark (bounded by the local log end).
 */
export class ReplicaFetcher {
  private readonly partitions = new Map<string, Fetched>();
  private client: NodeClient | null = null;
  private clientAddress = '';
  private closed = false;
  private wake: (() => void) | null = null;
  private readonly loop: Promise<void>;
  private lastProblem = '';

  constructor(
    readonly leaderId: number,
    private readonly nodeId: number,
    private readonly settings: FetcherSettings,
    private readonly deps: { address: () => { host: string; port: number } | null; log: (m: string) => void },
  ) {
    this.loop = this.run();
  }

  /** Starts following a partition (always checking for divergence first). */
  add(hosted: HostedPartition): void {
    this.partitions.set(hosted.key, { hosted, truncate: true, delayUntilMs: 0, errorSinceMs: 0, lastErrorMs: 0 });
    this.wake?.();
  }

  /** The partition's metadata object changed (same leader and epoch). */
  update(hosted: HostedPartition): void {
    const f = this.partitions.get(hosted.key);
    if (f) f.hosted = hosted;
  }

  /** Stops following a partition. */
  remove(key: string): void {
    this.partitions.delete(key);
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      if (this.partitions.size === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, 1000).unref();
        });
        this.wake = null;
        continue;
      }
      try {
        const client = this.connect();
        await this.truncatePhase(client);
        const fetched = await this.fetchOnce(client);
        this.problem('');
        if (!fetched) await sleep(PARTITION_ERROR_DELAY_MS);
      } catch (error) {
        if (this.closed) return;
        this.problem((error as Error).message);
        this.client?.close();
        this.client = null;
        await sleep(this.settings.replicaFetchBackoffMs);
      }
    }
  }

  private problem(message: string): void {
    if (message === this.lastProblem) return;
    if (message) this.deps.log(`WARN: replica fetcher ${this.nodeId}->${this.leaderId}: ${message}; retrying every ${this.settings.replicaFetchBackoffMs} ms`);
    else if (this.lastProblem) this.deps.log(`Replica fetcher ${this.nodeId}->${this.leaderId}: fetching again`);
    this.lastProblem = message;
  }

  private connect(): NodeClient {
    const address = this.deps.address();
    if (!address) throw new KafkaError(ErrorCode.LEADER_NOT_AVAILABLE, `broker ${this.leaderId} has no known address`);
    const key = `${address.host}:${address.port}`;
    if (!this.client || this.clientAddress !== key) {
      this.client?.close();
      // Each response is appended before the next request: its memory is reused for the next one.
      this.client = new NodeClient(address.host, address.port, `samsa-replica-fetcher-${this.nodeId}`, this.settings.requestTimeoutMs, { reuseResponseMemory: true });
      this.clientAddress = key;
    }
    return this.client;
  }

  private async truncatePhase(client: NodeClient): Promise<void> {
    const now = Date.now();
    const wanted = [...this.partitions.values()].filter((f) => f.truncate && f.delayUntilMs <= now);
    if (wanted.length === 0) return;
    const byTopic = new Map<string, Fetched[]>();
    for (const f of wanted) {
      const log = f.hosted.log;
      const latest = log.leaderEpochs().at(-1);
      if (!latest) {
        // Nothing with an epoch here: only an empty log is certainly a prefix of the leader's.
        if (log.logEndOffset > log.highWatermark) log.truncateTo(log.highWatermark);
        f.truncate = false;
        continue;
      }
      let list = byTopic.get(f.hosted.topic.name);
      if (!list) byTopic.set(f.hosted.topic.name, (list = []));
      list.push(f);
    }
    if (byTopic.size === 0) return;
    const response = await client.request(OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse, OFFSET_FOR_LEADER_EPOCH_VERSION, {
      replicaId: this.nodeId,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        partitions: list.map((f) => ({
          partition: f.hosted.partition.partitionId,
          currentLeaderEpoch: f.hosted.partition.leaderEpoch,
          leaderEpoch: f.hosted.log.leaderEpochs().at(-1)!.epoch,
        })),
      })),
    });
    for (const t of response.topics) {
      for (const p of t.partitions) {
        const f = byTopic.get(t.topic)?.find((x) => x.hosted.partition.partitionId === p.partition);
        if (!f || this.partitions.get(f.hosted.key) !== f) continue;
        if (p.errorCode !== ErrorCode.NONE) {
          this.partitionError(f, `OffsetForLeaderEpoch(epoch ${f.hosted.log.leaderEpochs().at(-1)?.epoch}, current leader epoch ${f.hosted.partition.leaderEpoch})`, p.errorCode);
          continue;
        }
        const log = f.hosted.log;
        const requested = log.leaderEpochs().at(-1)!.epoch;
        const offset = truncationOffset(requested, { leaderEpoch: p.leaderEpoch, endOffset: p.endOffset }, log.logEndOffset, (e) => log.endOffsetForEpoch(e));
        if (offset < log.logEndOffset) {
          this.deps.log(`Partition ${t.topic}-${p.partition}: truncating from ${log.logEndOffset} to ${offset} (leader ${this.leaderId} epoch ${p.leaderEpoch} ends at ${p.endOffset})`);
          log.truncateTo(offset);
        }
        f.truncate = false;
        f.errorSinceMs = 0;
      }
    }
  }

  /** One Fetch round; false when nothing could be fetched. */
  private async fetchOnce(client: NodeClient): Promise<boolean> {
    const now = Date.now();
    const ready = [...this.partitions.values()].filter((f) => !f.truncate && f.delayUntilMs <= now);
    if (ready.length === 0) return false;
    const byTopic = new Map<string, Fetched[]>();
    for (const f of ready) {
      let list = byTopic.get(f.hosted.topic.name);
      if (!list) byTopic.set(f.hosted.topic.name, (list = []));
      list.push(f);
    }
    const offsets = new Map(ready.map((f) => [f, f.hosted.log.logEndOffset]));
    const response = await client.request(FetchRequest, FetchResponse, FETCH_VERSION, {
      clusterId: null,
      replicaId: this.nodeId,
      replicaState: { replicaId: -1, replicaEpoch: -1n },
      maxWaitMs: this.settings.replicaFetchWaitMaxMs,
      minBytes: this.settings.replicaFetchMinBytes,
      maxBytes: this.settings.replicaFetchResponseMaxBytes,
      isolationLevel: 0,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [...byTopic].map(([topic, list]) => ({
        topic,
        topicId: list[0]!.hosted.topic.topicId,
        partitions: list.map((f) => ({
          partition: f.hosted.partition.partitionId,
          currentLeaderEpoch: f.hosted.partition.leaderEpoch,
          fetchOffset: offsets.get(f)!,
          lastFetchedEpoch: -1,
          logStartOffset: f.hosted.log.logStartOffset,
          partitionMaxBytes: this.settings.replicaFetchMaxBytes,
          replicaDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA',
        })),
      })),
      forgottenTopicsData: [],
      rackId: '',
    }, this.settings.replicaFetchWaitMaxMs + this.settings.requestTimeoutMs);
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, `fetch failed with error ${response.errorCode}`);
    const nowMs = BigInt(Date.now());
    for (const t of response.responses) {
      for (const p of t.partitions) {
        const f = byTopic.get(t.topic)?.find((x) => x.hosted.partition.partitionId === p.partitionIndex);
        if (!f || this.partitions.get(f.hosted.key) !== f) continue;
        const log = f.hosted.log;
        if (offsets.get(f) !== log.logEndOffset) continue; // truncated meanwhile
        if (p.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
          if (log.logEndOffset < p.logStartOffset) {
            this.deps.log(`Partition ${t.topic}-${p.partitionIndex}: log end ${log.logEndOffset} is below the leader's log start ${p.logStartOffset}; starting over there`);
            log.truncateFullyAndStartAt(p.logStartOffset);
          } else {
            this.partitionError(f, `Fetch at ${offsets.get(f)} (leader log start ${p.logStartOffset}, high watermark ${p.highWatermark})`, p.errorCode);
            f.delayUntilMs = 0;
            f.truncate = true;
          }
          continue;
        }
        if (p.errorCode !== ErrorCode.NONE) {
          this.partitionError(f, `Fetch at ${offsets.get(f)} in leader epoch ${f.hosted.partition.leaderEpoch}`, p.errorCode);
          continue;
        }
        f.errorSinceMs = 0;
        // Every batch is CRC-checked again on append (the leader checked it on read).
        if (p.records && p.records.length > 0) log.appendBatchesAsFollower(p.records, nowMs);
        const hw = p.highWatermark < log.logEndOffset ? p.highWatermark : log.logEndOffset;
        if (hw > log.highWatermark) log.highWatermark = hw;
      }
    }
    return true;
  }

  /**
   * A partition-level error: wait a moment (new metadata usually resolves it). Said in the log
   * once it has lasted 2 s (a leader replaying a change a moment later is routine), then every 10 s.
   */
  private partitionError(f: Fetched, what: string, errorCode: number): void {
    const now = Date.now();
    f.delayUntilMs = now + PARTITION_ERROR_DELAY_MS;
    if (f.errorSinceMs === 0) f.errorSinceMs = now;
    if (now - f.errorSinceMs < 2000 || now - f.lastErrorMs < 10_000) return;
    f.lastErrorMs = now;
    this.deps.log(`WARN: replica fetcher ${this.nodeId}->${this.leaderId}: partition ${f.hosted.topic.name}-${f.hosted.partition.partitionId}: ${what} failed with error ${errorCode} for ${now - f.errorSinceMs} ms; retrying`);
  }

  /** Stops the loop and closes the connection. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    this.client?.close();
    await this.loop.catch(() => undefined);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
