// Public surface of the replication layer: the leader's follower bookkeeping, ISR and high
// watermark, and the follower's truncation rule, as pure functions and objects.
export { PartitionLeaderState, type FollowerState } from './leader-state.js';
export { truncationOffset, type EpochEndOffset, type LocalEndOffsetForEpoch } from './truncation.js';
