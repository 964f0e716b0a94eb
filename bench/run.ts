/**
 * Samsa throughput benchmarks against raw-Node baselines (DESIGN.md §4), run as one process tree:
 * this orchestrator, the server under test (a Samsa broker, or a baseline server) and a load
 * generator, each its own process. Results are ratios Samsa / baseline measured in the same run.
 *
 *   npm run build && npm run bench                    # everything, defaults
 *   node dist/bench/run.js --only produce --seconds 20
 *   node dist/bench/run.js --only fetch --size-mb 256
 *   node dist/bench/run.js --only groups              # consumer-group rebalance and offset-commit benchmarks
 *   node dist/bench/run.js --only clients             # Samsa's client vs KafkaJS, @platformatic/kafka, librdkafka
 *
 * See bench/README.md for what is measured and how to read the output.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createTopic, deleteTopic, waitForLeader } from './admin.js';
import { MIB, freePort, pickLoopbackHost, type CommitResult, type CommitTask, type FetchTask, type GroupMemberSettings, type ProduceTask, type RebalanceResult, type RebalanceTask, type Target } from './common.js';
import { runGenerator, startServer, stopAllChildren, type Measured, type MeasuredResult, type ServerProcess } from './processes.js';
import { groupsReport, groupsVerdict, type GroupsOutcome } from './groups-report.js';
import { formatSummary, summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { benchClients, clientsReport, clientsVerdict, parseClientList, type ClientsOptions, type ClientsOutcome } from './clients.js';
import { BROKER_NODE_FLAGS } from '../src/broker/index.js';
import { settleDisk as settleDiskNow, topicFilesRemoved } from './common.js';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = resolve(benchDir, '..', '..');
const generatorScript = join(benchDir, 'load-generator.js');
const groupsScript = join(benchDir, 'groups.js');
const baselineScript = join(benchDir, 'baseline-servers.js');
const samsaBin = join(repoRoot, 'bin', 'samsa.js');
const READY_TIMEOUT_MS = 30_000;
/** Other work on the machine skews results; the report shows how busy it was. */
const loadAtStart = os.loadavg();
/** The ratio DESIGN.md's performance requirement asks for. */
const TARGET_RATIO = 0.6;

type Benchmark = 'produce' | 'fetch' | 'groups' | 'clients';

interface Options {
  only: 'all' | Benchmark;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  sizeMb: number;
  inflight: number;
  connections: number;
  recordBytes: number;
  batchBytes: number;
  fetchRequestMb: number;
  fetchMaxMb: number;
  fetchVersion: number;
  groupRounds: number;
  groupMembers: number;
  groupPartitions: number;
  commitMembers: number;
  commitPartitions: number;
  commitSeconds: number;
  commitWarmupSeconds: number;
  heartbeatMs: number;
  clients: ClientsOptions;
  profile: boolean;
  outDir: string;
}

const USAGE = `Usage: node dist/bench/run.js [options]
  --only produce|fetch|groups|clients|all  which benchmark (default all)
  --seconds N                measured seconds per produce run (default 5)
  --warmup-seconds N         discarded produce warm-up per run (default 2)
  --rounds N                 alternating baseline/Samsa rounds per benchmark (default 3)
  --size-mb N                MiB produced, then read back, by the fetch benchmark (default 1024)
  --inflight N               produce requests in flight per connection (default 8)
  --connections N            produce connections (default 1)
  --record-bytes N           record value size (default 1000)
  --batch-bytes N            produce batch size limit (default 16384)
  --fetch-request-mb N       Fetch partitionMaxBytes / baseline bytes per request, MiB (default 8)
  --fetch-max-mb N           Fetch request maxBytes, MiB (default 50)
  --fetch-version 11|12      Fetch version (default 12)
  --group-rounds N           rebalance rounds, a fresh group each (default 20)
  --group-members N          members joining at once per rebalance round (default 10)
  --group-partitions N       partitions of the rebalance benchmark's topic (default 20)
  --commit-members N         members of the offset-commit group, one connection each (default 100)
  --commit-partitions N      partitions of the offset-commit topic (default 200: 2 per member)
  --commit-seconds N         measured seconds of the offset-commit benchmark (default 10)
  --commit-warmup-seconds N  discarded offset-commit warm-up (default 3)
  --heartbeat-ms N           heartbeat.interval.ms of every group member (default 3000, the Java default)
  --clients LIST             clients compared (default samsa,kafkajs,platformatic,librdkafka)
  --client-records N         records each client produces, and consumes (default 300000, at least 50000)
  --client-linger-ms N       linger.ms of the clients with an accumulator (default 5)
  --client-max-inflight N    requests in flight per connection of every client (default 5)
  --client-window N          records a producer may have unacknowledged (default 8192)
  --no-profile               run the broker without --cpu-prof
  --out-dir DIR              where the report and .cpuprofile files go (default bench/out)`;

