/** Public surface of src/raft: the KRaft metadata quorum as a pure state machine. */
export { RaftNode, type ProposeResult } from './raft-node.js';
export { RaftLog, type OffsetValidation } from './raft-log.js';
export * from './types.js';
