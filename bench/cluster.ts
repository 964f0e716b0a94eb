/**
 * Cluster benchmarks (issue 5), each against a fresh 3-node cluster of real processes on
 * loopback addresses (the same harness as test/cluster, with the local-cluster failover settings):
 *
 *   node dist/bench/cluster.js --only failover [--trials 20]
 *     SIGKILL of a partition's leader to the first successful acks=all produce on its successor.
 *     A producer (Samsa's client, idempotent, acks=all) sends to a 1-partition RF-3 topic every
 *     5 ms; the time from the kill to the first acknowledgement after it is one trial. The killed
 *     node is restarted and the ISR allowed to fill before the next trial. Reports median and p99,
 *     and separately the trials where the leader was also the active controller.
 *
 *   node dist/bench/cluster.js --only perf [--num-records 1000000] [--runs 3]
 *     The course's load test: `producer-perf-test --num-records 1000000 --record-size 1000
 *     --throughput -1 --producer-props acks=1 batch.size=16384 linger.ms=50` against an
 *     8-partition RF-3 topic, `--runs` times in one cluster, each run on a fresh topic with the
 *     previous one deleted; every run's summary line (records/sec, MB/sec, latencies) and the
 *     median MB/sec.
 *
 * Prints a Markdown report and writes it to bench/out/cluster-*.md. Numbers, not pass/fail.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Admin, Producer } from '../src/client/index.js';
import { LOCAL_FAILOVER_SETTINGS } from '../src/broker/local-cluster.js';
import { eventually } from '../test/helpers/cluster-admin.js';
import { delay, machineBusyMs, processCpuMs, settleDisk, topicFilesRemoved } from './common.js';
import { startCluster, type ClusterHandle } from '../test/helpers/cluster.js';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const samsaBin = join(repoRoot, 'bin', 'samsa.js');

/** A table row of median, p99 and max, with dashes when there were no such trials. */
function row(label: string, sorted: readonly number[]): string {
  if (sorted.length === 0) return `| ${label} | - | - | - |`;
  return `| ${label} | ${percentile(sorted, 50)} | ${percentile(sorted, 99)} | ${sorted.at(-1)} |`;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Trial {
  killed: number;
  wasController: boolean;
  ms: number;
}

async function benchFailover(cluster: ClusterHandle, trials: number, log: (m: string) => void): Promise<Trial[]> {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'request.timeout.ms': 3000 });
  await admin.createTopics([{ name: 'failover', numPartitions: 1, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
  // A client that retries every 20-100 ms measures the cluster's recovery rather than the client's
  // own exponential backoff (Kafka's default doubles 100 ms up to 1 s: up to ~1 s more).
  const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'linger.ms': 0, 'request.timeout.ms': 2000, 'retry.backoff.ms': 20, 'retry.backoff.max.ms': 100 });
  const acks: number[] = [];
  let sending = true;
  let failures = 0;
  const loop = (async () => {
    let i = 0;
    while (sending) {
      producer.send({ topic: 'failover', partition: 0, value: `v${i++}` }).then(
        () => acks.push(Date.now()),
        () => failures++,
      );
      await delay(5);
    }
  })();
  const out: Trial[] = [];
  try {
    await eventually('first acknowledgements', 30_000, async () => (acks.length > 20 ? true : undefined));
    for (let t = 0; t < trials; t++) {
      const [d] = await admin.describeTopics(['failover']);
      const leader = d!.partitions[0]!.leader;
      const controller = (await admin.describeQuorum()).leaderId;
      const killedAt = Date.now();
      await cluster.node(leader).kill();
      // Acknowledgements the old leader sent before it died may still arrive for a moment: count
      // only those after the process is gone (they come from the successor).
      const goneAt = Date.now();
      const first = await eventually(`an acknowledgement after killing node ${leader}`, 60_000, async () => acks.find((a) => a > goneAt));
      out.push({ killed: leader, wasController: leader === controller, ms: first - killedAt });
      log(`trial ${t + 1}: killed leader ${leader}${leader === controller ? ' (also the active controller)' : ''}: ${first - killedAt} ms`);
      await cluster.node(leader).restart();
      await eventually('ISR 3 again', 60_000, async () => ((await admin.describeTopics(['failover']))[0]!.partitions[0]!.isr.length === 3 ? true : undefined));
      await delay(500);
    }
  } finally {
    sending = false;
    await loop;
    await producer.close().catch(() => undefined);
    await admin.close();
  }
  log(`${acks.length} acknowledged, ${failures} failed sends over the run`);
  return out;
}

