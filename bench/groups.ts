/**
 * Consumer-group load generator, forked by run.ts (`--only groups`) like load-generator.ts: the
 * task arrives over IPC and the result goes back the same way, so the generator competes for the
 * machine's cores with the broker as a real set of consumers on the same host would.
 *
 * Every member is a hand-made classic consumer on its own TCP connection: FindCoordinator v4,
 * JoinGroup v7 with the KIP-394 MEMBER_ID_REQUIRED handshake, protocol type `consumer`, protocol
 * `range` whose metadata is a real ConsumerProtocolSubscription v3, SyncGroup v5 (the leader
 * decodes every member's subscription and assigns the partitions round-robin, sorted by member
 * id), Heartbeat v4 every `heartbeatIntervalMs` once synced, and a rejoin when a heartbeat (or a
 * sync) answers REBALANCE_IN_PROGRESS, as the Java consumer does.
 *
 * - rebalance: per round, a fresh group of N members joins at once (connections opened first,
 *   not timed); time from the first JoinGroup sent to the last SyncGroup response of the
 *   generation that holds all N members. Then one more member joins the stable group; time until
 *   all N+1 have an assignment of a new generation. Members leave (LeaveGroup) between rounds.
 * - commit: one group of N members (N connections), all joined and synced, then each member
 *   commits its assigned partitions with OffsetCommit v8 in a loop, one request in flight per
 *   member, for warm-up + measured seconds; heartbeats go on meanwhile on the same connections.
 *
 * Standalone use: `node dist/bench/groups.js '<task JSON>'` prints the result as JSON.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { ErrorCode } from '../src/common/errors.js';
import { Reader, Writer, decodeResponseFrame, encodeRequestFrame, type Init, type MessageCodec } from '../src/protocol/index.js';
import { ConsumerProtocolAssignment } from '../src/protocol/generated/consumer-protocol-assignment.js';
import { ConsumerProtocolSubscription } from '../src/protocol/generated/consumer-protocol-subscription.js';
import { FindCoordinatorRequest } from '../src/protocol/generated/find-coordinator-request.js';
import { FindCoordinatorResponse } from '../src/protocol/generated/find-coordinator-response.js';
import { HeartbeatRequest } from '../src/protocol/generated/heartbeat-request.js';
import { HeartbeatResponse } from '../src/protocol/generated/heartbeat-response.js';
import { JoinGroupRequest } from '../src/protocol/generated/join-group-request.js';
import { JoinGroupResponse, type JoinGroupResponseMember } from '../src/protocol/generated/join-group-response.js';
import { LeaveGroupRequest } from '../src/protocol/generated/leave-group-request.js';
import { LeaveGroupResponse } from '../src/protocol/generated/leave-group-response.js';
import { OffsetCommitRequest } from '../src/protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../src/protocol/generated/offset-commit-response.js';
import { OffsetFetchRequest } from '../src/protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../src/protocol/generated/offset-fetch-response.js';
import { SyncGroupRequest } from '../src/protocol/generated/sync-group-request.js';
import { SyncGroupResponse } from '../src/protocol/generated/sync-group-response.js';
import {
  FrameReader,
  delay,
  monotonicUs,
  withTimeout,
  type CommitResult,
  type CommitTask,
  type GeneratorMessage,
  type GroupMemberSettings,
  type RebalanceResult,
  type RebalanceRound,
  type RebalanceTask,
} from './common.js';

const CLIENT_ID = 'samsa-bench-groups';
const VERSIONS = { findCoordinator: 4, joinGroup: 7, syncGroup: 5, heartbeat: 4, leaveGroup: 4, offsetCommit: 8, offsetFetch: 8 } as const;
const CONSUMER_PROTOCOL_VERSION = 3;
const PROTOCOL_NAME = 'range';
const CONNECT_TIMEOUT_MS = 5_000;
/** Bound on requests that do not park (everything but JoinGroup and a follower's SyncGroup). */
const REQUEST_TIMEOUT_MS = 30_000;
/** Responses are small; anything larger is a protocol error. */
const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
/** Requests one connection may have outstanding: a commit, a heartbeat, a leave at most. */
const MAX_IN_FLIGHT_PER_CONNECTION = 4;
/** JoinGroup/SyncGroup attempts of one rejoin before the member gives up. */
const MAX_JOIN_ATTEMPTS = 30;
/** Rejoins of one member over a whole task. */
const MAX_REJOINS_PER_MEMBER = 200;
/** Latency samples kept (measured window); more are dropped from the percentiles, never from the counts. */
const MAX_LATENCY_SAMPLES = 4_000_000;
/** Errors that mean "the coordinator is not ready yet" (just created, loading): retry after a pause. */
const COORDINATOR_NOT_READY: ReadonlySet<number> = new Set([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);
const COORDINATOR_RETRY_MS = 100;
const FIND_COORDINATOR_ATTEMPTS = 100;
/** Rounds run before the recorded ones (creates __consumer_offsets, warms the broker's JIT). */
const WARMUP_ROUNDS = 1;
/** Commit requests of one task, whatever the time limits say. */
const MAX_COMMITS_PER_TASK = 50_000_000;

/** Counts unexpected broker error codes by API and code. */
class ErrorTally {
  readonly counts: Record<string, number> = {};
  add(api: string, errorCode: number): void {
    const key = `${api} ${errorCode}`;
    this.counts[key] = (this.counts[key] ?? 0) + 1;
  }
}

/**
 * One Kafka connection with several requests in flight, answered by correlation id (the broker
 * answers in order, but matching by id also catches a broker that does not).
 */
class KafkaConnection {
  private readonly reader = new FrameReader(MAX_RESPONSE_BYTES);
  private readonly waiting = new Map<number, { onFrame: (frame: Buffer) => void; fail: (error: Error) => void }>();
  private nextCorrelationId = 1;
  private error: Error | null = null;

  private constructor(private readonly socket: Socket, readonly name: string) {
    socket.on('data', (data: Buffer) => {
      try {
        this.reader.push(data, (frame) => {
          const correlationId = frame.readInt32BE(0);
          const waiter = this.waiting.get(correlationId);
          if (!waiter) throw new Error(`${name}: response for unknown correlation id ${correlationId}`);
          this.waiting.delete(correlationId);
          waiter.onFrame(frame);
        });
      } catch (error) {
        this.failAll(error as Error);
      }
    });
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error(`${name}: the broker closed the connection`)));
  }

  static async open(host: string, port: number, name: string): Promise<KafkaConnection> {
    const socket = connect({ host, port, noDelay: true });
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        socket.once('connect', () => resolve());
        socket.once('error', reject);
      }),
      CONNECT_TIMEOUT_MS,
      `${name}: cannot connect to ${host}:${port}`,
    );
    return new KafkaConnection(socket, name);
  }

  private failAll(error: Error): void {
    this.error ??= error;
    const waiters = [...this.waiting.values()];
    this.waiting.clear();
    for (const w of waiters) w.fail(error);
  }

  /** Sends one request; resolves with the decoded response body, rejects after `timeoutMs`. */
  request<Req, Res>(requestCodec: MessageCodec<Req>, responseCodec: MessageCodec<Res>, version: number, body: Init<Req>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Res> {
    if (this.error) return Promise.reject(this.error);
    assert(this.waiting.size < MAX_IN_FLIGHT_PER_CONNECTION, `${this.name}: ${this.waiting.size} requests already in flight`);
    const correlationId = this.nextCorrelationId++;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(correlationId);
        reject(new Error(`${this.name}: no ${requestCodec.name} response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(correlationId, {
        onFrame: (frame) => {
          clearTimeout(timer);
          try {
            resolve(decodeResponseFrame(responseCodec, version, frame).body);
          } catch (error) {
            reject(error as Error);
          }
        },
        fail: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      const chunks = encodeRequestFrame(requestCodec, version, correlationId, CLIENT_ID, body);
      this.socket.cork();
      for (const chunk of chunks) this.socket.write(chunk);
      this.socket.uncork();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A consumer-protocol payload: int16 version, then the struct. */
function encodeVersioned<T>(codec: MessageCodec<T>, message: Init<T>, version: number): Buffer {
  const w = new Writer(128);
  w.int16(version);
  codec.encode(w, message, version);
  return w.toBuffer();
}

function decodeVersioned<T>(codec: MessageCodec<T>, data: Buffer): T {
  const r = new Reader(data);
  const version = Math.min(r.int16(), CONSUMER_PROTOCOL_VERSION);
  return codec.decode(r, version);
}

/** The leader's assignment: every member's subscription decoded, partitions dealt round-robin in member-id order. */
function assignRoundRobin(members: readonly JoinGroupResponseMember[], topic: string, partitions: number): { memberId: string; assignment: Buffer }[] {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const owned = new Map<string, number[]>(sorted.map((m) => [m.memberId, []]));
  for (const m of sorted) {
    const subscription = decodeVersioned(ConsumerProtocolSubscription, m.metadata);
    if (!subscription.topics.includes(topic)) throw new Error(`member ${m.memberId} subscribes to ${subscription.topics.join(',')}, not ${topic}`);
  }
  for (let p = 0; p < partitions; p++) owned.get(sorted[p % sorted.length]!.memberId)!.push(p);
  return sorted.map((m) => ({
    memberId: m.memberId,
    assignment: encodeVersioned(ConsumerProtocolAssignment, { assignedPartitions: [{ topic, partitions: owned.get(m.memberId)! }], userData: null }, CONSUMER_PROTOCOL_VERSION),
  }));
}

/** What a member reports to its task. */
interface MemberEvents {
  /** A SyncGroup answered with this member's assignment. */
  onAssigned(member: GroupMember): void;
  /** A heartbeat said REBALANCE_IN_PROGRESS (the member is about to rejoin). */
  onRebalanceSignal(member: GroupMember): void;
  /** The member cannot go on (the task fails). */
  onFailure(error: Error): void;
}

/** A classic consumer-group member on its own connection. */
class GroupMember {
  memberId = '';
  generationId = -1;
  /** Generation of the last successful SyncGroup, and what it assigned. */
  syncedGeneration = -1;
  assignment: number[] = [];
  assignedAtMs = 0;
  /** When the member's latest rejoin started (its first JoinGroup of that rejoin was sent). */
  rejoinStartedMs = 0;
  /** Members of the generation, as the leader saw them (0 for followers). */
  leaderSawMembers = 0;
  joinRequests = 0;
  heartbeats = 0;
  private rejoins = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  private joining: Promise<void> | null = null;
  private stopped = false;

  constructor(
    readonly conn: KafkaConnection,
    private readonly groupId: string,
    private readonly settings: GroupMemberSettings,
    private readonly events: MemberEvents,
    private readonly errors: ErrorTally,
    private readonly clock: () => number,
  ) {}

  /** Starts a rejoin unless one is running; failures go to `onFailure`. */
  rejoin(): void {
    if (this.stopped || this.joining) return;
    this.stopHeartbeats();
    this.joining = this.joinAndSync()
      .catch((error: Error) => this.events.onFailure(error))
      .finally(() => (this.joining = null));
  }

  private subscription(): Buffer {
    return encodeVersioned(
      ConsumerProtocolSubscription,
      {
        topics: [this.settings.topic],
        userData: null,
        ownedPartitions: this.assignment.length > 0 ? [{ topic: this.settings.topic, partitions: this.assignment }] : [],
        generationId: this.syncedGeneration,
        rackId: null,
      },
      CONSUMER_PROTOCOL_VERSION,
    );
  }

  private async joinAndSync(): Promise<void> {
    if (++this.rejoins > MAX_REJOINS_PER_MEMBER) throw new Error(`member ${this.memberId} rejoined more than ${MAX_REJOINS_PER_MEMBER} times`);
    this.rejoinStartedMs = this.clock();
    const parkTimeoutMs = this.settings.rebalanceTimeoutMs + 10_000;
    for (let attempt = 0; attempt < MAX_JOIN_ATTEMPTS && !this.stopped; attempt++) {
      this.joinRequests++;
      const join = await this.conn.request(JoinGroupRequest, JoinGroupResponse, VERSIONS.joinGroup, {
        groupId: this.groupId,
        sessionTimeoutMs: this.settings.sessionTimeoutMs,
        rebalanceTimeoutMs: this.settings.rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: PROTOCOL_NAME, metadata: this.subscription() }],
        reason: null,
      }, parkTimeoutMs);
      if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
        this.memberId = join.memberId;
        continue;
      }
      if (join.errorCode !== ErrorCode.NONE) {
        this.errors.add('JoinGroup', join.errorCode);
        if (join.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        if (join.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || join.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) continue;
        if (COORDINATOR_NOT_READY.has(join.errorCode)) {
          await delay(COORDINATOR_RETRY_MS);
          continue;
        }
        throw new Error(`JoinGroup ${this.groupId} failed with error ${join.errorCode}`);
      }
      assert.equal(join.protocolName, PROTOCOL_NAME);
      this.memberId = join.memberId;
      this.generationId = join.generationId;
      const isLeader = join.leader === join.memberId;
      this.leaderSawMembers = isLeader ? join.members.length : 0;
      const sync = await this.conn.request(SyncGroupRequest, SyncGroupResponse, VERSIONS.syncGroup, {
        groupId: this.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: PROTOCOL_NAME,
        assignments: isLeader ? assignRoundRobin(join.members, this.settings.topic, this.settings.partitions) : [],
      }, parkTimeoutMs);
      if (sync.errorCode !== ErrorCode.NONE) {
        this.errors.add('SyncGroup', sync.errorCode);
        if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        if (sync.errorCode === ErrorCode.UNKNOWN_MEMBER_ID || sync.errorCode === ErrorCode.REBALANCE_IN_PROGRESS || sync.errorCode === ErrorCode.ILLEGAL_GENERATION) continue;
        throw new Error(`SyncGroup ${this.groupId} failed with error ${sync.errorCode}`);
      }
      const assigned = decodeVersioned(ConsumerProtocolAssignment, sync.assignment);
      this.assignment = assigned.assignedPartitions.filter((t) => t.topic === this.settings.topic).flatMap((t) => t.partitions);
      this.syncedGeneration = this.generationId;
      this.assignedAtMs = this.clock();
      this.startHeartbeats();
      this.events.onAssigned(this);
      return;
    }
    if (!this.stopped) throw new Error(`member ${this.memberId || '(new)'} of ${this.groupId} not in a generation after ${MAX_JOIN_ATTEMPTS} JoinGroup/SyncGroup attempts`);
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    if (this.stopped) return;
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.settings.heartbeatIntervalMs);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.joining || this.stopped) return;
    this.heartbeatInFlight = true;
    try {
      const generationId = this.generationId;
      const response = await this.conn.request(HeartbeatRequest, HeartbeatResponse, VERSIONS.heartbeat, {
        groupId: this.groupId,
        generationId,
        memberId: this.memberId,
        groupInstanceId: null,
      });
      if (this.stopped || this.joining || generationId !== this.generationId) return;
      this.heartbeats++;
      if (response.errorCode === ErrorCode.NONE) return;
      if (response.errorCode === ErrorCode.REBALANCE_IN_PROGRESS) {
        this.events.onRebalanceSignal(this);
      } else {
        this.errors.add('Heartbeat', response.errorCode);
        if (response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.memberId = '';
        else if (response.errorCode !== ErrorCode.ILLEGAL_GENERATION) throw new Error(`Heartbeat ${this.groupId} failed with error ${response.errorCode}`);
      }
      this.rejoin();
    } catch (error) {
      if (!this.stopped) this.events.onFailure(error as Error);
    } finally {
      this.heartbeatInFlight = false;
    }
  }

  /** Stops heartbeats and rejoins; in-flight requests are left to finish or fail. */
  stop(): void {
    this.stopped = true;
    this.stopHeartbeats();
  }
}

/** Opens `count` member connections (not timed) after finding the group's coordinator. */
async function openMembers(settings: GroupMemberSettings, groupId: string, count: number, events: MemberEvents, errors: ErrorTally, clock: () => number): Promise<GroupMember[]> {
  const probe = await KafkaConnection.open(settings.host, settings.port, 'find-coordinator');
  let host = '';
  let port = 0;
  try {
    // The first lookup creates __consumer_offsets; bounded retries until the coordinator is ready.
    for (let attempt = 0; port === 0; attempt++) {
      const found = await probe.request(FindCoordinatorRequest, FindCoordinatorResponse, VERSIONS.findCoordinator, { keyType: 0, coordinatorKeys: [groupId] });
      const c = found.coordinators[0];
      if (c && c.errorCode === ErrorCode.NONE) {
        host = c.host;
        port = c.port;
      } else if (c && COORDINATOR_NOT_READY.has(c.errorCode) && attempt < FIND_COORDINATOR_ATTEMPTS) {
        await delay(COORDINATOR_RETRY_MS);
      } else {
        throw new Error(`FindCoordinator ${groupId}: error ${c?.errorCode} ${c?.errorMessage ?? ''}`);
      }
    }
  } finally {
    probe.close();
  }
  const conns = await Promise.all(Array.from({ length: count }, (_, i) => KafkaConnection.open(host, port, `${groupId} member ${i}`)));
  return conns.map((conn) => new GroupMember(conn, groupId, { ...settings, host, port }, events, errors, clock));
}

/** Asks the coordinator to remove all `members` at once (LeaveGroup v3+ batch), then closes their connections. */
async function leaveAndClose(groupId: string, members: readonly GroupMember[], errors: ErrorTally): Promise<void> {
  for (const m of members) m.stop();
  const joined = members.filter((m) => m.memberId !== '');
  try {
    if (joined.length > 0) {
      const response = await joined[0]!.conn.request(LeaveGroupRequest, LeaveGroupResponse, VERSIONS.leaveGroup, {
        groupId,
        members: joined.map((m) => ({ memberId: m.memberId, groupInstanceId: null })),
      });
      if (response.errorCode !== ErrorCode.NONE) errors.add('LeaveGroup', response.errorCode);
      for (const m of response.members) if (m.errorCode !== ErrorCode.NONE) errors.add('LeaveGroup member', m.errorCode);
    }
  } finally {
    for (const m of members) m.conn.close();
  }
}

/**
 * Resolves when every member holds an assignment of one generation newer than `afterGeneration`
 * and the assignments together are exactly the topic's partitions; rejects on a member failure.
 */
class Convergence {
  readonly done: Promise<{ generation: number; atMs: number }>;
  private resolve!: (value: { generation: number; atMs: number }) => void;
  private reject!: (error: Error) => void;
  private settled = false;

  constructor(private readonly members: () => readonly GroupMember[], private readonly partitions: number, private readonly afterGeneration: number) {
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.done.catch(() => undefined); // observed by the caller; avoids an unhandled rejection if it gave up first
  }

  check(): void {
    if (this.settled) return;
    const members = this.members();
    const generation = members[0]?.syncedGeneration ?? -1;
    if (generation <= this.afterGeneration || !members.every((m) => m.syncedGeneration === generation)) return;
    const owned = members.flatMap((m) => m.assignment);
    if (owned.length !== this.partitions || new Set(owned).size !== this.partitions) {
      return this.fail(new Error(`generation ${generation}: members own ${owned.length} partitions (${new Set(owned).size} distinct), the topic has ${this.partitions}`));
    }
    this.settled = true;
    this.resolve({ generation, atMs: Math.max(...members.map((m) => m.assignedAtMs)) });
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.reject(error);
  }
}

function report(message: GeneratorMessage<RebalanceResult | CommitResult>): void {
  if (process.send) process.send(message);
}

async function runRebalance(task: RebalanceTask): Promise<RebalanceResult> {
  const errors = new ErrorTally();
  const clock = (): number => performance.now();
  const rounds: RebalanceRound[] = [];
  const suffix = `${process.pid}-${Date.now()}`;
  let cpuStart = process.cpuUsage();
  let startedMs = clock();
  for (let round = -WARMUP_ROUNDS; round < task.rounds; round++) {
    if (round === 0) {
      report({ type: 'measure-start', atUs: monotonicUs() });
      cpuStart = process.cpuUsage();
      startedMs = clock();
    }
    const groupId = `bench-rebalance-${suffix}-${round < 0 ? `warmup${-round}` : round}`;
    let convergence: Convergence | null = null;
    let members: GroupMember[] = [];
    let lastSignalMs = 0;
    let joinFailure: Error | null = null;
    const events: MemberEvents = {
      onAssigned: () => convergence?.check(),
      onRebalanceSignal: () => (lastSignalMs = clock()),
      onFailure: (error) => {
        joinFailure ??= error;
        convergence?.fail(error);
      },
    };
    const all = await openMembers(task, groupId, task.members + 1, events, errors, clock);
    const extra = all[task.members]!;
    try {
      // 1. N members join at once.
      members = all.slice(0, task.members);
      convergence = new Convergence(() => members, task.partitions, 0);
      const joinStartMs = clock();
      for (const m of members) m.rejoin();
      const first = await withTimeout(convergence.done, task.roundTimeLimitMs, `round ${round + 1}: ${task.members} members did not converge`);
      const leader = members.find((m) => m.leaderSawMembers > 0);
      assert.equal(leader?.leaderSawMembers, task.members, `the leader of generation ${first.generation} saw ${leader?.leaderSawMembers} members`);
      const joinAllMs = first.atMs - joinStartMs;
      const joinRequests = members.reduce((sum, m) => sum + m.joinRequests, 0);

      // 2. One more member joins the stable group at a random point of the members' heartbeat
      //    cycle (they synced together, so their heartbeats are in phase, as Java consumers' are);
      //    the others learn of the rebalance from their next heartbeat.
      await delay(task.heartbeatIntervalMs * (1 + Math.random()));
      if (joinFailure) throw joinFailure;
      members = all;
      lastSignalMs = 0;
      convergence = new Convergence(() => members, task.partitions, first.generation);
      const addStartMs = clock();
      extra.rejoin();
      const second = await withTimeout(convergence.done, task.roundTimeLimitMs, `round ${round + 1}: ${task.members + 1} members did not converge after one joined`);
      const lastRejoinMs = Math.max(...all.map((m) => m.rejoinStartedMs));
      if (round >= 0) rounds.push({
        joinAllMs,
        joinGenerations: first.generation,
        joinRequests,
        addMemberMs: second.atMs - addStartMs,
        addMemberDiscoveryMs: lastSignalMs > 0 ? lastSignalMs - addStartMs : 0,
        addMemberAfterLastRejoinMs: second.atMs - lastRejoinMs,
        addMemberGenerations: second.generation - first.generation,
      });
    } finally {
      await leaveAndClose(groupId, all, errors);
    }
  }
  const elapsedMs = clock() - startedMs;
  const cpu = process.cpuUsage(cpuStart);
  report({ type: 'measure-end', atUs: monotonicUs() });
  return { kind: 'rebalance', target: 'samsa', rounds, generatorCpuPercent: ((cpu.user + cpu.system) / 1000 / elapsedMs) * 100, errors: errors.counts };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function runCommit(task: CommitTask): Promise<CommitResult> {
  const errors = new ErrorTally();
  const clock = (): number => performance.now();
  const groupId = `bench-commit-${process.pid}-${Date.now()}`;
  let failure: Error | null = null;
  const convergence: { current: Convergence | null } = { current: null };
  const events: MemberEvents = {
    onAssigned: () => convergence.current?.check(),
    onRebalanceSignal: () => errors.add('Heartbeat', ErrorCode.REBALANCE_IN_PROGRESS),
    onFailure: (error) => {
      failure ??= error;
      convergence.current?.fail(error);
    },
  };
  const members = await openMembers(task, groupId, task.members, events, errors, clock);
  try {
    // Form the group (not measured): all members joined and synced in one generation.
    convergence.current = new Convergence(() => members, task.partitions, 0);
    const joinStartMs = clock();
    for (const m of members) m.rejoin();
    const formed = await withTimeout(convergence.current.done, task.joinTimeLimitMs, `${task.members} members did not form one generation`);
    const joinMs = formed.atMs - joinStartMs;
    const partitionCounts = members.map((m) => m.assignment.length);
    const formErrors = { ...errors.counts };
    for (const key of Object.keys(errors.counts)) delete errors.counts[key];

    // Commit loop: one OffsetCommit in flight per member.
    const latencies = new Float64Array(Math.min(MAX_LATENCY_SAMPLES, 1_000_000));
    let latencyCount = 0;
    let latencySumMs = 0;
    let latencyMaxMs = 0;
    let phase: 'warmup' | 'measure' | 'done' = task.warmupMs > 0 ? 'warmup' : 'measure';
    let measureStartMs = clock();
    let measureEndMs = measureStartMs;
    let cpuStart = process.cpuUsage();
    let generatorCpuMs = 0;
    let measuredRequests = 0;
    let measuredOffsets = 0;
    let totalCommits = 0;
    const acknowledged = new Map<number, bigint>();
    const startMeasuring = (): void => {
      phase = 'measure';
      measureStartMs = clock();
      cpuStart = process.cpuUsage();
      report({ type: 'measure-start', atUs: monotonicUs() });
    };
    const stopMeasuring = (): void => {
      if (phase === 'done') return;
      if (phase === 'warmup') startMeasuring();
      phase = 'done';
      measureEndMs = clock();
      const cpu = process.cpuUsage(cpuStart);
      generatorCpuMs = (cpu.user + cpu.system) / 1000;
      report({ type: 'measure-end', atUs: monotonicUs() });
    };
    let samples = latencies;
    const commitLoop = async (member: GroupMember): Promise<void> => {
      let offset = 0n;
      while (phase !== 'done' && failure === null && totalCommits < MAX_COMMITS_PER_TASK) {
        offset += 1n;
        totalCommits++;
        const sentMs = clock();
        const response = await member.conn.request(OffsetCommitRequest, OffsetCommitResponse, VERSIONS.offsetCommit, {
          groupId,
          generationIdOrMemberEpoch: member.generationId,
          memberId: member.memberId,
          groupInstanceId: null,
          topics: [{ name: task.topic, partitions: member.assignment.map((partitionIndex) => ({ partitionIndex, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: '' })) }],
        });
        const latencyMs = clock() - sentMs;
        let ok = true;
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== ErrorCode.NONE) {
              ok = false;
              errors.add('OffsetCommit', p.errorCode);
            } else acknowledged.set(p.partitionIndex, offset);
          }
        }
        if (phase !== 'measure' || !ok) continue;
        measuredRequests++;
        measuredOffsets += member.assignment.length;
        latencySumMs += latencyMs;
        if (latencyMs > latencyMaxMs) latencyMaxMs = latencyMs;
        if (latencyCount < samples.length) samples[latencyCount++] = latencyMs;
        else if (samples.length < MAX_LATENCY_SAMPLES) {
          const grown = new Float64Array(Math.min(MAX_LATENCY_SAMPLES, samples.length * 2));
          grown.set(samples);
          samples = grown;
          samples[latencyCount++] = latencyMs;
        }
      }
    };
    const warmupTimer = task.warmupMs > 0 ? setTimeout(() => phase === 'warmup' && startMeasuring(), task.warmupMs) : null;
    if (phase === 'measure') startMeasuring();
    const endTimer = setTimeout(stopMeasuring, task.warmupMs + task.measureMs);
    try {
      await withTimeout(Promise.all(members.map(commitLoop)), task.warmupMs + task.measureMs + REQUEST_TIMEOUT_MS, 'the commit loops did not end');
    } finally {
      if (warmupTimer) clearTimeout(warmupTimer);
      clearTimeout(endTimer);
      stopMeasuring();
    }
    if (failure) throw failure;

    // Read the committed offsets back: each must be the last one acknowledged.
    const fetched = await members[0]!.conn.request(OffsetFetchRequest, OffsetFetchResponse, VERSIONS.offsetFetch, {
      groups: [{ groupId, memberId: null, memberEpoch: -1, topics: [{ name: task.topic, partitionIndexes: Array.from({ length: task.partitions }, (_, i) => i) }] }],
      requireStable: false,
    });
    let verifiedOffsets = 0;
    for (const t of fetched.groups[0]?.topics ?? []) {
      for (const p of t.partitions) {
        const expected = acknowledged.get(p.partitionIndex);
        if (expected !== undefined && p.committedOffset === expected) verifiedOffsets++;
        else throw new Error(`OffsetFetch: partition ${p.partitionIndex} has offset ${p.committedOffset}, the last acknowledged commit was ${expected}`);
      }
    }

    const sorted = samples.slice(0, latencyCount).sort();
    const measuredMs = measureEndMs - measureStartMs;
    return {
      kind: 'commit',
      target: 'samsa',
      members: task.members,
      connections: members.length,
      minPartitionsPerMember: Math.min(...partitionCounts),
      maxPartitionsPerMember: Math.max(...partitionCounts),
      joinMs,
      joinGenerations: formed.generation,
      measuredMs,
      measuredRequests,
      measuredOffsets,
      requestsPerSec: measuredRequests / (measuredMs / 1000),
      offsetsPerSec: measuredOffsets / (measuredMs / 1000),
      latencyMs: { p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: latencyMaxMs, mean: measuredRequests > 0 ? latencySumMs / measuredRequests : 0 },
      heartbeats: members.reduce((sum, m) => sum + m.heartbeats, 0),
      verifiedOffsets,
      formErrors,
      errors: errors.counts,
      generatorCpuPercent: (generatorCpuMs / measuredMs) * 100,
    };
  } finally {
    await leaveAndClose(groupId, members, errors).catch(() => undefined);
  }
}

/** Runs one task. */
export function runGroupTask(task: RebalanceTask | CommitTask): Promise<RebalanceResult | CommitResult> {
  return task.kind === 'rebalance' ? runRebalance(task) : runCommit(task);
}

async function main(): Promise<void> {
  if (process.send) {
    process.once('message', (task: RebalanceTask | CommitTask) => {
      const finish = (message: GeneratorMessage<RebalanceResult | CommitResult>): void => {
        process.send!(message, () => process.exit(0));
      };
      runGroupTask(task).then(
        (result) => finish({ type: 'result', result }),
        (error: Error) => finish({ type: 'error', message: error.stack ?? error.message }),
      );
    });
    return;
  }
  const json = process.argv[2];
  if (!json) {
    process.stderr.write("Usage: node dist/bench/groups.js '<task JSON>' (normally forked by run.js --only groups)\n");
    process.exitCode = 2;
    return;
  }
  const result = await runGroupTask(JSON.parse(json) as RebalanceTask | CommitTask);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
