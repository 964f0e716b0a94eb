import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Admin, Consumer, Producer } from '../../src/client/index.js';
import { startBroker, type BrokerHandle } from '../helpers/broker.js';
import { kafka, samsa } from './cli-runner.js';

let broker: BrokerHandle;
let bs: string[];
let admin: Admin;

const HEADER = 'GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID';

before(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0' } });
  bs = ['--bootstrap-server', broker.bootstrap];
  admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  await admin.createTopics([{ name: 'orders', numPartitions: 2, replicationFactor: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  for (let i = 0; i < 10; i++) await producer.send({ topic: 'orders', partition: 0, value: `order-${i}` });
  await producer.close();
});

after(async () => {
  await admin?.close();
  await broker?.cleanup();
});

/** A group member that has read everything and committed offset 6 on partition 0 and 0 on partition 1. */
async function joinAndCommit(groupId: string): Promise<Consumer> {
  const consumer = new Consumer({ 'bootstrap.servers': broker.bootstrap, 'group.id': groupId, 'client.id': 'cli-test', 'enable.auto.commit': false, 'auto.offset.reset': 'earliest' });
  consumer.subscribe(['orders']);
  const deadline = Date.now() + 20_000;
  let read = 0;
  while (read < 10 && Date.now() < deadline) read += (await consumer.poll(500)).length;
  assert.equal(read, 10);
  await consumer.commit([{ topic: 'orders', partition: 0, offset: 6n }, { topic: 'orders', partition: 1, offset: 0n }]);
  return consumer;
}

test('describe shows lag per partition (active member, then none), reset --to-earliest --execute moves the offsets', async () => {
  const consumer = await joinAndCommit('g');
  try {
    const r = await samsa('consumer-groups', ['--describe', '--group', 'g', ...bs]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], '', 'Kafka starts the table with an empty line');
    const memberId = /^g {15}orders {10}0 {10}6 {15}10 {14}4 {15}(cli-test-\S+) \/127\.0\.0\.1 +cli-test$/.exec(lines[2]!)?.[1];
    assert.ok(memberId, `row: ${JSON.stringify(lines[2])}`);
    const idWidth = Math.max(15, memberId.length);
    assert.equal(lines[1], `GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             ${'CONSUMER-ID'.padEnd(idWidth)} HOST            CLIENT-ID`);
    assert.equal(lines[2], `g               orders          0          6               10              4               ${memberId.padEnd(idWidth)} /127.0.0.1      cli-test`);
    assert.equal(lines[3], `g               orders          1          0               0               0               ${memberId.padEnd(idWidth)} /127.0.0.1      cli-test`);
    assert.deepEqual(lines.slice(4), ['']);

    const members = await samsa('consumer-groups', ['--describe', '--group', 'g', '--members', '--verbose', ...bs]);
    assert.equal(members.code, 0, members.stderr);
    assert.equal(
      members.stdout,
      `\nGROUP           ${'CONSUMER-ID'.padEnd(idWidth)} HOST            CLIENT-ID       #PARTITIONS     ASSIGNMENT\n` +
        `g               ${memberId.padEnd(idWidth)} /127.0.0.1      cli-test        2               orders(0,1)\n`,
    );

    const state = await samsa('consumer-groups', ['--describe', '--group', 'g', '--state', ...bs]);
    const coordinator = `${broker.host}:${broker.port}  (1)`.padEnd(25);
    assert.equal(state.stdout, `\nGROUP           COORDINATOR (ID)${' '.repeat(coordinator.length - 16)} ASSIGNMENT-STRATEGY  STATE                #MEMBERS\ng               ${coordinator} range                Stable               1\n`);

    const list = await samsa('consumer-groups', ['--list', '--state', 'stable', ...bs]);
    assert.equal(list.stdout, `${'GROUP'.padEnd(25)} ${'STATE'.padEnd(20)}\n${'g'.padEnd(25)} ${'Stable'.padEnd(20)}\n`);

    const refused = await samsa('consumer-groups', ['--reset-offsets', '--group', 'g', '--to-earliest', '--topic', 'orders', '--execute', ...bs]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /\nError: Assignments can only be reset if the group 'g' is inactive, but the current state is Stable\.\n/);
  } finally {
    await consumer.close();
  }

  let r = await samsa('consumer-groups', ['--describe', '--group', 'g', ...bs]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, "\nConsumer group 'g' has no active members.\n");
  assert.equal(
    r.stdout,
    `\n${HEADER}\n` +
      'g               orders          0          6               10              4               -               -               -\n' +
      'g               orders          1          0               0               0               -               -               -\n',
  );

  r = await samsa('consumer-groups', ['--reset-offsets', '--group', 'g', '--topic', 'orders', '--to-earliest', ...bs]);
  assert.equal(r.code, 0, r.stderr);
  const plan =
    '\nGROUP                          TOPIC                          PARTITION  NEW-OFFSET     ' +
    '\ng                              orders                         0          0              ' +
    '\ng                              orders                         1          0              \n';
  assert.equal(r.stdout, plan, 'dry run by default');
  assert.match((await samsa('consumer-groups', ['--describe', '--group', 'g', ...bs])).stdout, /orders {10}0 {10}6 /, 'a dry run changes nothing');

  r = await samsa('consumer-groups', ['--reset-offsets', '--group', 'g', '--topic', 'orders', '--to-earliest', '--execute', ...bs]);
  assert.deepEqual([r.code, r.stdout], [0, plan]);
  r = await samsa('consumer-groups', ['--describe', '--group', 'g', ...bs]);
  assert.match(r.stdout, /\ng {15}orders {10}0 {10}0 {15}10 {14}10 {14}- /);

  // Out-of-range targets clamp to the log end; --shift-by from the committed offset; CSV export.
  r = await samsa('consumer-groups', ['--reset-offsets', '--group', 'g', '--topic', 'orders:0', '--to-offset', '99', '--execute', ...bs]);
  assert.match(r.stdout, /\ng {30}orders {25}0 {10}10 {13}\n$/);
  r = await samsa('consumer-groups', ['--reset-offsets', '--group', 'g', '--all-topics', '--shift-by', '-3', '--export', ...bs]);
  assert.deepEqual([r.code, r.stdout], [0, 'orders,0,7\norders,1,0\n\n']);

  const dir = await mkdtemp(join(tmpdir(), 'samsa-cg-'));
  try {
    const file = join(dir, 'plan.csv');
    await writeFile(file, 'orders,0,2\norders,1,0\n');
    r = await kafka('consumer-groups', ['--reset-offsets', '--group', 'g', '--from-file', file, '--execute', ...bs]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((await admin.listGroupOffsets('g')).map((o) => [o.partition, o.offset]), [[0, 2n], [1, 0n]]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('list, missing groups, delete-offsets and delete', async () => {
  const consumer = await joinAndCommit('h');
  await consumer.close();
  let r = await samsa('consumer-groups', ['--list', ...bs]);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.split('\n').includes('h'));

  r = await samsa('consumer-groups', ['--describe', '--group', 'nope', ...bs]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', "\nError: Consumer group 'nope' does not exist.\n"]);

  r = await samsa('consumer-groups', ['--delete-offsets', '--group', 'h', '--topic', 'orders:1', ...bs]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Request succeeded for deleting offsets from group h.\n\nTOPIC           PARTITION  STATUS         \norders          1          Successful     \n');

  r = await samsa('consumer-groups', ['--delete', '--group', 'h', ...bs]);
  assert.deepEqual([r.code, r.stdout], [0, "Deletion of requested consumer groups ('h') was successful.\n"]);
  r = await samsa('consumer-groups', ['--delete', '--group', 'h', ...bs]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "\nError: Deletion of some consumer groups failed:\n* Group 'h' could not be deleted due to: org.apache.kafka.common.errors.GroupIdNotFoundException: The group id does not exist.\n");
});

test('usage errors', async () => {
  let r = await samsa('consumer-groups', ['--describe', ...bs]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Option \[describe\] takes one of these options: \[all-groups\], \[group\]\nOption +Description/);
  r = await samsa('consumer-groups', ['--reset-offsets', '--group', 'g', '--topic', 'orders', ...bs]);
  assert.match(r.stderr, /^Option \[reset-offsets\] takes exactly one of these options: \[to-datetime\], \[by-duration\], \[to-earliest\], \[to-latest\], \[shift-by\], \[from-file\], \[to-current\], \[to-offset\]\n/);
  r = await samsa('consumer-groups', ['--list', '--describe', ...bs]);
  assert.match(r.stderr, /^Command must include exactly one action: --list, --describe, --delete, --reset-offsets, --delete-offsets\n/);
});
