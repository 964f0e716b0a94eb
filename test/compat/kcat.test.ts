/**
 * kcat 1.7 (librdkafka 2.0): -L metadata, -P of 100,000 messages per compression codec, and
 * -C -e -o beginning reading them back byte-identical and in order per partition. After a clean
 * stop, the segment files are checked to hold batches in the codec the producer used.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBroker, type BrokerHandle } from '../helpers/broker.js';
import { assertContiguousOffsets, assertProducerOrderPerPartition } from '../helpers/checks.js';
import { requireClient, runKcat, type RunResult } from '../helpers/clients.js';
import { mustCreateTopics } from '../helpers/kafka-python.js';
import { COMPRESSION_NAMES, scanSegment, segmentFiles } from '../helpers/segments.js';

const MESSAGE_COUNT = 100_000;
const WORDS = ['kafka', 'samsa', 'gregor', 'broker', 'offset', 'épreuve', '日本語', 'λόγος', 'x', '{"k":1}', 'a b c'];

/** Deterministic message i: unique prefix, then a varied, compressible, newline-free body. */
function message(i: number): string {
  let state = (i * 2654435761) >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 16;
  };
  const parts = [`${i}`];
  const words = next() % 12;
  for (let w = 0; w < words; w++) parts.push(WORDS[next() % WORDS.length]!);
  return parts.join(' ');
}

const messages = Array.from({ length: MESSAGE_COUNT }, (_, i) => message(i));
const producerInput = Buffer.from(`${messages.join('\n')}\n`, 'utf8');

function kcatFailed(what: string, result: RunResult): string {
  return `kcat ${what} exited ${result.code}${result.signal ? ` (${result.signal})` : ''}\n--- stderr ---\n${result.stderr.slice(-4096)}`;
}

async function metadata(broker: BrokerHandle): Promise<string> {
  const result = await runKcat(['-b', broker.bootstrap, '-L', '-m', '10'], { timeoutMs: 20_000 });
  assert.equal(result.code, 0, kcatFailed('-L', result));
  return result.stdout;
}

async function produce(broker: BrokerHandle, topic: string, codec: string): Promise<void> {
  const result = await runKcat(
    // sticky.partitioning.linger.ms=0: keyless messages spread over every partition (with librdkafka's
    // default of 10 ms, a fast run can stay on two of three partitions).
    ['-b', broker.bootstrap, '-P', '-t', topic, '-z', codec, '-X', 'message.timeout.ms=30000', '-X', 'linger.ms=5', '-X', 'sticky.partitioning.linger.ms=0'],
    { input: producerInput, timeoutMs: 40_000 },
  );
  assert.equal(result.code, 0, kcatFailed(`-P -z ${codec}`, result));
  assert.doesNotMatch(result.stderr, /Delivery failed|ERROR/, kcatFailed(`-P -z ${codec} reported an error`, result));
}

interface KcatRecord {
  partition: number;
  offset: number;
  value: string;
}

async function consumeAll(broker: BrokerHandle, topic: string): Promise<KcatRecord[]> {
  const result = await runKcat(
    ['-b', broker.bootstrap, '-C', '-t', topic, '-e', '-o', 'beginning', '-q', '-f', '%p %o %s\n'],
    { timeoutMs: 40_000 },
  );
  assert.equal(result.code, 0, kcatFailed('-C -e', result));
  const lines = result.stdout.split('\n');
  assert.equal(lines.pop(), '', 'kcat output does not end with a newline');
  return lines.map((line) => {
    const first = line.indexOf(' ');
    const second = line.indexOf(' ', first + 1);
    return { partition: Number(line.slice(0, first)), offset: Number(line.slice(first + 1, second)), value: line.slice(second + 1) };
  });
}

