// Public surface of the Samsa client: producer, consumer, admin, their options, records and errors.
export { Producer, type DeliveryCallback } from './producer.js';
export { Consumer } from './consumer.js';
export type { RebalanceListener } from './group.js';
export {
  Admin,
  type NewTopic,
  type CreatedTopic,
  type TopicDescription,
  type ConfigResource,
  type ConfigResourceType,
  type ConfigSource,
  type ConfigEntry,
  type ResourceConfig,
  type AlterConfigOp,
  type ClusterDescription,
  type OffsetSpec,
  type GroupListing,
  type GroupDescription,
  type GroupCoordinator,
  type ConfigSynonym,
  type QuorumInfo,
  type QuorumNode,
  type QuorumReplicaState,
  type ElectionType,
  type PartitionResult,
  type PartitionReassignment,
  type OngoingReassignment,
  type LogDirDescription,
} from './admin.js';
export type { ListedOffset } from './offsets.js';
export type { CommonOptions, ProducerOptions, ConsumerOptions, AdminOptions } from './config.js';
export { CLIENT_OPTION_NAMES } from './config.js';
export type { ProducerRecord, RecordMetadata, ConsumerRecord, TopicPartition, TopicPartitionOffset, Headers, HeaderValue } from './record.js';
export { KafkaConnectionError, KafkaTimeoutError, KafkaConfigError, KafkaClosedError, KafkaResponseError } from './errors.js';
export { KafkaError, ErrorCode, errorName } from '../common/index.js';
export { murmur2, partitionForKey } from './murmur2.js';
export { rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor, type Assignor, type MemberSubscription } from './assignors.js';
