// One KRaft node (a voter or an observer) as a pure state machine (the etcd-io/raft shape): inputs arrive through tick(),
// step(), propose(), flushed() and snapshot(); ready() returns what the caller must persist, send
// and apply. No clock, randomness or IO here: time is an argument, randomness is injected.
// Semantics follow Kafka's KafkaRaftClient (KIP-595, KIP-630 snapshots, KIP-996 pre-vote).
import { assert, ErrorCode } from '../common/index.js';
import { RaftLog } from './raft-log.js';
import {
  Role,
  type BeginQuorumEpochRequest,
  type BeginQuorumEpochResponse,
  type EndQuorumEpochRequest,
  type EndQuorumEpochResponse,
  type FetchRequest,
  type FetchResponse,
  type FetchSnapshotRequest,
  type FetchSnapshotResponse,
  type LogEntry,
  type QuorumState,
  type RaftConfig,
  type RaftMessage,
  type RaftStatus,
  type Ready,
  type ReplicaStatus,
  type RestoredState,
  type Snapshot,
  type SnapshotId,
  type VoteRequest,
  type VoteResponse,
} from './types.js';

const E = ErrorCode;
/** Kafka's fetch max wait in its Raft simulation. */
const DEFAULT_FETCH_MAX_WAIT_MS = 100;
/** Bounds the work one ready() hands out; the rest follows in the next call. */
const MAX_COMMITTED_PER_READY = 4096;
/** A leader resigns when fewer than a majority fetched within this many fetch timeouts (Kafka's check quorum). */
const CHECK_QUORUM_FACTOR = 1.5;
/** Kafka's observer expiry: a leader lists an observer until it has not fetched for 5 minutes. */
const DEFAULT_OBSERVER_EXPIRY_MS = 5 * 60 * 1000;
/** Observers a leader tracks at once; fetches of further ones are served but not listed. */
const MAX_OBSERVERS = 1024;
/** Largest snapshot a follower accepts (bounds memory while chunks arrive). */
const MAX_SNAPSHOT_BYTES = 1 << 30;
const EMPTY: Buffer = Buffer.alloc(0);

/** The result of propose(): the offset of the last appended entry, or where to go instead. */
export type ProposeResult = { offset: bigint } | { error: 'NOT_LEADER'; leaderId: number | null };

type InflightKind = 'vote' | 'begin' | 'end' | 'fetch' | 'fetchSnapshot';

/** An outstanding request of ours, by correlation id. Cleared on every role change. */
interface Inflight {
  kind: InflightKind;
  to: number;
  epoch: number;
  sentMs: number;
  preVote: boolean;
  fetchOffset: bigint;
}

/** Per-peer progress of the role's broadcast request (Vote, BeginQuorumEpoch or EndQuorumEpoch). */
interface PeerRequest {
  inflight: number | null;
  nextAttemptMs: number;
  done: boolean;
}

interface ReplicaState {
  endOffset: bigint;
  lastFetchTimestampMs: number;
  lastCaughtUpTimestampMs: number;
  lastFetchLeaderEndOffset: bigint;
  /** The high watermark the leader last told this replica (in a fetch response). */
  lastSentHighWatermark: bigint;
}

interface SnapshotFetch {
  snapshotId: SnapshotId;
  position: bigint;
  chunks: Buffer[];
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function newReplicaState(): ReplicaState {
  return { endOffset: -1n, lastFetchTimestampMs: -1, lastCaughtUpTimestampMs: -1, lastFetchLeaderEndOffset: -1n, lastSentHighWatermark: -1n };
}

function replicaStatus(nodeId: number, r: ReplicaState): ReplicaStatus {
  return { nodeId, endOffset: r.endOffset, lastFetchTimestampMs: r.lastFetchTimestampMs, lastCaughtUpTimestampMs: r.lastCaughtUpTimestampMs };
}

/**
 * One member of the metadata quorum: a voter, or an observer when its id is not among the voters
 * (it only follows the log). See README.md for the contract and invariants.
 */
export class RaftNode {
  private readonly config: Readonly<RaftConfig> & { fetchMaxWaitMs: number; observerExpiryMs: number };
  private readonly nodeId: number;
  private readonly voters: readonly number[];
  /** The voters other than this node (all of them on an observer). */
  private readonly others: readonly number[];
  /** Not a voter: never votes, stands or leads; finds the leader by fetching from the voters in turn. */
  private readonly isObserver: boolean;
  private readonly majority: number;
  private readonly log: RaftLog;

  private quorum: QuorumState;
  private quorumDirty = false;
  private role: Role = Role.Unattached;
  private snapshotData: Snapshot | null;
  private flushedEnd: bigint;
  private highWatermark: bigint;
  /** The next offset ready() hands out as committed. */
  private appliedOffset: bigint;
  private nowMs = 0;
  private started = false;
  private nextCorrelationId = 1;
  private readonly inflight = new Map<number, Inflight>();

  // What the next Ready carries.
  private outbox: RaftMessage[] = [];
  private pendingAppend: LogEntry[] = [];
  private pendingTruncateTo: bigint | undefined;
  private pendingSnapshotInstall: Snapshot | undefined;
  private roleDirty = true;

  // Role state, reset on every transition.
  /** Election deadline (Unattached, Prospective, Candidate, Resigned) or fetch deadline (Follower). */
  private deadlineMs = 0;
  private readonly peers = new Map<number, PeerRequest>();
  private readonly granted = new Set<number>();
  private readonly rejected = new Set<number>();
  private fetchInflight: number | null = null;
  private nextFetchMs = 0;
  private leaderResigned = false;
  /** A fetch of this follower term succeeded: the leader is alive, so refuse pre-votes (KIP-996). */
  private fetchedFromLeader = false;
  private snapshotFetch: SnapshotFetch | null = null;
  /** Leader: the other voters' progress. */
  private readonly replicas = new Map<number, ReplicaState>();
  /** Leader: observers' progress, by node id; never counted for the high watermark. */
  private readonly observers = new Map<number, ReplicaState>();
  /** Observer without a leader: the voter its next discovery fetch goes to (round robin). */
  private discoveryIndex = 0;
  private readonly parked = new Map<number, { request: FetchRequest; deadlineMs: number }>();
  private epochStartOffset = 0n;
  private leaderSinceMs = 0;
  private preferredSuccessors: number[] = [];

