/**
 * `samsa console-consumer` / `kafka-console-consumer`: prints records with Kafka's
 * DefaultMessageFormatter. A group member (subscribe) by default; with --partition a single
 * partition by manual assignment and no group. Ends at --max-messages, --timeout-ms without
 * records, a closed stdout, or Ctrl-C; then prints `Processed a total of N messages` on stderr.
 */
import { Consumer, type ConsumerOptions, type ConsumerRecord, type TopicPartition } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { clientOptions } from '../client-props.js';
import { BOOTSTRAP_SERVER, readPropertiesFile, required } from '../common.js';
import { describeError } from '../errors.js';
import { DefaultMessageFormatter } from '../formatter.js';
import type { Tool, ToolIo } from '../tool.js';
import { includePattern, intArg, propsFromArgs, renamedOption, topicsMatching } from '../tool-args.js';

const FORMATTER = 'org.apache.kafka.tools.consumer.DefaultMessageFormatter';
/** Longest single poll; Ctrl-C and --timeout-ms are checked at least this often. */
const POLL_SLICE_MS = 1000;
/** How often a --include pattern that matches nothing is re-evaluated. */
const INCLUDE_RETRY_MS = 2000;

const OPTIONS: readonly OptionSpec[] = [
  BOOTSTRAP_SERVER,
  { name: 'topic', takesValue: true, valueName: 'String: topic', description: 'The topic to consume from.' },
  { name: 'include', takesValue: true, valueName: 'String: Java regex (String)', description: 'Regular expression specifying list of topics to include for consumption.' },
  { name: 'partition', takesValue: true, valueName: 'Integer: partition', description: "The partition to consume from. Consumption starts from the end of the partition unless '--offset' is specified." },
  {
    name: 'offset',
    takesValue: true,
    valueName: 'String: consume offset',
    description: "The offset to consume from (a non-negative number), or 'earliest' which means from beginning, or 'latest' which means from end (default: latest)",
  },
  { name: 'from-beginning', takesValue: false, description: 'If the consumer does not already have an established offset to consume from, start with the earliest message present in the log rather than the latest message.' },
  { name: 'group', takesValue: true, valueName: 'String: consumer group id', description: 'The consumer group id of the consumer.' },
  { name: 'max-messages', takesValue: true, valueName: 'Integer: num_messages', description: 'The maximum number of messages to consume before exiting. If not set, consumption is continual.' },
  { name: 'timeout-ms', takesValue: true, valueName: 'Long: timeout_ms', description: 'If specified, exit if no message is available for consumption for the specified interval.' },
  { name: 'skip-message-on-error', takesValue: false, description: 'If there is an error when processing a message, skip it instead of halt.' },
  { name: 'isolation-level', takesValue: true, valueName: 'String', description: 'Set to read_committed in order to filter out transactional messages which are not committed. Set to read_uncommitted to read all messages. (default: read_uncommitted)' },
  renamedOption('command-property', 'consumer-property', 'String: consumer_prop', 'Consumer config properties in the form key=value.', true),
  renamedOption('command-config', 'consumer.config', 'String: config file', 'Consumer config properties file. Note that --command-property takes precedence over this config.'),
  renamedOption(
    'formatter-property',
    'property',
    'String: prop',
    'The properties to initialize the message formatter: print.timestamp, print.key, print.offset, print.partition, print.headers, print.value, key.separator, line.separator, headers.separator, null.literal, key.deserializer, value.deserializer, headers.deserializer.',
    true,
  ),
  { name: 'formatter-config', takesValue: true, valueName: 'String: config file', description: 'Config properties file to initialize the message formatter. Note that --formatter-property takes precedence over this config.' },
  { name: 'formatter', takesValue: true, valueName: 'String: class', description: `The name of a class to use for formatting kafka messages for display (only ${FORMATTER}).` },
  { name: 'key-deserializer', takesValue: true, valueName: 'String: deserializer for keys', description: 'The name of the class to use for deserializing keys.' },
  { name: 'value-deserializer', takesValue: true, valueName: 'String: deserializer for values', description: 'The name of the class to use for deserializing values.' },
  { name: 'enable-systest-events', takesValue: false, description: 'Log lifecycle events of the consumer in addition to logging consumed messages. (This is specific for system tests.)' },
];

/** What to read: one partition by assignment, a topic, or the topics a regex matches. */
type Source = { kind: 'partition'; topic: string; partition: number; offset: bigint | 'earliest' | 'latest' } | { kind: 'topic'; topic: string } | { kind: 'include'; pattern: RegExp };

interface Settings {
  source: Source;
  consumer: ConsumerOptions;
  formatter: DefaultMessageFormatter;
  maxMessages: number;
  timeoutMs: number;
  skipMessageOnError: boolean;
}

