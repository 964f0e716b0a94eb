// Types of the KRaft quorum core: log entries, persistent quorum state, messages, Ready, status.
// Message field names follow Kafka's JSON schemas (camelCased) so the broker can map them onto the
// generated codecs (see README.md, "Mapping to the wire").

/** One replicated log entry. `data` is opaque to Raft (the broker carries metadata record batches). */
export interface LogEntry {
  offset: bigint;
  epoch: number;
  data: Buffer;
  /** A LeaderChange control entry the leader appends at the start of its epoch; not for the state machine. */
  control?: true;
}

/** Kafka's QuorumStateData (v1 without directory ids): persisted and fsynced before dependent sends. */
export interface QuorumState {
  leaderEpoch: number;
  /** The candidate this node voted for in `leaderEpoch`, or -1. */
  votedId: number;
  /** The leader of `leaderEpoch` if known, or -1. */
  leaderId: number;
}

/** The initial quorum state of a freshly formatted node. */
export const EMPTY_QUORUM_STATE: Readonly<QuorumState> = Object.freeze({ leaderEpoch: 0, votedId: -1, leaderId: -1 });

/** A snapshot's id: it holds the state after every entry below `endOffset`; `epoch` is the epoch of entry endOffset-1. */
export interface SnapshotId {
  endOffset: bigint;
  epoch: number;
}

/** A snapshot with its bytes. */
export interface Snapshot extends SnapshotId {
  data: Buffer;
}

/** FetchResponse.DivergingEpoch: the end offset of `epoch` in the leader's log. */
export interface EpochEndOffset {
  epoch: number;
  endOffset: bigint;
}

/** FetchResponse/FetchSnapshotResponse.CurrentLeader. */
export interface LeaderIdAndEpoch {
  leaderId: number;
  leaderEpoch: number;
}

/**
 * The roles of a node. Prospective is KIP-996's pre-vote state. A node that is not among the
 * voters always reports Observer (Kafka's "observer" state); `leaderId` says whether it follows.
 */