  constructor(config: RaftConfig, restored: RestoredState) {
    assert(config.voters.length > 0, 'no voters');
    assert(new Set(config.voters).size === config.voters.length, 'duplicate voter ids');
    assert(config.electionTimeoutMs > 0 && config.fetchTimeoutMs > 0 && config.requestTimeoutMs > 0, 'timeouts must be positive');
    this.config = {
      ...config,
      fetchMaxWaitMs: config.fetchMaxWaitMs ?? DEFAULT_FETCH_MAX_WAIT_MS,
      observerExpiryMs: config.observerExpiryMs ?? DEFAULT_OBSERVER_EXPIRY_MS,
    };
    assert(this.config.observerExpiryMs > 0, 'observerExpiryMs must be positive');
    this.nodeId = config.nodeId;
    this.voters = [...config.voters];
    this.others = this.voters.filter((v) => v !== this.nodeId);
    this.isObserver = this.others.length === this.voters.length;
    // Observers start discovery at a random voter, so that many brokers do not all ask the same one.
    if (this.isObserver) this.discoveryIndex = Math.floor(config.random() * this.voters.length);
    this.majority = Math.floor(this.voters.length / 2) + 1;
    const q = restored.quorumState;
    assert(q.leaderId === -1 || this.voters.includes(q.leaderId), `restored leader ${q.leaderId} is not a voter`);
    this.quorum = { leaderEpoch: q.leaderEpoch, votedId: q.votedId, leaderId: q.leaderId };
    const s = restored.snapshot;
    this.snapshotData = s ? { endOffset: s.endOffset, epoch: s.epoch, data: s.data } : null;
    this.log = new RaftLog(s ? { endOffset: s.endOffset, epoch: s.epoch } : null, restored.entries);
    assert(this.log.lastEpoch <= q.leaderEpoch, `log epoch ${this.log.lastEpoch} above quorum epoch ${q.leaderEpoch}`);
    this.flushedEnd = restored.flushedEndOffset ?? this.log.endOffset;
    assert(this.flushedEnd >= this.log.startOffset && this.flushedEnd <= this.log.endOffset, 'flushed end outside the log');
    this.highWatermark = this.log.startOffset;
    this.appliedOffset = this.log.startOffset;
  }

  // ---- inputs ---------------------------------------------------------------------------------

  /** Advances time: fires election, fetch, request and check-quorum timers. */
  tick(nowMs: number): void {
    this.advance(nowMs);
    this.expireInflight(nowMs);
    if (this.isObserver) {
      // An observer never stands for election: a leader silent for the fetch timeout is forgotten
      // and the observer goes back to asking the voters who leads.
      if (this.role === Role.Follower && nowMs >= this.deadlineMs) this.becomeUnattached(nowMs, this.quorum.leaderEpoch);
      this.sendRoleRequests(nowMs);
      return;
    }
    switch (this.role) {
      case Role.Unattached:
      case Role.Follower:
      case Role.Candidate:
      case Role.Resigned:
        if (nowMs >= this.deadlineMs) this.becomeProspective(nowMs);
        break;
      case Role.Prospective:
        if (nowMs >= this.deadlineMs) this.prospectiveLost(nowMs);
        break;
      case Role.Leader:
        this.expireParked(nowMs);
        this.expireObservers(nowMs);
        this.checkQuorum(nowMs);
        break;
    }
    this.sendRoleRequests(nowMs);
  }

  /** Handles a request or response from another voter, or a Fetch/FetchSnapshot request from an observer. */
  step(nowMs: number, message: RaftMessage): void {
    this.advance(nowMs);
    assert(message.to === this.nodeId, `message for ${message.to} delivered to ${this.nodeId}`);
    const fromObserver = message.type === 'FetchRequest' || message.type === 'FetchSnapshotRequest';
    if (!this.others.includes(message.from) && !(fromObserver && message.from !== this.nodeId && message.from >= 0)) return;
    switch (message.type) {
      case 'VoteRequest': this.onVoteRequest(nowMs, message); break;
      case 'VoteResponse': this.onVoteResponse(nowMs, message); break;
      case 'BeginQuorumEpochRequest': this.onBeginQuorumEpochRequest(nowMs, message); break;
      case 'BeginQuorumEpochResponse': this.onEpochAck(nowMs, message, 'begin'); break;
      case 'EndQuorumEpochRequest': this.onEndQuorumEpochRequest(nowMs, message); break;
      case 'EndQuorumEpochResponse': this.onEpochAck(nowMs, message, 'end'); break;
      case 'FetchRequest': this.onFetchRequest(nowMs, message); break;
      case 'FetchResponse': this.onFetchResponse(nowMs, message); break;
      case 'FetchSnapshotRequest': this.onFetchSnapshotRequest(nowMs, message); break;
      case 'FetchSnapshotResponse': this.onFetchSnapshotResponse(nowMs, message); break;
    }
    this.sendRoleRequests(nowMs);
  }

  /** Appends entries on the leader; returns the offset of the last one. */
  propose(nowMs: number, data: readonly Buffer[]): ProposeResult {
    this.advance(nowMs);
    if (this.role !== Role.Leader) {
      const leaderId = this.role === Role.Resigned || this.quorum.leaderId < 0 ? null : this.quorum.leaderId;
      return { error: 'NOT_LEADER', leaderId };
    }
    assert(data.length > 0, 'propose needs at least one entry');
    const start = this.log.endOffset;
    this.appendLocal(data.map((d, i) => ({ offset: start + BigInt(i), epoch: this.quorum.leaderEpoch, data: d })));
    this.wakeParked();
    return { offset: this.log.endOffset - 1n };
  }

  /** The caller made the log durable up to `endOffset` (exclusive), as its storage is after all Readies so far. */
  flushed(endOffset: bigint): void {
    assert(endOffset <= this.log.endOffset, `flushed ${endOffset} beyond log end ${this.log.endOffset}`);
    if (endOffset <= this.flushedEnd) return;
    this.flushedEnd = endOffset;
    if (!this.started) return;
    if (this.role === Role.Leader) this.maybeAdvanceHighWatermark(this.nowMs);
    this.sendRoleRequests(this.nowMs);
  }

