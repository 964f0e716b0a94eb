/**
 * Pieces shared by the benchmark processes: size-prefixed frame splitting, the messages the
 * orchestrator (run.ts) exchanges with the load generator over the fork IPC channel, and small
 * bounded helpers. Nothing here touches the broker's internals.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** Largest frame any benchmark process accepts (a Fetch response is at most a few MiB). */
export const MAX_FRAME_BYTES = 128 * 1024 * 1024;

/** MiB, the unit of every throughput this suite reports. */
export const MIB = 1024 * 1024;

/**
 * Splits a byte stream into frames of the form [int32 size][size bytes]. A frame that lies in one
 * chunk is returned as a view; one spanning chunks is copied once into a buffer of its size.
 */
export class FrameReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private nextSize = -1;

  constructor(private readonly maxFrameBytes = MAX_FRAME_BYTES) {}

  /** Adds received bytes; calls `onFrame` with each complete frame body (without its size prefix). */
  push(data: Buffer, onFrame: (frame: Buffer) => void): void {
    this.chunks.push(data);
    this.buffered += data.length;
    // Bounded: every iteration consumes at least the 4-byte size prefix.
    while (true) {
      if (this.nextSize < 0) {
        if (this.buffered < 4) return;
        this.nextSize = this.take(4).readInt32BE(0);
        if (this.nextSize < 0 || this.nextSize > this.maxFrameBytes) {
          throw new Error(`frame size ${this.nextSize} is outside 0..${this.maxFrameBytes}`);
        }
      }
      if (this.buffered < this.nextSize) return;
      const frame = this.take(this.nextSize);
      this.nextSize = -1;
      onFrame(frame);
    }
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) return this.chunks.shift()!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return out;
  }
}

/** Which server a load-generator task drives. */
export type Target = 'samsa' | 'baseline';

/** Pipelined produce: one ready-made 16 KiB batch per request, acks=1. */
export interface ProduceTask {
  kind: 'produce';
  target: Target;
  host: string;
  port: number;
  topic: string;
  partition: number;
  recordBytes: number;
  batchBytes: number;
  inflightPerConnection: number;
  connections: number;
  /** Requests answered during this time are not counted. */
  warmupMs: number;
  /** Measured window after the warm-up; the task ends when it closes... */
  measureMs: number;
  /** ...or when this many batch bytes were acknowledged in total (a fill), whichever comes first. */
  stopAfterBytes: number;
}

/** Sequential fetch of a whole log (or the baseline's files) from the start, `requestBytes` per request. */
export interface FetchTask {
  kind: 'fetch';
  target: Target;
  host: string;
  port: number;
  topic: string;
  partition: number;
  /** Fetch partitionMaxBytes, and the baseline's bytes per request. */
  requestBytes: number;
  /** Fetch request maxBytes (Samsa only). */
  responseMaxBytes: number;
  fetchVersion: number;
  /** Bytes expected in total; the read stops there (or at the end of the log). */
  totalBytes: number;
  /** Bytes read before the measured window starts. */
  warmupBytes: number;
  /** Hard limit on the whole task. */
  timeLimitMs: number;
}

/** A task the orchestrator sends to a load generator. */
export type LoadTask = ProduceTask | FetchTask;

/** What a load generator reports for one task. */
export interface LoadResult {
  kind: LoadTask['kind'];
  target: Target;
  /** Payload bytes (record batches, or baseline frame payloads) in the measured window. */
  measuredBytes: number;
  measuredRequests: number;
  measuredMs: number;
  mibPerSec: number;
  totalBytes: number;
  totalRequests: number;
  /** Size of one produce batch (produce only). */
  batchSizeBytes?: number;
  /** Size of the whole produce request frame, size prefix included (produce only). */
  requestFrameBytes?: number;
  /** Load generator CPU (user+system) over the measured window, as % of one core. */
  generatorCpuPercent: number;
  /** Why the task ended. */
  stoppedBy: 'time' | 'bytes' | 'end-of-log' | 'request-limit';
}

/** Messages from a load generator to the orchestrator; `R` is the generator's result type. */
export type GeneratorMessage<R = LoadResult> =
  | { type: 'measure-start'; atUs: number }
  | { type: 'measure-end'; atUs: number }
  | { type: 'result'; result: R }
  | { type: 'error'; message: string };

/** Membership settings every consumer-group task shares (Java consumer defaults unless noted). */
export interface GroupMemberSettings {
  host: string;
  port: number;
  /** Topic the members subscribe to, with this many partitions. */
  topic: string;
  partitions: number;
  /** heartbeat.interval.ms of every member. */
  heartbeatIntervalMs: number;
  sessionTimeoutMs: number;
  /** max.poll.interval.ms, sent as the rebalance timeout. */
  rebalanceTimeoutMs: number;
}

/**
 * Rebalance latency: per round a fresh group of `members` members joins at once; then one more
 * member joins that stable group and everyone rebalances again.
 */
export interface RebalanceTask extends GroupMemberSettings {
  kind: 'rebalance';
  target: 'samsa';
  members: number;
  rounds: number;
  /** Hard limit on each of the two rebalances of a round. */
  roundTimeLimitMs: number;
}

/** Offset-commit throughput: `members` members of one group commit their partitions in a loop. */
export interface CommitTask extends GroupMemberSettings {
  kind: 'commit';
  target: 'samsa';
  members: number;
  /** Hard limit on forming the group (all members joined and synced in one generation). */
  joinTimeLimitMs: number;
  warmupMs: number;
  measureMs: number;
}

