/**
 * `samsa producer-perf-test` / `kafka-producer-perf-test` (Kafka's ProducerPerformance): sends
 * --num-records records with a null key and a random uppercase payload through the callback API,
 * measures each record from just before produce() to its completion callback in integer ms, prints
 * a line per 5-second window and Kafka's final line with sampled percentiles.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Producer, type DeliveryCallback, type ProducerOptions } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { clientOptions } from '../client-props.js';
import { describeError } from '../errors.js';
import { PerfStats } from '../histogram.js';
import { javaFixed } from '../java-format.js';
import { SendWindow } from '../send-window.js';
import { ThroughputThrottler } from '../throttler.js';
import type { Tool, ToolIo } from '../tool.js';
import { doubleArg, intArg, propsFromArgs } from '../tool-args.js';

/** Random letters shared by all --record-size payloads; each record is a slice at a random offset. */
const PAYLOAD_POOL_BYTES = 1 << 20;
/** Longest stretch the send loop runs without letting the producer's I/O in. */
const YIELD_EVERY_MS = 2;
/** Failed sends reported one by one before only counting them. */
const MAX_ERROR_LINES = 100;

const OPTIONS: readonly OptionSpec[] = [
  { name: 'topic', takesValue: true, valueName: 'TOPIC', description: 'produce messages to this topic' },
  { name: 'num-records', takesValue: true, valueName: 'NUM-RECORDS', description: 'number of messages to produce' },
  { name: 'record-size', takesValue: true, valueName: 'RECORD-SIZE', description: 'message size in bytes. Note that you must provide exactly one of --record-size or --payload-file or --payload-monotonic.' },
  { name: 'payload-file', takesValue: true, valueName: 'PAYLOAD-FILE', description: 'file to read the message payloads from (UTF-8 text); a payload is picked at random for each message.' },
  { name: 'payload-monotonic', takesValue: false, description: 'payload is monotonically increasing integer.' },
  { name: 'payload-delimiter', takesValue: true, valueName: 'PAYLOAD-DELIMITER', description: 'delimiter of the payloads in --payload-file (default: \\n)' },
  { name: 'throughput', takesValue: true, valueName: 'THROUGHPUT', description: 'throttle maximum message throughput to *approximately* THROUGHPUT messages/sec. Set this to -1 to disable throttling.' },
  {
    name: 'command-property',
    aliases: ['producer-props'],
    deprecatedAliases: ['producer-props'],
    takesValue: true,
    multipleValues: true,
    repeatable: true,
    valueName: 'PROP-NAME=PROP-VALUE',
    description: 'kafka producer related configuration properties like bootstrap.servers,client.id etc. These configs take precedence over those passed via --command-config.',
  },
  { name: 'command-config', aliases: ['producer.config'], deprecatedAliases: ['producer.config'], takesValue: true, valueName: 'CONFIG-FILE', description: 'producer config properties file.' },
  { name: 'bootstrap-server', takesValue: true, valueName: 'BOOTSTRAP-SERVER', description: 'The server(s) to connect to (overrides bootstrap.servers).' },
  { name: 'print-metrics', takesValue: false, description: 'print out metrics at the end of the test.' },
  { name: 'transactional-id', takesValue: true, valueName: 'TRANSACTIONAL-ID', description: 'Not supported by Samsa: its client has no transactional producer.' },
  { name: 'transaction-duration-ms', takesValue: true, valueName: 'TRANSACTION-DURATION', description: 'Not supported by Samsa: its client has no transactional producer.' },
  { name: 'warmup-records', takesValue: true, valueName: 'WARMUP-RECORDS', description: 'The number of records to treat as warmup; they are left out of an additional steady-state summary line. (default: 0)' },
];

interface PerfConfig {
  topic: string;
  numRecords: number;
  warmupRecords: number;
  throughput: number;
  payload: (i: number) => Buffer;
  producer: ProducerOptions;
  printMetrics: boolean;
}

