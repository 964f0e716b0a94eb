import assert from 'node:assert/strict';
import { test } from 'node:test';
import { brokerHeartbeat, fenceBroker, registerBroker, alterPartitionReassignments } from './cluster-control.js';
import { configRecord, createTopics, type ControllerContext } from './controller.js';
import { encodeImageSnapshot, imageRecords, loadImageSnapshot } from './image-snapshot.js';
import { ConfigResourceType, MetadataImage } from './metadata-image.js';
import type { MetadataRecord } from './metadata-record.js';

function apply(image: MetadataImage, records: MetadataRecord[]): void {
  for (const r of records) image.replay(r, image.lastOffset + 1n);
}

/** Everything observable in an image, as plain data (registration offsets excluded: a snapshot moves them). */
function view(image: MetadataImage): unknown {
  return {
    brokers: [...image.brokers.values()].map(({ registeredAtOffset: _, ...b }) => b).sort((a, b) => a.brokerId - b.brokerId),
    topics: [...image.topicsByName.values()].map((t) => ({ ...t, partitions: [...t.partitions.values()] })),
    configs: [...image.configs].map(([k, v]) => [k, [...v]]),
    nextProducerId: image.nextProducerId,
  };
}

test('an image snapshot rebuilds an equal image: brokers (fenced, shutting down), topics with moved leaders and reassignments, configs, producer ids', () => {
  const image = new MetadataImage();
  const opts = { uncleanLeaderElection: () => false };
  for (const id of [1, 2, 3, 4]) {
    apply(image, registerBroker(image, { brokerId: id, incarnationId: Buffer.alloc(16, id).toString('base64url'), rack: id % 2 ? 'a' : null, endpoints: [{ name: 'PLAINTEXT', host: `h${id}`, port: 9000 + id, securityProtocol: 0 }] }).records);
    const epoch = image.brokers.get(id)!.brokerEpoch;
    apply(image, brokerHeartbeat(image, opts, { brokerId: id, brokerEpoch: epoch, currentMetadataOffset: image.lastOffset, wantFence: false, wantShutDown: false }).records);
  }
  let n = 0;
  const ctx: ControllerContext = {
    image, defaultNumPartitions: 3, defaultReplicationFactor: 3,
    newTopicId: () => Buffer.alloc(16, 100 + n++).toString('base64url'), randomInt: () => 1, validateTopicConfigs: () => null,
  };
  apply(image, createTopics(ctx, [
    { name: 'a', numPartitions: 4, replicationFactor: 3, assignments: [], configs: [{ name: 'retention.ms', value: '1000' }] },
    { name: 'b', numPartitions: 2, replicationFactor: 2, assignments: [], configs: [] },
  ]).records);
  apply(image, fenceBroker(image, opts, 2));
  apply(image, alterPartitionReassignments(image, [{ name: 'b', partitions: [{ partitionIndex: 0, replicas: [4, 1] }] }]).records);
  apply(image, [configRecord(ConfigResourceType.BROKER, '1', 'log.retention.ms', '5')]);
  apply(image, [{ type: 15, version: 0, data: { brokerId: 1, brokerEpoch: 0n, nextProducerId: 5000n } }]);

  const data = encodeImageSnapshot(image);
  const copy = new MetadataImage();
  apply(copy, [{ type: 2, version: 0, data: { name: 'stale', topicId: Buffer.alloc(16, 200).toString('base64url') } }]);
  loadImageSnapshot(copy, data, 41n);
  assert.deepEqual(view(copy), view(image));
  assert.equal(copy.lastOffset, 41n);
  assert.ok(copy.brokers.get(2)!.fenced);
  assert.deepEqual(imageRecords(copy).length, imageRecords(image).length);
  // An empty image snapshots to nothing and loads back empty.
  const empty = new MetadataImage();
  loadImageSnapshot(empty, encodeImageSnapshot(new MetadataImage()), 0n);
  assert.deepEqual(view(empty), view(new MetadataImage()));
});
