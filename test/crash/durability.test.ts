/**
 * Durability across restarts (kafka-python, acks=1): clean stop, SIGKILL, and torn tails of the
 * active segment after a crash. Recovery must truncate the torn tail (the file gets shorter),
 * serve every record before it, and keep accepting appends at the next offset (invariant I11).
 */
import assert from 'node:assert/strict';
import { appendFileSync, closeSync, openSync, readSync, statSync, truncateSync, writeSync } from 'node:fs';
import { test, type TestContext } from 'node:test';
import { withBroker, type BrokerHandle } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { hex, produceKafkaPython, readAllKafkaPython, unhex } from '../helpers/kafka-python.js';
import { describePartitionOnDisk, scanSegment, segmentFiles, type SegmentScan } from '../helpers/segments.js';

const TOPIC = 'durable';

/** What the partition must hold: value by offset. */
class PartitionModel {
  readonly values: string[] = [];
  private next = 0;

  /** Produces `count` new values and checks they were acknowledged at the model's next offsets. */
  async produce(broker: BrokerHandle, count: number, flushEvery: number): Promise<void> {
    const values = Array.from({ length: count }, () => `value-${this.next++}`);
    const outcomes = await produceKafkaPython(broker.bootstrap, TOPIC, values.map((v) => ({ key: null, value: hex(v) })), { acks: '1', flushEvery });
    outcomes.forEach((outcome, i) => {
      if (typeof outcome === 'string') assert.fail(`${values[i]} not acknowledged: ${outcome}`);
      assert.deepEqual(outcome, [0, this.values.length + i], `${values[i]} acknowledged at [partition, offset] ${JSON.stringify(outcome)}`);
    });
    this.values.push(...values);
  }

  /** Forgets records from `offset` on (they were in a batch the test tore). */
  truncateTo(offset: number): void {
    this.values.length = offset;
  }

  /** Reads the partition back and compares it with the model, offset by offset. */
  async verify(broker: BrokerHandle, when: string): Promise<void> {
    try {
      await this.compare(broker, when);
    } catch (err) {
      if (err instanceof Error) err.message += `\n--- on disk ---\n${describePartitionOnDisk(broker.logDir, TOPIC, 0)}`;
      throw err;
    }
  }

  private async compare(broker: BrokerHandle, when: string): Promise<void> {
    const { records, endOffsets, beginningOffsets } = await readAllKafkaPython(broker.bootstrap, TOPIC);
    assert.deepEqual(beginningOffsets, { '0': 0 }, `${when}: log start offset`);
    assert.deepEqual(endOffsets, { '0': this.values.length }, `${when}: end offset`);
    assert.equal(records.length, this.values.length, `${when}: records read`);
    records.forEach((r, i) => {
      const value = r.value === null ? null : unhex(r.value);
      if (r.offset !== i || value !== this.values[i]) {
        assert.fail(`${when}: record #${i} is ${JSON.stringify(value)} at offset ${r.offset}, expected ${JSON.stringify(this.values[i])} at ${i}`);
      }
    });
  }
}

async function expectCleanStop(broker: BrokerHandle): Promise<void> {
  const exit = await broker.stop();
  assert.deepEqual(exit, { code: 0, signal: null, forced: false }, 'SIGTERM should shut the broker down cleanly with exit code 0');
}

/** Every segment of the partition is a sequence of valid batches (checked offline, broker stopped). */
function assertSegmentsValid(broker: BrokerHandle, when: string): void {
  for (const file of segmentFiles(broker.logDir, TOPIC, 0)) {
    const scan = scanSegment(file);
    assert.equal(scan.stopReason, undefined, `${when}: ${file} has an invalid tail: ${scan.stopReason}`);
  }
}

/**
 * Runs one step of a scenario as a subtest on a shared broker, so a failed step is reported with
 * the broker's output and later steps still run and report.
 */
async function step(t: TestContext, broker: BrokerHandle, name: string, fn: () => Promise<void>): Promise<void> {
  await t.test(name, async () => {
    try {
      await fn();
    } catch (err) {
      if (err instanceof Error) err.message += `\n${broker.diagnostics()}`;
      throw err;
    }
  });
}

