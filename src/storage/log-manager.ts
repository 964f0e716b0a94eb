import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/assert.js';
import { CheckpointFileName, formatCheckpoint, readOffsetCheckpoint, writeOffsetCheckpoint, writeOffsetCheckpointAsync, type PartitionOffset } from './checkpoint-file.js';
import { fsyncDir, fsyncDirSync, writeFileAtomicSync } from './file-util.js';
import { makeLogConfig, type LogConfig } from './log-config.js';
import { SegmentFdPool } from './log-segment.js';
import { PartitionLog } from './partition-log.js';

/** Kafka's clean shutdown marker in each log dir: present means no recovery is needed. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

/** Suffix of partition directories scheduled for deletion. */
const DELETE_DIR_SUFFIX = '-delete';

/** Topics whose directories belong to other subsystems (the KRaft metadata log). */
const DEFAULT_SKIPPED_TOPICS = ['__cluster_metadata'];

/** Options of LogManager.open. */
export interface LogManagerOptions {
  logDirs: string[];
  defaultConfig?: LogConfig;
  nowMs: bigint;
  /** Bound on open segment descriptors across all partitions. */
  maxOpenSegments?: number;
  /** Topic directories left alone (default: __cluster_metadata). */
  skipTopics?: string[];
}

/** A topic partition parsed from a directory name. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Parses `<topic>-<partition>` (topic may contain '-' and '.'); null for anything else. */
export function parseTopicPartitionDir(name: string): TopicPartition | null {
  const dash = name.lastIndexOf('-');
  if (dash <= 0) return null;
  const suffix = name.slice(dash + 1);
  if (!/^[0-9]+$/.test(suffix)) return null;
  const partition = Number(suffix);
  return Number.isSafeInteger(partition) && partition <= 0x7fffffff ? { topic: name.slice(0, dash), partition } : null;
}

interface LogDirState {
  dir: string;
  hadCleanShutdown: boolean;
  logs: Map<string, PartitionLog>;
}

/**
 * Owns every partition log across the configured log dirs: loads them at start (recovering after an
 * unclean shutdown), creates new ones on the least loaded dir, writes the log-dir checkpoints and the
 * clean shutdown marker. Storage owns no timers: the broker calls flushIfDue and checkpointAll.
 */
export class LogManager {
  private readonly dirs: LogDirState[] = [];
  private readonly fdPool: SegmentFdPool;
  private readonly defaultConfig: LogConfig;
  private nowMs: bigint;
  private closed = false;

  private constructor(options: LogManagerOptions) {
    assert(options.logDirs.length > 0, 'at least one log dir is required');
    this.fdPool = new SegmentFdPool(options.maxOpenSegments);
    this.defaultConfig = options.defaultConfig ?? makeLogConfig();
    this.nowMs = options.nowMs;
    const skip = new Set(options.skipTopics ?? DEFAULT_SKIPPED_TOPICS);
    for (const dir of options.logDirs) this.dirs.push(this.loadDir(path.resolve(dir), skip));
  }

  /** Opens every partition found in the log dirs, recovering them if the last shutdown was not clean. */
  static open(options: LogManagerOptions): LogManager {
    return new LogManager(options);
  }

  /** Absolute paths of the log dirs. */
  get logDirs(): string[] {
    return this.dirs.map((d) => d.dir);
  }

  /** Whether a log dir had the clean shutdown marker when opened. */
  hadCleanShutdown(dir: string): boolean {
    return this.dirs.find((d) => d.dir === path.resolve(dir))?.hadCleanShutdown ?? false;
  }

  /** The log of a partition, if this broker has it. */
  getLog(topic: string, partition: number): PartitionLog | undefined {
    for (const d of this.dirs) {
      const log = d.logs.get(`${topic}-${partition}`);
      if (log) return log;
    }
    return undefined;
  }

  /** All partition logs. */
  allLogs(): PartitionLog[] {
    return this.dirs.flatMap((d) => [...d.logs.values()]);
  }

  /** The log dir holding a partition, if any. */
  logDirOf(topic: string, partition: number): string | undefined {
    return this.dirs.find((d) => d.logs.has(`${topic}-${partition}`))?.dir;
  }

  /** Returns the partition's log, creating it on the log dir with the fewest partitions. */
  getOrCreateLog(topic: string, partition: number, topicId?: string, config?: LogConfig): PartitionLog {
    assert(!this.closed, 'log manager is closed');
    const existing = this.getLog(topic, partition);
    if (existing) {
      if (config) existing.updateConfig(config);
      return existing;
    }
    const target = this.dirs.reduce((best, d) => (d.logs.size < best.logs.size ? d : best));
    const log = this.openLog(target, { topic, partition }, config ?? this.defaultConfig, topicId, {});
    target.logs.set(`${topic}-${partition}`, log);
    return log;
  }

