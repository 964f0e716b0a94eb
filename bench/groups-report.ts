/**
 * The Markdown section of the consumer-group benchmarks (rebalance latency, offset-commit
 * throughput) in run.ts's report. Pure formatting of the generator results.
 */
import os from 'node:os';
import type { CommitResult, RebalanceResult, RebalanceRound } from './common.js';
import type { Measured } from './processes.js';

/** Min, median, 95th percentile (nearest rank) and max of a sample. */
export interface Spread {
  min: number;
  median: number;
  p95: number;
  max: number;
}

/** The spread of `values` (at least one). */
export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = (p: number): number => sorted[Math.min(n - 1, Math.max(0, Math.ceil((p / 100) * n) - 1))]!;
  const mid = Math.floor(n / 2);
  return { min: sorted[0]!, median: n % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2, p95: rank(95), max: sorted[n - 1]! };
}

/** What the groups benchmark measured, and with which settings. */
export interface GroupsOutcome {
  rebalance: Measured<RebalanceResult>;
  commit: Measured<CommitResult>;
  members: number;
  rebalancePartitions: number;
  commitPartitions: number;
  heartbeatMs: number;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  commitWarmupSeconds: number;
  brokerOverrides: Record<string, string>;
}

function row(label: string, values: readonly number[], digits = 1): string {
  const s = spread(values);
  return `| ${label} | ${s.min.toFixed(digits)} | ${s.median.toFixed(digits)} | ${s.p95.toFixed(digits)} | ${s.max.toFixed(digits)} |`;
}