function intOption(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got ${String(raw)}`);
  return n;
}

function parseOptions(argv: string[]): Options {
  const names = [
    'only', 'seconds', 'warmup-seconds', 'rounds', 'size-mb', 'inflight', 'connections', 'record-bytes', 'batch-bytes', 'fetch-request-mb', 'fetch-max-mb', 'fetch-version', 'out-dir',
    'group-rounds', 'group-members', 'group-partitions', 'commit-members', 'commit-partitions', 'commit-seconds', 'commit-warmup-seconds', 'heartbeat-ms',
    'clients', 'client-records', 'client-linger-ms', 'client-max-inflight', 'client-window',
  ];
  const { values: parsed } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(names.map((n) => [n, { type: 'string' as const }])),
      'no-profile': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const values = parsed as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const only = (values.only as string | undefined) ?? 'all';
  if (only !== 'all' && only !== 'produce' && only !== 'fetch' && only !== 'groups' && only !== 'clients') throw new Error(`--only must be produce, fetch, groups, clients or all, got ${only}`);
  const rounds = intOption(values, 'rounds', 3, 1, 20);
  const recordBytes = intOption(values, 'record-bytes', 1000, 1, 1024 * 1024);
  const batchBytes = intOption(values, 'batch-bytes', 16 * 1024, 128, 1024 * 1024);
  const options: Options = {
    only,
    seconds: intOption(values, 'seconds', 5, 1, 600),
    warmupSeconds: intOption(values, 'warmup-seconds', 2, 0, 60),
    rounds,
    sizeMb: intOption(values, 'size-mb', 1024, 16, 16 * 1024),
    inflight: intOption(values, 'inflight', 8, 1, 64),
    connections: intOption(values, 'connections', 1, 1, 16),
    recordBytes,
    batchBytes,
    fetchRequestMb: intOption(values, 'fetch-request-mb', 8, 1, 50),
    fetchMaxMb: intOption(values, 'fetch-max-mb', 50, 1, 50),
    fetchVersion: intOption(values, 'fetch-version', 12, 11, 12),
    groupRounds: intOption(values, 'group-rounds', 20, 1, 200),
    groupMembers: intOption(values, 'group-members', 10, 1, 1000),
    groupPartitions: intOption(values, 'group-partitions', 20, 1, 10_000),
    commitMembers: intOption(values, 'commit-members', 100, 1, 1000),
    commitPartitions: intOption(values, 'commit-partitions', 200, 1, 10_000),
    commitSeconds: intOption(values, 'commit-seconds', 10, 1, 600),
    commitWarmupSeconds: intOption(values, 'commit-warmup-seconds', 3, 0, 60),
    heartbeatMs: intOption(values, 'heartbeat-ms', 3000, 10, 60_000),
    clients: {
      clients: parseClientList(values.clients as string | undefined),
      rounds,
      records: intOption(values, 'client-records', 300_000, 50_000, 10_000_000), // consumers take up to 10,000 records at a time
      recordBytes,
      batchBytes,
      lingerMs: intOption(values, 'client-linger-ms', 5, 0, 1000),
      maxInFlight: intOption(values, 'client-max-inflight', 5, 1, 100),
      windowRecords: intOption(values, 'client-window', 8192, 1, 1_000_000),
    },
    profile: !values['no-profile'],
    outDir: resolve((values['out-dir'] as string | undefined) ?? join(repoRoot, 'bench', 'out')),
  };
  if (options.fetchMaxMb < options.fetchRequestMb) throw new Error('--fetch-max-mb must be at least --fetch-request-mb');
  if (options.commitPartitions < options.commitMembers) throw new Error(`--commit-partitions ${options.commitPartitions} leaves members without partitions: use at least --commit-members (${options.commitMembers})`);
  return options;
}

// ---------------------------------------------------------------------------------------------
// Servers

interface Broker {
  server: ServerProcess;
  host: string;
  port: number;
}

async function startBroker(host: string, logDir: string, profileDir: string | null, profileName: string, extraOverrides: Record<string, string> = {}): Promise<Broker> {
  const port = await freePort(host);
  const nodeArgs = [...BROKER_NODE_FLAGS, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${profileName}`] : [])];
  const overrides = {
    'node.id': '1',
    listeners: `PLAINTEXT://${host}:${port}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
    'log.dirs': logDir,
    ...extraOverrides,
  };
  const args = [...nodeArgs, samsaBin, 'server', ...Object.entries(overrides).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const { server } = await startServer(`samsa broker (${profileName})`, args, new RegExp(`listening on PLAINTEXT://${host.replace(/\./g, '\\.')}:${port}`), READY_TIMEOUT_MS);
  return { server, host, port };
}

