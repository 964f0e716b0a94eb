// The durable side of one voter's raft log: `__cluster_metadata-0` as a PartitionLog of
// single-entry record batches plus KIP-630 snapshot files beside it. The driver calls it while it
// executes a Ready (append, truncate, flush, snapshot install) and when it restarts (load).
import { promises as fsp, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PartitionLog, makeLogConfig } from '../../storage/index.js';
import type { LogEntry, Snapshot, SnapshotId } from '../../raft/index.js';
import {
  METADATA_PARTITION, METADATA_TOPIC, decodeEntryBatches, decodeSnapshotFile, encodeEntryBatch, type LeaderChangeInfo,
} from './metadata-batches.js';
import { fsyncDir, writeFileDurably } from './quorum-state-file.js';

/** Bytes read per step while loading the log at start. */
const LOAD_READ_BYTES = 1024 * 1024;
const SNAPSHOT_SUFFIX = '.checkpoint';
const SNAPSHOT_PARTIAL_SUFFIX = '.checkpoint.part';
const SNAPSHOT_NAME = /^(\d{20})-(\d{10})\.checkpoint$/;

/** Kafka's snapshot file name: `<20-digit end offset>-<10-digit epoch>.checkpoint`. */
export function snapshotFileName(id: SnapshotId): string {
  return `${id.endOffset.toString().padStart(20, '0')}-${id.epoch.toString().padStart(10, '0')}${SNAPSHOT_SUFFIX}`;
}

/** What a restart recovers: log entries above the snapshot, and the snapshot (file bytes and data). */
export interface LoadedLog {
  entries: LogEntry[];
  /** The latest snapshot; `data` is the whole file (what FetchSnapshot transfers). */
  snapshot: Snapshot | null;
  /** The state-machine data inside the snapshot file. */
  snapshotData: Buffer | null;
}

/** Options of the store. */
export interface RaftLogStoreOptions {
  /** `<metadata.log.dir>/__cluster_metadata-0`. */
  dir: string;
  /** metadata.log.segment.bytes. */
  segmentBytes: number;
  /** The LeaderChange content of a control entry (its epoch's leader), for entries without stored bytes. */
  leaderChangeOf: (entry: LogEntry) => LeaderChangeInfo;
  log: (message: string) => void;
}

/** The raft log on disk. Not safe for concurrent calls: the driver serializes them. */
export class RaftLogStore {
  /** The exact batch of each entry that came from disk or the wire (or was encoded once). */
  private readonly batches = new WeakMap<LogEntry, Buffer>();
  private durableEnd: bigint;
  private closed = false;

  private constructor(private readonly options: RaftLogStoreOptions, private log: PartitionLog) {
    this.durableEnd = log.logEndOffset;
  }

  /** Opens (creating) the directory, recovers the log and loads the latest snapshot. */
  static async open(options: RaftLogStoreOptions): Promise<{ store: RaftLogStore; loaded: LoadedLog }> {
    mkdirSync(options.dir, { recursive: true });
    for (const name of readdirSync(options.dir)) {
      if (name.endsWith(SNAPSHOT_PARTIAL_SUFFIX) || name.endsWith('.checkpoint.deleted')) rmSync(join(options.dir, name), { force: true });
    }
    const snapshotId = latestSnapshotId(options.dir);
    let snapshot: Snapshot | null = null;
    let snapshotData: Buffer | null = null;
    if (snapshotId) {
      const file = join(options.dir, snapshotFileName(snapshotId));
      const bytes = await fsp.readFile(file);
      try {
        snapshotData = await decodeSnapshotFile(bytes);
      } catch (err) {
        throw new Error(`snapshot ${file} is unreadable (${(err as Error).message}); remove it to fetch one from the leader.`);
      }
      snapshot = { ...snapshotId, data: bytes };
    }
    const log = openLog(options, snapshotId?.endOffset);
    const store = new RaftLogStore(options, log);
    const entries = await store.loadEntries(snapshot);
    return { store, loaded: { entries, snapshot, snapshotData } };
  }

  /** The log end offset on disk (written, maybe not yet durable). */
  get endOffset(): bigint {
    return this.log.logEndOffset;
  }

  /** The batch of an entry: the bytes it arrived with, else encoded now (and kept). */
  batchOf(entry: LogEntry): Buffer {
    let batch = this.batches.get(entry);
    if (!batch) {
      batch = encodeEntryBatch(entry, Date.now(), entry.control ? this.options.leaderChangeOf(entry) : undefined);
      this.batches.set(entry, batch);
    }
    return batch;
  }

  /** Keeps the batch an entry was decoded from, so it is stored and served byte for byte. */
  remember(entry: LogEntry, batch: Buffer): void {
    this.batches.set(entry, batch);
  }

  /** Appends entries (page cache only; `flush` makes them durable). */
  append(entries: readonly LogEntry[]): void {
    const nowMs = BigInt(Date.now());
    for (const entry of entries) {
      if (entry.offset !== this.log.logEndOffset) {
        throw new Error(`raft appends offset ${entry.offset} but ${METADATA_TOPIC}-0 ends at ${this.log.logEndOffset}`);
      }
      this.log.appendAsFollower(this.batchOf(entry), nowMs);
    }
  }

  /** Truncates to `offset` durably (the truncated segment and the directory are fsynced). */
  async truncateTo(offset: bigint): Promise<void> {
    if (!this.log.truncateTo(offset)) return;
    await this.log.flush();
    await fsyncDir(this.options.dir);
    if (this.durableEnd > offset) this.durableEnd = offset;
  }

