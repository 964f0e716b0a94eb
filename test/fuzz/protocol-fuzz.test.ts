/**
 * Bounded, seeded protocol fuzzing of one real broker process (reliability invariant I12: no
 * input bytes crash the broker or make it allocate without bound; §6.4 bad input).
 *
 * 1. Every advertised (API, version) gets a valid request; then thousands of seeded mutations
 *    of those requests (lying lengths, overlong varints, truncation, swapped headers, duplicated
 *    array elements, damaged record batches...) over a few connections, reconnecting whenever
 *    the broker closes one. A close or an error response are both acceptable answers.
 * 2. Garbage, oversized (2 GiB, 100 MiB), negative, trickled and cut-off frames.
 * 3. Throughout: the process stays alive, a canary connection keeps producing and reading back
 *    its data, RSS stays under a ceiling, correlation ids are echoed, responses decode, and the
 *    broker never logs an internal error or prints a stack trace.
 *
 * FUZZ_SEED replays a run; FUZZ_ITERATIONS and FUZZ_TIME_MS lengthen it; FUZZ_KEEP_OUTPUT=FILE keeps
 * the broker's complete output.
 * Known broker bugs found by this fuzzer are reproduced by the `todo` tests at the end and kept
 * out of the random phase by `knownBugTrigger`, so the suite stays green until they are fixed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import {
  API_SCHEMAS,
  ApiKey,
  Reader,
  buildLegacyMessageSet,
  buildRecordBatch,
  decodeRecordBatches,
  encodeLegacyMessage,
  encodeRequestFrame,
  parseRequestHeader,
  peekRequestHeader,
  responseHeaderVersion,
  type Init,
  type MessageCodec,
} from '../../src/protocol/index.js';
import { ResponseHeader } from '../../src/protocol/generated/response-header.js';
import { delay, startBroker, type BrokerHandle } from '../helpers/broker.js';
import { mutate } from './mutations.js';
import { Prng } from './prng.js';
import { buildSamples, type Sample } from './samples.js';
import { FrameClient, withSizePrefix, type NextFrame } from './wire.js';

const SEED = process.env['FUZZ_SEED'] !== undefined ? Number(process.env['FUZZ_SEED']) >>> 0 : Math.floor(Math.random() * 0x1_0000_0000) >>> 0;
const ITERATIONS = Number(process.env['FUZZ_ITERATIONS'] ?? 5000);
const TIME_BUDGET_MS = Number(process.env['FUZZ_TIME_MS'] ?? 30_000);
const LANES = 4;
const MAX_REQUEST_BYTES = 1024 * 1024;
const RSS_CEILING_MB = 600;
const CANARY_EVERY_CASES = 100;
const CANARY_TOPIC = 'samsa-fuzz-canary-q7';
const FUZZ_TOPIC = 'fuzz-t';
/** A response (or close) for a complete frame must come within this; otherwise the request stalled. */
const STALL_MS = 2_000;
/** Frames whose size prefix is negative or above socket.request.max.bytes must be closed within this. */
const CLOSE_WITHIN_MS = 1_000;
/** APIs that may legitimately hold a response back (long poll, rebalance). */
const WAITING_APIS = new Set<number>([ApiKey.Fetch, ApiKey.JoinGroup, ApiKey.SyncGroup]);
/** Partition counts above this would make the random phase create thousands of log dirs; it skips them (the bound itself is tested below). */
const MAX_FUZZ_PARTITIONS = 50;

process.stdout.write(`# protocol fuzz: FUZZ_SEED=${SEED} FUZZ_ITERATIONS=${ITERATIONS} FUZZ_TIME_MS=${TIME_BUDGET_MS}\n`);

// ---------------------------------------------------------------------------------------------
// Shared state: one broker for the whole file.

let broker: BrokerHandle;
let workDir: string;
let outputPath: string;
let advertised: { apiKey: number; minVersion: number; maxVersion: number }[] = [];
let samples: Sample[] = [];
const failures: string[] = [];
const rss = { maxMb: 0, samples: 0, timer: undefined as NodeJS.Timeout | undefined };
const canary = { rounds: 0, maxLatencyMs: 0, written: [] as { offset: bigint; value: string }[], client: undefined as FrameClient | undefined };

function fail(message: string): void {
  if (failures.length < 200) failures.push(message);
}

function hex(buf: Buffer, limit = 512): string {
  return buf.length <= limit ? buf.toString('hex') : `${buf.subarray(0, limit).toString('hex')}... (${buf.length} bytes)`;
}

function readRssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

function brokerAlive(): boolean {
  if (!broker.running) return false;
  try {
    process.kill(broker.pid, 0);
    return true;
  } catch {
    return false;
  }
}

function sampleRss(): void {
  const mb = readRssMb(broker.pid);
  if (mb === undefined) return;
  rss.samples++;
  rss.maxMb = Math.max(rss.maxMb, mb);
}

