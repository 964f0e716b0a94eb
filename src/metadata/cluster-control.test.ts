import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../common/errors.js';
import {
  BrokerHeartbeatTracker,
  alterPartition,
  alterPartitionReassignments,
  brokerHeartbeat,
  electLeaders,
  fenceBroker,
  listPartitionReassignments,
  preferredLeaderRebalance,
  registerBroker,
  unfenceElections,
  type ClusterControlOptions,
} from './cluster-control.js';
import { partitionRecord, placeReplicas, type ControllerContext } from './controller.js';
import { MetadataImage, type PartitionImage } from './metadata-image.js';
import { MetadataRecordType, decodeMetadataRecord, encodeMetadataRecord, type MetadataRecord } from './metadata-record.js';

const CLEAN: ClusterControlOptions = { uncleanLeaderElection: () => false };
const UNCLEAN: ClusterControlOptions = { uncleanLeaderElection: () => true };
const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** A distinct incarnation id (a UUID, base64url) per number. */
function inc(n: number): string {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n, 12);
  bytes[0] = 0x40;
  return bytes.toString('base64url');
}

/** Replays records into the image, through the wire encoding (so the record versions carry every field). */
function apply(image: MetadataImage, records: MetadataRecord[]): void {
  for (const r of records) image.replay(decodeMetadataRecord(encodeMetadataRecord(r)), image.lastOffset + 1n);
}

/** Registers and unfences brokers (with optional racks). */
function withBrokers(image: MetadataImage, ids: number[], racks: (string | null)[] = []): void {
  ids.forEach((id, i) => {
    const reg = registerBroker(image, { brokerId: id, incarnationId: inc(id), rack: racks[i] ?? null, endpoints: [{ name: 'PLAINTEXT', host: 'localhost', port: 9092 + id, securityProtocol: 0 }] });
    apply(image, reg.records);
    const hb = brokerHeartbeat(image, CLEAN, { brokerId: id, brokerEpoch: reg.result.brokerEpoch, currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: false });
    apply(image, hb.records);
  });
}

/** Adds topic `t` with the given replica lists (ISR = replicas, leader = first). */
function withTopic(image: MetadataImage, assignment: number[][], name = 't', topicId = TOPIC_ID): void {
  const records: MetadataRecord[] = [{ type: MetadataRecordType.Topic, version: 0, data: { name, topicId } }];
  assignment.forEach((replicas, partitionId) => records.push(partitionRecord(topicId, partitionId, replicas)));
  apply(image, records);
}

function part(image: MetadataImage, partition = 0, topic = 't'): PartitionImage {
  return image.topic(topic)!.partitions.get(partition)!;
}

function epochOf(image: MetadataImage, id: number): bigint {
  return image.brokers.get(id)!.brokerEpoch;
}

function cluster(ids: number[], assignment: number[][]): MetadataImage {
  const image = new MetadataImage();
  withBrokers(image, ids);
  withTopic(image, assignment);
  return image;
}

describe('registerBroker', () => {
  test('a new broker registers fenced with epoch 0, a retry changes nothing', () => {
    const image = new MetadataImage();
    const req = { brokerId: 1, incarnationId: inc(101), rack: 'r1', endpoints: [{ name: 'PLAINTEXT', host: 'h', port: 1, securityProtocol: 0 }] };
    const first = registerBroker(image, req);
    assert.equal(first.result.errorCode, ErrorCode.NONE);
    assert.equal(first.result.brokerEpoch, 0n);
    apply(image, first.records);
    const b = image.brokers.get(1)!;
    assert.equal(b.fenced, true);
    assert.equal(b.rack, 'r1');
    assert.equal(b.registeredAtOffset, image.lastOffset);
    assert.equal(b.inControlledShutdown, false);
    const retry = registerBroker(image, req);
    assert.deepEqual(retry.records, []);
    assert.equal(retry.result.brokerEpoch, 0n);
  });

  test('a new incarnation of a live leader re-registers fenced and loses leadership', () => {
    const image = cluster([1, 2], [[1, 2]]);
    const before = epochOf(image, 1);
    const r = registerBroker(image, { brokerId: 1, incarnationId: inc(102), rack: null, endpoints: [] });
    assert.equal(r.result.brokerEpoch, before + 1n);
    assert.equal(r.records.at(-1)!.type, MetadataRecordType.RegisterBroker);
    apply(image, r.records);
    assert.equal(image.brokers.get(1)!.fenced, true);
    assert.equal(part(image).leader, 2);
    assert.deepEqual(part(image).isr, [2]);
    assert.equal(part(image).leaderEpoch, 1);
  });
});