  /** fsyncs what was appended; resolves with the durable end offset. */
  async flush(): Promise<bigint> {
    const end = this.log.logEndOffset;
    if (end === this.durableEnd) return end;
    await this.log.flush();
    this.durableEnd = end;
    return end;
  }

  /**
   * Installs a snapshot fetched from the leader (`snapshot.data` is the whole file): the file is
   * made durable first, then the log restarts empty at its end offset, then older snapshots go.
   */
  async installSnapshot(snapshot: Snapshot): Promise<Buffer> {
    const data = await decodeSnapshotFile(snapshot.data);
    await this.writeSnapshotFile(snapshot);
    this.log.truncateFullyAndStartAt(snapshot.endOffset);
    await this.log.flush();
    await fsyncDir(this.options.dir);
    this.durableEnd = snapshot.endOffset;
    this.deleteSnapshotsBefore(snapshot);
    return data;
  }

  /** Persists a locally taken snapshot (whole file bytes in `snapshot.data`). */
  async writeSnapshotFile(snapshot: Snapshot): Promise<void> {
    const file = join(this.options.dir, snapshotFileName(snapshot));
    await writeFileDurably(file, snapshot.data, '.part');
  }

  /** After a snapshot is durable: drops log segments wholly below it and older snapshot files. */
  compactTo(snapshot: SnapshotId, highWatermark: bigint): void {
    const hw = highWatermark < this.log.logEndOffset ? highWatermark : this.log.logEndOffset;
    if (hw > this.log.highWatermark) this.log.highWatermark = hw;
    if (snapshot.endOffset <= this.log.highWatermark) this.log.deleteRecordsBefore(snapshot.endOffset);
    this.deleteSnapshotsBefore(snapshot);
  }

  /** Flushes and closes the log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.log.close();
  }

  /**
   * A crash: closes every file without flushing, then drops what was never fsynced (as a power
   * loss would), so a restart sees only what the driver reported durable.
   */
  kill(): void {
    if (this.closed) return;
    this.closed = true;
    this.log.closeFiles();
    if (this.durableEnd < this.log.logEndOffset) {
      const reopened = openLog(this.options, undefined);
      reopened.truncateTo(this.durableEnd);
      reopened.closeFiles();
    }
  }

  /** Reads every entry from the snapshot's end (or the log start) to the log end. */
  private async loadEntries(snapshot: Snapshot | null): Promise<LogEntry[]> {
    const start = snapshot?.endOffset ?? 0n;
    const log = this.log;
    if (snapshot && (log.logEndOffset < start || log.logStartOffset > start)) {
      // The log does not reach the snapshot contiguously: restart it at the snapshot (Kafka does the same).
      log.truncateFullyAndStartAt(start);
      await log.flush();
    } else if (!snapshot && log.logStartOffset > 0n) {
      throw new Error(`${this.options.dir} starts at offset ${log.logStartOffset} but has no snapshot; remove the directory to refetch the log.`);
    }
    const entries: LogEntry[] = [];
    let offset = start;
    const end = log.logEndOffset;
    while (offset < end) {
      const read = log.read(offset, LOAD_READ_BYTES, end, true);
      if (read.batches.length === 0) break;
      for (const view of read.batches) {
        for (const { entry, batch } of await decodeEntryBatches(view)) {
          if (entry.offset < start) continue;
          const previous = entries.at(-1)?.epoch ?? snapshot?.epoch ?? 0;
          if (entry.offset !== start + BigInt(entries.length) || entry.epoch < previous) {
            this.options.log(`${METADATA_TOPIC}-0: entry ${entry.offset} (epoch ${entry.epoch}) breaks the log at ${start + BigInt(entries.length)}; truncating there`);
            await this.truncateTo(start + BigInt(entries.length));
            return entries;
          }
          if (batch) this.batches.set(entry, batch);
          entries.push(entry);
        }
        offset = start + BigInt(entries.length);
      }
    }
    this.durableEnd = log.logEndOffset;
    return entries;
  }

  private deleteSnapshotsBefore(snapshot: SnapshotId): void {
    for (const name of readdirSync(this.options.dir)) {
      const m = SNAPSHOT_NAME.exec(name);
      if (m && BigInt(m[1]!) < snapshot.endOffset) rmSync(join(this.options.dir, name), { force: true });
    }
  }
}

function openLog(options: RaftLogStoreOptions, logStartOffset: bigint | undefined): PartitionLog {
  return PartitionLog.open({
    dir: options.dir,
    topic: METADATA_TOPIC,
    partition: METADATA_PARTITION,
    config: makeLogConfig({ segmentBytes: options.segmentBytes }),
    // The metadata log is small: always recover it fully.
    hadCleanShutdown: false,
    ...(logStartOffset !== undefined ? { logStartOffset } : {}),
    nowMs: BigInt(Date.now()),
  });
}

/** The newest complete snapshot file in `dir`, by end offset. */
function latestSnapshotId(dir: string): SnapshotId | null {
  let best: SnapshotId | null = null;
  for (const name of readdirSync(dir)) {
    const m = SNAPSHOT_NAME.exec(name);
    if (!m) continue;
    const id = { endOffset: BigInt(m[1]!), epoch: Number(m[2]!) };
    if (!best || id.endOffset > best.endOffset || (id.endOffset === best.endOffset && id.epoch > best.epoch)) best = id;
  }
  return best;
}
