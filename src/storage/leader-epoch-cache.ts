import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/assert.js';
import { CheckpointFileName, formatCheckpoint, parseCheckpoint } from './checkpoint-file.js';
import { writeFileAtomicSync } from './file-util.js';

/** One leader epoch and the first offset written in it. */
export interface EpochEntry {
  epoch: number;
  startOffset: bigint;
}

/** Answer to OffsetForLeaderEpoch: the epoch found (<= requested) and where it ends; -1/-1 if none. */
export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: bigint;
}

/** Upper bound on cached epochs; older entries are dropped (they are far below the log start in practice). */
const MAX_EPOCH_ENTRIES = 10_000;

/**
 * Kafka's LeaderEpochFileCache: epochs with strictly increasing epoch and start offset,
 * persisted to `leader-epoch-checkpoint` in the partition directory on every change.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];

  private constructor(private readonly file: string, entries: EpochEntry[]) {
    this.entries = entries;
  }

  /** Loads the cache from `<partitionDir>/leader-epoch-checkpoint` (empty if missing). */
  static load(partitionDir: string): LeaderEpochCache {
    const file = path.join(partitionDir, CheckpointFileName.LEADER_EPOCH);
    const entries: EpochEntry[] = [];
    if (fs.existsSync(file)) {
      for (const [epoch, offset] of parseCheckpoint(fs.readFileSync(file, 'utf8'), 2, file)) {
        entries.push({ epoch: Number(epoch), startOffset: BigInt(offset!) });
      }
    }
    return new LeaderEpochCache(file, entries);
  }

  /** All entries, oldest first. */
  list(): readonly EpochEntry[] {
    return this.entries;
  }

  /** The latest epoch, or -1 when empty. */
  latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? -1;
  }

  /**
   * Records that `epoch` starts at `startOffset`. Ignored if not newer than the latest epoch;
   * entries with a start offset >= startOffset are replaced (Kafka's assign semantics).
   */
  assignEpochStartOffset(epoch: number, startOffset: bigint): void {
    assert(epoch >= 0 && startOffset >= 0n, `invalid epoch entry ${epoch}@${startOffset}`);
    const latest = this.entries.at(-1);
    if (latest && (epoch < latest.epoch || (epoch === latest.epoch && startOffset >= latest.startOffset))) return;
    this.entries = this.entries.filter((e) => e.epoch < epoch && e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    if (this.entries.length > MAX_EPOCH_ENTRIES) this.entries.splice(0, this.entries.length - MAX_EPOCH_ENTRIES);
    this.persist();
  }

  /**
   * Kafka's endOffsetFor: the largest epoch <= `epoch` and the start offset of the next epoch
   * (or `logEndOffset` if it is the latest). Unknown/too-old epochs give -1/-1.
   */
  endOffsetForEpoch(epoch: number, logEndOffset: bigint): EpochEndOffset {
    const latest = this.entries.at(-1);
    if (!latest || epoch < this.entries[0]!.epoch) return { leaderEpoch: -1, endOffset: -1n };
    if (epoch >= latest.epoch) return { leaderEpoch: latest.epoch, endOffset: logEndOffset };
    let i = this.entries.length - 1;
    while (i > 0 && this.entries[i]!.epoch > epoch) i--;
    return { leaderEpoch: this.entries[i]!.epoch, endOffset: this.entries[i + 1]!.startOffset };
  }

  /** Drops entries starting at or after `endOffset` (log truncated to `endOffset`). */
  truncateFromEnd(endOffset: bigint): void {
    const kept = this.entries.filter((e) => e.startOffset < endOffset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    this.persist();
  }

  /** Drops entries wholly below `startOffset` and moves the first kept entry's start up to it. */
  truncateFromStart(startOffset: bigint): void {
    let firstKept = 0;
    while (firstKept + 1 < this.entries.length && this.entries[firstKept + 1]!.startOffset <= startOffset) firstKept++;
    const first = this.entries[firstKept];
    if (!first || (firstKept === 0 && first.startOffset >= startOffset)) return;
    this.entries = [{ epoch: first.epoch, startOffset }, ...this.entries.slice(firstKept + 1)];
    this.persist();
  }

  /** Removes every entry. */
  clear(): void {
    this.entries = [];
    this.persist();
  }

  private persist(): void {
    writeFileAtomicSync(this.file, formatCheckpoint(this.entries.map((e) => `${e.epoch} ${e.startOffset}`)));
  }
}
