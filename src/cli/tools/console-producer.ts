/**
 * `samsa console-producer` / `kafka-console-producer`: one record per stdin line (Kafka's
 * ConsoleProducer with LineMessageReader). Asynchronous sends bounded by buffer.memory, or one at a
 * time with --sync; flushes and closes at end of input or Ctrl-C.
 */
import { StringDecoder } from 'node:string_decoder';
import { Producer, type ProducerOptions, type ProducerRecord } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { clientOptions } from '../client-props.js';
import { BOOTSTRAP_SERVER, required } from '../common.js';
import { describeError } from '../errors.js';
import { LineFormatError, LineMessageReader } from '../line-reader.js';
import { SendWindow } from '../send-window.js';
import type { Tool, ToolIo } from '../tool.js';
import { intArg, propsFromArgs, renamedOption } from '../tool-args.js';

const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
const LINE_READER = 'org.apache.kafka.tools.LineMessageReader';
/** Longest input line accepted; a longer one is an error rather than unbounded buffering. */
const MAX_LINE_BYTES = 64 * 1024 * 1024;

const OPTIONS: readonly OptionSpec[] = [
  BOOTSTRAP_SERVER,
  { name: 'topic', takesValue: true, valueName: 'String: topic', description: 'REQUIRED: The topic name to produce messages to.' },
  renamedOption('command-property', 'producer-property', 'String: producer_prop', 'Producer config properties in the form key=value.', true),
  renamedOption('command-config', 'producer.config', 'String: config file', 'Producer config properties file. Note that --command-property takes precedence over this config.'),
  renamedOption(
    'reader-property',
    'property',
    'String: prop',
    'Properties of the line reader in the form key=value: parse.key, key.separator, parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker, ignore.error.',
    true,
  ),
  { name: 'reader-config', takesValue: true, valueName: 'String: config file', description: 'Config properties file for the message reader. Note that --reader-property takes precedence over this config.' },
  { name: 'line-reader', takesValue: true, valueName: 'String: reader_class', description: `The class used to read lines from standard in (only ${LINE_READER}).` },
  { name: 'sync', takesValue: false, description: 'If set message send requests to the brokers are synchronously, one at a time as they arrive.' },
  {
    name: 'compression-codec',
    takesValue: true,
    optionalValue: true,
    valueName: 'String: compression-codec',
    description: "The compression codec: either 'none', 'gzip', 'snappy', 'lz4', or 'zstd'. If specified without value, then it defaults to 'gzip'",
  },
  { ...renamedOption('batch-size', 'max-partition-memory-bytes', 'Integer: size', 'Batch size in bytes (batch.size). Default: 16384'), repeatable: false },
  { name: 'message-send-max-retries', takesValue: true, valueName: 'Integer', description: 'Retries of a failed send (retries). Default: 3' },
  { name: 'retry-backoff-ms', takesValue: true, valueName: 'Long', description: 'Wait before a retry (retry.backoff.ms). Default: 100' },
  { name: 'timeout', takesValue: true, valueName: 'Long: timeout_ms', description: 'How long a message waits for a fuller batch (linger.ms). Default: 1000' },
  { name: 'request-required-acks', takesValue: true, valueName: 'String: request required acks', description: 'The required `acks` of the producer requests. Default: -1' },
  { name: 'request-timeout-ms', takesValue: true, valueName: 'Integer: request timeout ms', description: 'The ack timeout of the producer requests. Default: 1500' },
  { name: 'metadata-expiry-ms', takesValue: true, valueName: 'Long: metadata expiration interval', description: 'Forced metadata refresh period (metadata.max.age.ms). Default: 300000' },
  { name: 'max-block-ms', takesValue: true, valueName: 'Long: max block on send', description: 'The max time that the producer will block for during a send request. Default: 60000' },
  { name: 'max-memory-bytes', takesValue: true, valueName: 'Long: total memory in bytes', description: 'Memory for records waiting to be sent (buffer.memory). Default: 33554432' },
  { name: 'socket-buffer-size', takesValue: true, valueName: 'Integer: size', description: 'The size of the tcp send buffer (accepted; Samsa uses the OS default). Default: 102400' },
];

/** Option value → producer config, applied when the option is given or the key is not set already (CommandLineUtils.maybeMergeOptions). */
const MERGED: readonly [option: string, key: string, fallback: number | string][] = [
  ['timeout', 'linger.ms', 1000],
  ['request-required-acks', 'acks', '-1'],
  ['request-timeout-ms', 'request.timeout.ms', 1500],
  ['message-send-max-retries', 'retries', 3],
  ['retry-backoff-ms', 'retry.backoff.ms', 100],
  ['max-memory-bytes', 'buffer.memory', 33554432],
  ['batch-size', 'batch.size', 16384],
  ['metadata-expiry-ms', 'metadata.max.age.ms', 300000],
  ['max-block-ms', 'max.block.ms', 60000],
];

