import fs from 'node:fs';
import path from 'node:path';
import type { LogConfig } from './log-config.js';
import { LogSegment, SegmentFdPool, SegmentFileSuffix } from './log-segment.js';
import { parseOffsetFileName } from './file-util.js';

/** Leftovers of interrupted operations (Kafka's suffixes plus our own atomic-write temp files). */
const STRAY_SUFFIXES = ['.tmp', '.deleted', '.cleaned', '.swap'];

/**
 * Opens the segments of a partition directory, as Kafka's LogLoader does. After a clean shutdown
 * segments are loaded with index sanity checks only; otherwise every segment that may hold offsets
 * at or past `recoveryPoint` is recovered (CRC-checked, truncated at the first invalid batch, indexes
 * rebuilt, fsynced). A truncation deletes all later segments. Any segment whose indexes fail their
 * checks is recovered too.
 */
export function openSegments(dir: string, config: LogConfig, pool: SegmentFdPool, hadCleanShutdown: boolean, recoveryPoint: bigint): LogSegment[] {
  const segments = listSegmentBaseOffsets(dir).map((base) => LogSegment.open(dir, base, config, pool));
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const nextBase = segments[i + 1]?.baseOffset;
    const mayHoldUnflushed = !hadCleanShutdown && (nextBase === undefined || nextBase > recoveryPoint);
    if (!mayHoldUnflushed && segment.loadClean()) continue;
    const truncatedBytes = segment.recover();
    segment.flushSync();
    if (truncatedBytes > 0 || (nextBase !== undefined && segment.nextOffset > nextBase)) {
      for (const later of segments.splice(i + 1)) later.delete();
    }
  }
  for (const segment of segments.slice(0, -1)) segment.releaseFd();
  return segments;
}

/** Base offsets of the `.log` files in `dir`, ascending; removes stray and orphan files first. */
function listSegmentBaseOffsets(dir: string): bigint[] {
  const names = fs.readdirSync(dir);
  const bases = new Set<bigint>();
  for (const name of names) {
    if (STRAY_SUFFIXES.some((suffix) => name.endsWith(suffix))) fs.rmSync(path.join(dir, name), { force: true });
    const base = parseOffsetFileName(name, SegmentFileSuffix.LOG);
    if (base !== null) bases.add(base);
  }
  for (const name of names) {
    const base = parseOffsetFileName(name, SegmentFileSuffix.INDEX) ?? parseOffsetFileName(name, SegmentFileSuffix.TIME_INDEX);
    if (base !== null && !bases.has(base)) fs.rmSync(path.join(dir, name), { force: true });
  }
  return [...bases].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
