/**
 * `samsa dump-log` / `kafka-dump-log` (Kafka's DumpLogSegments): prints the batches and records of
 * `.log` segments, the entries of `.index` and `.timeindex` files, and producer `.snapshot` files,
 * read directly from disk in Kafka's layout, in Kafka's exact words. No broker involved.
 */
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { crc32c } from '../../protocol/index.js';
import {
  BatchAttributes,
  BatchHeader,
  computeBatchCrc,
  decodeRecordBatch,
  readBatchInfo,
  type BatchInfo,
  type DecodedRecord,
} from '../../protocol/records/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import type { Tool, ToolIo } from '../tool.js';
import { intArg } from '../tool-args.js';

const INT32_MAX = 2 ** 31 - 1;
const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
/** Bytes read from a segment at a time (batches are parsed across chunk boundaries). */
const READ_CHUNK_BYTES = 256 * 1024;
/** Largest batch accepted while walking a segment; a larger length field means corruption. */
const MAX_BATCH_BYTES = 256 * 1024 * 1024;

const OPTIONS: readonly OptionSpec[] = [
  { name: 'files', takesValue: true, valueName: 'String: file1, file2, ...', description: 'REQUIRED: The comma separated list of data and index log files to be dumped.' },
  { name: 'print-data-log', takesValue: false, description: 'If set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.' },
  { name: 'deep-iteration', takesValue: false, description: 'If set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.' },
  { name: 'verify-index-only', takesValue: false, description: 'If set, just verify the index log without printing its content.' },
  { name: 'index-sanity-check', takesValue: false, description: 'If set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not.' },
  { name: 'max-message-size', takesValue: true, valueName: 'Integer: size', description: 'Size of largest message. (default: 5242880)' },
  { name: 'max-bytes', takesValue: true, valueName: 'Integer: size', description: 'Limit the amount of total batches read in bytes avoiding reading the whole .log file(s). (default: 2147483647)' },
  { name: 'skip-record-metadata', takesValue: false, description: 'Whether to skip printing metadata for each record.' },
  { name: 'key-decoder-class', takesValue: true, optionalValue: true, valueName: 'String', description: 'Accepted for compatibility: keys are printed as UTF-8 strings (StringDecoder).' },
  { name: 'value-decoder-class', takesValue: true, optionalValue: true, valueName: 'String', description: 'Accepted for compatibility: values are printed as UTF-8 strings (StringDecoder).' },
  { name: 'offsets-decoder', takesValue: false, description: 'Not supported by Samsa (prints data as strings).' },
  { name: 'transaction-log-decoder', takesValue: false, description: 'Not supported by Samsa (prints data as strings).' },
  { name: 'cluster-metadata-decoder', takesValue: false, description: 'Not supported by Samsa (prints data as strings).' },
  { name: 'remote-log-metadata-decoder', takesValue: false, description: 'Not supported by Samsa (prints data as strings).' },
  { name: 'share-group-state-decoder', takesValue: false, description: 'Not supported by Samsa (prints data as strings).' },
];

interface DumpOptions {
  printData: boolean;
  deep: boolean;
  skipRecordMetadata: boolean;
  maxBytes: number;
  verifyOnly: boolean;
  indexSanityOnly: boolean;
}

/** Output of one run: stdout lines plus the problems Kafka reports on stderr at the end. */
interface Report {
  out: (line: string) => void;
  err: (line: string) => void;
  indexMismatches: Map<string, [bigint, bigint][]>;
  nonConsecutive: Map<string, [bigint, bigint][]>;
  timeMismatches: Map<string, [bigint, bigint][]>;
  timeOutOfOrder: Map<string, [bigint, bigint][]>;
  timeNotFound: Map<string, [bigint, bigint][]>;
}

const push = (map: Map<string, [bigint, bigint][]>, file: string, pair: [bigint, bigint]): void => {
  const list = map.get(file) ?? [];
  list.push(pair);
  map.set(file, list);
};

/** The base offset in a segment file name (`00000000000000000042.log` → 42n). */
function baseOffsetOf(file: string): bigint {
  const stem = basename(file).split('.')[0]!;
  if (!/^\d+$/.test(stem)) throw new UsageError(`Cannot parse the base offset of ${file}: Kafka segment files are named <20-digit offset>.<suffix>`);
  return BigInt(stem);
}

