import { ErrorCode, KafkaConnectionError, KafkaError, KafkaResponseError, KafkaTimeoutError } from '../client/index.js';

/** Kafka's exception class and default message per error code (org.apache.kafka.common.protocol.Errors), for the codes the tools meet. */
const KAFKA_EXCEPTIONS: ReadonlyMap<number, readonly [exception: string, message: string]> = new Map([
  [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ['UnknownTopicOrPartitionException', 'This server does not host this topic-partition.']],
  [ErrorCode.LEADER_NOT_AVAILABLE, ['LeaderNotAvailableException', 'There is no leader for this topic-partition as we are in the middle of a leadership election.']],
  [ErrorCode.REQUEST_TIMED_OUT, ['TimeoutException', 'The request timed out.']],
  [ErrorCode.NETWORK_EXCEPTION, ['NetworkException', 'The server disconnected before a response was received.']],
  [ErrorCode.COORDINATOR_NOT_AVAILABLE, ['CoordinatorNotAvailableException', 'The coordinator is not available.']],
  [ErrorCode.NOT_COORDINATOR, ['NotCoordinatorException', 'This is not the correct coordinator.']],
  [ErrorCode.INVALID_TOPIC_EXCEPTION, ['InvalidTopicException', 'The request attempted to perform an operation on an invalid topic.']],
  [ErrorCode.INVALID_GROUP_ID, ['InvalidGroupIdException', 'The configured groupId is invalid.']],
  [ErrorCode.TOPIC_ALREADY_EXISTS, ['TopicExistsException', 'Topic with this name already exists.']],
  [ErrorCode.INVALID_PARTITIONS, ['InvalidPartitionsException', 'Number of partitions is below 1.']],
  [ErrorCode.INVALID_REPLICATION_FACTOR, ['InvalidReplicationFactorException', 'Replication factor is below 1 or larger than the number of available brokers.']],
  [ErrorCode.INVALID_REPLICA_ASSIGNMENT, ['InvalidReplicaAssignmentException', 'Replica assignment is invalid.']],
  [ErrorCode.INVALID_CONFIG, ['InvalidConfigurationException', 'Configuration is invalid.']],
  [ErrorCode.INVALID_REQUEST, ['InvalidRequestException', 'This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.']],
  [ErrorCode.POLICY_VIOLATION, ['PolicyViolationException', 'Request parameters do not satisfy the configured policy.']],
  [ErrorCode.NON_EMPTY_GROUP, ['GroupNotEmptyException', 'The group is not empty.']],
  [ErrorCode.GROUP_ID_NOT_FOUND, ['GroupIdNotFoundException', 'The group id does not exist.']],
  [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, ['GroupSubscribedToTopicException', 'Deleting offsets of a topic is forbidden while the consumer group is actively subscribed to it.']],
  [ErrorCode.UNKNOWN_MEMBER_ID, ['UnknownMemberIdException', 'The coordinator is not aware of this member.']],
  [ErrorCode.REBALANCE_IN_PROGRESS, ['RebalanceInProgressException', 'The group is rebalancing, so a rejoin is needed.']],
]);

/**
 * The text Kafka's tools print for a failure: the broker's own error message when it sent one
 * (e.g. `Replication factor: 3 larger than available brokers: 1.`), else Kafka's default text for
 * the error code, else the client's message (which names the address for connection failures).
 */
export function kafkaMessage(error: unknown): string {
  if (error instanceof KafkaConnectionError || error instanceof KafkaTimeoutError) return error.message;
  if (error instanceof KafkaResponseError && error.brokerMessage) return error.brokerMessage;
  if (error instanceof KafkaError) return KAFKA_EXCEPTIONS.get(error.code)?.[1] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

/** `org.apache.kafka.common.errors.<Exception>: <message>`, how Java prints the exception of a failed call. */
export function javaExceptionText(error: unknown): string {
  const known = error instanceof KafkaError && !(error instanceof KafkaConnectionError) ? KAFKA_EXCEPTIONS.get(error.code) : undefined;
  return known ? `org.apache.kafka.common.errors.${known[0]}: ${kafkaMessage(error)}` : kafkaMessage(error);
}
