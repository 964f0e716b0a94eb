import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cooperativeStickyAssignor, rangeAssignor, roundRobinAssignor, type MemberSubscription } from './assignors.js';

const m = (memberId: string, topics: string[], owned: [string, number][] = []): MemberSubscription => ({
  memberId,
  topics,
  ownedPartitions: owned.map(([topic, partition]) => ({ topic, partition })),
});
const flat = (tps: { topic: string; partition: number }[] | undefined): string[] => (tps ?? []).map((tp) => `${tp.topic}-${tp.partition}`);

test('range assigns consecutive partitions per topic, extra partitions to the first members', () => {
  const counts = new Map([['t0', 3], ['t1', 3]]);
  const a = rangeAssignor.assign([m('c1', ['t0', 't1']), m('c0', ['t0', 't1'])], counts);
  // Kafka's RangeAssignor javadoc example: C0 [t0p0, t0p1, t1p0, t1p1], C1 [t0p2, t1p2].
  assert.deepEqual(flat(a.get('c0')), ['t0-0', 't0-1', 't1-0', 't1-1']);
  assert.deepEqual(flat(a.get('c1')), ['t0-2', 't1-2']);
});

test('roundrobin deals all partitions in turn', () => {
  const counts = new Map([['t0', 3], ['t1', 3]]);
  const a = roundRobinAssignor.assign([m('c0', ['t0', 't1']), m('c1', ['t0', 't1'])], counts);
  // Kafka's RoundRobinAssignor javadoc example: C0 [t0p0, t0p2, t1p1], C1 [t0p1, t1p0, t1p2].
  assert.deepEqual(flat(a.get('c0')), ['t0-0', 't0-2', 't1-1']);
  assert.deepEqual(flat(a.get('c1')), ['t0-1', 't1-0', 't1-2']);
});

test('roundrobin skips members not subscribed to a topic', () => {
  const a = roundRobinAssignor.assign([m('a', ['x']), m('b', ['x', 'y'])], new Map([['x', 2], ['y', 2]]));
  assert.deepEqual(flat(a.get('a')), ['x-0']);
  assert.deepEqual(flat(a.get('b')), ['x-1', 'y-0', 'y-1']);
});

test('cooperative-sticky keeps owned partitions and holds back those that move', () => {
  const counts = new Map([['t', 4]]);
  // c0 owns everything; c1 joins: the balanced target gives c1 two partitions, but they are
  // owned by c0, so this round c0 keeps two and c1 gets nothing yet (c0 revokes, then rejoins).
  const first = cooperativeStickyAssignor.assign([m('c0', ['t'], [['t', 0], ['t', 1], ['t', 2], ['t', 3]]), m('c1', ['t'])], counts);
  assert.deepEqual(flat(first.get('c0')), ['t-0', 't-1']);
  assert.deepEqual(flat(first.get('c1')), []);
  // Second round: the revoked partitions are free and go to c1; c0 keeps its two.
  const second = cooperativeStickyAssignor.assign([m('c0', ['t'], [['t', 0], ['t', 1]]), m('c1', ['t'])], counts);
  assert.deepEqual(flat(second.get('c0')), ['t-0', 't-1']);
  assert.deepEqual(flat(second.get('c1')), ['t-2', 't-3']);
});

test('every assignor assigns each partition exactly once', () => {
  const counts = new Map([['a', 5], ['b', 7]]);
  const members = [m('m1', ['a', 'b']), m('m2', ['a', 'b']), m('m3', ['a', 'b'])];
  for (const assignor of [rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor]) {
    const all = [...assignor.assign(members, counts).values()].flatMap(flat).sort();
    assert.equal(all.length, 12, assignor.name);
    assert.equal(new Set(all).size, 12, assignor.name);
  }
});
