/**
 * Leader failover under load (reliability scenario S1, shortened): an idempotent confluent-kafka
 * (librdkafka) producer with acks=all writes unique increasing integers to 6 partitions (RF 3,
 * min.insync.replicas 2) while the leader of a rotating partition is SIGKILLed every 10 s for
 * 60 s and restarted 4 s later. Afterwards: no acknowledged value lost (I1), one value per
 * (partition, offset) (I2), no value stored twice (I3), per partition the producer's order kept (I5).
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { delay, withTimeout } from '../helpers/broker.js';
import { requireClient, runPythonJson } from '../helpers/clients.js';
import { describePartitions, pollUntil, waitForFullIsr } from '../helpers/cluster-admin.js';
import { withCluster, type ClusterHandle } from '../helpers/cluster.js';
import { readAllKafkaPython, unhex, withParams } from '../helpers/kafka-python.js';

const TOPIC = 'failover';
const PARTITIONS = 6;
const RATE_PER_SEC = 300;
const FIRST_KILL_AFTER_MS = 5_000;
const KILL_EVERY_MS = 10_000;
const KILL_COUNT = 6;
const DOWN_MS = 4_000;
/** The producer keeps going ~10 s after the last restart, to show it recovers. */
const PRODUCE_FOR_S = 72;
const FLUSH_TIMEOUT_S = 40;
/** How long after the run every partition must have its full ISR back. */
const HEAL_TIMEOUT_MS = 30_000;

/** Prints `ACK value partition offset` or `FAIL value partition error` per delivery report, then RESULT. */
const PRODUCE = String.raw`
import time
from confluent_kafka import Producer
failed = {}
errors = []
fatal = []
counts = {'acked': 0, 'sent': 0}
def on_delivery(err, msg):
    v = int(msg.value())
    if err is None:
        counts['acked'] += 1
        print('ACK %d %d %d' % (v, msg.partition(), msg.offset()))
    else:
        failed[err.name()] = failed.get(err.name(), 0) + 1
        print('FAIL %d %d %s' % (v, msg.partition(), err.name()))
def on_error(err):
    if len(errors) < 50:
        errors.append(str(err))
        print('ERROR %s' % err, flush=True)
    if err.fatal():
        fatal.append(str(err))
prod = Producer({'bootstrap.servers': PARAMS['bootstrap'], 'enable.idempotence': True, 'acks': 'all',
                 'linger.ms': 5, 'message.timeout.ms': 60000, 'reconnect.backoff.max.ms': 1000,
                 'error_cb': on_error})
rate = PARAMS['ratePerSec']
parts = PARAMS['partitions']
start = time.time()
end = start + PARAMS['durationS']
i = 0
while time.time() < end and not fatal:
    if i % 20 == 0:
        while True:  # pace: i values by start + i / rate
            wait = start + i / rate - time.time()
            if wait <= 0:
                break
            prod.poll(min(wait, 0.05))
    try:
        prod.produce(PARAMS['topic'], key=b'k%d' % (i % parts), value=str(i).encode(), partition=i % parts,
                     on_delivery=on_delivery)
        i += 1
    except BufferError:
        prod.poll(0.05)
    prod.poll(0)
counts['sent'] = i
undelivered = prod.flush(PARAMS['flushTimeoutS'])
print('RESULT ' + json.dumps({'sent': counts['sent'], 'acked': counts['acked'], 'failed': failed, 'errors': errors,
                              'fatal': fatal, 'undelivered': undelivered, 'seconds': time.time() - start}))
`;

interface ProduceSummary {
  sent: number;
  acked: number;
  failed: Record<string, number>;
  errors: string[];
  fatal: string[];
  undelivered: number;
  seconds: number;
}

interface Ack {
  readonly value: number;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the first acknowledgement. */
  readonly atMs: number;
}

interface KillRecord {
  readonly partition: number;
  readonly node: number;
  readonly atMs: number;
  readonly isrWasFull: boolean;
  newLeader?: number;
  electedAfterMs?: number;
}

