/**
 * Load generator, run as a child process of run.ts (fork; the task arrives over IPC) so that it
 * competes for CPU with the server under test the same way for Samsa and for the baselines.
 *
 * - produce: sends the same Kafka Produce request (one v2 batch, built once) to Samsa or to the
 *   append baseline, keeping `inflightPerConnection` requests in flight per connection; only the
 *   4-byte correlation id is rewritten per request (a fresh small header chunk, the batch bytes
 *   are shared), so the generator stays cheap.
 * - fetch: reads the log from offset 0 with Fetch (v11/v12), one request at a time, or the same
 *   bytes from the file-serving baseline with requests of the same size.
 *
 * Standalone use: `node dist/bench/load-generator.js '<task JSON>'` prints the result as JSON.
 */
import { connect, type Socket } from 'node:net';
import { encodeRequestFrame, decodeResponseFrame } from '../src/protocol/index.js';
import { ProduceRequest } from '../src/protocol/generated/produce-request.js';
import { ProduceResponse } from '../src/protocol/generated/produce-response.js';
import { FetchRequest } from '../src/protocol/generated/fetch-request.js';
import { FetchResponse } from '../src/protocol/generated/fetch-response.js';
import { BatchHeader, buildRecordBatch } from '../src/protocol/records/index.js';
import {
  FrameReader,
  MIB,
  monotonicUs,
  withTimeout,
  type FetchTask,
  type GeneratorMessage,
  type LoadResult,
  type LoadTask,
  type ProduceTask,
} from './common.js';

/** Kafka Produce version the generator sends (flexible, as current Java clients send). */
const PRODUCE_VERSION = 9;
const CLIENT_ID = 'samsa-bench';
/** Hard bound on requests of one task, whatever the time limits say. */
const MAX_REQUESTS_PER_TASK = 20_000_000;
/** How long in-flight requests may take to drain after the measured window closes. */
const DRAIN_TIMEOUT_MS = 15_000;
const CONNECT_TIMEOUT_MS = 5_000;

function report(message: GeneratorMessage): void {
  if (process.send) process.send(message);
}

function connectTo(host: string, port: number): Promise<Socket> {
  const socket = connect({ host, port, noDelay: true });
  return withTimeout(
    new Promise<Socket>((resolve, reject) => {
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    }),
    CONNECT_TIMEOUT_MS,
    `cannot connect to ${host}:${port}`,
  );
}

/** A batch of `recordBytes`-byte values (null keys), with as many records as fit in `batchBytes`. */
export async function buildBenchBatch(recordBytes: number, batchBytes: number): Promise<Buffer> {
  const value = Buffer.alloc(recordBytes);
  for (let i = 0; i < recordBytes; i++) value[i] = (i * 31 + 7) & 0xff;
  // Real producers always stamp CreateTime; one timestamp for the whole (reused) batch.
  const timestamp = BigInt(Date.now());
  let count = Math.max(1, Math.floor((batchBytes - BatchHeader.SIZE) / (recordBytes + 8)));
  for (let attempt = 0; attempt < 64; attempt++) {
    const records = Array.from({ length: count }, () => ({ key: null, value, timestamp }));
    const batch = await buildRecordBatch({ records });
    if (batch.length <= batchBytes || count === 1) return batch;
    count--;
  }
  throw new Error(`cannot fit ${recordBytes}-byte records into ${batchBytes} bytes`);
}

/**
 * The produce request split into three chunks: the head (size prefix and request header, copied
 * per request so the correlation id can change while earlier copies wait in the socket), the
 * batch and the tail (shared, never modified).
 */
interface ProduceFrameTemplate {
  head: Buffer;
  batch: Buffer;
  tail: Buffer;
  frameBytes: number;
}

function produceFrameTemplate(task: ProduceTask, batch: Buffer): ProduceFrameTemplate {
  const frame = Buffer.concat(
    encodeRequestFrame(ProduceRequest, PRODUCE_VERSION, 0, CLIENT_ID, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 30_000,
      topicData: [{ name: task.topic, partitionData: [{ index: task.partition, records: batch }] }],
    }),
  );
  const at = frame.indexOf(batch);
  if (at < 0) throw new Error('batch not found in the encoded produce request');
  return {
    head: Buffer.from(frame.subarray(0, at)),
    batch,
    tail: Buffer.from(frame.subarray(at + batch.length)),
    frameBytes: frame.length,
  };
}

/** Offset of the correlation id in a request frame: size(4) apiKey(2) apiVersion(2). */
const CORRELATION_ID_AT = 8;

