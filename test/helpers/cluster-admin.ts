/**
 * Admin-side probes for cluster fault tests: wait for partition leaders and complete ISRs, with
 * Samsa's own Admin client. Every wait is bounded in time and in attempts.
 */
import type { Admin, TopicDescription } from '../../src/client/index.js';
import { delay } from './broker.js';

/**
 * Polls `probe` every `intervalMs` until it returns something other than undefined; a probe that
 * throws counts as not yet. Rejects after `timeoutMs` naming `what` and the last error.
 */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export async function pollUntil<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<{ done: T } | { state: string }>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const maxAttempts = Math.ceil(timeoutMs / intervalMs) + 1;
  let last = '(never probed)';
  for (let attempt = 0; attempt < maxAttempts && Date.now() < deadline; attempt++) {
    try {
      const result = await probe();
      if ('done' in result) return result.done;
      last = result.state;
    } catch (err) {
      last = `probe failed: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
    }
    await delay(Math.max(0, Math.min(intervalMs, deadline - Date.now())));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last state: ${last}`);
}

/** One line per partition: leader, epoch, replicas and ISR. */
export function describePartitions(topics: readonly TopicDescription[]): string {
  return topics
    .flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partition} leader ${p.leader} epoch ${p.leaderEpoch} replicas [${p.replicas}] isr [${p.isr}]`))
    .join('; ');
}

/** Waits until every partition of `topics` has a leader and an ISR equal to its replica set. */
export async function waitForFullIsr(admin: Admin, topics: readonly string[], timeoutMs: number): Promise<TopicDescription[]> {
  return pollUntil<TopicDescription[]>(`a complete ISR on every partition of ${topics.join(', ')}`, timeoutMs, 250, async () => {
    const described = await admin.describeTopics(topics);
    const complete = described.every((t) => t.partitions.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length));
    return complete ? { done: described } : { state: describePartitions(described) };
  });
}

/** Waits until every partition of `topic` has a leader other than the nodes in `excluded`. */
export async function waitForLeadersAvoiding(admin: Admin, topic: string, excluded: readonly number[], timeoutMs: number): Promise<TopicDescription> {
  return pollUntil<TopicDescription>(`leaders of ${topic} outside nodes [${excluded}]`, timeoutMs, 200, async () => {
    const [described] = await admin.describeTopics([topic]);
    const ok = described!.partitions.every((p) => p.leader >= 0 && !excluded.includes(p.leader));
    return ok ? { done: described! } : { state: describePartitions([described!]) };
  });
}

/**
 * Creates `topic` with one partition on the two nodes of a 3-node cluster that are not the active
 * controller (killing one of them never costs the quorum its leader), min.insync.replicas 1, and
 * waits until both are in the ISR. Returns the replicas, the preferred leader first.
 */
export async function createPairOffController(admin: Admin, topic: string): Promise<[number, number]> {
  const controller = (await admin.describeQuorum()).leaderId;
  const [a, b] = [1, 2, 3].filter((id) => id !== controller) as [number, number];
  await admin.createTopics([{ name: topic, replicaAssignment: { 0: [a, b] }, configs: { 'min.insync.replicas': '1' } }]);
  await eventually('both replicas in the ISR', 20_000, async () => ((await admin.describeTopics([topic]))[0]!.partitions[0]!.isr.length === 2 ? true : undefined));
  return [a, b];
}