function parseOffset(raw: string): bigint | 'earliest' | 'latest' {
  const lower = raw.toLowerCase();
  if (lower === 'earliest' || lower === 'latest') return lower;
  if (/^\d+$/.test(raw.trim())) return BigInt(raw.trim());
  throw new UsageError(`The provided offset value '${raw}' is incorrect. Valid values are 'earliest', 'latest', or a non-negative long.`);
}

function source(args: ParsedArgs): Source {
  if (args.has('topic') === args.has('include')) throw new UsageError('Exactly one of the following arguments is required: --topic, --include');
  if (args.has('partition')) {
    if (!args.has('topic')) throw new UsageError('The topic is required when partition is specified.');
    if (args.has('from-beginning') && args.has('offset')) throw new UsageError('Options from-beginning and offset cannot be specified together.');
    const offset = args.has('offset') ? parseOffset(args.get('offset')!) : args.has('from-beginning') ? 'earliest' : 'latest';
    return { kind: 'partition', topic: args.get('topic')!, partition: intArg(args, 'partition', 0), offset };
  }
  if (args.has('offset')) throw new UsageError('The partition is required when offset is specified.');
  if (args.has('topic')) return { kind: 'topic', topic: args.get('topic')! };
  return { kind: 'include', pattern: includePattern(args.get('include')!) };
}

function consumerOptions(args: ParsedArgs, io: ToolIo, partitioned: boolean): ConsumerOptions {
  const file = args.has('command-config') ? readPropertiesFile(args.get('command-config')!) : new Map<string, string>();
  const extra = propsFromArgs(args, undefined, 'command-property');
  const groups = new Set<string>();
  if (args.has('group')) groups.add(args.get('group')!);
  for (const props of [file, extra]) if (props.has('group.id')) groups.add(props.get('group.id')!);
  if (groups.size > 1) {
    throw new UsageError(
      `The group ids provided in different places (directly using '--group', via '--consumer-property', or via '--consumer.config') do not match. Detected group ids: ${[...groups].map((g) => `'${g}'`).join(', ')}`,
    );
  }
  if (groups.size > 0 && partitioned) throw new UsageError('Options group and partition cannot be specified together.');
  const props = new Map([...file, ...extra]);
  const fromBeginning = args.has('from-beginning');
  const reset = props.get('auto.offset.reset');
  if (reset !== undefined && fromBeginning && reset !== 'earliest') {
    throw new UsageError(`Can't simultaneously specify --from-beginning and 'auto.offset.reset=${reset}', please remove one option`);
  }
  if (reset === undefined) props.set('auto.offset.reset', fromBeginning ? 'earliest' : 'latest');
  if (args.has('isolation-level') || !props.has('isolation.level')) props.set('isolation.level', args.get('isolation-level') ?? 'read_uncommitted');
  if (groups.size > 0) {
    props.set('group.id', [...groups][0]!);
  } else if (!partitioned) {
    // Kafka's default group; its offsets are not meant to be reused, so nothing is committed unless asked.
    props.set('group.id', `console-consumer-${Math.floor(Math.random() * 100_000)}`);
    if (!props.has('enable.auto.commit')) props.set('enable.auto.commit', 'false');
  }
  // With --partition and no group Samsa reads by manual assignment without a group (Kafka's client would still carry a random group.id).
  const options = clientOptions('consumer', props, (line) => io.stderr.write(`${line}\n`));
  options['bootstrap.servers'] = required(args, 'bootstrap-server');
  options['client.id'] ??= 'console-consumer';
  return options as unknown as ConsumerOptions;
}