  /**
   * The state machine owner took a snapshot at an applied offset. The caller persists it (before
   * deleting log entries below `offset`); the log here drops them at once.
   */
  snapshot(offset: bigint, data: Buffer): SnapshotId {
    assert(offset <= this.appliedOffset, `snapshot at ${offset} beyond the applied offset ${this.appliedOffset}`);
    assert(offset > this.log.startOffset, `snapshot at ${offset} not above log start ${this.log.startOffset}`);
    const id: SnapshotId = { endOffset: offset, epoch: this.log.epochAt(offset - 1n) };
    this.log.compact(id);
    this.snapshotData = { ...id, data };
    if (this.flushedEnd < offset) this.flushedEnd = offset;
    this.pendingAppend = this.pendingAppend.filter((e) => e.offset >= offset);
    return id;
  }

  /** Graceful leader shutdown: resign and ask the voters for a fast election (EndQuorumEpoch). */
  resign(nowMs: number): void {
    this.advance(nowMs);
    if (this.role === Role.Leader) this.becomeResigned(nowMs);
    this.sendRoleRequests(nowMs);
  }

  // ---- outputs --------------------------------------------------------------------------------

  /** Everything to persist, send and apply since the last call. */
  ready(): Ready {
    const committed: LogEntry[] = [];
    const end = minBig(this.highWatermark, this.log.endOffset);
    while (this.appliedOffset < end && committed.length < MAX_COMMITTED_PER_READY) {
      committed.push(this.log.entryAt(this.appliedOffset)!);
      this.appliedOffset++;
    }
    const ready: Ready = { append: this.pendingAppend, send: this.outbox, committed };
    if (this.quorumDirty) ready.quorumState = { ...this.quorum };
    if (this.pendingSnapshotInstall) ready.snapshotToInstall = this.pendingSnapshotInstall;
    if (this.pendingTruncateTo !== undefined) ready.truncateTo = this.pendingTruncateTo;
    if (this.roleDirty && this.started) ready.roleChanged = { role: this.reportedRole(), epoch: this.quorum.leaderEpoch, leaderId: this.currentLeaderId() };
    this.quorumDirty = false;
    this.pendingSnapshotInstall = undefined;
    this.pendingTruncateTo = undefined;
    this.pendingAppend = [];
    this.outbox = [];
    if (this.started) this.roleDirty = false;
    return ready;
  }

  /** True when ready() would return something to do. */
  hasReady(): boolean {
    return this.quorumDirty || this.outbox.length > 0 || this.pendingAppend.length > 0 || this.pendingTruncateTo !== undefined ||
      this.pendingSnapshotInstall !== undefined || (this.roleDirty && this.started) || this.appliedOffset < minBig(this.highWatermark, this.log.endOffset);
  }

  /** The node's view for DescribeQuorum. */
  status(): RaftStatus {
    const voters: ReplicaStatus[] = this.voters.map((nodeId) => {
      if (this.role === Role.Leader) {
        if (nodeId === this.nodeId) return { nodeId, endOffset: this.flushedEnd, lastFetchTimestampMs: this.nowMs, lastCaughtUpTimestampMs: this.nowMs };
        return replicaStatus(nodeId, this.replicas.get(nodeId)!);
      }
      return { nodeId, endOffset: nodeId === this.nodeId ? this.log.endOffset : -1n, lastFetchTimestampMs: -1, lastCaughtUpTimestampMs: -1 };
    });
    const observers = [...this.observers].sort(([a], [b]) => a - b).map(([nodeId, r]) => replicaStatus(nodeId, r));
    return {
      nodeId: this.nodeId,
      role: this.reportedRole(),
      leaderId: this.currentLeaderId(),
      epoch: this.quorum.leaderEpoch,
      votedId: this.quorum.votedId,
      highWatermark: this.highWatermark,
      logStartOffset: this.log.startOffset,
      endOffset: this.log.endOffset,
      flushedEndOffset: this.flushedEnd,
      lastEpoch: this.log.lastEpoch,
      voters,
      observers,
    };
  }

  /** A retained log entry (for tests and the simulation's checks). */
  entryAt(offset: bigint): LogEntry | undefined {
    return this.log.entryAt(offset);
  }

  /** The latest snapshot, taken here or installed from the leader. */
  latestSnapshot(): Snapshot | null {
    return this.snapshotData;
  }

  // ---- time and role transitions --------------------------------------------------------------

  private advance(nowMs: number): void {
    assert(nowMs >= this.nowMs, `time went backwards: ${nowMs} < ${this.nowMs}`);
    this.nowMs = nowMs;
    if (this.started) return;
    this.started = true;
    const q = this.quorum;
    if (q.leaderId === this.nodeId) {
      // A restarted leader never resumes its epoch: it resigns and lets the voters elect.
      this.role = Role.Resigned;
      this.preferredSuccessors = [...this.others];
      this.deadlineMs = nowMs + this.randomElectionTimeoutMs();
    } else if (q.leaderId >= 0) {
      this.role = Role.Follower;
      this.deadlineMs = nowMs + this.config.fetchTimeoutMs;
      this.nextFetchMs = nowMs;
    } else {
      this.role = Role.Unattached;
      this.deadlineMs = this.isObserver ? nowMs : nowMs + this.randomElectionTimeoutMs();
      this.nextFetchMs = nowMs;
    }
  }

  private randomElectionTimeoutMs(): number {
    return this.config.electionTimeoutMs + Math.floor(this.config.random() * this.config.electionJitterMs);
  }

  /** Observers report one role whether or not they follow a leader (Kafka's "observer" state). */
  private reportedRole(): Role {
    return this.isObserver ? Role.Observer : this.role;
  }

  private currentLeaderId(): number {
    return this.role === Role.Resigned ? -1 : this.quorum.leaderId;
  }

  private setQuorum(next: QuorumState): void {
    const q = this.quorum;
    assert(next.leaderEpoch >= q.leaderEpoch, `epoch would go back from ${q.leaderEpoch} to ${next.leaderEpoch}`);
    if (next.leaderEpoch === q.leaderEpoch) assert(q.votedId === -1 || next.votedId === q.votedId, `vote changed within epoch ${q.leaderEpoch}`);
    if (next.leaderEpoch === q.leaderEpoch && next.votedId === q.votedId && next.leaderId === q.leaderId) return;
    this.quorum = { ...next };
    this.quorumDirty = true;
  }