async function runProduce(task: ProduceTask): Promise<LoadResult> {
  const batch = await buildBenchBatch(task.recordBytes, task.batchBytes);
  const template = produceFrameTemplate(task, batch);
  const sockets = await Promise.all(Array.from({ length: task.connections }, () => connectTo(task.host, task.port)));

  let phase: 'warmup' | 'measure' | 'done' = task.warmupMs > 0 ? 'warmup' : 'measure';
  let stoppedBy: LoadResult['stoppedBy'] = 'time';
  let nextCorrelationId = 1;
  let totalRequests = 0;
  let totalBytes = 0;
  let measuredBytes = 0;
  let measuredRequests = 0;
  let inflightTotal = 0;
  let measureStartNs = process.hrtime.bigint();
  let measureEndNs = measureStartNs;
  let cpuStart = process.cpuUsage();
  let cpuMs = 0;
  let failure: Error | null = null;
  let onIdle: (() => void) | null = null;
  let onDone: (() => void) | null = null;
  const done = new Promise<void>((resolve) => {
    onDone = resolve;
  });

  const startMeasuring = (): void => {
    phase = 'measure';
    measureStartNs = process.hrtime.bigint();
    cpuStart = process.cpuUsage();
    report({ type: 'measure-start', atUs: monotonicUs() });
  };
  const stopMeasuring = (why: LoadResult['stoppedBy']): void => {
    if (phase === 'done') return;
    if (phase === 'warmup') startMeasuring();
    phase = 'done';
    stoppedBy = why;
    measureEndNs = process.hrtime.bigint();
    const cpu = process.cpuUsage(cpuStart);
    cpuMs = (cpu.user + cpu.system) / 1000;
    report({ type: 'measure-end', atUs: monotonicUs() });
    onDone?.();
    if (inflightTotal === 0) onIdle?.();
  };
  const fail = (error: Error): void => {
    failure ??= error;
    stopMeasuring('time');
  };

  const send = (socket: Socket, expected: number[]): void => {
    if (phase === 'done' || totalRequests >= MAX_REQUESTS_PER_TASK) return;
    const correlationId = nextCorrelationId++;
    const head = Buffer.from(template.head);
    head.writeInt32BE(correlationId, CORRELATION_ID_AT);
    expected.push(correlationId);
    inflightTotal++;
    totalRequests++;
    socket.cork();
    socket.write(head);
    socket.write(template.batch);
    if (template.tail.length > 0) socket.write(template.tail);
    socket.uncork();
  };

  const onResponse = (frame: Buffer, expected: number[]): void => {
    const correlationId = expected.shift();
    inflightTotal--;
    if (task.target === 'samsa') {
      const { correlationId: got, body } = decodeResponseFrame(ProduceResponse, PRODUCE_VERSION, frame);
      if (got !== correlationId) throw new Error(`response for correlation id ${got}, expected ${correlationId}`);
      const partition = body.responses[0]?.partitionResponses[0];
      if (!partition || partition.errorCode !== 0) {
        throw new Error(`produce failed: error code ${partition?.errorCode} ${partition?.errorMessage ?? ''}`);
      }
    } else if (frame.readInt32BE(0) !== correlationId) {
      throw new Error(`baseline ack for ${frame.readInt32BE(0)}, expected ${correlationId}`);
    }
    totalBytes += batch.length;
    if (phase === 'measure') {
      measuredBytes += batch.length;
      measuredRequests++;
    }
    if (totalBytes >= task.stopAfterBytes) stopMeasuring('bytes');
    else if (totalRequests >= MAX_REQUESTS_PER_TASK) stopMeasuring('request-limit');
    if (phase === 'done' && inflightTotal === 0) onIdle?.();
  };

  for (const socket of sockets) {
    const expected: number[] = [];
    const reader = new FrameReader();
    socket.on('data', (data: Buffer) => {
      try {
        reader.push(data, (frame) => {
          onResponse(frame, expected);
          send(socket, expected);
        });
      } catch (error) {
        fail(error as Error);
      }
    });
    socket.on('error', (error) => fail(error));
    socket.on('close', () => {
      if (phase !== 'done') fail(new Error('server closed the connection'));
    });
    for (let i = 0; i < task.inflightPerConnection; i++) send(socket, expected);
  }

  const warmupTimer = task.warmupMs > 0 ? setTimeout(() => phase === 'warmup' && startMeasuring(), task.warmupMs) : null;
  if (phase === 'measure') startMeasuring();
  const endTimer = setTimeout(() => stopMeasuring('time'), task.warmupMs + task.measureMs);
  const idle = new Promise<void>((resolve) => {
    onIdle = resolve;
  });
  try {
    await withTimeout(done, task.warmupMs + task.measureMs + 60_000, 'produce task did not end');
    if (failure === null && inflightTotal > 0) await withTimeout(idle, DRAIN_TIMEOUT_MS, `${inflightTotal} produce requests unanswered`);
  } finally {
    if (warmupTimer) clearTimeout(warmupTimer);
    clearTimeout(endTimer);
    for (const socket of sockets) socket.destroy();
  }
  if (failure) throw failure;

  const measuredMs = Number(measureEndNs - measureStartNs) / 1e6;
  return {
    kind: 'produce',
    target: task.target,
    measuredBytes,
    measuredRequests,
    measuredMs,
    mibPerSec: measuredBytes / MIB / (measuredMs / 1000),
    totalBytes,
    totalRequests,
    batchSizeBytes: batch.length,
    requestFrameBytes: template.frameBytes,
    generatorCpuPercent: (cpuMs / measuredMs) * 100,
    stoppedBy,
  };
}