/**
 * Every KILL_EVERY_MS: the leader of partition k (mod 6) is SIGKILLed and restarted DOWN_MS later.
 * Only one node is ever down. Stops early when `stopped()` says the producer has ended.
 */
async function injectLeaderKills(cluster: ClusterHandle, admin: Admin, t0: number, stopped: () => boolean): Promise<KillRecord[]> {
  const kills: KillRecord[] = [];
  for (let k = 0; k < KILL_COUNT && !stopped(); k++) {
    await delay(Math.max(0, t0 + FIRST_KILL_AFTER_MS + k * KILL_EVERY_MS - Date.now()));
    if (stopped()) break;
    const isrWasFull = await waitForFullIsr(admin, [TOPIC], 3_000).then(() => true, () => false);
    const partition = k % PARTITIONS;
    const leader = await pollUntil<number>(`a leader for ${TOPIC}-${partition}`, 5_000, 200, async () => {
      const [d] = await admin.describeTopics([TOPIC]);
      const p = d!.partitions[partition]!;
      return p.leader >= 0 && cluster.node(p.leader).running ? { done: p.leader } : { state: describePartitions([d!]) };
    });
    const killedAt = Date.now();
    await cluster.node(leader).kill();
    const record: KillRecord = { partition, node: leader, atMs: killedAt - t0, isrWasFull };
    kills.push(record);
    await pollUntil<number>(`a new leader for ${TOPIC}-${partition}`, DOWN_MS - 200, 100, async () => {
      const [d] = await admin.describeTopics([TOPIC]);
      const p = d!.partitions[partition]!;
      return p.leader >= 0 && p.leader !== leader ? { done: p.leader } : { state: describePartitions([d!]) };
    }).then((newLeader) => {
      record.newLeader = newLeader;
      record.electedAfterMs = Date.now() - killedAt;
    }, () => undefined);
    await delay(Math.max(0, killedAt + DOWN_MS - Date.now()));
    await cluster.node(leader).restart();
  }
  return kills;
}