describe('brokerHeartbeat', () => {
  test('stale epoch and unknown broker get STALE_BROKER_EPOCH', () => {
    const image = cluster([1], [[1]]);
    const hb = (brokerId: number, brokerEpoch: bigint) => brokerHeartbeat(image, CLEAN, { brokerId, brokerEpoch, currentMetadataOffset: 100n, wantFence: false, wantShutDown: false });
    assert.equal(hb(1, 7n).result.errorCode, ErrorCode.STALE_BROKER_EPOCH);
    assert.equal(hb(9, 0n).result.errorCode, ErrorCode.STALE_BROKER_EPOCH);
  });

  test('a fenced broker stays fenced until caught up, then is unfenced and leads its leaderless partitions', () => {
    const image = cluster([1, 2], [[1, 2], [2, 1]]);
    apply(image, fenceBroker(image, CLEAN, 1));
    apply(image, fenceBroker(image, CLEAN, 2)); // both partitions offline, ISR [2]
    assert.equal(part(image, 0).leader, -1);
    assert.deepEqual(part(image, 0).isr, [2]);
    const reg = registerBroker(image, { brokerId: 2, incarnationId: inc(103), rack: null, endpoints: [] });
    apply(image, reg.records);
    const registeredAt = image.brokers.get(2)!.registeredAtOffset;
    const early = brokerHeartbeat(image, CLEAN, { brokerId: 2, brokerEpoch: reg.result.brokerEpoch, currentMetadataOffset: registeredAt - 1n, wantFence: false, wantShutDown: false });
    assert.deepEqual(early.records, []);
    assert.deepEqual(early.result, { errorCode: ErrorCode.NONE, isCaughtUp: false, isFenced: true, inControlledShutdown: false, shouldShutDown: false });
    const caughtUp = brokerHeartbeat(image, CLEAN, { brokerId: 2, brokerEpoch: reg.result.brokerEpoch, currentMetadataOffset: registeredAt, wantFence: false, wantShutDown: false });
    assert.equal(caughtUp.result.isCaughtUp, true);
    assert.equal(caughtUp.result.isFenced, false);
    assert.equal(caughtUp.records[0]!.type, MetadataRecordType.BrokerRegistrationChange);
    apply(image, caughtUp.records);
    assert.equal(image.brokers.get(2)!.fenced, false);
    assert.equal(part(image, 0).leader, 2);
    assert.equal(part(image, 1).leader, 2);
  });

  test('a fenced caught-up broker that wants to stay fenced is not unfenced', () => {
    const image = new MetadataImage();
    const reg = registerBroker(image, { brokerId: 1, incarnationId: inc(101), rack: null, endpoints: [] });
    apply(image, reg.records);
    const hb = brokerHeartbeat(image, CLEAN, { brokerId: 1, brokerEpoch: 0n, currentMetadataOffset: 10n, wantFence: true, wantShutDown: false });
    assert.deepEqual(hb.records, []);
    assert.equal(hb.result.isFenced, true);
  });

  test('controlled shutdown moves leadership away, shrinks ISRs, then fences and releases the broker', () => {
    const image = cluster([1, 2, 3], [[1, 2, 3], [2, 1, 3], [1]]);
    const req = { brokerId: 1, brokerEpoch: epochOf(image, 1), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: true };
    const first = brokerHeartbeat(image, CLEAN, req);
    assert.deepEqual(first.result, { errorCode: ErrorCode.NONE, isCaughtUp: true, isFenced: false, inControlledShutdown: true, shouldShutDown: false });
    apply(image, first.records);
    assert.equal(image.brokers.get(1)!.inControlledShutdown, true);
    assert.equal(image.brokers.get(1)!.fenced, false);
    assert.equal(part(image, 0).leader, 2);
    assert.deepEqual(part(image, 0).isr, [2, 3]);
    assert.equal(part(image, 1).leader, 2);
    assert.deepEqual(part(image, 1).isr, [2, 3]);
    assert.equal(part(image, 2).leader, -1, 'sole replica goes offline');
    assert.deepEqual(part(image, 2).isr, [1], 'the last ISR member stays');
    const second = brokerHeartbeat(image, CLEAN, req);
    assert.equal(second.result.shouldShutDown, true);
    assert.equal(second.result.isFenced, true);
    apply(image, second.records);
    assert.equal(image.brokers.get(1)!.fenced, true);
    const third = brokerHeartbeat(image, CLEAN, req);
    assert.deepEqual(third.records, []);
    assert.equal(third.result.shouldShutDown, true);
  });

  test('a broker leading nothing shuts down at once; a fenced one too', () => {
    const image = cluster([1, 2], [[1, 2]]);
    const hb = brokerHeartbeat(image, CLEAN, { brokerId: 2, brokerEpoch: epochOf(image, 2), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: true });
    assert.equal(hb.result.shouldShutDown, true);
    apply(image, hb.records);
    assert.equal(image.brokers.get(2)!.fenced, true);
    assert.deepEqual(part(image).isr, [1]);
    const again = brokerHeartbeat(image, CLEAN, { brokerId: 2, brokerEpoch: epochOf(image, 2), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: true });
    assert.equal(again.result.shouldShutDown, true);
    assert.deepEqual(again.records, []);
  });

  test('an unfenced broker that wants to be fenced is fenced', () => {
    const image = cluster([1, 2], [[1, 2]]);
    const hb = brokerHeartbeat(image, CLEAN, { brokerId: 1, brokerEpoch: epochOf(image, 1), currentMetadataOffset: image.lastOffset, wantFence: true, wantShutDown: false });
    assert.equal(hb.result.isFenced, true);
    apply(image, hb.records);
    assert.equal(image.brokers.get(1)!.fenced, true);
    assert.equal(part(image).leader, 2);
  });
});

