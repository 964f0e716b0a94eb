import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ErrorCode } from '../src/common/errors.js';
import { ApiVersionsRequest } from '../src/protocol/generated/api-versions-request.js';
import { ApiVersionsResponse } from '../src/protocol/generated/api-versions-response.js';
import { CreatePartitionsRequest } from '../src/protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../src/protocol/generated/create-partitions-response.js';
import { CreateTopicsRequest } from '../src/protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../src/protocol/generated/create-topics-response.js';
import { DeleteRecordsRequest } from '../src/protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse } from '../src/protocol/generated/delete-records-response.js';
import { DeleteTopicsRequest } from '../src/protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../src/protocol/generated/delete-topics-response.js';
import { DescribeConfigsRequest } from '../src/protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../src/protocol/generated/describe-configs-response.js';
import { DescribeQuorumRequest } from '../src/protocol/generated/describe-quorum-request.js';
import { DescribeQuorumResponse } from '../src/protocol/generated/describe-quorum-response.js';
import { FetchRequest } from '../src/protocol/generated/fetch-request.js';
import { FetchResponse } from '../src/protocol/generated/fetch-response.js';
import { IncrementalAlterConfigsRequest } from '../src/protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../src/protocol/generated/incremental-alter-configs-response.js';
import { InitProducerIdRequest } from '../src/protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../src/protocol/generated/init-producer-id-response.js';
import { ListOffsetsRequest } from '../src/protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../src/protocol/generated/list-offsets-response.js';
import { MetadataRequest } from '../src/protocol/generated/metadata-request.js';
import { MetadataResponse } from '../src/protocol/generated/metadata-response.js';
import { ProduceRequest } from '../src/protocol/generated/produce-request.js';
import { ProduceResponse } from '../src/protocol/generated/produce-response.js';
import { Reader } from '../src/protocol/index.js';
import { buildLegacyMessageSet, buildRecordBatch, decodeRecordBatches } from '../src/protocol/records/index.js';
import { startBroker, type BrokerHandle } from './helpers/broker.js';
import { WireClient } from './helpers/wire-client.js';

let broker: BrokerHandle;
let client: WireClient;

before(async () => {
  broker = await startBroker();
  client = await WireClient.connect(broker.bootstrap);
});

after(async () => {
  client?.close();
  await broker?.cleanup();
});

async function createTopic(name: string, numPartitions = 1, configs: { name: string; value: string }[] = []) {
  const res = await client.send(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: [{ name, numPartitions, replicationFactor: 1, configs }], timeoutMs: 5000 });
  return res.topics[0]!;
}

async function produce(topic: string, partition: number, records: Buffer, opts: { version?: number; acks?: number } = {}) {
  const res = await client.send(ProduceRequest, ProduceResponse, opts.version ?? 8, {
    acks: opts.acks ?? -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

async function fetch(topic: string, partition: number, fetchOffset: bigint, extra: { minBytes?: number; maxWaitMs?: number; via?: WireClient } = {}) {
  const res = await (extra.via ?? client).send(FetchRequest, FetchResponse, 11, {
    replicaId: -1,
    maxWaitMs: extra.maxWaitMs ?? 0,
    minBytes: extra.minBytes ?? 0,
    maxBytes: 1 << 20,
    isolationLevel: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1, logStartOffset: -1n }] }],
  });
  return res.responses[0]!.partitions[0]!;
}

function values(records: Buffer | null): Promise<string[]> {
  return decodeRecordBatches(records ?? Buffer.alloc(0)).then((batches) => batches.flatMap((b) => b.records.map((r) => r.value!.toString())));
}

test('ApiVersions advertises the implemented ranges, Produce from v0', async () => {
  const res = await client.send(ApiVersionsRequest, ApiVersionsResponse, 3, { clientSoftwareName: 'samsa-test', clientSoftwareVersion: '1.0' });
  assert.equal(res.errorCode, ErrorCode.NONE);
  const range = (key: number) => res.apiKeys.find((k) => k.apiKey === key);
  assert.deepEqual([range(0)?.minVersion, range(0)?.maxVersion], [0, 9]);
  assert.deepEqual([range(1)?.minVersion, range(1)?.maxVersion], [4, 12]);
  assert.deepEqual([range(3)?.minVersion, range(3)?.maxVersion], [0, 12]);
  assert.ok((range(1)?.maxVersion ?? 0) >= 10, 'Fetch max >= 10 so kafka-python infers a 2.1+ broker');
});

