import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../../test/helpers/broker.js';
import { Admin, Consumer, KafkaError, Producer, type ConsumerRecord, type TopicPartition } from './index.js';

const binPath = process.env.SAMSA_TEST_BROKER_BIN;
let broker: BrokerHandle;
let admin: Admin;

before(async () => {
  broker = await startBroker(binPath ? { binPath } : {});
  admin = new Admin({ 'bootstrap.servers': broker.bootstrap });
  await admin.createTopics([{ name: 'grp', numPartitions: 4 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  await producer.sendMany(Array.from({ length: 400 }, (_, i) => ({ topic: 'grp', partition: i % 4, value: `${i}` })));
  await producer.close();
});

after(async () => {
  await admin?.close();
  await broker?.cleanup();
});

function member(groupId: string, extra: Record<string, unknown> = {}): Consumer {
  return new Consumer({
    'bootstrap.servers': broker.bootstrap,
    'group.id': groupId,
    'auto.offset.reset': 'earliest',
    'fetch.max.wait.ms': 100,
    'heartbeat.interval.ms': 200,
    'session.timeout.ms': 6000,
    ...extra,
  });
}

async function take(consumer: Consumer, n: number, timeoutMs = 15_000): Promise<ConsumerRecord[]> {
  const out: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < n && Date.now() < deadline) out.push(...(await consumer.poll(100)));
  return out;
}

const names = (tps: TopicPartition[]): string[] => tps.map((tp) => `${tp.topic}-${tp.partition}`).sort();

test('a single member gets every partition, commits, and a new member resumes from the commit', async () => {
  const assigned: string[][] = [];
  const c1 = member('g-single', { 'enable.auto.commit': false });
  c1.subscribe(['grp'], { onPartitionsAssigned: (tps) => void assigned.push(names(tps)) });
  const records = await take(c1, 400);
  assert.equal(records.length, 400);
  assert.deepEqual(assigned[0], ['grp-0', 'grp-1', 'grp-2', 'grp-3']);
  // Commit 50 per partition, then leave.
  await c1.commit([0, 1, 2, 3].map((partition) => ({ topic: 'grp', partition, offset: 50n })));
  assert.deepEqual((await c1.committed()).map((o) => o.offset), [50n, 50n, 50n, 50n]);
  await c1.close();

  const c2 = member('g-single');
  c2.subscribe(['grp']);
  const rest = await take(c2, 200);
  assert.equal(rest.length, 200);
  assert.ok(rest.every((r) => r.offset >= 50n));
  await c2.close(); // auto-commit on close
  const offsets = await admin.listGroupOffsets('g-single');
  assert.deepEqual(offsets.map((o) => o.offset), [100n, 100n, 100n, 100n]);
});

for (const strategy of ['range', 'roundrobin', 'cooperative-sticky']) {
  test(`two members share the partitions (${strategy}) and the survivor takes over on leave`, async () => {
    const groupId = `g-${strategy}`;
    const a = member(groupId, { 'partition.assignment.strategy': strategy });
    const b = member(groupId, { 'partition.assignment.strategy': strategy });
    const lost: string[] = [];
    a.subscribe(['grp']);
    await take(a, 1);
    b.subscribe(['grp'], { onPartitionsLost: (tps) => void lost.push(...names(tps)) });
    // Poll both until the assignment is split 2/2.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      await Promise.all([a.poll(100), b.poll(100)]);
      if (a.assignment().length === 2 && b.assignment().length === 2) break;
    }
    assert.equal(a.assignment().length, 2, `a has ${names(a.assignment())}`);
    assert.equal(b.assignment().length, 2, `b has ${names(b.assignment())}`);
    assert.deepEqual(names([...a.assignment(), ...b.assignment()]), ['grp-0', 'grp-1', 'grp-2', 'grp-3']);
    await b.close();
    const until = Date.now() + 20_000;
    while (a.assignment().length < 4 && Date.now() < until) await a.poll(100);
    assert.equal(a.assignment().length, 4);
    await a.close();
    assert.deepEqual(lost, []);
    const groups = await admin.describeGroups([groupId]);
    assert.equal(groups[0]!.state, 'Empty');
  });
}

test('admin lists, describes and deletes groups; group errors are KafkaErrors', async () => {
  const c = member('g-admin');
  c.subscribe(['grp']);
  await take(c, 10);
  const listed = await admin.listGroups();
  assert.ok(listed.some((g) => g.groupId === 'g-admin' && g.protocolType === 'consumer'));
  const [desc] = await admin.describeGroups(['g-admin']);
  assert.equal(desc!.state, 'Stable');
  assert.equal(desc!.members.length, 1);
  assert.deepEqual(names(desc!.members[0]!.assignment), ['grp-0', 'grp-1', 'grp-2', 'grp-3']);
  await assert.rejects(admin.deleteGroups(['g-admin']), (err: unknown) => err instanceof KafkaError && err.errorName === 'NON_EMPTY_GROUP');
  await c.close();
  await admin.alterGroupOffsets('g-admin', [{ topic: 'grp', partition: 0, offset: 7n }]);
  assert.equal((await admin.listGroupOffsets('g-admin', [{ topic: 'grp', partition: 0 }]))[0]!.offset, 7n);
  await admin.deleteGroupOffsets('g-admin', [{ topic: 'grp', partition: 0 }]);
  assert.equal((await admin.listGroupOffsets('g-admin', [{ topic: 'grp', partition: 0 }]))[0]!.offset, -1n);
  await admin.deleteGroups(['g-admin']);
  await assert.rejects(admin.deleteGroups(['g-admin']), (err: unknown) => err instanceof KafkaError && err.errorName === 'GROUP_ID_NOT_FOUND');
});
