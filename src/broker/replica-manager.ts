import { ErrorCode, KafkaError } from '../common/errors.js';
import type { MetadataImage } from '../metadata/index.js';
import { AlterPartitionRequest } from '../protocol/generated/alter-partition-request.js';
import { AlterPartitionResponse } from '../protocol/generated/alter-partition-response.js';
import type { Init } from '../protocol/index.js';
import { PartitionLeaderState } from '../replication/index.js';
import type { LogAppendInfo } from '../storage/index.js';
import type { ControllerChannel } from './controller-channel.js';
import type { ControllerService } from './controller-service.js';
import type { HostedPartition, PartitionManager } from './partition-manager.js';
import { FOLLOWER_KEY_SUFFIX, type FetchPurgatory } from './purgatory.js';
import { ReplicaFetcher, type FetcherSettings } from './replica-fetcher.js';

/** What the replica manager needs from its node. */
export interface ReplicaHost {
  readonly nodeId: number;
  readonly image: MetadataImage;
  readonly partitions: PartitionManager;
  readonly purgatory: FetchPurgatory;
  readonly channel: ControllerChannel;
  readonly controller: ControllerService;
  isActiveController(): boolean;
  brokerEpoch(): bigint;
  /** min.insync.replicas of a topic (override or broker default). */
  minInsyncReplicas(topic: string): number;
  /** host:port of a broker's inter-broker listener, or null when unknown. */
  brokerAddress(brokerId: number): { host: string; port: number } | null;
  log(message: string): void;
}

/** Replication settings (Kafka's keys). */
export interface ReplicaSettings extends FetcherSettings {
  replicaLagTimeMaxMs: number;
}

interface AcksWaiter {
  requiredOffset: bigint;
  topic: string;
  resolve: (errorCode: number) => void;
  timer: NodeJS.Timeout;
}

interface Led {
  state: PartitionLeaderState;
  hosted: HostedPartition;
  /** Produce requests with acks=all waiting for the high watermark. */
  waiters: AcksWaiter[];
  /** The last AlterPartition attempt failed (retry on the next check). */
  alterFailed: boolean;
  alterInFlight: boolean;
  lastWarning: string;
  lastWarningMs: number;
}

/**
 * Kafka's ReplicaManager for this node: makes it leader or follower of its partitions as the
 * metadata says, keeps leader-side follower progress, the high watermark and ISR changes
 * (AlterPartition to the controller), completes acks=all produce requests, and runs one fetcher
 * per source broker for the partitions it follows.
 */
export class ReplicaManager {
  private readonly led = new Map<string, Led>();
  /** Leader and epoch each followed partition is fetched at. */
  private readonly followed = new Map<string, { leader: number; epoch: number }>();
  private readonly fetchers = new Map<number, ReplicaFetcher>();
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** A follower silent for longer is not counted for min.insync.replicas before an append. */
  private readonly liveFetchWindowMs: number;

  constructor(
    private readonly host: ReplicaHost,
    private readonly settings: ReplicaSettings,
  ) {
    this.liveFetchWindowMs = Math.max(1500, 3 * settings.replicaFetchWaitMaxMs);
    this.timer = setInterval(() => this.checkIsr(), Math.max(100, Math.min(1000, settings.replicaLagTimeMaxMs / 4)));
    this.timer.unref();
  }

  // ---- metadata ---------------------------------------------------------------------------------

