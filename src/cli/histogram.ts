/**
 * Latency statistics of Kafka's perf tools (ProducerPerformance.Stats, EndToEndLatency): a sampled
 * array of integer-millisecond latencies with nearest-rank percentiles, 5-second reporting windows,
 * and the exact output lines. Pure: the clock and the output are injected.
 */
import { javaFixed } from './java-format.js';

/** Most latencies ProducerPerformance keeps for percentiles. */
export const MAX_LATENCY_SAMPLES = 500_000;

/** Every how many completions one latency is kept: `numRecords / min(numRecords, 500000)` (integer division). */
export function samplingInterval(numRecords: number): number {
  return Math.max(1, Math.floor(numRecords / Math.min(numRecords, MAX_LATENCY_SAMPLES)));
}

/**
 * Sorts the first `count` entries of `latencies` in place and returns, for each p, the entry at
 * index `(int)(p * size)` (nearest rank, no interpolation), as ProducerPerformance does.
 */
export function percentiles(latencies: Int32Array | number[], count: number, ps: readonly number[]): number[] {
  const size = Math.min(count, latencies.length);
  // Int32Array#subarray shares memory, so its sort() sorts the caller's array in place as Arrays.sort does.
  const sorted = latencies instanceof Int32Array ? latencies.subarray(0, size).sort() : latencies.slice(0, size).sort((a, b) => a - b);
  return ps.map((p) => (size === 0 ? 0 : sorted[Math.floor(p * size)]!));
}

/** Options of {@link PerfStats}. */
export interface PerfStatsOptions {
  /** Wall clock in ms (Date.now). */
  readonly nowMs: () => number;
  /** Prints one line (without the newline). */
  readonly print: (line: string) => void;
  /** Adds " steady state" to the total line and prints "In steady state." with its first window. */
  readonly steadyState?: boolean;
  /** Window length; default 5000 ms. */
  readonly reportingIntervalMs?: number;
}

/** ProducerPerformance.Stats: totals, the current window, and sampled latencies. */
export class PerfStats {
  private readonly startMs: number;
  private readonly sampling: number;
  private readonly latencies: Int32Array;
  private readonly reportingIntervalMs: number;
  private iteration = 0;
  private index = 0;
  private count = 0;
  private bytes = 0;
  private maxLatency = 0;
  private totalLatency = 0;
  private windowStartMs: number;
  private windowCount = 0;
  private windowMaxLatency = 0;
  private windowTotalLatency = 0;
  private windowBytes = 0;
  private printingSuppressed = false;

  constructor(
    numRecords: number,
    private readonly options: PerfStatsOptions,
  ) {
    this.startMs = options.nowMs();
    this.windowStartMs = this.startMs;
    this.sampling = samplingInterval(numRecords);
    this.latencies = new Int32Array(Math.floor(numRecords / this.sampling) + 1);
    this.reportingIntervalMs = options.reportingIntervalMs ?? 5000;
  }

  /** Records one successful send that completed at `timeMs`; prints a window line when the window is over. */
  record(latencyMs: number, bytes: number, timeMs: number): void {
    this.count++;
    this.bytes += bytes;
    this.totalLatency += latencyMs;
    if (latencyMs > this.maxLatency) this.maxLatency = latencyMs;
    this.windowCount++;
    this.windowBytes += bytes;
    this.windowTotalLatency += latencyMs;
    if (latencyMs > this.windowMaxLatency) this.windowMaxLatency = latencyMs;
    if (this.iteration % this.sampling === 0 && this.index < this.latencies.length) this.latencies[this.index++] = latencyMs;
    if (timeMs - this.windowStartMs >= this.reportingIntervalMs) {
      if (this.options.steadyState && this.count === this.windowCount) this.options.print('In steady state.');
      if (!this.printingSuppressed) this.options.print(this.windowLine());
      this.newWindow();
    }
    this.iteration++;
  }

  /** Stops window lines (the warm-up stats once steady-state stats take over). */
  suppressPrinting(): void {
    this.printingSuppressed = true;
  }

  /** Records completed so far. */
  get totalCount(): number {
    return this.count;
  }

  /** `%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.` */
  windowLine(): string {
    const elapsedMs = this.options.nowMs() - this.windowStartMs;
    const recordsPerSec = (1000 * this.windowCount) / elapsedMs;
    const mbPerSec = (1000 * this.windowBytes) / elapsedMs / (1024 * 1024);
    return (
      `${this.windowCount} records sent, ${javaFixed(recordsPerSec, 1)} records/sec (${javaFixed(mbPerSec, 2)} MB/sec), ` +
      `${javaFixed(this.windowTotalLatency / this.windowCount, 1)} ms avg latency, ${javaFixed(this.windowMaxLatency, 1)} ms max latency.`
    );
  }

  private newWindow(): void {
    this.windowStartMs = this.options.nowMs();
    this.windowCount = 0;
    this.windowMaxLatency = 0;
    this.windowTotalLatency = 0;
    this.windowBytes = 0;
  }

  /** The final line: totals since construction and the 50th/95th/99th/99.9th percentiles. */
  totalLine(): string {
    const elapsedMs = this.options.nowMs() - this.startMs;
    const recordsPerSec = (1000 * this.count) / elapsedMs;
    const mbPerSec = (1000 * this.bytes) / elapsedMs / (1024 * 1024);
    const [p50, p95, p99, p999] = percentiles(this.latencies, this.index, [0.5, 0.95, 0.99, 0.999]) as [number, number, number, number];
    return (
      `${this.count}${this.options.steadyState ? ' steady state' : ''} records sent, ${javaFixed(recordsPerSec, 6)} records/sec ` +
      `(${javaFixed(mbPerSec, 2)} MB/sec), ${javaFixed(this.totalLatency / this.count, 2)} ms avg latency, ` +
      `${javaFixed(this.maxLatency, 2)} ms max latency, ${p50} ms 50th, ${p95} ms 95th, ${p99} ms 99th, ${p999} ms 99.9th.`
    );
  }
}
