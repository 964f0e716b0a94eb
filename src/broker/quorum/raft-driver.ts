// The imperative shell around RaftNode for the `__cluster_metadata` quorum: a clock and timers, the
// quorum-state file and the metadata log on disk, TCP to the other voters, and the serving side of
// the KRaft APIs. A node that is not among the voters runs as an observer (a broker-only node): it
// only fetches the log from the voters. Every input (tick, message, proposal, flush, snapshot) runs through one serial
// queue, and each Ready is executed completely, in the documented order, before the next input.
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ErrorCode, KafkaError, assert } from '../../common/index.js';
import {
  ApiKey, ProtocolError, ZERO_UUID, encodeResponseFrame, parseRequestHeader, peekRequestHeader, type Init,
} from '../../protocol/index.js';
import { ApiVersionsResponse } from '../../protocol/generated/api-versions-response.js';
import type { DescribeQuorumRequest } from '../../protocol/generated/describe-quorum-request.js';
import type { DescribeQuorumResponse } from '../../protocol/generated/describe-quorum-response.js';
import {
  RaftNode, Role, type LogEntry, type RaftConfig, type RaftMessage, type RaftStatus, type Ready, type ReplicaStatus, type SnapshotId,
} from '../../raft/index.js';
import { METADATA_PARTITION, METADATA_TOPIC, encodeSnapshotFile } from './metadata-batches.js';
import { PeerTransport } from './peer-transport.js';
import type { Connection } from '../connection.js';
import { QuorumServer } from './quorum-server.js';
import { QuorumStateFile } from './quorum-state-file.js';
import {
  CONTROLLER_LISTENER, QUORUM_API_RANGES, QUORUM_CODECS, decodeInboundRequest, decodeRaftResponse, encodeRaftRequest,
  encodeRaftResponse, errorReply, isRaftRequest, topLevelError, type RaftRequestMessage, type RaftResponseMessage, type WireContext,
} from './quorum-wire.js';
import { RaftLogStore } from './raft-log-store.js';

/** Kafka's defaults for the controller.quorum.* settings (ms unless named otherwise). */
export const QUORUM_DEFAULTS = Object.freeze({
  /** controller.quorum.election.timeout.ms */
  electionTimeoutMs: 1000,
  /** controller.quorum.election.backoff.max.ms */
  electionBackoffMaxMs: 1000,
  /** controller.quorum.fetch.timeout.ms */
  fetchTimeoutMs: 2000,
  /** controller.quorum.request.timeout.ms */
  requestTimeoutMs: 2000,
  /** controller.quorum.retry.backoff.ms */
  retryBackoffMs: 20,
  /** KafkaRaftClient's fetch max wait. */
  fetchMaxWaitMs: 500,
  /** KafkaRaftClient's MAX_FETCH_SIZE_BYTES. */
  fetchMaxBytes: 8 * 1024 * 1024,
  /** metadata.log.segment.bytes */
  segmentBytes: 1024 * 1024 * 1024,
  /** reconnect.backoff.ms / reconnect.backoff.max.ms */
  reconnectBackoffMs: 50,
  reconnectBackoffMaxMs: 1000,
  /** How often timers are checked. Samsa-only. */
  tickIntervalMs: 10,
  /** How long the leader lists an observer that stopped fetching (KafkaRaftClient's OBSERVER_SESSION_TIMEOUT_MS). */
  observerExpiryMs: 5 * 60 * 1000,
});

/** Proposals accepted but not yet committed. */
const MAX_PENDING_PROPOSALS = 10_000;
/** Inbound requests being served at once (each connection has at most one in progress). */
const MAX_PENDING_INBOUND = 1024;
/** Inputs applied before one Ready is executed. */
const MAX_INPUTS_PER_READY = 1024;
/** Requests in flight per peer (raft itself keeps about two). */
const MAX_INFLIGHT_PER_PEER = 16;
/** ApiVersions versions served on the built-in listener. */
const API_VERSIONS_MAX_VERSION = 4;

/** A controller endpoint of a voter (controller.quorum.voters: `id@host:port`). */
export interface QuorumVoter {
  id: number;
  host: string;
  port: number;
}

/** A committed data entry handed to the state machine. */
export interface CommittedEntry {
  offset: bigint;
  epoch: number;
  data: Buffer;
}

/** A snapshot as the state machine sees it: its state below `endOffset`. */
export interface StateSnapshot {
  endOffset: bigint;
  epoch: number;
  data: Buffer;
}

