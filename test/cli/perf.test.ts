/**
 * producer-perf-test, consumer-perf-test and end-to-end-latency through `node bin/samsa.js`
 * against a real broker: Kafka's exact line formats, throttling, warm-up, errors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../helpers/broker.js';
import { samsa } from './cli-runner.js';

let broker: BrokerHandle;

before(async () => {
  broker = await startBroker({ overrides: { 'group.initial.rebalance.delay.ms': '0', 'num.partitions': '1' } });
});

after(async () => {
  await broker?.cleanup();
});

const WINDOW_LINE = /^\d+ records sent, \d+\.\d records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d ms avg latency, \d+\.\d ms max latency\.$/;
const FINAL_LINE = /^\d+ records sent, \d+\.\d{6} records\/sec \(\d+\.\d{2} MB\/sec\), \d+\.\d{2} ms avg latency, \d+\.\d{2} ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$/;

const lines = (text: string): string[] => text.split('\n').filter((l) => l !== '');

test('producer-perf-test prints Kafka window lines and the final line; the records land in the topic', async () => {
  const run = await samsa('producer-perf-test', ['--topic', 'perf-a', '--num-records', '20000', '--throughput', '-1', '--record-size', '100', '--producer-props', `bootstrap.servers=${broker.bootstrap}`, 'acks=1', 'linger.ms=5'], 60_000);
  assert.equal(run.code, 0, run.stderr);
  const out = lines(run.stdout);
  const final = out.at(-1)!;
  assert.match(final, FINAL_LINE);
  assert.ok(final.startsWith('20000 records sent, '), final);
  for (const line of out.slice(0, -1)) assert.match(line, WINDOW_LINE);
  assert.match(run.stderr, /Option --producer-props is deprecated and will be removed in a future version\. Use --command-property instead\./);
  const offsets = await samsa('get-offsets', ['--bootstrap-server', broker.bootstrap, '--topic', 'perf-a']);
  assert.equal(offsets.stdout.trim(), 'perf-a:0:20000', offsets.stderr);
});

test('producer-perf-test: --throughput throttles (Kafka ThroughputThrottler), --warmup-records adds a steady-state line', async () => {
  const started = Date.now();
  const run = await samsa(
    'producer-perf-test',
    ['--topic', 'perf-b', '--num-records', '1500', '--throughput', '1000', '--payload-monotonic', '--warmup-records', '500', '--bootstrap-server', broker.bootstrap, '--command-property', 'linger.ms=0'],
    60_000,
  );
  const elapsedMs = Date.now() - started;
  assert.equal(run.code, 0, run.stderr);
  const out = lines(run.stdout);
  assert.equal(out[0], 'Warmup first 500 records. Steady state results will print after the complete test summary.');
  const [total, steady] = out.slice(-2) as [string, string];
  assert.match(total, FINAL_LINE);
  assert.match(steady, /^1000 steady state records sent, \d+\.\d{6} records\/sec/);
  const rate = Number(/records sent, (\d+\.\d+) records\/sec/.exec(total)![1]);
  assert.ok(rate > 600 && rate < 1150, `throttled rate ${rate} should be near 1000/s`);
  assert.ok(elapsedMs >= 1300, `1500 records at 1000/s took only ${elapsedMs} ms`);
});

test('producer-perf-test option errors exit 1 with the usage table', async () => {
  const missing = await samsa('producer-perf-test', ['--topic', 't', '--record-size', '10', '--producer-props', `bootstrap.servers=${broker.bootstrap}`]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^the following arguments are required: --num-records, --throughput\nOption/m);
  const twoPayloads = await samsa('producer-perf-test', ['--topic', 't', '--num-records', '5', '--throughput', '-1', '--record-size', '10', '--payload-monotonic', '--bootstrap-server', broker.bootstrap]);
  assert.equal(twoPayloads.code, 1);
  assert.match(twoPayloads.stderr, /--record-size --payload-file --payload-monotonic/);
  const noProps = await samsa('producer-perf-test', ['--topic', 't', '--num-records', '5', '--throughput', '-1', '--record-size', '10']);
  assert.match(noProps.stderr, /Either --producer-props or --producer\.config must be specified\./);
  const badNumber = await samsa('producer-perf-test', ['--topic', 't', '--num-records', 'many', '--throughput', '-1', '--record-size', '10', '--bootstrap-server', broker.bootstrap]);
  assert.match(badNumber.stderr, /Cannot parse argument 'many' of option num-records/);
});

test('consumer-perf-test prints the header and the stats row in Kafka format', async () => {
  await samsa('producer-perf-test', ['--topic', 'perf-c', '--num-records', '3000', '--throughput', '-1', '--record-size', '200', '--bootstrap-server', broker.bootstrap], 60_000);
  const run = await samsa('consumer-perf-test', ['--bootstrap-server', broker.bootstrap, '--topic', 'perf-c', '--messages', '3000', '--timeout', '20000'], 60_000);
  assert.equal(run.code, 0, run.stderr);
  const [header, row, ...rest] = lines(run.stdout);
  assert.equal(header, 'start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec');
  const date = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}:\\d{3}';
  const num = '-?(?:\\d+\\.\\d{4}|Infinity|NaN)';
  assert.match(row!, new RegExp(`^${date}, ${date}, 0\\.5722, ${num}, 3000, ${num}, \\d+, \\d+, ${num}, ${num}$`));
  assert.deepEqual(rest, []);

  const detailed = await samsa('consumer-perf-test', ['--bootstrap-server', broker.bootstrap, '--topic', 'perf-c', '--messages', '3000', '--show-detailed-stats', '--hide-header', '--date-format', 'HH:mm'], 60_000);
  assert.equal(detailed.code, 0, detailed.stderr);
  for (const line of lines(detailed.stdout)) assert.match(line, /^\d{2}:\d{2}, 0, \d+\.\d{4}, \d+\.\d{4}, \d+, \d+\.\d{4}, \d+, -?\d+, \d+\.\d{4}, \d+\.\d{4}$/);

  const timeout = await samsa('consumer-perf-test', ['--bootstrap-server', broker.bootstrap, '--topic', 'perf-c', '--messages', '5000', '--timeout', '1000', '--hide-header'], 60_000);
  assert.match(timeout.stdout, /^WARNING: Exiting before consuming the expected number of messages: timeout \(1000 ms\) exceeded\. You can use the --timeout option to increase the timeout\.\n/);
  const noMessages = await samsa('consumer-perf-test', ['--bootstrap-server', broker.bootstrap, '--topic', 'perf-c']);
  assert.equal(noMessages.code, 1);
  assert.match(noMessages.stderr, /Missing required argument "\[messages\]"/);
});

test('end-to-end-latency creates the topic and prints progress, average and percentiles', async () => {
  const run = await samsa('end-to-end-latency', [broker.bootstrap, 'perf-e2e', '1200', 'all', '64'], 90_000);
  assert.equal(run.code, 0, run.stderr);
  const out = lines(run.stdout);
  assert.equal(out[0], 'Topic "perf-e2e" does not exist. Will create topic with 1 partition(s) and replication factor = 1');
  assert.match(out[1]!, /^0\t\d+\.\d+(E-?\d+)?$/);
  assert.match(out[2]!, /^1000\t\d+\.\d+(E-?\d+)?$/);
  assert.match(out[3]!, /^Avg latency: \d+\.\d{4} ms$/);
  assert.match(out[4]!, /^Percentiles: 50th = \d+, 99th = \d+, 99\.9th = \d+$/);
  assert.equal(out.length, 5);
  const again = await samsa('e2e-latency', [broker.bootstrap, 'perf-e2e', '3', '1', '10']);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(!again.stdout.includes('does not exist'), 'an existing topic is reused');
  const badAcks = await samsa('end-to-end-latency', [broker.bootstrap, 'perf-e2e', '3', '0', '10']);
  assert.equal(badAcks.code, 1);
  assert.equal(badAcks.stderr, 'Latency testing requires synchronous acknowledgement. Please use 1 or all\n');
  const usage = await samsa('end-to-end-latency', [broker.bootstrap]);
  assert.equal(usage.code, 1);
  assert.match(usage.stderr, /^USAGE: java org\.apache\.kafka\.tools\.EndToEndLatency broker_list topic num_messages producer_acks message_size_bytes/);
});
