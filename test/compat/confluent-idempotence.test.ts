/**
 * confluent-kafka (librdkafka 2.0) idempotent producer, acks=all, while the broker is SIGKILLed
 * and restarted mid-run: every acknowledged value must be in the log exactly once, at the offset
 * its delivery report gave (reliability invariants I1, I2, I3).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { delay, withBroker, type BrokerHandle } from '../helpers/broker.js';
import { requireClient, runPythonJson } from '../helpers/clients.js';
import { withParams } from '../helpers/kafka-python.js';

const VALUE_COUNT = 100_000;
const KILL_AT_FRACTION = 0.3;
const DOWN_MS = 1_000;
const TOPIC = 'idempotent';

const PRODUCE = String.raw`
import sys, time
from confluent_kafka import Producer
acked = []          # [value, offset]
failed = {}         # error text -> count
errors = []
fatal = []
def on_delivery(err, msg):
    if err is None:
        acked.append([int(msg.value()), msg.offset()])
    else:
        key = str(err)
        failed[key] = failed.get(key, 0) + 1
def on_error(err):
    if len(errors) < 50:
        errors.append(str(err))
    if err.fatal():
        fatal.append(str(err))
prod = Producer({'bootstrap.servers': PARAMS['bootstrap'], 'enable.idempotence': True, 'acks': 'all',
                 'linger.ms': 5, 'message.timeout.ms': 40000, 'reconnect.backoff.max.ms': 1000,
                 'error_cb': on_error})
total = PARAMS['count']
rate = PARAMS['ratePerSec']
chunk = 100
start = time.time()
for i in range(total):
    if i % chunk == 0:
        while True:  # pace the producer so the kill lands mid-run
            wait = start + i / rate - time.time()
            if wait <= 0:
                break
            prod.poll(min(wait, 0.05))
        print('PROGRESS %d %d' % (len(acked), i), flush=True)
    while True:
        try:
            prod.produce(PARAMS['topic'], value=str(i).encode(), on_delivery=on_delivery)
            break
        except BufferError:
            prod.poll(0.05)
    if fatal:
        break
undelivered = prod.flush(PARAMS['flushTimeoutS'])
print('RESULT ' + json.dumps({'acked': acked, 'failed': failed, 'errors': errors, 'fatal': fatal,
                              'undelivered': undelivered, 'seconds': time.time() - start}))
`;

const READ_BACK = String.raw`
import time
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING, KafkaError
c = Consumer({'bootstrap.servers': PARAMS['bootstrap'], 'group.id': 'samsa-readback-unused',
              'enable.auto.commit': False, 'enable.partition.eof': True, 'auto.offset.reset': 'earliest'})
c.assign([TopicPartition(PARAMS['topic'], 0, OFFSET_BEGINNING)])
records = []
errors = []
deadline = time.time() + PARAMS['timeoutS']
eof = False
while time.time() < deadline:
    msgs = c.consume(num_messages=10000, timeout=1.0)
    for m in msgs:
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                eof = True
            elif len(errors) < 50:
                errors.append(str(m.error()))
            continue
        records.append([m.offset(), m.value().decode()])
    if eof:
        break
c.close()
print('RESULT ' + json.dumps({'records': records, 'errors': errors, 'eof': eof}))
`;

interface ProduceResult {
  acked: Array<[number, number]>;
  failed: Record<string, number>;
  errors: string[];
  fatal: string[];
  undelivered: number;
  seconds: number;
}

interface ReadBackResult {
  records: Array<[number, string]>;
  errors: string[];
  eof: boolean;
}

/** Runs the producer and SIGKILLs + restarts the broker once 30 % of the values are acknowledged. */
async function produceThroughCrash(broker: BrokerHandle): Promise<{ result: ProduceResult; ackedAtKill: number }> {
  let ackedAtKill = -1;
  let bounce: Promise<void> | undefined;
  const script = withParams({ bootstrap: broker.bootstrap, topic: TOPIC, count: VALUE_COUNT, ratePerSec: 10_000, flushTimeoutS: 40 }, PRODUCE);
  const result = await runPythonJson<ProduceResult>(script, {
    timeoutMs: 55_000,
    onLine: (line) => {
      const match = /^PROGRESS (\d+) (\d+)$/.exec(line);
      if (match === null || bounce !== undefined) return;
      const acked = Number(match[1]);
      if (acked < VALUE_COUNT * KILL_AT_FRACTION) return;
      ackedAtKill = acked;
      bounce = (async () => {
        await broker.kill();
        await delay(DOWN_MS);
        await broker.restart();
      })();
      bounce.catch(() => undefined); // awaited below; avoid an unhandled rejection meanwhile
    },
  }).catch(async (err: unknown) => {
    await bounce?.catch(() => undefined);
    throw err;
  });
  if (bounce === undefined) assert.fail(`the broker was never killed: only ${result.acked.length} values acknowledged in total`);
  await bounce;
  return { result, ackedAtKill };
}