/** Options of RaftDriver.start. Times in ms; defaults in QUORUM_DEFAULTS. */
export interface RaftDriverOptions {
  /** A voter's id, or any other id for an observer (process.roles=broker): it follows the log and never votes. */
  nodeId: number;
  clusterId: string;
  voters: readonly QuorumVoter[];
  /** metadata.log.dir: the log and quorum-state live in `<metadataDir>/__cluster_metadata-0/`. */
  metadataDir: string;
  electionTimeoutMs?: number;
  /** Randomizes election timeouts over [electionTimeoutMs, electionTimeoutMs + this) and lost-election backoffs. */
  electionBackoffMaxMs?: number;
  fetchTimeoutMs?: number;
  requestTimeoutMs?: number;
  retryBackoffMs?: number;
  fetchMaxWaitMs?: number;
  fetchMaxBytes?: number;
  segmentBytes?: number;
  reconnectBackoffMs?: number;
  reconnectBackoffMaxMs?: number;
  tickIntervalMs?: number;
  /** The leader forgets an observer that has not fetched for this long. */
  observerExpiryMs?: number;
  /**
   * A built-in controller listener; port 0 picks a free port. Without it, serve `handleFrame`
   * yourself. An observer needs none: nobody sends it requests.
   */
  listen?: { host: string; port: number };
  /** Committed data entries (control entries skipped), in offset order, once each per start. Awaited. */
  onCommitted: (entries: CommittedEntry[]) => void | Promise<void>;
  /** Replace the state machine with a snapshot: at start (the latest local one) and when one is installed from the leader. */
  onSnapshot?: (snapshot: StateSnapshot) => void | Promise<void>;
  onLeaderChange?: (leaderId: number | null, epoch: number) => void;
  /** Other APIs served on the controller listener (the active controller's broker-facing APIs). */
  controllerApis?: ControllerApis;
  log?: (message: string) => void;
}

/** Non-KRaft APIs a controller listener serves besides the quorum's own. */
export interface ControllerApis {
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[];
  /** Serves a frame of one of those APIs (the connection is the controller listener's). */
  handleFrame(frame: Buffer, connection: Connection): Buffer[] | null | Promise<Buffer[] | null>;
}

/** A proposal to a voter that is not the leader; `leaderId` is the known leader, if any. */
export class NotLeaderError extends KafkaError {
  override name = 'NotLeaderError';
  readonly error = 'NOT_LEADER' as const;

  constructor(readonly leaderId: number | null, reason = 'this controller is not the quorum leader') {
    super(ErrorCode.NOT_CONTROLLER, `${reason}; ${leaderId === null ? 'the leader is unknown' : `the leader is node ${leaderId}`}.`);
  }
}

/** RaftNode.status() plus the cluster id. */
export interface QuorumStatus extends RaftStatus {
  clusterId: string;
}

interface PendingProposal {
  offset: bigint;
  epoch: number;
  resolve: (offset: bigint) => void;
  reject: (err: Error) => void;
}

interface PendingInbound {
  apiKey: number;
  stepped: boolean;
  deadlineMs: number;
  resolve: (body: object) => void;
}

type Input = (nowMs: number) => void | Promise<void>;

/** A queued input with what to do when it never runs or throws. */
interface QueuedInput {
  run: Input;
  onDropped?: () => void;
  onError?: (err: Error) => void;
}

/** One member of the metadata quorum (a voter, or an observer), running. */
export class RaftDriver {
  private readonly voterIds: number[];
  /** The voters other than this node (every voter on an observer). */
  private readonly others: number[];
  /** Not among the voters: fetches only, never votes or leads. */
  readonly isObserver: boolean;
  private readonly wire: WireContext;
  private readonly transport: PeerTransport;
  private server: QuorumServer | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastNowMs = 0;

  private inputs: QueuedInput[] = [];
  private loop: Promise<void> | null = null;
  private tickQueued = false;
  /** No new inputs: closing or killed. */
  private stopping = false;
  /** Nothing may touch files or sockets any more. */
  private stopped = false;
  private closing: Promise<void> | null = null;
  private failure: Error | null = null;

  private readonly proposals: PendingProposal[] = [];
  private readonly inbound = new Map<number, PendingInbound>();
  private nextInboundId = 1;
  /** Per-peer chain keeping response handling in arrival order (decoding is async). */
  private readonly responseChains = new Map<number, Promise<void>>();
  private readonly endQuorumAcked = new Set<number>();
  private leader: { leaderId: number; epoch: number } = { leaderId: -2, epoch: -1 };
  /** Epoch of the last committed entry handed to the state machine (control entries included). */
  private appliedEpoch = -1;
  private readonly log: (message: string) => void;