function formatter(args: ParsedArgs): DefaultMessageFormatter {
  if (args.has('formatter') && args.get('formatter') !== FORMATTER && args.get('formatter') !== 'kafka.tools.DefaultMessageFormatter') {
    throw new UsageError(`Unsupported --formatter ${args.get('formatter')}: Samsa has only ${FORMATTER}`);
  }
  const props = propsFromArgs(args, 'formatter-config', undefined);
  if (args.get('key-deserializer')) props.set('key.deserializer', args.get('key-deserializer')!);
  if (args.get('value-deserializer')) props.set('value.deserializer', args.get('value-deserializer')!);
  for (const [k, v] of propsFromArgs(args, undefined, 'formatter-property')) props.set(k, v);
  try {
    return new DefaultMessageFormatter(props);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function settings(args: ParsedArgs, io: ToolIo): Settings {
  const src = source(args);
  required(args, 'bootstrap-server');
  const timeoutMs = intArg(args, 'timeout-ms', -1);
  return {
    source: src,
    consumer: consumerOptions(args, io, src.kind === 'partition'),
    formatter: formatter(args),
    maxMessages: intArg(args, 'max-messages', -1),
    timeoutMs: timeoutMs >= 0 ? timeoutMs : Infinity,
    skipMessageOnError: args.has('skip-message-on-error'),
  };
}

async function start(consumer: Consumer, src: Source, options: ConsumerOptions, stop: Promise<unknown>, stopped: () => boolean): Promise<void> {
  if (src.kind === 'partition') {
    const tp: TopicPartition = { topic: src.topic, partition: src.partition };
    consumer.assign([tp]);
    if (src.offset === 'earliest') consumer.seekToBeginning([tp]);
    else if (src.offset === 'latest') consumer.seekToEnd([tp]);
    else consumer.seek({ ...tp, offset: src.offset });
  } else if (src.kind === 'topic') {
    consumer.subscribe([src.topic]);
  } else {
    for (;;) {
      const topics = await topicsMatching(String(options['bootstrap.servers']), options['client.id'] ?? 'console-consumer', src.pattern);
      if (topics.length > 0) return consumer.subscribe(topics);
      await Promise.race([stop, new Promise((r) => setTimeout(r, INCLUDE_RETRY_MS))]);
      if (stopped()) return;
    }
  }
}

/** Writes to stdout honouring backpressure; false once stdout is gone (EPIPE) or the user stopped. */
async function writeOut(io: ToolIo, chunk: Buffer, stop: Promise<unknown>, broken: () => boolean): Promise<boolean> {
  if (broken()) return false;
  if (io.stdout.write(chunk)) return true;
  let onEvent!: () => void;
  const drainedOrFailed = new Promise<void>((resolve) => (onEvent = resolve));
  io.stdout.once('drain', onEvent);
  io.stdout.once('error', onEvent);
  await Promise.race([drainedOrFailed, stop]);
  io.stdout.off('drain', onEvent);
  io.stdout.off('error', onEvent);
  return !broken();
}

async function run(args: ParsedArgs, io: ToolIo): Promise<number> {
  const s = settings(args, io);
  let count = 0;
  let interrupted = false;
  let stdoutBroken = false;
  const stop = io.interrupted.then(() => (interrupted = true));
  const onStdoutError = (): void => void (stdoutBroken = true);
  io.stdout.on('error', onStdoutError);
  const consumer = new Consumer(s.consumer);
  let exitCode = 0;
  try {
    await consumer.connect();
    await start(consumer, s.source, s.consumer, stop, () => interrupted);
    let lastRecordMs = Date.now();
    while (!interrupted && (s.maxMessages < 0 || count < s.maxMessages)) {
      const waitMs = Math.max(0, Math.min(POLL_SLICE_MS, s.timeoutMs - (Date.now() - lastRecordMs)));
      const records = await Promise.race([consumer.poll(waitMs), stop.then(() => [] as ConsumerRecord[])]);
      if (interrupted) break;
      if (records.length === 0) {
        if (Date.now() - lastRecordMs >= s.timeoutMs) {
          io.stderr.write('ERROR Error processing message, terminating consumer process: org.apache.kafka.common.errors.TimeoutException\n');
          break;
        }
        continue;
      }
      lastRecordMs = Date.now();
      const take = s.maxMessages < 0 ? records.length : Math.min(records.length, s.maxMessages - count);
      const chunks: Buffer[] = [];
      for (let i = 0; i < take; i++) {
        count++;
        try {
          chunks.push(s.formatter.format(records[i]!));
        } catch (err) {
          if (!s.skipMessageOnError) throw err;
          io.stderr.write(`ERROR Error processing message, skipping this message: ${(err as Error).message}\n`);
        }
      }
      rewindUnconsumed(consumer, records.slice(take));
      if (!(await writeOut(io, Buffer.concat(chunks), stop, () => stdoutBroken))) {
        if (stdoutBroken) io.stderr.write('Unable to write to standard out, closing consumer.\n');
        break;
      }
    }
  } catch (err) {
    io.stderr.write(`${describeError(err)}\n`);
    exitCode = 1;
  } finally {
    await consumer.close().catch(() => undefined);
    io.stderr.write(`Processed a total of ${count} messages\n`);
  }
  return interrupted ? 130 : exitCode;
}

/** Seeks back to the first record of each partition that was fetched but not printed, so a group commits only what was printed. */
function rewindUnconsumed(consumer: Consumer, unconsumed: readonly ConsumerRecord[]): void {
  const first = new Map<string, ConsumerRecord>();
  for (const r of unconsumed) if (!first.has(`${r.topic}\u0000${r.partition}`)) first.set(`${r.topic}\u0000${r.partition}`, r);
  for (const r of first.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.offset });
}

/** The console consumer tool. */
export const consoleConsumerTool: Tool = {
  name: 'console-consumer',
  summary: 'Read data from Kafka topics and write it to standard output.',
  options: OPTIONS,
  run,
};
