import { gzip, gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import snappy from 'snappy';
import lz4 from 'lz4-napi';
import zstd from '@mongodb-js/zstd';
import { ErrorCode, KafkaError } from '../common/errors.js';
import { CompressionType } from './records/batch-header.js';

/** Default bound on the output of one decompression: a zip bomb fails instead of exhausting memory. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 256 * 1024 * 1024;

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** Whether `codec` is a compression id this module implements. */
export function isKnownCodec(codec: number): boolean {
  return Number.isInteger(codec) && codec >= 0 && codec < CODEC_NAMES.length;
}

/** Compresses `data` so every Kafka client reads it: xerial snappy, 64 KiB LZ4 frames, zstd with content size. */
export async function compress(codec: number, data: Buffer): Promise<Buffer> {
  switch (codec) {
    case CompressionType.none:
      return data;
    case CompressionType.gzip:
      return gzipAsync(data);
    case CompressionType.snappy:
      return xerialCompress(data);
    case CompressionType.lz4:
      return lz4FrameCompress(data);
    case CompressionType.zstd:
      return withZstdContentSize(await zstd.compress(data), data.length);
    default:
      throw unsupportedCodec(codec);
  }
}

/**
 * Decompresses `data`; output above `maxBytes` or malformed input throws KafkaError(CORRUPT_MESSAGE).
 * Accepts xerial-framed and raw snappy, LZ4 frames (independent or linked blocks), zstd with or
 * without a content size.
 */
export async function decompress(
  codec: number,
  data: Buffer,
  maxBytes: number = DEFAULT_MAX_DECOMPRESSED_BYTES,
): Promise<Buffer> {
  if (!isKnownCodec(codec)) throw unsupportedCodec(codec);
  if (codec === CompressionType.none) return data;
  let out: Buffer;
  try {
    out = await decompressUnchecked(codec, data, maxBytes);
  } catch (err) {
    if (err instanceof KafkaError) throw err;
    throw corrupt(`${CODEC_NAMES[codec]} decompression failed: ${(err as Error).message}`);
  }
  if (out.length > maxBytes) throw tooLarge(codec, out.length, maxBytes);
  return out;
}

async function decompressUnchecked(codec: number, data: Buffer, maxBytes: number): Promise<Buffer> {
  switch (codec) {
    case CompressionType.gzip:
      return gunzipAsync(data, { maxOutputLength: Math.max(1, maxBytes) });
    case CompressionType.snappy:
      return snappyDecompress(data, maxBytes);
    case CompressionType.lz4:
      return lz4FrameDecompress(data, maxBytes);
    default:
      return zstdDecompress(data, maxBytes);
  }
}

function unsupportedCodec(codec: number): KafkaError {
  return new KafkaError(
    ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    `Unknown compression codec id ${codec}; supported ids are 0 (none), 1 (gzip), 2 (snappy), 3 (lz4), 4 (zstd).`,
  );
}

function corrupt(message: string): KafkaError {
  return new KafkaError(ErrorCode.CORRUPT_MESSAGE, message);
}

function tooLarge(codec: number, sizeBytes: number, maxBytes: number): KafkaError {
  return corrupt(`${CODEC_NAMES[codec]} data decompresses to at least ${sizeBytes} bytes, above the limit of ${maxBytes} bytes.`);
}

// ---------------------------------------------------------------------------------------------
// Snappy: xerial framing (Java) or a raw block (librdkafka).

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;
const XERIAL_BLOCK_BYTES = 32 * 1024;

/** Snappy in xerial framing: magic, version 1, compatible version 1, then [int32 length][raw block]. */
function xerialCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.alloc(XERIAL_HEADER_BYTES)];
  XERIAL_MAGIC.copy(parts[0]!);
  parts[0]!.writeInt32BE(1, 8);
  parts[0]!.writeInt32BE(1, 12);
  for (let pos = 0; pos < data.length; pos += XERIAL_BLOCK_BYTES) {
    const block = snappy.compressSync(data.subarray(pos, pos + XERIAL_BLOCK_BYTES));
    const length = Buffer.alloc(4);
    length.writeInt32BE(block.length);
    parts.push(length, block);
  }
  return Buffer.concat(parts);
}