/** One request/response at a time over a socket: the next complete frame answers the last request. */
class SequentialChannel {
  private readonly reader = new FrameReader();
  private waiting: { resolve: (frame: Buffer) => void; reject: (error: Error) => void } | null = null;
  private error: Error | null = null;

  constructor(private readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      try {
        this.reader.push(data, (frame) => {
          const waiting = this.waiting;
          this.waiting = null;
          if (!waiting) throw new Error('unsolicited frame from the server');
          waiting.resolve(frame);
        });
      } catch (error) {
        this.failAll(error as Error);
      }
    });
    socket.on('error', (error) => this.failAll(error));
    socket.on('close', () => this.failAll(new Error('server closed the connection')));
  }

  private failAll(error: Error): void {
    this.error ??= error;
    const waiting = this.waiting;
    this.waiting = null;
    waiting?.reject(error);
  }

  request(chunks: readonly Buffer[], timeoutMs: number): Promise<Buffer> {
    if (this.error) return Promise.reject(this.error);
    const answer = new Promise<Buffer>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
    this.socket.cork();
    for (const chunk of chunks) this.socket.write(chunk);
    this.socket.uncork();
    return withTimeout(answer, timeoutMs, 'no response to a fetch request');
  }
}

/** Per-request bound on a fetch round trip. */
const FETCH_REQUEST_TIMEOUT_MS = 30_000;

/** Walks whole v2 batches of a fetched records blob; returns the offset after the last one and its byte count. */
function afterLastBatch(records: Buffer, fetchOffset: bigint): { nextOffset: bigint; bytes: number } {
  let pos = 0;
  let nextOffset = fetchOffset;
  while (pos + BatchHeader.SIZE <= records.length) {
    const size = records.readInt32BE(pos + BatchHeader.BATCH_LENGTH) + BatchHeader.LOG_OVERHEAD;
    if (pos + size > records.length) break;
    nextOffset = records.readBigInt64BE(pos + BatchHeader.BASE_OFFSET) + BigInt(records.readInt32BE(pos + BatchHeader.LAST_OFFSET_DELTA)) + 1n;
    pos += size;
  }
  return { nextOffset, bytes: pos };
}