  /**
   * Deletes a partition: closes it, renames its directory to `<topic>-<partition>.<uuid>-delete`
   * (so a crash cannot resurrect it) and removes the files asynchronously.
   */
  async deletePartition(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    const d = this.dirs.find((x) => x.logs.has(key));
    if (!d) return;
    const log = d.logs.get(key)!;
    d.logs.delete(key);
    log.closeFiles();
    const doomed = path.join(d.dir, `${key}.${randomUUID().replaceAll('-', '')}${DELETE_DIR_SUFFIX}`);
    fs.renameSync(log.dir, doomed);
    // The fsyncs wait for the disk, which may be busy writing back gigabytes: off the event loop.
    await fsyncDir(d.dir);
    await this.serializeCheckpoints(() => this.checkpointDirAsync(d));
    await fs.promises.rm(doomed, { recursive: true, force: true });
  }

  /** Writes recovery-point, log-start-offset and replication-offset checkpoints of every log dir. */
  checkpointAll(): void {
    for (const d of this.dirs) this.checkpointDir(d);
  }

  /** Writes replication-offset-checkpoint (high watermarks) of every dir; fsyncs off the event loop. */
  checkpointHighWatermarks(): Promise<void> {
    return this.checkpointAsync(CheckpointFileName.REPLICATION_OFFSET, (log) => log.highWatermark);
  }

  /** Writes recovery-point-offset-checkpoint of every dir; fsyncs off the event loop. */
  checkpointRecoveryPoints(): Promise<void> {
    return this.checkpointAsync(CheckpointFileName.RECOVERY_POINT, (log) => log.recoveryPoint);
  }

  /** Writes log-start-offset-checkpoint of every dir; fsyncs off the event loop. */
  checkpointLogStartOffsetsAsync(): Promise<void> {
    return this.checkpointAsync(CheckpointFileName.LOG_START_OFFSET, (log) => log.logStartOffset);
  }

  /** Checkpoint text last written per file: an unchanged checkpoint is not rewritten. */
  private readonly lastWritten = new Map<string, string>();

  /** The asynchronous checkpoint writes, one after another (they share `<file>.async.tmp` names). */
  private checkpointChain: Promise<void> = Promise.resolve();

  /** Runs `write` after every checkpoint write queued before it; its failure reaches only its caller. */
  private serializeCheckpoints(write: () => Promise<void>): Promise<void> {
    const run = this.checkpointChain.then(write);
    this.checkpointChain = run.catch(() => undefined);
    return run;
  }

  private checkpointAsync(name: string, value: (log: PartitionLog) => bigint): Promise<void> {
    return this.serializeCheckpoints(() => this.writeCheckpointAsync(name, value));
  }

  private async writeCheckpointAsync(name: string, value: (log: PartitionLog) => bigint, dirs: readonly LogDirState[] = this.dirs): Promise<void> {
    if (this.closed) return;
    await Promise.all(
      dirs.map(async (d) => {
        const file = path.join(d.dir, name);
        const entries = [...d.logs.values()].map((log) => ({ topic: log.topic, partition: log.partition, offset: value(log) }));
        const text = formatCheckpoint(entries.map((e) => `${e.topic} ${e.partition} ${e.offset}`));
        if (this.lastWritten.get(file) === text) return;
        const syncWritesBefore = this.syncLogStartOffsetWrites;
        try {
          await writeOffsetCheckpointAsync(file, entries);
          this.lastWritten.set(file, text);
        } finally {
          // A DeleteRecords while this write waited for the disk checkpointed newer log start
          // offsets synchronously; this older text may have been renamed over them: write them again.
          if (name === CheckpointFileName.LOG_START_OFFSET && this.syncLogStartOffsetWrites !== syncWritesBefore && !this.closed) this.checkpointLogStartOffsets(d);
        }
      }),
    );
  }

  /** Runs flush.ms and producer expiration on every log. */
  async flushIfDue(nowMs: bigint): Promise<void> {
    this.nowMs = nowMs;
    await Promise.all(this.allLogs().map((log) => log.flushIfDue(nowMs)));
  }

