/**
 * Kafka's topic-level configs (LogConfig / TopicConfig) with their broker-level synonyms in
 * priority order (ServerTopicConfigSynonyms). A topic config with no override takes the value of
 * its first broker synonym that has a value, converted to the topic config's unit.
 */
import { COMPRESSION_TYPES, LONG_MAX_TEXT, TIMESTAMP_TYPES } from './config-def.js';
import { atLeast, between, type ConfigTypeName, gzipLevel, oneOf, type Validator } from './config-value.js';

/** A broker synonym and the factor converting its unit to the topic config's (hours → ms: 3600000). */
export interface BrokerSynonym {
  readonly name: string;
  readonly factor: bigint;
}

/** One topic config. */
export interface TopicConfigKey {
  readonly name: string;
  readonly type: ConfigTypeName;
  /** Default when no broker synonym exists (topic configs with synonyms default to the broker's value). */
  readonly defaultValue: string;
  readonly validator: Validator | undefined;
  readonly synonyms: readonly BrokerSynonym[];
}

const MINUTES = 60_000n;
const HOURS = 3_600_000n;

function topic(name: string, type: ConfigTypeName, defaultValue: string, synonyms: readonly (string | readonly [string, bigint])[], validator?: Validator): TopicConfigKey {
  const mapped = synonyms.map((entry) => (typeof entry === 'string' ? { name: entry, factor: 1n } : { name: entry[0], factor: entry[1] }));
  return { name, type, defaultValue, validator, synonyms: mapped };
}

const topicKeys: readonly TopicConfigKey[] = [
  topic('cleanup.policy', 'LIST', 'delete', ['log.cleanup.policy'], oneOf('compact', 'delete')),
  topic('compression.type', 'STRING', 'producer', ['compression.type'], oneOf(...COMPRESSION_TYPES)),
  topic('compression.gzip.level', 'INT', '-1', ['compression.gzip.level'], gzipLevel),
  topic('compression.lz4.level', 'INT', '9', ['compression.lz4.level'], between(1, 17)),
  topic('compression.zstd.level', 'INT', '3', ['compression.zstd.level'], between(-131072, 22)),
  topic('delete.retention.ms', 'LONG', '86400000', ['log.cleaner.delete.retention.ms'], atLeast(0)),
  topic('file.delete.delay.ms', 'LONG', '60000', ['log.segment.delete.delay.ms'], atLeast(0)),
  topic('flush.messages', 'LONG', LONG_MAX_TEXT, ['log.flush.interval.messages'], atLeast(1)),
  topic('flush.ms', 'LONG', LONG_MAX_TEXT, ['log.flush.interval.ms', 'log.flush.scheduler.interval.ms'], atLeast(0)),
  topic('follower.replication.throttled.replicas', 'LIST', '', []),
  topic('index.interval.bytes', 'INT', '4096', ['log.index.interval.bytes'], atLeast(0)),
  topic('leader.replication.throttled.replicas', 'LIST', '', []),
  topic('local.retention.bytes', 'LONG', '-2', ['log.local.retention.bytes'], atLeast(-2)),
  topic('local.retention.ms', 'LONG', '-2', ['log.local.retention.ms'], atLeast(-2)),
  topic('max.compaction.lag.ms', 'LONG', LONG_MAX_TEXT, ['log.cleaner.max.compaction.lag.ms'], atLeast(1)),
  topic('max.message.bytes', 'INT', '1048588', ['message.max.bytes'], atLeast(0)),
  topic('message.timestamp.after.max.ms', 'LONG', LONG_MAX_TEXT, ['log.message.timestamp.after.max.ms'], atLeast(0)),
  topic('message.timestamp.before.max.ms', 'LONG', LONG_MAX_TEXT, ['log.message.timestamp.before.max.ms'], atLeast(0)),
  topic('message.timestamp.type', 'STRING', 'CreateTime', ['log.message.timestamp.type'], oneOf(...TIMESTAMP_TYPES)),
  topic('min.cleanable.dirty.ratio', 'DOUBLE', '0.5', ['log.cleaner.min.cleanable.ratio'], between(0, 1)),
  topic('min.compaction.lag.ms', 'LONG', '0', ['log.cleaner.min.compaction.lag.ms'], atLeast(0)),
  topic('min.insync.replicas', 'INT', '1', ['min.insync.replicas'], atLeast(1)),
  topic('preallocate', 'BOOLEAN', 'false', ['log.preallocate']),
  topic('remote.log.copy.disable', 'BOOLEAN', 'false', []),
  topic('remote.log.delete.on.disable', 'BOOLEAN', 'false', []),
  topic('remote.storage.enable', 'BOOLEAN', 'false', []),
  topic('retention.bytes', 'LONG', '-1', ['log.retention.bytes']),
  topic('retention.ms', 'LONG', '604800000', ['log.retention.ms', ['log.retention.minutes', MINUTES], ['log.retention.hours', HOURS]], atLeast(-1)),
  topic('segment.bytes', 'INT', '1073741824', ['log.segment.bytes'], atLeast(14)),
  topic('segment.index.bytes', 'INT', '10485760', ['log.index.size.max.bytes'], atLeast(4)),
  topic('segment.jitter.ms', 'LONG', '0', ['log.roll.jitter.ms', ['log.roll.jitter.hours', HOURS]], atLeast(0)),
  topic('segment.ms', 'LONG', '604800000', ['log.roll.ms', ['log.roll.hours', HOURS]], atLeast(1)),
  topic('unclean.leader.election.enable', 'BOOLEAN', 'false', ['unclean.leader.election.enable']),
];

/** Every topic config, by name, in Kafka's (alphabetical) DescribeConfigs order. */
export const TOPIC_CONFIG_KEYS: ReadonlyMap<string, TopicConfigKey> = new Map(topicKeys.map((entry) => [entry.name, entry]));

/**
 * Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the synonym group a broker key belongs to
 * (`log.retention.hours` → ms, minutes, hours), or just the key itself.
 */
export function brokerConfigSynonyms(name: string): readonly string[] {
  for (const topicKey of TOPIC_CONFIG_KEYS.values()) {
    const names = topicKey.synonyms.map((synonym) => synonym.name);
    if (names.includes(name)) return names;
  }
  return [name];
}
