// Public surface of the coordinator layer: the classic group coordinator as a pure state machine.
export {
  GroupCoordinatorShard,
  type CoordinatorEffects,
  type FetchedOffsets,
  type GroupCoordinatorConfig,
  type ShardSnapshot,
} from './group-coordinator-shard.js';
export { GroupState } from './classic-group.js';
export { groupPartition, javaStringHashCode } from './group-partition.js';
export {
  decodeRecord,
  groupMetadataRecord,
  offsetCommitRecord,
  RecordKeyVersion,
  type CoordinatorRecord,
  type DecodedRecord,
} from './records.js';
