/** What the leader knows about one follower of a partition (Kafka's Replica state). */
export interface FollowerState {
  readonly brokerId: number;
  /** The follower's log end offset as its last fetch said; -1 until it fetches from this leader. */
  logEndOffset: bigint;
  /** When it last fetched; -1 never. */
  lastFetchMs: number;
  /** The leader's log end offset at that fetch. */
  lastFetchLeaderLogEndOffset: bigint;
  /** The last time it was known to be caught up with the leader's log end. */
  lastCaughtUpMs: number;
}

/**
 * The leader side of one partition's replication, as a plain object (no clock, no IO): follower
 * progress, the high watermark (the least log end offset over the ISR, never decreasing) and
 * which replicas should join or leave the ISR. Times are passed in. Follows Kafka's Partition and
 * Replica classes.
 */
export class PartitionLeaderState {
  private readonly followers = new Map<number, FollowerState>();
  /** The ISR as committed in the metadata log. */
  private committedIsr: number[];
  /** An ISR change sent to the controller and not yet committed (Kafka's PendingShrinkIsr/PendingExpandIsr). */
  private pendingIsr: number[] | null = null;

  /** When this node became leader. */
  private readonly sinceMs: number;

  constructor(
    readonly localId: number,
    readonly leaderEpoch: number,
    replicas: readonly number[],
    isr: readonly number[],
    /** The offset this leader's epoch starts at: followers below it cannot join the ISR. */
    readonly epochStartOffset: bigint,
    nowMs: number,
  ) {
    this.sinceMs = nowMs;
    this.committedIsr = [...isr];
    this.setReplicas(replicas, nowMs);
  }

  /** Applies the replica set from new metadata (same leader epoch), keeping known progress. */
  setReplicas(replicas: readonly number[], nowMs: number): void {
    for (const id of replicas) {
      if (id === this.localId || this.followers.has(id)) continue;
      // ISR members start as caught up (Kafka resets lastCaughtUpTime to now on becoming leader).
      const inIsr = this.committedIsr.includes(id);
      this.followers.set(id, { brokerId: id, logEndOffset: -1n, lastFetchMs: -1, lastFetchLeaderLogEndOffset: -1n, lastCaughtUpMs: inIsr ? nowMs : -1 });
    }
    for (const id of [...this.followers.keys()]) if (!replicas.includes(id)) this.followers.delete(id);
  }

  /** The ISR committed in metadata. */
  get isr(): readonly number[] {
    return this.committedIsr;
  }

  /** The ISR change in flight, if any. */
  get pending(): readonly number[] | null {
    return this.pendingIsr;
  }

  /**
   * The ISR that acks=all and min.insync.replicas count: the committed ISR, narrowed by a shrink in
   * flight (refusing writes early is safe; counting a replica that is being removed is not).
   */
  effectiveIsr(): readonly number[] {
    if (this.pendingIsr === null) return this.committedIsr;
    return this.committedIsr.filter((id) => this.pendingIsr!.includes(id));
  }

  /**
   * ISR members that are fetching: the leader, and followers whose last fetch (or this
   * leadership's start, before their first) is at most `windowMs` old. A follower fetches
   * continuously (its long polls last replica.fetch.wait.max.ms), so a silent one is down or cut
   * off; appends for acks=all are refused early instead of waiting for the ISR shrink.
   */
  fetchingIsr(nowMs: number, windowMs: number): number[] {
    return this.effectiveIsr().filter((id) => {
      if (id === this.localId) return true;
      const f = this.followers.get(id);
      return f !== undefined && nowMs - Math.max(f.lastFetchMs, this.sinceMs) <= windowMs;
    });
  }

  /** A new ISR committed in metadata (after our AlterPartition or the controller's own change). */
  setCommittedIsr(isr: readonly number[], nowMs: number): void {
    this.committedIsr = [...isr];
    this.pendingIsr = null;
    for (const f of this.followers.values()) {
      if (isr.includes(f.brokerId) && f.lastCaughtUpMs < 0) f.lastCaughtUpMs = nowMs;
    }
  }

  /** Records that an ISR change was sent to the controller. */
  setPending(isr: readonly number[] | null): void {
    this.pendingIsr = isr === null ? null : [...isr];
  }

  /** A follower's fetch at `fetchOffset` (its log end) while the leader's log ends at `leaderLogEnd`. */
  updateFollower(brokerId: number, fetchOffset: bigint, leaderLogEnd: bigint, nowMs: number): boolean {
    const f = this.followers.get(brokerId);
    if (!f) return false;
    if (fetchOffset >= leaderLogEnd) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, nowMs);
    else if (fetchOffset >= f.lastFetchLeaderLogEndOffset && f.lastFetchMs >= 0) f.lastCaughtUpMs = Math.max(f.lastCaughtUpMs, f.lastFetchMs);
    f.logEndOffset = fetchOffset;
    f.lastFetchLeaderLogEndOffset = leaderLogEnd;
    f.lastFetchMs = nowMs;
    return true;
  }

  /** The follower's state, for DescribeQuorum-like reports and tests. */
  follower(brokerId: number): Readonly<FollowerState> | undefined {
    return this.followers.get(brokerId);
  }

  /**
   * The high watermark the ISR allows: the least log end offset over the committed ISR (the
   * leader's own included), but never below `current` (a leader's high watermark only grows).
   * Kafka counts the maximal ISR here: a replica being added counts only once committed, a replica
   * being removed still counts until the removal is committed.
   */
  highWatermark(localLogEnd: bigint, current: bigint): bigint {
    let min = localLogEnd;
    for (const id of this.committedIsr) {
      if (id === this.localId) continue;
      const f = this.followers.get(id);
      const leo = f ? f.logEndOffset : -1n;
      if (leo < min) min = leo;
    }
    return min > current ? min : current;
  }

  /** Followers outside the ISR that have caught up to the high watermark in this epoch: to add. */
  toExpand(highWatermark: bigint): number[] {
    const out: number[] = [];
    for (const f of this.followers.values()) {
      if (this.committedIsr.includes(f.brokerId)) continue;
      if (f.logEndOffset >= highWatermark && f.logEndOffset >= this.epochStartOffset) out.push(f.brokerId);
    }
    return out;
  }

  /** ISR followers not caught up within `lagMs`: to remove (Kafka's replica.lag.time.max.ms). */
  toShrink(nowMs: number, lagMs: number): number[] {
    const out: number[] = [];
    for (const id of this.committedIsr) {
      if (id === this.localId) continue;
      const f = this.followers.get(id);
      if (!f || nowMs - f.lastCaughtUpMs > lagMs) out.push(id);
    }
    return out;
  }
}
