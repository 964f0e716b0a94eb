import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../../test/helpers/broker.js';
import { Admin, KafkaError, KafkaResponseError, Producer } from './index.js';

// SAMSA_TEST_BROKER_BIN points the tests at another build of the broker (e.g. a stable checkout).
const binPath = process.env.SAMSA_TEST_BROKER_BIN;
let broker: BrokerHandle;
let admin: Admin;

before(async () => {
  broker = await startBroker(binPath ? { binPath } : {});
  admin = new Admin({ 'bootstrap.servers': broker.bootstrap, 'retry.backoff.ms': 20 });
});

after(async () => {
  await admin?.close();
  await broker?.cleanup();
});

function isKafkaError(name: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof KafkaError, `expected a KafkaError, got ${String(err)}`);
    assert.equal(err.errorName, name, err.message);
    return true;
  };
}

test('admin creates, lists, describes and deletes topics; errors surface as KafkaError', async () => {
  const created = await admin.createTopics([{ name: 'admin-a', numPartitions: 3, replicationFactor: 1 }, { name: 'admin-b', configs: { 'retention.ms': '1000000' } }]);
  assert.deepEqual(created.map((t) => [t.name, t.numPartitions]), [['admin-a', 3], ['admin-b', 1]]);
  await assert.rejects(admin.createTopics([{ name: 'admin-a', numPartitions: 1 }]), (err: unknown) => {
    isKafkaError('TOPIC_ALREADY_EXISTS')(err);
    assert.match((err as Error).message, /admin-a/);
    return true;
  });
  await assert.rejects(admin.createTopics([{ name: 'bad/name', numPartitions: 1 }]), isKafkaError('INVALID_TOPIC_EXCEPTION'));
  await assert.rejects(admin.createTopics([{ name: 'admin-c', numPartitions: 1, replicationFactor: 3 }]), isKafkaError('INVALID_REPLICATION_FACTOR'));
  const topics = await admin.listTopics();
  assert.ok(topics.includes('admin-a') && topics.includes('admin-b'));
  const [desc] = await admin.describeTopics(['admin-a']);
  assert.equal(desc!.partitions.length, 3);
  assert.deepEqual(desc!.partitions.map((p) => p.replicas), [[1], [1], [1]]);
  await assert.rejects(admin.describeTopics(['no-such-topic']), isKafkaError('UNKNOWN_TOPIC_OR_PARTITION'));

  await admin.createPartitions([{ topic: 'admin-a', count: 5 }]);
  assert.equal((await admin.describeTopics(['admin-a']))[0]!.partitions.length, 5);
  await assert.rejects(admin.createPartitions([{ topic: 'admin-a', count: 2 }]), isKafkaError('INVALID_PARTITIONS'));

  await admin.deleteTopics(['admin-b']);
  await assert.rejects(admin.deleteTopics(['admin-b']), isKafkaError('UNKNOWN_TOPIC_OR_PARTITION'));
});

test('admin describes and alters configs', async () => {
  await admin.createTopics([{ name: 'admin-configs', numPartitions: 1 }]);
  const [before] = await admin.describeConfigs([{ type: 'topic', name: 'admin-configs', keys: ['retention.ms', 'cleanup.policy'] }]);
  assert.equal(before!.configs.find((c) => c.name === 'cleanup.policy')?.value, 'delete');
  await admin.incrementalAlterConfigs([{ type: 'topic', name: 'admin-configs', ops: [{ name: 'retention.ms', op: 'set', value: '12345' }] }]);
  let [cfg] = await admin.describeConfigs([{ type: 'topic', name: 'admin-configs', keys: ['retention.ms'] }]);
  assert.equal(cfg!.configs[0]!.value, '12345');
  assert.equal(cfg!.configs[0]!.source, 'DYNAMIC_TOPIC_CONFIG');
  await admin.alterConfigs([{ type: 'topic', name: 'admin-configs', configs: { 'segment.ms': '600000' } }]);
  [cfg] = await admin.describeConfigs([{ type: 'topic', name: 'admin-configs' }]);
  assert.equal(cfg!.configs.find((c) => c.name === 'segment.ms')?.value, '600000');
  assert.equal(cfg!.configs.find((c) => c.name === 'retention.ms')?.isDefault, true, 'legacy AlterConfigs replaces the whole config');
  await assert.rejects(
    admin.incrementalAlterConfigs([{ type: 'topic', name: 'admin-configs', ops: [{ name: 'retention.ms', op: 'set', value: 'soon' }] }]),
    isKafkaError('INVALID_CONFIG'),
  );
  const [brokerCfg] = await admin.describeConfigs([{ type: 'broker', name: '1' }]);
  assert.ok(brokerCfg!.configs.length > 0);
});

