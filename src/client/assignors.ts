import type { TopicPartition } from './record.js';

/** What the leader knows about one member when it computes an assignment. */
export interface MemberSubscription {
  memberId: string;
  topics: readonly string[];
  /** Partitions the member owns now (cooperative protocols send them in the subscription). */
  ownedPartitions: readonly TopicPartition[];
}

/** memberId -> assigned partitions. */
export type Assignment = Map<string, TopicPartition[]>;

/** A client-side partition assignor, as the Java client's ConsumerPartitionAssignor. */
export interface Assignor {
  /** Protocol name sent in JoinGroup ('range', 'roundrobin', 'cooperative-sticky'). */
  readonly name: string;
  /** Whether members keep partitions across a rebalance and only revoke what moves (KIP-429). */
  readonly cooperative: boolean;
  /** Computes the assignment; `partitionCounts` has the partition count of every subscribed topic. */
  assign(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Assignment;
}

function emptyAssignment(members: readonly MemberSubscription[]): Assignment {
  return new Map(members.map((m) => [m.memberId, []]));
}

const byMemberId = (a: MemberSubscription, b: MemberSubscription): number => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0);

/** Kafka's RangeAssignor: per topic, consecutive ranges of partitions to members sorted by id. */
export const rangeAssignor: Assignor = {
  name: 'range',
  cooperative: false,
  assign(members, partitionCounts) {
    const result = emptyAssignment(members);
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    for (const topic of topics) {
      const count = partitionCounts.get(topic) ?? 0;
      const subscribers = members.filter((m) => m.topics.includes(topic)).sort(byMemberId);
      if (subscribers.length === 0 || count === 0) continue;
      const per = Math.floor(count / subscribers.length);
      const extra = count % subscribers.length;
      let next = 0;
      subscribers.forEach((m, i) => {
        const n = per + (i < extra ? 1 : 0);
        for (let p = next; p < next + n; p++) result.get(m.memberId)!.push({ topic, partition: p });
        next += n;
      });
    }
    return result;
  },
};

/** Kafka's RoundRobinAssignor: all partitions sorted by topic then partition, dealt to members in turn. */
export const roundRobinAssignor: Assignor = {
  name: 'roundrobin',
  cooperative: false,
  assign(members, partitionCounts) {
    const result = emptyAssignment(members);
    const sorted = [...members].sort(byMemberId);
    if (sorted.length === 0) return result;
    const topics = [...new Set(members.flatMap((m) => m.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      for (let partition = 0; partition < (partitionCounts.get(topic) ?? 0); partition++) {
        for (let tries = 0; tries < sorted.length; tries++) {
          const m = sorted[turn++ % sorted.length]!;
          if (m.topics.includes(topic)) {
            result.get(m.memberId)!.push({ topic, partition });
            break;
          }
        }
      }
    }
    return result;
  },
};

/**
 * Cooperative sticky (KIP-429): a balanced assignment that keeps each member's owned partitions
 * where it can; a partition that moves to another member is left out of this round (its owner
 * revokes it first and rejoins), so no partition is ever owned by two members at once.
 */
export const cooperativeStickyAssignor: Assignor = {
  name: 'cooperative-sticky',
  cooperative: true,
  assign(members, partitionCounts) {
    const target = stickyAssignment(members, partitionCounts);
    const owner = new Map<string, string>();
    for (const m of members) for (const tp of m.ownedPartitions) owner.set(`${tp.topic}:${tp.partition}`, m.memberId);
    const result = emptyAssignment(members);
    for (const [memberId, tps] of target) {
      for (const tp of tps) {
        const current = owner.get(`${tp.topic}:${tp.partition}`);
        if (current === undefined || current === memberId) result.get(memberId)!.push(tp);
      }
    }
    return result;
  },
};

/** Balanced assignment keeping owned partitions up to each member's quota. */
function stickyAssignment(members: readonly MemberSubscription[], partitionCounts: ReadonlyMap<string, number>): Assignment {
  const result = emptyAssignment(members);
  const sorted = [...members].sort(byMemberId);
  const all: TopicPartition[] = [];
  for (const topic of [...new Set(members.flatMap((m) => m.topics))].sort()) {
    for (let p = 0; p < (partitionCounts.get(topic) ?? 0); p++) all.push({ topic, partition: p });
  }
  const eligible = (m: MemberSubscription, tp: TopicPartition): boolean => m.topics.includes(tp.topic);
  const quota = sorted.length === 0 ? 0 : Math.ceil(all.length / sorted.length);
  const taken = new Set<string>();
  const key = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;
  const valid = new Set(all.map(key));
  // Keep owned partitions up to the quota.
  for (const m of sorted) {
    const mine = result.get(m.memberId)!;
    for (const tp of m.ownedPartitions) {
      if (mine.length >= quota) break;
      if (!valid.has(key(tp)) || taken.has(key(tp)) || !eligible(m, tp)) continue;
      mine.push({ topic: tp.topic, partition: tp.partition });
      taken.add(key(tp));
    }
  }
  // Give the rest to the least loaded eligible member.
  for (const tp of all) {
    if (taken.has(key(tp))) continue;
    let best: MemberSubscription | undefined;
    for (const m of sorted) {
      if (!eligible(m, tp)) continue;
      if (best === undefined || result.get(m.memberId)!.length < result.get(best.memberId)!.length) best = m;
    }
    if (best === undefined) continue;
    result.get(best.memberId)!.push(tp);
    taken.add(key(tp));
  }
  return result;
}

/** Assignors by protocol name. */
export const ASSIGNORS: ReadonlyMap<string, Assignor> = new Map([rangeAssignor, roundRobinAssignor, cooperativeStickyAssignor].map((a) => [a.name, a]));
