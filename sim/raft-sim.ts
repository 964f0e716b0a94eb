// Deterministic simulation of a KRaft quorum (after Kafka's RaftEventSimulationTest and
// TigerBeetle's VOPR): every voter and observer is a pure RaftNode; one seeded PRNG drives a scheduler (a binary
// heap by (time, seq)) that delivers messages, fires ticks, flushes storage and injects faults.
// A run is a pure function of (seed, options). Invariants are checked after every event.
import { assert } from '../src/common/index.js';
import {
  EMPTY_QUORUM_STATE,
  RaftNode,
  Role,
  type LogEntry,
  type QuorumState,
  type RaftConfig,
  type RaftMessage,
  type Ready,
  type Snapshot,
} from '../src/raft/index.js';

/** mulberry32: a small seeded PRNG returning [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Kafka's Raft simulation constants (reliability-scenarios §4.1) plus the harness's own knobs. */
export interface SimOptions {
  seed: number;
  voters: number;
  /** Non-voters following the log (ids after the voters'). */
  observers: number;
  electionTimeoutMs: number;
  electionJitterMs: number;
  fetchTimeoutMs: number;
  requestTimeoutMs: number;
  retryBackoffMs: number;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  tickIntervalMs: number;
  /** Largest delay before pending log writes become durable. */
  flushMaxDelayMs: number;
  /** Normal one-way network delay is uniform in [1, this]. */
  networkMaxDelayMs: number;
  /** Take a snapshot when this many applied entries sit above the log start (0: never). */
  snapshotEveryEntries: number;
}

export const DEFAULT_SIM_OPTIONS: Omit<SimOptions, 'seed' | 'voters'> = {
  observers: 0,
  electionTimeoutMs: 1000,
  electionJitterMs: 100,
  fetchTimeoutMs: 3000,
  requestTimeoutMs: 3000,
  retryBackoffMs: 50,
  fetchMaxWaitMs: 100,
  fetchMaxBytes: 64,
  tickIntervalMs: 50,
  flushMaxDelayMs: 30,
  networkMaxDelayMs: 10,
  snapshotEveryEntries: 40,
};

/** The client stops proposing while the leader has this many uncommitted entries. */
const MAX_UNCOMMITTED_ENTRIES = 20;

/** A broken invariant: the message says which, and the run's seed and trace tail identify it. */
export class InvariantError extends Error {
  override name = 'InvariantError';
}

type Event =
  | { kind: 'deliver'; message: RaftMessage }
  | { kind: 'tick'; node: number; incarnation: number }
  | { kind: 'flush'; node: number; incarnation: number }
  | { kind: 'action'; run: () => void };

interface Scheduled {
  atMs: number;
  seq: number;
  event: Event;
}

/** A binary min-heap by (atMs, seq): ties resolve in scheduling order, so runs are deterministic. */
class EventQueue {
  private readonly heap: Scheduled[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(item: Scheduled): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!EventQueue.less(h[i]!, h[parent]!)) break;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  pop(): Scheduled | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && EventQueue.less(h[l]!, h[m]!)) m = l;
        if (r < h.length && EventQueue.less(h[r]!, h[m]!)) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m]!, h[i]!];
        i = m;
      }
    }
    return top;
  }

  private static less(a: Scheduled, b: Scheduled): boolean {
    return a.atMs < b.atMs || (a.atMs === b.atMs && a.seq < b.seq);
  }
}

/** A node's disk: durable quorum state and snapshot, durable log entries plus pending (unflushed) writes. */
interface Storage {
  quorum: QuorumState;
  snapshot: Snapshot | null;
  durable: LogEntry[];
  pending: LogEntry[];
  flushScheduled: boolean;
}

/** The replicated counter: each data entry carries an integer; the chain hash covers every applied entry. */
interface StateMachine {
  nextOffset: bigint;
  chain: number;
  count: number;
  lastValue: number;
}

interface SimNode {
  id: number;
  raft: RaftNode | null;
  incarnation: number;
  storage: Storage;
  sm: StateMachine;
  /** HW reported in this lifetime (volatile: restarts reset it). */
  lastHighWatermark: bigint;
}

/** One committed offset as the first node to apply it saw it. */
interface CommittedEntry {
  epoch: number;
  dataHash: number;
  chain: number;
}