before(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'samsa-fuzz-'));
  outputPath = join(workDir, 'broker-output.log');
  process.env['SAMSA_FUZZ_BROKER_OUTPUT'] = outputPath;
  try {
    broker = await startBroker({
      binPath: fileURLToPath(new URL('./broker-output-tee.js', import.meta.url)),
      overrides: { 'socket.request.max.bytes': String(MAX_REQUEST_BYTES) },
    });
  } finally {
    delete process.env['SAMSA_FUZZ_BROKER_OUTPUT'];
  }
  rss.timer = setInterval(sampleRss, 100);
  sampleRss();
  const c = await FrameClient.connect(broker.host, broker.port);
  try {
    const versions = await roundTrip(c, API_SCHEMAS.get(ApiKey.ApiVersions)!.request, 3, { clientSoftwareName: 'samsa-fuzz', clientSoftwareVersion: '1.0' });
    advertised = (versions as { apiKeys: typeof advertised }).apiKeys.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion }));
    for (const [name, partitions] of [[FUZZ_TOPIC, 2], [CANARY_TOPIC, 1]] as const) {
      const created = (await roundTrip(c, API_SCHEMAS.get(ApiKey.CreateTopics)!.request, 5, {
        topics: [{ name, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
      })) as { topics: { errorCode: number }[] };
      assert.equal(created.topics[0]!.errorCode, 0, `cannot create ${name}`);
    }
  } finally {
    c.destroy();
  }
  const timestamp = BigInt(Date.now());
  const record = (value: string) => ({ key: Buffer.from('fuzz-key'), value: Buffer.from(value), headers: [{ key: 'h', value: Buffer.from('v') }], timestamp });
  samples = buildSamples(advertised, {
    fuzzTopic: FUZZ_TOPIC,
    batch: await buildRecordBatch({ records: [record('fuzz-value-1'), record('fuzz-value-2')] }),
    gzipBatch: await buildRecordBatch({ records: [record('fuzz-gzip-1'), record('fuzz-gzip-2')], compression: 1 }),
    legacyMagic0: await buildLegacyMessageSet({ magic: 0, records: [record('legacy-0')] }),
    legacyMagic1Gzip: await buildLegacyMessageSet({ magic: 1, records: [record('legacy-1a'), record('legacy-1b')], compression: 1 }),
  });
  process.stdout.write(`# broker pid ${broker.pid} at ${broker.bootstrap}; ${advertised.length} APIs advertised, ${samples.length} (API, version) samples\n`);
});

