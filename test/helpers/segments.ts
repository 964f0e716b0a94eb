/**
 * Reads partition segment files (`<logDir>/<topic>-<partition>/<20-digit offset>.log`) the way an
 * offline checker would: walks v2 record batch headers, checks CRC-32C, and reports where the
 * valid prefix ends. Independent of the broker's own code on purpose.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Header fields of one record batch in a segment file. */
export interface BatchInfo {
  /** Byte position of the batch in the file. */
  readonly position: number;
  /** Total size in bytes (12-byte prefix + batchLength). */
  readonly sizeBytes: number;
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly magic: number;
  /** Compression codec from the attributes: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  readonly compression: number;
  readonly recordCount: number;
  readonly crcValid: boolean;
}

/** Result of {@link scanSegment}. */
export interface SegmentScan {
  readonly sizeBytes: number;
  /** The valid batches, in file order, up to the first invalid or incomplete one. */
  readonly batches: BatchInfo[];
  /** Byte position where the valid prefix ends (== sizeBytes when the whole file is valid). */
  readonly validEndBytes: number;
  /** Why scanning stopped before the end of the file, if it did. */
  readonly stopReason: string | undefined;
}

const BATCH_PREFIX_BYTES = 12; // baseOffset int64 + batchLength int32
const V2_HEADER_BYTES = 61;

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli) as used by v2 record batches. */
export function crc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32C_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Scans one segment file's bytes. */
export function scanSegmentBytes(file: Buffer): SegmentScan {
  const batches: BatchInfo[] = [];
  let position = 0;
  let stopReason: string | undefined;
  while (position < file.length) {
    if (file.length - position < BATCH_PREFIX_BYTES) {
      stopReason = `incomplete batch prefix at ${position}`;
      break;
    }
    const baseOffset = file.readBigInt64BE(position);
    const batchLength = file.readInt32BE(position + 8);
    const sizeBytes = BATCH_PREFIX_BYTES + batchLength;
    if (batchLength < V2_HEADER_BYTES - BATCH_PREFIX_BYTES) {
      stopReason = `batch length ${batchLength} too small at ${position}`;
      break;
    }
    if (position + sizeBytes > file.length) {
      stopReason = `batch at ${position} of ${sizeBytes} bytes runs past the end (${file.length})`;
      break;
    }
    const magic = file.readInt8(position + 16);
    if (magic !== 2) {
      stopReason = `magic ${magic} at ${position}`;
      break;
    }
    const crc = file.readUInt32BE(position + 17);
    const crcValid = crc32c(file.subarray(position + 21, position + sizeBytes)) === crc;
    if (!crcValid) {
      stopReason = `CRC mismatch in batch at ${position}`;
      break;
    }
    const attributes = file.readInt16BE(position + 21);
    const lastOffsetDelta = file.readInt32BE(position + 23);
    batches.push({
      position,
      sizeBytes,
      baseOffset,
      lastOffset: baseOffset + BigInt(lastOffsetDelta),
      magic,
      compression: attributes & 0x07,
      recordCount: file.readInt32BE(position + 57),
      crcValid,
    });
    position += sizeBytes;
  }
  return { sizeBytes: file.length, batches, validEndBytes: position, stopReason };
}

/** Scans one segment file. */
export function scanSegment(path: string): SegmentScan {
  return scanSegmentBytes(readFileSync(path));
}

/** Directory of a partition in a log dir. */
export function partitionDir(logDir: string, topic: string, partition: number): string {
  return join(logDir, `${topic}-${partition}`);
}

/** Paths of a partition's `.log` segments, ordered by base offset (last = active segment). */
export function segmentFiles(logDir: string, topic: string, partition: number): string[] {
  const dir = partitionDir(logDir, topic, partition);
  return readdirSync(dir)
    .filter((name) => /^\d{20}\.log$/.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** A partition's segments' bytes, concatenated in offset order (to compare replicas byte for byte). */
export function partitionLogBytes(logDir: string, topic: string, partition: number): Buffer {
  return Buffer.concat(segmentFiles(logDir, topic, partition).map((path) => readFileSync(path)));
}

/** Codec names by attribute value. */
export const COMPRESSION_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** One-paragraph summary of a partition's files and batches, for failure messages. */
export function describePartitionOnDisk(logDir: string, topic: string, partition: number): string {
  const dir = partitionDir(logDir, topic, partition);
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (err) {
    return `${dir}: ${(err as Error).message}`;
  }
  const lines = [`${dir}: ${names.join(', ')}`];
  for (const file of segmentFiles(logDir, topic, partition)) {
    const scan = scanSegment(file);
    const first = scan.batches[0];
    const last = scan.batches.at(-1);
    lines.push(`  ${file.slice(dir.length + 1)}: ${scan.sizeBytes} bytes, ${scan.batches.length} valid batches` +
      (first && last ? `, offsets ${first.baseOffset}..${last.lastOffset}` : '') +
      (scan.stopReason !== undefined ? `, stops: ${scan.stopReason}` : ''));
  }
  try {
    const top = readdirSync(logDir).filter((n) => !n.includes('-') || n.endsWith('checkpoint') || n.startsWith('__'));
    lines.push(`${logDir}: ${top.sort().join(', ')}`);
  } catch {
    // ignore
  }
  return lines.join('\n');
}