function isXerial(data: Buffer): boolean {
  return data.length >= XERIAL_HEADER_BYTES && data.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

function snappyDecompress(data: Buffer, maxBytes: number): Buffer {
  if (!isXerial(data)) return rawSnappyDecompress(data, maxBytes);
  const blocks: Buffer[] = [];
  let totalBytes = 0;
  let pos = XERIAL_HEADER_BYTES;
  while (pos < data.length) {
    if (isXerial(data.subarray(pos))) {
      pos += XERIAL_HEADER_BYTES; // concatenated xerial streams
      continue;
    }
    if (data.length - pos < 4) throw corrupt('Truncated xerial snappy block length.');
    const length = data.readInt32BE(pos);
    pos += 4;
    if (length < 0 || length > data.length - pos) throw corrupt(`Invalid xerial snappy block length ${length}.`);
    const block = rawSnappyDecompress(data.subarray(pos, pos + length), maxBytes - totalBytes);
    totalBytes += block.length;
    blocks.push(block);
    pos += length;
  }
  return Buffer.concat(blocks, totalBytes);
}

/** A raw snappy block starts with its uncompressed length as a varint: check it before allocating. */
function rawSnappyDecompress(block: Buffer, maxBytes: number): Buffer {
  const declaredBytes = snappyDeclaredLength(block);
  if (declaredBytes > maxBytes) throw tooLarge(CompressionType.snappy, declaredBytes, maxBytes);
  return snappy.uncompressSync(block, { asBuffer: true }) as Buffer;
}

function snappyDeclaredLength(block: Buffer): number {
  let value = 0;
  for (let i = 0; i < 5 && i < block.length; i++) {
    const byte = block[i]!;
    value += (byte & 0x7f) * 2 ** (7 * i);
    if ((byte & 0x80) === 0) return value;
  }
  throw corrupt('Invalid snappy block: bad uncompressed length.');
}

// ---------------------------------------------------------------------------------------------
// LZ4 frame format (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md), written the way
// Kafka's Lz4BlockOutputStream does: independent 64 KiB blocks, no checksums, no content size.

const LZ4_MAGIC = 0x184d2204;
const LZ4_SKIPPABLE_MASK = 0xfffffff0;
const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
const LZ4_BLOCK_BYTES = 64 * 1024;
const LZ4_UNCOMPRESSED_BIT = 0x80000000;
/** FLG: version 01, block independence; BD: 64 KiB max block; HC: (xxh32(FLG,BD) >> 8) & 0xff. */
const LZ4_FRAME_HEADER = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]);
const LZ4_LINKED_WINDOW_BYTES = 64 * 1024;

