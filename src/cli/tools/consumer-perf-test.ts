/**
 * `samsa consumer-perf-test` / `kafka-consumer-perf-test` (Kafka's ConsumerPerformance): a group
 * member reads --messages records with poll(100 ms) and prints Kafka's CSV-like stats line (or one
 * line per --reporting-interval with --show-detailed-stats). Bytes are key + value lengths; MB is
 * 2^20 bytes; rebalance time is subscribe/revocation → assignment; fetch time is the rest.
 */
import { Consumer, type ConsumerOptions, type TopicPartition } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { clientOptions } from '../client-props.js';
import { BOOTSTRAP_SERVER, required } from '../common.js';
import { formatSimpleDate, javaFixed } from '../java-format.js';
import type { Tool, ToolIo } from '../tool.js';
import { includePattern, intArg, propsFromArgs, topicsMatching } from '../tool-args.js';

const POLL_MS = 100;
const MB = 1024 * 1024;

const OPTIONS: readonly OptionSpec[] = [
  { ...BOOTSTRAP_SERVER, description: 'REQUIRED: The server(s) to connect to.' },
  { name: 'topic', takesValue: true, valueName: 'String: topic', description: 'The topic to consume from.' },
  { name: 'include', takesValue: true, valueName: 'String: Java regex (String)', description: 'Regular expression specifying list of topics to include for consumption.' },
  { name: 'group', takesValue: true, valueName: 'String: gid', description: 'The group id to consume on. (default: perf-consumer-<random>)' },
  { name: 'fetch-size', takesValue: true, valueName: 'Integer: size', description: 'The amount of data to fetch in a single request. (default: 1048576)' },
  { name: 'from-latest', takesValue: false, description: 'If the consumer does not already have an established offset to consume from, start with the latest message present in the log rather than the earliest message.' },
  { name: 'socket-buffer-size', takesValue: true, valueName: 'Integer: size', description: 'The size of the tcp RECV size (accepted; Samsa uses the OS default). (default: 2097152)' },
  { name: 'command-config', aliases: ['consumer.config'], deprecatedAliases: ['consumer.config'], takesValue: true, valueName: 'String: config file', description: 'Consumer config properties file.' },
  { name: 'print-metrics', takesValue: false, description: 'Print out the metrics.' },
  { name: 'show-detailed-stats', takesValue: false, description: 'If set, stats are reported for each reporting interval as configured by reporting-interval' },
  { name: 'timeout', takesValue: true, valueName: 'Long: milliseconds', description: 'The maximum allowed time in milliseconds between returned records. (default: 10000)' },
  { name: 'messages', takesValue: true, valueName: 'Long: count', description: 'REQUIRED: The number of messages to consume.' },
  { name: 'reporting-interval', takesValue: true, valueName: 'Long: interval_ms', description: 'Interval in milliseconds at which to print progress info. (default: 5000)' },
  { name: 'date-format', takesValue: true, valueName: 'String: date format', description: 'The date format to use for formatting the time field. See java.text.SimpleDateFormat for options. (default: yyyy-MM-dd HH:mm:ss:SSS)' },
  { name: 'hide-header', takesValue: false, description: 'If set, skips printing the header for the stats' },
];

const HEADER_TAIL = ', rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec';

/** The header line (`--hide-header` leaves it out). */
export function perfConsumerHeader(detailed: boolean): string {
  return detailed ? `time, threadId, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${HEADER_TAIL}` : `start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec${HEADER_TAIL}`;
}

/** The final line: `%s, %s, %.4f, %.4f, %d, %.4f, %d, %d, %.4f, %.4f`. */
export function perfConsumerSummary(s: { startMs: number; endMs: number; bytes: number; messages: number; joinTimeMs: number; dateFormat: string }): string {
  const elapsedSec = (s.endMs - s.startMs) / 1000;
  const fetchTimeMs = s.endMs - s.startMs - s.joinTimeMs;
  const mb = s.bytes / MB;
  return [
    formatSimpleDate(s.startMs, s.dateFormat),
    formatSimpleDate(s.endMs, s.dateFormat),
    javaFixed(mb, 4),
    javaFixed(mb / elapsedSec, 4),
    String(s.messages),
    javaFixed(s.messages / elapsedSec, 4),
    String(s.joinTimeMs),
    String(fetchTimeMs),
    javaFixed(mb / (fetchTimeMs / 1000), 4),
    javaFixed(s.messages / (fetchTimeMs / 1000), 4),
  ].join(', ');
}

/** One --show-detailed-stats line for the interval [startMs, endMs]. */
export function perfConsumerProgress(p: { bytes: number; lastBytes: number; messages: number; lastMessages: number; startMs: number; endMs: number; joinTimeMs: number; dateFormat: string }): string {
  const elapsedMs = p.endMs - p.startMs;
  const intervalMb = (p.bytes - p.lastBytes) / MB;
  const fetchTimeMs = elapsedMs - p.joinTimeMs;
  const intervalMessages = p.messages - p.lastMessages;
  return [
    formatSimpleDate(p.endMs, p.dateFormat),
    '0',
    javaFixed(p.bytes / MB, 4),
    javaFixed((1000 * intervalMb) / elapsedMs, 4),
    String(p.messages),
    javaFixed((intervalMessages / elapsedMs) * 1000, 4),
    String(p.joinTimeMs),
    String(fetchTimeMs),
    javaFixed(fetchTimeMs <= 0 ? 0 : (1000 * intervalMb) / fetchTimeMs, 4),
    javaFixed(fetchTimeMs <= 0 ? 0 : (1000 * intervalMessages) / fetchTimeMs, 4),
  ].join(', ');
}

