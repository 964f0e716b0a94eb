import type { ApiHandler } from '../handler.js';
import { alterConfigsHandler, incrementalAlterConfigsHandler } from './alter-configs.js';
import { apiVersionsHandler } from './api-versions.js';
import { createPartitionsHandler } from './create-partitions.js';
import { createTopicsHandler } from './create-topics.js';
import { deleteRecordsHandler } from './delete-records.js';
import { deleteTopicsHandler } from './delete-topics.js';
import { describeClusterHandler } from './describe-cluster.js';
import { describeConfigsHandler } from './describe-configs.js';
import { describeQuorumHandler } from './describe-quorum.js';
import { fetchHandler } from './fetch.js';
import { findCoordinatorHandler } from './find-coordinator.js';
import {
  deleteGroupsHandler,
  describeGroupsHandler,
  heartbeatHandler,
  joinGroupHandler,
  leaveGroupHandler,
  listGroupsHandler,
  syncGroupHandler,
} from './groups.js';
import { initProducerIdHandler } from './init-producer-id.js';
import { listOffsetsHandler } from './list-offsets.js';
import { metadataHandler } from './metadata.js';
import { offsetCommitHandler, offsetDeleteHandler, offsetFetchHandler } from './offsets.js';
import { produceHandler } from './produce.js';
import { offsetForLeaderEpochHandler } from './offset-for-leader-epoch.js';
import { brokerRegistrationHandler } from './broker-registration.js';
import { brokerHeartbeatHandler } from './broker-heartbeat.js';
import { alterPartitionHandler } from './alter-partition.js';
import { allocateProducerIdsHandler } from './allocate-producer-ids.js';
import { ApiKey } from '../../protocol/index.js';
import { electLeadersHandler } from './elect-leaders.js';
import { alterPartitionReassignmentsHandler, listPartitionReassignmentsHandler } from './partition-reassignments.js';
import { describeLogDirsHandler } from './describe-log-dirs.js';

/** Every API this broker serves; ApiVersions advertises exactly these ranges. */
export const ALL_HANDLERS: readonly ApiHandler<any, any>[] = [
  produceHandler,
  fetchHandler,
  listOffsetsHandler,
  metadataHandler,
  offsetCommitHandler,
  offsetFetchHandler,
  findCoordinatorHandler,
  joinGroupHandler,
  heartbeatHandler,
  leaveGroupHandler,
  syncGroupHandler,
  describeGroupsHandler,
  listGroupsHandler,
  apiVersionsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  deleteRecordsHandler,
  initProducerIdHandler,
  deleteGroupsHandler,
  offsetDeleteHandler,
  describeConfigsHandler,
  alterConfigsHandler,
  createPartitionsHandler,
  incrementalAlterConfigsHandler,
  describeClusterHandler,
  describeQuorumHandler,
  offsetForLeaderEpochHandler,
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  describeLogDirsHandler,
];

/** APIs a broker relays to the active controller when it is not that controller itself. */
// CreateTopics, DeleteTopics and CreatePartitions are not relayed as frames: their handlers call
// the broker, which asks the controller and then waits to see the change in its own metadata.
export const FORWARDED_API_KEYS: readonly number[] = [
  ApiKey.AlterConfigs,
  ApiKey.IncrementalAlterConfigs,
  ApiKey.DescribeQuorum,
  ApiKey.ElectLeaders,
  ApiKey.AlterPartitionReassignments,
];

/** What the controller listener serves besides the KRaft APIs. */
export const CONTROLLER_HANDLERS: readonly ApiHandler<any, any>[] = [
  brokerRegistrationHandler,
  brokerHeartbeatHandler,
  alterPartitionHandler,
  allocateProducerIdsHandler,
  createTopicsHandler,
  deleteTopicsHandler,
  createPartitionsHandler,
  alterConfigsHandler,
  incrementalAlterConfigsHandler,
  electLeadersHandler,
  alterPartitionReassignmentsHandler,
  listPartitionReassignmentsHandler,
  describeClusterHandler,
];