after(async () => {
  clearInterval(rss.timer);
  canary.client?.destroy();
  process.stdout.write(`# protocol fuzz summary: seed ${SEED}, max broker RSS ${rss.maxMb.toFixed(1)} MB over ${rss.samples} samples, ${canary.rounds} canary rounds (max ${canary.maxLatencyMs} ms)\n`);
  const keep = process.env['FUZZ_KEEP_OUTPUT'];
  if (keep !== undefined && outputPath !== undefined) await copyFile(outputPath, keep).catch(() => undefined);
  await broker?.cleanup();
  if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Requests, responses and the canary.

/** Sends one valid request and decodes its response; throws on a close, a timeout or a bad echo. */
async function roundTrip<T>(c: FrameClient, codec: MessageCodec<T>, version: number, body: Init<T>, timeoutMs = 5_000): Promise<T> {
  const correlationId = 0x7000_0000 + Math.floor(Math.random() * 0x0fff_ffff);
  await c.write(Buffer.concat(encodeRequestFrame(codec, version, correlationId, 'samsa-fuzz-canary', body)));
  const next = await c.next(timeoutMs);
  if (next.kind !== 'frame') throw new Error(`${codec.name} v${version}: ${next.kind} instead of a response`);
  const decoded = decodeResponse(codec.apiKey, version, next.frame);
  if (decoded.correlationId !== correlationId) throw new Error(`${codec.name} v${version}: correlation id ${decoded.correlationId}, sent ${correlationId}`);
  return decoded.body as T;
}

/** Decodes a response frame completely; throws if it is malformed or has trailing bytes. */
function decodeResponse(apiKey: number, version: number, frame: Buffer): { correlationId: number; body: unknown } {
  const api = API_SCHEMAS.get(apiKey);
  if (api === undefined) throw new Error(`response to unknown API ${apiKey}`);
  const r = new Reader(frame);
  const header = ResponseHeader.decode(r, responseHeaderVersion(apiKey, version));
  const body: unknown = api.response.decode(r, version);
  if (r.remaining !== 0) throw new Error(`${r.remaining} trailing bytes after the ${api.name} v${version} response`);
  return { correlationId: header.correlationId, body };
}

/** One canary round: Metadata, Produce (acks=-1) and Fetch of what was produced, on a long-lived connection. */
async function canaryRound(): Promise<void> {
  const started = Date.now();
  const round = canary.rounds++;
  if (canary.client === undefined || canary.client.closed) {
    if (canary.client !== undefined) fail(`canary round ${round}: the broker closed the canary connection`);
    canary.client = await FrameClient.connect(broker.host, broker.port);
  }
  const c = canary.client;
  const metadata = (await roundTrip(c, API_SCHEMAS.get(ApiKey.Metadata)!.request, 12, { topics: [{ name: CANARY_TOPIC }], allowAutoTopicCreation: false })) as {
    topics: { errorCode: number; partitions: { partitionIndex: number; leaderId: number }[] }[];
  };
  const topic = metadata.topics[0];
  assert.ok(topic !== undefined && topic.errorCode === 0, `canary round ${round}: Metadata for ${CANARY_TOPIC}: ${JSON.stringify(topic)}`);
  assert.equal(topic.partitions.find((p) => p.partitionIndex === 0)?.leaderId, 1, `canary round ${round}: partition 0 has no leader`);

  const values = [0, 1, 2].map((k) => `canary seed=${SEED} round=${round} record=${k} ${'x'.repeat(k * 50)}`);
  const timestamp = BigInt(Date.now());
  const batch = await buildRecordBatch({ records: values.map((v) => ({ key: Buffer.from(`r${round}`), value: Buffer.from(v), timestamp })), compression: round % 2 });
  const produced = (await roundTrip(c, API_SCHEMAS.get(ApiKey.Produce)!.request, 9, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: CANARY_TOPIC, partitionData: [{ index: 0, records: batch }] }],
  })) as { responses: { partitionResponses: { errorCode: number; baseOffset: bigint; errorMessage: string | null }[] }[] };
  const part = produced.responses[0]?.partitionResponses[0];
  assert.ok(part !== undefined && part.errorCode === 0, `canary round ${round}: produce failed: ${JSON.stringify(part, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  values.forEach((value, k) => canary.written.push({ offset: part.baseOffset + BigInt(k), value }));

  const read = await fetchCanary(c, part.baseOffset);
  for (const [k, value] of values.entries()) {
    const got = read.get(part.baseOffset + BigInt(k));
    assert.equal(got, value, `canary round ${round}: offset ${part.baseOffset + BigInt(k)} read back ${JSON.stringify(got)}`);
  }
  canary.maxLatencyMs = Math.max(canary.maxLatencyMs, Date.now() - started);
}

/** Reads the canary partition from `fromOffset`: offset -> value. */
async function fetchCanary(c: FrameClient, fromOffset: bigint): Promise<Map<bigint, string>> {
  const fetched = (await roundTrip(c, API_SCHEMAS.get(ApiKey.Fetch)!.request, 12, {
    replicaId: -1,
    maxWaitMs: 0,
    minBytes: 0,
    maxBytes: 4 * 1024 * 1024,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic: CANARY_TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: fromOffset, logStartOffset: -1n, partitionMaxBytes: 4 * 1024 * 1024 }] }],
    forgottenTopicsData: [],
    rackId: '',
  })) as { errorCode: number; responses: { partitions: { errorCode: number; records: Buffer | null }[] }[] };
  assert.equal(fetched.errorCode, 0, 'canary fetch: top-level error');
  const partition = fetched.responses[0]?.partitions[0];
  assert.ok(partition !== undefined && partition.errorCode === 0, `canary fetch at ${fromOffset}: error ${partition?.errorCode}`);
  const out = new Map<bigint, string>();
  for (const b of await decodeRecordBatches(partition.records ?? Buffer.alloc(0))) {
    for (const r of b.records) out.set(r.offset, r.value?.toString('utf8') ?? '<null>');
  }
  return out;
}

/** Runs canary rounds every CANARY_EVERY_CASES completed cases until `done()`; failures stop the fuzzing. */
async function canaryLoop(progress: () => number, done: () => boolean, abort: () => void): Promise<void> {
  let nextAt = 0;
  while (!done()) {
    if (progress() >= nextAt) {
      nextAt += CANARY_EVERY_CASES;
      try {
        await canaryRound();
      } catch (err) {
        fail(`canary: ${(err as Error).message}`);
        abort();
        return;
      }
      if (!brokerAlive()) {
        fail('broker process exited');
        abort();
        return;
      }
    } else {
      await delay(5);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fuzz cases.

type Framing = 'exact' | 'short' | 'long' | 'invalid';

/** One fuzz case: a frame, the size prefix announced for it, and how it was made. */
interface FuzzCase {
  index: number;
  frame: Buffer;
  sizePrefix: number;
  framing: Framing;
  description: string;
}

/** Case `index` of this seed: a pure function of (SEED, index). */
function buildCase(index: number): FuzzCase {
  const rng = Prng.forCase(SEED, index);
  const base = rng.pick(samples);
  const withCorrelation = Buffer.from(base.frame);
  withCorrelation.writeInt32BE(index, 4);
  const sample: Sample = { ...base, frame: withCorrelation };
  let frame: Buffer;
  let steps: string[];
  const kind = rng.int(100);
  if (kind < 3) {
    frame = sample.frame;
    steps = ['unmutated'];
  } else if (kind < 9) {
    frame = Buffer.concat([sample.frame.subarray(0, sample.headerBytes), rng.bytes(rng.int(300))]);
    steps = ['random body'];
  } else {
    ({ frame, steps } = mutate(sample, rng, advertised.map((a) => a.apiKey)));
  }
  const f = rng.int(100);
  let framing: Framing = 'exact';
  let sizePrefix = frame.length;
  if (f >= 90 && f < 93 && frame.length > 0) {
    framing = 'short';
    sizePrefix = rng.int(frame.length);
  } else if (f >= 93 && f < 97) {
    framing = 'long';
    sizePrefix = Math.min(MAX_REQUEST_BYTES, frame.length + rng.range(1, 5000));
  } else if (f >= 97) {
    framing = 'invalid';
    sizePrefix = rng.pick([-1, -2, -0x8000_0000, MAX_REQUEST_BYTES + 1, 0x7fff_ffff, 100 * 1024 * 1024]);
  }
  return {
    index,
    frame,
    sizePrefix,
    framing,
    description: `case ${index}: ${base.apiName} v${base.version}: ${steps.join('; ')}; size prefix ${sizePrefix} (${framing}, frame ${frame.length} bytes)`,
  };
}

/** The request a frame decodes to with the broker's own codecs, or undefined if it does not decode. */
function decodeRequest(frame: Buffer): { apiKey: number; version: number; request: Record<string, unknown> } | undefined {
  try {
    const start = peekRequestHeader(frame);
    const api = API_SCHEMAS.get(start.apiKey);
    const range = advertised.find((a) => a.apiKey === start.apiKey);
    if (api === undefined || range === undefined || start.apiVersion < range.minVersion || start.apiVersion > range.maxVersion) return undefined;
    const header = parseRequestHeader(frame);
    return { apiKey: start.apiKey, version: start.apiVersion, request: api.request.decode(header.body, start.apiVersion) as Record<string, unknown> };
  } catch {
    return undefined;
  }
}

/** Why the random phase skips a case (too costly to run, not unsafe), or undefined. */
function knownBugTrigger(c: FuzzCase): string | undefined {
  const decoded = decodeRequest(c.frame);
  if (decoded === undefined) return undefined;
  if (decoded.apiKey === ApiKey.CreateTopics) {
    const topics = decoded.request['topics'] as { numPartitions: number }[];
    if (topics.some((t) => t.numPartitions > MAX_FUZZ_PARTITIONS)) return 'CreateTopics with a huge numPartitions';
  }
  if (decoded.apiKey === ApiKey.CreatePartitions) {
    const topics = decoded.request['topics'] as { count: number }[];
    if (topics.some((t) => t.count > MAX_FUZZ_PARTITIONS)) return 'CreatePartitions with a huge count';
  }
  return undefined;
}

/** Expected, safe answers: per outcome, how many cases ended that way. */
const outcomes = new Map<string, number>();
function count(outcome: string): void {
  outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
}

function sentinelFrame(index: number): { bytes: Buffer; correlationId: number } {
  const correlationId = -1 - index;
  return { bytes: Buffer.concat(encodeRequestFrame(API_SCHEMAS.get(ApiKey.ApiVersions)!.request, 0, correlationId, 'sentinel', {})), correlationId };
}

/** Checks one response to a fuzzed frame: echoed correlation id, and a well-formed body when the request decodes. */
function checkResponse(c: FuzzCase, response: Buffer): void {
  if (response.length < 4) return fail(`${c.description}: response of ${response.length} bytes\nrequest: ${hex(c.frame)}`);
  const correlationId = response.readInt32BE(0);
  if (c.frame.length >= 8 && correlationId !== c.frame.readInt32BE(4)) {
    return fail(`${c.description}: response correlation id ${correlationId}, request had ${c.frame.readInt32BE(4)}\nrequest: ${hex(c.frame)}`);
  }
  const start = c.frame.length >= 8 ? peekRequestHeader(c.frame) : undefined;
  if (start === undefined) return;
  const range = advertised.find((a) => a.apiKey === start.apiKey);
  const supported = range !== undefined && start.apiVersion >= range.minVersion && start.apiVersion <= range.maxVersion;
  const version = start.apiKey === ApiKey.ApiVersions && !supported ? 0 : start.apiVersion;
  if (!supported && start.apiKey !== ApiKey.ApiVersions) {
    return fail(`${c.description}: a response to unsupported API ${start.apiKey} v${start.apiVersion}\nrequest: ${hex(c.frame)}`);
  }
  try {
    decodeResponse(start.apiKey, version, response);
  } catch (err) {
    fail(`${c.description}: malformed response (${(err as Error).message})\nrequest: ${hex(c.frame)}\nresponse: ${hex(response)}`);
  }
}

/** Sends a frame whose size prefix is true, followed by a sentinel ApiVersions; waits for both answers or a close. */
async function runExact(client: FrameClient, c: FuzzCase): Promise<boolean> {
  const sentinel = sentinelFrame(c.index);
  await client.write(Buffer.concat([withSizePrefix(c.frame), sentinel.bytes]));
  let responses = 0;
  for (;;) {
    const next: NextFrame = await client.next(STALL_MS);
    if (next.kind === 'closed') {
      if (client.badResponseSize !== undefined) fail(`${c.description}: the broker sent a response size prefix of ${client.badResponseSize}\nrequest: ${hex(c.frame)}`);
      count(responses === 0 ? 'closed' : 'answered then closed');
      return false;
    }
    if (next.kind === 'timeout') {
      const apiKey = c.frame.length >= 2 ? c.frame.readInt16BE(0) : -1;
      if (WAITING_APIS.has(apiKey)) count('held back (long poll), connection dropped');
      else fail(`${c.description}: neither a response nor a close within ${STALL_MS} ms\nrequest: ${hex(c.frame)}`);
      client.destroy();
      return false;
    }
    if (next.frame.length >= 4 && next.frame.readInt32BE(0) === sentinel.correlationId) {
      if (responses === 0) checkSilence(c);
      count(responses === 0 ? 'no response (acks=0)' : 'answered');
      return true;
    }
    responses++;
    if (responses > 1) fail(`${c.description}: ${responses} responses to one request\nrequest: ${hex(c.frame)}`);
    else checkResponse(c, next.frame);
  }
}

/** A request left unanswered on an open connection is only legal for Produce with acks=0. */
function checkSilence(c: FuzzCase): void {
  const decoded = decodeRequest(c.frame);
  if (decoded?.apiKey === ApiKey.Produce && decoded.request['acks'] === 0) return;
  fail(`${c.description}: no response and the connection stayed open (${decoded ? `decodes as API ${decoded.apiKey} v${decoded.version}` : 'does not decode'})\nrequest: ${hex(c.frame)}`);
}

/** Runs one case on a lane's connection; returns whether the connection is still usable. */
async function runCase(client: FrameClient, c: FuzzCase): Promise<boolean> {
  switch (c.framing) {
    case 'exact':
      return runExact(client, c);
    case 'short': {
      // The broker takes the first sizePrefix bytes as a frame and the rest as the start of the next.
      await client.write(withSizePrefix(c.frame, c.sizePrefix));
      await client.waitClosed(100);
      client.destroy();
      count('short size prefix, dropped');
      return false;
    }
    case 'long': {
      // A frame cut mid-way and the socket closed.
      await client.write(withSizePrefix(c.frame, c.sizePrefix));
      client.destroy();
      count('cut mid-frame');
      return false;
    }
    case 'invalid': {
      await client.write(withSizePrefix(c.frame, c.sizePrefix));
      const closed = await client.waitClosed(CLOSE_WITHIN_MS);
      if (!closed) fail(`${c.description}: size prefix ${c.sizePrefix} outside 0..${MAX_REQUEST_BYTES} not closed within ${CLOSE_WITHIN_MS} ms`);
      client.destroy();
      count('invalid size prefix, closed');
      return false;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Broker output: every close reason must be a decoder or framing rejection, never an internal error.

const EXPECTED_CLOSE_REASONS: readonly RegExp[] = [
  /^need -?\d+ bytes at position \d+, only -?\d+ left$/,
  /^array of -?\d+ elements with only \d+ bytes left$/,
  /^null in a non-nullable (string|bytes field|array)$/,
  /^varint longer than 5 bytes at position \d+$/,
  /^tagged fields out of order: \d+ after -?\d+$/,
  /^\d+ tagged fields with \d+ bytes left$/,
  /^unknown or unsupported API key -?\d+$/,
  /^unsupported version -?\d+ of API \d+ \(supported \d+-\d+\)$/,
  /^request of \d+ bytes is shorter than a header$/,
  /^request size -?\d+ is outside 0\.\.\d+ \(socket\.request\.max\.bytes\)$/,
];
const ROUTINE_LINES: readonly RegExp[] = [/ Data in /, / listening on /, / raft \d+: (restored epoch|Unattached|Prospective|Candidate|Leader|Follower|Resigned) /, / SIGTERM received/, / shut down cleanly/, / Controller: (broker \d+ registered with epoch|node \d+ is the active controller|broker \d+ is caught up and unfenced)/, / Broker \d+ (registered with the controller|is unfenced and serving)/, /^=== run #\d+ ===$/];

/** Broker output lines that are neither routine nor an expected close reason, normalized, with counts. */
function unexpectedBrokerOutput(): { closeReasons: Map<string, number>; unexpected: Map<string, number> } {
  const closeReasons = new Map<string, number>();
  const unexpected = new Map<string, number>();
  let text = '';
  try {
    text = readFileSync(outputPath, 'utf8');
  } catch {
    // no output file: the broker wrote nothing through process.stdout
  }
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const close = /closing connection from \S+: (.*)$/.exec(line);
    if (close !== null) {
      const reason = close[1]!;
      const shape = reason.replace(/-?\d+/g, 'N');
      closeReasons.set(shape, (closeReasons.get(shape) ?? 0) + 1);
      if (!EXPECTED_CLOSE_REASONS.some((re) => re.test(reason))) unexpected.set(shape, (unexpected.get(shape) ?? 0) + 1);
      continue;
    }
    if (ROUTINE_LINES.some((re) => re.test(line))) continue;
    const shape = line.replace(/^\S+Z /, '').replace(/-?\d+/g, 'N');
    unexpected.set(shape, (unexpected.get(shape) ?? 0) + 1);
  }
  return { closeReasons, unexpected };
}

/** Lines of the broker's stderr beyond the harness markers and config warnings (stack traces, "uncaught"...). */
function brokerStderrProblems(): string[] {
  const stderr = broker.diagnostics().split('--- stderr tail ---')[1] ?? '';
  return stderr
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '' && l !== '(empty)' && !/^=== run #\d+ ===$/.test(l) && !l.startsWith('WARN: ') && !l.startsWith('[harness]'));
}

function assertBrokerHealthy(context: string): void {
  assert.ok(brokerAlive(), `${context}: the broker process is gone\n${broker.diagnostics()}`);
  const stderr = brokerStderrProblems();
  assert.deepEqual(stderr, [], `${context}: the broker wrote to stderr:\n${stderr.join('\n')}`);
  assert.ok(rss.maxMb < RSS_CEILING_MB, `${context}: broker RSS reached ${rss.maxMb.toFixed(1)} MB (ceiling ${RSS_CEILING_MB} MB)`);
}

function assertNoFailures(context: string): void {
  assert.equal(failures.length, 0, `${context} (seed ${SEED}; replay with FUZZ_SEED=${SEED}):\n${failures.slice(0, 20).join('\n\n')}\n${broker.diagnostics()}`);
}

// ---------------------------------------------------------------------------------------------
// Tests.

test('every advertised API and version answers its valid sample request', async () => {
  assert.ok(samples.length >= advertised.length, 'at least one sample per advertised API');
  const client = await FrameClient.connect(broker.host, broker.port);
  try {
    for (const [i, sample] of samples.entries()) {
      const c: FuzzCase = { index: 1_000_000 + i, frame: sample.frame, sizePrefix: sample.frame.length, framing: 'exact', description: `${sample.apiName} v${sample.version} (unmutated)` };
      const open = await runExact(client, c);
      assert.ok(open, `${c.description}: the broker closed the connection on a valid request\nrequest: ${hex(sample.frame)}\n${broker.diagnostics()}`);
    }
  } finally {
    client.destroy();
  }
  assertNoFailures('valid samples');
  assertBrokerHealthy('after valid samples');
});

test(`seeded mutations of valid requests (${ITERATIONS} cases, ${LANES} connections)`, async () => {
  const started = Date.now();
  const deadline = started + TIME_BUDGET_MS;
  let nextIndex = 0;
  let completed = 0;
  let skipped = 0;
  let aborted = false;
  let connections = 0;
  const done = (): boolean => aborted || nextIndex >= ITERATIONS || Date.now() > deadline;
  const skippedReasons = new Map<string, number>();

  const recent: FuzzCase[] = [];
  const lane = async (): Promise<void> => {
    let client: FrameClient | undefined;
    try {
      while (!done()) {
        const c = buildCase(nextIndex++);
        recent.push(c);
        if (recent.length > 4 * LANES) recent.shift();
        const trigger = knownBugTrigger(c);
        if (trigger !== undefined) {
          skipped++;
          skippedReasons.set(trigger, (skippedReasons.get(trigger) ?? 0) + 1);
          continue;
        }
        if (client === undefined || client.closed) {
          client = await connectWithRetry();
          connections++;
        }
        if (!(await runCase(client, c))) client = undefined;
        completed++;
        if (completed % 50 === 0 && !brokerAlive()) aborted = true;
      }
    } finally {
      client?.destroy();
    }
  };
  const connectWithRetry = async (): Promise<FrameClient> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await FrameClient.connect(broker.host, broker.port, 2_000);
      } catch (err) {
        if (attempt >= 3 || !brokerAlive()) {
          aborted = true;
          throw new Error(`cannot connect to the broker: ${(err as Error).message}`);
        }
        await delay(100);
      }
    }
  };

  const lanes = Array.from({ length: LANES }, () => lane());
  const canaryDone = canaryLoop(() => completed, done, () => (aborted = true));
  const results = await Promise.allSettled(lanes);
  await canaryDone;
  for (const r of results) if (r.status === 'rejected') fail(`lane failed: ${(r.reason as Error).message}`);
  await delay(100);
  if (!brokerAlive()) {
    const exit = await broker.stop(1_000);
    fail(
      `the broker process died (exit code ${exit.code}, signal ${exit.signal}). Cases in flight or just before:\n` +
        recent.map((c) => `${c.description}\n  size prefix + frame: ${hex(withSizePrefix(c.frame, c.sizePrefix), 2048)}`).join('\n') +
        `\n${broker.diagnostics()}`,
    );
  } else {
    try {
      await canaryRound();
    } catch (err) {
      fail(`final canary: ${(err as Error).message}`);
    }
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(
    `# mutations: ${completed} cases in ${seconds} s over ${connections} connections, ${skipped} skipped as too costly ${JSON.stringify([...skippedReasons])}\n` +
      `# outcomes: ${JSON.stringify([...outcomes].sort((a, b) => b[1] - a[1]))}\n` +
      `# canary: ${canary.rounds} rounds, max ${canary.maxLatencyMs} ms; max RSS ${rss.maxMb.toFixed(1)} MB\n`,
  );
  assertNoFailures('fuzz failures');
  assert.ok(completed >= Math.min(ITERATIONS, 500), `only ${completed} cases ran in ${TIME_BUDGET_MS} ms`);
  assertBrokerHealthy('after mutations');
});