/** xorshift32: a fast seeded generator for payload letters and offsets (Kafka uses SplittableRandom(0)). */
function prng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

function payloadSource(args: ParsedArgs, io: ToolIo): (i: number) => Buffer {
  const chosen = ['record-size', 'payload-file', 'payload-monotonic'].filter((o) => args.has(o));
  if (chosen.length !== 1) throw new UsageError('one of the arguments --record-size --payload-file --payload-monotonic is required (exactly one)');
  const random = prng(0x5eed);
  if (args.has('record-size')) {
    const size = intArg(args, 'record-size', 0);
    if (size <= 0) throw new UsageError('--record-size should be greater than zero');
    const pool = Buffer.allocUnsafe(PAYLOAD_POOL_BYTES + size);
    for (let i = 0; i < pool.length; i++) pool[i] = 65 + Math.floor(random() * 26);
    return () => {
      const offset = Math.floor(random() * PAYLOAD_POOL_BYTES);
      return pool.subarray(offset, offset + size);
    };
  }
  if (args.has('payload-monotonic')) return (i) => Buffer.from(String(i));
  const path = resolve(args.get('payload-file')!);
  io.stdout.write(`Reading payloads from: ${path}\n`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError('File does not exist or empty file provided.');
  }
  const raw = args.get('payload-delimiter') ?? '\\n';
  const delimiter = raw === '\\n' ? '\n' : raw;
  const payloads = text.split(delimiter).filter((p) => p !== '').map((p) => Buffer.from(p, 'utf8'));
  if (payloads.length === 0) throw new UsageError('File does not exist or empty file provided.');
  io.stdout.write(`Number of messages read: ${payloads.length}\n`);
  return () => payloads[Math.floor(random() * payloads.length)]!;
}

