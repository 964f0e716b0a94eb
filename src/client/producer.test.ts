import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../../test/helpers/broker.js';
import { Admin, Consumer, KafkaError, Producer, partitionForKey, type ConsumerRecord } from './index.js';

const binPath = process.env.SAMSA_TEST_BROKER_BIN;
let broker: BrokerHandle;
let admin: Admin;

before(async () => {
  broker = await startBroker(binPath ? { binPath } : {});
  admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
});

after(async () => {
  await admin?.close();
  await broker?.cleanup();
});

async function consumeAll(topic: string, partitions: number, expected: number, timeoutMs = 15_000): Promise<ConsumerRecord[]> {
  const consumer = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'auto.offset.reset': 'earliest', 'fetch.max.wait.ms': 100 });
  consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  try {
    while (out.length < expected && Date.now() < deadline) out.push(...(await consumer.poll(200)));
  } finally {
    await consumer.close();
  }
  return out;
}

for (const codec of ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const) {
  test(`produce/consume round trip with compression.type=${codec}`, async () => {
    const topic = `codec-${codec}`;
    await admin.createTopics([{ name: topic, numPartitions: 2 }]);
    const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'compression.type': codec, 'linger.ms': 2 });
    const n = 2000;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < n; i++) {
      sends.push(producer.send({ topic, key: `k${i % 50}`, value: `value-${i}-${'x'.repeat(i % 100)}`, headers: { h: `hv${i}`, nul: null }, timestamp: 1_700_000_000_000 + i }));
    }
    const acks = (await Promise.all(sends)) as { partition: number; offset: bigint; timestamp: number }[];
    await producer.close();
    assert.equal(acks[0]!.timestamp, 1_700_000_000_000);
    const records = await consumeAll(topic, 2, n);
    assert.equal(records.length, n);
    const byValue = new Map(records.map((r) => [r.value!.toString(), r]));
    for (let i = 0; i < n; i++) {
      const r = byValue.get(`value-${i}-${'x'.repeat(i % 100)}`);
      assert.ok(r, `record ${i} missing`);
      assert.equal(r.key!.toString(), `k${i % 50}`);
      assert.equal(r.partition, acks[i]!.partition);
      assert.equal(r.offset, acks[i]!.offset);
      assert.equal(r.timestamp, 1_700_000_000_000 + i);
      assert.deepEqual(r.headers.map((h) => [h.key, h.value?.toString() ?? null]), [['h', `hv${i}`], ['nul', null]]);
    }
  });
}