test('garbage, oversized, negative, trickled and cut-off frames', async () => {
  assert.ok(brokerAlive(), 'the broker died in an earlier test');
  const { host, port } = broker;
  const rssBefore = readRssMb(broker.pid) ?? 0;

  // Size prefixes outside 0..socket.request.max.bytes: closed at once, nothing allocated for them.
  for (const size of [0x7fff_ffff, 2 ** 31, 100 * 1024 * 1024, MAX_REQUEST_BYTES + 1, -1, -2, -0x8000_0000]) {
    const c = await FrameClient.connect(host, port);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(size >>> 0);
    await c.write(Buffer.concat([prefix, Buffer.alloc(64 * 1024, 0x41)]));
    assert.ok(await c.waitClosed(CLOSE_WITHIN_MS), `size prefix ${size | 0} was not closed within ${CLOSE_WITHIN_MS} ms`);
    c.destroy();
  }

  // Tiny frames: shorter than any request header (size 0 is the todo crash test).
  for (let size = 1; size < 8; size++) {
    const c = await FrameClient.connect(host, port);
    await c.write(withSizePrefix(Buffer.alloc(size, 0x12)));
    assert.ok(await c.waitClosed(CLOSE_WITHIN_MS), `a ${size}-byte frame was not closed within ${CLOSE_WITHIN_MS} ms`);
    c.destroy();
  }

  // Random garbage streams.
  const rng = new Prng(SEED ^ 0x5eed);
  for (let i = 0; i < 200; i++) {
    const c = await FrameClient.connect(host, port);
    const garbage = rng.bytes(rng.range(5, 2048));
    if (rng.chance(0.5)) garbage.writeInt32BE(garbage.length - 4, 0);
    await c.write(garbage);
    await c.waitClosed(50);
    c.destroy();
  }

  // A frame trickled one byte at a time (prefix included), on several connections at once,
  // while the canary keeps working; each must be answered correctly at the end.
  const trickle = async (n: number): Promise<void> => {
    const c = await FrameClient.connect(host, port);
    try {
      const frame = Buffer.concat(encodeRequestFrame(API_SCHEMAS.get(ApiKey.Metadata)!.request, 9, 4242 + n, 'trickle', { topics: [{ name: CANARY_TOPIC }] }));
      for (const byte of frame) {
        await c.write(Buffer.from([byte]));
        await delay(2);
      }
      const next = await c.next(STALL_MS);
      assert.equal(next.kind, 'frame', `trickled request ${n}: ${next.kind}`);
      if (next.kind === 'frame') assert.equal(decodeResponse(ApiKey.Metadata, 9, next.frame).correlationId, 4242 + n);
    } finally {
      c.destroy();
    }
  };
  // Slow-loris: connections that announce a frame and stall, held open during the trickles.
  const stalled = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const c = await FrameClient.connect(host, port);
    await c.write(i % 2 === 0 ? Buffer.from([0, 0, 1]) : Buffer.from([0, 0, 0x10, 0, 0, 3, 0]));
    return c;
  }));
  await Promise.all([trickle(1), trickle(2), trickle(3), (async () => {
    for (let i = 0; i < 3; i++) await canaryRound();
  })()]);
  for (const c of stalled) c.destroy();

  // Frames cut mid-way (prefix says more than is sent) and the socket closed, many at once.
  const produce = sampleFor(ApiKey.Produce);
  await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    const c = await FrameClient.connect(host, port);
    const full = withSizePrefix(produce.frame);
    await c.write(full.subarray(0, 4 + Math.floor((full.length - 4) * (i / 50))));
    c.destroy();
  }));

  // Half a frame of a large announced size (just under the limit), then close: nothing should linger.
  for (let i = 0; i < 5; i++) {
    const c = await FrameClient.connect(host, port);
    const prefix = Buffer.alloc(4);
    prefix.writeInt32BE(MAX_REQUEST_BYTES);
    await c.write(Buffer.concat([prefix, Buffer.alloc(MAX_REQUEST_BYTES / 2, 0x42)]));
    c.destroy();
  }

  await canaryRound();
  await delay(200);
  sampleRss();
  process.stdout.write(`# garbage phase: RSS ${rssBefore.toFixed(1)} MB before, ${(readRssMb(broker.pid) ?? 0).toFixed(1)} MB after, max so far ${rss.maxMb.toFixed(1)} MB\n`);
  assertNoFailures('garbage phase');
  assertBrokerHealthy('after garbage frames');
});