function errorsText(errors: Record<string, number>): string {
  const entries = Object.entries(errors);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k}: ${v}`).join(', ');
}

function otherCpu(r: Measured<{ generatorCpuPercent: number }>): string {
  if (r.machineCpuPercent < 0 || r.serverCpuPercent < 0) return '?';
  return Math.max(0, r.machineCpuPercent - r.serverCpuPercent - r.generatorCpuPercent).toFixed(0);
}

/** One-line summaries for the console. */
export function groupsVerdict(o: GroupsOutcome): string[] {
  const join = spread(o.rebalance.rounds.map((r) => r.joinAllMs));
  const add = spread(o.rebalance.rounds.map((r) => r.addMemberMs));
  const c = o.commit;
  return [
    `rebalance: ${o.members} members joining at once: median ${join.median.toFixed(1)} ms, p95 ${join.p95.toFixed(1)} ms; member ${o.members + 1} joining: median ${add.median.toFixed(0)} ms, p95 ${add.p95.toFixed(0)} ms`,
    `offset commits: ${c.requestsPerSec.toFixed(0)} requests/s, ${c.offsetsPerSec.toFixed(0)} offsets/s from ${c.members} members; latency p50 ${c.latencyMs.p50.toFixed(2)} ms, p99 ${c.latencyMs.p99.toFixed(2)} ms`,
  ];
}

function roundsList(rounds: readonly RebalanceRound[]): string {
  return rounds.map((r, i) => `${i + 1}: ${r.joinAllMs.toFixed(1)} ms/${r.joinGenerations} gen, +1: ${r.addMemberMs.toFixed(0)} ms`).join('; ');
}

/** The report section (### level). */
export function groupsReport(o: GroupsOutcome, command: string): string[] {
  const r = o.rebalance;
  const c = o.commit;
  const rounds = r.rounds;
  const overrides = Object.entries(o.brokerOverrides).map(([k, v]) => `\`${k}=${v}\``).join(', ');
  return [
    '### Consumer groups',
    '',
    `Command: \`${command}\`. Broker overrides for this benchmark: ${overrides} (Kafka's default initial delay of 3000 ms would add 3 s to every join of a new group and hide the coordinator's own time). ` +
      `Members: hand-made classic consumers (bench/groups.ts), one TCP connection each, JoinGroup v7 with the MEMBER_ID_REQUIRED handshake, protocol \`range\` with a ConsumerProtocolSubscription v3, ` +
      `SyncGroup v5 with a round-robin assignment by the leader, Heartbeat v4 every ${o.heartbeatMs} ms once synced (rejoin on REBALANCE_IN_PROGRESS), session timeout ${o.sessionTimeoutMs} ms, rebalance timeout ${o.rebalanceTimeoutMs} ms.`,
    '',
    `#### Rebalance: ${o.members} members joining at once (${rounds.length} rounds, a fresh group each, topic of ${o.rebalancePartitions} partitions)`,
    '',
    `Connections are opened before the clock starts; one unrecorded warm-up round runs first. The extra member joins after the group has been stable for a random ${o.heartbeatMs}-${2 * o.heartbeatMs} ms ` +
      '(one to two heartbeat intervals), so it lands at a random point of the members\' heartbeat cycle. Times in ms.',
    '',
    '| measure | min | median | p95 | max |',
    '|---|---:|---:|---:|---:|',
    row(`${o.members} members join at once: first JoinGroup sent -> last SyncGroup response of the generation holding all ${o.members}`, rounds.map((x) => x.joinAllMs)),
    row('generations until all were in one (1 = a single rebalance)', rounds.map((x) => x.joinGenerations), 0),
    row(`JoinGroup requests sent (${2 * o.members} = one MEMBER_ID_REQUIRED round trip each, no retries)`, rounds.map((x) => x.joinRequests), 0),
    row(`member ${o.members + 1} joins the stable group: its first JoinGroup -> all ${o.members + 1} hold an assignment of the new generation`, rounds.map((x) => x.addMemberMs)),
    row('... of which until the last old member heard REBALANCE_IN_PROGRESS from a heartbeat', rounds.map((x) => x.addMemberDiscoveryMs)),
    row('... last member\'s rejoin (JoinGroup sent) -> last assignment (the coordinator\'s share)', rounds.map((x) => x.addMemberAfterLastRejoinMs)),
    row('generations for that rebalance', rounds.map((x) => x.addMemberGenerations), 0),
    '',
    `Per round: ${roundsList(rounds)}.`,
    '',
    `Broker CPU over the recorded rounds (${((r.window.endUs - r.window.startUs) / 1e6).toFixed(1)} s, mostly waiting for heartbeats): ${r.serverCpuPercent.toFixed(1)}% of a core; generator ${r.generatorCpuPercent.toFixed(1)}%; ` +
      `other processes ${otherCpu(r)}% (of ${os.cpus().length * 100}%). Error codes answered, by API and code (27 = REBALANCE_IN_PROGRESS on SyncGroup: a newer generation started, the member rejoins): ${errorsText(r.errors)}.`,
    '',
    `#### Offset commits: one group of ${c.members} members, ${c.connections} connections`,
    '',
    `Topic of ${o.commitPartitions} partitions, round-robin: ${c.minPartitionsPerMember}-${c.maxPartitionsPerMember} partitions per member. The group formed in ${c.joinMs.toFixed(0)} ms (${c.joinGenerations} generation(s); not measured). ` +
      `Then every member commits all its partitions with OffsetCommit v8 (its generation and member id), one request in flight per member, next request as soon as the answer arrives; ` +
      `${o.commitWarmupSeconds} s warm-up discarded, ${(c.measuredMs / 1000).toFixed(1)} s measured. Heartbeats continue on the same connections (${c.heartbeats} answered). ` +
      `Afterwards OffsetFetch read back ${c.verifiedOffsets} committed offsets, each equal to the last one acknowledged.`,
    '',
    '| commits/s (requests) | offsets/s (partitions) | latency p50 ms | p90 ms | p99 ms | max ms | mean ms | server CPU % | server kernel CPU % | generator CPU % | other processes CPU % |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    `| ${c.requestsPerSec.toFixed(0)} | ${c.offsetsPerSec.toFixed(0)} | ${c.latencyMs.p50.toFixed(2)} | ${c.latencyMs.p90.toFixed(2)} | ${c.latencyMs.p99.toFixed(2)} | ${c.latencyMs.max.toFixed(1)} | ${c.latencyMs.mean.toFixed(2)} | ` +
      `${c.serverCpuPercent.toFixed(0)} | ${c.serverSystemCpuPercent.toFixed(0)} | ${c.generatorCpuPercent.toFixed(0)} | ${otherCpu(c)} |`,
    '',
    `${c.measuredRequests} commits (${c.measuredOffsets} partition offsets) in the window. Error codes while the group formed: ${errorsText(c.formErrors)}; during the commit loop (commits and heartbeats): ${errorsText(c.errors)}.`,
    '',
  ];
}