  private constructor(
    private readonly options: RaftDriverOptions,
    private readonly settings: typeof QUORUM_DEFAULTS,
    private readonly node: RaftNode,
    private readonly store: RaftLogStore,
    private readonly quorumFile: QuorumStateFile,
  ) {
    this.log = options.log ?? (() => undefined);
    this.voterIds = options.voters.map((v) => v.id);
    this.others = this.voterIds.filter((id) => id !== options.nodeId);
    this.isObserver = this.others.length === this.voterIds.length;
    // The endpoint goes into BeginQuorumEpoch/EndQuorumEpoch, which only a voter sends.
    const self = options.voters.find((v) => v.id === options.nodeId);
    this.wire = { clusterId: options.clusterId, endpoint: self ? { host: self.host, port: self.port } : null, batchOf: (e) => this.store.batchOf(e) };
    this.transport = new PeerTransport({
      clientId: `raft-client-${options.nodeId}`,
      peers: options.voters.filter((v) => v.id !== options.nodeId),
      requestTimeoutMs: settings.requestTimeoutMs,
      reconnectBackoffMs: settings.reconnectBackoffMs,
      reconnectBackoffMaxMs: settings.reconnectBackoffMaxMs,
      maxInflightPerPeer: MAX_INFLIGHT_PER_PEER,
      maxResponseBytes: 2 * settings.fetchMaxBytes + 1024 * 1024,
      onResponse: (request, body) => this.onPeerResponse(request, body),
      onFailure: (request, errorCode) => this.onPeerResponse(request, null, errorCode),
      log: this.log,
      now: () => this.now(),
    });
  }

  /**
   * Restores the quorum state, snapshot and log from `metadataDir`, starts the timers and (with
   * `listen`) the controller listener, and joins the quorum: as a voter when `nodeId` is among the
   * voters (a single voter elects itself at once), else as an observer that follows the log.
   */
  static async start(options: RaftDriverOptions): Promise<RaftDriver> {
    const ids = options.voters.map((v) => v.id);
    if (ids.length === 0) throw new Error('controller.quorum.voters is empty: name at least one voter as id@host:port.');
    if (new Set(ids).size !== ids.length) throw new Error(`controller.quorum.voters names a node id twice: ${ids.join(',')}.`);
    if (!options.clusterId) throw new Error('The cluster id is empty: format the metadata directory first.');
    const settings = resolveSettings(options);
    const log = options.log ?? (() => undefined);
    const dir = join(options.metadataDir, `${METADATA_TOPIC}-${METADATA_PARTITION}`);
    const quorumFile = new QuorumStateFile(dir);
    const quorumState = await quorumFile.read(ids);
    const { store, loaded } = await RaftLogStore.open({
      dir, segmentBytes: settings.segmentBytes, log,
      // Control entries this node has to encode are its own LeaderChange records.
      leaderChangeOf: () => ({ leaderId: options.nodeId, voters: ids }),
    });
    const lastEpoch = loaded.entries.at(-1)?.epoch ?? loaded.snapshot?.epoch ?? 0;
    if (lastEpoch > quorumState.leaderEpoch) {
      await store.close();
      throw new Error(`${quorumFile.path} says epoch ${quorumState.leaderEpoch} but the log holds epoch ${lastEpoch}; the file is stale or missing — restore it or reformat the node.`);
    }
    if (loaded.snapshot && loaded.snapshotData) {
      if (!options.onSnapshot) {
        await store.close();
        throw new Error(`${dir} holds snapshot ${loaded.snapshot.endOffset}-${loaded.snapshot.epoch} but no onSnapshot handler was given.`);
      }
      await options.onSnapshot({ endOffset: loaded.snapshot.endOffset, epoch: loaded.snapshot.epoch, data: loaded.snapshotData });
    }
    const single = ids.length === 1;
    const config: RaftConfig = {
      nodeId: options.nodeId,
      voters: ids,
      // The only voter has nobody to wait for: it stands at once (Kafka makes it candidate immediately).
      electionTimeoutMs: single ? 1 : settings.electionTimeoutMs,
      electionJitterMs: single ? 0 : settings.electionBackoffMaxMs,
      fetchTimeoutMs: settings.fetchTimeoutMs,
      requestTimeoutMs: settings.requestTimeoutMs,
      retryBackoffMs: settings.retryBackoffMs,
      fetchMaxBytes: settings.fetchMaxBytes,
      fetchMaxWaitMs: settings.fetchMaxWaitMs,
      observerExpiryMs: settings.observerExpiryMs,
      random: Math.random,
    };
    const node = new RaftNode(config, { quorumState, entries: loaded.entries, ...(loaded.snapshot ? { snapshot: loaded.snapshot } : {}) });
    const driver = new RaftDriver(options, settings, node, store, quorumFile);
    log(`raft ${options.nodeId}${driver.isObserver ? ' (observer)' : ''}: restored epoch ${quorumState.leaderEpoch} (leader ${quorumState.leaderId}, voted ${quorumState.votedId}), ` +
      `log [${loaded.snapshot?.endOffset ?? 0n}, ${store.endOffset})${loaded.snapshot ? `, snapshot ${loaded.snapshot.endOffset}-${loaded.snapshot.epoch}` : ''}`);
    try {
      if (options.listen) driver.server = await QuorumServer.listen(options.listen.host, options.listen.port, (frame, connection) => driver.handleFrame(frame, connection), log);
    } catch (err) {
      await store.close();
      throw err;
    }
    driver.timer = setInterval(() => driver.queueTick(), settings.tickIntervalMs);
    driver.timer.unref();
    driver.queueTick();
    return driver;
  }