  /** Follows a new metadata image: leader and follower transitions for every hosted partition. */
  onMetadata(): void {
    if (this.closed) return;
    const nowMs = Date.now();
    const seen = new Set<string>();
    for (const hosted of this.host.partitions.all()) {
      seen.add(hosted.key);
      const p = hosted.partition;
      if (p.leader === this.host.nodeId) this.becomeOrStayLeader(hosted, nowMs);
      else this.becomeFollower(hosted);
    }
    for (const key of [...this.led.keys()]) if (!seen.has(key)) this.dropLeadership(key, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    for (const key of [...this.followed.keys()]) {
      if (seen.has(key)) continue;
      this.followed.delete(key);
      for (const f of this.fetchers.values()) f.remove(key);
    }
  }

  private becomeOrStayLeader(hosted: HostedPartition, nowMs: number): void {
    const p = hosted.partition;
    const existing = this.led.get(hosted.key);
    if (this.followed.has(hosted.key)) {
      this.followed.delete(hosted.key);
      for (const f of this.fetchers.values()) f.remove(hosted.key);
    }
    if (existing && existing.state.leaderEpoch === p.leaderEpoch) {
      existing.hosted = hosted;
      existing.state.setReplicas(p.replicas, nowMs);
      if (!sameMembers(existing.state.isr, p.isr)) existing.state.setCommittedIsr(p.isr, nowMs);
      this.advanceHighWatermark(existing, 0);
      return;
    }
    if (existing) this.dropLeadership(hosted.key, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const log = hosted.log;
    const latest = log.leaderEpochs().at(-1);
    if (!latest || latest.epoch < p.leaderEpoch) log.assignEpochStartOffset(p.leaderEpoch, log.logEndOffset);
    const state = new PartitionLeaderState(this.host.nodeId, p.leaderEpoch, p.replicas, p.isr, log.logEndOffset, nowMs);
    const led: Led = { state, hosted, waiters: [], alterFailed: false, alterInFlight: false, lastWarning: '', lastWarningMs: 0 };
    this.led.set(hosted.key, led);
    if (p.replicas.length > 1) {
      this.host.log(`Partition ${hosted.topic.name}-${p.partitionId}: leader in epoch ${p.leaderEpoch} from offset ${log.logEndOffset} (ISR ${p.isr.join(',')}, high watermark ${log.highWatermark})`);
    }
    this.advanceHighWatermark(led, 0);
  }

  private becomeFollower(hosted: HostedPartition): void {
    const p = hosted.partition;
    if (this.led.has(hosted.key)) this.dropLeadership(hosted.key, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    const current = this.followed.get(hosted.key);
    if (current && current.leader === p.leader && current.epoch === p.leaderEpoch) {
      this.fetchers.get(p.leader)?.update(hosted);
      return;
    }
    if (current) for (const f of this.fetchers.values()) f.remove(hosted.key);
    if (p.leader < 0) {
      this.followed.delete(hosted.key);
      return;
    }
    this.followed.set(hosted.key, { leader: p.leader, epoch: p.leaderEpoch });
    const leaderId = p.leader;
    let fetcher = this.fetchers.get(leaderId);
    if (!fetcher) {
      // (The partition image changes in place: the address must follow this fetcher's leader, not p's.)
      fetcher = new ReplicaFetcher(leaderId, this.host.nodeId, this.settings, {
        address: () => this.host.brokerAddress(leaderId),
        log: (m) => this.host.log(m),
      });
      this.fetchers.set(leaderId, fetcher);
    }
    fetcher.add(hosted);
  }

  private dropLeadership(key: string, errorCode: number): void {
    const led = this.led.get(key);
    if (!led) return;
    this.led.delete(key);
    for (const w of led.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(errorCode);
    }
    // Waiting follower fetches must re-check leadership.
    this.host.purgatory.onAppend(key + FOLLOWER_KEY_SUFFIX, Number.MAX_SAFE_INTEGER);
    this.host.purgatory.onAppend(key, Number.MAX_SAFE_INTEGER);
  }

  // ---- leader side --------------------------------------------------------------------------------

  /**
   * Checks that an acks=all produce may be appended: this node leads and the ISR (narrowed by a
   * shrink in flight) has at least min.insync.replicas members. Returns an error code or NONE.
   */
  checkEnoughReplicas(hosted: HostedPartition): { errorCode: number; errorMessage: string | null } {
    const led = this.led.get(hosted.key);
    if (!led) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, errorMessage: null };
    const minIsr = this.host.minInsyncReplicas(hosted.topic.name);
    const isr = minIsr > 1 ? led.state.fetchingIsr(Date.now(), this.liveFetchWindowMs) : led.state.effectiveIsr();
    if (isr.length < minIsr) {
      return {
        errorCode: ErrorCode.NOT_ENOUGH_REPLICAS,
        errorMessage: `The size of the current ISR [${isr.join(', ')}] is insufficient to satisfy the min.isr requirement of ${minIsr} for partition ${hosted.topic.name}-${hosted.partition.partitionId}.`,
      };
    }
    return { errorCode: ErrorCode.NONE, errorMessage: null };
  }

  /**
   * Appends a batch as leader and advances the high watermark as far as the ISR allows; `defer`
   * as in PartitionLog.appendAsLeader.
   */
  appendAsLeader(hosted: HostedPartition, batch: Buffer, nowMs: bigint, defer = false): LogAppendInfo {
    const led = this.led.get(hosted.key);
    if (!led || hosted.partition.leader !== this.host.nodeId) {
      throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `This broker is not the leader of ${hosted.topic.name}-${hosted.partition.partitionId}.`);
    }
    const info = hosted.log.appendAsLeader(batch, led.state.leaderEpoch, nowMs, defer);
    if (!info.duplicate) {
      this.host.purgatory.onAppend(hosted.followerKey, batch.length);
      this.advanceHighWatermark(led, batch.length);
    }
    return info;
  }

  /**
   * Waits until the high watermark passes `requiredOffset` (acks=all). Resolves with NONE, or
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND when the ISR fell below min.insync.replicas, or
   * NOT_LEADER_OR_FOLLOWER when leadership moved, or REQUEST_TIMED_OUT.
   */
  waitForReplication(hosted: HostedPartition, requiredOffset: bigint, timeoutMs: number): Promise<number> {
    const led = this.led.get(hosted.key);
    if (!led) return Promise.resolve(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    if (hosted.log.highWatermark >= requiredOffset) return Promise.resolve(this.afterAppendCheck(led));
    return new Promise((resolve) => {
      const waiter: AcksWaiter = {
        requiredOffset,
        topic: hosted.topic.name,
        resolve,
        timer: setTimeout(() => {
          const i = led.waiters.indexOf(waiter);
          if (i >= 0) led.waiters.splice(i, 1);
          resolve(ErrorCode.REQUEST_TIMED_OUT);
        }, Math.max(1, timeoutMs)),
      };
      led.waiters.push(waiter);
    });
  }

  private afterAppendCheck(led: Led): number {
    return led.state.effectiveIsr().length < this.host.minInsyncReplicas(led.hosted.topic.name) ? ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND : ErrorCode.NONE;
  }

  /**
   * A follower fetched at `fetchOffset` (its log end) in `leaderEpoch`: record its progress,
   * advance the high watermark, and ask to add it to the ISR once caught up.
   */
  onFollowerFetch(hosted: HostedPartition, replicaId: number, fetchOffset: bigint): void {
    const led = this.led.get(hosted.key);
    if (!led) return;
    const nowMs = Date.now();
    if (!led.state.updateFollower(replicaId, fetchOffset, hosted.log.logEndOffset, nowMs)) return;
    this.advanceHighWatermark(led, Number.MAX_SAFE_INTEGER);
    if (led.state.pending === null && !led.alterInFlight) {
      const add = led.state.toExpand(hosted.log.highWatermark);
      if (add.length > 0) this.alterIsr(led, [...led.state.isr, ...add], 'expand');
    }
  }

  /** Whether this node leads the partition in the given epoch (for follower fetch validation). */
  isLeader(hosted: HostedPartition): boolean {
    return this.led.has(hosted.key);
  }

  private advanceHighWatermark(led: Led, bytesHint: number): void {
    const log = led.hosted.log;
    const before = log.highWatermark;
    const hw = led.state.highWatermark(log.logEndOffset, before);
    if (hw > before) {
      log.highWatermark = hw;
      this.host.purgatory.onAppend(led.hosted.key, bytesHint > 0 ? bytesHint : Number.MAX_SAFE_INTEGER);
    }
    if (led.waiters.length === 0) return;
    const done = led.waiters.filter((w) => w.requiredOffset <= log.highWatermark);
    if (done.length === 0) return;
    led.waiters = led.waiters.filter((w) => w.requiredOffset > log.highWatermark);
    const code = this.afterAppendCheck(led);
    for (const w of done) {
      clearTimeout(w.timer);
      w.resolve(code);
    }
  }

  /** Periodic ISR check: shrink followers that lag longer than replica.lag.time.max.ms. */
  private checkIsr(): void {
    if (this.closed) return;
    const nowMs = Date.now();
    for (const led of this.led.values()) {
      if (led.alterInFlight) continue;
      const remove = led.state.toShrink(nowMs, this.settings.replicaLagTimeMaxMs);
      if (remove.length === 0) {
        if (led.state.pending !== null && led.alterFailed && led.state.pending.length < led.state.isr.length) {
          // The lagging follower caught up while the controller could not be reached: forget the shrink.
          led.state.setPending(null);
          led.alterFailed = false;
        }
        continue;
      }
      if (led.state.pending !== null && !led.alterFailed) continue;
      const isr = led.state.isr.filter((id) => !remove.includes(id));
      if (isr.length === 0) continue;
      this.alterIsr(led, isr, 'shrink');
    }
  }

  private alterIsr(led: Led, newIsr: number[], why: 'shrink' | 'expand'): void {
    const hosted = led.hosted;
    const name = `${hosted.topic.name}-${hosted.partition.partitionId}`;
    led.state.setPending(newIsr);
    led.alterInFlight = true;
    const body: Init<AlterPartitionRequest> = {
      brokerId: this.host.nodeId,
      brokerEpoch: this.host.brokerEpoch(),
      topics: [{
        topicName: hosted.topic.name,
        topicId: hosted.topic.topicId,
        partitions: [{
          partitionIndex: hosted.partition.partitionId,
          leaderEpoch: led.state.leaderEpoch,
          newIsr,
          newIsrWithEpochs: [],
          leaderRecoveryState: 0,
          partitionEpoch: hosted.partition.partitionEpoch,
        }],
      }],
    };
    const send = async (): Promise<number> => {
      if (this.host.isActiveController()) {
        const results = await this.host.controller.alterPartition(body as AlterPartitionRequest);
        return results[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
      }
      const response = await this.host.channel.request(AlterPartitionRequest, AlterPartitionResponse, 2, body);
      if (response.errorCode !== ErrorCode.NONE) return response.errorCode;
      return response.topics[0]?.partitions[0]?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    };
    const from = led.state.isr.join(',');
    send().then(
      (code) => {
        led.alterInFlight = false;
        if (code === ErrorCode.NONE || code === ErrorCode.NEW_LEADER_ELECTED) {
          led.alterFailed = false;
          led.lastWarning = '';
          this.host.log(`Partition ${name}: ISR ${why} from [${from}] to [${newIsr.join(',')}]`);
          return;
        }
        led.alterFailed = true;
        if (why === 'expand') led.state.setPending(null);
        this.host.log(`WARN: Partition ${name}: AlterPartition to ISR [${newIsr.join(',')}] failed with error ${code}; will retry`);
      },
      (error: Error) => {
        led.alterInFlight = false;
        led.alterFailed = true;
        if (why === 'expand') led.state.setPending(null);
        const minIsr = this.host.minInsyncReplicas(hosted.topic.name);
        const message = `WARN: Partition ${name}: cannot ${why} the ISR from [${from}] to [${newIsr.join(',')}]: ${error.message}` +
          (why === 'shrink' && newIsr.length < minIsr ? ` Until then acks=all writes fail with NOT_ENOUGH_REPLICAS (min.insync.replicas=${minIsr}).` : '');
        // Retried every check: say it again only when something changed, or every 10 s.
        const now = Date.now();
        if (message !== led.lastWarning || now - led.lastWarningMs >= 10_000) {
          this.host.log(message);
          led.lastWarning = message;
          led.lastWarningMs = now;
        }
      },
    );
  }

  /** Follower progress of a partition this node leads (DescribeQuorum-like reports, tests). */
  leaderState(hosted: HostedPartition): PartitionLeaderState | undefined {
    return this.led.get(hosted.key)?.state;
  }

  /** Stops fetchers and timers; waiting produce requests fail. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    for (const key of [...this.led.keys()]) this.dropLeadership(key, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await Promise.all([...this.fetchers.values()].map((f) => f.close()));
    this.fetchers.clear();
  }
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