describe('fenceBroker', () => {
  test('elects the next live ISR member in replica order and drops the broker from the ISR', () => {
    const image = cluster([1, 2, 3], [[1, 3, 2], [2, 1, 3]]);
    const records = fenceBroker(image, CLEAN, 1);
    assert.equal(records.at(-1)!.type, MetadataRecordType.BrokerRegistrationChange);
    apply(image, records);
    assert.equal(part(image, 0).leader, 3);
    assert.deepEqual(part(image, 0).isr, [3, 2]);
    assert.equal(part(image, 0).leaderEpoch, 1);
    assert.equal(part(image, 1).leader, 2);
    assert.deepEqual(part(image, 1).isr, [2, 3]);
    assert.equal(part(image, 1).leaderEpoch, 0, 'a follower leaving the ISR keeps the leader epoch');
    assert.equal(part(image, 1).partitionEpoch, 1);
    assert.deepEqual(fenceBroker(image, CLEAN, 1), [], 'already fenced');
    assert.deepEqual(fenceBroker(image, CLEAN, 42), [], 'unknown');
  });

  test('the last ISR member goes offline, keeping the ISR', () => {
    const image = cluster([1, 2], [[1, 2]]);
    apply(image, fenceBroker(image, CLEAN, 2));
    apply(image, fenceBroker(image, CLEAN, 1));
    assert.equal(part(image).leader, -1);
    assert.deepEqual(part(image).isr, [1]);
  });

  test('with unclean election another live replica leads with ISR = [it]', () => {
    const image = cluster([1, 2], [[1, 2]]);
    // Broker 2 falls out of the ISR (AlterPartition by the leader), then the leader dies.
    apply(image, alterPartition(image, { brokerId: 1, brokerEpoch: epochOf(image, 1), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], partitionEpoch: 0 }] }] }).records);
    const clean = cluster([1, 2], [[1, 2]]);
    apply(clean, alterPartition(clean, { brokerId: 1, brokerEpoch: epochOf(clean, 1), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], partitionEpoch: 0 }] }] }).records);
    apply(clean, fenceBroker(clean, CLEAN, 1));
    assert.equal(part(clean).leader, -1);
    apply(image, fenceBroker(image, UNCLEAN, 1));
    assert.equal(part(image).leader, 2);
    assert.deepEqual(part(image).isr, [2]);
  });

  test('a broker in controlled shutdown is not elected', () => {
    const image = cluster([1, 2, 3], [[1, 2, 3], [3]]);
    apply(image, brokerHeartbeat(image, CLEAN, { brokerId: 3, brokerEpoch: epochOf(image, 3), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: true }).records);
    apply(image, fenceBroker(image, CLEAN, 1));
    assert.equal(part(image, 0).leader, 2);
  });
});

