/**
 * console-producer and console-consumer through the real entry point (`node bin/samsa.js ...`)
 * with piped stdin, against a real broker: line parsing, formatter output, groups, errors.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseArgs } from '../../src/cli/args.js';
import { repoRoot, startBroker, type BrokerHandle } from '../helpers/broker.js';
import { freePorts } from '../helpers/broker.js';

let broker: BrokerHandle;

before(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0', 'num.partitions': '1' } });
});

after(async () => {
  await broker?.cleanup();
});

/** What a run printed and how it exited. */
interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node bin/samsa.js <tool> ...args` with `input` on stdin; killed (and failing) after `timeoutMs`. */
export function samsaWithInput(tool: string, args: readonly string[], input = '', timeoutMs = 30_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin', 'samsa.js'), tool, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`samsa ${tool} ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

const produce = (topic: string, input: string, ...extra: string[]): Promise<Run> =>
  samsaWithInput('console-producer', ['--topic', topic, '--bootstrap-server', broker.bootstrap, ...extra], input);

const consume = (topic: string, count: number, ...extra: string[]): Promise<Run> =>
  samsaWithInput('console-consumer', ['--bootstrap-server', broker.bootstrap, '--topic', topic, '--from-beginning', '--partition', '0', '--max-messages', String(count), ...extra]);

test('seq 20 | console-producer, then console-consumer --from-beginning --partition 0 --max-messages 20 prints 1..20', async () => {
  const seq = Array.from({ length: 20 }, (_, i) => `${i + 1}\n`).join('');
  const produced = await produce('console-seq', seq);
  assert.equal(produced.code, 0, produced.stderr);
  assert.equal(produced.stdout, '', 'no prompt when stdin is not a TTY, nothing echoed');
  const consumed = await consume('console-seq', 20);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout, seq);
  assert.match(consumed.stderr, /^Processed a total of 20 messages$/m);
});

test('parse.key with key.separator round-trips with print.key; deprecated spellings warn in Kafka words', async () => {
  const produced = await produce('console-keys', 'k1:v1\nk2:v:2\n', '--property', 'parse.key=true', '--reader-property', 'key.separator=:');
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stderr, /Option --property is deprecated and will be removed in a future version\. Use --reader-property instead\./);
  const consumed = await consume('console-keys', 2, '--formatter-property', 'print.key=true', '--formatter-property', 'key.separator= => ');
  assert.equal(consumed.stdout, 'k1 => v1\nk2 => v:2\n');
});

test('headers, key and value parsed from one line; every formatter field in Kafka order', async () => {
  const line = 'h1:v1,h2:v2\tkey-a\tvalue-a\n';
  const produced = await produce('console-headers', line, '--reader-property', 'parse.headers=true', '--reader-property', 'parse.key=true', '--sync');
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await consume(
    'console-headers',
    1,
    ...['print.timestamp', 'print.partition', 'print.offset', 'print.headers', 'print.key'].flatMap((p) => ['--formatter-property', `${p}=true`]),
  );
  assert.match(consumed.stdout, /^CreateTime:\d{13}\tPartition:0\tOffset:0\th1:v1,h2:v2\tkey-a\tvalue-a\n$/);
  const noValue = await consume('console-headers', 1, '--formatter-property', 'print.offset=true', '--formatter-property', 'print.value=false');
  assert.equal(noValue.stdout, 'Offset:0\n', 'the last printed field ends the line when print.value=false');
});

test('null.marker produces null keys and values; null.literal prints them', async () => {
  const produced = await produce('console-nulls', 'NULL\tNULL\nk\tv\n', '--reader-property', 'parse.key=true', '--reader-property', 'null.marker=NULL');
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await consume('console-nulls', 2, '--formatter-property', 'print.key=true', '--formatter-property', 'null.literal=<none>');
  assert.equal(consumed.stdout, '<none>\t<none>\nk\tv\n');
});

test('a bare --compression-codec means gzip; --offset starts mid-partition', async () => {
  const produced = await produce('console-gzip', 'a\nb\nc\n', '--compression-codec', '--batch-size', '65536');
  assert.equal(produced.code, 0, produced.stderr);
  const consumed = await samsaWithInput('console-consumer', ['--bootstrap-server', broker.bootstrap, '--topic', 'console-gzip', '--partition', '0', '--offset', '1', '--max-messages', '2']);
  assert.equal(consumed.stdout, 'b\nc\n');
});

test('group mode (subscribe) with --timeout-ms ends after the records and reports the count', async () => {
  await produce('console-group', 'x\ny\nz\n');
  const consumed = await samsaWithInput('console-consumer', ['--bootstrap-server', broker.bootstrap, '--topic', 'console-group', '--group', 'console-test-group', '--from-beginning', '--timeout-ms', '3000']);
  assert.equal(consumed.code, 0, consumed.stderr);
  assert.equal(consumed.stdout, 'x\ny\nz\n');
  assert.match(consumed.stderr, /Processed a total of 3 messages/);
  const regex = await samsaWithInput('console-consumer', ['--bootstrap-server', broker.bootstrap, '--include', 'console-gr.*', '--from-beginning', '--max-messages', '3']);
  assert.equal(regex.stdout, 'x\ny\nz\n', regex.stderr);
});

