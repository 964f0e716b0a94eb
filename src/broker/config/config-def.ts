/**
 * The broker configuration keys Samsa knows: Kafka's names, types, code defaults and validators
 * (Kafka 4.0, KafkaConfig and friends), plus a few `samsa.` keys. `support` records whether the
 * broker is meant to act on a key ('enforced') or only parses and validates it ('accepted').
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atLeast, between, type ConfigTypeName, gzipLevel, oneOf, type Validator } from './config-value.js';

/** Whether Samsa acts on a key or only accepts and validates it. */
export type SamsaSupport = 'enforced' | 'accepted';

/** One broker configuration key. */
export interface BrokerConfigKey {
  readonly name: string;
  readonly type: ConfigTypeName;
  /** Kafka's code default as text (parsed like any other value); null means "no value". */
  readonly defaultValue: string | null;
  readonly validator: Validator | undefined;
  /** Kafka lets this key change at runtime (IncrementalAlterConfigs); readOnly is its negation. */
  readonly dynamic: boolean;
  readonly support: SamsaSupport;
}

interface KeyOptions {
  readonly validator?: Validator;
  readonly dynamic?: boolean;
  readonly enforced?: boolean;
}

/** Java's Long.MAX_VALUE as text. */
export const LONG_MAX_TEXT = '9223372036854775807';
/** Java's Integer.MAX_VALUE as text. */
export const INT_MAX_TEXT = '2147483647';

/** The security protocols a listener can use. */
export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;

/** Kafka's default for `log.dir`: kafka-logs under the OS temp root. */
export const DEFAULT_LOG_DIR = join(tmpdir(), 'kafka-logs');

/** Valid `compression.type` values (broker and topic). */
export const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'] as const;
/** Valid `message.timestamp.type` values (broker and topic). */
export const TIMESTAMP_TYPES = ['CreateTime', 'LogAppendTime'] as const;

const E = { enforced: true } as const;
const D = { dynamic: true } as const;
const DE = { dynamic: true, enforced: true } as const;

function key(name: string, type: ConfigTypeName, defaultValue: string | null, options: KeyOptions = {}): BrokerConfigKey {
  return {
    name,
    type,
    defaultValue,
    validator: options.validator,
    dynamic: options.dynamic ?? false,
    support: options.enforced ? 'enforced' : 'accepted',
  };
}

const serverKeys: readonly BrokerConfigKey[] = [
  key('process.roles', 'LIST', '', { ...E, validator: oneOf('broker', 'controller') }),
  key('node.id', 'INT', '1', E),
  key('broker.id', 'INT', '-1', E),
  key('broker.rack', 'STRING', null, E),
  key('controller.quorum.voters', 'LIST', '', E),
  key('controller.quorum.bootstrap.servers', 'LIST', '', E),
  key('controller.listener.names', 'STRING', null, E),
  key('controller.quorum.election.timeout.ms', 'INT', '1000', E),
  key('controller.quorum.election.backoff.max.ms', 'INT', '1000', E),
  key('controller.quorum.fetch.timeout.ms', 'INT', '2000', E),
  key('controller.quorum.request.timeout.ms', 'INT', '2000', E),
  key('controller.quorum.retry.backoff.ms', 'INT', '20', E),
  key('controller.quorum.append.linger.ms', 'INT', '25'),
  key('controller.socket.timeout.ms', 'INT', '30000'),
  key('broker.session.timeout.ms', 'INT', '9000', E),
  key('broker.heartbeat.interval.ms', 'INT', '2000', E),
  key('metadata.log.dir', 'STRING', null, E),
  key('metadata.log.segment.bytes', 'INT', '1073741824', { ...E, validator: atLeast(12) }),
  key('metadata.log.segment.ms', 'LONG', '604800000', E),
  key('metadata.log.max.record.bytes.between.snapshots', 'LONG', '20971520', { ...E, validator: atLeast(1) }),
  key('metadata.log.max.snapshot.interval.ms', 'LONG', '3600000', { ...E, validator: atLeast(0) }),
  key('metadata.max.retention.bytes', 'LONG', '104857600', E),
  key('metadata.max.retention.ms', 'LONG', '604800000', E),
  key('metadata.max.idle.interval.ms', 'INT', '500', { validator: atLeast(0) }),
  key('background.threads', 'INT', '10', { ...D, validator: atLeast(1) }),
  key('auto.create.topics.enable', 'BOOLEAN', 'true', E),
  key('delete.topic.enable', 'BOOLEAN', 'true', E),
  key('num.partitions', 'INT', '1', { ...E, validator: atLeast(1) }),
  key('default.replication.factor', 'INT', '1', E),
  key('min.insync.replicas', 'INT', '1', { ...DE, validator: atLeast(1) }),
  key('message.max.bytes', 'INT', '1048588', { ...DE, validator: atLeast(0) }),
  key('compression.type', 'STRING', 'producer', { ...DE, validator: oneOf(...COMPRESSION_TYPES) }),
  key('compression.gzip.level', 'INT', '-1', { ...D, validator: gzipLevel }),
  key('compression.lz4.level', 'INT', '9', { ...D, validator: between(1, 17) }),
  key('compression.zstd.level', 'INT', '3', { ...D, validator: between(-131072, 22) }),
  key('unclean.leader.election.enable', 'BOOLEAN', 'false', DE),
  key('auto.leader.rebalance.enable', 'BOOLEAN', 'true', E),
  key('leader.imbalance.check.interval.seconds', 'LONG', '300', { validator: atLeast(1) }),
  key('leader.imbalance.per.broker.percentage', 'INT', '10'),
  key('create.topic.policy.class.name', 'CLASS', null),
  key('alter.config.policy.class.name', 'CLASS', null),
];

