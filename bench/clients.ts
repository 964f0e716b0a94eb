/**
 * Client benchmark (`run.js --only clients`): Samsa's client against KafkaJS, @platformatic/kafka
 * and librdkafka (confluent-kafka for Python), producer and consumer throughput of 1000-byte
 * records against ONE Samsa broker, each client in its own process, rounds alternating the order.
 * The targets are ratios measured in the same run: Samsa >= 2x KafkaJS, >= @platformatic/kafka,
 * >= 50% of librdkafka. See bench/README.md, "Clients".
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTopic, waitForLeader } from './admin.js';
import { MIB, type ProduceTask, type TimeWindow } from './common.js';
import { runGenerator, type Measured, type ServerProcess } from './processes.js';
import { formatSummary, summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { CLIENT_NAMES, type ClientName, type ClientResult, type ClientTask } from './clients-task.js';

/** The Python that has confluent_kafka (Debian's python3-confluent-kafka installs it for /usr/bin/python3). */
export const PYTHON = '/usr/bin/python3';

/** Settings of the client benchmark (run.ts parses them from the command line). */
export interface ClientsOptions {
  clients: ClientName[];
  rounds: number;
  records: number;
  recordBytes: number;
  batchBytes: number;
  lingerMs: number;
  maxInFlight: number;
  windowRecords: number;
}

/** What the orchestrator lends the client benchmark: its broker start-up, disk settling and log. */
export interface ClientsContext {
  host: string;
  workDir: string;
  benchDir: string;
  repoRoot: string;
  startBroker(logDir: string, profileName: string | null): Promise<{ server: ServerProcess; host: string; port: number }>;
  settleDisk(): void;
  log(message: string): void;
}

/** One client run plus the broker's CPU over its measured window. */
export type ClientRun = Measured<ClientResult>;

/** One round: every client produced, then every client consumed. */
export interface ClientsRound {
  order: ClientName[];
  produce: Partial<Record<ClientName, ClientRun>>;
  consume: Partial<Record<ClientName, ClientRun>>;
}

/** Everything the report needs. */
export interface ClientsOutcome {
  options: ClientsOptions;
  rounds: ClientsRound[];
  versions: Partial<Record<ClientName, string>>;
  /** Records in the pre-filled topic the consumers read from. */
  filledRecords: number;
  brokerProfiles: { produce: ProfileSummary; consume: ProfileSummary } | null;
  profileFile: string | null;
}

/** The targets of the issue: Samsa's client against each other client, as a minimum ratio of records/s. */
export const CLIENT_TARGETS: readonly { against: ClientName; minRatio: number; text: string }[] = [
  { against: 'kafkajs', minRatio: 2, text: '>= 2x KafkaJS' },
  { against: 'platformatic', minRatio: 1, text: '>= @platformatic/kafka' },
  { against: 'librdkafka', minRatio: 0.5, text: '>= 50% of librdkafka' },
];

/** Display names. */
export const CLIENT_LABELS: Record<ClientName, string> = {
  samsa: 'Samsa client',
  kafkajs: 'KafkaJS',
  platformatic: '@platformatic/kafka',
  librdkafka: 'librdkafka (confluent-kafka)',
};

/** Bytes the load generator's fill batches spend per record at most (1000-byte values: 16 records in 16,205 bytes). */
const FILL_BYTES_PER_RECORD_OVERHEAD = 20;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Hard limit of one client run: slow clients still finish (2,000 records/s), a hung one does not block the suite. */
function runLimitMs(records: number): number {
  return Math.max(60_000, (records / 2000) * 1000);
}

function describe(r: ClientRun): string {
  return (
    `${Math.round(r.recordsPerSec).toLocaleString('en-US')} records/s = ${r.mibPerSec.toFixed(1)} MiB/s ` +
    `(${r.measuredRecords} records in ${(r.measuredMs / 1000).toFixed(2)} s; client CPU ${r.generatorCpuPercent.toFixed(0)}%, ` +
    `broker CPU ${r.serverCpuPercent.toFixed(0)}%, machine ${r.machineCpuPercent.toFixed(0)}%)`
  );
}

