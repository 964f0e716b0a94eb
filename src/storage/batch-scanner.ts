import { BatchHeader, batchSizeAt, isBatchCrcValid, readBatchInfo, type BatchInfo } from '../protocol/records/batch-header.js';
import { readFullySync } from './file-util.js';

/** Bytes read per syscall when walking a whole segment (recovery, replay). */
export const SCAN_CHUNK_BYTES = 256 * 1024;

/** Bytes read per syscall when locating one batch from an index entry (fetch path). */
export const LOCATE_CHUNK_BYTES = 16 * 1024;

/** The only record batch format the storage layer stores (v2). */
const MAGIC_V2 = 2;

/** One batch found while walking a segment: its file position and header. */
export interface ScannedBatch {
  position: number;
  info: BatchInfo;
  lastOffset: bigint;
  /** The whole batch when scanning with data, else null. */
  bytes: Buffer | null;
}

/** Why a walk stopped before the end: null when it reached the end cleanly. */
export interface ScanEnd {
  validBytes: number;
  problem: string | null;
}

/** Describes what is wrong with the v2 header at `pos` of `buf` (`remaining` bytes left in the file), or null. */
export function batchHeaderProblem(buf: Buffer, pos: number, remaining: number, minBaseOffset: bigint): string | null {
  if (remaining < BatchHeader.SIZE) return `partial batch header (${remaining} bytes)`;
  const size = batchSizeAt(buf, pos);
  if (size < BatchHeader.SIZE) return `batch length ${size} below the header size`;
  if (size > remaining) return `partial batch: length ${size}, ${remaining} bytes left`;
  const magic = buf.readInt8(pos + BatchHeader.MAGIC);
  if (magic !== MAGIC_V2) return `unsupported magic ${magic}`;
  if (buf.readInt32BE(pos + BatchHeader.LAST_OFFSET_DELTA) < 0) return 'negative lastOffsetDelta';
  const baseOffset = buf.readBigInt64BE(pos + BatchHeader.BASE_OFFSET);
  if (baseOffset < minBaseOffset) return `base offset ${baseOffset} below expected ${minBaseOffset}`;
  return null;
}

/**
 * Walks the batches of a segment file between two positions with chunked reads. With `withData`
 * every batch is read whole and its CRC-32C checked; otherwise only headers are inspected and large
 * batches are skipped without reading them. Stops at the first problem (returned, not thrown).
 */
export function* scanBatches(
  fd: number,
  startPosition: number,
  endPosition: number,
  minBaseOffset: bigint,
  withData: boolean,
  chunkBytes = SCAN_CHUNK_BYTES,
): Generator<ScannedBatch, ScanEnd> {
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = startPosition;
  let pos = startPosition;
  let nextMinOffset = minBaseOffset;
  while (pos < endPosition) {
    const remaining = endPosition - pos;
    if (pos + Math.min(BatchHeader.SIZE, remaining) > chunkStart + chunk.length) {
      chunk = readChunk(fd, pos, Math.min(chunkBytes, remaining));
      chunkStart = pos;
    }
    const available = chunk.length - (pos - chunkStart);
    const fileRemaining = available < Math.min(BatchHeader.SIZE, remaining) ? available : remaining;
    const problem = batchHeaderProblem(chunk, pos - chunkStart, fileRemaining, nextMinOffset);
    if (problem) return { validBytes: pos - startPosition, problem };
    const size = batchSizeAt(chunk, pos - chunkStart);
    let bytes: Buffer | null = null;
    if (withData) {
      bytes = wholeBatch(fd, chunk, chunkStart, pos, size);
      if (!isBatchCrcValid(bytes)) return { validBytes: pos - startPosition, problem: `CRC mismatch in batch at position ${pos}` };
    }
    const info = readBatchInfo(chunk.subarray(pos - chunkStart));
    const lastOffset = info.baseOffset + BigInt(info.lastOffsetDelta);
    yield { position: pos, info, lastOffset, bytes };
    nextMinOffset = lastOffset + 1n;
    pos += size;
  }
  return { validBytes: pos - startPosition, problem: null };
}

function wholeBatch(fd: number, chunk: Buffer, chunkStart: number, pos: number, size: number): Buffer {
  const rel = pos - chunkStart;
  if (rel + size <= chunk.length) return chunk.subarray(rel, rel + size);
  return readChunk(fd, pos, size);
}

function readChunk(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  const n = readFullySync(fd, buf, length, position);
  return buf.subarray(0, n);
}