function sampleFor(apiKey: number): Sample {
  const found = samples.filter((s) => s.apiKey === apiKey);
  assert.ok(found.length > 0, `no sample for API ${apiKey}`);
  return found[found.length - 1]!;
}

test('after fuzzing: canary data intact, no internal errors logged, RSS bounded, process alive', async () => {
  assert.ok(brokerAlive(), 'the broker died in an earlier test');
  const c = await FrameClient.connect(broker.host, broker.port);
  try {
    const from = canary.written[0]?.offset ?? 0n;
    const seen = new Map<bigint, string>();
    for (let offset = from, reads = 0; reads < 100 && seen.size < canary.written.length; reads++) {
      const batch = await fetchCanary(c, offset);
      if (batch.size === 0) break;
      for (const [o, v] of batch) seen.set(o, v);
      offset = [...batch.keys()].reduce((a, b) => (a > b ? a : b)) + 1n;
    }
    for (const w of canary.written) assert.equal(seen.get(w.offset), w.value, `canary record at offset ${w.offset} lost or changed`);
  } finally {
    c.destroy();
  }
  const { closeReasons, unexpected } = unexpectedBrokerOutput();
  process.stdout.write(`# broker close reasons: ${JSON.stringify([...closeReasons].sort((a, b) => b[1] - a[1]))}\n`);
  assert.deepEqual([...unexpected], [], `the broker logged internal errors or unexpected lines:\n${[...unexpected].map(([l, n]) => `${n}x ${l}`).join('\n')}`);
  assertNoFailures('final');
  assertBrokerHealthy('final');
  process.stdout.write(`# max broker RSS ${rss.maxMb.toFixed(1)} MB (ceiling ${RSS_CEILING_MB} MB)\n`);
});

