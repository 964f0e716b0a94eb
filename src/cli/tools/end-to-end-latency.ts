/**
 * `samsa end-to-end-latency` / `kafka-e2e-latency` (Kafka's EndToEndLatency): one message in
 * flight at a time; each latency is produce (acks 1 or all, linger 0) plus the fetch that returns
 * it (fetch.max.wait.ms=0), measured with the monotonic clock. Creates the topic (1 partition,
 * RF 1) if missing.
 */
import { Admin, Consumer, Producer, type ConsumerOptions, type ProducerOptions } from '../../client/index.js';
import { type OptionSpec, type ParsedArgs } from '../args.js';
import { clientOptions } from '../client-props.js';
import { readPropertiesFile } from '../common.js';
import { percentiles } from '../histogram.js';
import { javaDouble, javaFixed } from '../java-format.js';
import type { Tool, ToolIo } from '../tool.js';

const POLL_TIMEOUT_MS = 60_000;
const USAGE = 'USAGE: java org.apache.kafka.tools.EndToEndLatency broker_list topic num_messages producer_acks message_size_bytes [optional] properties_file';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'bootstrap-server', takesValue: true, valueName: 'String: broker_list', description: 'Named form of the 1st positional argument.' },
  { name: 'topic', takesValue: true, valueName: 'String: topic', description: 'Named form of the 2nd positional argument.' },
  { name: 'num-records', takesValue: true, valueName: 'Integer: num_messages', description: 'Named form of the 3rd positional argument.' },
  { name: 'producer-acks', takesValue: true, valueName: 'String: 1|all', description: 'Named form of the 4th positional argument.' },
  { name: 'record-size', takesValue: true, valueName: 'Integer: message_size_bytes', description: 'Named form of the 5th positional argument.' },
  { name: 'command-config', takesValue: true, valueName: 'String: properties_file', description: 'Named form of the optional 6th positional argument.' },
];

/** A failure Kafka reports with its message alone (TerseException and the validation errors). */
class LatencyError extends Error {
  override name = 'LatencyError';
}

interface LatencyArgs {
  brokers: string;
  topic: string;
  numMessages: number;
  acks: string;
  messageSizeBytes: number;
  propertiesFile: string | undefined;
}

function parse(args: ParsedArgs): LatencyArgs {
  const named = ['bootstrap-server', 'topic', 'num-records', 'producer-acks', 'record-size'].map((n) => args.get(n));
  const values = args.positional.length > 0 ? [...args.positional] : [...named, ...(args.has('command-config') ? [args.get('command-config')] : [])];
  if ((values.length !== 5 && values.length !== 6) || values.slice(0, 5).some((v) => v === undefined)) throw new LatencyError(USAGE);
  const [brokers, topic, num, acks, size, file] = values as string[];
  const int = (raw: string): number => {
    if (!/^-?\d+$/.test(raw.trim())) throw new LatencyError(`For input string: "${raw}"`);
    return Number(raw.trim());
  };
  if (acks !== '1' && acks !== 'all') throw new LatencyError('Latency testing requires synchronous acknowledgement. Please use 1 or all');
  return { brokers: brokers!, topic: topic!, numMessages: int(num!), acks, messageSizeBytes: int(size!), propertiesFile: file?.trim() ? file : undefined };
}

function baseProps(file: string | undefined): Map<string, string> {
  return file ? readPropertiesFile(file) : new Map<string, string>();
}

/** A message of `length` copies of one random uppercase letter (as Kafka's randomBytesOfLen). */
function message(length: number): Buffer {
  return Buffer.alloc(length, 65 + Math.floor(Math.random() * 26));
}