  private resetRoleState(): void {
    this.inflight.clear();
    this.peers.clear();
    this.granted.clear();
    this.rejected.clear();
    this.fetchInflight = null;
    this.leaderResigned = false;
    this.fetchedFromLeader = false;
    this.snapshotFetch = null;
    this.replicas.clear();
    this.observers.clear();
    this.parked.clear();
    this.roleDirty = true;
  }

  private becomeUnattached(nowMs: number, epoch: number): void {
    const q = this.quorum;
    if (epoch > q.leaderEpoch) this.setQuorum({ leaderEpoch: epoch, votedId: -1, leaderId: -1 });
    else this.setQuorum({ ...q, leaderId: -1 });
    this.resetRoleState();
    this.role = Role.Unattached;
    // Only a voter's unattached timer means anything (it starts an election); an observer fetches at once.
    this.deadlineMs = this.isObserver ? nowMs : nowMs + this.randomElectionTimeoutMs();
    this.nextFetchMs = nowMs;
  }

  private becomeFollower(nowMs: number, epoch: number, leaderId: number): void {
    assert(leaderId !== this.nodeId && this.voters.includes(leaderId), `cannot follow ${leaderId}`);
    const q = this.quorum;
    if (epoch > q.leaderEpoch) {
      this.setQuorum({ leaderEpoch: epoch, votedId: -1, leaderId });
    } else {
      assert(epoch === q.leaderEpoch, 'follow an older epoch');
      assert(this.role !== Role.Leader && this.role !== Role.Resigned, `two leaders in epoch ${epoch}: ${this.nodeId} and ${leaderId}`);
      assert(q.leaderId === -1 || q.leaderId === leaderId, `two leaders in epoch ${epoch}: ${q.leaderId} and ${leaderId}`);
      this.setQuorum({ ...q, leaderId });
    }
    this.resetRoleState();
    this.role = Role.Follower;
    this.deadlineMs = nowMs + this.config.fetchTimeoutMs;
    this.nextFetchMs = nowMs;
  }

  private becomeProspective(nowMs: number): void {
    assert(!this.isObserver, `observer ${this.nodeId} would stand for election`);
    this.resetRoleState();
    this.role = Role.Prospective;
    this.deadlineMs = nowMs + this.randomElectionTimeoutMs();
    this.granted.add(this.nodeId);
    if (this.granted.size >= this.majority) this.becomeCandidate(nowMs);
  }

  /** A pre-vote round failed or timed out: back to the known leader, or unattached. */
  private prospectiveLost(nowMs: number): void {
    const leaderId = this.quorum.leaderId;
    if (leaderId >= 0 && leaderId !== this.nodeId) this.becomeFollower(nowMs, this.quorum.leaderEpoch, leaderId);
    else this.becomeUnattached(nowMs, this.quorum.leaderEpoch);
  }

  private becomeCandidate(nowMs: number): void {
    this.setQuorum({ leaderEpoch: this.quorum.leaderEpoch + 1, votedId: this.nodeId, leaderId: -1 });
    this.resetRoleState();
    this.role = Role.Candidate;
    this.deadlineMs = nowMs + this.randomElectionTimeoutMs();
    this.granted.add(this.nodeId);
    if (this.granted.size >= this.majority) this.becomeLeader(nowMs);
  }

  private becomeLeader(nowMs: number): void {
    assert(this.role === Role.Candidate && this.quorum.votedId === this.nodeId, 'only a candidate that voted for itself leads');
    this.setQuorum({ ...this.quorum, leaderId: this.nodeId });
    this.resetRoleState();
    this.role = Role.Leader;
    this.leaderSinceMs = nowMs;
    for (const v of this.others) this.replicas.set(v, newReplicaState());
    // Kafka's LeaderChange control record: only entries of the current epoch commit by counting.
    this.epochStartOffset = this.log.endOffset;
    this.appendLocal([{ offset: this.log.endOffset, epoch: this.quorum.leaderEpoch, data: EMPTY, control: true }]);
    this.maybeAdvanceHighWatermark(nowMs);
  }

  private becomeResigned(nowMs: number): void {
    const byEnd = [...this.others].sort((a, b) => {
      const ea = this.replicas.get(a)?.endOffset ?? -1n;
      const eb = this.replicas.get(b)?.endOffset ?? -1n;
      return ea > eb ? -1 : ea < eb ? 1 : a - b;
    });
    this.resetRoleState();
    this.role = Role.Resigned;
    this.preferredSuccessors = byEnd;
    this.deadlineMs = nowMs + this.randomElectionTimeoutMs();
  }

  /**
   * Learns of a leader or a newer epoch from any message. Returns true when it changed state (the
   * caller then ignores the rest of a response).
   */
  private onLeaderHint(nowMs: number, epoch: number, leaderId: number): boolean {
    if (epoch > this.quorum.leaderEpoch) {
      if (leaderId >= 0 && leaderId !== this.nodeId && this.voters.includes(leaderId)) this.becomeFollower(nowMs, epoch, leaderId);
      else this.becomeUnattached(nowMs, epoch);
      return true;
    }
    if (epoch === this.quorum.leaderEpoch && leaderId >= 0 && leaderId !== this.nodeId && this.quorum.leaderId === -1 && this.voters.includes(leaderId)) {
      this.becomeFollower(nowMs, epoch, leaderId);
      return true;
    }
    return false;
  }

  // ---- outgoing requests ----------------------------------------------------------------------

  private newRequest(kind: InflightKind, to: number, nowMs: number, preVote = false, fetchOffset = -1n): number {
    const id = this.nextCorrelationId++;
    this.inflight.set(id, { kind, to, epoch: this.quorum.leaderEpoch, sentMs: nowMs, preVote, fetchOffset });
    return id;
  }

  private peer(id: number): PeerRequest {
    let p = this.peers.get(id);
    if (!p) {
      p = { inflight: null, nextAttemptMs: 0, done: false };
      this.peers.set(id, p);
    }
    return p;
  }