/** Checks I1, I2, I3, I5 over the delivery reports and the log; returns the problems found. */
function checkHistory(acks: readonly Ack[], log: readonly { partition: number; offset: number; value: number }[]): { problems: string[]; report: string[] } {
  const problems: string[] = [];
  const logAt = new Map<string, number>();
  const logCount = new Map<number, number>();
  for (const r of log) {
    logAt.set(`${r.partition}/${r.offset}`, r.value);
    logCount.set(r.value, (logCount.get(r.value) ?? 0) + 1);
  }
  const lost = acks.filter((a) => !logCount.has(a.value));
  const duplicated = [...logCount].filter(([, n]) => n > 1);
  const misplaced = acks.filter((a) => logCount.has(a.value) && logAt.get(`${a.partition}/${a.offset}`) !== a.value);
  const ackedTwiceAt = new Map<string, number>();
  const offsetClashes: string[] = [];
  for (const a of acks) {
    const key = `${a.partition}/${a.offset}`;
    const other = ackedTwiceAt.get(key);
    if (other !== undefined && other !== a.value) offsetClashes.push(`${key}: ${other} and ${a.value}`);
    ackedTwiceAt.set(key, a.value);
  }
  const sendOrderBreaks: string[] = [];
  const logOrderBreaks: string[] = [];
  const gaps: string[] = [];
  for (let p = 0; p < PARTITIONS; p++) {
    const acked = acks.filter((a) => a.partition === p).sort((a, b) => a.offset - b.offset);
    for (let i = 1; i < acked.length; i++) {
      if (acked[i]!.value <= acked[i - 1]!.value) sendOrderBreaks.push(`p${p}: ${acked[i - 1]!.value}@${acked[i - 1]!.offset} then ${acked[i]!.value}@${acked[i]!.offset}`);
    }
    const stored = log.filter((r) => r.partition === p).sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < stored.length; i++) {
      if (stored[i]!.offset !== i) gaps.push(`p${p}: record #${i} at offset ${stored[i]!.offset}`);
      if (i > 0 && stored[i]!.value <= stored[i - 1]!.value) logOrderBreaks.push(`p${p}: ${stored[i - 1]!.value}@${stored[i - 1]!.offset} then ${stored[i]!.value}@${stored[i]!.offset}`);
    }
  }
  const sample = <T>(xs: readonly T[]): string => JSON.stringify(xs.slice(0, 8));
  if (lost.length > 0) problems.push(`I1: ${lost.length} acknowledged values missing from the log, e.g. ${sample(lost)}`);
  if (misplaced.length > 0 || offsetClashes.length > 0) {
    problems.push(`I2: ${misplaced.length} acknowledged values not at their acknowledged (partition, offset), e.g. ` +
      `${sample(misplaced.map((a) => ({ ...a, logHas: logAt.get(`${a.partition}/${a.offset}`) ?? null })))}; ` +
      `${offsetClashes.length} (partition, offset) pairs acknowledged for two values, e.g. ${sample(offsetClashes)}`);
  }
  if (duplicated.length > 0) problems.push(`I3: ${duplicated.length} values stored more than once, e.g. ${sample(duplicated)}`);
  if (sendOrderBreaks.length > 0) problems.push(`I5: acknowledged offsets out of send order: ${sendOrderBreaks.length}, e.g. ${sample(sendOrderBreaks)}`);
  if (logOrderBreaks.length > 0) problems.push(`I5: log order differs from send order: ${logOrderBreaks.length}, e.g. ${sample(logOrderBreaks)}`);
  if (gaps.length > 0) problems.push(`log offsets not contiguous from 0: ${gaps.length}, e.g. ${sample(gaps)}`);
  const ackedValues = new Set(acks.map((a) => a.value));
  const report = [
    `log: ${log.length} records; acknowledged: ${acks.length}; stored but never acknowledged: ${[...logCount.keys()].filter((v) => !ackedValues.has(v)).length}`,
    `I1 lost ${lost.length}, I2 misplaced ${misplaced.length} + clashes ${offsetClashes.length}, I3 duplicated ${duplicated.length}, I5 send-order breaks ${sendOrderBreaks.length} / log-order breaks ${logOrderBreaks.length}, offset gaps ${gaps.length}`,
  ];
  return { problems, report };
}

