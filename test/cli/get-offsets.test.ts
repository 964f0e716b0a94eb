import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Admin, Producer } from '../../src/client/index.js';
import { startBroker, type BrokerHandle } from '../helpers/broker.js';
import { kafka, samsa } from './cli-runner.js';

let broker: BrokerHandle;
let bs: string[];

before(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
  const admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  await admin.createTopics([{ name: 'events', numPartitions: 3 }, { name: 'wide', numPartitions: 12 }]);
  await admin.close();
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  for (let i = 0; i < 5; i++) await producer.send({ topic: 'events', partition: 0, value: `e${i}`, timestamp: 1000 + i });
  await producer.send({ topic: 'events', partition: 2, value: 'x', timestamp: 5000 });
  await producer.close();
});

after(async () => {
  await broker?.cleanup();
});

test('topic:partition:offset lines for --topic/--partitions and --topic-partitions, every --time form', async () => {
  let r = await samsa('get-offsets', [...bs, '--topic', 'events']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'events:0:5\nevents:1:0\nevents:2:1\n', '']);
  r = await kafka('get-offsets', [...bs, '--topic', 'ev.*', '--partitions', '0,2', '--time', '-2']);
  assert.equal(r.stdout, 'events:0:0\nevents:2:0\n');
  r = await samsa('get-offsets', [...bs, '--topic', 'events', '--time', 'earliest', '--partitions', '0']);
  assert.equal(r.stdout, 'events:0:0\n');
  r = await samsa('get-offsets', [...bs, '--topic', 'events', '--time', '1003']);
  assert.equal(r.stdout, 'events:0:3\nevents:2:0\n', 'partitions with no record at/after the time print nothing');
  r = await samsa('get-offsets', [...bs, '--topic', 'events', '--time', 'max-timestamp']);
  assert.equal(r.stdout, 'events:0:4\nevents:2:0\n');
  r = await samsa('get-offsets', [...bs, '--topic-partitions', 'events:1-3,wide:10']);
  assert.equal(r.stdout, 'events:1:0\nevents:2:1\nwide:10:0\n', 'ranges are lower-inclusive, upper-exclusive');
  r = await samsa('get-offsets', [...bs, '--topic-partitions', 'wide:*']);
  // Kafka sorts by TopicPartition.toString() as text: wide-10 before wide-2.
  assert.equal(r.stdout, ['0', '1', '10', '11', '2', '3', '4', '5', '6', '7', '8', '9'].map((p) => `wide:${p}:0\n`).join(''));
});

test('errors: Error occurred: <message>, exit 1', async () => {
  let r = await samsa('get-offsets', [...bs, '--topic', 'none']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Error occurred: Could not match any topic-partitions with the specified filters\n']);
  r = await samsa('get-offsets', [...bs, '--topic', 'events', '--time', 'yesterday']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error occurred: Malformed time argument yesterday\. Please use -1 or latest/);
  r = await samsa('get-offsets', [...bs, '--topic', 'events', '--topic-partitions', 'events:0']);
  assert.equal(r.stderr, 'Error occurred: --topic-partitions cannot be used with --topic or --partitions\n');
  r = await samsa('get-offsets', [...bs, '--topic-partitions', 'events:x']);
  assert.equal(r.stderr, 'Error occurred: Invalid rule specification: events:x\n');
});