/** FNV-1a over bytes, continuing from `h`. */
function fnv(h: number, bytes: Uint8Array): number {
  let x = h >>> 0;
  for (let i = 0; i < bytes.length; i++) x = Math.imul(x ^ bytes[i]!, 16777619) >>> 0;
  return x;
}

function chainStep(chain: number, entry: LogEntry): number {
  const header = Buffer.alloc(13);
  header.writeBigInt64BE(entry.offset, 0);
  header.writeInt32BE(entry.epoch, 8);
  header.writeUInt8(entry.control ? 1 : 0, 12);
  return fnv(fnv(chain, header), entry.data);
}

function encodeValue(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(value));
  return b;
}

function encodeStateMachine(sm: StateMachine): Buffer {
  const b = Buffer.alloc(24);
  b.writeBigInt64BE(sm.nextOffset, 0);
  b.writeUInt32BE(sm.chain, 8);
  b.writeUInt32BE(sm.count, 12);
  b.writeBigInt64BE(BigInt(sm.lastValue), 16);
  return b;
}

function decodeStateMachine(b: Buffer): StateMachine {
  return { nextOffset: b.readBigInt64BE(0), chain: b.readUInt32BE(8), count: b.readUInt32BE(12), lastValue: Number(b.readBigInt64BE(16)) };
}

function emptyStateMachine(): StateMachine {
  return { nextOffset: 0n, chain: 0x811c9dc5, count: 0, lastValue: -1 };
}

/** Counters a run reports. */
export interface SimStats {
  seed: number;
  voters: number;
  observers: number;
  events: number;
  simulatedMs: number;
  messages: number;
  crashes: number;
  elections: number;
  committed: bigint;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  truncations: number;
  liveness: { healedAtMs: number; committedAtMs: number } | null;
  /** When every observer's high watermark reached the leader's after healing (runs with observers). */
  observersCaughtUpAtMs: number | null;
}

/** A whole quorum on a simulated clock, driven by one PRNG. */
export class Simulation {
  readonly options: SimOptions;
  readonly random: () => number;
  readonly nodes: SimNode[] = [];
  nowMs = 0;
  private seq = 0;
  private readonly queue = new EventQueue();
  /** Directed links currently cut: "from>to". */
  readonly blocked = new Set<string>();
  dropRate = 0;
  duplicateRate = 0;
  reorderRate = 0;
  /** epoch → the only node that led it (from roles and from persisted election state). */
  private readonly leaders = new Map<number, number>();
  /** offset → what was committed there. */
  readonly committed = new Map<bigint, CommittedEntry>();
  committedEnd = 0n;
  /** Values of committed data entries, for the client workload and liveness. */
  private readonly committedValues = new Set<number>();
  maxCommittedValue = -1;
  nextValue = 0;
  clientLeader = 0;
  events = 0;
  readonly trace: string[] = [];
  readonly stats: SimStats;

  constructor(seed: number, voters: number, overrides: Partial<SimOptions> = {}) {
    this.options = { ...DEFAULT_SIM_OPTIONS, seed, voters, ...overrides };
    this.random = prng(seed);
    this.stats = {
      seed, voters, observers: this.options.observers, events: 0, simulatedMs: 0, messages: 0, crashes: 0, elections: 0, committed: 0n,
      snapshotsTaken: 0, snapshotsInstalled: 0, truncations: 0, liveness: null, observersCaughtUpAtMs: null,
    };
    for (let id = 0; id < voters + this.options.observers; id++) {
      const node: SimNode = {
        id, raft: null, incarnation: 0,
        storage: { quorum: { ...EMPTY_QUORUM_STATE }, snapshot: null, durable: [], pending: [], flushScheduled: false },
        sm: emptyStateMachine(), lastHighWatermark: 0n,
      };
      this.nodes.push(node);
      this.start(node);
    }
  }

  // ---- scheduling -----------------------------------------------------------------------------

  schedule(delayMs: number, event: Event): void {
    assert(delayMs >= 0, 'negative delay');
    this.queue.push({ atMs: this.nowMs + delayMs, seq: this.seq++, event });
  }

  /** Runs `fn` at a later simulated time. */
  at(delayMs: number, run: () => void): void {
    this.schedule(delayMs, { kind: 'action', run });
  }

