import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { loadBrokerConfig } from './broker-config.js';
import { ConfigError } from './config-error.js';
import { ConfigSource } from './config-value.js';
import { describeTopicConfig, effectiveLogConfig, validateTopicConfigs } from './topic-config.js';
import { STOCK_SERVER_PROPERTIES } from './test-fixtures.js';

const broker = (text = '') => loadBrokerConfig({ file: 'server.properties', readFile: () => text, env: {}, overrides: [], hostName: 'h' });

function messageOf(fn: () => void): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.message;
  }
  assert.fail('expected a ConfigError');
}

test('validateTopicConfigs accepts valid configs', () => {
  validateTopicConfigs({ 'cleanup.policy': 'compact,delete', 'retention.ms': '-1', 'compression.type': 'zstd', 'message.timestamp.type': 'LogAppendTime', 'min.insync.replicas': '2', 'segment.bytes': '14', 'max.message.bytes': '0' });
});

test('validateTopicConfigs messages match Kafka', () => {
  assert.equal(messageOf(() => validateTopicConfigs({ foo: '1' })), 'Unknown topic config name: foo');
  assert.equal(messageOf(() => validateTopicConfigs({ 'retention.ms': 'x' })), 'Invalid value x for configuration retention.ms: Not a number of type LONG');
  assert.equal(messageOf(() => validateTopicConfigs({ 'retention.ms': '-2' })), 'Invalid value -2 for configuration retention.ms: Value must be at least -1');
  assert.equal(messageOf(() => validateTopicConfigs({ 'cleanup.policy': 'remove' })), 'Invalid value remove for configuration cleanup.policy: String must be one of: compact, delete');
  assert.equal(messageOf(() => validateTopicConfigs({ 'compression.type': 'brotli' })), 'Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer');
  assert.equal(messageOf(() => validateTopicConfigs({ 'message.timestamp.type': 'createtime' })), 'Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime');
  assert.equal(messageOf(() => validateTopicConfigs({ 'min.insync.replicas': '0' })), 'Invalid value 0 for configuration min.insync.replicas: Value must be at least 1');
  assert.equal(messageOf(() => validateTopicConfigs({ 'segment.bytes': '13' })), 'Invalid value 13 for configuration segment.bytes: Value must be at least 14');
  assert.equal(messageOf(() => validateTopicConfigs({ 'max.message.bytes': '-1' })), 'Invalid value -1 for configuration max.message.bytes: Value must be at least 0');
  assert.equal(messageOf(() => validateTopicConfigs({ 'preallocate': 'maybe' })), 'Invalid value maybe for configuration preallocate: Expected value to be either true or false');
  assert.equal(messageOf(() => validateTopicConfigs({ 'retention.ms': null })), 'Null value not supported for topic configs: retention.ms');
  assert.equal(messageOf(() => validateTopicConfigs({ 'min.compaction.lag.ms': '10', 'max.compaction.lag.ms': '5' })), 'conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)');
  assert.match(messageOf(() => validateTopicConfigs({ foo: '1', bar: '2' })), /^2 configuration problems:\n {2}- Unknown topic config name: foo\n {2}- Unknown topic config name: bar$/);
});