describe('unfenceElections', () => {
  test('leaderless partitions whose ISR holds the broker get it as leader; others only when unclean', () => {
    const image = cluster([1, 2], [[1, 2], [2, 1]]);
    apply(image, alterPartition(image, { brokerId: 2, brokerEpoch: epochOf(image, 2), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 1, leaderEpoch: 0, newIsr: [2], partitionEpoch: 0 }] }] }).records);
    apply(image, fenceBroker(image, CLEAN, 2));
    apply(image, fenceBroker(image, CLEAN, 1));
    assert.equal(part(image, 0).leader, -1);
    assert.deepEqual(part(image, 0).isr, [1]);
    assert.equal(part(image, 1).leader, -1);
    assert.deepEqual(part(image, 1).isr, [2]);
    const clean = unfenceElections(image, CLEAN, 1);
    assert.equal(clean.length, 1);
    const unclean = unfenceElections(image, UNCLEAN, 1);
    assert.equal(unclean.length, 2);
    apply(image, unclean);
    assert.equal(part(image, 0).leader, 1);
    assert.equal(part(image, 1).leader, 1);
    assert.deepEqual(part(image, 1).isr, [1]);
  });
});

describe('alterPartition', () => {
  const req = (image: MetadataImage, p: Partial<{ brokerId: number; leaderEpoch: number; newIsr: number[]; partitionEpoch: number; topicId: string; partitionIndex: number }>) => ({
    brokerId: p.brokerId ?? 1,
    brokerEpoch: epochOf(image, p.brokerId ?? 1),
    topics: [{ topicId: p.topicId ?? TOPIC_ID, partitions: [{ partitionIndex: p.partitionIndex ?? 0, leaderEpoch: p.leaderEpoch ?? 0, newIsr: p.newIsr ?? [1, 2], partitionEpoch: p.partitionEpoch ?? 0 }] }],
  });
  const code = (image: MetadataImage, p: Parameters<typeof req>[1]) => alterPartition(image, req(image, p)).results[0]!.partitions[0]!.errorCode;

  test('shrinks and expands the ISR, reporting the state after the change', () => {
    const image = cluster([1, 2, 3], [[1, 2, 3]]);
    const shrink = alterPartition(image, req(image, { newIsr: [1, 3] }));
    assert.equal(shrink.errorCode, ErrorCode.NONE);
    assert.deepEqual(shrink.results[0]!.partitions[0], { partitionIndex: 0, errorCode: 0, leaderId: 1, leaderEpoch: 0, isr: [1, 3], partitionEpoch: 1 });
    apply(image, shrink.records);
    assert.deepEqual(part(image).isr, [1, 3]);
    assert.equal(part(image).partitionEpoch, 1);
    const same = alterPartition(image, req(image, { newIsr: [1, 3], partitionEpoch: 1 }));
    assert.deepEqual(same.records, []);
    assert.equal(same.results[0]!.partitions[0]!.partitionEpoch, 1);
    const expand = alterPartition(image, req(image, { newIsr: [1, 2, 3], partitionEpoch: 1 }));
    apply(image, expand.records);
    assert.deepEqual(part(image).isr, [1, 2, 3]);
    assert.equal(part(image).partitionEpoch, 2);
  });

  test('validation errors in Kafka order', () => {
    const image = cluster([1, 2, 3], [[1, 2]]);
    assert.equal(alterPartition(image, { ...req(image, {}), brokerEpoch: 99n }).errorCode, ErrorCode.STALE_BROKER_EPOCH);
    assert.equal(code(image, { topicId: 'AAAAAAAAAAAAAAAAAAAAAg' }), ErrorCode.UNKNOWN_TOPIC_ID);
    assert.equal(code(image, { partitionIndex: 5 }), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(code(image, { leaderEpoch: 1 }), ErrorCode.FENCED_LEADER_EPOCH);
    assert.equal(code(image, { brokerId: 2 }), ErrorCode.INVALID_REQUEST);
    assert.equal(code(image, { partitionEpoch: 3 }), ErrorCode.INVALID_UPDATE_VERSION);
    assert.equal(code(image, { newIsr: [1, 3] }), ErrorCode.INVALID_REQUEST, 'not a replica');
    assert.equal(code(image, { newIsr: [1, 1] }), ErrorCode.INVALID_REQUEST, 'duplicate');
    assert.equal(code(image, { newIsr: [2] }), ErrorCode.INVALID_REQUEST, 'lacks the leader');
    assert.equal(code(image, { newIsr: [] }), ErrorCode.INVALID_REQUEST, 'empty');
    apply(image, alterPartition(image, req(image, { newIsr: [1] })).records);
    apply(image, fenceBroker(image, CLEAN, 2));
    assert.equal(code(image, { newIsr: [1, 2], partitionEpoch: 1 }), ErrorCode.INELIGIBLE_REPLICA);
  });

  test('an ISR holding every adding replica completes the reassignment; a leader that is removed gets NEW_LEADER_ELECTED', () => {
    const image = cluster([1, 2, 3], [[1, 2]]);
    apply(image, alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [3, 2] }] }]).records);
    assert.deepEqual(part(image).replicas, [3, 2, 1]);
    assert.deepEqual(part(image).addingReplicas, [3]);
    assert.deepEqual(part(image).removingReplicas, [1]);
    const p = part(image);
    const r = alterPartition(image, req(image, { newIsr: [1, 2, 3], leaderEpoch: p.leaderEpoch, partitionEpoch: p.partitionEpoch }));
    assert.equal(r.results[0]!.partitions[0]!.errorCode, ErrorCode.NEW_LEADER_ELECTED);
    apply(image, r.records);
    assert.deepEqual(part(image).replicas, [3, 2]);
    assert.deepEqual(part(image).isr, [2, 3]);
    assert.equal(part(image).leader, 3);
    assert.deepEqual(part(image).addingReplicas, []);
    assert.deepEqual(part(image).removingReplicas, []);
  });
});