  /** The port of the built-in listener (0 without one). */
  get port(): number {
    return this.server?.port ?? 0;
  }

  // ---- the state machine's side -----------------------------------------------------------------

  /**
   * Appends `records` (one log entry each) on the leader and resolves with the offset of the last
   * one once it is committed and applied through onCommitted. Rejects with NotLeaderError (carrying
   * the known leader) when this voter is not the leader, or loses leadership before the commit —
   * the entries may then still commit under the next leader.
   */
  propose(records: readonly Buffer[]): Promise<bigint> {
    if (records.length === 0) return Promise.reject(new RangeError('propose needs at least one record'));
    for (const r of records) {
      if (r.length > this.settings.fetchMaxBytes) {
        return Promise.reject(new KafkaError(ErrorCode.RECORD_LIST_TOO_LARGE, `A metadata record of ${r.length} bytes exceeds the fetch size of ${this.settings.fetchMaxBytes} bytes.`));
      }
    }
    if (this.isObserver) return Promise.reject(new NotLeaderError(this.leaderOrNull(), `node ${this.options.nodeId} is an observer of the metadata quorum, not a voter`));
    if (this.stopping) return Promise.reject(new NotLeaderError(null, 'this controller is shutting down'));
    if (this.proposals.length >= MAX_PENDING_PROPOSALS) {
      return Promise.reject(new KafkaError(ErrorCode.THROTTLING_QUOTA_EXCEEDED, `${MAX_PENDING_PROPOSALS} metadata proposals are waiting to commit; retry later.`));
    }
    return new Promise<bigint>((resolve, reject) => {
      this.enqueue((nowMs) => {
        const result = this.node.propose(nowMs, records);
        if ('error' in result) reject(new NotLeaderError(result.leaderId));
        else this.proposals.push({ offset: result.offset, epoch: this.node.status().epoch, resolve, reject });
      }, () => reject(new NotLeaderError(null, 'this controller is shutting down')));
    });
  }

  /**
   * Snapshots the state machine at an applied offset (`endOffset` = the offset after the last entry
   * it covers): writes the checkpoint file durably, then lets raft and the log drop what it covers.
   */
  snapshot(endOffset: bigint, data: Buffer): Promise<SnapshotId> {
    return new Promise<SnapshotId>((resolve, reject) => {
      this.enqueue(async () => {
        const last = this.node.entryAt(endOffset - 1n);
        if (!last) throw new RangeError(`no retained entry at ${endOffset - 1n} to snapshot at`);
        // Every Ready so far was executed, so everything below the high watermark was applied.
        const { highWatermark } = this.node.status();
        if (endOffset > highWatermark) throw new RangeError(`cannot snapshot at ${endOffset}: only offsets below ${highWatermark} are committed`);
        const id = { endOffset, epoch: last.epoch };
        const file = encodeSnapshotFile(id, data, Date.now());
        await this.store.writeSnapshotFile({ ...id, data: file });
        if (this.stopped) throw new Error('stopped');
        const taken = this.node.snapshot(endOffset, file);
        assert(taken.epoch === id.epoch, 'snapshot epoch changed');
        this.store.compactTo(taken, this.node.status().highWatermark);
        resolve(taken);
      }, () => reject(new Error('the quorum is shutting down')), reject);
    });
  }

