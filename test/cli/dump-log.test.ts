/**
 * dump-log on segment, index, time index and snapshot files a real broker wrote, checked against
 * an independent scan of the segment (test/helpers/segments.ts) and Kafka's exact line formats.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Producer } from '../../src/client/index.js';
import { startBroker, type BrokerHandle } from '../helpers/broker.js';
import { partitionDir, scanSegment, type SegmentScan } from '../helpers/segments.js';
import { samsa } from './cli-runner.js';

const TS = 1_700_000_000_000;
let broker: BrokerHandle;
let dir: string;
let logFile: string;
let scan: SegmentScan;
const segment = (suffix: string): string => join(dir, `00000000000000000000${suffix}`);
const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

before(async () => {
  broker = await startBroker({ overrides: { 'num.partitions': '1' } });
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 100 });
  // One batch of three records: headers, keys, a null key.
  await Promise.all([
    producer.send({ topic: 'dump', key: 'k0', value: 'v0', headers: { h: 'x' }, timestamp: TS }),
    producer.send({ topic: 'dump', key: 'k1', value: 'v1', timestamp: TS + 1 }),
    producer.send({ topic: 'dump', key: null, value: 'v2', timestamp: TS + 2 }),
  ]);
  // Many one-record batches, so the index (every 4096 bytes) gets entries.
  for (let i = 0; i < 60; i++) await producer.send({ topic: 'dump', value: `${'p'.repeat(200)}${i}`, timestamp: TS + 10 + i });
  await producer.close();
  const gzip = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 100, 'compression.type': 'gzip' });
  await Promise.all([gzip.send({ topic: 'dump', value: 'g0', timestamp: TS + 100 }), gzip.send({ topic: 'dump', value: 'g1', timestamp: TS + 101 })]);
  await gzip.close();
  await broker.stop(); // a clean shutdown writes the index files and a producer snapshot
  dir = partitionDir(broker.logDir, 'dump', 0);
  logFile = segment('.log');
  scan = scanSegment(logFile);
});

after(async () => {
  await broker?.cleanup();
});

test('--print-data-log prints batches and records exactly as Kafka', async () => {
  const run = await samsa('dump-log', ['--files', logFile, '--print-data-log']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, '');
  const out = lines(run.stdout);
  assert.equal(out[0], `Dumping ${logFile}`);
  assert.equal(out[1], 'Log starting offset: 0');
  const first = scan.batches[0]!;
  const batch = /^baseOffset: 0 lastOffset: 2 count: 3 baseSequence: 0 lastSequence: 2 producerId: (\d+) producerEpoch: 0 partitionLeaderEpoch: (\d+) isTransactional: false isControl: false deleteHorizonMs: OptionalLong\.empty position: 0 CreateTime: 1700000000002 size: (\d+) magic: 2 compresscodec: none crc: (\d+) isvalid: true$/.exec(out[2]!);
  assert.ok(batch, out[2]);
  assert.equal(Number(batch[3]), first.sizeBytes);
  assert.deepEqual(out.slice(3, 6), [
    '| offset: 0 CreateTime: 1700000000000 keySize: 2 valueSize: 2 sequence: 0 headerKeys: [h] key: k0 payload: v0',
    '| offset: 1 CreateTime: 1700000000001 keySize: 2 valueSize: 2 sequence: 1 headerKeys: [] key: k1 payload: v1',
    '| offset: 2 CreateTime: 1700000000002 keySize: -1 valueSize: 2 sequence: 2 headerKeys: [] payload: v2',
  ]);
  assert.match(out[6]!, new RegExp(`^baseOffset: 3 lastOffset: 3 count: 1 baseSequence: 3 lastSequence: 3 producerId: ${batch[1]} .* position: ${first.sizeBytes} CreateTime: 1700000000010 size: ${scan.batches[1]!.sizeBytes} magic: 2 compresscodec: none crc: \\d+ isvalid: true$`));
  const batchLines = out.filter((l) => l.startsWith('baseOffset: '));
  assert.equal(batchLines.length, scan.batches.length);
  scan.batches.forEach((b, i) => {
    assert.ok(batchLines[i]!.includes(` position: ${b.position} `) && batchLines[i]!.includes(` size: ${b.sizeBytes} `), batchLines[i]);
  });
  const gzipLine = batchLines.at(-1)!;
  assert.match(gzipLine, /^baseOffset: 63 lastOffset: 64 count: 2 .* compresscodec: gzip crc: \d+ isvalid: true$/);
  assert.deepEqual(out.slice(-2), ['| offset: 63 CreateTime: 1700000000100 keySize: -1 valueSize: 2 sequence: 0 headerKeys: [] payload: g0', '| offset: 64 CreateTime: 1700000000101 keySize: -1 valueSize: 2 sequence: 1 headerKeys: [] payload: g1']);
});

test('shallow by default; --deep-iteration prints record metadata without payloads; --skip-record-metadata keeps only key and payload', async () => {
  const shallow = lines((await samsa('dump-log', ['--files', logFile])).stdout);
  assert.equal(shallow.length, 2 + scan.batches.length);
  const deep = lines((await samsa('dump-log', ['--files', logFile, '--deep-iteration'])).stdout);
  assert.equal(deep[3], '| offset: 0 CreateTime: 1700000000000 keySize: 2 valueSize: 2 sequence: 0 headerKeys: [h]');
  const bare = lines((await samsa('dump-log', ['--files', logFile, '--print-data-log', '--skip-record-metadata'])).stdout);
  assert.deepEqual(bare.slice(3, 6), ['| key: k0 payload: v0', '| key: k1 payload: v1', ' payload: v2']);
});

test('--max-bytes stops after the batches that fit', async () => {
  const run = await samsa('dump-log', ['--files', logFile, '--max-bytes', String(scan.batches[0]!.sizeBytes + scan.batches[1]!.sizeBytes)]);
  const out = lines(run.stdout);
  assert.equal(out.length, 4);
  assert.ok(out[3]!.startsWith('baseOffset: 3 lastOffset: 3 '));
});

test('.index and .timeindex entries point at the batches the segment holds', async () => {
  const index = lines((await samsa('dump-log', ['--files', segment('.index')])).stdout);
  assert.equal(index[0], `Dumping ${segment('.index')}`);
  assert.ok(index.length > 2, 'the index has entries');
  const byPosition = new Map(scan.batches.map((b) => [b.position, b]));
  for (const line of index.slice(1)) {
    const m = /^offset: (\d+) position: (\d+)$/.exec(line);
    assert.ok(m, line);
    assert.equal(byPosition.get(Number(m[2]))?.lastOffset, BigInt(m[1]!), line);
  }
  const time = await samsa('dump-log', ['--files', segment('.timeindex')]);
  assert.equal(time.stderr, '', 'no timestamp mismatches reported');
  const byLastOffset = new Map(scan.batches.map((b) => [b.lastOffset, b]));
  const timeLines = lines(time.stdout).slice(1);
  assert.ok(timeLines.length > 0);
  for (const line of timeLines) {
    const m = /^timestamp: (\d+) offset: (\d+)$/.exec(line);
    assert.ok(m, line);
    assert.ok(byLastOffset.has(BigInt(m[2]!)), line);
  }
  const verify = await samsa('dump-log', ['--files', `${segment('.index')},${segment('.timeindex')}`, '--verify-index-only']);
  assert.deepEqual(lines(verify.stdout), [`Dumping ${segment('.index')}`, `Dumping ${segment('.timeindex')}`]);
  assert.equal(verify.stderr, '');
  const sanity = await samsa('dump-log', ['--files', segment('.index'), '--index-sanity-check']);
  assert.deepEqual(lines(sanity.stdout), [`Dumping ${segment('.index')}`, `${segment('.index')} passed sanity check.`]);
});

test('producer snapshots, unknown files and option errors', async () => {
  const snapshot = readdirSync(dir).find((f) => f.endsWith('.snapshot'));
  assert.ok(snapshot, `a clean shutdown leaves a producer snapshot in ${readdirSync(dir).join(', ')}`);
  const run = await samsa('dump-log', ['--files', join(dir, snapshot)]);
  assert.equal(run.code, 0, run.stderr);
  const entries = lines(run.stdout).slice(1);
  assert.ok(entries.length >= 2, 'both producers are in the snapshot');
  for (const line of entries) {
    assert.match(line, /^producerId: \d+ producerEpoch: 0 coordinatorEpoch: -?\d+ currentTxnFirstOffset: OptionalLong\.empty lastTimestamp: \d+ (firstSequence: \d+ lastSequence: \d+ lastOffset: \d+ offsetDelta: \d+ timestamp: \d+)?$/);
  }
  assert.ok(entries.some((l) => / firstSequence: 0 lastSequence: 1 lastOffset: 64 offsetDelta: 1 timestamp: 1700000000101$/.test(l)), entries.join('\n'));
  const unknown = await samsa('dump-log', ['--files', join(dir, 'leader-epoch-checkpoint')]);
  assert.match(unknown.stderr, /^Ignoring unknown file /);
  const missing = await samsa('dump-log', []);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^Missing required argument "\[files\]"\nOption/);
  const noIndex = join(dir, '00000000000000099999.index');
  assert.deepEqual(lines((await samsa('dump-log', ['--files', noIndex])).stdout), [`Dumping ${noIndex}`, `${noIndex} is empty.`], 'as Kafka, which creates a missing index');
  const absent = await samsa('dump-log', ['--files', join(dir, '00000000000000099999.log')]);
  assert.equal(absent.code, 1);
  assert.match(absent.stderr, /ENOENT/);
  assert.ok(existsSync(logFile));
});