test('keyed records land in the partition the Java client picks; explicit partitions are honoured', async () => {
  await admin.createTopics([{ name: 'keyed', numPartitions: 7 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  // murmur2("21") = -973932308 (Kafka UtilsTest): toPositive = 1173551340; 1173551340 % 7 = 3.
  assert.equal((await producer.send({ topic: 'keyed', key: '21', value: 'x' })).partition, 3);
  for (const key of ['foobar', 'abc', 'user-1', 'user-2', 'a-little-bit-long-string']) {
    const meta = await producer.send({ topic: 'keyed', key, value: 'v' });
    assert.equal(meta.partition, partitionForKey(Buffer.from(key), 7), key);
  }
  assert.equal((await producer.send({ topic: 'keyed', key: 'foobar', value: 'v', partition: 6 })).partition, 6);
  await assert.rejects(producer.send({ topic: 'keyed', value: 'v', partition: 7 }), (err: unknown) => err instanceof KafkaError && err.errorName === 'UNKNOWN_TOPIC_OR_PARTITION');
  await producer.close();
});

test('unkeyed records stick to one partition per batch (KIP-480)', async () => {
  await admin.createTopics([{ name: 'sticky', numPartitions: 4 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 50 });
  const metas = await Promise.all(Array.from({ length: 20 }, (_, i) => producer.send({ topic: 'sticky', value: `v${i}` })));
  assert.equal(new Set(metas.map((m) => m.partition)).size, 1, 'one linger window fills one partition');
  assert.deepEqual(metas.map((m) => m.offset), metas.map((_, i) => metas[0]!.offset + BigInt(i)));
  await producer.close();
});

test('acknowledged batch buffers are reused for later batches, and every record arrives intact', async () => {
  await admin.createTopics([{ name: 'pooled', numPartitions: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 1, 'batch.size': 4096 });
  const internals = producer as unknown as { batchMemory: Buffer[]; pendingBatches: Set<{ builder: { memory: Buffer } }> };
  const n = 3000;
  const value = (i: number) => `pooled-${i}-${'y'.repeat(i % 300)}`;
  let pooledBefore = new Set<Buffer>();
  for (let wave = 0; wave < 6; wave++) {
    const sends: Promise<unknown>[] = [];
    for (let i = wave * (n / 6); i < (wave + 1) * (n / 6); i++) sends.push(producer.send({ topic: 'pooled', partition: 0, value: value(i) }));
    if (wave > 0) {
      const open = [...internals.pendingBatches].map((b) => b.builder.memory);
      assert.ok(open.some((m) => pooledBefore.has(m)), `wave ${wave}: new batches are built in buffers of acknowledged ones`);
    }
    await Promise.all(sends);
    pooledBefore = new Set(internals.batchMemory);
    assert.ok(pooledBefore.size > 0, 'acknowledged batches return their buffers');
  }
  await producer.close();
  const records = await consumeAll('pooled', 1, n);
  assert.deepEqual(records.map((r) => r.value!.toString()), Array.from({ length: n }, (_, i) => value(i)));
});

test('batch.size splits batches; linger.ms holds records; flush() sends at once', async () => {
  await admin.createTopics([{ name: 'batching', numPartitions: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 60_000, 'batch.size': 1024 });
  await producer.connect();
  const value = Buffer.alloc(200, 1);
  let delivered = 0;
  for (let i = 0; i < 12; i++) producer.produce({ topic: 'batching', partition: 0, value }, (err) => { assert.ifError(err); delivered++; });
  // Wait for metadata; full batches (1024 bytes ≈ 4 records) go out without waiting for linger.ms.
  const deadline = Date.now() + 5000;
  while (delivered < 8 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.ok(delivered >= 8 && delivered < 12, `full batches are sent, the last partial one lingers (delivered ${delivered})`);
  await producer.flush();
  assert.equal(delivered, 12);
  await producer.close();
});

test('ready batches of one partition fill the in-flight window at once, in order', async () => {
  await admin.createTopics([{ name: 'pipelined', numPartitions: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'linger.ms': 60_000, 'batch.size': 1024, acks: 1, 'enable.idempotence': false });
  await producer.connect();
  // One record first, for the metadata (flushed: on its own it would linger the full 60 s).
  const first = producer.send({ topic: 'pipelined', partition: 0, value: 'metadata' });
  await producer.flush();
  await first;
  // Count Produce requests in flight on the connection (up to max.in.flight.requests.per.connection = 5).
  const { BrokerConnection } = await import('./connection.js');
  const request = BrokerConnection.prototype.request;
  let inFlight = 0;
  let maxInFlight = 0;
  BrokerConnection.prototype.request = async function (this: InstanceType<typeof BrokerConnection>, ...args: Parameters<typeof request>) {
    if (args[0].name !== 'Produce') return request.apply(this, args);
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      return await request.apply(this, args);
    } finally {
      inFlight--;
    }
  } as typeof request;
  try {
    const value = Buffer.alloc(200, 1);
    const sends = Array.from({ length: 21 }, (_, i) => producer.send({ topic: 'pipelined', partition: 0, value, key: String(i) }));
    await producer.flush();
    const metas = await Promise.all(sends);
    assert.deepEqual(metas.map((m) => m.offset - metas[0]!.offset), metas.map((_, i) => BigInt(i)), 'offsets follow send order');
  } finally {
    BrokerConnection.prototype.request = request;
    await producer.close();
  }
  // 21 records of ~210 bytes are 5 full batches of 4 and one of 1: all go out together, not one per drain.
  assert.ok(maxInFlight >= 4, `Produce requests in flight at most ${maxInFlight}`);
});

test('acks=0 and acks=1 produce; send after close fails', async () => {
  await admin.createTopics([{ name: 'acks', numPartitions: 1 }]);
  const p0 = new Producer({ 'bootstrap.servers': broker.bootstrap, acks: 0 });
  const m0 = await p0.send({ topic: 'acks', value: 'a0' });
  assert.equal(m0.offset, -1n);
  await p0.close();
  const p1 = new Producer({ 'bootstrap.servers': broker.bootstrap, acks: 1 });
  const m1 = await p1.send({ topic: 'acks', value: 'a1' });
  assert.ok(m1.offset >= 0n);
  await p1.close();
  await assert.rejects(p1.send({ topic: 'acks', value: 'late' }), /closed/);
  const records = await consumeAll('acks', 1, 2);
  assert.deepEqual(records.map((r) => r.value!.toString()), ['a0', 'a1']);
});

test('buffer.memory backpressure: send waits for space, fails after max.block.ms', async () => {
  await admin.createTopics([{ name: 'backpressure', numPartitions: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'buffer.memory': 4096, 'linger.ms': 0, 'max.block.ms': 200 });
  const value = Buffer.alloc(1000, 2);
  const metas = await Promise.all(Array.from({ length: 40 }, () => producer.send({ topic: 'backpressure', value })));
  assert.equal(metas.length, 40);
  assert.deepEqual(metas.map((m) => m.offset), metas.map((_, i) => BigInt(i)), 'records that waited keep their order');
  assert.ok(producer.bufferedRecordBytes === 0);
  await producer.close();
  // A topic that never appears: send gives up after max.block.ms.
  const p2 = new Producer({ 'bootstrap.servers': broker.bootstrap, 'max.block.ms': 300, 'allow.auto.create.topics': false });
  await assert.rejects(p2.send({ topic: 'never-created', value: 'x' }), /not present in metadata after max.block.ms=300/);
  await p2.close();
});

test('allow.auto.create.topics (default true) lets the broker create a missing topic, as the Java producer does', async () => {
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap, 'max.block.ms': 10_000 });
  const meta = await producer.send({ topic: 'auto-created', value: 'x' });
  await producer.close();
  assert.equal(meta.offset, 0n);
  assert.ok((await admin.listTopics()).includes('auto-created'));
});

test('idempotent producer across a broker crash: every acknowledged record exactly once, in order', async () => {
  await admin.createTopics([{ name: 'idempotent', numPartitions: 2 }]);
  const producer = new Producer({
    'bootstrap.servers': broker.bootstrap,
    'linger.ms': 1,
    'retry.backoff.ms': 50,
    'request.timeout.ms': 3000,
    'delivery.timeout.ms': 60_000,
  });
  const n = 3000;
  const acked: { i: number; partition: number; offset: bigint }[] = [];
  const failed: Error[] = [];
  const sends: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    if (i === 1000) {
      await new Promise((r) => setTimeout(r, 5)); // let batches get in flight
      await broker.kill(); // SIGKILL mid-run, with requests in flight
      setTimeout(() => void broker.restart(), 300);
    }
    sends.push(
      producer.send({ topic: 'idempotent', key: `k${i % 10}`, value: `${i}` }).then(
        (m) => void acked.push({ i, partition: m.partition, offset: m.offset }),
        (err: Error) => void failed.push(err),
      ),
    );
    if (i % 100 === 0) await new Promise((r) => setImmediate(r));
  }
  await Promise.all(sends);
  await producer.close();
  assert.deepEqual(failed.map((e) => e.message), []);
  assert.equal(acked.length, n);
  const records = await consumeAll('idempotent', 2, n, 30_000);
  const values = records.map((r) => Number(r.value!.toString()));
  assert.equal(new Set(values).size, values.length, 'no duplicates');
  assert.equal(values.length, n, 'nothing lost');
  for (const p of [0, 1]) {
    const inPartition = records.filter((r) => r.partition === p).map((r) => Number(r.value!.toString()));
    assert.deepEqual(inPartition, [...inPartition].sort((a, b) => a - b), `partition ${p} keeps send order`);
  }
  for (const a of acked) {
    const r = records.find((x) => x.partition === a.partition && x.offset === a.offset);
    assert.equal(r?.value?.toString(), `${a.i}`, 'acknowledged offset holds the record');
  }
});
