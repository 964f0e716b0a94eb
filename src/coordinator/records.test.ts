import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeRecord, groupMetadataRecord, offsetCommitRecord } from './records.js';

/** Hex with spaces and comments removed. */
const hex = (s: string): string => s.replace(/#[^\n]*/g, '').replace(/\s+/g, '');

// Golden bytes derived by hand from Kafka's schemas (OffsetCommitKey/Value, GroupMetadataKey/Value):
// int16 version, then the struct with int16-length strings, int32-length bytes and arrays (non-flexible versions).

test('OffsetCommitKey v1 + OffsetCommitValue v3 (no expire timestamp), as Kafka 3.x writes them', () => {
  const record = offsetCommitRecord('g', 't', 2, { offset: 42n, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
  assert.equal(record.key.toString('hex'), hex(`
    0001            # key version 1
    0001 67         # group "g"
    0001 74         # topic "t"
    00000002        # partition 2
  `));
  assert.equal(record.value!.toString('hex'), hex(`
    0003                # value version 3
    000000000000002a    # offset 42
    00000003            # leaderEpoch 3
    0001 6d             # metadata "m"
    00000000000003e8    # commitTimestamp 1000
  `));
  const decoded = decodeRecord(record)!;
  assert.equal(decoded.type, 'offset');
  assert.deepEqual(decoded.key, { group: 'g', topic: 't', partition: 2 });
  assert.deepEqual(decoded.value, { offset: 42n, leaderEpoch: 3, metadata: 'm', commitTimestamp: 1000n, expireTimestamp: -1n });
});

test('OffsetCommitValue v1 carries the expire timestamp and no leader epoch', () => {
  const record = offsetCommitRecord('g', 't', 0, { offset: 1n, leaderEpoch: 7, metadata: '', commitTimestamp: 1000n, expireTimestamp: 6000n });
  assert.equal(record.value!.toString('hex'), hex(`
    0001 0000000000000001 0000 00000000000003e8 0000000000001770
  `));
  const decoded = decodeRecord(record)!;
  assert.ok(decoded.type === 'offset');
  assert.equal(decoded.value!.leaderEpoch, -1);
  assert.equal(decoded.value!.expireTimestamp, 6000n);
});

test('offset tombstone: key only', () => {
  const record = offsetCommitRecord('g', 't', 2, null);
  assert.equal(record.value, null);
  assert.deepEqual(decodeRecord(record), { type: 'offset', key: { group: 'g', topic: 't', partition: 2 }, value: null });
});

test('GroupMetadataKey v2 + GroupMetadataValue v3 of a Stable group', () => {
  const record = groupMetadataRecord('g', {
    protocolType: 'consumer', generation: 1, protocol: 'range', leader: 'm1', currentStateTimestamp: 1000n,
    members: [{ memberId: 'm1', groupInstanceId: null, clientId: 'c', clientHost: '/h', rebalanceTimeout: 30000, sessionTimeout: 10000, subscription: Buffer.from([1, 2]), assignment: Buffer.from([9]) }],
  });
  assert.equal(record.key.toString('hex'), hex('0002 0001 67'));
  assert.equal(record.value!.toString('hex'), hex(`
    0003                      # value version 3
    0008 636f6e73756d6572     # protocolType "consumer"
    00000001                  # generation 1
    0005 72616e6765           # protocol "range"
    0002 6d31                 # leader "m1"
    00000000000003e8          # currentStateTimestamp 1000
    00000001                  # 1 member
      0002 6d31               # memberId
      ffff                    # groupInstanceId null
      0001 63                 # clientId
      0002 2f68               # clientHost
      00007530                # rebalanceTimeout 30000
      00002710                # sessionTimeout 10000
      00000002 0102           # subscription
      00000001 09             # assignment
  `));
  const decoded = decodeRecord(record)!;
  assert.equal(decoded.type, 'group');
  assert.equal(decoded.value!.members[0]!.memberId, 'm1');
});

test('the empty-group record Kafka writes for a new group: no protocol, no leader, no members', () => {
  const record = groupMetadataRecord('g', { protocolType: '', generation: 0, protocol: null, leader: null, currentStateTimestamp: 5n, members: [] });
  assert.equal(record.value!.toString('hex'), hex('0003 0000 00000000 ffff ffff 0000000000000005 00000000'));
});

test('GroupMetadataValue versions 0-2 (older brokers) decode', () => {
  // Version 0: no currentStateTimestamp, no rebalanceTimeout, no groupInstanceId.
  const v0 = Buffer.from(hex(`
    0000 0008 636f6e73756d6572 00000002 0005 72616e6765 0002 6d31 00000001
    0002 6d31 0001 63 0002 2f68 00002710 00000000 00000000
  `), 'hex');
  const decoded = decodeRecord({ key: Buffer.from(hex('0002 0001 67'), 'hex'), value: v0 })!;
  assert.equal(decoded.type, 'group');
  assert.equal(decoded.value!.generation, 2);
  assert.equal(decoded.value!.currentStateTimestamp, -1n);
  assert.equal(decoded.value!.members[0]!.rebalanceTimeout, -1);
});

test('malformed records of known types are rejected; unknown record types are skipped', () => {
  assert.throws(() => decodeRecord({ key: Buffer.from(hex('0001 0001 67'), 'hex'), value: null }));
  assert.throws(() => decodeRecord({ key: Buffer.from(hex('0002 0001 67'), 'hex'), value: Buffer.from(hex('0009'), 'hex') }));
  assert.equal(decodeRecord({ key: Buffer.from(hex('0005 0001 67'), 'hex'), value: null }), null);
});
