/** Public surface of src/broker/quorum: the KRaft metadata quorum's imperative shell around RaftNode. */
export {
  RaftDriver, NotLeaderError, QUORUM_DEFAULTS, type ControllerApis,
  type RaftDriverOptions, type QuorumVoter, type CommittedEntry, type StateSnapshot, type QuorumStatus,
} from './raft-driver.js';
export { QUORUM_API_RANGES, QUORUM_REQUEST_VERSIONS, PRE_VOTE_TAG, CONTROLLER_LISTENER } from './quorum-wire.js';
export { METADATA_TOPIC, METADATA_PARTITION, METADATA_TOPIC_ID } from './metadata-batches.js';
export { QUORUM_STATE_FILE } from './quorum-state-file.js';
export { snapshotFileName } from './raft-log-store.js';