/** One round of the rebalance task; times in ms on the generator's clock. */
export interface RebalanceRound {
  /** First JoinGroup sent -> last SyncGroup response carrying an assignment of the final generation. */
  joinAllMs: number;
  /** Generations the group went through until all members were in one (1 = a single rebalance). */
  joinGenerations: number;
  /** JoinGroup requests sent by all members (2 per member when nothing is retried). */
  joinRequests: number;
  /** The extra member's first JoinGroup sent -> last SyncGroup response of the new generation. */
  addMemberMs: number;
  /** The extra member's first JoinGroup -> the last old member told REBALANCE_IN_PROGRESS by a heartbeat. */
  addMemberDiscoveryMs: number;
  /** The last member's rejoin (its JoinGroup sent) -> last SyncGroup response: the broker's share. */
  addMemberAfterLastRejoinMs: number;
  addMemberGenerations: number;
}

/** What the rebalance task reports. */
export interface RebalanceResult {
  kind: 'rebalance';
  target: 'samsa';
  rounds: RebalanceRound[];
  generatorCpuPercent: number;
  /**
   * Error codes from the broker other than MEMBER_ID_REQUIRED, by API and code (`SyncGroup 27`:
   * count). REBALANCE_IN_PROGRESS (27) on SyncGroup is the normal signal that a newer generation
   * started; REBALANCE_IN_PROGRESS on Heartbeat is not counted (it is the signal to rejoin).
   */
  errors: Record<string, number>;
}

/** What the commit task reports. */
export interface CommitResult {
  kind: 'commit';
  target: 'samsa';
  members: number;
  connections: number;
  minPartitionsPerMember: number;
  maxPartitionsPerMember: number;
  /** Forming the group: first JoinGroup -> all members synced in one generation. */
  joinMs: number;
  joinGenerations: number;
  measuredMs: number;
  /** OffsetCommit requests answered in the measured window (all partitions without error). */
  measuredRequests: number;
  /** Partition offsets committed by those requests. */
  measuredOffsets: number;
  requestsPerSec: number;
  offsetsPerSec: number;
  /** Latency of each commit answered in the window, send -> response, ms. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Heartbeats answered over the whole task. */
  heartbeats: number;
  /** Committed offsets read back with OffsetFetch after the run that matched the last acknowledged ones. */
  verifiedOffsets: number;
  /** Error codes while the group formed (REBALANCE_IN_PROGRESS on SyncGroup is the normal signal of a newer generation). */
  formErrors: Record<string, number>;
  /** Error codes from the commit loop and its heartbeats: none expected in a stable group. */
  errors: Record<string, number>;
  generatorCpuPercent: number;
}

/** What the orchestrator needs of any generator task: names for its messages. */
export interface GeneratorTask {
  kind: string;
  target: Target;
}

/**
 * The monotonic clock in microseconds. It is CLOCK_MONOTONIC, the clock V8 stamps .cpuprofile
 * samples with, so windows measured here select samples of another process's profile.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** A measured window on the {@link monotonicUs} clock. */
export interface TimeWindow {
  startUs: number;
  endUs: number;
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `message` if `promise` is not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A loopback address 127.0.0.x with x in 2..250, varied per process. */
export function pickLoopbackHost(): string {
  return `127.0.0.${2 + ((process.pid * 37 + Math.floor(Math.random() * 249)) % 249)}`;
}

/** A free TCP port on `host`, found by binding port 0. */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('unexpected server address');
  return address.port;
}

/** CPU time of a live process in milliseconds, from /proc/PID/stat; null when unavailable. */
export function processCpuMs(pid: number): { userMs: number; systemMs: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const toMs = (ticks: string | undefined): number => (Number(ticks) * 1000) / CLOCK_TICKS_PER_SECOND;
    return { userMs: toMs(fields[11]), systemMs: toMs(fields[12]) };
  } catch {
    return null;
  }
}

/** Busy CPU time of the whole machine (all cores, not idle or iowait) in milliseconds; null off Linux. */
export function machineBusyMs(): number | null {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = ticks.reduce((sum, t) => sum + t, 0);
    const idle = ticks[3]! + ticks[4]!;
    return ((total - idle) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** USER_HZ on Linux; 100 on every mainstream architecture. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Longest a `sync` may take before the run gives up (a few GiB at disk speed). */
const SYNC_TIMEOUT_MS = 180_000;

/**
 * Writes every dirty page back (`sync`), so each run starts with no writeback pending and no
 * run pays for the data an earlier run left in the page cache (on these VMs a page-cache write
 * costs three times as much while gigabytes are being written back).
 */
export function settleDisk(log: (message: string) => void): void {
  const started = performance.now();
  execFileSync('sync', [], { stdio: 'ignore', timeout: SYNC_TIMEOUT_MS });
  const tookMs = performance.now() - started;
  if (tookMs > 500) log(`sync took ${(tookMs / 1000).toFixed(1)} s`);
}

/** Longest the broker(s) may take to remove the files of a deleted topic. */
const TOPIC_FILES_TIMEOUT_MS = 30_000;

/** Waits (bounded) until no partition directory of deleted `topic` is left in any of `logDirs`. */
export async function topicFilesRemoved(logDirs: readonly string[], topic: string): Promise<void> {
  const left = (): string[] => logDirs.flatMap((dir) => readdirSync(dir).filter((name) => name.startsWith(`${topic}-`)).map((name) => join(dir, name)));
  const deadline = Date.now() + TOPIC_FILES_TIMEOUT_MS;
  while (left().length > 0 && Date.now() < deadline) await delay(100);
  const kept = left();
  if (kept.length > 0) throw new Error(`${kept.join(', ')} still there ${TOPIC_FILES_TIMEOUT_MS} ms after ${topic} was deleted`);
}
