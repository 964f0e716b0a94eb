import { assert } from '../common/index.js';
import { Reader } from '../protocol/index.js';
import { ConsumerProtocolSubscription } from '../protocol/generated/consumer-protocol-subscription.js';

/** Kafka's classic group states, spelled as DescribeGroups and ListGroups report them. */
export const GroupState = {
  Empty: 'Empty',
  PreparingRebalance: 'PreparingRebalance',
  CompletingRebalance: 'CompletingRebalance',
  Stable: 'Stable',
  Dead: 'Dead',
} as const;

/** One of the classic group states. */
export type GroupState = (typeof GroupState)[keyof typeof GroupState];

/** Which states may precede each state (ClassicGroupState.validPreviousStates). */
const VALID_PREVIOUS_STATES: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** The protocol type of groups of Kafka consumers, whose subscriptions the coordinator can read. */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** A request parked until the group can answer it (JoinGroup during a rebalance, SyncGroup of followers). */
export interface ParkedRequest {
  requestId: number;
  version: number;
}

/** One protocol a member supports, with its metadata (for consumers: a ConsumerProtocolSubscription). */
export interface MemberProtocol {
  name: string;
  metadata: Buffer;
}

/** A member of a classic group: durable attributes (in GroupMetadataValue) plus transient rebalance state. */
export class ClassicGroupMember {
  /** Parked JoinGroup awaiting the end of the join phase, or null. */
  awaitingJoin: ParkedRequest | null = null;
  /** Parked SyncGroup awaiting the leader's assignment, or null. */
  awaitingSync: ParkedRequest | null = null;
  /** A member added in the current join phase; it can expire while awaiting join. */
  isNew = false;
  /**
   * When the member's session expires: a number, null when no expiry is scheduled (Kafka's
   * "satisfied" heartbeat while awaiting a rebalance), undefined right after loading (set at the
   * first operation that knows the time).
   */
  heartbeatDeadlineMs: number | null | undefined = undefined;

  constructor(
    readonly memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public rebalanceTimeoutMs: number,
    public sessionTimeoutMs: number,
    public protocols: MemberProtocol[],
    public assignment: Buffer,
  ) {}

  /** The metadata the member sent for a protocol (empty when it does not support it). */
  metadata(protocolName: string): Buffer {
    return this.protocols.find((p) => p.name === protocolName)?.metadata ?? Buffer.alloc(0);
  }

  /** Whether the member rejoins with exactly the same protocols and metadata, in order. */
  matches(protocols: readonly MemberProtocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    return protocols.every((p, i) => p.name === this.protocols[i]!.name && p.metadata.equals(this.protocols[i]!.metadata));
  }