/** One producer-perf-test run; returns its output lines. */
async function perfRun(cluster: ClusterHandle, topic: string, numRecords: number, log: (m: string) => void): Promise<string[]> {
  const args = [samsaBin, 'producer-perf-test', '--topic', topic, '--num-records', String(numRecords), '--throughput', '-1', '--record-size', '1000',
    '--producer-props', `bootstrap.servers=${cluster.bootstrap}`, 'batch.size=16384', 'acks=1', 'linger.ms=50'];
  log(`samsa ${args.slice(1).join(' ')}`);
  const lines: string[] = [];
  await new Promise<void>((resolveRun, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let buf = '';
    child.stdout.on('data', (c: Buffer) => {
      buf += c.toString();
      const parts = buf.split('\n');
      buf = parts.pop()!;
      for (const l of parts) {
        lines.push(l);
        log(l);
      }
    });
    child.stderr.on('data', (c: Buffer) => process.stderr.write(c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15 * 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (buf) lines.push(buf);
      if (code === 0) resolveRun();
      else reject(new Error(`producer-perf-test exited with ${code}`));
    });
  });
  return lines;
}

interface PerfRun {
  topic: string;
  /** The tool's final summary line. */
  summary: string;
  mbPerSec: number;
  /** Wall time of the run (the tool's process), ms. */
  wallMs: number;
  /** CPU time of the three brokers together over the run, ms. */
  brokersCpuMs: number;
  /** Busy CPU time of the whole machine over the run (the tool included), ms; NaN off Linux. */
  machineBusyMs: number;
}

/** CPU time (user + system) of every node of `cluster` so far, ms. */
function brokersCpuMs(cluster: ClusterHandle): number {
  let total = 0;
  for (const node of cluster.nodes.values()) {
    const cpu = processCpuMs(node.pid);
    if (cpu === null) throw new Error(`cannot read the CPU time of node pid ${node.pid}`);
    total += cpu.userMs + cpu.systemMs;
  }
  return total;
}

/**
 * `runs` runs of the course's load test, each on a fresh 8-partition RF-3 topic; before each run
 * the previous run's topic is deleted (its files removed on every node) and the page cache written
 * back, so that every run starts from the same state: an otherwise empty cluster with about as
 * much free page cache as the run needs.
 */