// ---------------------------------------------------------------------------------------------
// Bugs this fuzzer found, kept as regression tests. They run last, on the same broker.

/** Peak broker RSS (MB) while `work` runs, sampled every 20 ms. */
async function peakRssDuring(work: () => Promise<void>): Promise<{ beforeMb: number; peakMb: number }> {
  const beforeMb = readRssMb(broker.pid) ?? 0;
  let peakMb = beforeMb;
  const timer = setInterval(() => (peakMb = Math.max(peakMb, readRssMb(broker.pid) ?? 0)), 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { beforeMb, peakMb: Math.max(peakMb, readRssMb(broker.pid) ?? 0) };
}

async function produceV9(c: FrameClient, topic: string, records: Buffer): Promise<{ errorCode: number; errorMessage: string | null }> {
  const produced = (await roundTrip(c, API_SCHEMAS.get(ApiKey.Produce)!.request, 9, {
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  })) as { responses: { partitionResponses: { errorCode: number; errorMessage: string | null }[] }[] };
  return produced.responses[0]!.partitionResponses[0]!;
}

test('regression: batches without timestamps poison the partition log once the time index is written', async () => {
  const c = await FrameClient.connect(broker.host, broker.port);
  try {
    await roundTrip(c, API_SCHEMAS.get(ApiKey.CreateTopics)!.request, 5, { topics: [{ name: 'fuzz-no-timestamp', numPartitions: 1, replicationFactor: 1 }], timeoutMs: 5000 });
    // Kafka accepts NO_TIMESTAMP (-1) records on CreateTime topics; after index.interval.bytes
    // (4096) the broker indexes the batch and the partition fails with KAFKA_STORAGE_ERROR for good.
    for (let i = 0; i < 40; i++) {
      const batch = await buildRecordBatch({ records: [{ key: null, value: Buffer.alloc(150, 0x41) }] });
      const result = await produceV9(c, 'fuzz-no-timestamp', batch);
      assert.equal(result.errorCode, 0, `batch ${i} (${batch.length} bytes, timestamp -1): error ${result.errorCode}: ${result.errorMessage}`);
    }
  } finally {
    c.destroy();
  }
});

test('regression: frames pipelined behind a waiting request are buffered without a byte limit', async () => {
  const c = await FrameClient.connect(broker.host, broker.port);
  try {
    const { beforeMb, peakMb } = await peakRssDuring(async () => {
      // A long poll holds the connection's queue; every later frame is read and kept in memory.
      await c.write(Buffer.concat(encodeRequestFrame(API_SCHEMAS.get(ApiKey.Fetch)!.request, 12, 1, 'pipeline', {
        replicaId: -1,
        maxWaitMs: 5000,
        minBytes: 1_000_000_000,
        maxBytes: 1024,
        sessionEpoch: -1,
        topics: [{ topic: CANARY_TOPIC, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 1024 }] }],
      })));
      const filler = Buffer.alloc(MAX_REQUEST_BYTES);
      filler.writeInt32BE(MAX_REQUEST_BYTES - 4, 0);
      filler.writeInt16BE(ApiKey.ApiVersions, 4);
      for (let i = 0; i < 300; i++) await c.write(filler);
      await delay(1_000);
    });
    process.stdout.write(`# pipelined frames: 300 x 1 MiB behind a long poll, broker RSS ${beforeMb.toFixed(0)} -> ${peakMb.toFixed(0)} MB\n`);
    assert.ok(peakMb - beforeMb < 100, `one connection grew the broker by ${(peakMb - beforeMb).toFixed(0)} MB`);
  } finally {
    c.destroy();
  }
});