const socketKeys: readonly BrokerConfigKey[] = [
  key('listeners', 'STRING', 'PLAINTEXT://:9092', E),
  key('advertised.listeners', 'STRING', null, E),
  key('listener.security.protocol.map', 'STRING', 'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT', E),
  key('inter.broker.listener.name', 'STRING', null, E),
  key('security.inter.broker.protocol', 'STRING', 'PLAINTEXT', { ...E, validator: oneOf(...SECURITY_PROTOCOLS) }),
  key('num.network.threads', 'INT', '3', { ...D, validator: atLeast(1) }),
  key('num.io.threads', 'INT', '8', { ...D, validator: atLeast(1) }),
  key('socket.send.buffer.bytes', 'INT', '102400', E),
  key('socket.receive.buffer.bytes', 'INT', '102400', E),
  key('socket.request.max.bytes', 'INT', '104857600', { ...E, validator: atLeast(1) }),
  key('socket.listen.backlog.size', 'INT', '50', { validator: atLeast(1) }),
  key('socket.connection.setup.timeout.ms', 'LONG', '10000'),
  key('socket.connection.setup.timeout.max.ms', 'LONG', '30000'),
  key('queued.max.requests', 'INT', '500', { ...E, validator: atLeast(1) }),
  key('queued.max.request.bytes', 'LONG', '-1'),
  key('connections.max.idle.ms', 'LONG', '600000', E),
  key('connections.max.reauth.ms', 'LONG', '0'),
  key('max.connections', 'INT', INT_MAX_TEXT, { ...DE, validator: atLeast(0) }),
  key('max.connections.per.ip', 'INT', INT_MAX_TEXT, { ...DE, validator: atLeast(0) }),
  key('max.connections.per.ip.overrides', 'STRING', '', D),
  key('max.connection.creation.rate', 'INT', INT_MAX_TEXT, { ...D, validator: atLeast(0) }),
  key('request.timeout.ms', 'INT', '30000'),
  key('fetch.max.bytes', 'INT', '57671680', { ...E, validator: atLeast(1024) }),
  key('max.incremental.fetch.session.cache.slots', 'INT', '1000', { ...E, validator: atLeast(0) }),
  key('fetch.purgatory.purge.interval.requests', 'INT', '1000'),
  key('producer.purgatory.purge.interval.requests', 'INT', '1000'),
  key('delete.records.purgatory.purge.interval.requests', 'INT', '1'),
];