  /** Processes one event and checks every invariant; false when nothing is scheduled. */
  stepOnce(): boolean {
    const next = this.queue.pop();
    if (!next) return false;
    assert(next.atMs >= this.nowMs, 'the clock went backwards');
    this.nowMs = next.atMs;
    this.events++;
    const e = next.event;
    switch (e.kind) {
      case 'deliver': this.deliver(e.message); break;
      case 'tick': this.onTick(e.node, e.incarnation); break;
      case 'flush': this.onFlush(e.node, e.incarnation); break;
      case 'action': e.run(); break;
    }
    this.checkInvariants(this.events % 200 === 0);
    return true;
  }

  /** Runs until `done()` or `maxMs` of simulated time passes (bounded by an event budget too). */
  runUntil(done: () => boolean, maxMs: number, maxEvents = 2_000_000): boolean {
    const endMs = this.nowMs + maxMs;
    for (let i = 0; i < maxEvents; i++) {
      if (done()) return true;
      if (!this.stepOnce() || this.nowMs > endMs) return done();
    }
    return done();
  }

  /** Runs for `ms` of simulated time. */
  runFor(ms: number): void {
    const endMs = this.nowMs + ms;
    this.runUntil(() => this.peekTime() > endMs, ms + 1);
  }

  private peekTime(): number {
    const top = this.queue.pop();
    if (!top) return Infinity;
    this.queue.push(top);
    return top.atMs;
  }

  // ---- nodes ----------------------------------------------------------------------------------

  private raftConfig(id: number): RaftConfig {
    const o = this.options;
    return {
      nodeId: id, voters: [...Array(o.voters).keys()],
      electionTimeoutMs: o.electionTimeoutMs, electionJitterMs: o.electionJitterMs, fetchTimeoutMs: o.fetchTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs, retryBackoffMs: o.retryBackoffMs, fetchMaxBytes: o.fetchMaxBytes,
      fetchMaxWaitMs: o.fetchMaxWaitMs, random: this.random,
    };
  }

  private start(node: SimNode): void {
    const s = node.storage;
    node.raft = new RaftNode(this.raftConfig(node.id), {
      quorumState: { ...s.quorum },
      entries: [...s.durable],
      ...(s.snapshot ? { snapshot: s.snapshot } : {}),
    });
    node.incarnation++;
    node.sm = s.snapshot ? decodeStateMachine(s.snapshot.data) : emptyStateMachine();
    node.lastHighWatermark = 0n;
    this.schedule(Math.floor(this.random() * this.options.tickIntervalMs), { kind: 'tick', node: node.id, incarnation: node.incarnation });
    this.note(`start ${node.id} ${this.describeNode(node)}`);
  }

  /** Kills a node: volatile state is gone; the disk keeps durable writes plus a random prefix of pending ones. */
  crash(id: number): void {
    const node = this.nodes[id]!;
    if (!node.raft) return;
    const s = node.storage;
    const kept = Math.floor(this.random() * (s.pending.length + 1));
    for (const e of s.pending.slice(0, kept)) s.durable.push(e);
    s.pending = [];
    s.flushScheduled = false;
    node.raft = null;
    node.incarnation++;
    this.stats.crashes++;
    this.note(`crash ${id} (kept ${kept} pending)`);
  }

  /** Restarts a crashed node from its durable state only. */
  restart(id: number): void {
    const node = this.nodes[id]!;
    if (node.raft) return;
    this.start(node);
  }

  /** Voters have ids [0, voters); observers the ids after them. */
  isVoter(id: number): boolean {
    return id < this.options.voters;
  }

  isUp(id: number): boolean {
    return this.nodes[id]!.raft !== null;
  }

  /** The node's raft (asserting it is up). */
  raft(id: number): RaftNode {
    const r = this.nodes[id]!.raft;
    assert(r, `node ${id} is down`);
    return r;
  }

  /** The up node that is leader in the highest epoch, if any. */
  leader(): number | null {
    let best: { id: number; epoch: number } | null = null;
    for (const n of this.nodes) {
      if (!n.raft) continue;
      const s = n.raft.status();
      if (s.role === Role.Leader && (!best || s.epoch > best.epoch)) best = { id: n.id, epoch: s.epoch };
    }
    return best?.id ?? null;
  }