async function startBaseline(host: string, mode: 'append' | 'serve', fileArgs: string[]): Promise<Broker> {
  const { server, match } = await startServer(`baseline ${mode}`, [baselineScript, mode, '--host', host, ...fileArgs], /listening on [\d.]+:(\d+)/, READY_TIMEOUT_MS);
  return { server, host, port: Number(match[1]) };
}

// ---------------------------------------------------------------------------------------------
// Benchmarks

interface Round {
  baseline: MeasuredResult;
  samsa: MeasuredResult;
}

interface BenchOutcome {
  rounds: Round[];
  baselineMedian: number;
  samsaMedian: number;
  ratio: number;
  profile: ProfileSummary | null;
  notes: string[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function outcome(rounds: Round[], profile: ProfileSummary | null, notes: string[]): BenchOutcome {
  const baselineMedian = median(rounds.map((r) => r.baseline.mibPerSec));
  const samsaMedian = median(rounds.map((r) => r.samsa.mibPerSec));
  return { rounds, baselineMedian, samsaMedian, ratio: samsaMedian / baselineMedian, profile, notes };
}

function log(message: string): void {
  process.stdout.write(`[bench] ${message}\n`);
}

function describe(r: MeasuredResult): string {
  return (
    `${r.mibPerSec.toFixed(1)} MiB/s (${r.measuredRequests} requests in ${(r.measuredMs / 1000).toFixed(1)} s; ` +
    `generator CPU ${r.generatorCpuPercent.toFixed(0)}%, server CPU ${r.serverCpuPercent.toFixed(0)}% of which kernel ${r.serverSystemCpuPercent.toFixed(0)}%, ` +
    `machine ${r.machineCpuPercent.toFixed(0)}% of ${os.cpus().length * 100}%)`
  );
}

/** `sync` before a run (bench/common.ts), reporting a slow one. */
function settleDisk(): void {
  settleDiskNow(log);
}

/**
 * Runs `count` rounds, alternating which target goes first so slow drifts even out; `prepare`
 * (if given) runs before every run, then the page cache is written back.
 */
async function alternate(count: number, run: (target: Target, round: number) => Promise<MeasuredResult>, prepare?: () => Promise<void>): Promise<Round[]> {
  const rounds: Round[] = [];
  for (let i = 0; i < count; i++) {
    const order: Target[] = i % 2 === 0 ? ['baseline', 'samsa'] : ['samsa', 'baseline'];
    const results: Partial<Record<Target, MeasuredResult>> = {};
    for (const target of order) {
      await prepare?.();
      settleDisk();
      results[target] = await run(target, i);
      log(`round ${i + 1}/${count} ${target.padEnd(8)} ${describe(results[target]!)}`);
    }
    const round = { baseline: results.baseline!, samsa: results.samsa! };
    log(`round ${i + 1}/${count} ratio ${(round.samsa.mibPerSec / round.baseline.mibPerSec).toFixed(2)}`);
    rounds.push(round);
  }
  return rounds;
}

function produceTask(options: Options, target: Target, server: Broker, topic: string, warmupMs: number, measureMs: number, stopAfterBytes: number): ProduceTask {
  return {
    kind: 'produce',
    target,
    host: server.host,
    port: server.port,
    topic,
    partition: 0,
    recordBytes: options.recordBytes,
    batchBytes: options.batchBytes,
    inflightPerConnection: options.inflight,
    connections: options.connections,
    warmupMs,
    measureMs,
    stopAfterBytes,
  };
}

function profileOf(dir: string | null, name: string, options: Options, title: string, rounds: readonly Round[]): ProfileSummary | null {
  if (!dir) return null;
  const windows = rounds.map((r) => r.samsa.window);
  const file = join(dir, name);
  if (!existsSync(file)) throw new Error(`the broker wrote no CPU profile at ${file}`);
  mkdirSync(options.outDir, { recursive: true });
  const kept = join(options.outDir, name);
  copyFileSync(file, kept);
  const summary = summarizeProfile(kept, 15, windows);
  const windowsArg = windows.map((w) => `${w.startUs}-${w.endUs}`).join(',');
  log(`CPU profile ${title} kept at ${kept}; summarize again with: node dist/bench/profile-summary.js ${kept} --windows ${windowsArg}`);
  return summary;
}

async function benchProduce(options: Options, host: string, workDir: string): Promise<BenchOutcome> {
  const profileDir = options.profile ? join(workDir, 'profiles') : null;
  const baselineFile = join(workDir, 'baseline-append.bin');
  writeFileSync(baselineFile, '');
  const logDir = join(workDir, 'produce-logs');
  const baseline = await startBaseline(host, 'append', ['--file', baselineFile]);
  let broker: Broker | null = null;
  let profile: ProfileSummary | null = null;
  try {
    broker = await startBroker(host, logDir, profileDir, 'produce.cpuprofile');
    const warmupMs = options.warmupSeconds * 1000;
    const measureMs = options.seconds * 1000;
    const timeoutMs = warmupMs + measureMs + 90_000;
    const samsa = broker;
    let topic = '';
    let runs = 0;
    // Every run, of either server, starts with both logs empty: the baseline file truncated (the
    // server appends with O_APPEND) and Samsa's topic deleted and created afresh. Besides keeping
    // disk use bounded, this gives both the same page cache to write into: the pages of deleted
    // data are reused at once, while a log kept from earlier runs makes the next run take fresh
    // memory, which on these VMs makes page-cache writes about 3x slower (bench/README.md).
    const prepare = async (): Promise<void> => {
      truncateSync(baselineFile, 0);
      if (topic !== '') {
        await deleteTopic(samsa.host, samsa.port, topic);
        await topicFilesRemoved([logDir], topic);
      }
      topic = `bench-produce-${++runs}`;
      await createTopic(samsa.host, samsa.port, topic);
      await waitForLeader(samsa.host, samsa.port, topic);
    };
    const rounds = await alternate(options.rounds, async (target) => {
      const server = target === 'samsa' ? samsa : baseline;
      return runGenerator(generatorScript, produceTask(options, target, server, topic, warmupMs, measureMs, Number.MAX_SAFE_INTEGER), server.server.pid, timeoutMs);
    }, prepare);
    log(`stopping the broker: ${await broker.server.stop()}`);
    broker = null;
    profile = profileOf(profileDir, 'produce.cpuprofile', options, 'produce', rounds);
    return outcome(rounds, profile, []);
  } finally {
    if (broker) await broker.server.stop();
    await baseline.server.stop();
  }
}

function segmentFiles(partitionDir: string): string[] {
  return readdirSync(partitionDir)
    .filter((name) => /^\d{20}\.log$/.test(name))
    .sort()
    .map((name) => join(partitionDir, name));
}

async function benchFetch(options: Options, host: string, workDir: string): Promise<BenchOutcome> {
  const profileDir = options.profile ? join(workDir, 'profiles') : null;
  const logDir = join(workDir, 'fetch-logs');
  const topic = 'bench-fetch';
  const fillBytes = options.sizeMb * MIB;
  const slowestMibPerSec = 4;
  const fillLimitMs = Math.max(60_000, (options.sizeMb / slowestMibPerSec) * 1000);

  // 1. Fill the log through Samsa itself (this broker is not profiled).
  const filler = await startBroker(host, logDir, null, 'fill');
  try {
    await createTopic(filler.host, filler.port, topic);
    await waitForLeader(filler.host, filler.port, topic);
    const fill = await runGenerator(generatorScript, produceTask(options, 'samsa', filler, topic, 0, fillLimitMs, fillBytes), filler.server.pid, fillLimitMs + 60_000);
    log(`filled ${(fill.totalBytes / MIB).toFixed(0)} MiB at ${fill.mibPerSec.toFixed(1)} MiB/s`);
  } finally {
    log(`stopping the filling broker: ${await filler.server.stop()}`);
  }
  const files = segmentFiles(join(logDir, `${topic}-0`));
  const totalBytes = files.reduce((sum, f) => sum + statSync(f).size, 0);
  log(`log: ${files.length} segment file(s), ${(totalBytes / MIB).toFixed(1)} MiB`);

  // 2. The baseline serves the very same segment files; a fresh, profiled broker serves the log.
  const baseline = await startBaseline(host, 'serve', ['--files', files.join(',')]);
  let broker: Broker | null = null;
  try {
    broker = await startBroker(host, logDir, profileDir, 'fetch.cpuprofile');
    await waitForLeader(broker.host, broker.port, topic);
    const samsa = broker;
    const timeLimitMs = Math.max(60_000, (options.sizeMb / slowestMibPerSec) * 1000);
    const rounds = await alternate(options.rounds, async (target) => {
      const server = target === 'samsa' ? samsa : baseline;
      const task: FetchTask = {
        kind: 'fetch',
        target,
        host: server.host,
        port: server.port,
        topic,
        partition: 0,
        requestBytes: options.fetchRequestMb * MIB,
        responseMaxBytes: options.fetchMaxMb * MIB,
        fetchVersion: options.fetchVersion,
        totalBytes,
        warmupBytes: Math.min(Math.floor(totalBytes / 10), 128 * MIB),
        timeLimitMs,
      };
      const result = await runGenerator(generatorScript, task, server.server.pid, timeLimitMs + 60_000);
      if (result.totalBytes !== totalBytes) throw new Error(`${target} returned ${result.totalBytes} bytes, the log holds ${totalBytes}`);
      return result;
    });
    log(`stopping the broker: ${await broker.server.stop()}`);
    broker = null;
    const profile = profileOf(profileDir, 'fetch.cpuprofile', options, 'fetch', rounds);
    return outcome(rounds, profile, [`log: ${files.length} segment file(s), ${totalBytes} bytes`]);
  } finally {
    if (broker) await broker.server.stop();
    await baseline.server.stop();
  }
}

/**
 * Broker settings of the groups benchmark: no initial rebalance delay (Kafka's default 3000 ms
 * would be most of every new group's join time), and __consumer_offsets with one replica (the
 * broker would lower it from 3 itself, with a warning).
 */
const GROUP_BROKER_OVERRIDES: Record<string, string> = { 'group.initial.rebalance.delay.ms': '0', 'offsets.topic.replication.factor': '1' };
/** session.timeout.ms of the members (the Java consumer's default). */
const GROUP_SESSION_TIMEOUT_MS = 45_000;
/** Rebalance timeout of the members (the Java default max.poll.interval.ms is 300 s; shorter keeps waits bounded). */
const GROUP_REBALANCE_TIMEOUT_MS = 60_000;
/** Hard limit on one rebalance of the benchmark, and on forming the commit group. */
const GROUP_CONVERGE_LIMIT_MS = 60_000;

interface GroupsBench {
  outcome: GroupsOutcome;
  /** Broker profile of the commit window (the rebalance rounds leave the broker >95% idle). */
  commitProfile: ProfileSummary | null;
}

/** Consumer groups: rebalance latency, then offset-commit throughput, against one (profiled) broker. */
async function benchGroups(options: Options, host: string, workDir: string): Promise<GroupsBench> {
  const profileDir = options.profile ? join(workDir, 'profiles') : null;
  const profileName = 'groups.cpuprofile';
  let broker: Broker | null = await startBroker(host, join(workDir, 'groups-logs'), profileDir, profileName, GROUP_BROKER_OVERRIDES);
  try {
    const rebalanceTopic = 'bench-rebalance';
    const commitTopic = 'bench-commit';
    await createTopic(broker.host, broker.port, rebalanceTopic, options.groupPartitions);
    await createTopic(broker.host, broker.port, commitTopic, options.commitPartitions);
    await waitForLeader(broker.host, broker.port, rebalanceTopic, options.groupPartitions);
    await waitForLeader(broker.host, broker.port, commitTopic, options.commitPartitions);
    const settings = (topic: string, partitions: number): GroupMemberSettings => ({
      host: broker!.host,
      port: broker!.port,
      topic,
      partitions,
      heartbeatIntervalMs: options.heartbeatMs,
      sessionTimeoutMs: GROUP_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: GROUP_REBALANCE_TIMEOUT_MS,
    });
    const rebalanceTask: RebalanceTask = {
      kind: 'rebalance',
      target: 'samsa',
      ...settings(rebalanceTopic, options.groupPartitions),
      members: options.groupMembers,
      rounds: options.groupRounds,
      roundTimeLimitMs: GROUP_CONVERGE_LIMIT_MS,
    };
    settleDisk();
    const rebalance = await runGenerator<RebalanceResult>(groupsScript, rebalanceTask, broker.server.pid, (options.groupRounds + 1) * 3 * GROUP_CONVERGE_LIMIT_MS);
    const commitTask: CommitTask = {
      kind: 'commit',
      target: 'samsa',
      ...settings(commitTopic, options.commitPartitions),
      members: options.commitMembers,
      joinTimeLimitMs: GROUP_CONVERGE_LIMIT_MS,
      warmupMs: options.commitWarmupSeconds * 1000,
      measureMs: options.commitSeconds * 1000,
    };
    settleDisk();
    const commit = await runGenerator<CommitResult>(groupsScript, commitTask, broker.server.pid, GROUP_CONVERGE_LIMIT_MS + (options.commitWarmupSeconds + options.commitSeconds) * 1000 + 90_000);
    log(`stopping the broker: ${await broker.server.stop()}`);
    broker = null;
    const outcome: GroupsOutcome = {
      rebalance,
      commit,
      members: options.groupMembers,
      rebalancePartitions: options.groupPartitions,
      commitPartitions: options.commitPartitions,
      heartbeatMs: options.heartbeatMs,
      sessionTimeoutMs: GROUP_SESSION_TIMEOUT_MS,
      rebalanceTimeoutMs: GROUP_REBALANCE_TIMEOUT_MS,
      commitWarmupSeconds: options.commitWarmupSeconds,
      brokerOverrides: GROUP_BROKER_OVERRIDES,
    };
    if (!profileDir) return { outcome, commitProfile: null };
    const file = join(profileDir, profileName);
    if (!existsSync(file)) throw new Error(`the broker wrote no CPU profile at ${file}`);
    mkdirSync(options.outDir, { recursive: true });
    const kept = join(options.outDir, profileName);
    copyFileSync(file, kept);
    for (const [name, w] of [['rebalance', rebalance.window], ['commit', commit.window]] as const) {
      log(`CPU profile of the ${name} window: node dist/bench/profile-summary.js ${kept} --windows ${w.startUs}-${w.endUs}`);
    }
    return { outcome, commitProfile: summarizeProfile(kept, 15, [commit.window]) };
  } finally {
    if (broker) await broker.server.stop();
  }
}

/** The client benchmark (clients.ts) with this orchestrator's broker start-up; keeps the broker profile. */
async function benchClientsHere(options: Options, host: string, workDir: string): Promise<ClientsOutcome> {
  const profileDir = options.profile ? join(workDir, 'profiles') : null;
  const outcome = await benchClients(
    options.clients,
    {
      host,
      workDir,
      benchDir,
      repoRoot,
      startBroker: (logDir, profileName) => startBroker(host, logDir, profileName === null ? null : profileDir, profileName ?? 'clients'),
      settleDisk,
      log,
    },
    profileDir !== null,
  );
  if (outcome.profileFile !== null) {
    mkdirSync(options.outDir, { recursive: true });
    const kept = join(options.outDir, 'clients.cpuprofile');
    copyFileSync(outcome.profileFile, kept);
    for (const kind of ['produce', 'consume'] as const) {
      const windows = outcome.rounds.map((r) => r[kind].samsa!.window).map((w) => `${w.startUs}-${w.endUs}`).join(',');
      log(`CPU profile of the broker while Samsa's client ran ${kind}: node dist/bench/profile-summary.js ${kept} --windows ${windows}`);
    }
  }
  return outcome;
}

// ---------------------------------------------------------------------------------------------
// Report

function machineDescription(): string[] {
  let model = 'unknown';
  try {
    model = /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? model;
  } catch {
    // not Linux
  }
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', 'src'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) commit += ' (with uncommitted changes in src/)';
  } catch {
    // not a git checkout
  }
  return [
    `- CPU: ${os.cpus().length} cores, ${model}`,
    `- Memory: ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    `- OS: ${os.type()} ${os.release()}; temp dir ${os.tmpdir()}`,
    `- Node: ${process.version}`,
    `- Load average (1, 5, 15 min) when the run started: ${loadAtStart.map((l) => l.toFixed(2)).join(', ')}; at the end: ${os.loadavg().map((l) => l.toFixed(2)).join(', ')}`,
    `- Samsa commit: ${commit}`,
  ];
}

function roundsTable(rounds: Round[]): string[] {
  const lines = [
    '| round | baseline MiB/s | Samsa MiB/s | ratio | generator CPU % (baseline / Samsa) | server CPU % (baseline / Samsa) | server kernel CPU % (baseline / Samsa) | server CPU ms per MiB (baseline / Samsa) | other processes CPU % (baseline / Samsa) |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  rounds.forEach((r, i) => {
    lines.push(
      `| ${i + 1} | ${r.baseline.mibPerSec.toFixed(1)} | ${r.samsa.mibPerSec.toFixed(1)} | ${(r.samsa.mibPerSec / r.baseline.mibPerSec).toFixed(2)} | ` +
        `${r.baseline.generatorCpuPercent.toFixed(0)} / ${r.samsa.generatorCpuPercent.toFixed(0)} | ${r.baseline.serverCpuPercent.toFixed(0)} / ${r.samsa.serverCpuPercent.toFixed(0)} | ` +
        `${r.baseline.serverSystemCpuPercent.toFixed(0)} / ${r.samsa.serverSystemCpuPercent.toFixed(0)} | ${cpuMsPerMib(r.baseline)} / ${cpuMsPerMib(r.samsa)} | ` +
        `${otherCpu(r.baseline)} / ${otherCpu(r.samsa)} |`,
    );
  });
  return lines;
}

/** Server CPU milliseconds spent per MiB moved: the cost that decides throughput once a core is saturated. */
function cpuMsPerMib(r: MeasuredResult): string {
  if (r.serverCpuPercent < 0 || r.mibPerSec <= 0) return '?';
  return ((r.serverCpuPercent * 10) / r.mibPerSec).toFixed(2);
}

/** CPU the rest of the machine used during the window (other processes, kernel threads): noise. */
function otherCpu(r: MeasuredResult): string {
  if (r.machineCpuPercent < 0 || r.serverCpuPercent < 0) return '?';
  return Math.max(0, r.machineCpuPercent - r.serverCpuPercent - r.generatorCpuPercent).toFixed(0);
}

function verdict(o: BenchOutcome): string {
  const pass = o.ratio >= TARGET_RATIO;
  return `**Samsa ${o.samsaMedian.toFixed(1)} MiB/s vs baseline ${o.baselineMedian.toFixed(1)} MiB/s: ratio ${o.ratio.toFixed(2)}** (median of rounds; target >= ${TARGET_RATIO}: ${pass ? 'met' : 'NOT met'})`;
}

function report(options: Options, command: string, produce: BenchOutcome | null, fetch: BenchOutcome | null, groups: GroupsBench | null, clients: ClientsOutcome | null): string {
  const lines = [`## Run of ${new Date().toISOString()}`, '', `Command: \`${command}\``, '', ...machineDescription(), ''];
  if (produce) {
    const sample = produce.rounds[0]!.samsa;
    lines.push(
      '### Produce',
      '',
      `One partition, acks=1, one uncompressed v2 batch of ${sample.batchSizeBytes} bytes (${options.recordBytes}-byte values, null keys) per Produce v9 request ` +
        `(${sample.requestFrameBytes} bytes on the wire), ${options.inflight} in flight on ${options.connections} connection(s); ` +
        `${options.warmupSeconds} s warm-up discarded, ${options.seconds} s measured per run. Baseline: the same frames appended to a file with fs.writeSync, 8-byte ack each.`,
      '',
      ...roundsTable(produce.rounds),
      '',
      verdict(produce),
      '',
    );
  }
  if (fetch) {
    lines.push(
      '### Fetch',
      '',
      `Read the whole log from offset 0 with Fetch v${options.fetchVersion} (partitionMaxBytes ${options.fetchRequestMb} MiB, maxBytes ${options.fetchMaxMb} MiB, one request at a time), ` +
        `first 10% (at most 128 MiB) discarded as warm-up. Baseline: the same segment files read with fs.readSync, ${options.fetchRequestMb} MiB per request. ${fetch.notes.join('; ')}.`,
      '',
      ...roundsTable(fetch.rounds),
      '',
      verdict(fetch),
      '',
    );
  }
  if (groups) lines.push(...groupsReport(groups.outcome, command));
  if (clients) lines.push(...clientsReport(clients));
  for (const [name, o] of [['produce', produce], ['fetch', fetch]] as const) {
    if (o?.profile) lines.push(formatSummary(o.profile, `Broker CPU profile during the ${name} benchmark (${o.profile.file.split('/').pop()})`));
  }
  if (groups?.commitProfile) {
    lines.push(
      formatSummary(groups.commitProfile, 'Broker CPU profile during the offset-commit window (groups.cpuprofile)'),
      'Record-level code is expected here: the group coordinator encodes one `__consumer_offsets` record per committed offset (and replays it into its own state). ' +
        '"Outside the measured windows" includes the commit warm-up and the group formation, not only start-up.',
      '',
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (!existsSync(join(repoRoot, 'dist', 'src', 'broker', 'main.js'))) {
    process.stderr.write('Samsa is not built: run `npm run build` first.\n');
    return 1;
  }
  const command = `node dist/bench/run.js ${process.argv.slice(2).join(' ')}`.trim();
  const host = pickLoopbackHost();
  const workDir = mkdtempSync(join(os.tmpdir(), 'samsa-bench-'));
  const interrupted = (signal: string): void => {
    process.stderr.write(`[bench] ${signal}: stopping child processes and removing ${workDir}\n`);
    stopAllChildren();
    rmSync(workDir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', () => interrupted('SIGINT'));
  process.once('SIGTERM', () => interrupted('SIGTERM'));
  log(`host ${host}, work dir ${workDir}`);
  try {
    const runs = (b: Benchmark): boolean => options.only === 'all' || options.only === b;
    const produce = runs('produce') ? await benchProduce(options, host, workDir) : null;
    if (produce) log(`produce: ${verdict(produce).replace(/\*/g, '')}`);
    const fetch = runs('fetch') ? await benchFetch(options, host, workDir) : null;
    if (fetch) log(`fetch: ${verdict(fetch).replace(/\*/g, '')}`);
    const groups = runs('groups') ? await benchGroups(options, host, workDir) : null;
    if (groups) for (const line of groupsVerdict(groups.outcome)) log(line);
    const clients = runs('clients') ? await benchClientsHere(options, host, workDir) : null;
    if (clients) for (const line of clientsVerdict(clients)) log(line);
    const text = report(options, command, produce, fetch, groups, clients);
    mkdirSync(options.outDir, { recursive: true });
    const reportFile = join(options.outDir, `report-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
    writeFileSync(reportFile, `${text}\n`);
    process.stdout.write(`\n${text}\n`);
    log(`report written to ${reportFile}`);
    return 0;
  } catch (error) {
    process.stderr.write(`[bench] failed: ${(error as Error).stack ?? error}\n`);
    return 1;
  } finally {
    stopAllChildren();
    rmSync(workDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