test('durability: records survive SIGTERM and SIGKILL restarts', { timeout: 58_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({}, async (broker) => {
    const model = new PartitionModel();
    await step(t, broker, 'SIGTERM, restart: every record readable', async () => {
      await model.produce(broker, 1_000, 100);
      await expectCleanStop(broker);
      assertSegmentsValid(broker, 'after SIGTERM');
      await broker.restart();
      await model.verify(broker, 'after SIGTERM and restart');
    });
    await step(t, broker, 'SIGKILL, restart: every acknowledged record readable', async () => {
      await model.produce(broker, 1_000, 100);
      await broker.kill();
      await broker.restart();
      await model.verify(broker, 'after SIGKILL and restart');
    });
    await step(t, broker, 'appends continue at the next offset after the restarts', async () => {
      await model.produce(broker, 100, 10);
      await model.verify(broker, 'after appending post-restart');
    });
  });
});

interface TearCase {
  readonly name: string;
  /** Damages the active segment; returns nothing, the scan afterwards says where valid data ends. */
  readonly tear: (file: string, before: SegmentScan) => void;
}

function pseudoRandomBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

const TEAR_CASES: readonly TearCase[] = [
  { name: '100 zero bytes appended', tear: (file) => appendFileSync(file, Buffer.alloc(100)) },
  { name: '4 KiB of random bytes appended', tear: (file) => appendFileSync(file, pseudoRandomBytes(4096, 0x5a45a)) },
  {
    name: 'last batch cut in half',
    tear: (file, before) => {
      const last = before.batches.at(-1);
      assert.ok(last !== undefined, 'no batch to cut');
      truncateSync(file, last.position + Math.floor(last.sizeBytes / 2));
    },
  },
  {
    name: 'last batch with a flipped byte (CRC mismatch)',
    tear: (file, before) => {
      const last = before.batches.at(-1);
      assert.ok(last !== undefined, 'no batch to corrupt');
      flipByte(file, last.position + last.sizeBytes - 3);
    },
  },
];

/** Inverts one byte of `file` in place. */
function flipByte(file: string, position: number): void {
  const fd = openSync(file, 'r+');
  try {
    const scratch = Buffer.alloc(1);
    assert.equal(readSync(fd, scratch, 0, 1, position), 1);
    scratch[0] = scratch[0]! ^ 0xff;
    writeSync(fd, scratch, 0, 1, position);
  } finally {
    closeSync(fd);
  }
}

test('durability: a torn tail of the active segment is truncated on restart after a crash', { timeout: 58_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({}, async (broker) => {
    const model = new PartitionModel();
    await model.produce(broker, 200, 20);
    for (const tearCase of TEAR_CASES) {
      await step(t, broker, `SIGKILL, ${tearCase.name}, restart: tail truncated, records before it served`, async () => {
        const when = `torn tail (${tearCase.name})`;
        await model.produce(broker, 100, 20);
        await broker.kill();

        const files = segmentFiles(broker.logDir, TOPIC, 0);
        const active = files.at(-1);
        assert.ok(active !== undefined, `${when}: no segment files for ${TOPIC}-0`);
        const before = scanSegment(active);
        assert.equal(before.stopReason, undefined, `${when}: the active segment was already invalid after SIGKILL: ${before.stopReason}`);
        tearCase.tear(active, before);
        const torn = scanSegment(active);
        assert.notEqual(torn.stopReason, undefined, `${when}: the test failed to damage ${active}`);
        const lastValid = torn.batches.at(-1);
        const survivingRecords = lastValid === undefined ? 0 : Number(lastValid.lastOffset) + 1;
        model.truncateTo(survivingRecords);
        const tornSizeBytes = torn.sizeBytes;

        await broker.restart();
        const recoveredSizeBytes = statSync(active).size;
        assert.ok(recoveredSizeBytes < tornSizeBytes,
          `${when}: ${active} is ${recoveredSizeBytes} bytes after restart, was ${tornSizeBytes} with the torn tail (valid prefix ${torn.validEndBytes})`);
        assert.equal(recoveredSizeBytes, torn.validEndBytes, `${when}: recovery should truncate exactly at the end of the last valid batch`);
        await model.verify(broker, `${when}, after restart`);
        await model.produce(broker, 10, 0);
        await model.verify(broker, `${when}, after appending post-recovery`);
      });
    }
    await step(t, broker, 'SIGTERM at the end: every segment valid offline', async () => {
      await expectCleanStop(broker);
      assertSegmentsValid(broker, 'at the end');
    });
  });
});
