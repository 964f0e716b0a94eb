import assert from 'node:assert/strict';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { readBatchInfo } from '../protocol/records/batch-header.js';
import { makeLogConfig, type LogConfig } from './log-config.js';
import { PartitionLog } from './partition-log.js';
import { makeBatch, makeTempDir, removeDir } from './storage-fixtures.js';

const NOW = 1_700_000_000_000n;
const SEEDS = [1, 7, 42, 1234, 99991];
const STEPS_PER_SEED = 250;

/** mulberry32: small deterministic PRNG so a failing seed replays exactly. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

interface ModelBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  bytes: Buffer;
}

class Model {
  batches: ModelBatch[] = [];
  logStart = 0n;
  get end(): bigint {
    return this.batches.at(-1) ? this.batches.at(-1)!.lastOffset + 1n : this.logStart;
  }
  visibleFrom(offset: bigint): ModelBatch[] {
    return this.batches.filter((b) => b.lastOffset >= offset);
  }
}

let root: string;
beforeEach(() => {
  root = makeTempDir();
});
afterEach(() => removeDir(root));

async function runSeed(seed: number): Promise<void> {
  const rand = prng(seed);
  const dir = path.join(root, `s${seed}`, 't-0');
  const config: LogConfig = makeLogConfig({ segmentBytes: 700 + rand(800), indexIntervalBytes: [1, 50, 200][rand(3)]!, segmentIndexBytes: 8 * (4 + rand(20)) });
  const openLog = (clean: boolean, rp: bigint, logStart: bigint, hw: bigint): PartitionLog =>
    PartitionLog.open({ dir, topic: 't', partition: 0, config, hadCleanShutdown: clean, recoveryPoint: rp, logStartOffset: logStart, highWatermark: hw, nowMs: NOW });
  let log = openLog(false, 0n, 0n, 0n);
  const model = new Model();
  for (let step = 0; step < STEPS_PER_SEED; step++) {
    const op = rand(100);
    const context = `seed ${seed} step ${step} op ${op}`;
    if (op < 50) {
      const batch = await makeBatch({ count: 1 + rand(4), valueBytes: rand(120), tag: `s${step}`, timestampMs: NOW + BigInt(step) });
      const result = log.appendAsLeader(batch, 0, NOW);
      assert.equal(result.baseOffset, model.end, context);
      model.batches.push({ baseOffset: result.baseOffset, lastOffset: result.lastOffset, bytes: Buffer.from(batch) });
      log.highWatermark = log.logEndOffset;
    } else if (op < 80) {
      checkRead(log, model, rand, context);
    } else if (op < 85) {
      await log.close();
      log = openLog(true, 0n, model.logStart, model.end);
    } else if (op < 90) {
      const rp = log.recoveryPoint;
      log.closeFiles();
      log = openLog(false, rp, model.logStart, model.end);
    } else if (op < 95 && model.end > model.logStart) {
      const target = model.logStart + BigInt(rand(Number(model.end - model.logStart)));
      log.truncateTo(target);
      model.batches = model.batches.filter((b) => b.lastOffset < target);
      if (model.end < model.logStart) model.logStart = model.end;
      log.highWatermark = log.logEndOffset;
    } else if (model.end > model.logStart) {
      const target = model.logStart + BigInt(rand(Number(model.end - model.logStart) + 1));
      log.deleteRecordsBefore(target);
      model.logStart = target;
    }
    assert.equal(log.logEndOffset, model.end, context);
    assert.equal(log.logStartOffset, model.logStart, context);
  }
  await log.close();
}

function checkRead(log: PartitionLog, model: Model, rand: (n: number) => number, context: string): void {
  const span = Number(model.end - model.logStart);
  const offset = model.logStart + BigInt(rand(span + 1));
  const maxBytes = rand(600);
  const minOneBatch = rand(2) === 0;
  const result = log.read(offset, maxBytes, model.end, minOneBatch);
  const expected = model.visibleFrom(offset);
  let total = 0;
  result.batches.forEach((b, i) => {
    assert.ok(b.equals(expected[i]!.bytes), `${context}: batch ${i} differs (offset ${readBatchInfo(b).baseOffset})`);
    total += b.length;
  });
  if (result.batches.length > 1 || !minOneBatch) assert.ok(total <= maxBytes, `${context}: ${total} > ${maxBytes}`);
  const next = expected[result.batches.length];
  if (next && result.batches.length === 0) assert.ok(!minOneBatch && next.bytes.length > maxBytes, `${context}: nothing returned`);
  if (next && result.batches.length > 0) assert.ok(total + next.bytes.length > maxBytes || next.baseOffset !== expected[result.batches.length - 1]!.lastOffset + 1n, `${context}: stopped early`);
}

describe('PartitionLog against an in-memory model', () => {
  for (const seed of SEEDS) {
    it(`seed ${seed}`, async () => runSeed(seed));
  }
});