test(`confluent-kafka: idempotent acks=all producer survives SIGKILL of the broker; acknowledged values exactly once`, { timeout: 58_000 }, async (t) => {
  if (!requireClient(t, 'confluent-kafka')) return;
  await withBroker({}, async (broker) => {
    const { result, ackedAtKill } = await produceThroughCrash(broker);
    const read = await runPythonJson<ReadBackResult>(withParams({ bootstrap: broker.bootstrap, topic: TOPIC, timeoutS: 20 }, READ_BACK), { timeoutMs: 30_000 });

    const ackedOffset = new Map<number, number>(result.acked);
    const logCount = new Map<number, number>();
    const logOffset = new Map<number, number>();
    for (const [offset, text] of read.records) {
      const value = Number(text);
      logCount.set(value, (logCount.get(value) ?? 0) + 1);
      logOffset.set(value, offset);
    }
    const lost = [...ackedOffset.keys()].filter((v) => !logCount.has(v));
    const duplicated = [...logCount].filter(([, n]) => n > 1).map(([v]) => v);
    const misplaced = [...ackedOffset].filter(([v, o]) => logOffset.has(v) && logOffset.get(v) !== o);
    const offsetGaps = read.records.filter(([offset], i) => offset !== i).length;
    const notAcked = VALUE_COUNT - ackedOffset.size;
    const notAckedButStored = [...logCount.keys()].filter((v) => !ackedOffset.has(v)).length;

    const report: string[] = [
      `acknowledged ${ackedOffset.size} of ${VALUE_COUNT} (${ackedAtKill} before the SIGKILL); not acknowledged ${notAcked}` +
        ` (${notAckedButStored} of them stored anyway); undelivered at flush ${result.undelivered}; producer ran ${result.seconds.toFixed(1)} s`,
      `delivery failures: ${JSON.stringify(result.failed)}`,
      `producer errors (first 50): ${JSON.stringify(result.errors)}`,
      `log: ${read.records.length} records, reached EOF: ${read.eof}, consumer errors: ${JSON.stringify(read.errors)}`,
    ];
    for (const line of report) t.diagnostic(line);

    const problems: string[] = [];
    if (lost.length > 0) problems.push(`${lost.length} acknowledged values missing from the log, e.g. ${lost.slice(0, 10).join(', ')}`);
    if (duplicated.length > 0) problems.push(`${duplicated.length} values stored more than once, e.g. ${duplicated.slice(0, 10).join(', ')}`);
    if (misplaced.length > 0) problems.push(`${misplaced.length} values at another offset than acknowledged, e.g. ${JSON.stringify(misplaced.slice(0, 5))}`);
    if (offsetGaps > 0) problems.push(`${offsetGaps} records not at the offset equal to their position (log not contiguous from 0)`);
    if (!read.eof) problems.push('read-back never reached the end of the partition');
    if (result.fatal.length > 0) problems.push(`fatal producer errors: ${JSON.stringify(result.fatal)}`);
    if (ackedOffset.size <= ackedAtKill) problems.push('nothing was acknowledged after the restart');
    assert.deepEqual(problems, [], report.join('\n'));
  });
});
