/**
 * Topic-level log configuration: Kafka's topic config names in camelCase, with Kafka's defaults.
 * Sizes are bytes, durations milliseconds (units last in names).
 */
export interface LogConfig {
  /** segment.bytes: roll the active segment when it would grow past this size. */
  segmentBytes: number;
  /** segment.ms: roll when the active segment's first batch is older than this. */
  segmentMs: number;
  /** segment.index.bytes: maximum size of one .index file (a full index forces a roll). */
  segmentIndexBytes: number;
  /** index.interval.bytes: log bytes between two sparse index entries. */
  indexIntervalBytes: number;
  /** flush.messages: fsync after this many appended messages. */
  flushMessages: number;
  /** flush.ms: fsync when the oldest unflushed append is older than this. */
  flushMs: number;
  /** max.message.bytes: largest record batch accepted. */
  maxMessageBytes: number;
  /** message.timestamp.type. */
  messageTimestampType: MessageTimestampType;
  /** retention.ms (stored only; enforcement is not implemented yet). */
  retentionMs: number;
  /** retention.bytes (stored only). */
  retentionBytes: number;
  /** cleanup.policy (stored only). */
  cleanupPolicy: CleanupPolicy;
  /** producer.id.expiration.ms: a broker-level setting in Kafka; idle producer state is dropped after this. */
  producerIdExpirationMs: number;
}

/** Values of message.timestamp.type. */
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

/** Values of cleanup.policy. */
export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';

/** Kafka's defaults for every LogConfig field. */
export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1073741824,
  segmentMs: 604800000,
  segmentIndexBytes: 10485760,
  indexIntervalBytes: 4096,
  flushMessages: Number.MAX_SAFE_INTEGER,
  flushMs: Number.MAX_SAFE_INTEGER,
  maxMessageBytes: 1048588,
  messageTimestampType: 'CreateTime',
  retentionMs: 604800000,
  retentionBytes: -1,
  cleanupPolicy: 'delete',
  producerIdExpirationMs: 86400000,
});

/** Smallest segment.bytes Kafka accepts (LegacyRecord.RECORD_OVERHEAD_V0 = 14). */
const MIN_SEGMENT_BYTES = 14;

/** Merges overrides onto a base config and checks the values are usable. */
export function makeLogConfig(overrides: Partial<LogConfig> = {}, base: Readonly<LogConfig> = DEFAULT_LOG_CONFIG): LogConfig {
  const config: LogConfig = { ...base, ...overrides };
  requireAtLeast('segment.bytes', config.segmentBytes, MIN_SEGMENT_BYTES);
  requireAtLeast('segment.ms', config.segmentMs, 1);
  requireAtLeast('segment.index.bytes', config.segmentIndexBytes, 12);
  requireAtLeast('index.interval.bytes', config.indexIntervalBytes, 0);
  requireAtLeast('flush.messages', config.flushMessages, 1);
  requireAtLeast('flush.ms', config.flushMs, 0);
  requireAtLeast('max.message.bytes', config.maxMessageBytes, 0);
  requireAtLeast('producer.id.expiration.ms', config.producerIdExpirationMs, 1);
  return config;
}

function requireAtLeast(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new RangeError(`Invalid value ${value} for configuration ${name}: must be an integer >= ${min}.`);
  }
}