  /** Sends what the role owes: votes, BeginQuorumEpoch, EndQuorumEpoch or the next fetch. */
  private sendRoleRequests(nowMs: number): void {
    const q = this.quorum;
    switch (this.role) {
      case Role.Prospective:
      case Role.Candidate: {
        const preVote = this.role === Role.Prospective;
        for (const to of this.others) {
          if (this.granted.has(to) || this.rejected.has(to)) continue;
          const p = this.peer(to);
          if (p.inflight !== null || nowMs < p.nextAttemptMs) continue;
          const correlationId = (p.inflight = this.newRequest('vote', to, nowMs, preVote));
          this.outbox.push({
            type: 'VoteRequest', from: this.nodeId, to, correlationId,
            candidateEpoch: preVote ? q.leaderEpoch + 1 : q.leaderEpoch, candidateId: this.nodeId,
            lastOffsetEpoch: this.log.lastEpoch, lastOffset: this.log.endOffset, preVote,
          });
        }
        break;
      }
      case Role.Leader:
      case Role.Resigned: {
        const kind = this.role === Role.Leader ? 'begin' : 'end';
        for (const to of this.others) {
          const p = this.peer(to);
          if (p.done || p.inflight !== null || nowMs < p.nextAttemptMs) continue;
          const correlationId = (p.inflight = this.newRequest(kind, to, nowMs));
          if (kind === 'begin') {
            this.outbox.push({ type: 'BeginQuorumEpochRequest', from: this.nodeId, to, correlationId, leaderId: this.nodeId, leaderEpoch: q.leaderEpoch });
          } else {
            this.outbox.push({
              type: 'EndQuorumEpochRequest', from: this.nodeId, to, correlationId,
              leaderId: this.nodeId, leaderEpoch: q.leaderEpoch, preferredSuccessors: [...this.preferredSuccessors],
            });
          }
        }
        break;
      }
      case Role.Follower:
        this.maybeSendFetch(nowMs);
        break;
      case Role.Unattached:
        if (this.isObserver) this.maybeSendDiscoveryFetch(nowMs);
        break;
    }
  }

  /**
   * An observer without a leader fetches from the voters in turn (Kafka's bootstrap servers): the
   * answer's currentLeader names the leader, or the next voter is asked after a backoff.
   */
  private maybeSendDiscoveryFetch(nowMs: number): void {
    if (this.fetchInflight !== null || nowMs < this.nextFetchMs || this.flushedEnd < this.log.endOffset) return;
    const to = this.voters[this.discoveryIndex % this.voters.length]!;
    this.discoveryIndex = (this.discoveryIndex + 1) % this.voters.length;
    this.sendFetch(nowMs, to, 0);
  }

  private maybeSendFetch(nowMs: number): void {
    if (this.fetchInflight !== null || nowMs < this.nextFetchMs) return;
    const leaderId = this.quorum.leaderId;
    const sf = this.snapshotFetch;
    if (sf) {
      const correlationId = (this.fetchInflight = this.newRequest('fetchSnapshot', leaderId, nowMs));
      this.outbox.push({
        type: 'FetchSnapshotRequest', from: this.nodeId, to: leaderId, correlationId, replicaId: this.nodeId,
        maxBytes: this.config.fetchMaxBytes, currentLeaderEpoch: this.quorum.leaderEpoch, snapshotId: { ...sf.snapshotId }, position: sf.position,
      });
      return;
    }
    // A voter acknowledges (by its fetch offset) only what it has flushed.
    if (this.flushedEnd < this.log.endOffset) return;
    this.sendFetch(nowMs, leaderId, this.config.fetchMaxWaitMs);
  }

  private sendFetch(nowMs: number, to: number, maxWaitMs: number): void {
    const fetchOffset = this.log.endOffset;
    const correlationId = (this.fetchInflight = this.newRequest('fetch', to, nowMs, false, fetchOffset));
    this.outbox.push({
      type: 'FetchRequest', from: this.nodeId, to, correlationId, replicaId: this.nodeId,
      maxWaitMs, maxBytes: this.config.fetchMaxBytes,
      currentLeaderEpoch: this.quorum.leaderEpoch, fetchOffset, lastFetchedEpoch: this.log.lastEpoch,
    });
  }

  private expireInflight(nowMs: number): void {
    for (const [id, inf] of this.inflight) {
      if (nowMs - inf.sentMs < this.config.requestTimeoutMs) continue;
      this.inflight.delete(id);
      if (this.fetchInflight === id) {
        this.fetchInflight = null;
        this.nextFetchMs = nowMs;
      }
      const p = this.peers.get(inf.to);
      if (p && p.inflight === id) p.inflight = null;
    }
  }

  /** Removes and returns our request that `response` answers, if it is still outstanding. */
  private takeInflight(response: RaftMessage, kind: InflightKind): Inflight | undefined {
    const inf = this.inflight.get(response.correlationId);
    if (!inf || inf.kind !== kind || inf.to !== response.from) return undefined;
    this.inflight.delete(response.correlationId);
    if (this.fetchInflight === response.correlationId) this.fetchInflight = null;
    const p = this.peers.get(inf.to);
    if (p && p.inflight === response.correlationId) p.inflight = null;
    return inf;
  }

  // ---- Vote -----------------------------------------------------------------------------------

  private onVoteRequest(nowMs: number, m: VoteRequest): void {
    let granted = false;
    // An observer has no vote: it refuses without touching its state (voters never ask it anyway).
    if (!this.isObserver && m.candidateId === m.from && m.candidateEpoch >= this.quorum.leaderEpoch) {
      if (!m.preVote && m.candidateEpoch > this.quorum.leaderEpoch) this.becomeUnattached(nowMs, m.candidateEpoch);
      const myLastEpoch = this.log.lastEpoch;
      const logOk = m.lastOffsetEpoch > myLastEpoch || (m.lastOffsetEpoch === myLastEpoch && m.lastOffset >= this.log.endOffset);
      if (m.preVote) {
        granted = logOk && this.canGrantPreVote(nowMs);
      } else {
        granted = logOk && this.canGrantVote(m.candidateId);
        if (granted) {
          const wasProspective = this.role === Role.Prospective;
          this.setQuorum({ ...this.quorum, votedId: m.candidateId });
          if (wasProspective) this.becomeUnattached(nowMs, this.quorum.leaderEpoch);
          else this.deadlineMs = nowMs + this.randomElectionTimeoutMs();
        }
      }
    }
    this.outbox.push({
      type: 'VoteResponse', from: this.nodeId, to: m.from, correlationId: m.correlationId, errorCode: E.NONE,
      leaderId: this.currentLeaderId(), leaderEpoch: this.quorum.leaderEpoch, voteGranted: granted,
    });
  }

