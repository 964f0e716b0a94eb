/** Shared assertions over records read back from a broker. */
import assert from 'node:assert/strict';

/** Anything located at a (partition, offset). */
export interface Located {
  readonly partition: number;
  readonly offset: number;
}

/** Groups records by partition, keeping their order. */
export function byPartition<T extends Located>(records: readonly T[]): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const r of records) {
    let list = groups.get(r.partition);
    if (list === undefined) groups.set(r.partition, (list = []));
    list.push(r);
  }
  return groups;
}

/**
 * Within each partition, offsets appear in read order as first, first+1, ... (no gap, no
 * repeat, no reordering). `first` defaults to 0.
 */
export function assertContiguousOffsets(records: readonly Located[], first: (partition: number) => number = () => 0): void {
  for (const [partition, list] of byPartition(records)) {
    const start = first(partition);
    list.forEach((r, i) => {
      if (r.offset !== start + i) {
        assert.fail(`partition ${partition}: record #${i} has offset ${r.offset}, expected ${start + i} ` +
          `(offsets around it: ${list.slice(Math.max(0, i - 3), i + 3).map((x) => x.offset).join(', ')})`);
      }
    });
  }
}

/** Within each partition, `seq(record)` strictly increases in offset order (producer order kept). */
export function assertProducerOrderPerPartition<T extends Located>(records: readonly T[], seq: (r: T) => number): void {
  for (const [partition, list] of byPartition(records)) {
    const sorted = [...list].sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < sorted.length; i++) {
      const prev = seq(sorted[i - 1]!);
      const cur = seq(sorted[i]!);
      if (!(cur > prev)) {
        assert.fail(`partition ${partition}: producer order broken at offset ${sorted[i]!.offset}: ` +
          `sequence ${cur} follows ${prev}`);
      }
    }
  }
}

/** Each key maps to exactly one partition; returns the key → partition map. */
export function assertOnePartitionPerKey<T extends Located>(records: readonly T[], key: (r: T) => string | null): Map<string, number> {
  const seen = new Map<string, number>();
  for (const r of records) {
    const k = key(r);
    if (k === null) continue;
    const p = seen.get(k);
    if (p === undefined) seen.set(k, r.partition);
    else if (p !== r.partition) assert.fail(`key ${JSON.stringify(k)} found in partitions ${p} and ${r.partition}`);
  }
  return seen;
}

/** Short description of the first differences between two string sets, for failure messages. */
export function setDifference(expected: Iterable<string>, actual: Iterable<string>, limit = 10): string {
  const exp = new Set(expected);
  const act = new Set(actual);
  const missing = [...exp].filter((x) => !act.has(x));
  const extra = [...act].filter((x) => !exp.has(x));
  return `missing ${missing.length} (e.g. ${JSON.stringify(missing.slice(0, limit))}), ` +
    `unexpected ${extra.length} (e.g. ${JSON.stringify(extra.slice(0, limit))})`;
}