test('admin describes the cluster, lists offsets and deletes records', async () => {
  const cluster = await admin.describeCluster();
  assert.equal(cluster.brokers.length, 1);
  assert.equal(cluster.brokers[0]!.port, broker.port);
  assert.equal(cluster.controllerId, 1);
  assert.ok(cluster.clusterId);

  await admin.createTopics([{ name: 'admin-offsets', numPartitions: 1 }]);
  const producer = new Producer({ 'bootstrap.servers': broker.bootstrap });
  const t0 = Date.now() - 10_000;
  for (let i = 0; i < 10; i++) await producer.send({ topic: 'admin-offsets', value: `v${i}`, timestamp: t0 + i * 1000 });
  await producer.close();
  const listed = await admin.listOffsets([
    { topic: 'admin-offsets', partition: 0, spec: 'earliest' },
    { topic: 'admin-offsets', partition: 0, spec: 'latest' },
    { topic: 'admin-offsets', partition: 0, spec: t0 + 4500 },
    { topic: 'admin-offsets', partition: 0, spec: 'max-timestamp' },
  ]);
  assert.deepEqual(listed.map((l) => l.offset), [0n, 10n, 5n, 9n]);
  const [low] = await admin.deleteRecords([{ topic: 'admin-offsets', partition: 0, offset: 4n }]);
  assert.equal(low!.offset, 4n);
  const [earliest] = await admin.listOffsets([{ topic: 'admin-offsets', partition: 0, spec: 'earliest' }]);
  assert.equal(earliest!.offset, 4n);
  await assert.rejects(admin.deleteRecords([{ topic: 'admin-offsets', partition: 0, offset: 99n }]), isKafkaError('OFFSET_OUT_OF_RANGE'));
});

test('admin keeps the broker\'s error text, describes synonyms, finds group coordinators and reports offset deletion per partition', async () => {
  await assert.rejects(admin.createTopics([{ name: 'admin-rf', numPartitions: 1, replicationFactor: 3 }]), (err: unknown) => {
    assert.ok(err instanceof KafkaResponseError);
    assert.equal(err.brokerMessage, 'Replication factor: 3 larger than available brokers: 1.');
    return true;
  });
  await admin.createTopics([{ name: 'admin-synonyms', numPartitions: 2, configs: { 'cleanup.policy': 'compact' } }]);
  const [plain] = await admin.describeConfigs([{ type: 'topic', name: 'admin-synonyms', keys: ['cleanup.policy'] }]);
  assert.deepEqual(plain!.configs[0]!.synonyms, []);
  const [withSynonyms] = await admin.describeConfigs([{ type: 'topic', name: 'admin-synonyms', keys: ['cleanup.policy'] }], { includeSynonyms: true });
  assert.deepEqual(withSynonyms!.configs[0]!.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`), ['DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact', 'DEFAULT_CONFIG:log.cleanup.policy=delete']);

  assert.deepEqual(await admin.findGroupCoordinator('admin-group'), { nodeId: 1, host: broker.host, port: broker.port });
  await admin.alterGroupOffsets('admin-group', [{ topic: 'admin-synonyms', partition: 0, offset: 0n }]);
  const results = await admin.deleteGroupOffsetsResults('admin-group', [{ topic: 'admin-synonyms', partition: 0 }, { topic: 'admin-nothing', partition: 0 }]);
  assert.deepEqual(results.map((r) => [r.topic, r.error?.errorName ?? null]), [['admin-synonyms', null], ['admin-nothing', 'UNKNOWN_TOPIC_OR_PARTITION']]);
});

test('admin describes the metadata quorum of a single node', async () => {
  const info = await admin.describeQuorum();
  assert.equal(info.leaderId, 1);
  assert.ok(info.leaderEpoch >= 1, `epoch ${info.leaderEpoch}`);
  assert.ok(info.highWatermark > 0n, `high watermark ${info.highWatermark}`);
  assert.deepEqual(info.voters.map((v) => v.replicaId), [1]);
  assert.equal(info.voters[0]!.logEndOffset >= info.highWatermark, true);
  assert.deepEqual(info.observers, []);
  assert.deepEqual(info.nodes.map((n) => [n.nodeId, n.endpoints.map((e) => e.listener)]), [[1, ['CONTROLLER']]]);
  assert.equal(info.nodes[0]!.endpoints[0]!.port, broker.controllerPort);
});
