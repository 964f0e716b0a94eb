import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { apacheEnvVarToConfigKey, bitnamiEnvVarToConfigKey, configFromEnv, isConfigVariable } from './env.js';
import { REFERENCE_COMPOSE_ENV } from './test-fixtures.js';

test('apache/kafka mapping: _ → ., __ → _, ___ → -', () => {
  assert.equal(apacheEnvVarToConfigKey('KAFKA_ABC_DEF'), 'abc.def');
  assert.equal(apacheEnvVarToConfigKey('KAFKA_ABC__DEF'), 'abc_def');
  assert.equal(apacheEnvVarToConfigKey('KAFKA_ABC___DEF'), 'abc-def');
  assert.equal(apacheEnvVarToConfigKey('KAFKA_LISTENER_NAME_PLAINTEXT__HOST_SSL_KEY_PASSWORD'), 'listener.name.plaintext_host.ssl.key.password');
  assert.equal(apacheEnvVarToConfigKey('KAFKA_LISTENER_NAME_SASL__SSL_SCRAM___SHA___256_SASL_JAAS_CONFIG'), 'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config');
  assert.equal(apacheEnvVarToConfigKey('KAFKA_NODE_ID'), 'node.id');
});

test('Bitnami mapping with its sasl_ssl / sasl_plaintext special cases', () => {
  assert.equal(bitnamiEnvVarToConfigKey('KAFKA_CFG_NUM_PARTITIONS'), 'num.partitions');
  assert.equal(bitnamiEnvVarToConfigKey('KAFKA_CFG_LISTENER_NAME_SASL_SSL_PLAIN_SASL_JAAS_CONFIG'), 'listener.name.sasl_ssl.plain.sasl.jaas.config');
  assert.equal(bitnamiEnvVarToConfigKey('KAFKA_CFG_LISTENER_NAME_SASL_PLAINTEXT_SASL_ENABLED_MECHANISMS'), 'listener.name.sasl_plaintext.sasl.enabled.mechanisms');
});

test('non-config variables are not considered', () => {
  for (const name of ['KAFKA_HEAP_OPTS', 'KAFKA_OPTS', 'KAFKA_JMX_OPTS', 'KAFKA_JVM_PERFORMANCE_OPTS', 'KAFKA_LOG4J_OPTS', 'KAFKA_LOG4J_ROOT_LOGLEVEL', 'KAFKA_LOG4J_LOGGERS', 'KAFKA_DEBUG', 'KAFKA_GC_LOG_OPTS', 'KAFKA_HOME', 'KAFKA_VERSION', 'KAFKA_ENABLE_KRAFT', 'KAFKA_KRAFT_CLUSTER_ID', 'PATH', 'CLUSTER_ID']) {
    assert.equal(isConfigVariable(name), false, name);
  }
  for (const name of ['KAFKA_PORT', 'KAFKA_PORT_9092_TCP', 'KAFKA_PORT_9092_TCP_ADDR', 'KAFKA_SERVICE_HOST', 'KAFKA_SERVICE_PORT']) {
    assert.equal(isConfigVariable(name), false, `Kubernetes service variable ${name}`);
  }
  assert.equal(isConfigVariable('KAFKA_LOG_DIRS'), true);
  assert.equal(isConfigVariable('KAFKA_LOG_RETENTION_HOURS'), true);
  assert.equal(isConfigVariable('KAFKA_CFG_NODE_ID'), true);
});

test('the reference compose environment maps to the expected keys and cluster id', () => {
  const { entries, clusterId } = configFromEnv(REFERENCE_COMPOSE_ENV);
  const byKey = Object.fromEntries(entries.map((entry) => [entry.key, entry.value]));
  assert.deepEqual(clusterId, { value: '4L6g3nShT-eMCtK--X86sw', variable: 'CLUSTER_ID' });
  assert.equal(byKey['node.id'], '1');
  assert.equal(byKey['process.roles'], 'broker,controller');
  assert.equal(byKey['controller.quorum.voters'], '1@broker:29093');
  assert.equal(byKey['listeners'], 'CONTROLLER://:29093,PLAINTEXT_HOST://:9092,PLAINTEXT://:19092');
  assert.equal(byKey['listener.security.protocol.map'], 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,PLAINTEXT_HOST:PLAINTEXT');
  assert.equal(byKey['group.initial.rebalance.delay.ms'], '0');
  assert.equal(byKey['offsets.topic.replication.factor'], '1');
  assert.equal(byKey['heap.opts'], undefined);
});

test('Bitnami cluster id, empty variables ignored, apache form beats KAFKA_CFG_', () => {
  const { entries, clusterId } = configFromEnv({
    KAFKA_KRAFT_CLUSTER_ID: 'abcdefghijklmnopqrstuv',
    KAFKA_CFG_NUM_PARTITIONS: '3',
    KAFKA_NUM_PARTITIONS: '4',
    KAFKA_CFG_BROKER_RACK: '',
  });
  assert.deepEqual(clusterId, { value: 'abcdefghijklmnopqrstuv', variable: 'KAFKA_KRAFT_CLUSTER_ID' });
  assert.deepEqual(entries, [{ key: 'num.partitions', value: '4', variable: 'KAFKA_NUM_PARTITIONS' }]);
});

test('CLUSTER_ID beats KAFKA_KRAFT_CLUSTER_ID', () => {
  assert.equal(configFromEnv({ CLUSTER_ID: 'a', KAFKA_KRAFT_CLUSTER_ID: 'b' }).clusterId?.variable, 'CLUSTER_ID');
});
