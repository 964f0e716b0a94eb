/**
 * Topic-level configuration: validation of CreateTopics / AlterConfigs input, DescribeConfigs
 * entries with sources and synonyms, and the effective typed log config of a topic.
 */
import { ConfigError, type ConfigProblem, invalidValueMessage } from './config-error.js';
import {
  ConfigSource,
  type ConfigSourceId,
  ConfigType,
  type ConfigValue,
  isFailure,
  parseConfigValue,
  type ParsedValue,
} from './config-value.js';
import { configSynonyms, type ConfigSynonym, type SynonymValues } from './synonyms.js';
import { TOPIC_CONFIG_KEYS, type TopicConfigKey } from './topic-config-def.js';

/** What topic functions need from the broker config: static and default values of broker keys. */
export interface BrokerConfigValues extends SynonymValues {
  /** The broker key's value in effect (static, else default) as canonical text; null when unset. */
  effectiveText(name: string): string | null;
}

/** A topic's overrides as stored in metadata: config name → value. */
export type TopicOverrides = Readonly<Record<string, string>>;

/** One DescribeConfigs entry for a topic. */
export interface TopicConfigDescription {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceId;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  readonly isDefault: boolean;
  readonly synonyms: readonly ConfigSynonym[];
  /** DescribeConfigs ConfigType id. */
  readonly type: number;
}

/** Throws a ConfigError (INVALID_CONFIG wording) listing every unknown name and invalid value. */
export function validateTopicConfigs(configs: Readonly<Record<string, string | null>>): void {
  const problems: ConfigProblem[] = [];
  for (const [name, value] of Object.entries(configs)) {
    const problem = topicConfigProblem(name, value);
    if (problem) problems.push({ key: name, value, source: '', message: problem });
  }
  const lagProblem = compactionLagProblem(configs);
  if (lagProblem) problems.push(lagProblem);
  if (problems.length > 0) throw new ConfigError(problems);
}

function topicConfigProblem(name: string, value: string | null): string | undefined {
  const definition = TOPIC_CONFIG_KEYS.get(name);
  if (!definition) return `Unknown topic config name: ${name}`;
  if (value === null) return `Null value not supported for topic configs: ${name}`;
  const parsed = parseTopicValue(definition, value);
  return isFailure(parsed) ? invalidValueMessage(name, parsed.value ?? value, parsed.reason) : undefined;
}

function compactionLagProblem(configs: Readonly<Record<string, string | null>>): ConfigProblem | undefined {
  const min = configs['min.compaction.lag.ms'];
  const max = configs['max.compaction.lag.ms'];
  if (min == null || max == null || !/^\s*[+-]?\d+\s*$/.test(min) || !/^\s*[+-]?\d+\s*$/.test(max)) return undefined;
  if (BigInt(min.trim()) <= BigInt(max.trim())) return undefined;
  const message = `conflict topic config setting min.compaction.lag.ms (${min.trim()}) > max.compaction.lag.ms (${max.trim()})`;
  return { key: 'min.compaction.lag.ms', value: min, source: '', message };
}

function parseTopicValue(definition: TopicConfigKey, raw: string): ParsedValue | { reason: string; value?: string } {
  const parsed = parseConfigValue(definition.type, raw);
  if (isFailure(parsed) || parsed.value === null || !definition.validator) return parsed;
  return definition.validator(parsed.value) ?? parsed;
}

/**
 * Every topic config as DescribeConfigs reports it: source DYNAMIC_TOPIC_CONFIG for an override,
 * else the source of the first remaining broker synonym (see configSynonyms), else DEFAULT_CONFIG.
 * Overrides are assumed valid (validateTopicConfigs ran when they were stored).
 */
export function describeTopicConfig(overrides: TopicOverrides, broker: BrokerConfigValues): TopicConfigDescription[] {
  return [...TOPIC_CONFIG_KEYS.values()].map((definition) => describeOne(definition, overrides, broker));
}