const logKeys: readonly BrokerConfigKey[] = [
  key('log.dir', 'STRING', DEFAULT_LOG_DIR, E),
  key('log.dirs', 'STRING', null, E),
  key('log.segment.bytes', 'INT', '1073741824', { ...DE, validator: atLeast(14) }),
  key('log.roll.ms', 'LONG', null, { ...DE, validator: atLeast(1) }),
  key('log.roll.hours', 'INT', '168', { ...DE, validator: atLeast(1) }),
  key('log.roll.jitter.ms', 'LONG', null, { ...DE, validator: atLeast(0) }),
  key('log.roll.jitter.hours', 'INT', '0', { ...DE, validator: atLeast(0) }),
  key('log.retention.ms', 'LONG', null, DE),
  key('log.retention.minutes', 'INT', null, DE),
  key('log.retention.hours', 'INT', '168', DE),
  key('log.retention.bytes', 'LONG', '-1', DE),
  key('log.retention.check.interval.ms', 'LONG', '300000', { ...E, validator: atLeast(1) }),
  key('log.cleanup.policy', 'LIST', 'delete', { ...DE, validator: oneOf('compact', 'delete') }),
  key('log.index.size.max.bytes', 'INT', '10485760', { ...DE, validator: atLeast(4) }),
  key('log.index.interval.bytes', 'INT', '4096', { ...DE, validator: atLeast(0) }),
  key('log.flush.interval.messages', 'LONG', LONG_MAX_TEXT, { ...DE, validator: atLeast(1) }),
  key('log.flush.interval.ms', 'LONG', null, DE),
  key('log.flush.scheduler.interval.ms', 'LONG', LONG_MAX_TEXT, DE),
  key('log.flush.offset.checkpoint.interval.ms', 'INT', '60000', { ...E, validator: atLeast(0) }),
  key('log.flush.start.offset.checkpoint.interval.ms', 'INT', '60000', { ...E, validator: atLeast(0) }),
  key('log.segment.delete.delay.ms', 'LONG', '60000', { ...DE, validator: atLeast(0) }),
  key('log.preallocate', 'BOOLEAN', 'false', D),
  key('log.message.timestamp.type', 'STRING', 'CreateTime', { ...DE, validator: oneOf(...TIMESTAMP_TYPES) }),
  key('log.message.timestamp.before.max.ms', 'LONG', LONG_MAX_TEXT, { ...DE, validator: atLeast(0) }),
  key('log.message.timestamp.after.max.ms', 'LONG', LONG_MAX_TEXT, { ...DE, validator: atLeast(0) }),
  key('log.local.retention.ms', 'LONG', '-2', { ...D, validator: atLeast(-2) }),
  key('log.local.retention.bytes', 'LONG', '-2', { ...D, validator: atLeast(-2) }),
  key('log.cleaner.enable', 'BOOLEAN', 'true', E),
  key('log.cleaner.threads', 'INT', '1', { ...D, validator: atLeast(0) }),
  key('log.cleaner.dedupe.buffer.size', 'LONG', '134217728', D),
  key('log.cleaner.io.buffer.size', 'INT', '524288', { ...D, validator: atLeast(0) }),
  key('log.cleaner.io.buffer.load.factor', 'DOUBLE', '0.9'),
  key('log.cleaner.io.max.bytes.per.second', 'DOUBLE', '1.7976931348623157E308', D),
  key('log.cleaner.backoff.ms', 'LONG', '15000', { ...D, validator: atLeast(0) }),
  key('log.cleaner.min.cleanable.ratio', 'DOUBLE', '0.5', { ...DE, validator: between(0, 1) }),
  key('log.cleaner.delete.retention.ms', 'LONG', '86400000', { ...DE, validator: atLeast(0) }),
  key('log.cleaner.min.compaction.lag.ms', 'LONG', '0', { ...DE, validator: atLeast(0) }),
  key('log.cleaner.max.compaction.lag.ms', 'LONG', LONG_MAX_TEXT, { ...DE, validator: atLeast(1) }),
  key('log.initial.task.delay.ms', 'LONG', '30000', { validator: atLeast(0) }),
  key('log.dir.failure.timeout.ms', 'LONG', '30000', { validator: atLeast(1) }),
  key('num.recovery.threads.per.data.dir', 'INT', '1', { ...D, validator: atLeast(1) }),
];

const replicationKeys: readonly BrokerConfigKey[] = [
  key('replica.lag.time.max.ms', 'LONG', '30000', E),
  key('replica.fetch.max.bytes', 'INT', '1048576', { ...E, validator: atLeast(0) }),
  key('replica.fetch.min.bytes', 'INT', '1', E),
  key('replica.fetch.wait.max.ms', 'INT', '500', E),
  key('replica.fetch.backoff.ms', 'INT', '1000', { ...E, validator: atLeast(0) }),
  key('replica.fetch.response.max.bytes', 'INT', '10485760', { ...E, validator: atLeast(0) }),
  key('replica.socket.timeout.ms', 'INT', '30000'),
  key('replica.socket.receive.buffer.bytes', 'INT', '65536'),
  key('replica.high.watermark.checkpoint.interval.ms', 'LONG', '5000', E),
  key('replica.selector.class', 'STRING', null),
  key('num.replica.fetchers', 'INT', '1', D),
  key('num.replica.alter.log.dirs.threads', 'INT', null),
];