  /** Flushes every log, writes producer snapshots and checkpoints, then the clean shutdown marker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.checkpointChain;
    for (const d of this.dirs) {
      const results = await Promise.allSettled([...d.logs.values()].map((log) => log.close()));
      this.checkpointDir(d);
      if (results.every((r) => r.status === 'fulfilled')) writeFileAtomicSync(path.join(d.dir, CLEAN_SHUTDOWN_FILE), '');
    }
  }

  private loadDir(dir: string, skip: ReadonlySet<string>): LogDirState {
    fs.mkdirSync(dir, { recursive: true });
    const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
    const state: LogDirState = { dir, hadCleanShutdown: fs.existsSync(marker), logs: new Map() };
    const checkpoints = {
      recovery: readOffsetCheckpoint(path.join(dir, CheckpointFileName.RECOVERY_POINT)),
      logStart: readOffsetCheckpoint(path.join(dir, CheckpointFileName.LOG_START_OFFSET)),
      highWatermark: readOffsetCheckpoint(path.join(dir, CheckpointFileName.REPLICATION_OFFSET)),
    };
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      if (entry.name.endsWith(DELETE_DIR_SUFFIX)) {
        fs.rmSync(path.join(dir, entry.name), { recursive: true, force: true });
        continue;
      }
      const tp = parseTopicPartitionDir(entry.name);
      if (!tp || skip.has(tp.topic)) continue;
      const key = `${tp.topic}-${tp.partition}`;
      if (this.getLog(tp.topic, tp.partition)) throw new Error(`Partition ${key} found in two log dirs, ${dir} and ${this.logDirOf(tp.topic, tp.partition)}: remove one copy.`);
      const offsets = { recoveryPoint: checkpoints.recovery.get(key), logStartOffset: checkpoints.logStart.get(key), highWatermark: checkpoints.highWatermark.get(key) };
      state.logs.set(key, this.openLog(state, tp, this.defaultConfig, undefined, offsets));
    }
    if (state.hadCleanShutdown) {
      fs.rmSync(marker, { force: true });
      fsyncDirSync(dir);
    }
    return state;
  }

  private openLog(d: LogDirState, tp: TopicPartition, config: LogConfig, topicId: string | undefined, offsets: { recoveryPoint?: bigint; logStartOffset?: bigint; highWatermark?: bigint }): PartitionLog {
    return PartitionLog.open({
      dir: path.join(d.dir, `${tp.topic}-${tp.partition}`),
      topic: tp.topic,
      partition: tp.partition,
      ...(topicId !== undefined ? { topicId } : {}),
      config,
      hadCleanShutdown: d.hadCleanShutdown,
      ...offsets,
      nowMs: this.nowMs,
      fdPool: this.fdPool,
      onLogStartOffsetChanged: () => this.checkpointLogStartOffsets(d),
    });
  }

  private checkpointDir(d: LogDirState): void {
    this.lastWritten.clear();
    const logs = [...d.logs.values()];
    const entries = (value: (log: PartitionLog) => bigint): PartitionOffset[] =>
      logs.map((log) => ({ topic: log.topic, partition: log.partition, offset: value(log) }));
    writeOffsetCheckpoint(path.join(d.dir, CheckpointFileName.RECOVERY_POINT), entries((log) => log.recoveryPoint));
    writeOffsetCheckpoint(path.join(d.dir, CheckpointFileName.REPLICATION_OFFSET), entries((log) => log.highWatermark));
    this.checkpointLogStartOffsets(d);
  }

  /** checkpointDir without blocking the event loop; run through serializeCheckpoints. */
  private async checkpointDirAsync(d: LogDirState): Promise<void> {
    await this.writeCheckpointAsync(CheckpointFileName.RECOVERY_POINT, (log) => log.recoveryPoint, [d]);
    await this.writeCheckpointAsync(CheckpointFileName.REPLICATION_OFFSET, (log) => log.highWatermark, [d]);
    await this.writeCheckpointAsync(CheckpointFileName.LOG_START_OFFSET, (log) => log.logStartOffset, [d]);
  }

  /** Synchronous log-start-offset checkpoints so far (see writeCheckpointAsync). */
  private syncLogStartOffsetWrites = 0;

  private checkpointLogStartOffsets(d: LogDirState): void {
    this.syncLogStartOffsetWrites++;
    this.lastWritten.delete(path.join(d.dir, CheckpointFileName.LOG_START_OFFSET));
    const entries = [...d.logs.values()].map((log) => ({ topic: log.topic, partition: log.partition, offset: log.logStartOffset }));
    writeOffsetCheckpoint(path.join(d.dir, CheckpointFileName.LOG_START_OFFSET), entries);
  }
}
