/**
 * A consumer group keeps consuming when its coordinator's broker dies (reliability scenario S10,
 * one kill): a kafka-python member commits after every poll; the broker coordinating the group is
 * SIGKILLed halfway through the first batch, and a second batch is produced to the survivors.
 * The member must see every record (at least once), and the group's committed offsets must
 * never go backwards and must end at the log end.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { startPython, type BackgroundProcess } from '../helpers/background.js';
import { delay } from '../helpers/broker.js';
import { requireClient, runPythonJson } from '../helpers/clients.js';
import { describePartitions, pollUntil, waitForFullIsr, waitForLeadersAvoiding } from '../helpers/cluster-admin.js';
import { withCluster, type ClusterHandle } from '../helpers/cluster.js';
import { withParams } from '../helpers/kafka-python.js';

const TOPIC = 'orders';
const GROUP = 'g';
const PARTITIONS = 3;
const BATCH_SIZE = 3000;
/** The coordinator dies once the member has seen this many records of the first batch. */
const KILL_AFTER_SEEN = 1000;
const OFFSET_POLL_EVERY_MS = 300;
const CONSUME_ALL_TIMEOUT_MS = 60_000;

/** A kafka-python member: commits synchronously after every poll; prints records, commits and errors. */
const MEMBER = String.raw`
import time
from kafka import KafkaConsumer
c = KafkaConsumer(PARAMS['topic'], bootstrap_servers=PARAMS['bootstrap'], group_id=PARAMS['group'],
                  auto_offset_reset='earliest', enable_auto_commit=False, session_timeout_ms=6000,
                  heartbeat_interval_ms=1000, request_timeout_ms=10000, retry_backoff_ms=200,
                  max_poll_records=PARAMS['maxPoll'], api_version_auto_timeout_ms=10000)
last = None
deadline = time.time() + PARAMS['lifeS']
while time.time() < deadline:
    try:
        got = c.poll(timeout_ms=200)
    except Exception as e:
        print('POLLERROR %s: %s' % (type(e).__name__, e))
        time.sleep(0.2)
        continue
    a = sorted(tp.partition for tp in c.assignment())
    if a != last:
        print('ASSIGN ' + json.dumps(a))
        last = a
    for tp, rs in got.items():
        for r in rs:
            print('GOT %d %d %s' % (tp.partition, r.offset, r.value.decode()))
    if got:
        try:
            c.commit()
            for tp, rs in got.items():
                print('COMMIT %d %d' % (tp.partition, rs[-1].offset + 1))
        except Exception as e:
            print('COMMITERROR %s: %s' % (type(e).__name__, e))
    time.sleep(PARAMS['pauseS'])
c.close()
`;

/** acks=all kafka-python producer with retries (kafka-python 2.0.2 defaults to none); RESULT = error texts. */
const PRODUCE = String.raw`
from kafka import KafkaProducer
prod = KafkaProducer(bootstrap_servers=PARAMS['bootstrap'], acks='all', retries=20, retry_backoff_ms=300,
                     max_in_flight_requests_per_connection=1, request_timeout_ms=10000, max_block_ms=20000,
                     api_version_auto_timeout_ms=10000)
futs = [prod.send(PARAMS['topic'], value=('%s-%d' % (PARAMS['prefix'], i)).encode()) for i in range(PARAMS['count'])]
prod.flush(timeout=60)
errors = []
for f in futs:
    try:
        f.get(timeout=1)
    except Exception as e:
        errors.append('%s: %s' % (type(e).__name__, e))
prod.close(timeout=10)
print('RESULT ' + json.dumps(errors))
`;

async function produceBatch(bootstrap: readonly string[], prefix: string): Promise<string[]> {
  return runPythonJson<string[]>(withParams({ bootstrap, topic: TOPIC, prefix, count: BATCH_SIZE }, PRODUCE), { timeoutMs: 90_000 });
}