describe('electLeaders', () => {
  test('preferred: elects the first replica when live and in the ISR', () => {
    const image = cluster([1, 2, 3], [[1, 2, 3], [2, 3], [3, 1]]);
    apply(image, fenceBroker(image, CLEAN, 1));
    const reg = registerBroker(image, { brokerId: 1, incarnationId: inc(103), rack: null, endpoints: [] });
    apply(image, reg.records);
    apply(image, brokerHeartbeat(image, CLEAN, { brokerId: 1, brokerEpoch: reg.result.brokerEpoch, currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: false }).records);
    // Broker 1 is back but not in the ISR of partition 0 yet.
    let r = electLeaders(image, CLEAN, 0, [{ topic: 't', partitions: [0, 1, 7] }, { topic: 'nope', partitions: [0] }]);
    assert.deepEqual(
      r.results.map((t) => t.partitions.map((p) => p.errorCode)),
      [[ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, ErrorCode.ELECTION_NOT_NEEDED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    );
    assert.deepEqual(r.records, []);
    const p = part(image, 0);
    apply(image, alterPartition(image, { brokerId: p.leader, brokerEpoch: epochOf(image, p.leader), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: [...p.isr, 1], partitionEpoch: p.partitionEpoch }] }] }).records);
    r = electLeaders(image, CLEAN, 0, null);
    assert.deepEqual(r.results, [{ topic: 't', partitions: [{ partitionId: 0, errorCode: 0, errorMessage: null }] }]);
    apply(image, r.records);
    assert.equal(part(image, 0).leader, 1);
  });

  test('unclean: only leaderless partitions, from the ISR first, else any live replica', () => {
    const image = cluster([1, 2], [[1, 2], [2]]);
    apply(image, alterPartition(image, { brokerId: 1, brokerEpoch: epochOf(image, 1), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: 0, newIsr: [1], partitionEpoch: 0 }] }] }).records);
    apply(image, fenceBroker(image, CLEAN, 1));
    apply(image, fenceBroker(image, CLEAN, 2));
    apply(image, registerBroker(image, { brokerId: 2, incarnationId: inc(104), rack: null, endpoints: [] }).records);
    apply(image, brokerHeartbeat(image, CLEAN, { brokerId: 2, brokerEpoch: epochOf(image, 2), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: false }).records);
    assert.equal(part(image, 1).leader, 2, 'unfencing elected it for its own partition');
    assert.equal(part(image, 0).leader, -1);
    const r = electLeaders(image, CLEAN, 1, [{ topic: 't', partitions: [0, 1] }]);
    assert.deepEqual(r.results[0]!.partitions.map((p) => p.errorCode), [ErrorCode.NONE, ErrorCode.ELECTION_NOT_NEEDED]);
    apply(image, r.records);
    assert.equal(part(image, 0).leader, 2);
    assert.deepEqual(part(image, 0).isr, [2]);
    const none = cluster([1], [[1]]);
    apply(none, fenceBroker(none, CLEAN, 1));
    assert.equal(electLeaders(none, CLEAN, 1, [{ topic: 't', partitions: [0] }]).results[0]!.partitions[0]!.errorCode, ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  });
});