  private onTick(id: number, incarnation: number): void {
    const node = this.nodes[id]!;
    if (!node.raft || node.incarnation !== incarnation) return;
    node.raft.tick(this.nowMs);
    this.drain(node);
    this.schedule(this.options.tickIntervalMs, { kind: 'tick', node: id, incarnation });
  }

  private onFlush(id: number, incarnation: number): void {
    const node = this.nodes[id]!;
    if (!node.raft || node.incarnation !== incarnation) return;
    const s = node.storage;
    s.flushScheduled = false;
    for (const e of s.pending) s.durable.push(e);
    s.pending = [];
    node.raft.flushed(this.durableEnd(s));
    this.drain(node);
  }

  private durableEnd(s: Storage): bigint {
    return s.durable.at(-1) ? s.durable.at(-1)!.offset + 1n : s.snapshot?.endOffset ?? 0n;
  }

  /** Proposes the next counter value to `to`, or to the node the client believes leads. */
  propose(to?: number): { offset: bigint } | null {
    let target = to ?? this.clientLeader;
    if (to === undefined && !this.isUp(target)) target = this.clientLeader = Math.floor(this.random() * this.options.voters);
    const node = this.nodes[target]!;
    if (!node.raft) return null;
    // Backpressure, as a producer bounds its in-flight requests: a slow quorum is not flooded.
    const st = node.raft.status();
    if (to === undefined && st.role === Role.Leader && st.endOffset - st.highWatermark > BigInt(MAX_UNCOMMITTED_ENTRIES)) return null;
    const value = this.nextValue;
    const result = node.raft.propose(this.nowMs, [encodeValue(value)]);
    if ('error' in result) {
      if (to !== undefined) return null;
      this.clientLeader = result.leaderId ?? Math.floor(this.random() * this.options.voters);
      this.drain(node);
      return null;
    }
    this.nextValue++;
    this.drain(node);
    return result;
  }

  /** Executes Readies until the node has nothing more to do (bounded). */
  drain(node: SimNode): void {
    for (let i = 0; i < 1000 && node.raft && node.raft.hasReady(); i++) this.execute(node, node.raft.ready());
    assert(!node.raft || !node.raft.hasReady(), `node ${node.id} keeps producing work`);
  }

  /** The caller's side of the contract: persist the quorum state, install, truncate, append, send, apply. */
  private execute(node: SimNode, ready: Ready): void {
    const s = node.storage;
    const raft = node.raft!;
    if (ready.quorumState) {
      const q = ready.quorumState;
      this.check(q.leaderEpoch >= s.quorum.leaderEpoch, `MonotonicEpoch: node ${node.id} persists epoch ${q.leaderEpoch} after ${s.quorum.leaderEpoch}`);
      s.quorum = { ...q };
      if (q.leaderId >= 0) this.recordLeader(q.leaderEpoch, q.leaderId, `persisted by ${node.id}`);
    }
    if (ready.snapshotToInstall) {
      const snap = ready.snapshotToInstall;
      s.snapshot = snap;
      s.durable = [];
      s.pending = [];
      const sm = decodeStateMachine(snap.data);
      this.check(sm.nextOffset === snap.endOffset, `snapshot at ${snap.endOffset} holds state of ${sm.nextOffset}`);
      this.check(sm.nextOffset >= node.sm.nextOffset, `node ${node.id} installs a snapshot at ${sm.nextOffset} below its applied ${node.sm.nextOffset}`);
      this.checkChain(node.id, snap.endOffset - 1n, sm.chain);
      node.sm = sm;
      this.stats.snapshotsInstalled++;
      this.note(`node ${node.id} installs snapshot @${snap.endOffset}`);
    }
    if (ready.truncateTo !== undefined) {
      const t = ready.truncateTo;
      s.durable = s.durable.filter((e) => e.offset < t);
      s.pending = s.pending.filter((e) => e.offset < t);
      this.stats.truncations++;
      this.note(`node ${node.id} truncates to ${t}`);
    }
    if (ready.append.length > 0) {
      const end = s.pending.at(-1) ? s.pending.at(-1)!.offset + 1n : this.durableEnd(s);
      assert(ready.append[0]!.offset === end, `node ${node.id} appends at ${ready.append[0]!.offset}, storage ends at ${end}`);
      for (const e of ready.append) s.pending.push(e);
      if (!s.flushScheduled) {
        s.flushScheduled = true;
        this.schedule(1 + Math.floor(this.random() * this.options.flushMaxDelayMs), { kind: 'flush', node: node.id, incarnation: node.incarnation });
      }
    }
    for (const m of ready.send) this.send(m);
    for (const entry of ready.committed) this.apply(node, entry);
    if (ready.roleChanged) {
      const rc = ready.roleChanged;
      if (rc.role === Role.Leader) {
        this.stats.elections++;
        this.recordLeader(rc.epoch, node.id, `role of ${node.id}`);
      }
      this.note(`node ${node.id} → ${rc.role} epoch ${rc.epoch} leader ${rc.leaderId}`);
    }
    this.maybeSnapshot(node, raft);
  }