test('a line without the key separator fails with Kafka message after sending the earlier lines', async () => {
  const produced = await produce('console-badline', 'k\tv\nno-separator\n', '--reader-property', 'parse.key=true');
  assert.equal(produced.code, 1);
  assert.match(produced.stderr, /No key separator found on line number 2: 'no-separator'/);
  const consumed = await consume('console-badline', 1);
  assert.equal(consumed.stdout, 'v\n');
});

test('Java-only producer properties are ignored with a warning; unknown ones warn', async () => {
  const produced = await produce('console-props', 'v\n', '--command-property', 'key.serializer=org.apache.kafka.common.serialization.StringSerializer', '--producer-property', 'no.such.setting=1');
  assert.equal(produced.code, 0, produced.stderr);
  assert.match(produced.stderr, /Ignoring the configuration 'key\.serializer'/);
  assert.match(produced.stderr, /The configuration 'no\.such\.setting' was supplied but isn't a known config\./);
});

test('option errors print the problem and the usage table and exit 1', async () => {
  const bogus = await produce('t', '', '--bogus');
  assert.equal(bogus.code, 1);
  assert.match(bogus.stderr, /^--bogus is not a recognized option\nOption +Description\n/);
  const offset = await samsaWithInput('console-consumer', ['--bootstrap-server', broker.bootstrap, '--topic', 't', '--offset', '5']);
  assert.equal(offset.code, 1);
  assert.match(offset.stderr, /^The partition is required when offset is specified\.\nOption/);
  const both = await samsaWithInput('console-consumer', ['--bootstrap-server', broker.bootstrap, '--topic', 't', '--partition', '0', '--group', 'g']);
  assert.match(both.stderr, /Options group and partition cannot be specified together\./);
  const noTopic = await samsaWithInput('console-producer', ['--bootstrap-server', broker.bootstrap]);
  assert.equal(noTopic.code, 1);
  assert.match(noTopic.stderr, /Missing required argument "\[topic\]"/);
  const codec = await produce('t', '', '--compression-codec', 'brotli');
  assert.match(codec.stderr, /Invalid compression codec 'brotli'/);
  const help = await samsaWithInput('console-consumer', ['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--formatter-property, --property <String: prop>/);
});

test('an unreachable broker is named in the error', async () => {
  const [port] = await freePorts('127.0.0.1', 1);
  const produced = await samsaWithInput('console-producer', ['--topic', 't', '--bootstrap-server', `127.0.0.1:${port}`], 'x\n');
  assert.equal(produced.code, 1);
  assert.match(produced.stderr, new RegExp(`Cannot connect to broker 127\\.0\\.0\\.1:${port}`));
  const consumed = await samsaWithInput('console-consumer', ['--topic', 't', '--bootstrap-server', `127.0.0.1:${port}`]);
  assert.equal(consumed.code, 1);
  assert.match(consumed.stderr, new RegExp(`Cannot connect to broker 127\\.0\\.0\\.1:${port}`));
  assert.match(consumed.stderr, /Processed a total of 0 messages/);
});

test('SIGINT stops the consumer, which still reports its count', async () => {
  await produce('console-sigint', 'one\n');
  const child = spawn(process.execPath, [join(repoRoot, 'bin', 'samsa.js'), 'console-consumer', '--bootstrap-server', broker.bootstrap, '--topic', 'console-sigint', '--partition', '0', '--offset', 'earliest'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const deadline = Date.now() + 15_000;
  while (!stdout.includes('one\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.equal(stdout, 'one\n', `the consumer printed nothing within 15 s\nstderr: ${stderr}`);
  const closed = new Promise<number | null>((resolve) => child.once('close', resolve));
  child.kill('SIGINT');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  const code = await closed;
  clearTimeout(killer);
  assert.notEqual(code, null, `the consumer did not exit within 15 s of SIGINT\nstderr: ${stderr}`);
  assert.equal(code, 130);
  assert.match(stderr, /Processed a total of 1 messages/);
});

test('parseArgs: an optional value (jopt withOptionalArg) is taken only when it is not an option', () => {
  const specs = [
    { name: 'compression-codec', takesValue: true, optionalValue: true, description: '' },
    { name: 'sync', takesValue: false, description: '' },
  ];
  assert.equal(parseArgs(['--compression-codec'], specs).get('compression-codec'), '');
  assert.equal(parseArgs(['--compression-codec', '--sync'], specs).get('compression-codec'), '');
  assert.equal(parseArgs(['--compression-codec', 'lz4', '--sync'], specs).get('compression-codec'), 'lz4');
  assert.equal(parseArgs(['--compression-codec=zstd'], specs).get('compression-codec'), 'zstd');
});
