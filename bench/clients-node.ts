/**
 * One client of the client benchmark (clients.ts), in its own process: Samsa's client, KafkaJS
 * or @platformatic/kafka produces or consumes `records` records of `recordBytes` bytes against
 * the Samsa broker, and reports records/s over the window after the first `warmupRecords`.
 * Forked by the orchestrator (the task arrives over IPC), or standalone:
 * `node dist/bench/clients-node.js '<task JSON>'` prints the result as JSON.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Consumer, Producer } from '../src/client/index.js';
import { MIB, monotonicUs, withTimeout, type GeneratorMessage } from './common.js';
import type { ClientResult, ClientTask } from './clients-task.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `name version` from the package.json of the repository (name '') or of an installed package. */
function packageVersion(name: string): string {
  const file = name === '' ? `${repoRoot}package.json` : `${repoRoot}node_modules/${name}/package.json`;
  return `${name || 'samsa'} ${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
}

function report(message: GeneratorMessage<ClientResult>): void {
  if (process.send) process.send(message);
}

/**
 * Counts acknowledged (or received) records, opens the measured window after the warm-up and
 * closes it at the last record; resolves `done` then.
 */
class Meter {
  count = 0;
  private startNs = 0n;
  private firstNs = 0n;
  private endNs = 0n;
  private cpuStart = process.cpuUsage();
  private cpuMs = 0;
  private measuring = false;
  private resolveDone!: () => void;
  private rejectDone!: (e: Error) => void;
  readonly done = new Promise<void>((resolve, reject) => {
    this.resolveDone = resolve;
    this.rejectDone = reject;
  });
  private measuredFrom = 0;

  constructor(private readonly task: ClientTask) {}

  /** Marks the first record sent / first fetch (for totalMs). */
  begin(): void {
    this.firstNs = process.hrtime.bigint();
    if (this.task.warmupRecords === 0) this.open();
  }

  private open(): void {
    this.measuring = true;
    this.measuredFrom = this.count;
    this.startNs = process.hrtime.bigint();
    this.cpuStart = process.cpuUsage();
    report({ type: 'measure-start', atUs: monotonicUs() });
  }

  /** Adds `n` records; returns true once all records are in. */
  add(n: number): boolean {
    if (this.count >= this.task.records) return true;
    this.count += n;
    if (!this.measuring && this.count >= this.task.warmupRecords) this.open();
    if (this.count >= this.task.records) {
      this.endNs = process.hrtime.bigint();
      const cpu = process.cpuUsage(this.cpuStart);
      this.cpuMs = (cpu.user + cpu.system) / 1000;
      report({ type: 'measure-end', atUs: monotonicUs() });
      this.resolveDone();
      return true;
    }
    return false;
  }

  fail(error: Error): void {
    this.rejectDone(error);
  }

  result(version: string, valueBytes: number, lastOffset: number): ClientResult {
    const measuredRecords = Math.min(this.count, this.task.records) - this.measuredFrom;
    const measuredMs = Number(this.endNs - this.startNs) / 1e6;
    const recordsPerSec = measuredRecords / (measuredMs / 1000);
    return {
      kind: this.task.kind,
      target: 'samsa',
      client: this.task.client,
      version,
      measuredRecords,
      measuredMs,
      recordsPerSec,
      mibPerSec: (recordsPerSec * this.task.recordBytes) / MIB,
      totalRecords: this.count,
      totalMs: Number(this.endNs - this.firstNs) / 1e6,
      generatorCpuPercent: (this.cpuMs / measuredMs) * 100,
      valueBytes,
      lastOffset,
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Samsa

async function samsaProduce(task: ClientTask, value: Buffer): Promise<ClientResult> {
  const producer = new Producer({
    'bootstrap.servers': `${task.host}:${task.port}`,
    acks: 1,
    'enable.idempotence': false,
    'compression.type': 'none',
    'batch.size': task.batchBytes,
    'linger.ms': task.lingerMs,
    'max.in.flight.requests.per.connection': task.maxInFlight,
  });
  await producer.connect();
  const meter = new Meter(task);
  let failure: Error | null = null;
  const callback = (err: Error | null): void => {
    if (err !== null) {
      failure ??= err;
      meter.fail(err);
    } else ack(1);
  };
  let ack: (n: number) => void = () => undefined;
  const record = { topic: task.topic, value };
  await driveWithAck(task, meter, 1, (n) => {
    for (let i = 0; i < n; i++) producer.produce(record, callback);
  }, (fn) => (ack = fn));
  await meter.done;
  await producer.close();
  if (failure) throw failure;
  return meter.result(packageVersion(''), 0, -1);
}

/**
 * Records handed to a producer before the driver yields to the event loop once: without it, a
 * burst of half the window (thousands of records) would starve the client's own socket I/O.
 */
const YIELD_EVERY_RECORDS = 256;

/**
 * Drives a producer: calls `sendSome(n)` for up to `chunk` more records while fewer than
 * `windowRecords` are unacknowledged, then waits until half the window is acknowledged. The
 * client's delivery path calls the function handed to `setAck` with each acknowledged count.
 */
async function driveWithAck(task: ClientTask, meter: Meter, chunk: number, sendSome: (n: number) => void, setAck: (ack: (n: number) => void) => void): Promise<void> {
  let sent = 0;
  let wake: (() => void) | null = null;
  const lowWater = Math.floor(task.windowRecords / 2);
  setAck((n) => {
    meter.add(n);
    if (wake !== null && sent - meter.count <= lowWater) {
      const w = wake;
      wake = null;
      w();
    }
  });
  meter.begin();
  let sinceYield = 0;
  while (sent < task.records) {
    if (sent - meter.count >= task.windowRecords) {
      sinceYield = 0;
      await new Promise<void>((resolve) => (wake = resolve));
      continue;
    }
    if (sinceYield >= YIELD_EVERY_RECORDS) {
      // Let the client's I/O run, as an application producing from events would.
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const n = Math.min(chunk, task.records - sent);
    sent += n;
    sinceYield += n;
    sendSome(n);
  }
}

async function samsaConsume(task: ClientTask): Promise<ClientResult> {
  const consumer = new Consumer({ 'bootstrap.servers': `${task.host}:${task.port}`, 'auto.offset.reset': 'earliest', 'max.poll.records': 10_000 });
  await consumer.connect();
  const meter = new Meter(task);
  consumer.assign([{ topic: task.topic, partition: 0 }]);
  consumer.seek({ topic: task.topic, partition: 0, offset: 0n });
  let valueBytes = 0;
  let lastOffset = -1n;
  meter.begin();
  while (meter.count < task.records) {
    const records = await consumer.poll(1000);
    const take = Math.min(records.length, task.records - meter.count);
    for (let i = 0; i < take; i++) {
      const r = records[i]!;
      valueBytes += r.value?.length ?? 0;
      lastOffset = r.offset;
    }
    meter.add(take);
  }
  await consumer.close();
  return meter.result(packageVersion(''), valueBytes, Number(lastOffset));
}

// ---------------------------------------------------------------------------------------------
// KafkaJS

async function kafkajsProduce(task: ClientTask, value: Buffer): Promise<ClientResult> {
  const { Kafka, logLevel, CompressionTypes } = await import('kafkajs');
  const version = packageVersion('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [`${task.host}:${task.port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: task.maxInFlight });
  await producer.connect();
  const perSend = Math.max(1, Math.floor(task.batchBytes / task.recordBytes));
  const meter = new Meter(task);
  let ack: (n: number) => void = () => undefined;
  await driveWithAck(task, meter, perSend, (n) => {
    const messages = Array.from({ length: n }, () => ({ value }));
    producer.send({ topic: task.topic, acks: 1, compression: CompressionTypes.None, messages }).then(
      () => ack(n),
      (err: Error) => meter.fail(err),
    );
  }, (fn) => (ack = fn));
  await meter.done;
  await producer.disconnect();
  return meter.result(version, 0, -1);
}

