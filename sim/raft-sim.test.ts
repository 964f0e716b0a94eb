// Randomized simulation of the KRaft quorum: many seeds, faults, invariants after every event,
// then a liveness phase. About half the seeds add 1 or 2 observers (chosen from the seed). SIM_SEED=<n> replays one seed (SIM_VOTERS=3|5 picks the size);
// SIM_SEEDS (default 100), SIM_STEPS (events per seed, default 20000) and SIM_BASE_SEED scale it.
import { test } from 'node:test';
import { runChaos, type SimStats } from './raft-sim.js';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};
const ONE_SEED = process.env['SIM_SEED'];
const SEEDS = env('SIM_SEEDS', 100);
const STEPS = env('SIM_STEPS', 20_000);
const BASE_SEED = env('SIM_BASE_SEED', 1);
const ONLY_VOTERS = env('SIM_VOTERS', 0);

function seeds(): number[] {
  if (ONE_SEED !== undefined && ONE_SEED !== '') return [Number(ONE_SEED)];
  return Array.from({ length: SEEDS }, (_, i) => BASE_SEED + i);
}

for (const voters of [3, 5]) {
  if (ONLY_VOTERS !== 0 && ONLY_VOTERS !== voters) continue;
  test(`raft simulation: ${voters} voters`, () => {
    const list = seeds();
    console.log(`raft sim: ${voters} voters, seeds ${list[0]}..${list.at(-1)} × ${STEPS} events (SIM_SEED=<n> SIM_VOTERS=${voters} replays one)`);
    const total = {
      events: 0, simulatedMs: 0, messages: 0, crashes: 0, elections: 0, truncations: 0, snapshotsInstalled: 0, committed: 0n, worstLivenessMs: 0,
      runsWithObservers: 0, observers: 0, worstObserverCatchUpMs: 0,
    };
    const started = performance.now();
    for (const seed of list) {
      let stats: SimStats;
      try {
        stats = runChaos({ seed, voters, events: STEPS });
      } catch (err) {
        const e = err as Error;
        e.message = `seed ${seed} (replay: SIM_SEED=${seed} SIM_VOTERS=${voters} SIM_STEPS=${STEPS}): ${e.message}`;
        throw e;
      }
      total.events += stats.events;
      total.simulatedMs += stats.simulatedMs;
      total.messages += stats.messages;
      total.crashes += stats.crashes;
      total.elections += stats.elections;
      total.truncations += stats.truncations;
      total.snapshotsInstalled += stats.snapshotsInstalled;
      total.committed += stats.committed;
      const live = stats.liveness!.committedAtMs - stats.liveness!.healedAtMs;
      if (live > total.worstLivenessMs) total.worstLivenessMs = live;
      if (stats.observers > 0) {
        total.runsWithObservers++;
        total.observers += stats.observers;
        const catchUp = stats.observersCaughtUpAtMs! - stats.liveness!.committedAtMs;
        if (catchUp > total.worstObserverCatchUpMs) total.worstObserverCatchUpMs = catchUp;
      }
    }
    const wallMs = Math.round(performance.now() - started);
    console.log(`raft sim: ${voters} voters: ${list.length} seeds, ${total.events} events, ${Math.round(total.simulatedMs / 1000)} simulated s, ${total.messages} messages, ` +
      `${total.crashes} crashes, ${total.elections} elections, ${total.truncations} truncations, ${total.snapshotsInstalled} snapshot installs, ` +
      `${total.committed} committed entries, worst liveness ${total.worstLivenessMs} ms, ` +
      `${total.runsWithObservers} runs with ${total.observers} observers (worst observer catch-up ${total.worstObserverCatchUpMs} ms), ${wallMs} ms wall`);
  });
}

test('raft simulation is a pure function of the seed (replays are exact)', () => {
  const a = runChaos({ seed: 4242, voters: 5, events: 5_000 });
  const b = runChaos({ seed: 4242, voters: 5, events: 5_000 });
  const strip = (s: SimStats): string => JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
  if (strip(a) !== strip(b)) throw new Error(`two runs of seed 4242 differ:\n${strip(a)}\n${strip(b)}`);
});