async function runFetch(task: FetchTask): Promise<LoadResult> {
  const socket = await connectTo(task.host, task.port);
  const channel = new SequentialChannel(socket);
  const maxRequests = Math.ceil(task.totalBytes / Math.max(1, task.requestBytes - 64 * 1024)) * 2 + 100;
  const deadline = Date.now() + task.timeLimitMs;
  let fetchOffset = 0n;
  let totalBytes = 0;
  let totalRequests = 0;
  let measuring = task.warmupBytes <= 0;
  let measureStartNs = process.hrtime.bigint();
  let cpuStart = process.cpuUsage();
  let bytesAtStart = 0;
  let requestsAtStart = 0;
  let stoppedBy: LoadResult['stoppedBy'] = 'request-limit';
  if (measuring) report({ type: 'measure-start', atUs: monotonicUs() });
  const baselineRequest = Buffer.alloc(12);
  baselineRequest.writeInt32BE(8, 0);
  baselineRequest.writeInt32BE(task.requestBytes, 8);
  try {
    while (totalRequests < maxRequests) {
      if (Date.now() > deadline) {
        stoppedBy = 'time';
        break;
      }
      const correlationId = ++totalRequests;
      let bytes: number;
      if (task.target === 'samsa') {
        const frame = await channel.request(fetchRequestFrame(task, correlationId, fetchOffset), FETCH_REQUEST_TIMEOUT_MS);
        const { correlationId: got, body } = decodeResponseFrame(FetchResponse, task.fetchVersion, frame);
        if (got !== correlationId) throw new Error(`fetch response for correlation id ${got}, expected ${correlationId}`);
        const partition = body.responses[0]?.partitions[0];
        if (body.errorCode !== 0 || !partition || partition.errorCode !== 0) {
          throw new Error(`fetch failed: error code ${body.errorCode}/${partition?.errorCode} at offset ${fetchOffset}`);
        }
        const records = partition.records ?? Buffer.alloc(0);
        const walked = afterLastBatch(records, fetchOffset);
        bytes = walked.bytes;
        fetchOffset = walked.nextOffset;
        if (bytes === 0 && fetchOffset >= partition.highWatermark) {
          stoppedBy = 'end-of-log';
          break;
        }
      } else {
        baselineRequest.writeInt32BE(correlationId, 4);
        const frame = await channel.request([Buffer.from(baselineRequest)], FETCH_REQUEST_TIMEOUT_MS);
        if (frame.readInt32BE(0) !== correlationId) throw new Error(`baseline chunk for ${frame.readInt32BE(0)}, expected ${correlationId}`);
        bytes = frame.length - 4;
        if (bytes === 0) {
          stoppedBy = 'end-of-log';
          break;
        }
      }
      totalBytes += bytes;
      if (!measuring && totalBytes >= task.warmupBytes) {
        measuring = true;
        measureStartNs = process.hrtime.bigint();
        cpuStart = process.cpuUsage();
        bytesAtStart = totalBytes;
        requestsAtStart = totalRequests;
        report({ type: 'measure-start', atUs: monotonicUs() });
      }
      if (totalBytes >= task.totalBytes) {
        stoppedBy = 'bytes';
        break;
      }
    }
  } finally {
    socket.destroy();
  }
  const measureEndNs = process.hrtime.bigint();
  const cpu = process.cpuUsage(cpuStart);
  report({ type: 'measure-end', atUs: monotonicUs() });
  if (!measuring) throw new Error(`the log ended after ${totalBytes} bytes, before the ${task.warmupBytes}-byte warm-up`);
  const measuredMs = Number(measureEndNs - measureStartNs) / 1e6;
  const measuredBytes = totalBytes - bytesAtStart;
  return {
    kind: 'fetch',
    target: task.target,
    measuredBytes,
    measuredRequests: totalRequests - requestsAtStart,
    measuredMs,
    mibPerSec: measuredBytes / MIB / (measuredMs / 1000),
    totalBytes,
    totalRequests,
    generatorCpuPercent: ((cpu.user + cpu.system) / 1000 / measuredMs) * 100,
    stoppedBy,
  };
}

function fetchRequestFrame(task: FetchTask, correlationId: number, fetchOffset: bigint): Buffer[] {
  return encodeRequestFrame(FetchRequest, task.fetchVersion, correlationId, CLIENT_ID, {
    replicaId: -1,
    maxWaitMs: 500,
    minBytes: 1,
    maxBytes: task.responseMaxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [
      {
        topic: task.topic,
        partitions: [
          {
            partition: task.partition,
            currentLeaderEpoch: -1,
            fetchOffset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: task.requestBytes,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  });
}

/** Runs one task. */
export function runTask(task: LoadTask): Promise<LoadResult> {
  return task.kind === 'produce' ? runProduce(task) : runFetch(task);
}

async function main(): Promise<void> {
  if (process.send) {
    process.once('message', (task: LoadTask) => {
      // Exit once the answer is delivered: nothing else of this process is needed.
      const finish = (message: GeneratorMessage): void => {
        process.send!(message, () => process.exit(0));
      };
      runTask(task).then(
        (result) => finish({ type: 'result', result }),
        (error: Error) => finish({ type: 'error', message: error.stack ?? error.message }),
      );
    });
    return;
  }
  const json = process.argv[2];
  if (!json) {
    process.stderr.write("Usage: node dist/bench/load-generator.js '<task JSON>' (normally forked by run.js)\n");
    process.exitCode = 2;
    return;
  }
  const result = await runTask(JSON.parse(json) as LoadTask);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
