/** One long-polling fetch waiting for data on some partitions. */
interface FetchWaiter {
  keys: readonly string[];
  bytesNeeded: number;
  bytesSeen: number;
  timer: NodeJS.Timeout;
  resolve: () => void;
  done: boolean;
}

/** Upper bound on waiting fetches; beyond it a fetch is answered at once instead of waiting. */
const MAX_WAITERS = 100_000;

/**
 * Fetch purgatory: fetches that must wait for `min.bytes` sleep here, keyed by partition, and are
 * completed by appends to those partitions (or by their `max.wait.ms` deadline), never by polling.
 */
export class FetchPurgatory {
  private readonly byKey = new Map<string, Set<FetchWaiter>>();
  private count = 0;

  /** Number of waiting fetches (a metric). */
  get size(): number {
    return this.count;
  }

  /** Waits until `bytesNeeded` more bytes are appended to any of `keys`, or `timeoutMs` passes. */
  wait(keys: readonly string[], bytesNeeded: number, timeoutMs: number): Promise<void> {
    if (this.count >= MAX_WAITERS || keys.length === 0 || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: FetchWaiter = {
        keys,
        bytesNeeded,
        bytesSeen: 0,
        done: false,
        resolve,
        timer: setTimeout(() => this.complete(waiter), timeoutMs),
      };
      this.count++;
      for (const key of keys) {
        let set = this.byKey.get(key);
        if (!set) this.byKey.set(key, (set = new Set()));
        set.add(waiter);
      }
    });
  }

  /** Reports bytes appended to a partition, completing the fetches that now have enough. */
  onAppend(key: string, bytes: number): void {
    const set = this.byKey.get(key);
    if (!set) return;
    for (const waiter of set) {
      waiter.bytesSeen += bytes;
      if (waiter.bytesSeen >= waiter.bytesNeeded) this.complete(waiter);
    }
  }

  /** Completes every waiting fetch (at shutdown). */
  completeAll(): void {
    for (const set of [...this.byKey.values()]) for (const waiter of [...set]) this.complete(waiter);
  }

  private complete(waiter: FetchWaiter): void {
    if (waiter.done) return;
    waiter.done = true;
    clearTimeout(waiter.timer);
    this.count--;
    for (const key of waiter.keys) {
      const set = this.byKey.get(key);
      set?.delete(waiter);
      if (set?.size === 0) this.byKey.delete(key);
    }
    waiter.resolve();
  }
}

/** The purgatory key of a topic partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Purgatory key suffix on which follower fetches wait (they want appends, consumers want the high watermark). */
export const FOLLOWER_KEY_SUFFIX = '\u0001f';