function config(args: ParsedArgs, io: ToolIo): PerfConfig {
  const missing = ['topic', 'num-records', 'throughput'].filter((o) => !args.has(o));
  if (missing.length > 0) throw new UsageError(`the following arguments are required: ${missing.map((o) => `--${o}`).join(', ')}`);
  const numRecords = intArg(args, 'num-records', 0);
  if (numRecords <= 0) throw new UsageError('--num-records should be greater than zero');
  const warmupRecords = Math.max(intArg(args, 'warmup-records', 0), 0);
  if (warmupRecords >= numRecords) {
    throw new UsageError('The value for --warmup-records must be strictly fewer than the number of records in the test, --num-records.');
  }
  if (!args.has('command-property') && !args.has('command-config') && !args.has('bootstrap-server')) {
    throw new UsageError('Either --producer-props or --producer.config must be specified.');
  }
  if (args.has('transactional-id') || args.has('transaction-duration-ms')) {
    throw new UsageError("Transactions are not supported: Samsa's client has no transactional producer.");
  }
  const payload = payloadSource(args, io);
  const props = propsFromArgs(args, 'command-config', 'command-property');
  const options = clientOptions('producer', props, (line) => io.stderr.write(`${line}\n`));
  if (args.has('bootstrap-server')) options['bootstrap.servers'] = args.get('bootstrap-server')!;
  if (options['bootstrap.servers'] === undefined) throw new UsageError('Missing bootstrap.servers: pass --bootstrap-server or --producer-props bootstrap.servers=host:port');
  options['client.id'] ??= 'perf-producer-client';
  return {
    topic: args.get('topic')!,
    numRecords,
    warmupRecords,
    throughput: doubleArg(args, 'throughput')!,
    payload,
    producer: options as unknown as ProducerOptions,
    printMetrics: args.has('print-metrics'),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Kafka's ToolsUtils.printMetrics layout for the counters the tool itself keeps. */
function metricsLines(clientId: string, counters: Record<string, number>): string[] {
  const names = Object.keys(counters).sort();
  const display = names.map((n) => `producer-metrics:${n}:{client-id=${clientId}}`);
  const width = Math.max('Metric Name'.length, ...display.map((d) => d.length));
  return [`\n${'Metric Name'.padEnd(width)}   Value`, ...names.map((n, i) => `${display[i]!.padEnd(width)} : ${javaFixed(counters[n]!, 3)}`)];
}

async function run(args: ParsedArgs, io: ToolIo): Promise<number> {
  const cfg = config(args, io);
  const print = (line: string): void => void io.stdout.write(`${line}\n`);
  const producer = new Producer(cfg.producer);
  const window = new SendWindow(producer.config.bufferMemoryBytes);
  let failures = 0;
  let interrupted = false;
  void io.interrupted.then(() => (interrupted = true));
  try {
    await producer.connect();
  } catch (err) {
    await producer.close();
    throw err;
  }
  if (cfg.warmupRecords > 0) print(`Warmup first ${cfg.warmupRecords} records. Steady state results will print after the complete test summary.`);
  const stats = new PerfStats(cfg.numRecords, { nowMs: Date.now, print });
  let steady: PerfStats | undefined;
  const throttler = new ThroughputThrottler(cfg.throughput, Date.now());
  const onError = (err: Error): void => {
    if (++failures <= MAX_ERROR_LINES) io.stderr.write(`${describeError(err)}\n`);
  };
  let lastYieldMs = Date.now();
  let callback: DeliveryCallback | null = null;
  let callbackStartMs = 0;
  let callbackBytes = 0;
  let callbackSteady: PerfStats | undefined;
  for (let i = 0; i < cfg.numRecords && !interrupted; i++) {
    const value = cfg.payload(i);
    const bytes = value.length;
    const sendStartMs = Date.now();
    if (cfg.warmupRecords > 0 && i === cfg.warmupRecords) {
      steady = new PerfStats(cfg.numRecords - cfg.warmupRecords, { nowMs: Date.now, print, steadyState: true });
      stats.suppressPrinting();
    }
    const steadyNow = steady;
    // Records sent in the same millisecond with the same size share one callback (its result
    // is the same for each): tens of thousands in flight then cost no closure each, which the
    // young-generation collector would copy until they are acknowledged.
    if (callback === null || sendStartMs !== callbackStartMs || bytes !== callbackBytes || steadyNow !== callbackSteady) {
      callbackStartMs = sendStartMs;
      callbackBytes = bytes;
      callbackSteady = steadyNow;
      callback = (err) => {
        const now = Date.now();
        window.done(bytes);
        if (err) return onError(err);
        stats.record(now - sendStartMs, bytes, now);
        steadyNow?.record(now - sendStartMs, bytes, now);
      };
    }
    window.add(bytes);
    producer.produce({ topic: cfg.topic, value }, callback);
    if (throttler.shouldThrottle(i, sendStartMs)) {
      const ms = throttler.throttleMs();
      if (ms > 0) await Promise.race([sleep(Number.isFinite(ms) ? ms : 2 ** 31 - 1), io.interrupted]);
    }
    if (window.full) await window.waitForRoom();
    else if (sendStartMs - lastYieldMs >= YIELD_EVERY_MS) {
      // Java's sender is a thread; here it runs when the send loop yields, so yield every few ms.
      await new Promise((r) => setImmediate(r));
      lastYieldMs = Date.now();
    }
  }
  if (!cfg.printMetrics) await producer.close();
  else await producer.flush();
  print(stats.totalLine());
  if (steady) print(steady.totalLine());
  if (cfg.printMetrics) {
    const clientId = String(cfg.producer['client.id']);
    for (const line of metricsLines(clientId, { 'record-send-total': stats.totalCount + failures, 'record-error-total': failures })) print(line);
    await producer.close();
  }
  if (failures > MAX_ERROR_LINES) io.stderr.write(`${failures} sends failed in total.\n`);
  return interrupted ? 130 : failures > 0 ? 1 : 0;
}

/** The producer perf test tool. */
export const producerPerfTestTool: Tool = {
  name: 'producer-perf-test',
  summary: 'Measure producer throughput and latency (Kafka ProducerPerformance).',
  options: OPTIONS,
  run,
};