  /**
   * KIP-996: grant a pre-vote only without a live leader. A follower refuses while its current
   * follower term has fetched successfully and the fetch timeout has not run out.
   */
  private canGrantPreVote(nowMs: number): boolean {
    if (this.role === Role.Leader) return false;
    if (this.role === Role.Follower) return this.leaderResigned || !this.fetchedFromLeader || nowMs >= this.deadlineMs;
    return true;
  }

  /** One vote per epoch, and none once this epoch's leader is known. */
  private canGrantVote(candidateId: number): boolean {
    const q = this.quorum;
    if (this.role !== Role.Unattached && this.role !== Role.Prospective) return false;
    return q.leaderId === -1 && (q.votedId === -1 || q.votedId === candidateId);
  }

  private onVoteResponse(nowMs: number, m: VoteResponse): void {
    const inf = this.takeInflight(m, 'vote');
    if (!inf) return;
    if (this.onLeaderHint(nowMs, m.leaderEpoch, m.leaderId)) return;
    if (inf.epoch !== this.quorum.leaderEpoch) return;
    const expected = inf.preVote ? Role.Prospective : Role.Candidate;
    if (this.role !== expected) return;
    if (m.errorCode !== E.NONE) {
      this.peer(m.from).nextAttemptMs = nowMs + this.config.retryBackoffMs;
      return;
    }
    if (m.voteGranted) {
      this.granted.add(m.from);
      if (this.granted.size >= this.majority) {
        if (inf.preVote) this.becomeCandidate(nowMs);
        else this.becomeLeader(nowMs);
      }
      return;
    }
    this.rejected.add(m.from);
    if (this.rejected.size > this.voters.length - this.majority) {
      // Lost: retry after a short randomized backoff rather than the whole election timeout.
      const backoffMs = this.config.retryBackoffMs + Math.floor(this.config.random() * this.config.electionJitterMs);
      if (nowMs + backoffMs < this.deadlineMs) this.deadlineMs = nowMs + backoffMs;
    }
  }

  // ---- BeginQuorumEpoch / EndQuorumEpoch -------------------------------------------------------

  private onBeginQuorumEpochRequest(nowMs: number, m: BeginQuorumEpochRequest): void {
    let errorCode: number = E.NONE;
    if (m.leaderId !== m.from || m.leaderEpoch < this.quorum.leaderEpoch) {
      errorCode = E.FENCED_LEADER_EPOCH;
    } else if (m.leaderEpoch > this.quorum.leaderEpoch || this.role !== Role.Follower || this.quorum.leaderId !== m.leaderId) {
      this.becomeFollower(nowMs, m.leaderEpoch, m.leaderId);
    }
    const reply: BeginQuorumEpochResponse = {
      type: 'BeginQuorumEpochResponse', from: this.nodeId, to: m.from, correlationId: m.correlationId, errorCode,
      leaderId: this.currentLeaderId(), leaderEpoch: this.quorum.leaderEpoch,
    };
    this.outbox.push(reply);
  }

  private onEndQuorumEpochRequest(nowMs: number, m: EndQuorumEpochRequest): void {
    let errorCode: number = E.NONE;
    if (m.leaderId !== m.from || m.leaderEpoch < this.quorum.leaderEpoch) {
      errorCode = E.FENCED_LEADER_EPOCH;
    } else {
      if (m.leaderEpoch > this.quorum.leaderEpoch) this.becomeUnattached(nowMs, m.leaderEpoch);
      const atMs = nowMs + (this.isObserver ? 0 : this.endQuorumBackoffMs(m.preferredSuccessors));
      if (this.isObserver) {
        // No election to start: forget the resigning leader and look for the next one.
        if (this.role === Role.Follower && this.quorum.leaderId === m.leaderId) this.becomeUnattached(nowMs, this.quorum.leaderEpoch);
      } else if (this.role === Role.Follower && this.quorum.leaderId === m.leaderId) {
        this.leaderResigned = true;
        if (atMs < this.deadlineMs) this.deadlineMs = atMs;
      } else if (this.role === Role.Unattached && atMs < this.deadlineMs) {
        this.deadlineMs = atMs;
      }
    }
    const reply: EndQuorumEpochResponse = {
      type: 'EndQuorumEpochResponse', from: this.nodeId, to: m.from, correlationId: m.correlationId, errorCode,
      leaderId: this.currentLeaderId(), leaderEpoch: this.quorum.leaderEpoch,
    };
    this.outbox.push(reply);
  }

  /** The first preferred successor starts at once; later ones back off exponentially (Kafka's strict backoff). */
  private endQuorumBackoffMs(preferred: readonly number[]): number {
    const position = preferred.indexOf(this.nodeId);
    if (position === 0) return 0;
    if (position < 0) return this.randomElectionTimeoutMs();
    return Math.min(this.config.electionTimeoutMs, this.config.retryBackoffMs * 2 ** position) + Math.floor(this.config.random() * this.config.electionJitterMs);
  }

  private onEpochAck(nowMs: number, m: BeginQuorumEpochResponse | EndQuorumEpochResponse, kind: 'begin' | 'end'): void {
    const inf = this.takeInflight(m, kind);
    if (!inf) return;
    if (this.onLeaderHint(nowMs, m.leaderEpoch, m.leaderId)) return;
    if (inf.epoch !== this.quorum.leaderEpoch) return;
    const p = this.peer(m.from);
    if (m.errorCode === E.NONE) p.done = true;
    else p.nextAttemptMs = nowMs + this.config.retryBackoffMs;
  }

  // ---- Fetch (leader side) --------------------------------------------------------------------

  private fetchError(currentLeaderEpoch: number): number {
    const epoch = this.quorum.leaderEpoch;
    if (currentLeaderEpoch < epoch) return E.FENCED_LEADER_EPOCH;
    if (currentLeaderEpoch > epoch) return E.UNKNOWN_LEADER_EPOCH;
    if (this.role !== Role.Leader) return E.NOT_LEADER_OR_FOLLOWER;
    return E.NONE;
  }