async function benchPerf(cluster: ClusterHandle, numRecords: number, runs: number, log: (m: string) => void): Promise<PerfRun[]> {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
  const out: PerfRun[] = [];
  try {
    for (let i = 1; i <= runs; i++) {
      if (i > 1) {
        await admin.deleteTopics([out.at(-1)!.topic]);
        await topicFilesRemoved([...cluster.nodes.values()].map((n) => n.logDir), out.at(-1)!.topic);
      }
      const topic = runs === 1 ? 'test_topic' : `test_topic_${i}`;
      await admin.createTopics([{ name: topic, numPartitions: 8, replicationFactor: 3 }]);
      await eventually(`leaders for ${topic}`, 30_000, async () => ((await admin.describeTopics([topic]))[0]!.partitions.every((p) => p.leader >= 0 && p.isr.length === 3) ? true : undefined));
      settleDisk(log);
      const cpuBefore = brokersCpuMs(cluster);
      const busyBefore = machineBusyMs() ?? NaN;
      const startedMs = performance.now();
      const lines = await perfRun(cluster, topic, numRecords, log);
      const wallMs = performance.now() - startedMs;
      const brokersCpu = brokersCpuMs(cluster) - cpuBefore;
      const machineBusy = (machineBusyMs() ?? NaN) - busyBefore;
      const summary = lines.filter((l) => / records sent, .*th\.$/.test(l)).at(-1);
      const mb = summary === undefined ? undefined : / \(([\d.]+) MB\/sec\)/.exec(summary)?.[1];
      if (summary === undefined || mb === undefined) throw new Error(`producer-perf-test printed no summary line: ${lines.at(-1) ?? '(no output)'}`);
      out.push({ topic, summary, mbPerSec: Number(mb), wallMs, brokersCpuMs: brokersCpu, machineBusyMs: machineBusy });
    }
    return out;
  } finally {
    await admin.close();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string', default: 'all' }, trials: { type: 'string', default: '20' }, 'num-records': { type: 'string', default: '1000000' }, runs: { type: 'string', default: '3' }, 'out-dir': { type: 'string', default: join(repoRoot, 'bench', 'out') } } });
  const only = values.only!;
  if (!['all', 'failover', 'perf'].includes(only)) {
    process.stderr.write(`--only must be failover, perf or all, got ${only}\n`);
    return 2;
  }
  if (!/^[1-9]\d*$/.test(values.runs!)) {
    process.stderr.write(`--runs must be a positive integer, got ${values.runs}\n`);
    return 2;
  }
  const report: string[] = [`# Cluster benchmarks, ${new Date().toISOString()}`, '', `Machine: ${os.cpus().length} cores, load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; 3 nodes (separate processes) on 127.0.0.x.`, ''];
  const log = (m: string): void => {
    process.stdout.write(`${m}\n`);
  };
  if (only === 'all' || only === 'failover') {
    const cluster = await startCluster(3);
    try {
      const trials = await benchFailover(cluster, Number(values.trials), log);
      const all = trials.map((t) => t.ms).sort((a, b) => a - b);
      const plain = trials.filter((t) => !t.wasController).map((t) => t.ms).sort((a, b) => a - b);
      const ctl = trials.filter((t) => t.wasController).map((t) => t.ms).sort((a, b) => a - b);
      report.push('## Leader failover: SIGKILL of the leader to the first acks=all acknowledgement', '',
        `\`node dist/bench/cluster.js --only failover --trials ${values.trials}\` (the local cluster's settings: ${Object.entries(LOCAL_FAILOVER_SETTINGS).map(([k, v]) => `${k}=${v}`).join(', ')}; producer retry.backoff.ms=20, retry.backoff.max.ms=100)`, '',
        '| trials | median ms | p99 ms | max ms |', '|---|---|---|---|',
        row(`all ${all.length}`, all),
        row(`leader only (${plain.length})`, plain),
        row(`leader was also the active controller (${ctl.length})`, ctl), '',
        `Trials (ms): ${trials.map((t) => `${t.ms}${t.wasController ? '*' : ''}`).join(', ')} (* = the active controller was killed too)`, '');
    } finally {
      await cluster.cleanup();
    }
  }
  if (only === 'all' || only === 'perf') {
    const cluster = await startCluster(3);
    try {
      const runs = await benchPerf(cluster, Number(values['num-records']), Number(values.runs), log);
      const sorted = runs.map((r) => r.mbPerSec).sort((a, b) => a - b);
      report.push('## producer-perf-test against the 3-node cluster', '',
        `\`samsa producer-perf-test --topic test_topic_N --num-records ${values['num-records']} --throughput -1 --record-size 1000 --producer-props bootstrap.servers=<3 nodes> batch.size=16384 acks=1 linger.ms=50\`, topic with 8 partitions, RF 3; ${runs.length} run(s) in one cluster, each on a fresh topic, the previous run's topic deleted first`, '',
        '```', ...runs.map((r) => r.summary), '```', '',
        `Median ${percentile(sorted, 50)} MB/sec (runs: ${runs.map((r) => r.mbPerSec.toFixed(2)).join(', ')})`, '',
        'CPU over each run (wall time of the tool\'s process; the machine has ' + os.cpus().length + ' cores):', '',
        '| run | MB/sec | wall s | brokers CPU s | brokers CPU ms per MB sent | machine busy % |', '|---:|---:|---:|---:|---:|---:|',
        ...runs.map((r, i) => {
          const mb = (Number(values['num-records']) * 1000) / 1e6;
          return `| ${i + 1} | ${r.mbPerSec.toFixed(2)} | ${(r.wallMs / 1000).toFixed(1)} | ${(r.brokersCpuMs / 1000).toFixed(1)} | ${(r.brokersCpuMs / mb).toFixed(2)} | ${((r.machineBusyMs / (r.wallMs * os.cpus().length)) * 100).toFixed(0)} |`;
        }), '');
    } finally {
      await cluster.cleanup();
    }
  }
  const text = report.join('\n');
  mkdirSync(values['out-dir']!, { recursive: true });
  const file = join(values['out-dir']!, `cluster-${new Date().toISOString().replace(/[:.]/g, '-')}.md`);
  writeFileSync(file, text);
  process.stdout.write(`\n${text}\n(written to ${file})\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