  /**
   * Whether this voter leads and has applied every entry of earlier epochs (its own first entry of
   * the epoch is committed and applied): only then is its state machine current enough to decide.
   */
  isActiveLeader(): boolean {
    const s = this.node.status();
    return s.role === Role.Leader && this.appliedEpoch === s.epoch && !this.stopping;
  }

  /** The node's view plus the cluster id (DescribeQuorum, `metadata-quorum describe --status`). */
  status(): QuorumStatus {
    return { ...this.node.status(), clusterId: this.options.clusterId };
  }

  // ---- serving the KRaft APIs -------------------------------------------------------------------

  /**
   * Serves one KRaft request (Vote, BeginQuorumEpoch, EndQuorumEpoch, Fetch of
   * `__cluster_metadata-0`, FetchSnapshot, DescribeQuorum) decoded at `apiVersion`; resolves with
   * the response body to encode at the same version. Fetches may wait up to the fetch max wait.
   */
  handleRequest(apiKey: number, apiVersion: number, body: object): Promise<object> {
    if (apiKey === ApiKey.DescribeQuorum) return Promise.resolve(this.describeQuorum(body as DescribeQuorumRequest));
    if (!QUORUM_CODECS.has(apiKey)) return Promise.reject(new ProtocolError(`API ${apiKey} is not a quorum API`));
    if (this.stopping) return Promise.resolve(topLevelError(apiKey, ErrorCode.BROKER_NOT_AVAILABLE));
    const correlationId = this.nextInboundId++;
    const decoded = decodeInboundRequest(apiKey, apiVersion, body, { clusterId: this.options.clusterId, nodeId: this.options.nodeId, correlationId });
    if ('response' in decoded) return Promise.resolve(decoded.response);
    const message = decoded.message;
    // Observers (not voters) may fetch the log; only voters take part in elections.
    const fetching = message.type === 'FetchRequest' || message.type === 'FetchSnapshotRequest';
    if (!this.others.includes(message.from) && !(fetching && message.from >= 0 && message.from !== this.options.nodeId)) {
      return Promise.resolve(topLevelError(apiKey, ErrorCode.INCONSISTENT_VOTER_SET));
    }
    if (this.inbound.size >= MAX_PENDING_INBOUND) return Promise.resolve(topLevelError(apiKey, ErrorCode.BROKER_NOT_AVAILABLE));
    return new Promise<object>((resolve) => {
      const maxWaitMs = message.type === 'FetchRequest' ? Math.min(message.maxWaitMs, this.settings.fetchMaxWaitMs) : 0;
      const pending: PendingInbound = { apiKey, stepped: false, deadlineMs: this.now() + maxWaitMs + this.settings.requestTimeoutMs, resolve };
      this.inbound.set(correlationId, pending);
      this.enqueue((nowMs) => {
        pending.stepped = true;
        this.node.step(nowMs, message);
      }, () => this.answerInbound(correlationId, topLevelError(apiKey, ErrorCode.BROKER_NOT_AVAILABLE)));
    });
  }

  /** Serves one request frame (without its size prefix) of a controller connection. */
  async handleFrame(frame: Buffer, connection?: Connection): Promise<Buffer[] | null> {
    const start = peekRequestHeader(frame);
    if (start.apiKey === ApiKey.ApiVersions) return this.apiVersions(frame);
    const range = QUORUM_API_RANGES.find((r) => r.apiKey === start.apiKey);
    const extra = this.options.controllerApis;
    if (!range && extra && connection && extra.apiVersions().some((r) => r.apiKey === start.apiKey)) return extra.handleFrame(frame, connection);
    if (!range) throw new ProtocolError(`API ${start.apiKey} is not served on the controller listener`);
    if (start.apiVersion < range.minVersion || start.apiVersion > range.maxVersion) {
      throw new ProtocolError(`unsupported version ${start.apiVersion} of API ${start.apiKey} (supported ${range.minVersion}-${range.maxVersion})`);
    }
    const codecs = QUORUM_CODECS.get(start.apiKey)!;
    const header = parseRequestHeader(frame);
    const request = codecs.request.decode(header.body, start.apiVersion) as object;
    const response = await this.handleRequest(start.apiKey, start.apiVersion, request);
    return encodeResponseFrame(codecs.response, start.apiKey, start.apiVersion, start.correlationId, response);
  }