/** What the member printed so far. */
function memberView(lines: readonly string[]): { seen: Map<string, number>; commits: Map<number, number[]>; errors: string[] } {
  const seen = new Map<string, number>();
  const commits = new Map<number, number[]>();
  const errors: string[] = [];
  for (const line of lines) {
    const got = /^GOT \d+ \d+ (.+)$/.exec(line);
    if (got !== null) {
      seen.set(got[1]!, (seen.get(got[1]!) ?? 0) + 1);
      continue;
    }
    const commit = /^COMMIT (\d+) (\d+)$/.exec(line);
    if (commit !== null) {
      const list = commits.get(Number(commit[1])) ?? [];
      list.push(Number(commit[2]));
      commits.set(Number(commit[1]), list);
    } else if (line.startsWith('POLLERROR') || line.startsWith('COMMITERROR')) {
      errors.push(line);
    }
  }
  return { seen, commits, errors };
}

/** Reads the group's committed offsets in the background and records every decrease. */
class OffsetWatcher {
  readonly regressions: string[] = [];
  readonly last = new Map<number, number>();
  reads = 0;
  failures = 0;
  private stopped = false;
  private readonly loop: Promise<void>;

  constructor(private readonly admin: Admin, private readonly maxReads: number) {
    this.loop = this.run();
  }

  private async run(): Promise<void> {
    for (let i = 0; i < this.maxReads && !this.stopped; i++) {
      try {
        for (const o of await this.admin.listGroupOffsets(GROUP)) {
          if (o.topic !== TOPIC) continue;
          const offset = Number(o.offset);
          const before = this.last.get(o.partition);
          if (before !== undefined && offset < before) this.regressions.push(`partition ${o.partition}: ${before} -> ${offset} (read #${this.reads})`);
          this.last.set(o.partition, offset);
        }
        this.reads++;
      } catch {
        this.failures++;
      }
      await delay(OFFSET_POLL_EVERY_MS);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

async function runScenario(t: TestContext, cluster: ClusterHandle): Promise<void> {
  const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'request.timeout.ms': 5_000 });
  let member: BackgroundProcess | undefined;
  let watcher: OffsetWatcher | undefined;
  let killed: number | undefined;
  try {
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await waitForFullIsr(admin, [TOPIC], 30_000);
    const everyNode = cluster.bootstrap.split(',');
    const firstErrors = await produceBatch(everyNode, 'a');
    assert.deepEqual(firstErrors.slice(0, 5), [], `first batch not fully acknowledged: ${firstErrors.length} errors`);

    member = startPython('group member', withParams({ bootstrap: everyNode, topic: TOPIC, group: GROUP, maxPoll: 20, pauseS: 0.05, lifeS: 140 }, MEMBER));
    await member.waitFor('the first record', 30_000, (lines) => lines.some((l) => l.startsWith('GOT ')));
    const coordinator = await admin.findGroupCoordinator(GROUP);
    watcher = new OffsetWatcher(admin, Math.ceil(150_000 / OFFSET_POLL_EVERY_MS));
    const seenAtKill = await member.waitFor(`${KILL_AFTER_SEEN} records`, 30_000, (lines) => {
      const n = memberView(lines).seen.size;
      return n >= KILL_AFTER_SEEN ? n : undefined;
    });

    killed = coordinator.nodeId;
    const killedAt = Date.now();
    await cluster.node(killed).kill();
    const survivors = [...cluster.nodes].filter(([id]) => id !== killed).map(([, n]) => n.bootstrap);
    const [afterKill, newCoordinator] = await Promise.all([
      waitForLeadersAvoiding(admin, TOPIC, [killed], 15_000),
      pollUntil<number>('a new group coordinator', 20_000, 250, async () => {
        const c = await admin.findGroupCoordinator(GROUP);
        return c.nodeId !== killed ? { done: c.nodeId } : { state: `coordinator still ${c.nodeId}` };
      }).then(
        (id) => `new coordinator: node ${id}, ${Date.now() - killedAt} ms after the kill`,
        (err: unknown) => `PROBLEM no new coordinator: ${err instanceof Error ? err.message : String(err)}`,
      ),
    ]);
    const secondErrors = await produceBatch(survivors, 'b');

    const expected = [...Array(BATCH_SIZE).keys()].flatMap((i) => [`a-${i}`, `b-${i}`]);
    const consumeProblem = await member.waitFor('every record of both batches', CONSUME_ALL_TIMEOUT_MS, (lines) => {
      const { seen } = memberView(lines);
      return expected.every((v) => seen.has(v)) ? 'done' : undefined;
    }).then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));