const coordinatorKeys: readonly BrokerConfigKey[] = [
  key('offsets.topic.num.partitions', 'INT', '50', { ...E, validator: atLeast(1) }),
  key('offsets.topic.replication.factor', 'SHORT', '3', { ...E, validator: atLeast(1) }),
  key('offsets.topic.segment.bytes', 'INT', '104857600', { ...E, validator: atLeast(1) }),
  key('offsets.topic.compression.codec', 'INT', '0'),
  key('offsets.load.buffer.size', 'INT', '5242880', { validator: atLeast(1) }),
  key('offsets.retention.minutes', 'INT', '10080', { ...E, validator: atLeast(1) }),
  key('offsets.retention.check.interval.ms', 'LONG', '600000', { ...E, validator: atLeast(1) }),
  key('offsets.commit.timeout.ms', 'INT', '5000', { ...E, validator: atLeast(1) }),
  key('offset.metadata.max.bytes', 'INT', '4096', E),
  key('group.initial.rebalance.delay.ms', 'INT', '3000', E),
  key('group.min.session.timeout.ms', 'INT', '6000', E),
  key('group.max.session.timeout.ms', 'INT', '1800000', E),
  key('group.max.size', 'INT', INT_MAX_TEXT, { ...E, validator: atLeast(1) }),
  key('group.coordinator.rebalance.protocols', 'LIST', 'classic,consumer', { validator: oneOf('classic', 'consumer', 'share') }),
  key('group.coordinator.threads', 'INT', '1', { validator: atLeast(1) }),
  key('group.consumer.session.timeout.ms', 'INT', '45000', { validator: atLeast(1) }),
  key('group.consumer.heartbeat.interval.ms', 'INT', '5000', { validator: atLeast(1) }),
  key('group.consumer.max.size', 'INT', INT_MAX_TEXT, { validator: atLeast(1) }),
  key('transaction.state.log.num.partitions', 'INT', '50', { ...E, validator: atLeast(1) }),
  key('transaction.state.log.replication.factor', 'SHORT', '3', { ...E, validator: atLeast(1) }),
  key('transaction.state.log.min.isr', 'INT', '2', { ...E, validator: atLeast(1) }),
  key('transaction.state.log.segment.bytes', 'INT', '104857600', { ...E, validator: atLeast(1) }),
  key('transaction.state.log.load.buffer.size', 'INT', '5242880', { validator: atLeast(1) }),
  key('transaction.max.timeout.ms', 'INT', '900000', { ...E, validator: atLeast(1) }),
  key('transactional.id.expiration.ms', 'INT', '604800000', { ...E, validator: atLeast(1) }),
  key('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'INT', '10000', { validator: atLeast(1) }),
  key('transaction.remove.expired.transaction.cleanup.interval.ms', 'INT', '3600000', { validator: atLeast(1) }),
  key('transaction.partition.verification.enable', 'BOOLEAN', 'true', D),
  key('producer.id.expiration.ms', 'INT', '86400000', { ...DE, validator: atLeast(1) }),
  key('producer.id.expiration.check.interval.ms', 'INT', '600000', { validator: atLeast(1) }),
  key('share.coordinator.state.topic.num.partitions', 'INT', '50', { validator: atLeast(1) }),
  key('share.coordinator.state.topic.replication.factor', 'SHORT', '3', { validator: atLeast(1) }),
  key('share.coordinator.state.topic.min.isr', 'SHORT', '2', { validator: atLeast(1) }),
  key('share.coordinator.state.topic.segment.bytes', 'INT', '104857600', { validator: atLeast(1) }),
];

const securityKeys: readonly BrokerConfigKey[] = [
  key('sasl.enabled.mechanisms', 'LIST', 'GSSAPI', D),
  key('sasl.mechanism.inter.broker.protocol', 'STRING', 'GSSAPI'),
  key('sasl.mechanism.controller.protocol', 'STRING', 'GSSAPI'),
  key('sasl.jaas.config', 'PASSWORD', null, D),
  key('sasl.kerberos.service.name', 'STRING', null),
  key('sasl.server.callback.handler.class', 'CLASS', null),
  key('ssl.keystore.type', 'STRING', 'JKS', D),
  key('ssl.keystore.location', 'STRING', null, D),
  key('ssl.keystore.password', 'PASSWORD', null, D),
  key('ssl.key.password', 'PASSWORD', null, D),
  key('ssl.keystore.key', 'PASSWORD', null, D),
  key('ssl.keystore.certificate.chain', 'PASSWORD', null, D),
  key('ssl.truststore.type', 'STRING', 'JKS', D),
  key('ssl.truststore.location', 'STRING', null, D),
  key('ssl.truststore.password', 'PASSWORD', null, D),
  key('ssl.truststore.certificates', 'PASSWORD', null, D),
  key('ssl.protocol', 'STRING', 'TLSv1.3', D),
  key('ssl.enabled.protocols', 'LIST', 'TLSv1.2,TLSv1.3', D),
  key('ssl.cipher.suites', 'LIST', '', D),
  key('ssl.client.auth', 'STRING', 'none', { ...D, validator: oneOf('required', 'requested', 'none') }),
  key('ssl.endpoint.identification.algorithm', 'STRING', 'https', D),
  key('ssl.principal.mapping.rules', 'STRING', 'DEFAULT'),
  key('authorizer.class.name', 'STRING', ''),
  key('super.users', 'STRING', null),
  key('allow.everyone.if.no.acl.found', 'BOOLEAN', 'false'),
  key('principal.builder.class', 'CLASS', 'org.apache.kafka.common.security.authenticator.DefaultKafkaPrincipalBuilder'),
  key('metric.reporters', 'LIST', '', D),
  key('metrics.num.samples', 'INT', '2', { validator: atLeast(1) }),
  key('metrics.sample.window.ms', 'LONG', '30000', { validator: atLeast(1) }),
  key('metrics.recording.level', 'STRING', 'INFO', { validator: oneOf('INFO', 'DEBUG', 'TRACE') }),
];

const samsaKeys: readonly BrokerConfigKey[] = [
  key('samsa.legacy.protocol.enable', 'BOOLEAN', 'true'),
  key('samsa.http.port', 'INT', '-1', { ...E, validator: between(-1, 65535) }),
];

/** Every broker key Samsa knows, by name. */
export const BROKER_CONFIG_KEYS: ReadonlyMap<string, BrokerConfigKey> = new Map(
  [...serverKeys, ...socketKeys, ...logKeys, ...replicationKeys, ...coordinatorKeys, ...securityKeys, ...samsaKeys].map(
    (entry) => [entry.name, entry],
  ),
);

/** Keys Kafka 4.0 removed or that belong to other distributions: accepted with a warning, never used. */
export const IGNORED_KEYS: ReadonlyMap<string, string> = new Map([
  ['inter.broker.protocol.version', 'removed in Kafka 4.0; the metadata version is set by kafka-storage format / kafka-features'],
  ['log.message.format.version', 'removed in Kafka 4.0'],
  ['log.message.timestamp.difference.max.ms', 'removed in Kafka 4.0; use log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms'],
  ['log.message.downconversion.enable', 'removed in Kafka 4.0'],
]);

/** Key prefixes of other distributions' settings (Confluent Server): accepted with a warning, never used. */
export const IGNORED_KEY_PREFIXES: readonly string[] = ['confluent.'];

/** Hints for unknown keys that people commonly bring from older setups. */
export const UNKNOWN_KEY_HINTS: readonly (readonly [RegExp, string])[] = [
  [/^zookeeper\./, 'ZooKeeper mode is not supported; Samsa runs in KRaft mode (set process.roles and controller.quorum.voters)'],
  [/^(port|host\.name|advertised\.port|advertised\.host\.name)$/, 'removed from Kafka; use listeners and advertised.listeners'],
];

/** Per-listener overrides (`listener.name.<listener>.<key>`), accepted as opaque strings. */
export const LISTENER_OVERRIDE_PATTERN = /^listener\.name\.([^.]+)\.(.+)$/;

/** Kafka treats PASSWORD values (and anything it cannot type) as sensitive: never echoed. */
export function isSensitiveKey(name: string): boolean {
  const known = BROKER_CONFIG_KEYS.get(name);
  if (known) return known.type === 'PASSWORD';
  return LISTENER_OVERRIDE_PATTERN.test(name) && /(password|jaas\.config|keystore\.key|certificate)/.test(name);
}