  private apply(node: SimNode, entry: LogEntry): void {
    const sm = node.sm;
    this.check(entry.offset === sm.nextOffset, `node ${node.id} applies offset ${entry.offset}, expected ${sm.nextOffset} (gap or repeat)`);
    sm.chain = chainStep(sm.chain, entry);
    sm.nextOffset = entry.offset + 1n;
    if (!entry.control) {
      const value = Number(entry.data.readBigInt64BE(0));
      sm.count++;
      sm.lastValue = value;
      this.committedValues.add(value);
      if (value > this.maxCommittedValue) this.maxCommittedValue = value;
    }
    const seen = this.committed.get(entry.offset);
    const dataHash = fnv(0x811c9dc5, entry.data);
    if (seen) {
      this.check(seen.epoch === entry.epoch && seen.dataHash === dataHash, `ConsistentCommittedData: node ${node.id} applies offset ${entry.offset} (epoch ${entry.epoch}, data ${dataHash.toString(16)}) but (epoch ${seen.epoch}, data ${seen.dataHash.toString(16)}) was committed there`);
      this.check(seen.chain === sm.chain, `ConsistentCommittedData: node ${node.id} history differs at offset ${entry.offset}`);
    } else {
      this.committed.set(entry.offset, { epoch: entry.epoch, dataHash, chain: sm.chain });
      if (entry.offset + 1n > this.committedEnd) this.committedEnd = entry.offset + 1n;
    }
  }

  /** The end of the prefix of a node's durable log (and snapshot) that agrees with what was committed. */
  agreedEnd(id: number): bigint {
    const s = this.nodes[id]!.storage;
    let end = s.snapshot?.endOffset ?? 0n;
    for (const e of s.durable) {
      if (e.offset !== end || this.committed.get(e.offset)?.epoch !== e.epoch) break;
      end++;
    }
    return end;
  }

  private checkChain(id: number, offset: bigint, chain: number): void {
    const seen = this.committed.get(offset);
    if (seen) this.check(seen.chain === chain, `snapshot of node ${id} at ${offset + 1n} disagrees with the committed history`);
  }

  private maybeSnapshot(node: SimNode, raft: RaftNode): void {
    const every = this.options.snapshotEveryEntries;
    if (every <= 0) return;
    const start = raft.status().logStartOffset;
    if (node.sm.nextOffset - start < BigInt(every) || node.sm.nextOffset <= start) return;
    const id = raft.snapshot(node.sm.nextOffset, encodeStateMachine(node.sm));
    const s = node.storage;
    s.snapshot = { ...id, data: encodeStateMachine(node.sm) };
    s.durable = s.durable.filter((e) => e.offset >= id.endOffset);
    s.pending = s.pending.filter((e) => e.offset >= id.endOffset);
    this.stats.snapshotsTaken++;
  }

  private recordLeader(epoch: number, id: number, why: string): void {
    this.check(this.isVoter(id), `ObserversNeverLead: observer ${id} leads epoch ${epoch} (${why})`);
    const known = this.leaders.get(epoch);
    this.check(known === undefined || known === id, `SingleLeader: epoch ${epoch} led by ${known} and ${id} (${why})`);
    this.leaders.set(epoch, id);
  }

  // ---- network --------------------------------------------------------------------------------

  /** Cuts the link from → to (one way). */
  block(from: number, to: number): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Cuts both directions between every node of `side` and every other node. */
  isolate(side: readonly number[]): void {
    for (const a of side) for (const b of this.nodes) if (!side.includes(b.id)) {
      this.block(a, b.id);
      this.block(b.id, a);
    }
  }