  /** DescribeQuorum from status(); only the leader answers (as Kafka), others say NOT_LEADER_OR_FOLLOWER. */
  describeQuorum(request: DescribeQuorumRequest): Init<DescribeQuorumResponse> {
    const topic = request.topics.length === 1 ? request.topics[0]! : undefined;
    const known = topic?.topicName === METADATA_TOPIC && topic.partitions.length === 1 && topic.partitions[0]!.partitionIndex === METADATA_PARTITION;
    const s = this.node.status();
    const errorCode = !known ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : s.role === Role.Leader ? ErrorCode.NONE : ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const ms = (t: number): bigint => (t < 0 ? -1n : BigInt(Math.floor(t)));
    const replicaStates = (replicas: readonly ReplicaStatus[]): DescribeQuorumResponse['topics'][number]['partitions'][number]['currentVoters'] =>
      errorCode !== ErrorCode.NONE ? [] : replicas.map((r) => ({
        replicaId: r.nodeId, replicaDirectoryId: ZERO_UUID, logEndOffset: r.endOffset,
        lastFetchTimestamp: ms(r.lastFetchTimestampMs), lastCaughtUpTimestamp: ms(r.lastCaughtUpTimestampMs),
      }));
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topics: [{
        topicName: METADATA_TOPIC,
        partitions: [{
          partitionIndex: METADATA_PARTITION, errorCode, errorMessage: null,
          leaderId: s.leaderId, leaderEpoch: s.epoch, highWatermark: errorCode === ErrorCode.NONE ? s.highWatermark : -1n,
          currentVoters: replicaStates(s.voters),
          observers: replicaStates(s.observers),
        }],
      }],
      nodes: this.options.voters.map((v) => ({ nodeId: v.id, listeners: [{ name: CONTROLLER_LISTENER, host: v.host, port: v.port }] })),
    };
  }

  // ---- shutdown ---------------------------------------------------------------------------------

  /**
   * Graceful shutdown: a leader resigns and waits (up to the request timeout) until every voter has
   * acknowledged EndQuorumEpoch, so the next election starts at once; then timers and sockets stop
   * and the log is flushed and closed.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (!this.stopped && this.others.length > 0 && this.node.status().role === Role.Leader) {
      this.endQuorumAcked.clear();
      this.enqueue((nowMs) => this.node.resign(nowMs));
      const deadline = this.now() + this.settings.requestTimeoutMs;
      while (!this.stopped && this.failure === null && this.endQuorumAcked.size < this.others.length && this.now() < deadline) await sleep(5);
    }
    this.stopping = true;
    await this.drain();
    if (this.stopped) return;
    this.stopTimersAndSockets();
    this.rejectAll(new NotLeaderError(null, 'this controller shut down'));
    this.stopped = true;
    await this.store.close();
    this.log(`raft ${this.options.nodeId}: closed`);
  }

  /**
   * A crash, for tests: timers and sockets stop at once, nothing more is written or fsynced, and
   * log bytes that were never fsynced are dropped (as a power loss would). Resolves once IO that was
   * already in progress has settled, so a restart from the same directory does not race it.
   */
  async kill(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    this.stopped = true;
    this.stopTimersAndSockets();
    this.store.kill();
    this.rejectAll(new NotLeaderError(null, 'this controller was killed'));
    await this.drain();
  }

  // ---- the loop ---------------------------------------------------------------------------------

  /** A monotonic clock in epoch-like milliseconds (DescribeQuorum reports its timestamps). */
  private now(): number {
    const t = Math.floor(performance.timeOrigin + performance.now());
    if (t > this.lastNowMs) this.lastNowMs = t;
    return this.lastNowMs;
  }

  private queueTick(): void {
    if (this.tickQueued || this.stopping) return;
    this.tickQueued = true;
    this.enqueue((nowMs) => {
      this.tickQueued = false;
      this.node.tick(nowMs);
      this.transport.expire(nowMs);
      this.expireInbound(nowMs);
    });
  }

  /** Queues an input; `onDropped` runs instead when the driver stops first, `onError` gets its exception. */
  private enqueue(run: Input, onDropped?: () => void, onError?: (err: Error) => void): void {
    if (this.stopping) {
      onDropped?.();
      return;
    }
    this.inputs.push({ run, ...(onDropped ? { onDropped } : {}), ...(onError ? { onError } : {}) });
    this.loop ??= this.run();
  }

  private async run(): Promise<void> {
    try {
      while (!this.stopped && this.inputs.length > 0) {
        const batch = this.inputs.splice(0, MAX_INPUTS_PER_READY);
        const nowMs = this.now();
        for (const input of batch) {
          if (this.stopped) {
            input.onDropped?.();
            continue;
          }
          if (!input.onError) {
            await input.run(nowMs);
            continue;
          }
          try {
            await input.run(nowMs);
          } catch (err) {
            input.onError(err as Error);
          }
        }
        while (!this.stopped && this.node.hasReady()) await this.execute(this.node.ready());
        this.sweepInbound();
      }
    } catch (err) {
      this.fail(err as Error);
    } finally {
      this.loop = null;
      if (this.stopped) this.dropInputs();
      else if (this.inputs.length > 0) this.loop = this.run();
    }
  }

  /** Executes one Ready in the documented order. */
  private async execute(ready: Ready): Promise<void> {
    if (ready.quorumState) {
      await this.quorumFile.write(ready.quorumState, this.voterIds);
      if (this.stopped) return;
    }
    if (ready.snapshotToInstall) {
      const s = ready.snapshotToInstall;
      const data = await this.store.installSnapshot(s);
      if (this.stopped) return;
      this.log(`raft ${this.options.nodeId}: installed snapshot ${s.endOffset}-${s.epoch} from the leader`);
      await this.options.onSnapshot?.({ endOffset: s.endOffset, epoch: s.epoch, data });
    }
    if (ready.truncateTo !== undefined) {
      await this.store.truncateTo(ready.truncateTo);
      if (this.stopped) return;
    }
    if (ready.append.length > 0) this.store.append(ready.append);
    for (const m of ready.send) this.dispatch(m);
    if (ready.roleChanged) this.onRoleChanged(ready.roleChanged);
    if (ready.committed.length > 0) await this.apply(ready.committed);
    if (this.stopped) return;
    const durableEnd = await this.store.flush();
    if (!this.stopped) this.node.flushed(durableEnd);
  }

  private dispatch(m: RaftMessage): void {
    if (isRaftRequest(m)) {
      this.transport.send(m, encodeRaftRequest(m, this.wire));
      return;
    }
    this.answerInbound(m.correlationId, encodeRaftResponse(m as RaftResponseMessage, this.wire));
  }

  private answerInbound(correlationId: number, body: object): void {
    const pending = this.inbound.get(correlationId);
    if (!pending) return;
    this.inbound.delete(correlationId);
    pending.resolve(body);
  }

  /** Requests raft stepped without answering (only parked fetches may wait) get an error. */
  private sweepInbound(): void {
    for (const [id, p] of this.inbound) {
      if (p.stepped && p.apiKey !== ApiKey.Fetch) this.answerInbound(id, topLevelError(p.apiKey, ErrorCode.UNKNOWN_SERVER_ERROR));
    }
  }

  /** Safety net: a parked fetch raft dropped without an answer times out here. */
  private expireInbound(nowMs: number): void {
    for (const [id, p] of this.inbound) if (p.stepped && nowMs >= p.deadlineMs) this.answerInbound(id, topLevelError(p.apiKey, ErrorCode.REQUEST_TIMED_OUT));
  }

  private onRoleChanged(change: { role: Role; epoch: number; leaderId: number }): void {
    this.log(`raft ${this.options.nodeId}: ${change.role} in epoch ${change.epoch}${change.leaderId >= 0 ? `, leader ${change.leaderId}` : ''}`);
    const leaderId = change.leaderId >= 0 ? change.leaderId : null;
    if (change.role !== Role.Leader) {
      const error = new NotLeaderError(leaderId === this.options.nodeId ? null : leaderId, 'leadership was lost before the proposal committed');
      for (const p of this.proposals.splice(0)) p.reject(error);
      this.answerParkedFetches(change);
    }
    if (change.leaderId !== this.leader.leaderId || change.epoch !== this.leader.epoch) {
      this.leader = { leaderId: change.leaderId, epoch: change.epoch };
      this.options.onLeaderChange?.(leaderId, change.epoch);
    }
  }

  /** Raft drops parked fetches when it stops leading (only a leader parks): answer them with the new state. */
  private answerParkedFetches(change: { epoch: number; leaderId: number }): void {
    for (const [id, p] of this.inbound) {
      if (!p.stepped || p.apiKey !== ApiKey.Fetch) continue;
      this.answerInbound(id, encodeRaftResponse({
        type: 'FetchResponse', from: this.options.nodeId, to: -1, correlationId: id, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER,
        highWatermark: -1n, logStartOffset: -1n, divergingEpoch: null, snapshotId: null, records: [],
        currentLeader: { leaderId: change.leaderId, leaderEpoch: change.epoch },
      }, this.wire));
    }
  }

  private async apply(committed: readonly LogEntry[]): Promise<void> {
    const data: CommittedEntry[] = [];
    for (const e of committed) if (!e.control) data.push({ offset: e.offset, epoch: e.epoch, data: e.data });
    if (data.length > 0) await this.options.onCommitted(data);
    const first = committed[0]!.offset;
    const last = committed.at(-1)!;
    this.appliedEpoch = last.epoch;
    while (this.proposals.length > 0 && this.proposals[0]!.offset <= last.offset) {
      const p = this.proposals.shift()!;
      const entry = p.offset >= first ? committed[Number(p.offset - first)] : undefined;
      if (entry && entry.epoch !== p.epoch) p.reject(new NotLeaderError(this.leaderOrNull(), 'the proposal was replaced by another leader'));
      else p.resolve(p.offset);
    }
  }

  private onPeerResponse(request: RaftRequestMessage, body: unknown, errorCode?: number): void {
    if (this.stopping && this.stopped) return;
    const previous = this.responseChains.get(request.to) ?? Promise.resolve();
    const next = previous.then(async () => {
      let reply: RaftResponseMessage | null;
      if (errorCode !== undefined) {
        reply = errorReply(request, errorCode);
      } else {
        try {
          reply = await decodeRaftResponse(request, body, (entry, batch) => this.store.remember(entry, batch));
        } catch (err) {
          this.log(`raft ${this.options.nodeId}: unreadable ${request.type} response from node ${request.to}: ${(err as Error).message}`);
          reply = errorReply(request, ErrorCode.CORRUPT_MESSAGE);
        }
      }
      if (!reply) return;
      if (reply.type === 'EndQuorumEpochResponse' && reply.errorCode === ErrorCode.NONE) this.endQuorumAcked.add(request.to);
      const message = reply;
      this.enqueue((nowMs) => this.node.step(nowMs, message));
    });
    this.responseChains.set(request.to, next);
    void next.finally(() => {
      if (this.responseChains.get(request.to) === next) this.responseChains.delete(request.to);
    });
  }

  private apiVersions(frame: Buffer): Buffer[] {
    const start = peekRequestHeader(frame);
    const quorumKeys = new Set(QUORUM_API_RANGES.map((r) => r.apiKey));
    const extra = (this.options.controllerApis?.apiVersions() ?? []).filter((r) => !quorumKeys.has(r.apiKey) && r.apiKey !== ApiKey.ApiVersions);
    const apiKeys = [...QUORUM_API_RANGES, ...extra, { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: API_VERSIONS_MAX_VERSION }].sort((a, b) => a.apiKey - b.apiKey);
    if (start.apiVersion > API_VERSIONS_MAX_VERSION) {
      return encodeResponseFrame(ApiVersionsResponse, ApiKey.ApiVersions, 0, start.correlationId, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys });
    }
    return encodeResponseFrame(ApiVersionsResponse, ApiKey.ApiVersions, start.apiVersion, start.correlationId, { errorCode: ErrorCode.NONE, apiKeys });
  }

  private leaderOrNull(): number | null {
    const id = this.node.status().leaderId;
    return id >= 0 ? id : null;
  }

  private stopTimersAndSockets(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.transport.close();
    this.server?.close();
    for (const id of [...this.inbound.keys()]) this.answerInbound(id, topLevelError(this.inbound.get(id)!.apiKey, ErrorCode.BROKER_NOT_AVAILABLE));
  }

  private rejectAll(error: Error): void {
    for (const p of this.proposals.splice(0)) p.reject(error);
    this.dropInputs();
  }

  private dropInputs(): void {
    for (const input of this.inputs.splice(0)) input.onDropped?.();
  }

  /** Waits until the loop is idle. */
  private async drain(): Promise<void> {
    while (this.loop) await this.loop;
  }

  /** An IO or state-machine failure: the voter stops (as Kafka halts on a metadata log error). */
  private fail(err: Error): void {
    if (this.stopped) return;
    this.failure = err;
    this.log(`raft ${this.options.nodeId}: stopping after a failure: ${err.stack ?? err.message}`);
    this.stopping = true;
    this.stopped = true;
    this.stopTimersAndSockets();
    this.store.kill();
    this.rejectAll(err);
  }
}

function resolveSettings(options: RaftDriverOptions): typeof QUORUM_DEFAULTS {
  const s = { ...QUORUM_DEFAULTS };
  for (const key of Object.keys(s) as (keyof typeof QUORUM_DEFAULTS)[]) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < (key === 'electionBackoffMaxMs' ? 0 : 1)) throw new Error(`${key} must be a positive integer, got ${value}.`);
    (s as Record<string, number>)[key] = value;
  }
  return s;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