describe('preferredLeaderRebalance', () => {
  test('moves leadership back to the preferred replica once it is in the ISR', () => {
    const image = cluster([1, 2], [[1, 2]]);
    apply(image, fenceBroker(image, CLEAN, 1));
    assert.deepEqual(preferredLeaderRebalance(image), []);
    apply(image, registerBroker(image, { brokerId: 1, incarnationId: inc(105), rack: null, endpoints: [] }).records);
    apply(image, brokerHeartbeat(image, CLEAN, { brokerId: 1, brokerEpoch: epochOf(image, 1), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: false }).records);
    assert.deepEqual(preferredLeaderRebalance(image), [], 'not in the ISR yet');
    const p = part(image);
    apply(image, alterPartition(image, { brokerId: 2, brokerEpoch: epochOf(image, 2), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: [2, 1], partitionEpoch: p.partitionEpoch }] }] }).records);
    apply(image, preferredLeaderRebalance(image));
    assert.equal(part(image).leader, 1);
    assert.deepEqual(preferredLeaderRebalance(image), []);
  });
});

describe('partition reassignment', () => {
  test('adding replicas wait for the ISR; the reassignment is listed meanwhile', () => {
    const image = cluster([1, 2, 3, 4], [[1, 2], [2, 1]]);
    const r = alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [3, 4] }] }]);
    assert.deepEqual(r.results, [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: null }] }]);
    apply(image, r.records);
    assert.deepEqual(part(image).replicas, [3, 4, 1, 2]);
    assert.deepEqual(part(image).isr, [1, 2]);
    assert.equal(part(image).leader, 1);
    assert.deepEqual(listPartitionReassignments(image, null), [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [3, 4, 1, 2], addingReplicas: [3, 4], removingReplicas: [1, 2] }] }]);
    assert.deepEqual(listPartitionReassignments(image, [{ name: 't', partitionIndexes: [1] }, { name: 'x', partitionIndexes: [0] }]), []);
    // The leader adds 3 only: not complete yet. Then 4: complete, 3 leads.
    let p = part(image);
    const step = (isr: number[]) => alterPartition(image, { brokerId: 1, brokerEpoch: epochOf(image, 1), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: isr, partitionEpoch: p.partitionEpoch }] }] });
    apply(image, step([1, 2, 3]).records);
    assert.deepEqual(part(image).addingReplicas, [3, 4]);
    p = part(image);
    apply(image, step([1, 2, 3, 4]).records);
    assert.deepEqual(part(image).replicas, [3, 4]);
    assert.deepEqual(part(image).isr, [3, 4]);
    assert.equal(part(image).leader, 3);
    assert.deepEqual(listPartitionReassignments(image, null), []);
  });

  test('nothing to add completes at once, bumping the leader epoch', () => {
    const image = cluster([1, 2, 3], [[1, 2, 3]]);
    apply(image, alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [2, 1] }] }]).records);
    const p = part(image);
    assert.deepEqual(p.replicas, [2, 1]);
    assert.deepEqual(p.isr, [1, 2]);
    assert.equal(p.leader, 1);
    assert.equal(p.leaderEpoch, 1);
    assert.deepEqual(p.addingReplicas, []);
    assert.deepEqual(p.removingReplicas, []);
  });

  test('cancel reverts to the original replicas; errors', () => {
    const image = cluster([1, 2, 3], [[1, 2]]);
    const cancelNone = alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }]);
    assert.equal(cancelNone.results[0]!.partitions[0]!.errorCode, ErrorCode.NO_REASSIGNMENT_IN_PROGRESS);
    apply(image, alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [3, 2] }] }]).records);
    const p = part(image);
    apply(image, alterPartition(image, { brokerId: 1, brokerEpoch: epochOf(image, 1), topics: [{ topicId: TOPIC_ID, partitions: [{ partitionIndex: 0, leaderEpoch: p.leaderEpoch, newIsr: [1], partitionEpoch: p.partitionEpoch }] }] }).records);
    apply(image, alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }]).records);
    // Kafka's revert: the current replicas minus the adding ones (the target's order stays).
    assert.deepEqual(part(image).replicas, [2, 1]);
    assert.deepEqual(part(image).isr, [1]);
    assert.deepEqual(part(image).addingReplicas, []);
    assert.deepEqual(part(image).removingReplicas, []);
    const errors = alterPartitionReassignments(image, [
      { name: 't', partitions: [{ partitionIndex: 0, replicas: [] }, { partitionIndex: 0, replicas: [1, 1] }, { partitionIndex: 0, replicas: [1, 9] }, { partitionIndex: 4, replicas: [1] }] },
      { name: 'nope', partitions: [{ partitionIndex: 0, replicas: [1] }] },
    ]);
    assert.deepEqual(errors.records, []);
    assert.deepEqual(
      errors.results.map((t) => t.partitions.map((x) => x.errorCode)),
      [[ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.INVALID_REPLICA_ASSIGNMENT, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION], [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    );
  });

  test('a cancel that would empty the ISR needs unclean election', () => {
    const image = cluster([1, 2, 3], [[1]]);
    apply(image, alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: [2, 1] }] }]).records);
    // Leave only the adding replica 2 in the ISR, by hand (a leader change the test forces).
    apply(image, [{ type: MetadataRecordType.PartitionChange, version: 0, data: { partitionId: 0, topicId: TOPIC_ID, isr: [2], leader: 2, replicas: null, removingReplicas: null, addingReplicas: null, leaderRecoveryState: -1, directories: null, eligibleLeaderReplicas: null, lastKnownElr: null } }]);
    assert.deepEqual(part(image).addingReplicas, [2]);
    const clean = alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }]);
    assert.equal(clean.results[0]!.partitions[0]!.errorCode, ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const unclean = alterPartitionReassignments(image, [{ name: 't', partitions: [{ partitionIndex: 0, replicas: null }] }], UNCLEAN);
    apply(image, unclean.records);
    assert.deepEqual(part(image).replicas, [1]);
    assert.deepEqual(part(image).isr, [1]);
    assert.equal(part(image).leader, 1);
  });
});

