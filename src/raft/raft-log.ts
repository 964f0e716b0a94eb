// The in-memory view of one voter's replicated log: entries above the latest snapshot plus an
// epoch cache (Kafka's LeaderEpochFileCache) for DivergingEpoch validation and truncation.
// Pure data structure; durability is the caller's job (Ready.append / truncateTo / snapshots).
import { assert } from '../common/index.js';
import type { EpochEndOffset, LogEntry, SnapshotId } from './types.js';

/** The outcome of validating a follower's (fetchOffset, lastFetchedEpoch) against this log. */
export type OffsetValidation =
  | { kind: 'valid' }
  | { kind: 'diverging'; divergingEpoch: EpochEndOffset }
  | { kind: 'snapshot'; snapshotId: SnapshotId };

interface EpochStart {
  epoch: number;
  startOffset: bigint;
}

/** A contiguous log [startOffset, endOffset) above an optional snapshot. */
export class RaftLog {
  private entries: LogEntry[] = [];
  private start: bigint;
  private snapshot: SnapshotId | null;
  /** Epochs of the retained entries, ascending; startOffset ≥ start. */
  private epochs: EpochStart[] = [];

  constructor(snapshot: SnapshotId | null, entries: readonly LogEntry[]) {
    assert(snapshot === null || snapshot.endOffset > 0n, 'a snapshot must cover at least one entry');
    this.snapshot = snapshot;
    this.start = snapshot?.endOffset ?? 0n;
    this.append(entries);
  }

  get startOffset(): bigint {
    return this.start;
  }

  get endOffset(): bigint {
    return this.start + BigInt(this.entries.length);
  }

  /** The latest snapshot (the log starts at its end offset), or null. */
  get snapshotId(): SnapshotId | null {
    return this.snapshot;
  }

  /** Epoch of the last entry (the snapshot's epoch when the log is empty; 0 for nothing). */
  get lastEpoch(): number {
    return this.epochs.at(-1)?.epoch ?? this.snapshot?.epoch ?? 0;
  }

  /** The entry at `offset`, if retained. */
  entryAt(offset: bigint): LogEntry | undefined {
    if (offset < this.start || offset >= this.endOffset) return undefined;
    return this.entries[Number(offset - this.start)];
  }

  /** Epoch of the entry at `offset` (also for the snapshot's last offset), or -1 when unknown. */
  epochAt(offset: bigint): number {
    if (this.snapshot && offset === this.snapshot.endOffset - 1n) return this.snapshot.epoch;
    return this.entryAt(offset)?.epoch ?? -1;
  }

  /** Appends contiguous entries whose epochs never decrease. */
  append(entries: readonly LogEntry[]): void {
    for (const entry of entries) {
      assert(entry.offset === this.endOffset, `append at ${entry.offset} but log end is ${this.endOffset}`);
      assert(entry.epoch >= this.lastEpoch, `append of epoch ${entry.epoch} after epoch ${this.lastEpoch}`);
      if (entry.epoch > (this.epochs.at(-1)?.epoch ?? -1)) this.epochs.push({ epoch: entry.epoch, startOffset: entry.offset });
      this.entries.push(entry);
    }
  }

  /** Removes every entry at or above `offset`. */
  truncateTo(offset: bigint): void {
    assert(offset >= this.start, `truncation to ${offset} below log start ${this.start}`);
    if (offset >= this.endOffset) return;
    this.entries.length = Number(offset - this.start);
    while (this.epochs.length > 0 && this.epochs.at(-1)!.startOffset >= offset) this.epochs.pop();
  }

  /** Entries from `offset` up to about `maxBytes` of data (at least one entry if any). */
  slice(offset: bigint, maxBytes: number, maxEntries = 10_000): LogEntry[] {
    assert(offset >= this.start && offset <= this.endOffset, `slice at ${offset} outside [${this.start}, ${this.endOffset}]`);
    const out: LogEntry[] = [];
    let bytes = 0;
    for (let i = Number(offset - this.start); i < this.entries.length && out.length < maxEntries; i++) {
      const entry = this.entries[i]!;
      if (out.length > 0 && bytes + entry.data.length > maxBytes) break;
      bytes += entry.data.length;
      out.push(entry);
    }
    return out;
  }

  /**
   * Kafka's endOffsetForEpoch: the largest epoch ≤ `epoch` that this log knows, and the offset where
   * it ends (the start of the next epoch, or the log end). {0, startOffset} when nothing qualifies.
   */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    for (let i = this.epochs.length - 1; i >= 0; i--) {
      const e = this.epochs[i]!;
      if (e.epoch <= epoch) return { epoch: e.epoch, endOffset: this.epochs[i + 1]?.startOffset ?? this.endOffset };
    }
    if (this.snapshot && this.snapshot.epoch <= epoch) return { epoch: this.snapshot.epoch, endOffset: this.start };
    return { epoch: 0, endOffset: this.start };
  }

  /** Leader side: is a follower whose log ends at (offset, epoch of its last entry) a prefix of this log? */
  validateOffsetAndEpoch(offset: bigint, epoch: number): OffsetValidation {
    if (this.snapshot) {
      const s = this.snapshot;
      if (offset < this.start || (offset === this.start && epoch !== s.epoch) || epoch < s.epoch) return { kind: 'snapshot', snapshotId: { ...s } };
    } else if (offset === 0n) {
      return { kind: 'valid' };
    }
    const end = this.endOffsetForEpoch(epoch);
    if (end.epoch !== epoch || end.endOffset < offset) return { kind: 'diverging', divergingEpoch: end };
    return { kind: 'valid' };
  }

  /** Follower side: where to truncate given the leader's DivergingEpoch (Kafka's truncateToEndOffset). */
  truncationOffsetFor(diverging: EpochEndOffset): bigint {
    let offset: bigint;
    if (diverging.epoch === 0) {
      offset = diverging.endOffset < this.endOffset ? diverging.endOffset : this.endOffset;
    } else {
      const local = this.endOffsetForEpoch(diverging.epoch);
      if (local.epoch === diverging.epoch) offset = local.endOffset < diverging.endOffset ? local.endOffset : diverging.endOffset;
      else offset = local.endOffset;
    }
    return offset < this.start ? this.start : offset;
  }

  /** Drops entries below a snapshot taken at `snapshot.endOffset` (which this log contains). */
  compact(snapshot: SnapshotId): void {
    assert(snapshot.endOffset > this.start && snapshot.endOffset <= this.endOffset, `snapshot at ${snapshot.endOffset} outside (${this.start}, ${this.endOffset}]`);
    assert(this.epochAt(snapshot.endOffset - 1n) === snapshot.epoch, 'snapshot epoch differs from the log');
    const end = this.endOffset;
    this.entries = this.entries.slice(Number(snapshot.endOffset - this.start));
    this.start = snapshot.endOffset;
    this.snapshot = { ...snapshot };
    const kept: EpochStart[] = [];
    for (let i = 0; i < this.epochs.length; i++) {
      const e = this.epochs[i]!;
      const epochEnd = this.epochs[i + 1]?.startOffset ?? end;
      if (epochEnd <= this.start) continue;
      kept.push({ epoch: e.epoch, startOffset: e.startOffset < this.start ? this.start : e.startOffset });
    }
    this.epochs = kept;
  }

  /** Replaces the whole log with an installed snapshot. */
  reset(snapshot: SnapshotId): void {
    assert(snapshot.endOffset > 0n, 'a snapshot must cover at least one entry');
    this.entries = [];
    this.epochs = [];
    this.start = snapshot.endOffset;
    this.snapshot = { ...snapshot };
  }
}