  private onFetchRequest(nowMs: number, m: FetchRequest): void {
    if (m.replicaId !== m.from) return;
    const errorCode = this.fetchError(m.currentLeaderEpoch);
    if (errorCode !== E.NONE) {
      this.outbox.push(this.fetchResponse(m, { errorCode }));
      return;
    }
    const r = this.replicaFor(nowMs, m.from);
    if (r) r.lastFetchTimestampMs = nowMs;
    if (this.replicas.has(m.from)) this.peer(m.from).done = true; // it knows the leader: no more BeginQuorumEpoch
    const v = this.log.validateOffsetAndEpoch(m.fetchOffset, m.lastFetchedEpoch);
    if (v.kind === 'snapshot') {
      this.outbox.push(this.fetchResponse(m, { snapshotId: v.snapshotId }));
      return;
    }
    if (v.kind === 'diverging') {
      this.outbox.push(this.fetchResponse(m, { divergingEpoch: v.divergingEpoch }));
      return;
    }
    if (r) this.updateReplica(nowMs, r, m.fetchOffset);
    const hwBefore = this.highWatermark;
    this.maybeAdvanceHighWatermark(nowMs);
    // A fetch that moved the high watermark is answered at once (as Kafka does), so that this
    // voter learns the commit now instead of when its next fetch would be woken or expire; so is
    // one from a replica that has not been told the current high watermark (its previous response
    // left before the last move: parked, it would learn of the commit only when the wait expires,
    // as Kafka's KIP-1166 fixes with the follower's high watermark in the request). An observer
    // the leader does not track (over MAX_OBSERVERS) is not parked either.
    if (r && m.fetchOffset >= this.log.endOffset && m.maxWaitMs > 0 && this.highWatermark === hwBefore && r.lastSentHighWatermark >= this.highWatermark) {
      // Nothing new: park until an append, a high-watermark move or the wait expires (Kafka's purgatory).
      this.parked.set(m.from, { request: m, deadlineMs: nowMs + Math.min(m.maxWaitMs, this.config.fetchMaxWaitMs) });
      return;
    }
    this.answerFetch(m);
  }

  private answerFetch(m: FetchRequest): void {
    const records = this.log.slice(m.fetchOffset, Math.min(m.maxBytes, this.config.fetchMaxBytes));
    this.outbox.push(this.fetchResponse(m, { records }));
  }

  private fetchResponse(m: FetchRequest, part: Partial<Pick<FetchResponse, 'errorCode' | 'divergingEpoch' | 'snapshotId' | 'records'>>): FetchResponse {
    const r = this.replicas.get(m.from) ?? this.observers.get(m.from);
    if (r && this.highWatermark > r.lastSentHighWatermark) r.lastSentHighWatermark = this.highWatermark;
    return {
      type: 'FetchResponse', from: this.nodeId, to: m.from, correlationId: m.correlationId,
      errorCode: part.errorCode ?? E.NONE, highWatermark: this.highWatermark, logStartOffset: this.log.startOffset,
      divergingEpoch: part.divergingEpoch ?? null, snapshotId: part.snapshotId ?? null, records: part.records ?? [],
      currentLeader: { leaderId: this.currentLeaderId(), leaderEpoch: this.quorum.leaderEpoch },
    };
  }

  /** The leader's record of a fetching replica: a voter's, or an observer's (created at its first fetch, bounded). */
  private replicaFor(nowMs: number, id: number): ReplicaState | undefined {
    const voter = this.replicas.get(id);
    if (voter || this.voters.includes(id)) return voter;
    let o = this.observers.get(id);
    if (!o) {
      if (this.observers.size >= MAX_OBSERVERS) this.expireObservers(nowMs);
      if (this.observers.size >= MAX_OBSERVERS) return undefined;
      o = newReplicaState();
      this.observers.set(id, o);
    }
    return o;
  }

  /** Forgets observers that have not fetched within the observer expiry (Kafka's 5 minutes). */
  private expireObservers(nowMs: number): void {
    for (const [id, o] of this.observers) if (nowMs - o.lastFetchTimestampMs >= this.config.observerExpiryMs) this.observers.delete(id);
  }

  private updateReplica(nowMs: number, r: ReplicaState, fetchOffset: bigint): void {
    // Kafka's caught-up rule: at the leader's end now, or past where the leader's end was at the previous fetch.
    if (fetchOffset >= this.log.endOffset) r.lastCaughtUpTimestampMs = nowMs;
    else if (r.lastFetchLeaderEndOffset >= 0n && fetchOffset >= r.lastFetchLeaderEndOffset) r.lastCaughtUpTimestampMs = r.lastFetchTimestampMs;
    r.endOffset = fetchOffset;
    r.lastFetchTimestampMs = nowMs;
    r.lastFetchLeaderEndOffset = this.log.endOffset;
  }

  /** HW = the largest offset a majority (leader counted by its flushed end) has reached, once it is in this epoch. */
  private maybeAdvanceHighWatermark(nowMs: number): void {
    if (this.role !== Role.Leader) return;
    const ends = this.voters.map((v) => (v === this.nodeId ? this.flushedEnd : this.replicas.get(v)!.endOffset));
    ends.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
    const majorityEnd = ends[this.majority - 1]!;
    if (majorityEnd > this.highWatermark && majorityEnd > this.epochStartOffset) {
      this.highWatermark = majorityEnd;
      this.wakeParked();
    }
  }

  private wakeParked(): void {
    for (const { request } of this.parked.values()) this.answerFetch(request);
    this.parked.clear();
  }

  private expireParked(nowMs: number): void {
    for (const [id, p] of this.parked) {
      if (nowMs < p.deadlineMs) continue;
      this.parked.delete(id);
      this.answerFetch(p.request);
    }
  }

  private checkQuorum(nowMs: number): void {
    const timeoutMs = Math.floor(this.config.fetchTimeoutMs * CHECK_QUORUM_FACTOR);
    if (nowMs - this.leaderSinceMs < timeoutMs) return;
    let fetched = 1;
    for (const r of this.replicas.values()) if (r.lastFetchTimestampMs >= 0 && nowMs - r.lastFetchTimestampMs < timeoutMs) fetched++;
    if (fetched < this.majority) this.becomeResigned(nowMs);
  }

  // ---- Fetch (follower side) ------------------------------------------------------------------

