import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../../test/helpers/broker.js';
import { Admin, Consumer, KafkaError, Producer, type ConsumerRecord } from './index.js';

const binPath = process.env.SAMSA_TEST_BROKER_BIN;
let broker: BrokerHandle;
let admin: Admin;
const T0 = 1_700_000_000_000;

before(async () => {
  broker = await startBroker(binPath ? { binPath } : {});
  admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  await admin.createTopics([{ name: 'cons', numPartitions: 2 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  // 100 records per partition, timestamps T0 + i seconds.
  await producer.sendMany(Array.from({ length: 200 }, (_, i) => ({ topic: 'cons', partition: i % 2, value: `${i}`, timestamp: T0 + Math.floor(i / 2) * 1000 })));
  await producer.close();
});

after(async () => {
  await admin?.close();
  await broker?.cleanup();
});

function newConsumer(extra: Record<string, unknown> = {}): Consumer {
  return new Consumer({ 'bootstrap.servers': broker.bootstrap, 'fetch.max.wait.ms': 100, ...extra });
}

async function take(consumer: Consumer, n: number, timeoutMs = 10_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.poll(100)));
  return out;
}

test('async iterator reads from the beginning with auto.offset.reset=earliest', async () => {
  const consumer = newConsumer({ 'auto.offset.reset': 'earliest', 'max.poll.records': 7 });
  consumer.assign([{ topic: 'cons', partition: 0 }]);
  const seen: bigint[] = [];
  for await (const record of consumer) {
    seen.push(record.offset);
    assert.equal(record.value!.toString(), `${Number(record.offset) * 2}`);
    if (seen.length === 100) break;
  }
  assert.deepEqual(seen, Array.from({ length: 100 }, (_, i) => BigInt(i)));
  assert.equal(consumer.position({ topic: 'cons', partition: 0 }), 100n);
  await consumer.close();
});

test('auto.offset.reset=latest starts at the end; none fails with a clear error', async () => {
  const latest = newConsumer({ 'auto.offset.reset': 'latest' });
  latest.assign([{ topic: 'cons', partition: 1 }]);
  assert.deepEqual(await latest.poll(300), []);
  assert.equal(latest.position({ topic: 'cons', partition: 1 }), 100n);
  await latest.close();

  const none = newConsumer({ 'auto.offset.reset': 'none' });
  none.assign([{ topic: 'cons', partition: 1 }]);
  await assert.rejects(none.poll(2000), (err: unknown) => err instanceof KafkaError && err.errorName === 'OFFSET_OUT_OF_RANGE' && /auto.offset.reset=none/.test(err.message));
  none.seek({ topic: 'cons', partition: 1, offset: 98 });
  const records = await take(none, 2);
  assert.deepEqual(records.map((r) => r.value!.toString()), ['197', '199']);
  await none.close();
});

test('seek, seekToBeginning, seekToEnd and seekToTimestamp', async () => {
  const consumer = newConsumer({ 'auto.offset.reset': 'earliest' });
  const tp = { topic: 'cons', partition: 0 };
  consumer.assign([tp]);
  consumer.seek({ ...tp, offset: 42n });
  let [first] = await take(consumer, 1);
  assert.equal(first!.offset, 42n);
  consumer.seekToBeginning([tp]);
  [first] = await take(consumer, 1);
  assert.equal(first!.offset, 0n);
  consumer.seekToEnd();
  assert.deepEqual(await consumer.poll(300), []);
  assert.equal(consumer.position(tp), 100n);
  await consumer.seekToTimestamp([tp], T0 + 30_500);
  [first] = await take(consumer, 1);
  assert.equal(first!.offset, 31n);
  assert.equal(first!.timestamp, T0 + 31_000);
  assert.equal(first!.timestampType, 'CreateTime');
  const [byTime] = await consumer.offsetsForTimes([{ ...tp, timestamp: T0 + 10_000 }]);
  assert.equal(byTime!.offset, 10n);
  assert.throws(() => consumer.seek({ topic: 'cons', partition: 9, offset: 0 }), /not assigned/);
  await consumer.close();
});

test('pause stops a partition, resume continues at its position', async () => {
  const consumer = newConsumer({ 'auto.offset.reset': 'earliest' });
  const p0 = { topic: 'cons', partition: 0 };
  const p1 = { topic: 'cons', partition: 1 };
  consumer.assign([p0, p1]);
  consumer.pause([p1]);
  assert.deepEqual(consumer.paused(), [p1]);
  const fromP0 = await take(consumer, 100);
  assert.ok(fromP0.every((r) => r.partition === 0));
  assert.deepEqual(await consumer.poll(300), [], 'only the paused partition has records left');
  consumer.resume([p1]);
  const fromP1 = await take(consumer, 100);
  assert.equal(fromP1.length, 100);
  assert.ok(fromP1.every((r) => r.partition === 1));
  assert.equal(fromP1[0]!.offset, 0n);
  await consumer.close();
});

test('the consumer sees records produced while it waits (long poll) and ends iteration on close', async () => {
  await admin.createTopics([{ name: 'live', numPartitions: 1 }]);
  const consumer = newConsumer({ 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 2000 });
  consumer.assign([{ topic: 'live', partition: 0 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  setTimeout(() => void producer.send({ topic: 'live', value: 'late' }), 300);
  const got: string[] = [];
  for await (const r of consumer) {
    got.push(r.value!.toString());
    setTimeout(() => void consumer.close(), 10);
  }
  assert.deepEqual(got, ['late']);
  await producer.close();
});

test('read_committed consumer reads non-transactional records', async () => {
  const consumer = newConsumer({ 'auto.offset.reset': 'earliest', 'isolation.level': 'read_committed' });
  consumer.assign([{ topic: 'cons', partition: 1 }]);
  const records = await take(consumer, 100);
  assert.equal(records.length, 100);
  await consumer.close();
});

test('every field survives many small fetches decoded while the next fetch is out; a seek drops data not decoded yet', async () => {
  await admin.createTopics([{ name: 'cons-fields', numPartitions: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'batch.size': 2048, 'linger.ms': 1 });
  const sent = Array.from({ length: 300 }, (_, i) => ({
    topic: 'cons-fields',
    partition: 0,
    key: i % 3 === 0 ? null : `k${i}`,
    value: i % 7 === 0 ? null : Buffer.alloc(i % 50, i),
    headers: i % 2 === 0 ? { h: `v${i}`, empty: null } : undefined,
    // Deltas from the batch's first timestamp: small, negative, and beyond 2^32 ms.
    timestamp: T0 + (i % 5 === 0 ? -(i * 1000) : i % 11 === 0 ? 5_000_000_000 + i : i),
  }));
  await producer.sendMany(sent);
  await producer.close();
  // 1 KiB per partition per fetch: dozens of fetches, each answered while the previous one is decoded.
  const consumer = newConsumer({ 'auto.offset.reset': 'earliest', 'max.partition.fetch.bytes': 1024, 'max.poll.records': 1000 });
  consumer.assign([{ topic: 'cons-fields', partition: 0 }]);
  const records = await take(consumer, 300);
  assert.equal(records.length, 300);
  records.forEach((r, i) => {
    const s = sent[i]!;
    assert.equal(r.offset, BigInt(i));
    assert.equal(r.key?.toString() ?? null, s.key);
    assert.deepEqual(r.value, s.value);
    assert.equal(r.timestamp, s.timestamp);
    assert.equal(r.timestampType, 'CreateTime');
    assert.deepEqual(r.headers, s.headers ? [{ key: 'h', value: Buffer.from(`v${i}`) }, { key: 'empty', value: null }] : []);
  });
  consumer.seek({ topic: 'cons-fields', partition: 0, offset: 17n });
  const again = await take(consumer, 5);
  assert.deepEqual(again.slice(0, 5).map((r) => r.offset), [17n, 18n, 19n, 20n, 21n]);
  await consumer.close();
});
