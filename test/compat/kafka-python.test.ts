/**
 * kafka-python 2.0.2, used exactly as course material uses it: KafkaProducer(...).send(topic,
 * value=..., key=...), flush, then a KafkaConsumer(topic, auto_offset_reset='earliest',
 * consumer_timeout_ms=...) iterated to the end, without a consumer group.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { assertContiguousOffsets, assertOnePartitionPerKey, assertProducerOrderPerPartition, setDifference } from '../helpers/checks.js';
import { requireClient, runPythonJson } from '../helpers/clients.js';
import { withParams } from '../helpers/kafka-python.js';

const RECORD_COUNT = 200;
const KEY_COUNT = 10;

// The course snippets, unchanged apart from collecting what they return.
const COURSE_SCRIPT = String.raw`
from kafka import KafkaProducer, KafkaConsumer
from kafka.admin import KafkaAdminClient, NewTopic

bootstrap = PARAMS['bootstrap']
topic = PARAMS['topic']

if PARAMS['partitions'] is not None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(name=topic, num_partitions=PARAMS['partitions'], replication_factor=1)])
    admin.close()

producer = KafkaProducer(bootstrap_servers=[bootstrap])
futures = []
for i in range(PARAMS['count']):
    key = ('key-%d' % (i % PARAMS['keys'])).encode()
    value = ('message %d' % i).encode()
    futures.append(producer.send(topic, value=value, key=key))
producer.flush()
acked = []
for f in futures:
    md = f.get(timeout=10)
    acked.append([md.partition, md.offset])

consumer = KafkaConsumer(topic, bootstrap_servers=[bootstrap], auto_offset_reset='earliest',
                         consumer_timeout_ms=5000)
consumed = []
for message in consumer:
    consumed.append({'partition': message.partition, 'offset': message.offset,
                     'key': message.key.decode(), 'value': message.value.decode()})
partitions = sorted(consumer.partitions_for_topic(topic))
consumer.close()
producer.close()
print('RESULT ' + json.dumps({'acked': acked, 'consumed': consumed, 'partitions': partitions}))
`;

interface CourseResult {
  acked: Array<[number, number]>;
  consumed: Array<{ partition: number; offset: number; key: string; value: string }>;
  partitions: number[];
}

async function runCourse(bootstrap: string, topic: string, partitions: number | null): Promise<CourseResult> {
  const params = { bootstrap, topic, partitions, count: RECORD_COUNT, keys: KEY_COUNT };
  return await runPythonJson<CourseResult>(withParams(params, COURSE_SCRIPT), { timeoutMs: 45_000 });
}

function verify(result: CourseResult, expectedPartitions: number): void {
  assert.deepEqual(result.partitions, Array.from({ length: expectedPartitions }, (_, i) => i), 'topic partitions');
  assert.equal(result.acked.length, RECORD_COUNT);

  const produced = Array.from({ length: RECORD_COUNT }, (_, i) => ({ key: `key-${i % KEY_COUNT}`, value: `message ${i}` }));
  const consumedValues = result.consumed.map((r) => r.value);
  assert.equal(new Set(consumedValues).size, consumedValues.length, 'a value was consumed twice');
  assert.equal(result.consumed.length, RECORD_COUNT,
    `consumed ${result.consumed.length} records, produced ${RECORD_COUNT}: ${setDifference(produced.map((p) => p.value), consumedValues)}`);

  const index = (value: string): number => Number(value.slice('message '.length));
  for (const r of result.consumed) {
    const i = index(r.value);
    assert.equal(r.key, produced[i]!.key, `key of ${r.value}`);
    const [partition, offset] = result.acked[i]!;
    assert.deepEqual([r.partition, r.offset], [partition, offset], `${r.value} read at a different place than acknowledged`);
  }
  assertContiguousOffsets(result.consumed);
  assertProducerOrderPerPartition(result.consumed, (r) => index(r.value));
  const keyToPartition = assertOnePartitionPerKey(result.consumed, (r) => r.key);
  assert.equal(keyToPartition.size, KEY_COUNT);
  if (expectedPartitions > 1) {
    assert.ok(new Set(keyToPartition.values()).size > 1, `all ${KEY_COUNT} keys landed in one partition`);
  }
}

test('kafka-python: course producer/consumer on an auto-created topic', { timeout: 55_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({}, async (broker) => {
    verify(await runCourse(broker.bootstrap, 'messages', null), 1);
  });
});

test('kafka-python: course producer/consumer on a 4-partition topic from KafkaAdminClient', { timeout: 55_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({}, async (broker) => {
    verify(await runCourse(broker.bootstrap, 'messages4', 4), 4);
  });
});