function producerOptions(args: ParsedArgs, io: ToolIo): ProducerOptions {
  const user = propsFromArgs(args, 'command-config', 'command-property');
  const options: Record<string, string | number | boolean> = clientOptions('producer', user, (line) => io.stderr.write(`${line}\n`));
  options['bootstrap.servers'] = required(args, 'bootstrap-server');
  const codec = args.get('compression-codec');
  options['compression.type'] = codec === undefined ? 'none' : codec === '' ? 'gzip' : codec;
  if (!CODECS.includes(String(options['compression.type']))) {
    throw new UsageError(`Invalid compression codec '${codec}': expected one of ${CODECS.join(', ')}`);
  }
  options['client.id'] ??= 'console-producer';
  for (const [option, key, fallback] of MERGED) {
    if (args.has(option) || !user.has(key)) options[key] = option === 'request-required-acks' ? (args.get(option) ?? fallback) : intArg(args, option, fallback as number);
  }
  intArg(args, 'socket-buffer-size', 0); // validated like Kafka; the OS picks the buffer size
  return options as unknown as ProducerOptions;
}

/** Splits a byte stream into lines (\n or \r\n), decoding UTF-8 across chunk boundaries. */
async function* readLines(input: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  for await (const chunk of input) {
    pending += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let newline: number;
    while ((newline = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      yield line.endsWith('\r') ? line.slice(0, -1) : line;
    }
    if (pending.length > MAX_LINE_BYTES) throw new LineFormatError(`Input line longer than ${MAX_LINE_BYTES} bytes`);
  }
  pending += decoder.end();
  if (pending !== '') yield pending.endsWith('\r') ? pending.slice(0, -1) : pending;
}

async function run(args: ParsedArgs, io: ToolIo): Promise<number> {
  const topic = required(args, 'topic');
  required(args, 'bootstrap-server');
  if (args.has('line-reader') && args.get('line-reader') !== LINE_READER && args.get('line-reader') !== 'LineMessageReader') {
    throw new UsageError(`Unsupported --line-reader ${args.get('line-reader')}: Samsa has only ${LINE_READER}`);
  }
  const readerProps = propsFromArgs(args, 'reader-config', 'reader-property');
  let reader: LineMessageReader;
  try {
    reader = new LineMessageReader(readerProps);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const producer = new Producer(producerOptions(args, io));
  const sync = args.has('sync');
  const window = new SendWindow(producer.config.bufferMemoryBytes);
  let failed = 0;
  let interrupted = false;
  const stop = io.interrupted.then(() => (interrupted = true));
  const prompt = io.stdin.isTTY === true;
  const lines = readLines(io.stdin as AsyncIterable<Buffer>);
  try {
    await producer.connect();
    for (let lineNumber = 1; ; lineNumber++) {
      if (prompt) io.stdout.write('>');
      const next = await Promise.race([lines.next(), stop]);
      if (interrupted || typeof next !== 'object' || next.done) break;
      const parsed = reader.parse(next.value, lineNumber);
      const record: ProducerRecord = { topic, key: parsed.key, value: parsed.value };
      if (parsed.headers) record.headers = parsed.headers;
      if (sync) {
        await producer.send(record).catch((err: unknown) => {
          failed++;
          io.stderr.write(`${sendErrorLine(record, err)}\n`);
        });
        continue;
      }
      const bytes = (parsed.value?.length ?? 0) + (parsed.key?.length ?? 0) + 64;
      window.add(bytes);
      producer.produce(record, (err) => {
        window.done(bytes);
        if (err) {
          failed++;
          io.stderr.write(`${sendErrorLine(record, err)}\n`);
        }
      });
      if (window.full) await window.waitForRoom();
    }
  } catch (err) {
    io.stderr.write(`${describeError(err)}\n`);
    failed = Math.max(failed, 1);
  } finally {
    await producer.close();
    (io.stdin as { destroy?: () => void }).destroy?.();
  }
  if (interrupted) return 130;
  return failed > 0 ? 1 : 0;
}

/** Kafka's ErrorLoggingCallback line for a failed send. */
function sendErrorLine(record: ProducerRecord, err: unknown): string {
  const size = (v: ProducerRecord['value'] | undefined): string => (v === null || v === undefined ? 'null' : `${Buffer.byteLength(v)} bytes`);
  return `ERROR Error when sending message to topic ${record.topic} with key: ${size(record.key)}, value: ${size(record.value)} with error: ${describeError(err).replace(/^Error: /, '')}`;
}

/** The console producer tool. */
export const consoleProducerTool: Tool = {
  name: 'console-producer',
  summary: 'Read data from standard input and publish it to Kafka.',
  options: OPTIONS,
  run,
};