export const Role = {
  Unattached: 'Unattached',
  Prospective: 'Prospective',
  Candidate: 'Candidate',
  Leader: 'Leader',
  Follower: 'Follower',
  Resigned: 'Resigned',
  Observer: 'Observer',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Routing fields every message carries: node ids and the sender's correlation id (echoed by responses). */
export interface Envelope {
  from: number;
  to: number;
  correlationId: number;
}

/** Vote (KIP-595), with KIP-996's PreVote: a pre-vote asks "would you vote for me" without bumping any epoch. */
export interface VoteRequest extends Envelope {
  type: 'VoteRequest';
  candidateEpoch: number;
  candidateId: number;
  lastOffsetEpoch: number;
  lastOffset: bigint;
  preVote: boolean;
}

export interface VoteResponse extends Envelope {
  type: 'VoteResponse';
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
  voteGranted: boolean;
}

/** A new leader announces itself to the voters. */
export interface BeginQuorumEpochRequest extends Envelope {
  type: 'BeginQuorumEpochRequest';
  leaderId: number;
  leaderEpoch: number;
}

export interface BeginQuorumEpochResponse extends Envelope {
  type: 'BeginQuorumEpochResponse';
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
}

/** A resigning leader asks for a fast election; voters earlier in `preferredSuccessors` start sooner. */
export interface EndQuorumEpochRequest extends Envelope {
  type: 'EndQuorumEpochRequest';
  leaderId: number;
  leaderEpoch: number;
  preferredSuccessors: number[];
}

export interface EndQuorumEpochResponse extends Envelope {
  type: 'EndQuorumEpochResponse';
  errorCode: number;
  leaderId: number;
  leaderEpoch: number;
}

/** Pull replication: the follower's log end (all flushed) and the epoch of its last entry. */
export interface FetchRequest extends Envelope {
  type: 'FetchRequest';
  replicaId: number;
  maxWaitMs: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  fetchOffset: bigint;
  lastFetchedEpoch: number;
}

/** At most one of divergingEpoch / snapshotId / non-empty records is set. */
export interface FetchResponse extends Envelope {
  type: 'FetchResponse';
  errorCode: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  divergingEpoch: EpochEndOffset | null;
  currentLeader: LeaderIdAndEpoch;
  snapshotId: SnapshotId | null;
  records: LogEntry[];
}

export interface FetchSnapshotRequest extends Envelope {
  type: 'FetchSnapshotRequest';
  replicaId: number;
  maxBytes: number;
  currentLeaderEpoch: number;
  snapshotId: SnapshotId;
  position: bigint;
}

export interface FetchSnapshotResponse extends Envelope {
  type: 'FetchSnapshotResponse';
  errorCode: number;
  snapshotId: SnapshotId;
  currentLeader: LeaderIdAndEpoch;
  size: bigint;
  position: bigint;
  unalignedRecords: Buffer;
}

/** Every message between quorum members (observers send only Fetch and FetchSnapshot requests). */
export type RaftMessage =
  | VoteRequest
  | VoteResponse
  | BeginQuorumEpochRequest
  | BeginQuorumEpochResponse
  | EndQuorumEpochRequest
  | EndQuorumEpochResponse
  | FetchRequest
  | FetchResponse
  | FetchSnapshotRequest
  | FetchSnapshotResponse;

/**
 * Static configuration of one node. Timeouts in milliseconds; `random` returns [0, 1). A node whose
 * id is not in `voters` is an observer: it follows the log and never votes or leads.
 */
export interface RaftConfig {
  nodeId: number;
  voters: readonly number[];
  electionTimeoutMs: number;
  electionJitterMs: number;
  fetchTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  fetchMaxBytes: number;
  /** How long the leader parks a fetch that finds no new entries (Kafka's fetch max wait). Default 100. */
  fetchMaxWaitMs?: number;
  /** The leader forgets an observer that has not fetched for this long (Kafka: 5 minutes). Default 300000. */
  observerExpiryMs?: number;
  random: () => number;
}

/** What a node restarts from: only what the caller made durable. */
export interface RestoredState {
  quorumState: QuorumState;
  /** The persisted log above the snapshot, contiguous. */
  entries: LogEntry[];
  snapshot?: Snapshot;
  /** Defaults to the end of `entries` (everything restored is durable). */
  flushedEndOffset?: bigint;
}

/** What the caller must do now, in this order (see README.md). */
export interface Ready {
  /** 1. Write and fsync before anything below is sent. */
  quorumState?: QuorumState;
  /** 2. Replace the whole log with this snapshot (durably), then load it into the state machine. */
  snapshotToInstall?: Snapshot;
  /** 3. Truncate the log to this end offset (durably). */
  truncateTo?: bigint;
  /** 4. Append; fsync when convenient and then report the durable end with `flushed()`. */
  append: LogEntry[];
  /** 5. Send, after step 1 is durable. */
  send: RaftMessage[];
  /** 6. Apply to the state machine, in order (control entries are included; skip them). */
  committed: LogEntry[];
  /** Set when the role, epoch or leader changed since the last Ready. */
  roleChanged?: { role: Role; epoch: number; leaderId: number };
}

/** Per-replica replication state as the leader sees it (DescribeQuorum's ReplicaState). */
export interface ReplicaStatus {
  nodeId: number;
  endOffset: bigint;
  lastFetchTimestampMs: number;
  lastCaughtUpTimestampMs: number;
}

/** A node's view for DescribeQuorum and debugging. */
export interface RaftStatus {
  nodeId: number;
  role: Role;
  leaderId: number;
  epoch: number;
  votedId: number;
  highWatermark: bigint;
  logStartOffset: bigint;
  endOffset: bigint;
  flushedEndOffset: bigint;
  lastEpoch: number;
  /** Filled on the leader; other roles report -1 for what they do not know. */
  voters: ReplicaStatus[];
  /** On the leader: the observers that fetched within the observer expiry, by node id; empty elsewhere. */
  observers: ReplicaStatus[];
}