test('stock server.properties: only segment.bytes is non-default, as kafka-topics --describe shows', () => {
  const described = describeTopicConfig({}, broker(STOCK_SERVER_PROPERTIES));
  const nonDefault = described.filter((entry) => !entry.isDefault).map((entry) => `${entry.name}=${entry.value}`);
  assert.deepEqual(nonDefault, ['segment.bytes=1073741824']);
  const segmentBytes = described.find((entry) => entry.name === 'segment.bytes')!;
  assert.equal(segmentBytes.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.deepEqual(segmentBytes.synonyms, [
    { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const retention = described.find((entry) => entry.name === 'retention.ms')!;
  assert.equal(retention.value, '604800000');
  assert.equal(retention.source, ConfigSource.DEFAULT_CONFIG);
  assert.deepEqual(retention.synonyms, []);
});

test('a topic override comes first, then static broker synonyms, then the default', () => {
  const described = describeTopicConfig({ 'segment.bytes': '1048576', 'cleanup.policy': 'compact' }, broker('log.segment.bytes=536870912'));
  const segmentBytes = described.find((entry) => entry.name === 'segment.bytes')!;
  assert.equal(segmentBytes.value, '1048576');
  assert.equal(segmentBytes.source, ConfigSource.DYNAMIC_TOPIC_CONFIG);
  assert.equal(segmentBytes.isDefault, false);
  assert.equal(segmentBytes.type, 3);
  assert.deepEqual(segmentBytes.synonyms, [
    { name: 'segment.bytes', value: '1048576', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
    { name: 'log.segment.bytes', value: '536870912', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.segment.bytes', value: '1073741824', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const cleanup = described.find((entry) => entry.name === 'cleanup.policy')!;
  assert.deepEqual(cleanup.synonyms.map((s) => s.source), [ConfigSource.DYNAMIC_TOPIC_CONFIG, ConfigSource.DEFAULT_CONFIG]);
});

test('retention.ms synonyms: log.retention.ms heads the chain; hours alone is dropped like Kafka', () => {
  const withMs = describeTopicConfig({}, broker('log.retention.ms=1000\nlog.retention.hours=1')).find((e) => e.name === 'retention.ms')!;
  assert.equal(withMs.value, '1000');
  assert.equal(withMs.source, ConfigSource.STATIC_BROKER_CONFIG);
  assert.deepEqual(withMs.synonyms, [
    { name: 'log.retention.ms', value: '1000', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '1', source: ConfigSource.STATIC_BROKER_CONFIG },
    { name: 'log.retention.hours', value: '168', source: ConfigSource.DEFAULT_CONFIG },
  ]);
  const hoursOnly = describeTopicConfig({}, broker('log.retention.hours=1')).find((e) => e.name === 'retention.ms')!;
  assert.equal(hoursOnly.value, '3600000');
  assert.equal(hoursOnly.source, ConfigSource.DEFAULT_CONFIG);
});

test('topic configs without broker synonyms', () => {
  const described = describeTopicConfig({ 'remote.storage.enable': 'false' }, broker());
  const remote = described.find((entry) => entry.name === 'remote.storage.enable')!;
  assert.deepEqual(remote.synonyms, [{ name: 'remote.storage.enable', value: 'false', source: ConfigSource.DYNAMIC_TOPIC_CONFIG }]);
  const throttled = described.find((entry) => entry.name === 'leader.replication.throttled.replicas')!;
  assert.equal(throttled.value, '');
  assert.equal(throttled.source, ConfigSource.DEFAULT_CONFIG);
});

test('effectiveLogConfig: typed, camelCase, broker synonyms converted, LONG max clamped', () => {
  const config = effectiveLogConfig({ 'cleanup.policy': 'compact,delete', 'min.insync.replicas': '2' }, broker('log.roll.hours=1\nlog.retention.minutes=30\nmessage.max.bytes=2000\nlog.flush.interval.ms=500'));
  assert.deepEqual(config.cleanupPolicy, ['compact', 'delete']);
  assert.equal(config.minInsyncReplicas, 2);
  assert.equal(config.segmentMs, 3600000);
  assert.equal(config.retentionMs, 1800000);
  assert.equal(config.maxMessageBytes, 2000);
  assert.equal(config.flushMs, 500);
  assert.equal(config.flushMessages, Number.MAX_SAFE_INTEGER);
  assert.equal(config.segmentBytes, 1073741824);
  assert.equal(config.segmentIndexBytes, 10485760);
  assert.equal(config.indexIntervalBytes, 4096);
  assert.equal(config.messageTimestampType, 'CreateTime');
  assert.equal(config.compressionType, 'producer');
  assert.equal(config.uncleanLeaderElectionEnable, false);
  assert.equal(config.retentionBytes, -1);
  assert.equal(config.minCleanableDirtyRatio, 0.5);
  assert.equal(config.localRetentionMs, -2);
  assert.equal(Object.keys(config).length, 33);
});

test('effectiveLogConfig: defaults and negative retention', () => {
  const defaults = effectiveLogConfig({}, broker());
  assert.equal(defaults.retentionMs, 604800000);
  assert.equal(defaults.segmentMs, 604800000);
  assert.equal(defaults.flushMs, Number.MAX_SAFE_INTEGER);
  assert.equal(effectiveLogConfig({}, broker('log.retention.hours=-1')).retentionMs, -1);
  assert.equal(effectiveLogConfig({ 'retention.ms': '-1' }, broker()).retentionMs, -1);
});