function siblingOf(file: string, suffix: string): string {
  return join(dirname(file), `${basename(file).split('.')[0]}${suffix}`);
}

/** One v2 (or legacy) batch as stored in a segment, with where it starts. */
interface StoredBatch {
  position: number;
  bytes: Buffer;
}

/**
 * Walks the batches of a segment from `start`, reading at most `limitBytes` of the file (whole
 * batches only), in bounded chunks. Stops at a truncated or nonsensical length field.
 */
function* batchesOf(path: string, start: number, limitBytes: number): Generator<StoredBatch> {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = Math.min(statSync(path).size, start + limitBytes);
    let buffer = Buffer.alloc(0);
    let bufferStart = start;
    let position = start;
    for (;;) {
      const offsetInBuffer = position - bufferStart;
      const haveHeader = buffer.length - offsetInBuffer >= BatchHeader.LOG_OVERHEAD;
      const size = haveHeader ? buffer.readInt32BE(offsetInBuffer + BatchHeader.BATCH_LENGTH) + BatchHeader.LOG_OVERHEAD : -1;
      if (haveHeader && (size < BatchHeader.LOG_OVERHEAD + 14 || size > MAX_BATCH_BYTES)) return;
      if (haveHeader && buffer.length - offsetInBuffer >= size) {
        yield { position, bytes: buffer.subarray(offsetInBuffer, offsetInBuffer + size) };
        position += size;
        continue;
      }
      if (position + Math.max(size, BatchHeader.LOG_OVERHEAD) > fileBytes) return;
      const want = Math.max(READ_CHUNK_BYTES, size);
      const chunk = Buffer.allocUnsafe(Math.min(want, fileBytes - position));
      const read = readSync(fd, chunk, 0, chunk.length, position);
      buffer = chunk.subarray(0, read);
      bufferStart = position;
      if (read === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

function timestampTypeOf(info: BatchInfo): string {
  if (info.magic < 1) return 'NoTimestampType';
  return (info.attributes & BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND) !== 0 ? 'LogAppendTime' : 'CreateTime';
}

/** Kafka's sequence arithmetic: wraps at Int32 max; -1 stays -1. */
function sequenceAt(baseSequence: number, delta: number): number {
  if (baseSequence === -1) return -1;
  return baseSequence > INT32_MAX - delta ? baseSequence - INT32_MAX - 1 + delta : baseSequence + delta;
}

/** Kafka's DefaultRecordBatch.decrementSequence. */
function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? sequence - decrement + INT32_MAX + 1 : sequence - decrement;
}

/** The batch line (printBatchLevel). */
function batchLine(batch: Buffer, info: BatchInfo, position: number): string {
  const ts = `position: ${position} ${timestampTypeOf(info)}: ${info.maxTimestamp} size: ${info.sizeBytes} magic: ${info.magic}`;
  if (info.magic < 2) {
    const codec = CODEC_NAMES[batch.readInt8(BatchHeader.MAGIC + 1) & 0x07] ?? 'unknown';
    return `offset: ${info.baseOffset} ${ts} compresscodec: ${codec} crc: ${batch.readUInt32BE(12)} isvalid: ${legacyCrcValid(batch)}`;
  }
  const lastOffset = info.baseOffset + BigInt(info.lastOffsetDelta);
  const deleteHorizon = (info.attributes & BatchAttributes.DELETE_HORIZON) !== 0 ? `OptionalLong[${info.baseTimestamp}]` : 'OptionalLong.empty';
  return (
    `baseOffset: ${info.baseOffset} lastOffset: ${lastOffset} count: ${info.recordsCount} baseSequence: ${info.baseSequence} ` +
    `lastSequence: ${sequenceAt(info.baseSequence, info.lastOffsetDelta)} producerId: ${info.producerId} producerEpoch: ${info.producerEpoch} ` +
    `partitionLeaderEpoch: ${info.partitionLeaderEpoch} isTransactional: ${(info.attributes & BatchAttributes.TRANSACTIONAL) !== 0} ` +
    `isControl: ${(info.attributes & BatchAttributes.CONTROL) !== 0} deleteHorizonMs: ${deleteHorizon} ${ts} ` +
    `compresscodec: ${CODEC_NAMES[info.attributes & BatchAttributes.COMPRESSION_MASK] ?? 'unknown'} crc: ${batch.readUInt32BE(BatchHeader.CRC)} ` +
    `isvalid: ${batch.readUInt32BE(BatchHeader.CRC) === computeBatchCrc(batch)}`
  );
}

/** A legacy (v0/v1) message's CRC-32 covers magic..end. */
function legacyCrcValid(entry: Buffer): boolean {
  return legacyCrc32(entry.subarray(16)) === entry.readUInt32BE(12);
}

const CRC32_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function legacyCrc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC32_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Header fields of a legacy message, shaped like a v2 batch for the batch line. */
function legacyInfo(entry: Buffer): BatchInfo {
  const magic = entry.readInt8(16);
  const attributes = entry.readInt8(17);
  const maxTimestamp = magic >= 1 ? entry.readBigInt64BE(18) : -1n;
  return {
    baseOffset: entry.readBigInt64BE(0),
    sizeBytes: entry.length,
    partitionLeaderEpoch: -1,
    magic,
    attributes: magic >= 1 && (attributes & 0x08) !== 0 ? BatchAttributes.TIMESTAMP_TYPE_LOG_APPEND : 0,
    lastOffsetDelta: 0,
    baseTimestamp: maxTimestamp,
    maxTimestamp,
    producerId: -1n,
    producerEpoch: -1,
    baseSequence: -1,
    recordsCount: 1,
  };
}

/** The record line of a v2 batch (deep iteration). */
function recordLine(record: DecodedRecord, info: BatchInfo, opts: DumpOptions): string {
  let line = '';
  let prefix = '| ';
  const control = (info.attributes & BatchAttributes.CONTROL) !== 0;
  if (!opts.skipRecordMetadata) {
    const offsetDelta = Number(record.offset - info.baseOffset);
    line =
      `${prefix}offset: ${record.offset} ${timestampTypeOf(info)}: ${record.timestamp} keySize: ${record.key?.length ?? -1} ` +
      `valueSize: ${record.value?.length ?? -1} sequence: ${sequenceAt(info.baseSequence, offsetDelta)} headerKeys: [${record.headers.map((h) => h.key).join(',')}]`;
    prefix = ' ';
    if (control) line += controlText(record);
  }
  if (opts.printData && !control) {
    if (record.key !== null) {
      line += `${prefix}key: ${record.key.toString('utf8')}`;
      prefix = ' ';
    }
    if (record.value !== null) line += ` payload: ${record.value.toString('utf8')}`;
  }
  return line;
}

/** What Kafka prints after a control record's metadata (transaction markers). */
function controlText(record: DecodedRecord): string {
  if (record.key === null || record.key.length < 4) return ' controlType: UNKNOWN(-1)';
  const type = record.key.readInt16BE(2);
  if ((type === 0 || type === 1) && record.value !== null && record.value.length >= 6) {
    return ` endTxnMarker: ${type === 0 ? 'ABORT' : 'COMMIT'} coordinatorEpoch: ${record.value.readInt32BE(2)}`;
  }
  return ` controlType: UNKNOWN(${type})`;
}

async function dumpLog(file: string, opts: DumpOptions, report: Report): Promise<void> {
  report.out(`Log starting offset: ${baseOffsetOf(file)}`);
  let validBytes = 0;
  let lastOffset = -1n;
  for (const { position, bytes } of batchesOf(file, 0, opts.maxBytes)) {
    const magic = bytes.readInt8(BatchHeader.MAGIC);
    const info = magic >= 2 ? readBatchInfo(bytes) : legacyInfo(bytes);
    report.out(batchLine(bytes, info, position));
    if (opts.deep && magic >= 2) {
      const records = (await decodeRecordBatch(bytes)).records;
      for (const record of records) {
        if (lastOffset !== -1n && record.offset !== lastOffset + 1n) push(report.nonConsecutive, file, [lastOffset, record.offset]);
        lastOffset = record.offset;
        report.out(recordLine(record, info, opts));
      }
    }
    validBytes += bytes.length;
  }
  const trailing = Math.min(statSync(file).size, opts.maxBytes) - validBytes;
  if (trailing > 0 && opts.maxBytes === INT32_MAX) report.out(`Found ${trailing} invalid bytes at the end of ${basename(file)}`);
}

/** Reads the last offset of the batch whose header starts at `position`, or undefined past the end. */
function lastOffsetAt(fd: number, position: number): bigint | undefined {
  const header = Buffer.alloc(BatchHeader.SIZE);
  const read = readSync(fd, header, 0, header.length, position);
  if (read < BatchHeader.MAGIC + 1) return undefined;
  const baseOffset = header.readBigInt64BE(0);
  if (header.readInt8(BatchHeader.MAGIC) < 2) return baseOffset;
  if (read < BatchHeader.LAST_OFFSET_DELTA + 4) return undefined;
  return baseOffset + BigInt(header.readInt32BE(BatchHeader.LAST_OFFSET_DELTA));
}

function readEntries(file: string, entryBytes: number): Buffer[] {
  const bytes = readFileSync(file);
  const out: Buffer[] = [];
  for (let i = 0; i + entryBytes <= bytes.length; i += entryBytes) out.push(bytes.subarray(i, i + entryBytes));
  return out;
}

/** Kafka's index sanity check (the one run at broker start): whole entries, increasing, within the segment. */
function sanityCheck(file: string, entryBytes: number, keyOf: (e: Buffer) => bigint, baseOffset: bigint): void {
  const size = statSync(file).size;
  if (size % entryBytes !== 0) throw new Error(`Index file ${basename(file)} is corrupt, found ${size} bytes which is neither positive nor a multiple of ${entryBytes}.`);
  const entries = readEntries(file, entryBytes);
  const last = entries.at(-1);
  if (last !== undefined && keyOf(last) < baseOffset) {
    throw new Error(`Corrupt index found, index file (${file}) has non-zero size but the last offset is ${keyOf(last)} which is less than the base offset ${baseOffset}.`);
  }
}

function dumpIndex(file: string, opts: DumpOptions, report: Report): void {
  const baseOffset = baseOffsetOf(file);
  const logFile = siblingOf(file, '.log');
  // Kafka opens (creating) a missing index and finds it empty; Samsa writes indexes behind, so the active segment may not have one yet.
  const entries = existsSync(file) ? readEntries(file, 8) : [];
  if (entries.length === 0) return report.out(`${file} is empty.`);
  if (opts.indexSanityOnly) {
    sanityCheck(file, 8, (e) => baseOffset + BigInt(e.readInt32BE(0)), baseOffset);
    return report.out(`${file} passed sanity check.`);
  }
  const fd = openSync(logFile, 'r');
  try {
    for (let i = 0; i < entries.length; i++) {
      const offset = baseOffset + BigInt(entries[i]!.readInt32BE(0));
      const position = entries[i]!.readInt32BE(4);
      if (offset === baseOffset && i > 0) return; // zero-filled (preallocated) tail
      const found = lastOffsetAt(fd, position);
      if (found !== offset) push(report.indexMismatches, file, [offset, found ?? -1n]);
      if (!opts.verifyOnly) report.out(`offset: ${offset} position: ${position}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** OffsetIndex.lookup: the position of the entry with the largest offset <= target (the segment start when none). */
function indexLookup(entries: readonly Buffer[], baseOffset: bigint, target: bigint): number {
  let lo = 0;
  let hi = entries.length - 1;
  let position = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (baseOffset + BigInt(entries[mid]!.readInt32BE(0)) <= target) {
      position = entries[mid]!.readInt32BE(4);
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return position;
}

async function dumpTimeIndex(file: string, opts: DumpOptions, report: Report): Promise<void> {
  const baseOffset = baseOffsetOf(file);
  const logFile = siblingOf(file, '.log');
  const entries = existsSync(file) ? readEntries(file, 12) : [];
  if (opts.indexSanityOnly) {
    sanityCheck(file, 12, (e) => baseOffset + BigInt(e.readInt32BE(8)), baseOffset);
    return report.out(`${file} passed sanity check.`);
  }
  const indexFile = siblingOf(file, '.index');
  const offsetIndex = existsSync(indexFile) ? readEntries(indexFile, 8) : [];
  let prevTimestamp = -1n;
  for (let i = 0; i < entries.length; i++) {
    const timestamp = entries[i]!.readBigInt64BE(0);
    const offset = baseOffset + BigInt(entries[i]!.readInt32BE(8));
    if (offset === baseOffset && i > 0) return;
    let batch: StoredBatch | undefined;
    for (const b of batchesOf(logFile, indexLookup(offsetIndex, baseOffset, offset), INT32_MAX)) {
      const last = b.bytes.readBigInt64BE(0) + BigInt(b.bytes.readInt32BE(BatchHeader.LAST_OFFSET_DELTA));
      if (last >= offset) {
        batch = b;
        break;
      }
    }
    if (batch === undefined) {
      push(report.timeNotFound, file, [offset, -1n]);
    } else {
      const last = batch.bytes.readBigInt64BE(0) + BigInt(batch.bytes.readInt32BE(BatchHeader.LAST_OFFSET_DELTA));
      if (last !== offset) {
        push(report.timeNotFound, file, [offset, last]);
      } else {
        const records = (await decodeRecordBatch(batch.bytes)).records;
        const maxTimestamp = records.reduce((max, r) => (r.timestamp > max ? r.timestamp : max), -1n);
        if (maxTimestamp !== timestamp) push(report.timeMismatches, file, [timestamp, maxTimestamp]);
        if (prevTimestamp >= timestamp) push(report.timeOutOfOrder, file, [timestamp, prevTimestamp]);
      }
    }
    if (!opts.verifyOnly) report.out(`timestamp: ${timestamp} offset: ${offset}`);
    prevTimestamp = timestamp;
  }
}

/** Producer state snapshot (Kafka v1 format): header, then one entry per producer. */
function dumpProducerSnapshot(file: string, report: Report): void {
  const bytes = readFileSync(file);
  const HEADER = 2 + 4 + 4; // version, crc, count
  const ENTRY = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;
  if (bytes.length < HEADER) return report.err(`Snapshot file ${file} is corrupt (${bytes.length} bytes)`);
  const version = bytes.readInt16BE(0);
  const crc = bytes.readUInt32BE(2);
  if (version !== 1) return report.err(`Snapshot contained an unknown file version ${version}`);
  if (crc32c(bytes.subarray(6)) >>> 0 !== crc) return report.err(`Snapshot is corrupt (CRC is no longer valid). Stored crc: ${crc}. Computed crc: ${crc32c(bytes.subarray(6)) >>> 0}`);
  const count = bytes.readInt32BE(6);
  for (let i = 0, pos = HEADER; i < count && pos + ENTRY <= bytes.length; i++, pos += ENTRY) {
    const producerId = bytes.readBigInt64BE(pos);
    const producerEpoch = bytes.readInt16BE(pos + 8);
    const lastSequence = bytes.readInt32BE(pos + 10);
    const lastOffset = bytes.readBigInt64BE(pos + 14);
    const offsetDelta = bytes.readInt32BE(pos + 22);
    const timestamp = bytes.readBigInt64BE(pos + 26);
    const coordinatorEpoch = bytes.readInt32BE(pos + 34);
    const currentTxnFirstOffset = bytes.readBigInt64BE(pos + 38);
    const txnFirst = currentTxnFirstOffset >= 0n ? `OptionalLong[${currentTxnFirstOffset}]` : 'OptionalLong.empty';
    let line = `producerId: ${producerId} producerEpoch: ${producerEpoch} coordinatorEpoch: ${coordinatorEpoch} currentTxnFirstOffset: ${txnFirst} lastTimestamp: ${timestamp} `;
    if (lastOffset >= 0n) {
      const firstSequence = decrementSequence(lastSequence, offsetDelta);
      line += `firstSequence: ${firstSequence} lastSequence: ${lastSequence} lastOffset: ${lastOffset} offsetDelta: ${offsetDelta} timestamp: ${timestamp}`;
    }
    report.out(line);
  }
}

function printProblems(report: Report): void {
  for (const [file, list] of report.indexMismatches) {
    report.err(`Mismatches in :${file}`);
    for (const [indexOffset, logOffset] of list.reverse()) report.err(`  Index offset: ${indexOffset}, log offset: ${logOffset}`);
  }
  for (const [file, list] of report.timeMismatches) {
    report.err(`Found timestamp mismatch in :${file}`);
    for (const [a, b] of list) report.err(`  Index timestamp: ${a}, log timestamp: ${b}`);
  }
  for (const [file, list] of report.timeOutOfOrder) {
    report.err(`Found out of order timestamp in :${file}`);
    for (const [a, b] of list) report.err(`  Index timestamp: ${a}, Previously indexed timestamp: ${b}`);
  }
  for (const list of report.timeNotFound.values()) {
    report.err('The following indexed offsets are not found in the log.');
    for (const [a, b] of list) report.err(`Indexed offset: ${a}, found log offset: ${b}`);
  }
  for (const [file, list] of report.nonConsecutive) {
    report.err(`Non-consecutive offsets in ${file}`);
    for (const [a, b] of list.reverse()) report.err(`  ${a} is followed by ${b}`);
  }
}

/** Thrown to stop dumping once the reader of stdout went away (`| head`). */
class StdoutClosed extends Error {}

async function run(args: ParsedArgs, io: ToolIo): Promise<number> {
  const files = args.get('files');
  if (files === undefined) throw new UsageError('Missing required argument "[files]"');
  const printData = ['print-data-log', 'offsets-decoder', 'transaction-log-decoder', 'cluster-metadata-decoder', 'remote-log-metadata-decoder', 'share-group-state-decoder', 'key-decoder-class', 'value-decoder-class'].some((o) => args.has(o));
  const opts: DumpOptions = {
    printData,
    deep: printData || args.has('deep-iteration'),
    skipRecordMetadata: args.has('skip-record-metadata'),
    maxBytes: intArg(args, 'max-bytes', INT32_MAX),
    verifyOnly: args.has('verify-index-only'),
    indexSanityOnly: args.has('index-sanity-check'),
  };
  intArg(args, 'max-message-size', 5 * 1024 * 1024); // validated; batches are read by their own length
  let pending = '';
  let stdoutClosed = false;
  const onStdoutError = (): void => void (stdoutClosed = true);
  io.stdout.on('error', onStdoutError);
  const flush = (): void => {
    if (stdoutClosed) throw new StdoutClosed();
    if (pending !== '') io.stdout.write(pending);
    pending = '';
  };
  const report: Report = {
    out: (line) => {
      pending += `${line}\n`;
      if (pending.length > 1 << 16) flush();
    },
    err: (line) => {
      flush();
      io.stderr.write(`${line}\n`);
    },
    indexMismatches: new Map(),
    nonConsecutive: new Map(),
    timeMismatches: new Map(),
    timeOutOfOrder: new Map(),
    timeNotFound: new Map(),
  };
  let exitCode = 0;
  for (const file of files.split(',')) {
    report.out(`Dumping ${file}`);
    try {
      const suffix = file.slice(file.lastIndexOf('.'));
      if (suffix === '.log') await dumpLog(file, opts, report);
      else if (suffix === '.index') dumpIndex(file, opts, report);
      else if (suffix === '.timeindex') await dumpTimeIndex(file, opts, report);
      else if (suffix === '.snapshot') dumpProducerSnapshot(file, report);
      else report.err(`Ignoring unknown file ${file}`);
    } catch (err) {
      if (err instanceof StdoutClosed) break;
      report.err(`Error: ${file}: ${(err as Error).message}`);
      exitCode = 1;
    }
  }
  try {
    printProblems(report);
    flush();
  } catch (err) {
    if (!(err instanceof StdoutClosed)) throw err;
  }
  return exitCode;
}

/** The dump-log tool. */
export const dumpLogTool: Tool = {
  name: 'dump-log',
  summary: 'Print the contents of segment, index, time index and producer snapshot files (Kafka DumpLogSegments).',
  options: OPTIONS,
  run,
};
