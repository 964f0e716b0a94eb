/**
 * Sticky partitioning for records without a key (KIP-480): all such records of a topic go to one
 * partition until its batch is sent (or fills), then another partition is picked at random,
 * never the same one twice in a row when there is a choice. Partitions with a leader are preferred.
 */
export class StickyPartitioner {
  private readonly current = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  /** The sticky partition of `topic`, or -1 when there is none yet (or it is out of range): no allocation, for the per-record path. */
  peek(topic: string, numPartitions: number): number {
    const p = this.current.get(topic);
    return p !== undefined && p < numPartitions ? p : -1;
  }

  /** The sticky partition of `topic`, picking one if there is none yet. */
  partition(topic: string, numPartitions: number, available: readonly number[]): number {
    const p = this.current.get(topic);
    if (p !== undefined && p < numPartitions) return p;
    return this.pick(topic, numPartitions, available, -1);
  }

  /** Called when the batch of `topic`'s sticky partition `previous` is closed: moves to another partition. */
  onNewBatch(topic: string, previous: number, numPartitions: number, available: readonly number[]): void {
    if (this.current.get(topic) !== previous) return;
    this.pick(topic, numPartitions, available, previous);
  }

  private pick(topic: string, numPartitions: number, available: readonly number[], avoid: number): number {
    const pool = available.length > 0 ? available : Array.from({ length: numPartitions }, (_, i) => i);
    let p: number;
    if (pool.length === 1) p = pool[0]!;
    else {
      do p = pool[Math.floor(this.random() * pool.length)]!;
      while (p === avoid);
    }
    this.current.set(topic, p);
    return p;
  }
}