function verifyReadBack(records: KcatRecord[], partitions: number): void {
  const seen = new Set<number>();
  for (const r of records) {
    const i = Number(r.value.split(' ', 1)[0]);
    const id = Number.isInteger(i) && i >= 0 && i < MESSAGE_COUNT ? i : -1;
    if (id < 0 || r.value !== messages[id]) {
      assert.fail(`partition ${r.partition} offset ${r.offset}: unexpected value ${JSON.stringify(r.value.slice(0, 200))}` +
        (id >= 0 ? `, expected ${JSON.stringify(messages[id])}` : ''));
    }
    if (seen.has(id)) assert.fail(`message ${id} read twice (again at partition ${r.partition} offset ${r.offset})`);
    seen.add(id);
  }
  assert.equal(records.length, MESSAGE_COUNT, `read ${records.length} of ${MESSAGE_COUNT} messages`);
  assertContiguousOffsets(records);
  assertProducerOrderPerPartition(records, (r) => Number(r.value.split(' ', 1)[0]));
  const used = new Set(records.map((r) => r.partition));
  assert.deepEqual([...used].sort(), Array.from({ length: partitions }, (_, p) => p), 'partitions that received messages');
}

/** After a clean stop: every batch on disk is v2, uses `codec` or none, and at least one uses `codec`. */
async function verifyOnDiskCodec(broker: BrokerHandle, topic: string, partitions: number, codec: string): Promise<void> {
  const exit = await broker.stop();
  assert.equal(exit.forced, false, 'broker did not exit after SIGTERM');
  const counts = new Map<string, number>();
  let records = 0;
  for (let p = 0; p < partitions; p++) {
    for (const file of segmentFiles(broker.logDir, topic, p)) {
      const scan = scanSegment(file);
      assert.equal(scan.stopReason, undefined, `${file}: ${scan.stopReason}`);
      for (const batch of scan.batches) {
        const name = COMPRESSION_NAMES[batch.compression] ?? `codec ${batch.compression}`;
        counts.set(name, (counts.get(name) ?? 0) + 1);
        records += batch.recordCount;
      }
    }
  }
  const summary = JSON.stringify(Object.fromEntries(counts));
  assert.equal(records, MESSAGE_COUNT, `records in segment files (batches per codec: ${summary})`);
  const hint = codec === 'lz4' ? '; librdkafka only enables LZ4 when the broker advertises FindCoordinator v0 (kcat -d feature shows "Disabling feature LZ4")' : '';
  assert.ok((counts.get(codec) ?? 0) > 0, `no ${codec} batch on disk (batches per codec: ${summary})${hint}`);
  for (const name of counts.keys()) {
    assert.ok(name === codec || name === 'none', `unexpected ${name} batches on disk (batches per codec: ${summary})`);
  }
}

for (const codec of ['gzip', 'snappy', 'lz4', 'zstd'] as const) {
  // lz4 goes to an explicitly created 3-partition topic; the others to auto-created 1-partition topics.
  const partitions = codec === 'lz4' ? 3 : 1;
  test(`kcat: -P -z ${codec} of ${MESSAGE_COUNT} messages to ${partitions} partition(s), -C reads them back`, { timeout: 58_000 }, async (t) => {
    if (!requireClient(t, 'kcat')) return;
    if (partitions > 1 && !requireClient(t, 'kafka-python')) return;
    await withBroker({}, async (broker) => {
      const topic = `kcat-${codec}`;
      if (partitions > 1) await mustCreateTopics(broker.bootstrap, [{ name: topic, partitions }]);
      await produce(broker, topic, codec);

      const listing = await metadata(broker);
      assert.match(listing, /^ 1 brokers:$/m, listing);
      assert.match(listing, new RegExp(`^  broker 1 at ${broker.host.replaceAll('.', '\\.')}:${broker.port}\\b`, 'm'), listing);
      assert.match(listing, new RegExp(`^  topic "${topic}" with ${partitions} partitions:$`, 'm'), listing);
      for (let p = 0; p < partitions; p++) {
        assert.match(listing, new RegExp(`^    partition ${p}, leader 1, replicas: 1, isrs: 1$`, 'm'), listing);
      }

      verifyReadBack(await consumeAll(broker, topic), partitions);
      await verifyOnDiskCodec(broker, topic, partitions, codec);
    });
  });
}
