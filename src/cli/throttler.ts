/**
 * Kafka's ThroughputThrottler (producer perf test): when the average rate since the start exceeds
 * the target, sleep 1/target seconds per record, accumulated until at least 2 ms are owed. A
 * negative target disables throttling. The sleep itself is the caller's (it awaits the returned
 * duration, which also lets the producer's I/O run).
 */
const NS_PER_MS = 1_000_000;
const MIN_SLEEP_NS = 2 * NS_PER_MS;

/** Decides when and how long a send loop sleeps to hold a target rate. */
export class ThroughputThrottler {
  private readonly sleepTimeNs: number;
  private sleepDeficitNs = 0;

  /**
   * @param targetThroughput records (or bytes) per second; < 0 disables throttling
   * @param startMs when the first record was sent
   */
  constructor(
    private readonly targetThroughput: number,
    private readonly startMs: number,
  ) {
    this.sleepTimeNs = targetThroughput > 0 ? Math.floor(1e9 / targetThroughput) : Number.MAX_SAFE_INTEGER;
  }

  /** Whether the rate so far (`amountSoFar` at `sendStartMs`) is above the target. */
  shouldThrottle(amountSoFar: number, sendStartMs: number): boolean {
    if (this.targetThroughput < 0) return false;
    const elapsedSec = Math.fround((sendStartMs - this.startMs) / 1000);
    return elapsedSec > 0 && amountSoFar / elapsedSec > this.targetThroughput;
  }

  /**
   * Adds one record's worth of sleep to the deficit; returns how many ms to sleep now (0 while the
   * deficit is below 2 ms). The deficit is cleared once returned, as after Kafka's sleep.
   */
  throttleMs(): number {
    if (this.targetThroughput === 0) return Number.POSITIVE_INFINITY;
    this.sleepDeficitNs += this.sleepTimeNs;
    if (this.sleepDeficitNs < MIN_SLEEP_NS) return 0;
    const ms = this.sleepDeficitNs / NS_PER_MS;
    this.sleepDeficitNs = 0;
    return ms;
  }
}