function describeOne(definition: TopicConfigKey, overrides: TopicOverrides, broker: BrokerConfigValues): TopicConfigDescription {
  const { value } = topicValue(definition, overrides, broker);
  const primary = definition.synonyms[0]?.name;
  const brokerSynonyms = primary === undefined ? [] : configSynonyms(primary, definition.synonyms.map((s) => s.name), broker, false);
  const override = overrides[definition.name];
  const synonyms: ConfigSynonym[] =
    override === undefined ? brokerSynonyms : [{ name: definition.name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG }, ...brokerSynonyms];
  const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
  return {
    name: definition.name,
    value,
    source,
    isSensitive: false,
    readOnly: false,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    synonyms,
    type: ConfigType[definition.type],
  };
}

/** The canonical text and typed value of a topic config: override, else broker synonyms, else default. */
function topicValue(definition: TopicConfigKey, overrides: TopicOverrides, broker: BrokerConfigValues): { value: string | null; typed: ConfigValue } {
  const override = overrides[definition.name];
  const text = override ?? brokerDerivedText(definition, broker) ?? definition.defaultValue;
  const parsed = parseConfigValue(definition.type, text);
  if (isFailure(parsed)) throw new ConfigError([{ key: definition.name, value: text, source: 'topic config', message: invalidValueMessage(definition.name, text, parsed.reason) }]);
  return { value: parsed.text, typed: parsed.value };
}

/** Kafka's KafkaConfig.extractLogConfigMap for one topic config: the first broker synonym with a value. */
function brokerDerivedText(definition: TopicConfigKey, broker: BrokerConfigValues): string | undefined {
  for (const synonym of definition.synonyms) {
    const text = broker.effectiveText(synonym.name);
    if (text === null) continue;
    if (synonym.factor === 1n && definition.name !== 'retention.ms') return text;
    const millis = BigInt(text) * synonym.factor;
    return definition.name === 'retention.ms' && millis < 0n ? '-1' : millis.toString();
  }
  return undefined;
}

/** The effective log config of a topic, typed and camel-cased; LONG maxima become MAX_SAFE_INTEGER. */
export interface EffectiveLogConfig {
  readonly cleanupPolicy: readonly ('compact' | 'delete')[];
  readonly compressionType: 'uncompressed' | 'zstd' | 'lz4' | 'snappy' | 'gzip' | 'producer';
  readonly compressionGzipLevel: number;
  readonly compressionLz4Level: number;
  readonly compressionZstdLevel: number;
  readonly deleteRetentionMs: number;
  readonly fileDeleteDelayMs: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly followerReplicationThrottledReplicas: readonly string[];
  readonly indexIntervalBytes: number;
  readonly leaderReplicationThrottledReplicas: readonly string[];
  readonly localRetentionBytes: number;
  readonly localRetentionMs: number;
  readonly maxCompactionLagMs: number;
  readonly maxMessageBytes: number;
  readonly messageTimestampAfterMaxMs: number;
  readonly messageTimestampBeforeMaxMs: number;
  readonly messageTimestampType: 'CreateTime' | 'LogAppendTime';
  readonly minCleanableDirtyRatio: number;
  readonly minCompactionLagMs: number;
  readonly minInsyncReplicas: number;
  readonly preallocate: boolean;
  readonly remoteLogCopyDisable: boolean;
  readonly remoteLogDeleteOnDisable: boolean;
  readonly remoteStorageEnable: boolean;
  readonly retentionBytes: number;
  readonly retentionMs: number;
  readonly segmentBytes: number;
  readonly segmentIndexBytes: number;
  readonly segmentJitterMs: number;
  readonly segmentMs: number;
  readonly uncleanLeaderElectionEnable: boolean;
}

/** Computes a topic's effective log config from its overrides and the broker config. */
export function effectiveLogConfig(overrides: TopicOverrides, broker: BrokerConfigValues): EffectiveLogConfig {
  const result: Record<string, ConfigValue> = {};
  for (const definition of TOPIC_CONFIG_KEYS.values()) {
    result[camelCase(definition.name)] = topicValue(definition, overrides, broker).typed;
  }
  return result as unknown as EffectiveLogConfig;
}

/** `min.insync.replicas` → `minInsyncReplicas`. */
export function camelCase(name: string): string {
  return name.replace(/\.(\w)/g, (_, letter: string) => letter.toUpperCase());
}