async function kafkajsConsume(task: ClientTask): Promise<ClientResult> {
  const { Kafka, logLevel } = await import('kafkajs');
  const version = packageVersion('kafkajs');
  const kafka = new Kafka({ clientId: 'bench-kafkajs', brokers: [`${task.host}:${task.port}`], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: task.groupId, maxBytesPerPartition: 1024 * 1024, maxWaitTimeInMs: 500 });
  await consumer.connect();
  await consumer.subscribe({ topics: [task.topic], fromBeginning: true });
  const meter = new Meter(task);
  let valueBytes = 0;
  let lastOffset = -1;
  meter.begin();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      const take = Math.min(batch.messages.length, task.records - meter.count);
      for (let i = 0; i < take; i++) {
        const m = batch.messages[i]!;
        valueBytes += m.value?.length ?? 0;
        lastOffset = Number(m.offset);
      }
      meter.add(take);
    },
  });
  await meter.done;
  await consumer.disconnect();
  return meter.result(version, valueBytes, lastOffset);
}

// ---------------------------------------------------------------------------------------------
// @platformatic/kafka

async function platformaticProduce(task: ClientTask, value: Buffer): Promise<ClientResult> {
  const kafka = await import('@platformatic/kafka');
  const version = packageVersion('@platformatic/kafka');
  const producer = new kafka.Producer({
    clientId: 'bench-platformatic',
    bootstrapBrokers: [`${task.host}:${task.port}`],
    acks: kafka.ProduceAcks.LEADER,
    idempotent: false,
    maxInflights: task.maxInFlight,
  });
  await producer.metadata({ topics: [task.topic] });
  const perSend = Math.max(1, Math.floor(task.batchBytes / task.recordBytes));
  const meter = new Meter(task);
  let ack: (n: number) => void = () => undefined;
  await driveWithAck(task, meter, perSend, (n) => {
    const messages = Array.from({ length: n }, () => ({ topic: task.topic, value }));
    producer.send({ messages }).then(
      () => ack(n),
      (err: Error) => meter.fail(err),
    );
  }, (fn) => (ack = fn));
  await meter.done;
  await producer.close();
  return meter.result(version, 0, -1);
}