    const ends = await admin.listOffsets([...Array(PARTITIONS).keys()].map((partition) => ({ topic: TOPIC, partition, spec: 'latest' as const })));
    const endOf = new Map(ends.map((e) => [e.partition, Number(e.offset)]));
    const commitProblem = await pollUntil<undefined>('committed offsets at the log end', 30_000, 500, async () => {
      const committed = await admin.listGroupOffsets(GROUP);
      const behind = [...endOf].filter(([p, end]) => Number(committed.find((c) => c.topic === TOPIC && c.partition === p)?.offset ?? -1) !== end);
      return behind.length === 0 ? { done: undefined } : { state: `committed ${JSON.stringify(committed.map((c) => [c.partition, Number(c.offset)]))}, log end ${JSON.stringify([...endOf])}` };
    }).then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));
    await watcher.stop();

    const view = memberView(member.lines);
    const missing = expected.filter((v) => !view.seen.has(v));
    const redelivered = [...view.seen.values()].filter((n) => n > 1).length;
    const memberCommitRegressions: string[] = [];
    for (const [p, list] of view.commits) {
      for (let i = 1; i < list.length; i++) if (list[i]! < list[i - 1]!) memberCommitRegressions.push(`partition ${p}: ${list[i - 1]} -> ${list[i]}`);
    }
    const report = [
      `coordinator was node ${coordinator.nodeId}; SIGKILLed after the member had seen ${seenAtKill} records`,
      `topic after the kill: ${describePartitions([afterKill])}`,
      newCoordinator,
      `second batch produced to ${survivors.join(',')}: ${BATCH_SIZE - secondErrors.length} acknowledged, errors ${JSON.stringify(secondErrors.slice(0, 5))}`,
      `member: ${view.seen.size} distinct values seen of ${expected.length}, ${redelivered} seen more than once; assignments ${JSON.stringify(member.lines.filter((l) => l.startsWith('ASSIGN')))}`,
      `member errors (${view.errors.length}): ${JSON.stringify(view.errors.slice(0, 10))}`,
      `committed offsets read ${watcher.reads} times (${watcher.failures} failed reads); last ${JSON.stringify([...watcher.last])}; log end ${JSON.stringify([...endOf])}`,
    ];
    for (const line of report) t.diagnostic(line);

    const problems: string[] = [];
    if (newCoordinator.startsWith('PROBLEM')) problems.push(newCoordinator);
    if (secondErrors.length > 0) problems.push(`${secondErrors.length} records of the second batch not acknowledged with 2 of 3 nodes up, e.g. ${secondErrors[0]}`);
    if (consumeProblem !== undefined) problems.push(`the member did not see every record: ${missing.length} missing, e.g. ${missing.slice(0, 10).join(', ')}\n${consumeProblem}`);
    if (watcher.regressions.length > 0) problems.push(`committed offsets went backwards: ${watcher.regressions.slice(0, 10).join('; ')}`);
    if (memberCommitRegressions.length > 0) problems.push(`the member committed lower offsets than before: ${memberCommitRegressions.slice(0, 10).join('; ')}`);
    if (commitProblem !== undefined) problems.push(commitProblem);

    await member.signal('SIGTERM');
    await cluster.node(killed).restart();
    killed = undefined;
    const healProblem = await waitForFullIsr(admin, [TOPIC], 30_000).then(() => undefined, (err: unknown) => (err instanceof Error ? err.message : String(err)));
    if (healProblem !== undefined) problems.push(`after restarting the coordinator's node: ${healProblem}`);
    assert.deepEqual(problems, [], report.join('\n'));
  } finally {
    await watcher?.stop();
    await member?.signal('SIGKILL');
    if (killed !== undefined && !cluster.node(killed).running) await cluster.node(killed).restart().catch(() => undefined);
    await admin.close();
  }
}

test('group failover: a kafka-python group member keeps consuming and committing when the coordinator\'s broker is SIGKILLed', { timeout: 170_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withCluster(3, { 'group.initial.rebalance.delay.ms': '0' }, (cluster) => runScenario(t, cluster));
});