  heal(): void {
    this.blocked.clear();
  }

  private send(m: RaftMessage): void {
    this.stats.messages++;
    // Observers only fetch: no votes, no epoch announcements, and nobody fetches from them.
    this.check(this.isVoter(m.from) || m.type === 'FetchRequest' || m.type === 'FetchSnapshotRequest' || (m.type === 'VoteResponse' && !m.voteGranted),
      `ObserversNeverVote: observer ${m.from} sends ${m.type} to ${m.to}`);
    if (this.blocked.has(`${m.from}>${m.to}`) || this.random() < this.dropRate) return;
    const copies = this.random() < this.duplicateRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delayMs = 1 + Math.floor(this.random() * this.options.networkMaxDelayMs);
      if (this.random() < this.reorderRate) delayMs += Math.floor(this.random() * 300);
      this.schedule(delayMs, { kind: 'deliver', message: m });
    }
  }

  private deliver(m: RaftMessage): void {
    const node = this.nodes[m.to]!;
    if (!node.raft || this.blocked.has(`${m.from}>${m.to}`)) return;
    node.raft.step(this.nowMs, m);
    this.drain(node);
  }

  // ---- invariants -----------------------------------------------------------------------------

  private check(ok: boolean, what: string): asserts ok {
    if (!ok) throw new InvariantError(`${what}\n  seed=${this.options.seed} voters=${this.options.voters} observers=${this.options.observers} event=${this.events} t=${this.nowMs}ms\n${this.describe()}\n  trace tail:\n    ${this.trace.slice(-25).join('\n    ')}`);
  }

  /** The per-event invariants; `full` adds the O(log) majority check over every committed offset. */
  checkInvariants(full = false): void {
    for (const node of this.nodes) {
      if (!node.raft) continue;
      const st = node.raft.status();
      this.check(st.epoch === node.storage.quorum.leaderEpoch, `MonotonicEpoch: node ${node.id} runs epoch ${st.epoch} but persisted ${node.storage.quorum.leaderEpoch}`);
      this.check(st.highWatermark >= node.lastHighWatermark, `MonotonicHighWatermark: node ${node.id} HW ${st.highWatermark} after ${node.lastHighWatermark}`);
      node.lastHighWatermark = st.highWatermark;
      if (st.role === Role.Leader) this.recordLeader(st.epoch, node.id, `status of ${node.id}`);
      if (!this.isVoter(node.id)) {
        this.check(st.role === Role.Observer && st.votedId === -1 && node.storage.quorum.votedId === -1, `ObserversNeverVote: observer ${node.id} is ${st.role}, voted ${st.votedId}`);
      }
      const appliable = st.highWatermark < st.endOffset ? st.highWatermark : st.endOffset;
      this.check(node.sm.nextOffset === appliable, `node ${node.id} applied up to ${node.sm.nextOffset} but can apply up to ${appliable}`);
    }
    if (this.committedEnd > 0n) this.checkMajorityHolds(this.committedEnd - 1n);
    if (full) for (const offset of this.committed.keys()) this.checkMajorityHolds(offset);
  }

  /**
   * MajorityReachedHighWatermark, durably: a majority of the voters' disks hold the committed entry
   * at `offset`. Observers' disks do not count (ObserversNeverCountForHighWatermark).
   */
  checkMajorityHolds(offset: bigint): void {
    const want = this.committed.get(offset);
    if (!want) return;
    let holders = 0;
    for (const node of this.nodes) {
      if (!this.isVoter(node.id)) continue;
      const s = node.storage;
      if (s.snapshot && s.snapshot.endOffset > offset) {
        holders++;
        continue;
      }
      const base = s.durable[0]?.offset;
      if (base === undefined || offset < base) continue;
      const e = s.durable[Number(offset - base)];
      if (e && e.offset === offset && e.epoch === want.epoch && fnv(0x811c9dc5, e.data) === want.dataHash) holders++;
    }
    const voters = this.options.voters;
    this.check(holders * 2 > voters, `MajorityHoldsCommitted: only ${holders} of ${voters} voter disks hold committed offset ${offset}`);
  }

  // ---- debugging ------------------------------------------------------------------------------

  note(line: string): void {
    this.trace.push(`t=${this.nowMs} ${line}`);
    if (this.trace.length > 200) this.trace.splice(0, 100);
  }

  describeNode(node: SimNode): string {
    const s = node.storage;
    const disk = `disk[q=${s.quorum.leaderEpoch}/${s.quorum.votedId}/${s.quorum.leaderId} snap=${s.snapshot?.endOffset ?? '-'} durable=${this.durableEnd(s)} pending=${s.pending.length}]`;
    if (!node.raft) return `${node.id}: DOWN ${disk}`;
    const st = node.raft.status();
    return `${node.id}: ${st.role} epoch=${st.epoch} leader=${st.leaderId} voted=${st.votedId} hw=${st.highWatermark} start=${st.logStartOffset} end=${st.endOffset} flushed=${st.flushedEndOffset} lastEpoch=${st.lastEpoch} applied=${node.sm.nextOffset} ${disk}`;
  }

  /** One line per node. */
  describe(): string {
    return this.nodes.map((n) => `  ${this.describeNode(n)}`).join('\n');
  }

  /** Proposes `count` values through the client and runs until they (or later ones) commit. */
  commitValues(count: number, maxMs = 20_000): boolean {
    const target = this.nextValue + count - 1;
    const client = (): void => {
      if (this.committedValueAtLeast(target)) return;
      this.propose();
      this.at(20, client);
    };
    this.at(0, client);
    return this.runUntil(() => this.committedValueAtLeast(target), maxMs);
  }

  /** True once a data entry with value ≥ `value` is committed. */
  committedValueAtLeast(value: number): boolean {
    return this.maxCommittedValue >= value;
  }
}