/**
 * @platformatic/kafka's consumer streams always join a group, and its Fetch v12 request (the
 * highest version Samsa serves) puts the topic *id* where v12 wants the topic *name*, so the
 * stream cannot read from Samsa. Its group-less, public `fetch()` is used instead, with the topic
 * name passed as `topicId` (which v12 then sends as the name): one request at a time, records
 * decoded by the library, no message objects or deserializers (less work than its stream does).
 */
async function platformaticConsume(task: ClientTask): Promise<ClientResult> {
  const kafka = await import('@platformatic/kafka');
  const version = packageVersion('@platformatic/kafka');
  const consumer = new kafka.Consumer({ clientId: 'bench-platformatic', bootstrapBrokers: [`${task.host}:${task.port}`], groupId: task.groupId });
  const metadata = await consumer.metadata({ topics: [task.topic] });
  const node = metadata.topics.get(task.topic)!.partitions[0]!.leader;
  const meter = new Meter(task);
  let valueBytes = 0;
  let lastOffset = -1n;
  let fetchOffset = 0n;
  meter.begin();
  while (meter.count < task.records) {
    const response = await consumer.fetch({
      node,
      maxWaitTime: 500,
      minBytes: 1,
      maxBytes: 50 * MIB,
      topics: [{ topicId: task.topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset, lastFetchedEpoch: -1, partitionMaxBytes: MIB }] }],
    });
    let received = 0;
    for (const batch of response.responses[0]?.partitions[0]?.records ?? []) {
      for (const record of batch.records) {
        const offset = batch.firstOffset + BigInt(record.offsetDelta);
        if (offset < fetchOffset || meter.count + received >= task.records) continue;
        valueBytes += record.value?.length ?? 0;
        lastOffset = offset;
        received++;
      }
      fetchOffset = batch.firstOffset + BigInt(batch.lastOffsetDelta) + 1n;
    }
    meter.add(received);
  }
  await consumer.close(true);
  return meter.result(version, valueBytes, Number(lastOffset));
}

// ---------------------------------------------------------------------------------------------

/** Runs one task within its time limit. */
export async function runClientTask(task: ClientTask): Promise<ClientResult> {
  const value = Buffer.alloc(task.recordBytes, 'x');
  const run = (): Promise<ClientResult> => {
    const produce = task.kind === 'client-produce';
    switch (task.client) {
      case 'samsa':
        return produce ? samsaProduce(task, value) : samsaConsume(task);
      case 'kafkajs':
        return produce ? kafkajsProduce(task, value) : kafkajsConsume(task);
      case 'platformatic':
        return produce ? platformaticProduce(task, value) : platformaticConsume(task);
      default:
        throw new Error(`${task.client} does not run in Node: it has its own process script`);
    }
  };
  return withTimeout(run(), task.timeLimitMs, `${task.client} ${task.kind} of ${task.records} records did not finish`);
}

/** The stack, plus the causes of an AggregateError (KafkaJS and @platformatic/kafka wrap retries in one). */
function describeError(error: Error): string {
  const inner = error instanceof AggregateError ? error.errors.map((e: unknown) => `\n  caused by: ${e instanceof Error ? describeError(e) : String(e)}`).join('') : '';
  return `${error.stack ?? error.message}${inner}`;
}

async function main(): Promise<void> {
  if (process.send) {
    process.once('message', (task: ClientTask) => {
      // Exit once the answer is delivered: client libraries may keep timers or sockets alive.
      const finish = (message: GeneratorMessage<ClientResult>): void => {
        process.send!(message, () => process.exit(0));
      };
      runClientTask(task).then(
        (result) => finish({ type: 'result', result }),
        (error: Error) => finish({ type: 'error', message: describeError(error) }),
      );
    });
    return;
  }
  const json = process.argv[2];
  if (!json) {
    process.stderr.write("Usage: node dist/bench/clients-node.js '<task JSON>' (normally forked by run.js --only clients)\n");
    process.exitCode = 2;
    return;
  }
  const result = await runClientTask(JSON.parse(json) as ClientTask);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
