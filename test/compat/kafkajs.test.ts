/**
 * KafkaJS 2.2.4: admin createTopics, producer with keys and headers (plain and gzip batches);
 * read back without a consumer group (kafka-python assign()) and compared byte for byte.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CompressionTypes, Kafka, logLevel, type IHeaders, type LogEntry } from 'kafkajs';
import { withBroker } from '../helpers/broker.js';
import { assertContiguousOffsets, assertOnePartitionPerKey, assertProducerOrderPerPartition } from '../helpers/checks.js';
import { requireClient } from '../helpers/clients.js';
import { readAllKafkaPython, type ReadRecord } from '../helpers/kafka-python.js';

const TOPIC = 'kafkajs-headers';
const PARTITIONS = 3;
const GENERATED_COUNT = 300;

/** A record as produced; `value` is unique per record so it identifies it in the read-back. */
interface Sent {
  key: Buffer | null;
  value: Buffer | null;
  /** Headers in wire order, flattened. */
  headers: Array<[string, Buffer]>;
  /** Sequence in send order. */
  seq: number;
}

const binary = (n: number, seed: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i * 31 + seed * 7) & 0xff));

function handwritten(): Sent[] {
  return [
    { key: Buffer.from('user-1'), value: Buffer.from('hello'), headers: [['trace-id', Buffer.from('abc-123')], ['bin', Buffer.from([0, 1, 2, 0xff])]] },
    { key: Buffer.from([0xff, 0x00, 0x80]), value: binary(300, 1), headers: [['ключ', Buffer.from('значение')], ['empty', Buffer.alloc(0)]] },
    { key: null, value: Buffer.from('no key, no headers'), headers: [] },
    { key: Buffer.from('multi'), value: Buffer.from('repeated header key'), headers: [['h', Buffer.from('one')], ['h', Buffer.from('two')], ['h', Buffer.from('three')]] },
    { key: Buffer.from('tomb'), value: null, headers: [['why', Buffer.from('tombstone')]] },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), headers: [['', Buffer.from('empty header name')]] },
    { key: Buffer.from('big'), value: binary(100_000, 2), headers: [['size', Buffer.from('100000')]] },
  ].map((r, seq) => ({ ...r, headers: r.headers as Array<[string, Buffer]>, seq }));
}

function generated(first: number): Sent[] {
  return Array.from({ length: GENERATED_COUNT }, (_, i) => ({
    key: Buffer.from(`k${i % 10}`),
    value: Buffer.from(`generated ${i} ${'x'.repeat(i % 50)}`),
    headers: [['seq', Buffer.from(String(i))], ['x-bin', binary(i % 20, i)]] as Array<[string, Buffer]>,
    seq: first + i,
  }));
}

/** KafkaJS header object: repeated names become arrays (insertion order is wire order). */
function toKafkaJsHeaders(headers: ReadonlyArray<[string, Buffer]>): IHeaders {
  const out: Record<string, Buffer[]> = {};
  for (const [name, value] of headers) (out[name] ??= []).push(value);
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.length === 1 ? v[0]! : v]));
}

const describeBytes = (b: Buffer | null): string => (b === null ? 'null' : `${b.length} bytes ${b.subarray(0, 24).toString('hex')}`);

test('KafkaJS: keys and headers produced (plain and gzip) are read back byte-exact', { timeout: 55_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({}, async (broker) => {
    const logs: LogEntry[] = [];
    const kafka = new Kafka({
      clientId: 'samsa-compat',
      brokers: [broker.bootstrap],
      connectionTimeout: 5_000,
      requestTimeout: 15_000,
      retry: { retries: 5 },
      logLevel: logLevel.WARN,
      logCreator: () => (entry) => {
        if (logs.length < 100) logs.push(entry);
      },
    });
    const logText = (): string => logs.map((e) => `${e.label} ${e.namespace}: ${e.log.message} ${JSON.stringify(e.log)}`).join('\n');
    const admin = kafka.admin();
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    try {
      await admin.connect();
      const created = await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
      assert.equal(created, true, 'createTopics reported that the topic already existed');
      const listed = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      assert.equal(listed.topics[0]?.partitions.length, PARTITIONS);

      await producer.connect();
      const plain = handwritten();
      const gzip = generated(plain.length);
      const toMessages = (records: Sent[]) =>
        records.map((r) => ({ key: r.key, value: r.value, headers: toKafkaJsHeaders(r.headers) }));
      await producer.send({ topic: TOPIC, acks: -1, messages: toMessages(plain) });
      await producer.send({ topic: TOPIC, acks: -1, compression: CompressionTypes.GZIP, messages: toMessages(gzip) });
      await producer.disconnect();

      const sent = [...plain, ...gzip];
      const { records, endOffsets } = await readAllKafkaPython(broker.bootstrap, TOPIC);
      const total = Object.values(endOffsets).reduce((a, b) => a + b, 0);
      assert.equal(total, sent.length, `end offsets ${JSON.stringify(endOffsets)} do not add up to ${sent.length} records`);
      assert.equal(records.length, sent.length, `read ${records.length} records, sent ${sent.length}`);

      // Identify each read record by (value, key): all (value, key) pairs are unique.
      const identity = (key: Buffer | null, value: Buffer | null): string => `${key?.toString('hex') ?? '-'}/${value?.toString('hex') ?? '-'}`;
      const bySent = new Map(sent.map((s) => [identity(s.key, s.value), s]));
      assert.equal(bySent.size, sent.length);
      const matched: Array<ReadRecord & { seq: number }> = [];
      for (const r of records) {
        const key = r.key === null ? null : Buffer.from(r.key, 'hex');
        const value = r.value === null ? null : Buffer.from(r.value, 'hex');
        const s = bySent.get(identity(key, value));
        if (s === undefined) {
          assert.fail(`partition ${r.partition} offset ${r.offset}: unexpected record key ${describeBytes(key)} value ${describeBytes(value)}`);
        }
        bySent.delete(identity(key, value));
        const headers = r.headers.map(([name, v]) => [name, v === null ? null : Buffer.from(v, 'hex')]);
        assert.deepEqual(headers, s.headers, `headers of record #${s.seq} (partition ${r.partition} offset ${r.offset})`);
        matched.push({ ...r, seq: s.seq });
      }
      assert.equal(bySent.size, 0, `records never read back: ${[...bySent.values()].map((s) => s.seq).join(', ')}`);

      assertContiguousOffsets(matched);
      assertProducerOrderPerPartition(matched, (r) => r.seq);
      const keys = assertOnePartitionPerKey(matched, (r) => r.key);
      assert.ok(new Set(keys.values()).size > 1, 'all keys landed in one partition');
    } catch (err) {
      if (err instanceof Error && logs.length > 0) err.message += `\n--- KafkaJS log ---\n${logText()}`;
      throw err;
    } finally {
      await producer.disconnect().catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    }
  });
});