test('regression: legacy (magic 1) compressed produce inflates up to 256 MiB per request', async () => {
  // 200 MiB of zeros in one inner message: ~200 KiB of gzip, well under socket.request.max.bytes.
  const inner = encodeLegacyMessage(1, 0n, 0, BigInt(Date.now()), null, Buffer.alloc(200 * 1024 * 1024));
  const wrapper = encodeLegacyMessage(1, 0n, 1, BigInt(Date.now()), null, gzipSync(inner));
  const frame = Buffer.concat(encodeRequestFrame(API_SCHEMAS.get(ApiKey.Produce)!.request, 2, 77, 'bomb', {
    acks: 1,
    timeoutMs: 5000,
    topicData: [{ name: FUZZ_TOPIC, partitionData: [{ index: 0, records: wrapper }] }],
  }));
  const clients = await Promise.all([1, 2, 3].map(() => FrameClient.connect(broker.host, broker.port)));
  try {
    const { beforeMb, peakMb } = await peakRssDuring(async () => {
      await Promise.all(clients.map((c) => c.write(frame)));
      await Promise.all(clients.map((c) => c.next(20_000)));
    });
    process.stdout.write(`# legacy gzip bomb: 3 requests of ${frame.length} bytes, broker RSS ${beforeMb.toFixed(0)} -> ${peakMb.toFixed(0)} MB\n`);
    assert.ok(peakMb < RSS_CEILING_MB, `3 produce requests of ${frame.length} bytes took the broker to ${peakMb.toFixed(0)} MB RSS`);
  } finally {
    for (const c of clients) c.destroy();
  }
});