/** Bytes and offset lag of every replica of TOPIC per broker, to show which follower stopped. */
async function describeReplicaSizes(admin: Admin): Promise<string> {
  try {
    const dirs = await admin.describeLogDirs();
    return dirs
      .flatMap((d) => d.replicas.filter((r) => r.topic === TOPIC).map((r) => ({ broker: d.brokerId, ...r })))
      .sort((a, b) => a.partition - b.partition || a.broker - b.broker)
      .map((r) => `${TOPIC}-${r.partition}@${r.broker}: ${r.sizeBytes} B, lag ${r.offsetLag}`)
      .join('; ');
  } catch (err) {
    return `DescribeLogDirs failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

async function runScenario(t: TestContext, cluster: ClusterHandle): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'request.timeout.ms': 5_000 });
  try {
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForFullIsr(admin, [TOPIC], 30_000);

    const acks: Ack[] = [];
    const failures: string[] = [];
    let t0 = 0;
    let firstAck: () => void = () => undefined;
    const firstAcked = new Promise<void>((resolve) => (firstAck = resolve));
    let producerDone = false;
    const params = { bootstrap: cluster.bootstrap, topic: TOPIC, partitions: PARTITIONS, ratePerSec: RATE_PER_SEC, durationS: PRODUCE_FOR_S, flushTimeoutS: FLUSH_TIMEOUT_S };
    const producer = runPythonJson<ProduceSummary>(withParams(params, PRODUCE), {
      timeoutMs: (PRODUCE_FOR_S + FLUSH_TIMEOUT_S + 15) * 1000,
      onLine: (line) => {
        const ack = /^ACK (\d+) (\d+) (\d+)$/.exec(line);
        if (ack !== null) {
          if (t0 === 0) {
            t0 = Date.now();
            firstAck();
          }
          acks.push({ value: Number(ack[1]), partition: Number(ack[2]), offset: Number(ack[3]), atMs: Date.now() - t0 });
        } else if ((line.startsWith('FAIL ') || line.startsWith('ERROR ')) && failures.length < 100) {
          failures.push(line);
        }
      },
    }).finally(() => {
      producerDone = true;
    });
    producer.catch(() => undefined); // settled below
    const faults = withTimeout(firstAcked, 30_000, 'the producer got no acknowledgement').catch((e: Error) => {
      throw new Error(`${e.message}; its first errors: ${JSON.stringify(failures.slice(0, 10))}`);
    }).then(() =>
      injectLeaderKills(cluster, admin, t0, () => producerDone),
    );
    const [produced, injected] = await Promise.allSettled([producer, faults]);
    if (injected.status === 'rejected') throw injected.reason;
    if (produced.status === 'rejected') throw produced.reason;
    const summary = produced.value;
    const kills = injected.value;
    const healedAtMs = kills.length > 0 ? kills[kills.length - 1]!.atMs + DOWN_MS : 0;

    // Liveness after healing; checked after the safety invariants so that both are reported.
    const isrProblem = await waitForFullIsr(admin, [TOPIC], HEAL_TIMEOUT_MS).then(
      () => undefined,
      (err: unknown) => `ISR not complete ${HEAL_TIMEOUT_MS / 1000} s after the producer ended: ${err instanceof Error ? err.message : String(err)}`,
    );
    const replicaSizes = isrProblem === undefined ? '' : await describeReplicaSizes(admin);
    const read = await readAllKafkaPython(cluster.node(1).bootstrap, TOPIC, 45_000);
    const log = read.records.map((r) => ({ partition: r.partition, offset: r.offset, value: Number(unhex(r.value ?? '')) }));
    const { problems, report } = checkHistory(acks, log);

    const diagnostics = [
      `producer: sent ${summary.sent}, acknowledged ${summary.acked} (${acks.length} ACK lines), failed ${JSON.stringify(summary.failed)}, ` +
        `undelivered at flush ${summary.undelivered}, ran ${summary.seconds.toFixed(1)} s`,
      `producer errors (first 50): ${JSON.stringify(summary.errors)}`,
      `first delivery failures: ${JSON.stringify(failures.slice(0, 10))}`,
      ...kills.map((k) => `kill at +${(k.atMs / 1000).toFixed(1)} s: node ${k.node}, leader of ${TOPIC}-${k.partition}; ISR complete before: ${k.isrWasFull}; ` +
        (k.newLeader === undefined ? 'no new leader seen while down' : `new leader ${k.newLeader} after ${k.electedAfterMs} ms`)),
      `acknowledged after the last restart (+${(healedAtMs / 1000).toFixed(1)} s): ${acks.filter((a) => a.atMs > healedAtMs).length}`,
      `end offsets: ${JSON.stringify(read.endOffsets)}`,
      ...report,
    ];
    for (const line of diagnostics) t.diagnostic(line);

    if (isrProblem !== undefined) problems.push(`${isrProblem}\nreplica sizes (DescribeLogDirs): ${replicaSizes}`);
    if (kills.length < KILL_COUNT) problems.push(`only ${kills.length} of ${KILL_COUNT} leader kills happened before the producer ended`);
    if (summary.fatal.length > 0) problems.push(`fatal producer errors: ${JSON.stringify(summary.fatal)}`);
    if (summary.undelivered > 0) problems.push(`${summary.undelivered} records still undelivered ${FLUSH_TIMEOUT_S} s after the cluster healed`);
    if (!acks.some((a) => a.atMs > healedAtMs)) problems.push('nothing was acknowledged after the last restart');
    assert.deepEqual(problems, [], diagnostics.join('\n'));
  } finally {
    await admin.close();
  }
}

test('leader failover: idempotent acks=all producer while partition leaders are SIGKILLed; nothing acknowledged lost, duplicated or reordered', { timeout: 170_000 }, async (t) => {
  if (!requireClient(t, 'confluent-kafka', 'kafka-python')) return;
  await withCluster(3, {}, (cluster) => runScenario(t, cluster));
});
