import { strict as assert } from 'node:assert';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadBrokerConfig, type LoadBrokerConfigOptions } from './broker-config.js';
import { BROKER_CONFIG_KEYS } from './config-def.js';
import { ConfigError } from './config-error.js';
import { ConfigSource } from './config-value.js';
import { defaultValues } from './value-table.js';
import { REFERENCE_COMPOSE_ENV, STOCK_SERVER_PROPERTIES } from './test-fixtures.js';

const FILE = '/etc/samsa/server.properties';

function load(options: Partial<LoadBrokerConfigOptions> & { text?: string } = {}) {
  const { text, ...rest } = options;
  const file = text === undefined ? {} : { file: FILE, readFile: () => text };
  return loadBrokerConfig({ env: {}, overrides: [], hostName: 'samsa-host', ...file, ...rest });
}

function problemsOf(options: Partial<LoadBrokerConfigOptions> & { text?: string }): string[] {
  try {
    load(options);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split('\n').filter((line) => !/configuration problems:$/.test(line)).map((line) => line.replace(/^ {2}- /, ''));
  }
  assert.fail('expected a ConfigError');
}

test('every default in the table parses and passes its validator', () => {
  assert.equal(defaultValues().size, BROKER_CONFIG_KEYS.size);
});

test('no configuration at all: a single-node broker on PLAINTEXT://:9092', () => {
  const config = load();
  assert.equal(config.nodeId, 1);
  assert.deepEqual(config.processRoles, ['broker', 'controller']);
  assert.equal(config.processRolesConfigured, false);
  assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(config.advertisedListeners, [{ name: 'PLAINTEXT', host: 'samsa-host', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
  assert.deepEqual(config.logDirs, [join(tmpdir(), 'kafka-logs')]);
  assert.equal(config.logRetentionMs, 604800000);
  assert.equal(config.fetchMaxBytes, 57671680);
  assert.equal(config.groupMinSessionTimeoutMs, 6000);
  assert.equal(config.groupMaxSessionTimeoutMs, 1800000);
  assert.equal(config.logFlushOffsetCheckpointIntervalMs, 60000);
  assert.equal(config.offsetsTopicReplicationFactor, 3);
  assert.equal(config.samsaLegacyProtocolEnable, true);
  assert.equal(config.samsaHttpPort, -1);
  assert.equal(config.get('log.flush.interval.messages'), Number.MAX_SAFE_INTEGER);
  assert.equal(config.clusterId, undefined);
});

test("Kafka's stock KRaft server.properties loads", () => {
  const config = load({ text: STOCK_SERVER_PROPERTIES });
  assert.deepEqual(config.processRoles, ['broker', 'controller']);
  assert.deepEqual(config.controllerQuorumVoters, [{ nodeId: 1, host: 'localhost', port: 9093 }]);
  assert.deepEqual(config.listeners.map((l) => `${l.name}:${l.securityProtocol}:${l.port}`), ['PLAINTEXT:PLAINTEXT:9092', 'CONTROLLER:PLAINTEXT:9093']);
  assert.deepEqual(config.advertisedBrokerListeners, [{ name: 'PLAINTEXT', host: 'localhost', port: 9092, securityProtocol: 'PLAINTEXT' }]);
  assert.deepEqual(config.controllerListenerNames, ['CONTROLLER']);
  assert.deepEqual(config.logDirs, [join(tmpdir(), 'kraft-combined-logs')]);
  assert.equal(config.offsetsTopicReplicationFactor, 1);
  assert.equal(config.transactionStateLogMinIsr, 1);
  assert.deepEqual(config.warnings, []);
});

test('the reference compose environment loads', () => {
  const config = load({ env: REFERENCE_COMPOSE_ENV });
  assert.equal(config.clusterId, '4L6g3nShT-eMCtK--X86sw');
  assert.equal(config.nodeId, 1);
  assert.deepEqual(config.listeners.map((l) => `${l.name}://${l.host}:${l.port}`), ['CONTROLLER://:29093', 'PLAINTEXT_HOST://:9092', 'PLAINTEXT://:19092']);
  assert.deepEqual(config.advertisedBrokerListeners.map((l) => `${l.name}://${l.host}:${l.port}`), ['PLAINTEXT_HOST://localhost:9092', 'PLAINTEXT://broker:19092']);
  assert.deepEqual(config.advertisedListeners.map((l) => l.name), ['PLAINTEXT_HOST', 'PLAINTEXT', 'CONTROLLER']);
  assert.equal(config.interBrokerListenerName, 'PLAINTEXT');
  assert.equal(config.groupInitialRebalanceDelayMs, 0);
  assert.equal(config.offsetsTopicReplicationFactor, 1);
  assert.deepEqual(config.controllerQuorumVoters, [{ nodeId: 1, host: 'broker', port: 29093 }]);
});

test('Bitnami-style environment loads', () => {
  const config = load({
    env: {
      KAFKA_ENABLE_KRAFT: 'yes',
      KAFKA_KRAFT_CLUSTER_ID: 'abcdefghijklmnopqrstuv',
      KAFKA_CFG_NODE_ID: '0',
      KAFKA_CFG_PROCESS_ROLES: 'controller,broker',
      KAFKA_CFG_CONTROLLER_QUORUM_VOTERS: '0@kafka:9093',
      KAFKA_CFG_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_CFG_ADVERTISED_LISTENERS: 'PLAINTEXT://kafka:9092',
      KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CFG_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
    },
  });
  assert.equal(config.nodeId, 0);
  assert.equal(config.clusterId, 'abcdefghijklmnopqrstuv');
});

test('listeners are derived from advertised listeners set in the environment, like the apache/kafka image', () => {
  const config = load({ env: { KAFKA_ADVERTISED_LISTENERS: 'PLAINTEXT://broker:9092' } });
  assert.deepEqual(config.listeners, [{ name: 'PLAINTEXT', host: '0.0.0.0', port: 9092, securityProtocol: 'PLAINTEXT' }]);
});

test('precedence: defaults < file < environment < --override', () => {
  const text = 'num.partitions=2\nnum.io.threads=4\nnum.network.threads=5\n';
  const env = { KAFKA_NUM_IO_THREADS: '6', KAFKA_NUM_NETWORK_THREADS: '7' };
  const config = load({ text, env, overrides: ['num.network.threads=9'] });
  assert.equal(config.numPartitions, 2);
  assert.equal(config.getNumber('num.io.threads'), 6);
  assert.equal(config.getNumber('num.network.threads'), 9);
  assert.equal(config.getNumber('background.threads'), 10);
  const entries = new Map(config.entries().map((entry) => [entry.name, entry]));
  assert.equal(entries.get('num.partitions')?.origin, `${FILE}:1`);
  assert.equal(entries.get('num.io.threads')?.origin, 'environment variable KAFKA_NUM_IO_THREADS');
  assert.equal(entries.get('num.network.threads')?.origin, '--override num.network.threads=9');
  assert.equal(entries.get('num.network.threads')?.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.equal(entries.get('background.threads')?.source, ConfigSource.DEFAULT_CONFIG);
});

test('in a file the last duplicate wins', () => {
  assert.equal(load({ text: 'num.partitions=2\nnum.partitions=3' }).numPartitions, 3);
});

test('retention: ms beats minutes beats hours', () => {
  assert.equal(load({ text: 'log.retention.hours=1' }).logRetentionMs, 3600000);
  assert.equal(load({ text: 'log.retention.hours=1\nlog.retention.minutes=2' }).logRetentionMs, 120000);
  assert.equal(load({ text: 'log.retention.hours=1\nlog.retention.minutes=2\nlog.retention.ms=5' }).logRetentionMs, 5);
  assert.equal(load({ text: 'log.retention.ms=-5' }).logRetentionMs, -1);
  assert.equal(load({ text: 'log.roll.hours=2' }).logRollMs, 7200000);
});

test('log.dirs beats log.dir', () => {
  assert.deepEqual(load({ text: 'log.dir=/a' }).logDirs, ['/a']);
  assert.deepEqual(load({ text: 'log.dir=/a\nlog.dirs=/b, /c' }).logDirs, ['/b', '/c']);
  assert.equal(load({ text: 'log.dirs=/b,/c' }).metadataLogDir, '/b');
});

test('invalid values name key, value and source', () => {
  assert.deepEqual(problemsOf({ text: 'num.partitions=abc' }), [`Invalid value abc for configuration num.partitions: Not a number of type INT (from ${FILE}:1)`]);
  assert.deepEqual(problemsOf({ env: { KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'yes' } }), ['Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false (from environment variable KAFKA_AUTO_CREATE_TOPICS_ENABLE)']);
  assert.deepEqual(problemsOf({ overrides: ['num.partitions=0'] }), ['Invalid value 0 for configuration num.partitions: Value must be at least 1 (from --override num.partitions=0)']);
  assert.deepEqual(problemsOf({ text: 'log.cleanup.policy=delete,compacted' }), [`Invalid value compacted for configuration log.cleanup.policy: String must be one of: compact, delete (from ${FILE}:1)`]);
  assert.deepEqual(problemsOf({ text: 'compression.type=brotli' }), [`Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer (from ${FILE}:1)`]);
  assert.deepEqual(problemsOf({ text: 'log.cleaner.min.cleanable.ratio=1.5' }), [`Invalid value 1.5 for configuration log.cleaner.min.cleanable.ratio: Value must be no more than 1 (from ${FILE}:1)`]);
  assert.deepEqual(problemsOf({ text: 'log.retention.ms=99999999999999999999' }), [`Invalid value 99999999999999999999 for configuration log.retention.ms: Not a number of type LONG (from ${FILE}:1)`]);
  assert.deepEqual(problemsOf({ text: 'offsets.topic.replication.factor=40000' }), [`Invalid value 40000 for configuration offsets.topic.replication.factor: Not a number of type SHORT (from ${FILE}:1)`]);
});

test('sensitive values are never echoed', () => {
  const config = load({ text: 'ssl.keystore.password=s3cret' });
  const entry = config.entries().find((e) => e.name === 'ssl.keystore.password');
  assert.equal(entry?.value, null);
  assert.equal(entry?.isSensitive, true);
  assert.deepEqual(entry?.synonyms, [{ name: 'ssl.keystore.password', value: null, source: ConfigSource.STATIC_BROKER_CONFIG }]);
});

test('unknown keys with did-you-mean, from each source', () => {
  assert.deepEqual(problemsOf({ text: 'num.partition=3' }), [`Unknown configuration 'num.partition' (from ${FILE}:1). Did you mean 'num.partitions'?`]);
  assert.deepEqual(problemsOf({ env: { KAFKA_NUM_PARTITON: '3' } }), ["Unknown configuration 'num.partiton' (from environment variable KAFKA_NUM_PARTITON). Did you mean 'num.partitions'?"]);
  assert.deepEqual(problemsOf({ overrides: ['foo.bar=1'] }), ["Unknown configuration 'foo.bar' (from --override foo.bar=1)"]);
  assert.deepEqual(problemsOf({ text: 'log_retention_hours=1' }), [`Unknown configuration 'log_retention_hours' (from ${FILE}:1). Did you mean 'log.retention.hours'?`]);
  assert.match(problemsOf({ text: 'zookeeper.connect=localhost:2181' })[0]!, /ZooKeeper mode is not supported/);
  assert.deepEqual(problemsOf({ overrides: ['num.partitions'] }), ["Invalid --override 'num.partitions': expected key=value, e.g. --override num.partitions=3 (from --override num.partitions)"]);
});

test('removed Kafka keys and confluent.* are accepted with a warning; listener overrides are kept', () => {
  const config = load({ text: 'inter.broker.protocol.version=3.7\nconfluent.support.metrics.enable=false\nlistener.name.sasl_plaintext.plain.sasl.jaas.config=secret' });
  assert.equal(config.warnings.length, 2);
  assert.match(config.warnings[0]!, /Ignoring configuration 'inter.broker.protocol.version'/);
  assert.equal(config.listenerOverride('SASL_PLAINTEXT', 'plain.sasl.jaas.config'), 'secret');
  const entry = config.entries().find((e) => e.name === 'listener.name.sasl_plaintext.plain.sasl.jaas.config');
  assert.equal(entry?.isSensitive, true);
  assert.equal(entry?.value, null);
});

test('all problems are reported together', () => {
  const problems = problemsOf({ text: 'num.partitions=abc\nfoo=1\nnum.io.threads=0', env: { KAFKA_BAR: 'x' } });
  assert.equal(problems.length, 4);
});

test('file errors', () => {
  const missing = problemsOf({ file: '/nonexistent/server.properties' });
  assert.match(missing[0]!, /^Cannot read configuration file \/nonexistent\/server.properties: ENOENT/);
  assert.deepEqual(problemsOf({ text: 'a=1\nb=\\uZZZZ' }), [`Cannot parse configuration file: Malformed \\uxxxx encoding. (from ${FILE}:2)`]);
});

test('cluster id must be a 22-character base64url UUID', () => {
  assert.deepEqual(problemsOf({ env: { CLUSTER_ID: 'not-a-uuid' } }), ['Invalid cluster id not-a-uuid: expected a 22-character base64url UUID such as 4L6g3nShT-eMCtK--X86sw (from environment variable CLUSTER_ID). Generate one with kafka-storage random-uuid']);
});

test('listener checks', () => {
  const combined = 'process.roles=broker,controller\ncontroller.quorum.voters=1@localhost:9093\ncontroller.listener.names=CONTROLLER\n';
  assert.match(problemsOf({ text: 'listeners=PLAINTEXT://:9092,PLAINTEXT://:9093' })[0]!, /^Invalid value PLAINTEXT:\/\/:9092,PLAINTEXT:\/\/:9093 for configuration listeners: Each listener must have a different name/);
  assert.match(problemsOf({ text: 'listeners=PLAINTEXT://:9092,SSL://:9092' })[0]!, /Each listener must have a different port/);
  assert.match(problemsOf({ text: 'listeners=PLAINTEXT://:70000' })[0]!, /Port 70000 of PLAINTEXT:\/\/:70000 is out of range/);
  assert.match(problemsOf({ text: 'listeners=PLAINTEXT:9092' })[0]!, /Unable to parse PLAINTEXT:9092 to a broker endpoint/);
  assert.match(problemsOf({ text: 'listeners=PLAINTEXT://:9092,INTERNAL://:9093' })[0]!, /No security protocol defined for listener INTERNAL/);
  assert.match(problemsOf({ text: 'listener.security.protocol.map=PLAINTEXT:PLAIN' })[0]!, /Unknown security protocol PLAIN/);
  assert.match(problemsOf({ text: 'advertised.listeners=EXTERNAL://a:1' })[0]!, /advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found EXTERNAL/);
  assert.match(problemsOf({ text: 'advertised.listeners=PLAINTEXT://0.0.0.0:9092' })[0]!, /nonroutable meta-address 0.0.0.0/);
  assert.match(problemsOf({ text: `${combined}listeners=PLAINTEXT://:9092` })[0]!, /^Invalid value CONTROLLER for configuration controller.listener.names: controller.listener.names must only contain values appearing in the 'listeners' configuration/);
  assert.match(problemsOf({ text: 'process.roles=broker,controller\ncontroller.quorum.voters=1@localhost:9093' })[0]!, /controller.listener.names must contain at least one value/);
  assert.match(problemsOf({ text: `${combined}listeners=PLAINTEXT://:9092,CONTROLLER://:9093\nnode.id=2` })[0]!, /the node id 2 must be included in the set of voters/);
  assert.match(problemsOf({ text: 'process.roles=broker' })[0]!, /either controller.quorum.bootstrap.servers must contain/);
  assert.match(problemsOf({ text: 'inter.broker.listener.name=PLAINTEXT\nsecurity.inter.broker.protocol=PLAINTEXT' })[0]!, /Only one of inter.broker.listener.name and security.inter.broker.protocol should be set/);
  assert.match(problemsOf({ text: 'inter.broker.listener.name=INTERNAL' })[0]!, /inter.broker.listener.name must be a listener name defined in advertised.listeners/);
  assert.match(problemsOf({ text: 'node.id=1\nbroker.id=2' })[0]!, /The values for broker.id \(2\) and node.id \(1\) must be the same/);
  assert.match(problemsOf({ text: 'process.roles=broker,broker' })[0]!, /Duplicate role names/);
  assert.match(problemsOf({ text: 'process.roles=borker' })[0]!, /Invalid value borker for configuration process.roles: String must be one of: broker, controller/);
  assert.match(problemsOf({ text: 'samsa.http.port=9092' })[0]!, /port 9092 is already used by listener PLAINTEXT/);
});

test('listener details: IPv6, case, controller-only, broker-only, port 0', () => {
  const ipv6 = load({ text: 'listeners=PLAINTEXT://[::1]:9092,ssl://127.0.0.1:9092' });
  assert.deepEqual(ipv6.listeners.map((l) => `${l.name}|${l.host}|${l.port}`), ['PLAINTEXT|::1|9092', 'SSL|127.0.0.1|9092']);
  const controller = load({ text: 'process.roles=controller\nnode.id=3\ncontroller.quorum.voters=3@c:9093\ncontroller.listener.names=CONTROLLER\nlisteners=CONTROLLER://:9093' });
  assert.deepEqual(controller.processRoles, ['controller']);
  assert.deepEqual(controller.securityProtocolMap.get('CONTROLLER'), 'PLAINTEXT');
  const broker = load({ text: 'process.roles=broker\nnode.id=4\ncontroller.quorum.bootstrap.servers=c:9093\ncontroller.listener.names=CONTROLLER\nlisteners=PLAINTEXT://:0' });
  assert.deepEqual(broker.controllerQuorumBootstrapServers, [{ host: 'c', port: 9093 }]);
  assert.equal(broker.listeners[0]!.port, 0);
  assert.match(problemsOf({ text: 'process.roles=broker\ncontroller.quorum.voters=1@c:9093\ncontroller.listener.names=CONTROLLER\nlisteners=PLAINTEXT://:9092,CONTROLLER://:9093' })[0]!, /must not contain a value appearing in the 'listeners'/);
  assert.equal(load({ text: 'broker.id=7' }).nodeId, 7);
});

test('broker entries: sources and synonyms like DescribeConfigs', () => {
  const config = load({ text: 'log.retention.hours=24\nlog.segment.bytes=1073741824' });
  const entries = new Map(config.entries().map((entry) => [entry.name, entry]));
  const hours = entries.get('log.retention.hours')!;
  assert.equal(hours.value, '24');
  assert.equal(hours.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.deepEqual(hours.synonyms, [
    { name: 'log.retention.hours', value: '24', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const ms = entries.get('log.retention.ms')!;
  assert.equal(ms.value, null);
  assert.equal(ms.source, ConfigSource.DEFAULT_CONFIG);
  assert.deepEqual(ms.synonyms, []);
  assert.equal(entries.get('num.network.threads')!.readOnly, false);
  assert.equal(entries.get('listeners')!.readOnly, true);
  assert.equal(entries.get('node.id')!.type, 3);
  assert.equal(entries.get('log.flush.interval.messages')!.value, '9223372036854775807');
});