/** Scales of a randomized run. */
export interface ChaosOptions {
  seed: number;
  voters: number;
  /** Observers in the run; by default 0, 1 or 2 chosen from the seed. */
  observers?: number;
  /** Events in the fault phase (then faults heal and the liveness phase starts). */
  events: number;
  /** Simulated time the liveness phase may take before a new proposal must be committed. */
  livenessBoundMs?: number;
  overrides?: Partial<SimOptions>;
}

/**
 * A randomized run: a client proposes a counter while faults come and go (drops, duplicates,
 * reordering, one-way and full partitions, crashes with lost unflushed writes, restarts, leader
 * resignations), on the voters and on the observers alike; then every fault heals, a new proposal
 * must commit within the bound, and then every observer's high watermark must reach the leader's.
 */
export function runChaos(options: ChaosOptions): SimStats {
  // Vary the harness per seed (from its own PRNG, so the main stream stays one function of the seed).
  const vary = prng(options.seed ^ 0x5eed);
  const choose = <T>(xs: readonly T[]): T => xs[Math.floor(vary() * xs.length)]!;
  const varied: Partial<SimOptions> = {
    fetchMaxBytes: choose([8, 8, 24, 64, 1024]),
    flushMaxDelayMs: choose([2, 30, 30, 200]),
    networkMaxDelayMs: choose([2, 10, 10, 60]),
    snapshotEveryEntries: choose([0, 10, 40, 40, 200]),
    // Drawn last, so the choices above stay what they were for each seed.
    observers: options.observers ?? choose([0, 0, 1, 2]),
  };
  const sim = new Simulation(options.seed, options.voters, { ...varied, ...options.overrides });
  const r = sim.random;
  const voters = options.voters;
  const n = voters + sim.options.observers;
  let faulting = true;
  const pick = (): number => Math.floor(r() * n);

  const client = (): void => {
    if (!faulting) return;
    sim.propose();
    sim.at(20 + Math.floor(r() * 180), client);
  };
  const chaos = (): void => {
    if (!faulting) return;
    const x = r();
    if (x < 0.14) {
      const side = [...Array(n).keys()].filter(() => r() < 0.4);
      if (side.length > 0 && side.length < n) {
        sim.isolate(side);
        sim.note(`isolate ${side.join(',')}`);
      }
    } else if (x < 0.24) {
      const a = pick();
      const b = pick();
      if (a !== b) {
        sim.block(a, b);
        sim.note(`block ${a}>${b}`);
      }
    } else if (x < 0.42) {
      sim.heal();
      sim.note('heal');
    } else if (x < 0.56) {
      const down = sim.nodes.filter((node) => !node.raft && sim.isVoter(node.id)).length;
      const victim = pick();
      // Mostly keep a majority of the voters up; sometimes take everything down. Observers may always crash.
      if (!sim.isVoter(victim) || down < voters - Math.floor(voters / 2) - 1 || r() < 0.15) sim.crash(victim);
    } else if (x < 0.72) {
      const downIds = sim.nodes.filter((node) => !node.raft).map((node) => node.id);
      if (downIds.length > 0) sim.restart(downIds[Math.floor(r() * downIds.length)]!);
    } else if (x < 0.86) {
      const levels = [0, 0, 0.01, 0.05, 0.2];
      sim.dropRate = levels[Math.floor(r() * levels.length)]!;
      sim.duplicateRate = r() < 0.5 ? 0 : 0.05;
      sim.reorderRate = r() < 0.5 ? 0 : 0.1;
      sim.note(`network drop=${sim.dropRate} dup=${sim.duplicateRate} reorder=${sim.reorderRate}`);
    } else if (x < 0.92) {
      const leader = sim.leader();
      if (leader !== null) {
        sim.raft(leader).resign(sim.nowMs);
        sim.drain(sim.nodes[leader]!);
        sim.note(`resign ${leader}`);
      }
    }
    sim.at(100 + Math.floor(r() * 1400), chaos);
  };
  sim.at(0, client);
  sim.at(500, chaos);

  for (let i = 0; i < options.events; i++) if (!sim.stepOnce()) break;

  // Liveness phase: heal everything, restart every node, and require a new commit within the bound.
  faulting = false;
  sim.heal();
  sim.dropRate = sim.duplicateRate = sim.reorderRate = 0;
  for (const node of sim.nodes) sim.restart(node.id);
  const healedAtMs = sim.nowMs;
  sim.note('liveness phase');
  const target = sim.nextValue;
  const o = sim.options;
  const boundMs = options.livenessBoundMs ?? 10 * o.electionTimeoutMs;
  const liveClient = (): void => {
    if (sim.committedValueAtLeast(target)) return;
    sim.propose();
    sim.at(50, liveClient);
  };
  sim.at(0, liveClient);
  const ok = sim.runUntil(() => sim.committedValueAtLeast(target), boundMs);
  if (!ok) {
    throw new InvariantError(`Liveness: no proposal committed within ${boundMs} ms after healing at ${healedAtMs} ms\n  seed=${options.seed} voters=${voters} observers=${n - voters}\n${sim.describe()}\n  trace tail:\n    ${sim.trace.slice(-40).join('\n    ')}`);
  }
  const committedAtMs = sim.nowMs;
  if (n > voters) {
    // Observer liveness: each one's high watermark reaches the leader's (as it was at that commit)
    // within a bound: forgetting a stale leader and finding the new one, then one fetch round trip
    // (two network delays and a flush) per entry it lacks — fetches carry at least one entry.
    const leader = sim.leader();
    const target = leader === null ? sim.committedEnd : sim.raft(leader).status().highWatermark;
    let lag = 0n;
    for (const node of sim.nodes) if (!sim.isVoter(node.id)) lag = lag > target - sim.agreedEnd(node.id) ? lag : target - sim.agreedEnd(node.id);
    const roundTripMs = 2 * o.networkMaxDelayMs + o.flushMaxDelayMs + 2;
    const observerBoundMs = o.fetchTimeoutMs + 2 * o.requestTimeoutMs + 5 * o.electionTimeoutMs + Number(lag) * roundTripMs;
    const caughtUp = (): boolean => sim.nodes.every((node) => sim.isVoter(node.id) || sim.raft(node.id).status().highWatermark >= target);
    if (!sim.runUntil(caughtUp, observerBoundMs)) {
      throw new InvariantError(`ObserverLiveness: an observer's high watermark did not reach ${target} within ${observerBoundMs} ms of the commit at ${committedAtMs} ms\n  seed=${options.seed} voters=${voters} observers=${n - voters}\n${sim.describe()}\n  trace tail:\n    ${sim.trace.slice(-40).join('\n    ')}`);
    }
    sim.stats.observersCaughtUpAtMs = sim.nowMs;
  }
  sim.checkInvariants(true);
  const stats = sim.stats;
  stats.events = sim.events;
  stats.simulatedMs = sim.nowMs;
  stats.committed = sim.committedEnd;
  stats.liveness = { healedAtMs, committedAtMs };
  return stats;
}