function consumerOptions(args: ParsedArgs, io: ToolIo): ConsumerOptions {
  const props = propsFromArgs(args, 'command-config', undefined);
  const options = clientOptions('consumer', props, (line) => io.stderr.write(`${line}\n`));
  options['bootstrap.servers'] = required(args, 'bootstrap-server');
  options['group.id'] = args.get('group') ?? `perf-consumer-${Math.floor(Math.random() * 100_000)}`;
  options['max.partition.fetch.bytes'] = intArg(args, 'fetch-size', 1024 * 1024);
  options['auto.offset.reset'] = args.has('from-latest') ? 'latest' : 'earliest';
  options['client.id'] ??= 'perf-consumer-client';
  intArg(args, 'socket-buffer-size', 0);
  return options as unknown as ConsumerOptions;
}

/** Topics for --topic or --include (matched against the cluster's topics once). */
async function topicsToRead(args: ParsedArgs, options: ConsumerOptions): Promise<string[]> {
  if (args.has('topic')) return [args.get('topic')!];
  const topics = await topicsMatching(String(options['bootstrap.servers']), options['client.id'] ?? 'perf-consumer-client', includePattern(args.get('include')!));
  if (topics.length === 0) throw new UsageError(`No topic matches --include ${args.get('include')}`);
  return topics;
}

async function run(args: ParsedArgs, io: ToolIo): Promise<number> {
  const numMessages = intArg(args, 'messages');
  if (numMessages === undefined) throw new UsageError('Missing required argument "[messages]"');
  if (args.has('topic') === args.has('include')) throw new UsageError('Exactly one of the following arguments is required: --topic, --include');
  const reportingIntervalMs = intArg(args, 'reporting-interval', 5000);
  if (reportingIntervalMs <= 0) throw new UsageError('Reporting interval must be greater than 0.');
  const timeoutMs = intArg(args, 'timeout', 10_000);
  const detailed = args.has('show-detailed-stats');
  const dateFormat = args.get('date-format') ?? 'yyyy-MM-dd HH:mm:ss:SSS';
  formatSimpleDate(0, dateFormat); // reject a bad pattern before connecting
  const print = (line: string): void => void io.stdout.write(`${line}\n`);
  const options = consumerOptions(args, io);
  let interrupted = false;
  void io.interrupted.then(() => (interrupted = true));

  if (!args.has('hide-header')) print(perfConsumerHeader(detailed));
  const consumer = new Consumer(options);
  const startMs = Date.now();
  let joinTimeMs = 0;
  let roundJoinTimeMs = 0;
  let joinStartMs = startMs;
  const assigned = new Map<string, TopicPartition>();
  const key = (tp: TopicPartition): string => `${tp.topic}\u0000${tp.partition}`;
  let messages = 0;
  let bytes = 0;
  try {
    await consumer.connect();
    consumer.subscribe(await topicsToRead(args, options), {
      onPartitionsRevoked(tps) {
        for (const tp of tps) assigned.delete(key(tp));
        if (assigned.size === 0) joinStartMs = Date.now();
      },
      onPartitionsAssigned(tps) {
        if (assigned.size === 0) {
          joinTimeMs += Date.now() - joinStartMs;
          roundJoinTimeMs += Date.now() - joinStartMs;
        }
        for (const tp of tps) assigned.set(key(tp), tp);
      },
    });
    let now = Date.now();
    let lastReportMs = now;
    let lastConsumedMs = now;
    let lastBytes = 0;
    let lastMessages = 0;
    while (!interrupted && messages < numMessages && now - lastConsumedMs <= timeoutMs) {
      const records = await consumer.poll(POLL_MS);
      now = Date.now();
      if (records.length > 0) lastConsumedMs = now;
      for (const record of records) {
        messages++;
        bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
        if (now - lastReportMs >= reportingIntervalMs) {
          if (detailed) {
            print(perfConsumerProgress({ bytes, lastBytes, messages, lastMessages, startMs: lastReportMs, endMs: now, joinTimeMs: roundJoinTimeMs, dateFormat }));
          }
          roundJoinTimeMs = 0;
          lastReportMs = now;
          lastMessages = messages;
          lastBytes = bytes;
        }
      }
    }
    if (messages < numMessages && !interrupted) {
      print(`WARNING: Exiting before consuming the expected number of messages: timeout (${timeoutMs} ms) exceeded. You can use the --timeout option to increase the timeout.`);
    }
  } catch (err) {
    await consumer.close().catch(() => undefined);
    throw err;
  }
  const endMs = Date.now();
  await consumer.close();
  if (!detailed) print(perfConsumerSummary({ startMs, endMs, bytes, messages, joinTimeMs, dateFormat }));
  if (args.has('print-metrics')) {
    const clientId = String(options['client.id']);
    const metrics = [`consumer-fetch-manager-metrics:bytes-consumed-total:{client-id=${clientId}}`, `consumer-fetch-manager-metrics:records-consumed-total:{client-id=${clientId}}`];
    const width = Math.max(...metrics.map((m) => m.length));
    print(`\n${'Metric Name'.padEnd(width)}   Value`);
    print(`${metrics[0]!.padEnd(width)} : ${javaFixed(bytes, 3)}`);
    print(`${metrics[1]!.padEnd(width)} : ${javaFixed(messages, 3)}`);
  }
  return interrupted ? 130 : 0;
}

/** The consumer perf test tool. */
export const consumerPerfTestTool: Tool = {
  name: 'consumer-perf-test',
  summary: 'Measure consumer throughput (Kafka ConsumerPerformance).',
  options: OPTIONS,
  run,
};