test('an unknown ApiVersions version gets UNSUPPORTED_VERSION in a v0 body (KIP-511)', async () => {
  const c = await WireClient.connect(broker.bootstrap);
  try {
    const frame = Buffer.alloc(4 + 10);
    frame.writeInt32BE(10, 0);
    frame.writeInt16BE(18, 4); // ApiVersions
    frame.writeInt16BE(99, 6); // a version from the future
    frame.writeInt32BE(4242, 8);
    frame.writeInt16BE(-1, 12); // null client id
    const pending = c.expectRaw(4242);
    c.writeRaw(frame);
    const raw = await pending;
    const r = new Reader(raw, 4); // skip the correlation id (response header v0)
    const body = ApiVersionsResponse.decode(r, 0);
    assert.equal(body.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.ok(body.apiKeys.some((k) => k.apiKey === 18 && k.maxVersion >= 3));
  } finally {
    c.close();
  }
});

test('an unsupported version of another API closes the connection, the broker keeps serving', async () => {
  const c = await WireClient.connect(broker.bootstrap);
  const frame = Buffer.alloc(4 + 10);
  frame.writeInt32BE(10, 0);
  frame.writeInt16BE(3, 4); // Metadata
  frame.writeInt16BE(99, 6);
  frame.writeInt32BE(1, 8);
  frame.writeInt16BE(-1, 12);
  c.writeRaw(frame);
  await c.closed;
  const res = await client.send(MetadataRequest, MetadataResponse, 12, { topics: [] });
  assert.equal(res.brokers.length, 1);
});

test('CreateTopics errors carry Kafka codes and messages', async () => {
  const rf = await client.send(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: [{ name: 'rf3', numPartitions: 1, replicationFactor: 3 }], timeoutMs: 5000 });
  assert.equal(rf.topics[0]!.errorCode, ErrorCode.INVALID_REPLICATION_FACTOR);
  assert.equal(rf.topics[0]!.errorMessage, 'Replication factor: 3 larger than available brokers: 1.');
  assert.equal((await createTopic('bad name!')).errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
  assert.equal((await createTopic('zero', 0)).errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal((await createTopic('badconf', 1, [{ name: 'no.such.config', value: '1' }])).errorCode, ErrorCode.INVALID_CONFIG);
  assert.equal((await createTopic('twice')).errorCode, ErrorCode.NONE);
  const again = await createTopic('twice');
  assert.equal(again.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
  assert.equal(again.errorMessage, "Topic 'twice' already exists.");
  const validate = await client.send(CreateTopicsRequest, CreateTopicsResponse, 7, { topics: [{ name: 'dry', numPartitions: 3, replicationFactor: 1 }], validateOnly: true, timeoutMs: 5000 });
  assert.equal(validate.topics[0]!.errorCode, ErrorCode.NONE);
  const md = await client.send(MetadataRequest, MetadataResponse, 12, { topics: [{ name: 'dry' }], allowAutoTopicCreation: false });
  assert.equal(md.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'validate-only created nothing');
});

test('Metadata auto-creates topics when allowed, with topic ids', async () => {
  const no = await client.send(MetadataRequest, MetadataResponse, 12, { topics: [{ name: 'auto1' }], allowAutoTopicCreation: false });
  assert.equal(no.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const yes = await client.send(MetadataRequest, MetadataResponse, 12, { topics: [{ name: 'auto1' }], allowAutoTopicCreation: true });
  assert.equal(yes.topics[0]!.errorCode, ErrorCode.NONE);
  assert.equal(yes.topics[0]!.partitions.length, 1);
  assert.notEqual(yes.topics[0]!.topicId, 'AAAAAAAAAAAAAAAAAAAAAA');
  const v0 = await client.send(MetadataRequest, MetadataResponse, 0, { topics: [] });
  assert.ok(v0.topics.some((t) => t.name === 'auto1'), 'Metadata v0 with no topics lists all');
});

test('Produce and Fetch round trip; errors for unknown topics, bad CRCs, oversized batches and bad acks', async () => {
  await createTopic('pf', 2, [{ name: 'max.message.bytes', value: '2000' }]);
  const batch = await buildRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v1') }, { key: null, value: Buffer.from('v2') }] });
  const ok = await produce('pf', 1, batch);
  assert.equal(ok.errorCode, ErrorCode.NONE);
  assert.equal(ok.baseOffset, 0n);
  const again = await produce('pf', 1, await buildRecordBatch({ records: [{ key: null, value: Buffer.from('v3') }] }));
  assert.equal(again.baseOffset, 2n);
  const f = await fetch('pf', 1, 0n);
  assert.equal(f.errorCode, ErrorCode.NONE);
  assert.equal(f.highWatermark, 3n);
  assert.deepEqual(await values(f.records), ['v1', 'v2', 'v3']);

  assert.equal((await produce('nope', 0, batch)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  assert.equal((await produce('pf', 7, batch)).errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const corrupt = Buffer.from(batch);
  corrupt[corrupt.length - 1] ^= 0xff;
  assert.equal((await produce('pf', 0, corrupt)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  const big = await buildRecordBatch({ records: [{ key: null, value: Buffer.alloc(5000, 1) }] });
  assert.equal((await produce('pf', 0, big)).errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  assert.equal((await produce('pf', 0, batch, { acks: 2 })).errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  const f0 = await fetch('pf', 0, 0n);
  assert.equal(f0.highWatermark, 0n, 'nothing rejected was appended');
  assert.equal((await fetch('pf', 0, 5n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('Produce v2 with a legacy message set is converted once and served as a v2 batch', async () => {
  await createTopic('legacy');
  const set = await buildLegacyMessageSet({ magic: 1, records: [{ key: null, value: Buffer.from('old-1'), timestamp: 1700000000000n }, { key: Buffer.from('k'), value: Buffer.from('old-2'), timestamp: 1700000000001n }], compression: 1 });
  const res = await produce('legacy', 0, set, { version: 2 });
  assert.equal(res.errorCode, ErrorCode.NONE);
  assert.deepEqual(await values((await fetch('legacy', 0, 0n)).records), ['old-1', 'old-2']);
});

test('idempotent produce: duplicates answer with the original offset, gaps are OUT_OF_ORDER_SEQUENCE_NUMBER', async () => {
  await createTopic('idem');
  const init = await client.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
  assert.equal(init.errorCode, ErrorCode.NONE);
  const producerId = init.producerId;
  const seqBatch = (baseSequence: number, value: string) => buildRecordBatch({ records: [{ key: null, value: Buffer.from(value) }], producerId, producerEpoch: init.producerEpoch, baseSequence });
  const first = await produce('idem', 0, await seqBatch(0, 'a'));
  assert.equal(first.errorCode, ErrorCode.NONE);
  const second = await produce('idem', 0, await seqBatch(1, 'b'));
  assert.equal(second.baseOffset, 1n);
  const duplicate = await produce('idem', 0, await seqBatch(1, 'b'));
  assert.equal(duplicate.errorCode, ErrorCode.NONE);
  assert.equal(duplicate.baseOffset, 1n);
  const gap = await produce('idem', 0, await seqBatch(5, 'c'));
  assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
  assert.deepEqual(await values((await fetch('idem', 0, 0n)).records), ['a', 'b']);
  const next = await client.send(InitProducerIdRequest, InitProducerIdResponse, 4, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 });
  assert.notEqual(next.producerId, producerId, 'producer ids are never handed out twice');
});

test('a long-poll fetch is completed by an append, and by its deadline when nothing comes', async () => {
  await createTopic('poll');
  const other = await WireClient.connect(broker.bootstrap);
  try {
    const waiting = fetch('poll', 0, 0n, { minBytes: 1, maxWaitMs: 30000, via: other });
    await new Promise((r) => setTimeout(r, 200));
    await produce('poll', 0, await buildRecordBatch({ records: [{ key: null, value: Buffer.from('wake') }] }));
    assert.deepEqual(await values((await waiting).records), ['wake']);
    const idle = await fetch('poll', 0, 1n, { minBytes: 1, maxWaitMs: 100, via: other });
    assert.equal(idle.errorCode, ErrorCode.NONE);
    assert.deepEqual(await values(idle.records), []);
  } finally {
    other.close();
  }
});

test('fetch responses stay intact while a client reads slowly: read memory is reused only once a response is written', async () => {
  await createTopic('arena');
  const batches = 48;
  for (let i = 0; i < batches; i++) {
    const value = Buffer.alloc(60_000, i);
    assert.equal((await produce('arena', 0, await buildRecordBatch({ records: [{ key: null, value }] }), { acks: 1 })).errorCode, ErrorCode.NONE);
  }
  const slow = await WireClient.connect(broker.bootstrap);
  const busy = await WireClient.connect(broker.bootstrap);
  try {
    slow.pause();
    // ~1 MiB responses, far more than the socket buffers hold: most wait in the broker's memory.
    const pending = Array.from({ length: batches }, (_, i) => fetch('arena', 0, BigInt(i), { via: slow }));
    // Meanwhile another connection's fetches churn through the pooled read memory.
    for (let i = 0; i < batches; i++) {
      const f = await fetch('arena', 0, BigInt(batches - 1 - i), { via: busy });
      assert.equal((await decodeRecordBatches(f.records!))[0]!.records[0]!.value![0], batches - 1 - i);
    }
    slow.resume();
    const results = await Promise.all(pending);
    for (let i = 0; i < batches; i++) {
      const decoded = await decodeRecordBatches(results[i]!.records!); // checks every CRC
      assert.equal(decoded[0]!.info.baseOffset, BigInt(i), `response ${i} starts at its fetch offset`);
      decoded.forEach((b, j) => assert.ok(b.records[0]!.value!.equals(Buffer.alloc(60_000, i + j)), `response ${i}, batch ${j} intact`));
    }
  } finally {
    slow.close();
    busy.close();
  }
});

test('ListOffsets: earliest, latest, by timestamp and max timestamp', async () => {
  await createTopic('lo');
  for (const [i, ts] of [1000n, 3000n, 2000n].entries()) {
    await produce('lo', 0, await buildRecordBatch({ records: [{ key: null, value: Buffer.from(`r${i}`), timestamp: ts }] }));
  }
  const list = async (timestamp: bigint) => {
    const res = await client.send(ListOffsetsRequest, ListOffsetsResponse, 7, { replicaId: -1, topics: [{ name: 'lo', partitions: [{ partitionIndex: 0, timestamp, currentLeaderEpoch: -1 }] }] });
    return res.topics[0]!.partitions[0]!;
  };
  assert.equal((await list(-2n)).offset, 0n);
  assert.equal((await list(-1n)).offset, 3n);
  assert.deepEqual([(await list(2500n)).offset, (await list(2500n)).timestamp], [1n, 3000n]);
  assert.deepEqual([(await list(-3n)).offset, (await list(-3n)).timestamp], [1n, 3000n]);
  assert.equal((await list(99999n)).offset, -1n);
});

test('DeleteRecords moves the log start offset', async () => {
  await createTopic('dr');
  for (let i = 0; i < 5; i++) await produce('dr', 0, await buildRecordBatch({ records: [{ key: null, value: Buffer.from(`d${i}`) }] }));
  const res = await client.send(DeleteRecordsRequest, DeleteRecordsResponse, 2, { topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, offset: 3n }] }], timeoutMs: 5000 });
  assert.deepEqual([res.topics[0]!.partitions[0]!.errorCode, res.topics[0]!.partitions[0]!.lowWatermark], [ErrorCode.NONE, 3n]);
  assert.equal((await fetch('dr', 0, 1n)).errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  const tooFar = await client.send(DeleteRecordsRequest, DeleteRecordsResponse, 2, { topics: [{ name: 'dr', partitions: [{ partitionIndex: 0, offset: 99n }] }], timeoutMs: 5000 });
  assert.equal(tooFar.topics[0]!.partitions[0]!.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
});

test('topic configs: stored overrides are described with sources, altered incrementally', async () => {
  await createTopic('cfg', 1, [{ name: 'retention.ms', value: '60000' }]);
  const describe = async () => {
    const res = await client.send(DescribeConfigsRequest, DescribeConfigsResponse, 4, { resources: [{ resourceType: 2, resourceName: 'cfg', configurationKeys: null }], includeSynonyms: true });
    return new Map(res.results[0]!.configs.map((c) => [c.name, c]));
  };
  const before = await describe();
  assert.equal(before.get('retention.ms')!.value, '60000');
  assert.equal(before.get('retention.ms')!.configSource, 1, 'DYNAMIC_TOPIC_CONFIG');
  assert.equal(before.get('cleanup.policy')!.configSource, 5, 'DEFAULT_CONFIG');
  const alter = await client.send(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 1, {
    resources: [{ resourceType: 2, resourceName: 'cfg', configs: [{ name: 'retention.ms', configOperation: 1, value: null }, { name: 'cleanup.policy', configOperation: 0, value: 'compact' }] }],
  });
  assert.equal(alter.responses[0]!.errorCode, ErrorCode.NONE);
  const after = await describe();
  assert.equal(after.get('retention.ms')!.configSource, 5);
  assert.equal(after.get('cleanup.policy')!.value, 'compact');
  const bad = await client.send(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 1, {
    resources: [{ resourceType: 2, resourceName: 'cfg', configs: [{ name: 'retention.ms', configOperation: 0, value: 'soon' }] }],
  });
  assert.equal(bad.responses[0]!.errorCode, ErrorCode.INVALID_CONFIG);
  const brokerCfg = await client.send(DescribeConfigsRequest, DescribeConfigsResponse, 4, { resources: [{ resourceType: 4, resourceName: '1', configurationKeys: ['num.partitions'] }], includeSynonyms: true });
  assert.equal(brokerCfg.results[0]!.configs[0]!.value, '1');
});

test('CreatePartitions grows a topic, never shrinks it; DeleteTopics removes it', async () => {
  await createTopic('grow', 2);
  const grow = await client.send(CreatePartitionsRequest, CreatePartitionsResponse, 3, { topics: [{ name: 'grow', count: 4, assignments: null }], timeoutMs: 5000 });
  assert.equal(grow.results[0]!.errorCode, ErrorCode.NONE);
  const shrink = await client.send(CreatePartitionsRequest, CreatePartitionsResponse, 3, { topics: [{ name: 'grow', count: 3, assignments: null }], timeoutMs: 5000 });
  assert.equal(shrink.results[0]!.errorCode, ErrorCode.INVALID_PARTITIONS);
  assert.equal(shrink.results[0]!.errorMessage, 'Topic currently has 4 partitions, which is higher than the requested 3.');
  assert.equal((await produce('grow', 3, await buildRecordBatch({ records: [{ key: null, value: Buffer.from('x') }] }))).errorCode, ErrorCode.NONE);
  const del = await client.send(DeleteTopicsRequest, DeleteTopicsResponse, 6, { topics: [{ name: 'grow' }], timeoutMs: 5000 });
  assert.equal(del.responses[0]!.errorCode, ErrorCode.NONE);
  const md = await client.send(MetadataRequest, MetadataResponse, 12, { topics: [{ name: 'grow' }], allowAutoTopicCreation: false });
  assert.equal(md.topics[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const missing = await client.send(DeleteTopicsRequest, DeleteTopicsResponse, 6, { topics: [{ name: 'grow' }], timeoutMs: 5000 });
  assert.equal(missing.responses[0]!.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
});

test('DescribeQuorum: this node leads the single-voter metadata quorum', async () => {
  const res = await client.send(DescribeQuorumRequest, DescribeQuorumResponse, 1, { topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0 }] }] });
  const p = res.topics[0]!.partitions[0]!;
  assert.equal(p.errorCode, ErrorCode.NONE);
  assert.equal(p.leaderId, 1);
  assert.ok(p.leaderEpoch >= 1);
  assert.ok(p.highWatermark > 0n, 'metadata records are committed');
  assert.deepEqual(p.currentVoters.map((v) => v.replicaId), [1]);
});

test('topics, configs and data survive a restart', async () => {
  await createTopic('keep', 1, [{ name: 'retention.ms', value: '123456' }]);
  await produce('keep', 0, await buildRecordBatch({ records: [{ key: null, value: Buffer.from('kept') }] }));
  client.close();
  await broker.restart();
  client = await WireClient.connect(broker.bootstrap);
  assert.deepEqual(await values((await fetch('keep', 0, 0n)).records), ['kept']);
  const res = await client.send(DescribeConfigsRequest, DescribeConfigsResponse, 4, { resources: [{ resourceType: 2, resourceName: 'keep', configurationKeys: ['retention.ms'] }] });
  assert.equal(res.results[0]!.configs[0]!.value, '123456');
  assert.equal((await createTopic('keep')).errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
});