  private onFetchResponse(nowMs: number, m: FetchResponse): void {
    const inf = this.takeInflight(m, 'fetch');
    if (!inf) return;
    if (this.onLeaderHint(nowMs, m.currentLeader.leaderEpoch, m.currentLeader.leaderId)) return;
    if (this.isObserver && this.role === Role.Unattached) {
      // A discovery fetch that named no leader to follow: ask the next voter after a backoff.
      this.nextFetchMs = nowMs + this.config.retryBackoffMs;
      return;
    }
    if (this.role !== Role.Follower || inf.epoch !== this.quorum.leaderEpoch || m.from !== this.quorum.leaderId) return;
    if (m.errorCode !== E.NONE) {
      // An observer whose leader cannot be reached asks the voters at once (Kafka 3.9+ observers
      // do the same): a new leader may already be elected, and it has no vote to wait for.
      if (this.isObserver) this.becomeUnattached(nowMs, this.quorum.leaderEpoch);
      this.nextFetchMs = nowMs + this.config.retryBackoffMs;
      return;
    }
    if (!this.leaderResigned) this.deadlineMs = nowMs + this.config.fetchTimeoutMs;
    this.fetchedFromLeader = true;
    this.nextFetchMs = nowMs;
    if (inf.fetchOffset !== this.log.endOffset) return; // the log moved since this fetch was sent
    if (m.divergingEpoch) {
      const offset = this.log.truncationOffsetFor(m.divergingEpoch);
      assert(offset >= this.highWatermark, `leader ${m.from} asks node ${this.nodeId} to truncate to ${offset} below its high watermark ${this.highWatermark}`);
      this.truncateLocal(offset);
    } else if (m.snapshotId) {
      this.snapshotFetch = { snapshotId: { ...m.snapshotId }, position: 0n, chunks: [] };
    } else {
      if (m.records.length > 0) {
        assert(m.records[0]!.offset === this.log.endOffset, `fetched records start at ${m.records[0]!.offset}, log ends at ${this.log.endOffset}`);
        this.appendLocal(m.records);
      }
      const hw = minBig(m.highWatermark, this.log.endOffset);
      if (hw > this.highWatermark) this.highWatermark = hw;
    }
  }

  private onFetchSnapshotRequest(nowMs: number, m: FetchSnapshotRequest): void {
    if (m.replicaId !== m.from) return;
    let errorCode = this.fetchError(m.currentLeaderEpoch);
    const s = this.snapshotData;
    let chunk = EMPTY;
    let size = 0n;
    if (errorCode === E.NONE) {
      const r = this.replicaFor(nowMs, m.from);
      if (r) r.lastFetchTimestampMs = nowMs;
      if (!s || s.endOffset !== m.snapshotId.endOffset || s.epoch !== m.snapshotId.epoch) {
        errorCode = E.SNAPSHOT_NOT_FOUND;
      } else if (m.position < 0n || m.position > BigInt(s.data.length)) {
        errorCode = E.POSITION_OUT_OF_RANGE;
      } else {
        const start = Number(m.position);
        chunk = s.data.subarray(start, start + Math.max(1, Math.min(m.maxBytes, this.config.fetchMaxBytes)));
        size = BigInt(s.data.length);
      }
    }
    const reply: FetchSnapshotResponse = {
      type: 'FetchSnapshotResponse', from: this.nodeId, to: m.from, correlationId: m.correlationId, errorCode,
      snapshotId: { ...m.snapshotId }, currentLeader: { leaderId: this.currentLeaderId(), leaderEpoch: this.quorum.leaderEpoch },
      size, position: m.position, unalignedRecords: chunk,
    };
    this.outbox.push(reply);
  }

  private onFetchSnapshotResponse(nowMs: number, m: FetchSnapshotResponse): void {
    const inf = this.takeInflight(m, 'fetchSnapshot');
    if (!inf) return;
    if (this.onLeaderHint(nowMs, m.currentLeader.leaderEpoch, m.currentLeader.leaderId)) return;
    if (this.role !== Role.Follower || inf.epoch !== this.quorum.leaderEpoch || m.from !== this.quorum.leaderId) return;
    const sf = this.snapshotFetch;
    if (!sf) return;
    if (m.errorCode !== E.NONE) {
      // The leader moved to a newer snapshot (or lost ours): start over with a plain fetch.
      this.snapshotFetch = null;
      this.nextFetchMs = nowMs + this.config.retryBackoffMs;
      return;
    }
    if (!this.leaderResigned) this.deadlineMs = nowMs + this.config.fetchTimeoutMs;
    this.fetchedFromLeader = true;
    this.nextFetchMs = nowMs;
    const sameSnapshot = m.snapshotId.endOffset === sf.snapshotId.endOffset && m.snapshotId.epoch === sf.snapshotId.epoch;
    if (!sameSnapshot || m.position !== sf.position) return;
    const end = sf.position + BigInt(m.unalignedRecords.length);
    if (m.size > BigInt(MAX_SNAPSHOT_BYTES) || end > m.size || (m.unalignedRecords.length === 0 && end < m.size)) {
      this.snapshotFetch = null;
      return;
    }
    sf.chunks.push(Buffer.from(m.unalignedRecords));
    sf.position = end;
    if (end === m.size) this.installSnapshot({ ...sf.snapshotId, data: Buffer.concat(sf.chunks) });
  }

  private installSnapshot(s: Snapshot): void {
    assert(this.highWatermark <= s.endOffset && this.appliedOffset <= s.endOffset, `snapshot at ${s.endOffset} below what node ${this.nodeId} committed`);
    this.log.reset(s);
    this.snapshotData = s;
    this.snapshotFetch = null;
    this.flushedEnd = s.endOffset;
    this.highWatermark = s.endOffset;
    this.appliedOffset = s.endOffset;
    this.pendingAppend = [];
    this.pendingTruncateTo = undefined;
    this.pendingSnapshotInstall = s;
  }

  // ---- local log changes ----------------------------------------------------------------------

  private appendLocal(entries: readonly LogEntry[]): void {
    this.log.append(entries);
    for (const e of entries) this.pendingAppend.push(e);
  }

  private truncateLocal(offset: bigint): void {
    if (offset >= this.log.endOffset) return;
    this.log.truncateTo(offset);
    if (this.flushedEnd > offset) this.flushedEnd = offset;
    const firstPending = this.pendingAppend[0]?.offset;
    if (firstPending !== undefined && offset >= firstPending) {
      this.pendingAppend = this.pendingAppend.filter((e) => e.offset < offset);
    } else {
      this.pendingAppend = [];
      this.pendingTruncateTo = this.pendingTruncateTo === undefined ? offset : minBig(this.pendingTruncateTo, offset);
    }
  }
}
