// The Kafka APIs this client speaks: request/response codecs and the version range it implements.
import type { MessageCodec } from '../protocol/index.js';
import { ProduceRequest } from '../protocol/generated/produce-request.js';
import { ProduceResponse } from '../protocol/generated/produce-response.js';
import { FetchRequest } from '../protocol/generated/fetch-request.js';
import { FetchResponse } from '../protocol/generated/fetch-response.js';
import { ListOffsetsRequest } from '../protocol/generated/list-offsets-request.js';
import { ListOffsetsResponse } from '../protocol/generated/list-offsets-response.js';
import { MetadataRequest } from '../protocol/generated/metadata-request.js';
import { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { OffsetCommitRequest } from '../protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../protocol/generated/offset-commit-response.js';
import { OffsetFetchRequest } from '../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../protocol/generated/offset-fetch-response.js';
import { FindCoordinatorRequest } from '../protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../protocol/generated/find-coordinator-response.js';
import { JoinGroupRequest } from '../protocol/generated/join-group-request.js';
import { JoinGroupResponse } from '../protocol/generated/join-group-response.js';
import { HeartbeatRequest } from '../protocol/generated/heartbeat-request.js';
import { HeartbeatResponse } from '../protocol/generated/heartbeat-response.js';
import { LeaveGroupRequest } from '../protocol/generated/leave-group-request.js';
import { LeaveGroupResponse } from '../protocol/generated/leave-group-response.js';
import { SyncGroupRequest } from '../protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../protocol/generated/sync-group-response.js';
import { DescribeGroupsRequest } from '../protocol/generated/describe-groups-request.js';
import { DescribeGroupsResponse } from '../protocol/generated/describe-groups-response.js';
import { ListGroupsRequest } from '../protocol/generated/list-groups-request.js';
import { ListGroupsResponse } from '../protocol/generated/list-groups-response.js';
import { ApiVersionsRequest } from '../protocol/generated/api-versions-request.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { DeleteRecordsRequest } from '../protocol/generated/delete-records-request.js';
import { DeleteRecordsResponse } from '../protocol/generated/delete-records-response.js';
import { InitProducerIdRequest } from '../protocol/generated/init-producer-id-request.js';
import { InitProducerIdResponse } from '../protocol/generated/init-producer-id-response.js';
import { DescribeConfigsRequest } from '../protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../protocol/generated/describe-configs-response.js';
import { AlterConfigsRequest } from '../protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../protocol/generated/alter-configs-response.js';
import { CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { DeleteGroupsRequest } from '../protocol/generated/delete-groups-request.js';
import { DeleteGroupsResponse } from '../protocol/generated/delete-groups-response.js';
import { IncrementalAlterConfigsRequest } from '../protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../protocol/generated/incremental-alter-configs-response.js';
import { OffsetDeleteRequest } from '../protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../protocol/generated/offset-delete-response.js';
import { DescribeClusterRequest } from '../protocol/generated/describe-cluster-request.js';
import { DescribeClusterResponse } from '../protocol/generated/describe-cluster-response.js';
import { DescribeQuorumRequest } from '../protocol/generated/describe-quorum-request.js';
import { DescribeQuorumResponse } from '../protocol/generated/describe-quorum-response.js';
import { ElectLeadersRequest } from '../protocol/generated/elect-leaders-request.js';
import { ElectLeadersResponse } from '../protocol/generated/elect-leaders-response.js';
import { AlterPartitionReassignmentsRequest } from '../protocol/generated/alter-partition-reassignments-request.js';
import { AlterPartitionReassignmentsResponse } from '../protocol/generated/alter-partition-reassignments-response.js';
import { ListPartitionReassignmentsRequest } from '../protocol/generated/list-partition-reassignments-request.js';
import { ListPartitionReassignmentsResponse } from '../protocol/generated/list-partition-reassignments-response.js';
import { DescribeLogDirsRequest } from '../protocol/generated/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../protocol/generated/describe-log-dirs-response.js';

/** One API as the client uses it: its codecs and the versions whose semantics the client implements. */
export interface ClientApi<Req, Res> {
  readonly name: string;
  readonly apiKey: number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  readonly minVersion: number;
  readonly maxVersion: number;
}

function api<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, minVersion: number, maxVersion: number): ClientApi<Req, Res> {
  return { name: request.name.replace(/Request$/, ''), apiKey: request.apiKey, request, response, minVersion, maxVersion };
}

/** Every API the client sends, with the version range it implements (see README.md). */
export const Apis = {
  Produce: api(ProduceRequest, ProduceResponse, 3, 9),
  Fetch: api(FetchRequest, FetchResponse, 4, 12),
  ListOffsets: api(ListOffsetsRequest, ListOffsetsResponse, 1, 7),
  Metadata: api(MetadataRequest, MetadataResponse, 1, 12),
  OffsetCommit: api(OffsetCommitRequest, OffsetCommitResponse, 2, 8),
  OffsetFetch: api(OffsetFetchRequest, OffsetFetchResponse, 1, 7),
  FindCoordinator: api(FindCoordinatorRequest, FindCoordinatorResponse, 0, 4),
  JoinGroup: api(JoinGroupRequest, JoinGroupResponse, 0, 7),
  Heartbeat: api(HeartbeatRequest, HeartbeatResponse, 0, 4),
  LeaveGroup: api(LeaveGroupRequest, LeaveGroupResponse, 0, 4),
  SyncGroup: api(SyncGroupRequest, SyncGroupResponse, 0, 5),
  DescribeGroups: api(DescribeGroupsRequest, DescribeGroupsResponse, 0, 5),
  ListGroups: api(ListGroupsRequest, ListGroupsResponse, 0, 4),
  ApiVersions: api(ApiVersionsRequest, ApiVersionsResponse, 0, 3),
  CreateTopics: api(CreateTopicsRequest, CreateTopicsResponse, 2, 7),
  DeleteTopics: api(DeleteTopicsRequest, DeleteTopicsResponse, 1, 6),
  DeleteRecords: api(DeleteRecordsRequest, DeleteRecordsResponse, 0, 2),
  InitProducerId: api(InitProducerIdRequest, InitProducerIdResponse, 0, 4),
  DescribeConfigs: api(DescribeConfigsRequest, DescribeConfigsResponse, 1, 4),
  AlterConfigs: api(AlterConfigsRequest, AlterConfigsResponse, 0, 2),
  CreatePartitions: api(CreatePartitionsRequest, CreatePartitionsResponse, 0, 3),
  DeleteGroups: api(DeleteGroupsRequest, DeleteGroupsResponse, 0, 2),
  IncrementalAlterConfigs: api(IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse, 0, 1),
  OffsetDelete: api(OffsetDeleteRequest, OffsetDeleteResponse, 0, 0),
  DescribeCluster: api(DescribeClusterRequest, DescribeClusterResponse, 0, 1),
  DescribeQuorum: api(DescribeQuorumRequest, DescribeQuorumResponse, 0, 2),
  ElectLeaders: api(ElectLeadersRequest, ElectLeadersResponse, 0, 2),
  AlterPartitionReassignments: api(AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, 0, 0),
  ListPartitionReassignments: api(ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse, 0, 0),
  // v0 was removed in Kafka 4.0 (KIP-896).
  DescribeLogDirs: api(DescribeLogDirsRequest, DescribeLogDirsResponse, 1, 4),
} as const;
