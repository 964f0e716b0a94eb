/** Broker and topic configuration: Kafka's keys, defaults, file/env/override loading, DescribeConfigs views. */
export { BrokerConfig, type BrokerConfigEntry, loadBrokerConfig, type LoadBrokerConfigOptions } from './broker-config.js';
export {
  BROKER_CONFIG_KEYS,
  type BrokerConfigKey,
  DEFAULT_LOG_DIR,
  isSensitiveKey,
  type SamsaSupport,
  SECURITY_PROTOCOLS,
} from './config-def.js';
export { ConfigError, type ConfigProblem, formatProblem } from './config-error.js';
export { ConfigSource, type ConfigSourceId, ConfigType, type ConfigTypeName, type ConfigValue } from './config-value.js';
export { apacheEnvVarToConfigKey, bitnamiEnvVarToConfigKey, configFromEnv, type EnvConfig, type EnvConfigEntry } from './env.js';
export type { HostPort, ListenerSpec, ProcessRole, QuorumVoter, SecurityProtocol } from './listeners.js';
export { parseProperties, type PropertyEntry, PropertiesSyntaxError } from '../../common/properties.js';
export { type ConfigOrigin, describeOrigin } from './settings.js';
export type { ConfigSynonym } from './synonyms.js';
export { TOPIC_CONFIG_KEYS, type TopicConfigKey } from './topic-config-def.js';
export {
  type BrokerConfigValues,
  describeTopicConfig,
  effectiveLogConfig,
  type EffectiveLogConfig,
  type TopicConfigDescription,
  type TopicOverrides,
  validateTopicConfigs,
} from './topic-config.js';