  /** The member's preferred protocol among the candidates (its list is in preference order). */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.protocols.find((p) => candidates.has(p.name));
    assert(choice, `member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }
}

/**
 * A classic consumer group (Kafka's ClassicGroup): membership, generation, selected protocol and
 * leader, plus the transient state of a rebalance in progress and its deadlines.
 */
export class ClassicGroup {
  state: GroupState = GroupState.Empty;
  previousState: GroupState | null = null;
  generationId = 0;
  /** Null for groups created by offset commits alone ("simple" groups). */
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  currentStateTimestampMs: number | null = null;
  readonly members = new Map<string, ClassicGroupMember>();
  /** group.instance.id → member id of static members. */
  readonly staticMembers = new Map<string, string>();
  /** Member ids handed out with MEMBER_ID_REQUIRED, with the time they expire if never used. */
  readonly pendingMembers = new Map<string, number>();
  /** Members of the new generation that have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  private readonly supportedProtocols = new Map<string, number>();
  numAwaitingJoin = 0;
  /** Set when a member joins during the initial delayed rebalance (it extends the delay). */
  newMemberAdded = false;
  /** Topics the members subscribe to (consumer protocol only), or null when unknown. */
  subscribedTopics: Set<string> | null = null;
  /** When the join phase completes (or the initial delay ends) if not earlier. */
  joinDeadlineMs: number | null = null;
  /** Kafka's InitialDelayedJoin: the current delay and what remains of the rebalance timeout. */
  initialDelay: { delayMs: number; remainingMs: number } | null = null;
  /** When members that have not sent SyncGroup are removed, for generation syncGenerationId. */
  syncDeadlineMs: number | null = null;
  syncGenerationId = -1;

  constructor(readonly groupId: string) {}

  is(state: GroupState): boolean {
    return this.state === state;
  }

  /** Moves to a state; an invalid transition is a bug. */
  transitionTo(state: GroupState, nowMs: number): void {
    assert(VALID_PREVIOUS_STATES[state].includes(this.state), `group ${this.groupId}: invalid transition ${this.state} -> ${state}`);
    this.previousState = this.state;
    this.state = state;
    this.currentStateTimestampMs = nowMs;
  }

  /** Whether a rebalance may start from the current state. */
  canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.state);
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  member(memberId: string): ClassicGroupMember {
    const member = this.members.get(memberId);
    assert(member, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  /** The largest rebalance timeout of the members: how long a join or sync phase may last. */
  rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  add(member: ClassicGroupMember, join: ParkedRequest | null): void {
    assert(!this.members.has(member.memberId), `member ${member.memberId} added twice`);
    if (member.groupInstanceId !== null) {
      assert(!this.staticMembers.has(member.groupInstanceId), `instance ${member.groupInstanceId} added twice`);
      this.staticMembers.set(member.groupInstanceId, member.memberId);
    }
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    for (const p of member.protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.awaitingJoin = join;
    if (join) this.numAwaitingJoin++;
    this.pendingMembers.delete(member.memberId);
  }

  /** Removes a member or pending member; the caller answers its parked requests first. */
  remove(memberId: string): void {
    this.pendingMembers.delete(memberId);
    const member = this.members.get(memberId);
    if (!member) return;
    assert(member.awaitingJoin === null && member.awaitingSync === null, `member ${memberId} removed with a parked request`);
    this.members.delete(memberId);
    for (const p of member.protocols) this.decrementProtocol(p.name);
    if (member.groupInstanceId !== null) this.staticMembers.delete(member.groupInstanceId);
    this.pendingSyncMembers.delete(memberId);
    if (this.leaderId === memberId) this.leaderId = this.members.keys().next().value ?? null;
  }

  private decrementProtocol(name: string): void {
    const count = (this.supportedProtocols.get(name) ?? 0) - 1;
    if (count <= 0) this.supportedProtocols.delete(name);
    else this.supportedProtocols.set(name, count);
  }

  /** Replaces a member's protocols, timeouts and parked JoinGroup (a rejoin). */
  updateMember(member: ClassicGroupMember, protocols: MemberProtocol[], rebalanceTimeoutMs: number, sessionTimeoutMs: number, join: ParkedRequest | null): void {
    for (const p of member.protocols) this.decrementProtocol(p.name);
    member.protocols = protocols;
    for (const p of protocols) this.supportedProtocols.set(p.name, (this.supportedProtocols.get(p.name) ?? 0) + 1);
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    if (join && !member.awaitingJoin) this.numAwaitingJoin++;
    else if (!join && member.awaitingJoin) this.numAwaitingJoin--;
    member.awaitingJoin = join;
  }

  /** Answers a parked JoinGroup: clears it and keeps the awaiting count right. */
  takeAwaitingJoin(member: ClassicGroupMember): ParkedRequest | null {
    const join = member.awaitingJoin;
    if (join) {
      member.awaitingJoin = null;
      this.numAwaitingJoin--;
    }
    return join;
  }

  /** Gives a static member's instance a new member id, keeping everything else (KIP-345). */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string): ClassicGroupMember {
    const old = this.member(oldMemberId);
    assert(old.awaitingJoin === null && old.awaitingSync === null, 'replaced static member has parked requests');
    const replacement = new ClassicGroupMember(newMemberId, groupInstanceId, old.clientId, old.clientHost, old.rebalanceTimeoutMs,
      old.sessionTimeoutMs, old.protocols, old.assignment);
    replacement.isNew = old.isNew;
    this.members.delete(oldMemberId);
    this.members.set(newMemberId, replacement);
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    if (this.leaderId === oldMemberId) this.leaderId = newMemberId;
    return replacement;
  }

  /** All members have rejoined (or been removed) and no MEMBER_ID_REQUIRED join is outstanding. */
  hasAllMembersJoined(): boolean {
    return this.members.size === this.numAwaitingJoin && this.pendingMembers.size === 0;
  }

  /** Members that have not rejoined during this join phase. */
  notYetRejoinedMembers(): ClassicGroupMember[] {
    return [...this.members.values()].filter((m) => m.awaitingJoin === null);
  }

  /** Keeps a leader that rejoined, or elects any member that did; false when none did. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    if (this.member(this.leaderId).awaitingJoin) return true;
    for (const member of this.members.values()) {
      if (member.awaitingJoin) {
        this.leaderId = member.memberId;
        return true;
      }
    }
    return false;
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    const out = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) out.add(name);
    return out;
  }

  /**
   * Kafka's protocol choice: each member votes for its most preferred protocol among those all
   * members support; the most votes wins (ties go to the protocol voted for first).
   */
  selectProtocol(): string {
    assert(this.members.size > 0, 'cannot select a protocol for an empty group');
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = 0;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    assert(best !== null, 'no protocol selected');
    return best;
  }

  /** Whether a joining member's protocols fit the group (Kafka's supportsProtocols). */
  supportsProtocols(protocolType: string, protocolNames: readonly string[]): boolean {
    if (this.is(GroupState.Empty)) return protocolType !== '' && protocolNames.length > 0;
    return this.protocolType === protocolType && protocolNames.some((name) => this.supportedProtocols.get(name) === this.members.size);
  }

  /** Starts the next generation (Kafka's initNextGeneration) of a group that still has members. */
  initNextGeneration(nowMs: number): void {
    assert(this.members.size > 0, 'the next generation of an empty group is written as a record');
    this.generationId++;
    this.protocolName = this.selectProtocol();
    this.subscribedTopics = this.computeSubscribedTopics();
    this.transitionTo(GroupState.CompletingRebalance, nowMs);
    this.pendingSyncMembers.clear();
  }

  /**
   * The union of the members' subscribed topics when the group uses the consumer protocol, read
   * as ConsumerProtocolSubscription version 0 (the prefix of every version), as Kafka does; null
   * when unknown (other protocol types, or metadata that does not parse).
   */
  computeSubscribedTopics(): Set<string> | null {
    if (this.protocolType !== CONSUMER_PROTOCOL_TYPE) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    try {
      for (const member of this.members.values()) {
        const r = new Reader(member.metadata(this.protocolName));
        r.int16();
        for (const topic of ConsumerProtocolSubscription.decode(r, 0).topics) topics.add(topic);
      }
    } catch {
      return null;
    }
    return topics;
  }

  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics?.has(topic) ?? false;
  }
}