/** Runs the client benchmark against one broker (profiled when `profileDir` is set). */
export async function benchClients(options: ClientsOptions, ctx: ClientsContext, profile: boolean): Promise<ClientsOutcome> {
  const nodeScript = join(ctx.benchDir, 'clients-node.js');
  const pythonScript = join(ctx.repoRoot, 'bench', 'clients-librdkafka.py');
  if (options.clients.includes('librdkafka') && !existsSync(PYTHON)) {
    throw new Error(`${PYTHON} is missing: install Debian's python3-confluent-kafka (apt-get install python3-confluent-kafka) or leave librdkafka out with --clients`);
  }
  const profileName = profile ? 'clients.cpuprofile' : null;
  const broker = await ctx.startBroker(join(ctx.workDir, 'clients-logs'), profileName);
  let stopped = false;
  try {
    const base = {
      target: 'samsa' as const,
      host: broker.host,
      port: broker.port,
      records: options.records,
      recordBytes: options.recordBytes,
      batchBytes: options.batchBytes,
      lingerMs: options.lingerMs,
      maxInFlight: options.maxInFlight,
      windowRecords: options.windowRecords,
      warmupRecords: Math.floor(options.records / 10),
      timeLimitMs: runLimitMs(options.records),
    };
    // The consumers' topic: filled once with the same 16 KiB batches the produce benchmark sends.
    const consumeTopic = 'clients-consume';
    await createTopic(broker.host, broker.port, consumeTopic);
    await waitForLeader(broker.host, broker.port, consumeTopic);
    const fillBytes = options.records * (options.recordBytes + FILL_BYTES_PER_RECORD_OVERHEAD);
    const fillTask: ProduceTask = {
      kind: 'produce',
      target: 'samsa',
      host: broker.host,
      port: broker.port,
      topic: consumeTopic,
      partition: 0,
      recordBytes: options.recordBytes,
      batchBytes: options.batchBytes,
      inflightPerConnection: 8,
      connections: 1,
      warmupMs: 0,
      measureMs: base.timeLimitMs,
      stopAfterBytes: fillBytes,
    };
    const fill = await runGenerator(join(ctx.benchDir, 'load-generator.js'), fillTask, broker.server.pid, base.timeLimitMs + 60_000);
    const filledRecords = Math.floor((fill.totalBytes / fill.batchSizeBytes!) * Math.floor((options.batchBytes - 61) / (options.recordBytes + 8)));
    ctx.log(`clients: filled ${consumeTopic} with ${(fill.totalBytes / MIB).toFixed(0)} MiB (~${filledRecords} records) at ${fill.mibPerSec.toFixed(1)} MiB/s`);

    const run = async (client: ClientName, kind: ClientTask['kind'], round: number): Promise<ClientRun> => {
      let topic = consumeTopic;
      if (kind === 'client-produce') {
        topic = `clients-produce-${client}-${round + 1}`;
        await createTopic(broker.host, broker.port, topic);
        await waitForLeader(broker.host, broker.port, topic);
      }
      const task: ClientTask = { ...base, kind, client, topic, groupId: `clients-${client}-${round + 1}` };
      ctx.settleDisk();
      const python = client === 'librdkafka';
      const result = await runGenerator<ClientResult>(python ? pythonScript : nodeScript, task, broker.server.pid, task.timeLimitMs + 30_000, python ? PYTHON : undefined);
      if (result.measuredRecords < options.records / 2) {
        throw new Error(`${client} ${kind}: only ${result.measuredRecords} of ${options.records} records fell in the measured window (it took them in a few large steps): use more --client-records`);
      }
      if (kind === 'client-consume') {
        if (result.valueBytes !== options.records * options.recordBytes) {
          throw new Error(`${client} consumed ${result.valueBytes} value bytes, expected ${options.records} x ${options.recordBytes}`);
        }
        if (result.lastOffset !== options.records - 1) throw new Error(`${client}'s last record has offset ${result.lastOffset}, expected ${options.records - 1}`);
      }
      return result;
    };

    const rounds: ClientsRound[] = [];
    const versions: Partial<Record<ClientName, string>> = {};
    for (let i = 0; i < options.rounds; i++) {
      const order = i % 2 === 0 ? [...options.clients] : [...options.clients].reverse();
      const round: ClientsRound = { order, produce: {}, consume: {} };
      for (const [kind, results] of [['client-produce', round.produce], ['client-consume', round.consume]] as const) {
        for (const client of order) {
          const result = await run(client, kind, i);
          results[client] = result;
          versions[client] = result.version;
          ctx.log(`round ${i + 1}/${options.rounds} ${kind.slice(7).padEnd(7)} ${client.padEnd(12)} ${describe(result)}`);
        }
      }
      rounds.push(round);
    }
    ctx.log(`stopping the broker: ${await broker.server.stop()}`);
    stopped = true;
    let brokerProfiles: ClientsOutcome['brokerProfiles'] = null;
    let profileFile: string | null = null;
    if (profileName !== null && options.clients.includes('samsa')) {
      profileFile = join(ctx.workDir, 'profiles', profileName);
      if (!existsSync(profileFile)) throw new Error(`the broker wrote no CPU profile at ${profileFile}`);
      const windows = (kind: 'produce' | 'consume'): TimeWindow[] => rounds.map((r) => r[kind].samsa!.window);
      brokerProfiles = { produce: summarizeProfile(profileFile, 12, windows('produce')), consume: summarizeProfile(profileFile, 12, windows('consume')) };
    }
    return { options, rounds, versions, filledRecords, brokerProfiles, profileFile };
  } finally {
    if (!stopped) await broker.server.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/** Median records/s of a client over the rounds. */
function medianRate(o: ClientsOutcome, kind: 'produce' | 'consume', client: ClientName): number {
  return median(o.rounds.map((r) => r[kind][client]!.recordsPerSec));
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** One line per target and direction, for the console. */
export function clientsVerdict(o: ClientsOutcome): string[] {
  const lines: string[] = [];
  if (!o.options.clients.includes('samsa')) return lines;
  for (const kind of ['produce', 'consume'] as const) {
    const samsa = medianRate(o, kind, 'samsa');
    for (const t of CLIENT_TARGETS) {
      if (!o.options.clients.includes(t.against)) continue;
      const ratio = samsa / medianRate(o, kind, t.against);
      lines.push(`clients ${kind}: Samsa / ${CLIENT_LABELS[t.against]} = ${ratio.toFixed(2)} (target ${t.text}: ${ratio >= t.minRatio ? 'met' : 'NOT met'})`);
    }
  }
  return lines;
}

/** The Markdown section of the report. */
export function clientsReport(o: ClientsOutcome): string[] {
  const { options } = o;
  const lines = [
    '### Clients',
    '',
    `One Samsa broker, one topic of 1 partition per run. Producers: ${options.records.toLocaleString('en-US')} records of ${options.recordBytes} bytes (null keys) into a fresh topic, ` +
      `acks=1, no compression, no idempotence, batch.size ${options.batchBytes} and linger.ms ${options.lingerMs} (KafkaJS and @platformatic/kafka have no accumulator: ` +
      `send() calls of ${Math.max(1, Math.floor(options.batchBytes / options.recordBytes))} records each), at most ${options.maxInFlight} requests in flight, ` +
      `at most ${options.windowRecords} records unacknowledged. Consumers: the first ${options.records.toLocaleString('en-US')} records of a pre-filled topic ` +
      `(16 KiB batches) from offset 0; Samsa and librdkafka with assign(), KafkaJS through a consumer group (it has no group-less consumer; ` +
      `the join happens before the measured window), @platformatic/kafka with its group-less fetch() in a loop (its streams need a group, and send the topic id where Fetch v12 wants the name). Records/s over the records after the first 10% (warm-up); MiB = 2^20 bytes of values. ` +
      `${o.rounds.length} round(s), client order alternating.`,
    '',
    '| client | version | produce records/s | produce MiB/s | consume records/s | consume MiB/s |',
    '|---|---|---:|---:|---:|---:|',
  ];
  for (const client of options.clients) {
    const p = medianRate(o, 'produce', client);
    const c = medianRate(o, 'consume', client);
    lines.push(
      `| ${CLIENT_LABELS[client]} | ${o.versions[client] ?? '?'} | ${fmt(p)} | ${((p * options.recordBytes) / MIB).toFixed(1)} | ${fmt(c)} | ${((c * options.recordBytes) / MIB).toFixed(1)} |`,
    );
  }
  lines.push('', 'Medians over the rounds.', '');
  if (options.clients.includes('samsa')) {
    lines.push('| target | produce ratio | consume ratio |', '|---|---:|---:|');
    for (const t of CLIENT_TARGETS) {
      if (!options.clients.includes(t.against)) continue;
      const cell = (kind: 'produce' | 'consume'): string => {
        const ratio = medianRate(o, kind, 'samsa') / medianRate(o, kind, t.against);
        return `${ratio.toFixed(2)} (${ratio >= t.minRatio ? 'met' : '**NOT met**'})`;
      };
      lines.push(`| Samsa ${t.text} | ${cell('produce')} | ${cell('consume')} |`);
    }
    lines.push('');
  }
  lines.push(
    '| round | run | client | records/s | MiB/s | client CPU % | broker CPU % | other processes CPU % |',
    '|---:|---|---|---:|---:|---:|---:|---:|',
  );
  o.rounds.forEach((round, i) => {
    for (const kind of ['produce', 'consume'] as const) {
      for (const client of round.order) {
        const r = round[kind][client]!;
        const other = r.machineCpuPercent < 0 ? '?' : Math.max(0, r.machineCpuPercent - r.serverCpuPercent - r.generatorCpuPercent).toFixed(0);
        lines.push(`| ${i + 1} | ${kind} | ${client} | ${fmt(r.recordsPerSec)} | ${r.mibPerSec.toFixed(1)} | ${r.generatorCpuPercent.toFixed(0)} | ${r.serverCpuPercent.toFixed(0)} | ${other} |`);
      }
    }
  });
  lines.push('');
  if (o.brokerProfiles) {
    lines.push(
      formatSummary(o.brokerProfiles.produce, "Broker CPU profile while Samsa's client produced (clients.cpuprofile)"),
      formatSummary(o.brokerProfiles.consume, "Broker CPU profile while Samsa's client consumed (clients.cpuprofile)"),
    );
  }
  return lines;
}

/** Parses `--clients a,b,...`. */
export function parseClientList(raw: string | undefined): ClientName[] {
  if (raw === undefined) return [...CLIENT_NAMES];
  const names = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
  for (const n of names) {
    if (!(CLIENT_NAMES as readonly string[]).includes(n)) throw new Error(`--clients: unknown client ${n}; choose from ${CLIENT_NAMES.join(', ')}`);
  }
  if (names.length === 0) throw new Error('--clients needs at least one client');
  return names as ClientName[];
}