function lz4FrameCompress(data: Buffer): Buffer {
  const parts: Buffer[] = [LZ4_FRAME_HEADER];
  for (let pos = 0; pos < data.length; pos += LZ4_BLOCK_BYTES) {
    const chunk = data.subarray(pos, pos + LZ4_BLOCK_BYTES);
    const compressed = lz4.compressSync(chunk).subarray(4); // drop lz4-napi's size prefix
    const blockHeader = Buffer.alloc(4);
    if (compressed.length < chunk.length) {
      blockHeader.writeUInt32LE(compressed.length);
      parts.push(blockHeader, compressed);
    } else {
      blockHeader.writeUInt32LE((chunk.length | LZ4_UNCOMPRESSED_BIT) >>> 0);
      parts.push(blockHeader, chunk);
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}

interface Lz4FrameState {
  data: Buffer;
  pos: number;
  maxBytes: number;
  out: Buffer[];
  totalBytes: number;
}

/**
 * Reads one or more concatenated LZ4 frames. The header checksum byte is not verified (Kafka's
 * magic-v0 writers computed it wrongly, and the batch CRC covers these bytes anyway); block and
 * content checksums are skipped for the same reason. Bytes after a frame that are not another
 * frame are ignored, as Kafka's reader does.
 */
function lz4FrameDecompress(data: Buffer, maxBytes: number): Buffer {
  const state: Lz4FrameState = { data, pos: 0, maxBytes, out: [], totalBytes: 0 };
  if (data.length < 4 || data.readUInt32LE(0) !== LZ4_MAGIC) throw corrupt('Invalid LZ4 frame: bad magic number.');
  while (data.length - state.pos >= 4) {
    const magic = data.readUInt32LE(state.pos);
    if (magic === LZ4_MAGIC) readLz4Frame(state);
    else if (((magic & LZ4_SKIPPABLE_MASK) >>> 0) === LZ4_SKIPPABLE_MAGIC) skipLz4SkippableFrame(state);
    else break;
  }
  return Buffer.concat(state.out, state.totalBytes);
}

function skipLz4SkippableFrame(state: Lz4FrameState): void {
  need(state, 8);
  const length = state.data.readUInt32LE(state.pos + 4);
  state.pos += 8;
  need(state, length);
  state.pos += length;
}

function need(state: Lz4FrameState, bytes: number): void {
  if (state.data.length - state.pos < bytes) throw corrupt('Truncated LZ4 frame.');
}

function readLz4Frame(state: Lz4FrameState): void {
  need(state, 7);
  const flg = state.data[state.pos + 4]!;
  const bd = state.data[state.pos + 5]!;
  if (flg >> 6 !== 1 || (flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('Invalid LZ4 frame descriptor.');
  if ((flg & 0x01) !== 0) throw corrupt('LZ4 frames with a dictionary id are not supported.');
  const blockSizeCode = (bd >> 4) & 0x07;
  if (blockSizeCode < 4) throw corrupt(`Invalid LZ4 block size code ${blockSizeCode}.`);
  const maxBlockBytes = 1 << (2 * blockSizeCode + 8);
  state.pos += 6;
  if ((flg & 0x08) !== 0) readLz4ContentSize(state);
  state.pos += 1; // header checksum
  readLz4Blocks(state, maxBlockBytes, (flg & 0x20) === 0, (flg & 0x10) !== 0);
  if ((flg & 0x04) !== 0) {
    need(state, 4);
    state.pos += 4; // content checksum
  }
}

function readLz4ContentSize(state: Lz4FrameState): void {
  need(state, 9);
  const contentBytes = state.data.readBigUInt64LE(state.pos);
  if (contentBytes > BigInt(state.maxBytes - state.totalBytes)) {
    throw tooLarge(CompressionType.lz4, Number(contentBytes) + state.totalBytes, state.maxBytes);
  }
  state.pos += 8;
}

function readLz4Blocks(state: Lz4FrameState, maxBlockBytes: number, linked: boolean, blockChecksum: boolean): void {
  const sizePrefix = Buffer.alloc(4);
  sizePrefix.writeUInt32LE(maxBlockBytes);
  for (;;) {
    need(state, 4);
    const header = state.data.readUInt32LE(state.pos);
    state.pos += 4;
    if (header === 0) return;
    const blockBytes = (header & ~LZ4_UNCOMPRESSED_BIT) >>> 0;
    if (blockBytes > maxBlockBytes) throw corrupt(`LZ4 block size ${blockBytes} exceeds the frame maximum ${maxBlockBytes}.`);
    need(state, blockBytes + (blockChecksum ? 4 : 0));
    const raw = state.data.subarray(state.pos, state.pos + blockBytes);
    const block =
      (header & LZ4_UNCOMPRESSED_BIT) !== 0
        ? raw
        : lz4.uncompressSync(Buffer.concat([sizePrefix, raw]), linked ? lz4Window(state) : undefined);
    state.pos += blockBytes + (blockChecksum ? 4 : 0);
    state.totalBytes += block.length;
    if (state.totalBytes > state.maxBytes) throw tooLarge(CompressionType.lz4, state.totalBytes, state.maxBytes);
    state.out.push(block);
  }
}

/** The last 64 KiB of output: the dictionary a linked block may refer back into. */
function lz4Window(state: Lz4FrameState): Buffer | undefined {
  if (state.totalBytes === 0) return undefined;
  const tail: Buffer[] = [];
  let bytes = 0;
  for (let i = state.out.length - 1; i >= 0 && bytes < LZ4_LINKED_WINDOW_BYTES; i--) {
    tail.unshift(state.out[i]!);
    bytes += state.out[i]!.length;
  }
  const window = Buffer.concat(tail, bytes);
  return window.subarray(Math.max(0, window.length - LZ4_LINKED_WINDOW_BYTES));
}

// ---------------------------------------------------------------------------------------------
// Zstandard: walk the frame and block headers to bound the output before decompressing.

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_SKIPPABLE_MASK = 0xfffffff0;
const ZSTD_SKIPPABLE_MAGIC = 0x184d2a50;
const ZSTD_MAX_BLOCK_BYTES = 128 * 1024;
const ZSTD_BLOCK_RAW = 0;
const ZSTD_BLOCK_RLE = 1;
const ZSTD_BLOCK_COMPRESSED = 2;

/**
 * Adds the Frame_Content_Size field to a single zstd frame that lacks it (the library streams).
 * kafka-python 2.0.2 cannot read frames without it once they exceed 1 MiB. The field is not
 * covered by any checksum, so inserting it is a valid rewrite of the header.
 */
function withZstdContentSize(frame: Buffer, contentBytes: number): Buffer {
  if (frame.length < 6 || frame.readUInt32LE(0) !== ZSTD_MAGIC) return frame;
  const descriptor = frame[4]!;
  if ((descriptor & 0xe0) !== 0 || zstdFrameBound(frame, 4).end !== frame.length) return frame;
  const fieldEnd = 4 + 1 + 1 + [0, 1, 2, 4][descriptor & 0x03]!;
  const wide = contentBytes >= 2 ** 32;
  const field = Buffer.alloc(wide ? 8 : 4);
  if (wide) field.writeBigUInt64LE(BigInt(contentBytes));
  else field.writeUInt32LE(contentBytes);
  const header = Buffer.from(frame.subarray(0, fieldEnd));
  header[4] = descriptor | (wide ? 0xc0 : 0x80);
  return Buffer.concat([header, field, frame.subarray(fieldEnd)]);
}

async function zstdDecompress(data: Buffer, maxBytes: number): Promise<Buffer> {
  const boundBytes = zstdOutputBound(data);
  if (boundBytes > maxBytes) throw tooLarge(CompressionType.zstd, boundBytes, maxBytes);
  return zstd.decompress(data);
}

/** An upper bound on the decompressed size of concatenated zstd frames; throws if malformed. */
export function zstdOutputBound(data: Buffer): number {
  if (data.length < 4) throw corrupt('Invalid zstd data: too short.');
  let pos = 0;
  let boundBytes = 0;
  while (pos < data.length) {
    if (data.length - pos < 8) throw corrupt('Truncated zstd frame.');
    const magic = data.readUInt32LE(pos);
    if (((magic & ZSTD_SKIPPABLE_MASK) >>> 0) === ZSTD_SKIPPABLE_MAGIC) {
      pos += 8 + data.readUInt32LE(pos + 4);
    } else if (magic === ZSTD_MAGIC) {
      const frame = zstdFrameBound(data, pos + 4);
      pos = frame.end;
      boundBytes += frame.boundBytes;
    } else {
      throw corrupt('Invalid zstd frame: bad magic number.');
    }
  }
  if (pos !== data.length) throw corrupt('Truncated zstd frame.');
  return boundBytes;
}

function zstdFrameBound(data: Buffer, pos: number): { end: number; boundBytes: number } {
  const descriptor = data[pos]!;
  const contentSizeFlag = descriptor >> 6;
  const singleSegment = (descriptor & 0x20) !== 0;
  const dictIdBytes = [0, 1, 2, 4][descriptor & 0x03]!;
  const contentSizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][contentSizeFlag]!;
  if ((descriptor & 0x08) !== 0) throw corrupt('Invalid zstd frame: reserved bit set.');
  pos += 1;
  const windowDescriptor = singleSegment ? -1 : data[pos++]!;
  pos += dictIdBytes;
  if (pos + contentSizeBytes > data.length) throw corrupt('Truncated zstd frame header.');
  const contentBytes = readZstdContentSize(data, pos, contentSizeBytes);
  pos += contentSizeBytes;
  const windowBytes = windowDescriptor >= 0 ? zstdWindowBytes(windowDescriptor) : contentBytes ?? 0;
  const blocks = zstdBlocksBound(data, pos, Math.min(windowBytes, ZSTD_MAX_BLOCK_BYTES));
  pos = blocks.end + ((descriptor & 0x04) !== 0 ? 4 : 0);
  if (pos > data.length) throw corrupt('Truncated zstd frame checksum.');
  const boundBytes = contentBytes === undefined ? blocks.boundBytes : Math.min(contentBytes, blocks.boundBytes);
  return { end: pos, boundBytes };
}

function readZstdContentSize(data: Buffer, pos: number, sizeBytes: number): number | undefined {
  switch (sizeBytes) {
    case 1:
      return data[pos]!;
    case 2:
      return data.readUInt16LE(pos) + 256;
    case 4:
      return data.readUInt32LE(pos);
    case 8:
      return Number(data.readBigUInt64LE(pos));
    default:
      return undefined;
  }
}

function zstdWindowBytes(descriptor: number): number {
  const windowLog = 10 + (descriptor >> 3);
  const windowBase = 2 ** windowLog;
  return windowBase + (windowBase / 8) * (descriptor & 0x07);
}

function zstdBlocksBound(data: Buffer, pos: number, maxBlockBytes: number): { end: number; boundBytes: number } {
  let boundBytes = 0;
  for (;;) {
    if (data.length - pos < 3) throw corrupt('Truncated zstd block header.');
    const header = data[pos]! | (data[pos + 1]! << 8) | (data[pos + 2]! << 16);
    const blockType = (header >> 1) & 0x03;
    const blockBytes = header >>> 3;
    pos += 3;
    if (blockType === ZSTD_BLOCK_RAW || blockType === ZSTD_BLOCK_COMPRESSED) {
      if (blockBytes > ZSTD_MAX_BLOCK_BYTES) throw corrupt(`zstd block size ${blockBytes} above 128 KiB.`);
      pos += blockBytes;
    } else if (blockType === ZSTD_BLOCK_RLE) {
      pos += 1;
    } else {
      throw corrupt('Invalid zstd block type.');
    }
    if (pos > data.length) throw corrupt('Truncated zstd block.');
    boundBytes += blockType === ZSTD_BLOCK_COMPRESSED ? maxBlockBytes : blockBytes;
    if ((header & 0x01) !== 0) return { end: pos, boundBytes };
  }
}