describe('BrokerHeartbeatTracker', () => {
  test('reports brokers whose last heartbeat is older than the session timeout', () => {
    const t = new BrokerHeartbeatTracker();
    t.touch(2, 1000);
    t.touch(1, 1500);
    assert.deepEqual(t.expired(10_000, 9_000), []);
    assert.deepEqual(t.expired(10_001, 9_000), [2]);
    assert.deepEqual(t.expired(20_000, 9_000), [1, 2]);
    t.touch(2, 19_000);
    t.forget(1);
    assert.deepEqual(t.expired(20_000, 9_000), []);
  });
});

describe('placeReplicas', () => {
  const ctx = (image: MetadataImage, start = 0): ControllerContext => ({
    image,
    defaultNumPartitions: 1,
    defaultReplicationFactor: 1,
    newTopicId: () => 'id',
    randomInt: () => start,
    validateTopicConfigs: () => null,
  });

  test('without racks: consecutive brokers by id from the start', () => {
    const image = new MetadataImage();
    withBrokers(image, [1, 2, 3]);
    assert.deepEqual(placeReplicas(ctx(image, 1), 3, 2), { assignment: [[2, 3], [3, 1], [1, 2]] });
  });

  test('with racks: each partition spans distinct racks, leaders spread', () => {
    const image = new MetadataImage();
    withBrokers(image, [1, 2, 3, 4, 5, 6], ['a', 'a', 'b', 'b', 'c', 'c']);
    const placed = placeReplicas(ctx(image), 6, 3);
    assert.ok('assignment' in placed);
    const rack = (id: number) => image.brokers.get(id)!.rack;
    for (const replicas of placed.assignment) assert.equal(new Set(replicas.map(rack)).size, 3, `${replicas}`);
    assert.deepEqual(placed.assignment.map((r) => r[0]).sort(), [1, 2, 3, 4, 5, 6]);
    const two = placeReplicas(ctx(image), 2, 4);
    assert.ok('assignment' in two);
    for (const replicas of two.assignment) assert.equal(new Set(replicas).size, 4);
  });

  test('brokers in controlled shutdown are left out', () => {
    const image = new MetadataImage();
    withBrokers(image, [1, 2, 3]);
    withTopic(image, [[2]]);
    apply(image, brokerHeartbeat(image, CLEAN, { brokerId: 2, brokerEpoch: epochOf(image, 2), currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: true }).records);
    assert.equal(image.brokers.get(2)!.fenced, false);
    assert.equal(image.brokers.get(2)!.inControlledShutdown, true);
    const placed = placeReplicas(ctx(image), 2, 2);
    assert.deepEqual(placed, { assignment: [[1, 3], [3, 1]] });
    assert.equal((placeReplicas(ctx(image), 1, 3) as { errorCode: number }).errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  });
});

describe('MetadataImage broker and partition helpers', () => {
  test('partitionsLedBy, partitionsWithReplica, and a stale registration change is ignored', () => {
    const image = cluster([1, 2, 3], [[1, 2], [2, 3], [3, 1]]);
    const ids = (it: Iterable<{ partition: PartitionImage }>) => [...it].map((x) => x.partition.partitionId);
    assert.deepEqual(ids(image.partitionsLedBy(1)), [0]);
    assert.deepEqual(ids(image.partitionsWithReplica(1)), [0, 2]);
    apply(image, [{ type: MetadataRecordType.BrokerRegistrationChange, version: 1, data: { brokerId: 1, brokerEpoch: 5n, fenced: 1, inControlledShutdown: 0, logDirs: [] } }]);
    assert.equal(image.brokers.get(1)!.fenced, false);
    apply(image, [{ type: MetadataRecordType.BrokerRegistrationChange, version: 1, data: { brokerId: 1, brokerEpoch: epochOf(image, 1), fenced: 1, inControlledShutdown: 0, logDirs: [] } }]);
    assert.equal(image.brokers.get(1)!.fenced, true);
  });
});