test('regression: CreateTopics with a huge numPartitions blocks the broker and allocates without bound', async () => {
  const c = await FrameClient.connect(broker.host, broker.port);
  try {
    const { beforeMb, peakMb } = await peakRssDuring(async () => {
      await c.write(Buffer.concat(encodeRequestFrame(API_SCHEMAS.get(ApiKey.CreateTopics)!.request, 5, 5, 'huge', {
        topics: [{ name: 'fuzz-huge', numPartitions: 1_000_000, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 5000,
        validateOnly: true,
      })));
      const started = Date.now();
      const next = await c.next(20_000);
      process.stdout.write(`# CreateTopics numPartitions=1000000 validateOnly: ${next.kind} after ${Date.now() - started} ms\n`);
      assert.equal(next.kind, 'frame', 'an over-large CreateTopics is answered');
    });
    process.stdout.write(`# CreateTopics numPartitions=1000000: broker RSS ${beforeMb.toFixed(0)} -> ${peakMb.toFixed(0)} MB\n`);
    assert.ok(peakMb - beforeMb < 50, `one validate-only CreateTopics grew the broker by ${(peakMb - beforeMb).toFixed(0)} MB`);
  } finally {
    c.destroy();
  }
});

test('regression: a zero-size frame ending a read crashes the broker (4 bytes 00000000)', async () => {
  const c = await FrameClient.connect(broker.host, broker.port);
  try {
    await c.write(Buffer.from('00000000', 'hex'));
    assert.ok(await c.waitClosed(CLOSE_WITHIN_MS), 'a zero-size frame was not closed');
    await delay(200);
    assert.ok(brokerAlive(), `the broker died on 4 zero bytes:\n${broker.diagnostics().split('--- stderr tail ---')[1] ?? ''}`);
  } finally {
    c.destroy();
  }
});
