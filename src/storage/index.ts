/** Public surface of src/storage: partition logs in Kafka's on-disk layout. */
export { LogManager, CLEAN_SHUTDOWN_FILE, parseTopicPartitionDir, type LogManagerOptions, type TopicPartition } from './log-manager.js';
export {
  PartitionLog, type LogAppendInfo, type FetchDataInfo, type TimestampBatch, type PartitionLogOptions,
} from './partition-log.js';
export {
  DEFAULT_LOG_CONFIG, makeLogConfig, type LogConfig, type MessageTimestampType, type CleanupPolicy,
} from './log-config.js';
export { SegmentFdPool } from './log-segment.js';
export type { EpochEntry, EpochEndOffset } from './leader-epoch-cache.js';
export type { ProducerEntry, BatchMetadata } from './producer-state.js';
export { CheckpointFileName, readOffsetCheckpoint, writeOffsetCheckpoint, type PartitionOffset } from './checkpoint-file.js';
export { readPartitionMetadata, PARTITION_METADATA_FILE } from './partition-metadata.js';
export { fsyncDir } from './file-util.js';