async function run(args: ParsedArgs, io: ToolIo): Promise<number> {
  let a: LatencyArgs;
  try {
    a = parse(args);
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  const warn = (line: string): void => void io.stderr.write(`${line}\n`);
  const props = baseProps(a.propertiesFile);
  const consumerOptions = { ...clientOptions('consumer', props, warn), 'bootstrap.servers': a.brokers, 'auto.offset.reset': 'latest', 'fetch.max.wait.ms': 0 };
  const producerOptions = { ...clientOptions('producer', props, () => undefined), 'bootstrap.servers': a.brokers, 'linger.ms': 0, 'max.block.ms': 2 ** 31 - 1, acks: a.acks };
  const admin = new Admin({ 'bootstrap.servers': a.brokers });
  const consumer = new Consumer(consumerOptions as unknown as ConsumerOptions);
  const producer = new Producer(producerOptions as unknown as ProducerOptions);
  let interrupted = false;
  void io.interrupted.then(() => (interrupted = true));
  try {
    if (!(await admin.listTopics({ includeInternal: true })).includes(a.topic)) {
      io.stdout.write(`Topic "${a.topic}" does not exist. Will create topic with 1 partition(s) and replication factor = 1\n`);
      try {
        await admin.createTopics([{ name: a.topic, numPartitions: 1, replicationFactor: 1 }]);
      } catch (err) {
        io.stdout.write(`Creation of topic ${a.topic} failed\n`);
        throw err;
      }
    }
    // Assign every partition at its current end (resolved now, so the first message is not skipped).
    const [description] = await admin.describeTopics([a.topic]);
    const partitions = description!.partitions.map((p) => ({ topic: a.topic, partition: p.partition }));
    const ends = await admin.listOffsets(partitions.map((tp) => ({ ...tp, spec: 'latest' as const })));
    consumer.assign(partitions);
    for (const end of ends) consumer.seek({ topic: end.topic, partition: end.partition, offset: end.offset });
    await producer.connect();

    const latenciesMs: number[] = [];
    let totalNs = 0;
    for (let i = 0; i < a.numMessages && !interrupted; i++) {
      const sent = message(a.messageSizeBytes);
      const begin = process.hrtime.bigint();
      await producer.send({ topic: a.topic, value: sent });
      const records = await consumer.poll(POLL_TIMEOUT_MS);
      const elapsedNs = Number(process.hrtime.bigint() - begin);
      if (records.length === 0) throw new LatencyError(`poll() timed out before finding a result (timeout:[${POLL_TIMEOUT_MS}])`);
      const read = records[0]!.value ?? Buffer.alloc(0);
      if (!read.equals(sent)) throw new LatencyError(`The message read [${read.toString('utf8')}] did not match the message sent [${sent.toString('utf8')}]`);
      if (records.length !== 1) throw new LatencyError(`Only one result was expected during this test. We found [${records.length}]`);
      if (i % 1000 === 0) io.stdout.write(`${i}\t${javaDouble(elapsedNs / 1000 / 1000)}\n`);
      totalNs += elapsedNs;
      latenciesMs.push(Math.floor(elapsedNs / 1_000_000));
    }
    if (interrupted) return 130;
    io.stdout.write(`Avg latency: ${javaFixed(totalNs / a.numMessages / 1000 / 1000, 4)} ms\n`);
    const [p50, p99, p999] = percentiles(latenciesMs, latenciesMs.length, [0.5, 0.99, 0.999]);
    io.stdout.write(`Percentiles: 50th = ${p50}, 99th = ${p99}, 99.9th = ${p999}\n`);
    return 0;
  } catch (err) {
    if (!(err instanceof LatencyError)) throw err;
    io.stderr.write(`${err.message}\n`);
    return 1;
  } finally {
    await Promise.allSettled([producer.close(), consumer.close(), admin.close()]);
  }
}

/** The end-to-end latency tool (`samsa end-to-end-latency`, `kafka-end-to-end-latency`). */
export const endToEndLatencyTool: Tool = {
  name: 'end-to-end-latency',
  summary: 'Measure produce-to-fetch latency of one message at a time (Kafka EndToEndLatency).',
  options: OPTIONS,
  run,
};

/** The same tool under Kafka's script name (`kafka-e2e-latency`). */
export const e2eLatencyTool: Tool = { ...endToEndLatencyTool, name: 'e2e-latency', summary: 'Alias of end-to-end-latency (kafka-e2e-latency).' };
