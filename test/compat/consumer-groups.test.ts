/**
 * Consumer groups with real clients: kafka-python's course snippet, two members splitting a topic
 * and one taking over after the other is SIGKILLed, an idle third member, kcat -G, confluent-kafka
 * with cooperative-sticky and static membership, KafkaJS, and offsets surviving broker restarts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kafka, logLevel } from 'kafkajs';
import { startPython, type BackgroundProcess } from '../helpers/background.js';
import { delay, withBroker } from '../helpers/broker.js';
import { requireClient, runKcat, runPythonJson } from '../helpers/clients.js';
import { hex, mustCreateTopics, produceKafkaPython, withParams } from '../helpers/kafka-python.js';

/** Group settings that keep these tests quick: no initial rebalance delay. */
const FAST_GROUPS = { 'group.initial.rebalance.delay.ms': '0' };

const records = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: null, value: hex(`${prefix}-${i}`) }));

/** kafka-python's course consumer: reads until idle, commits (auto-commit on close), prints what it read. */
const COURSE_CONSUMER = String.raw`
from kafka import KafkaConsumer
c = KafkaConsumer(PARAMS['topic'], bootstrap_servers=[PARAMS['bootstrap']], group_id=PARAMS['group'],
                  auto_offset_reset='earliest', consumer_timeout_ms=PARAMS['idleMs'],
                  api_version_auto_timeout_ms=10000)
values = [m.value.decode() for m in c]
c.close()
print('RESULT ' + json.dumps(values))
`;

function courseConsumer(bootstrap: string, topic: string, group: string, idleMs = 6000): Promise<string[]> {
  return runPythonJson<string[]>(withParams({ bootstrap, topic, group, idleMs }, COURSE_CONSUMER), { timeoutMs: 45_000 });
}

test('kafka-python group consumer: reads everything, then nothing, then only what is new', { timeout: 120_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    await produceKafkaPython(broker.bootstrap, 'messages', records('first', 50));
    const first = await courseConsumer(broker.bootstrap, 'messages', 'echo-messages-to-stdout');
    assert.equal(first.length, 50);
    assert.deepEqual(new Set(first), new Set(records('first', 50).map((r) => Buffer.from(r.value, 'hex').toString())));
    assert.deepEqual(await courseConsumer(broker.bootstrap, 'messages', 'echo-messages-to-stdout', 4000), []);
    await produceKafkaPython(broker.bootstrap, 'messages', records('second', 7));
    const third = await courseConsumer(broker.bootstrap, 'messages', 'echo-messages-to-stdout');
    assert.deepEqual(third.sort(), records('second', 7).map((r) => Buffer.from(r.value, 'hex').toString()).sort());
  });
});

/** A kafka-python member that prints its assignment, every record it gets and every commit. */
const MEMBER = String.raw`
import time
from kafka import KafkaConsumer
c = KafkaConsumer(PARAMS['topic'], bootstrap_servers=[PARAMS['bootstrap']], group_id=PARAMS['group'],
                  auto_offset_reset='earliest', enable_auto_commit=False, session_timeout_ms=6000,
                  heartbeat_interval_ms=1000, max_poll_records=PARAMS['maxPoll'],
                  api_version_auto_timeout_ms=10000)
last = None
deadline = time.time() + PARAMS['lifeS']
while time.time() < deadline:
    got = c.poll(timeout_ms=200)
    a = sorted(tp.partition for tp in c.assignment())
    if a != last:
        print('ASSIGN ' + json.dumps(a))
        last = a
    for tp, rs in got.items():
        for r in rs:
            print('GOT %d %d' % (tp.partition, r.offset))
    if got:
        c.commit()
        for tp, rs in got.items():
            print('COMMIT %d %d' % (tp.partition, rs[-1].offset + 1))
    time.sleep(PARAMS['pauseS'])
c.close()
`;

function member(name: string, bootstrap: string, topic: string, group: string, opts: { maxPoll?: number; pauseS?: number } = {}): BackgroundProcess {
  return startPython(name, withParams({ bootstrap, topic, group, maxPoll: opts.maxPoll ?? 5, pauseS: opts.pauseS ?? 0.2, lifeS: 90 }, MEMBER));
}

/** The member's latest printed assignment, if any. */
function assignment(lines: readonly string[]): number[] | undefined {
  const line = [...lines].reverse().find((l) => l.startsWith('ASSIGN '));
  return line === undefined ? undefined : (JSON.parse(line.slice(7)) as number[]);
}

function committed(lines: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const l of lines) {
    const m = /^COMMIT (\d+) (\d+)$/.exec(l);
    if (m) out.set(Number(m[1]), Number(m[2]));
  }
  return out;
}

test('two kafka-python members split 4 partitions; after one is SIGKILLed the survivor owns all 4 and resumes at the last commit', { timeout: 150_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    await mustCreateTopics(broker.bootstrap, [{ name: 'split', partitions: 4 }]);
    await produceKafkaPython(broker.bootstrap, 'split', records('r', 3000));
    const pace = { maxPoll: 10, pauseS: 0.05 };
    const a = member('member-a', broker.bootstrap, 'split', 'splitters', pace);
    const b = member('member-b', broker.bootstrap, 'split', 'splitters', pace);
    try {
      const split = (lines: readonly string[]) => assignment(lines)?.length === 2;
      await a.waitFor('member-a owning 2 partitions', 60_000, split);
      await b.waitFor('member-b owning 2 partitions', 60_000, split);
      const aParts = assignment(a.lines)!;
      const bParts = assignment(b.lines)!;
      assert.deepEqual([...aParts, ...bParts].sort(), [0, 1, 2, 3]);
      await b.waitFor('member-b committing', 30_000, (lines) => committed(lines).size > 0);
      await b.signal('SIGKILL');
      const bCommitted = committed(b.lines);
      const linesBefore = a.lines.length;
      const aCommittedBefore = committed(a.lines.slice(0, linesBefore));
      await a.waitFor('member-a owning all 4 partitions after the session timeout', 60_000, (lines) => assignment(lines)?.length === 4);
      await a.waitFor('member-a consuming a taken-over partition', 60_000, (lines) =>
        lines.slice(linesBefore).some((l) => bParts.some((p) => l.startsWith(`GOT ${p} `))),
      );
      for (const p of bParts) {
        const firstAfter = a.lines.slice(linesBefore).map((l) => /^GOT (\d+) (\d+)$/.exec(l)).find((m) => m && Number(m[1]) === p);
        if (!firstAfter) continue;
        // member-b may have committed once more between its last printed commit and the SIGKILL;
        // a partition member-b had not committed yet resumes where member-a left it before the
        // rebalance that gave it to member-b (member-a may own all four until member-b joins).
        const start = Number(firstAfter[2]);
        const printed = Math.max(bCommitted.get(p) ?? 0, aCommittedBefore.get(p) ?? 0);
        assert.ok(start >= printed && start <= printed + pace.maxPoll, `partition ${p}: the survivor starts at ${start}, the last commit before the kill was ${printed}`);
      }
    } finally {
      await a.signal('SIGKILL');
      await b.signal('SIGKILL');
    }
  });
});

test('a third member on a 2-partition topic stays idle', { timeout: 120_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    await mustCreateTopics(broker.bootstrap, [{ name: 'pair', partitions: 2 }]);
    const members = ['m1', 'm2', 'm3'].map((n) => member(n, broker.bootstrap, 'pair', 'trio'));
    try {
      for (const m of members) await m.waitFor(`${m.name} joining`, 60_000, (lines) => assignment(lines) !== undefined);
      // Settle: every member has seen the final generation when the sizes are 1, 1 and 0 and
      // together they own both partitions (a member still printing an older generation's
      // assignment can make the sizes right for a moment with one partition twice).
      const deadline = Date.now() + 45_000;
      let sizes: number[] = [];
      let owned: number[] = [];
      while (Date.now() < deadline) {
        sizes = members.map((m) => assignment(m.lines)?.length ?? -1).sort();
        owned = members.flatMap((m) => assignment(m.lines) ?? []).sort();
        if (sizes.join() === '0,1,1' && owned.join() === '0,1') break;
        await delay(250);
      }
      assert.deepEqual(sizes, [0, 1, 1]);
      assert.deepEqual(owned, [0, 1]);
    } finally {
      for (const m of members) await m.signal('SIGKILL');
    }
  });
});

test('kcat -G consumes as a group and resumes from the committed offsets', { timeout: 90_000 }, async (t) => {
  if (!requireClient(t, 'kcat')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    const input = Array.from({ length: 300 }, (_, i) => `line-${i}`).join('\n') + '\n';
    await runKcat(['-b', broker.bootstrap, '-P', '-t', 'kcat-group'], { input, timeoutMs: 30_000 });
    // -o would make kcat assign explicit offsets in its rebalance callback; auto.offset.reset honours commits.
    const consume = () => runKcat(['-b', broker.bootstrap, '-G', 'kcat-readers', '-X', 'auto.offset.reset=earliest', '-e', '-q', 'kcat-group'], { timeoutMs: 45_000 });
    const first = await consume();
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout.trim().split('\n').length, 300);
    const second = await consume();
    assert.equal(second.stdout.trim(), '', 'a second run of the group reads nothing');
  });
});

const CONFLUENT_COOPERATIVE = String.raw`
import time
from confluent_kafka import Consumer
conf = {'bootstrap.servers': PARAMS['bootstrap'], 'group.id': 'coop', 'auto.offset.reset': 'earliest',
        'partition.assignment.strategy': 'cooperative-sticky', 'enable.auto.commit': True,
        'auto.commit.interval.ms': 200, 'session.timeout.ms': 10000}
first = Consumer(conf)
first.subscribe([PARAMS['topic']])
seen = {}
def pump(c, who, seconds):
    end = time.time() + seconds
    while time.time() < end:
        m = c.poll(0.1)
        if m is None or m.error():
            continue
        seen.setdefault(m.value().decode(), []).append(who)
pump(first, 'first', 4)
second = Consumer(conf)
second.subscribe([PARAMS['topic']])
end = time.time() + 40
while time.time() < end and not (len(first.assignment()) > 0 and len(second.assignment()) > 0 and len(seen) >= PARAMS['count']):
    pump(first, 'first', 0.3)
    pump(second, 'second', 0.3)
a1 = sorted(tp.partition for tp in first.assignment())
a2 = sorted(tp.partition for tp in second.assignment())
first.close()
second.close()
print('RESULT ' + json.dumps({'first': a1, 'second': a2, 'seen': len(seen), 'dups': sum(1 for v in seen.values() if len(v) > 1)}))
`;

test('confluent-kafka members with cooperative-sticky share a topic incrementally', { timeout: 120_000 }, async (t) => {
  if (!requireClient(t, 'confluent-kafka', 'kafka-python')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    await mustCreateTopics(broker.bootstrap, [{ name: 'coop', partitions: 4 }]);
    await produceKafkaPython(broker.bootstrap, 'coop', records('c', 400));
    const result = await runPythonJson<{ first: number[]; second: number[]; seen: number; dups: number }>(
      withParams({ bootstrap: broker.bootstrap, topic: 'coop', count: 400 }, CONFLUENT_COOPERATIVE),
      { timeoutMs: 90_000 },
    );
    assert.equal(result.seen, 400);
    assert.equal(result.first.length + result.second.length, 4, JSON.stringify(result));
    assert.ok(result.first.length > 0 && result.second.length > 0, JSON.stringify(result));
  });
});

/** A static member (group.instance.id) that reports every assignment callback. */
const STATIC_MEMBER = String.raw`
import time
from confluent_kafka import Consumer
c = Consumer({'bootstrap.servers': PARAMS['bootstrap'], 'group.id': 'statics', 'group.instance.id': PARAMS['instance'],
              'auto.offset.reset': 'earliest', 'session.timeout.ms': 15000, 'heartbeat.interval.ms': 1000})
def on_assign(consumer, partitions):
    print('ASSIGN ' + json.dumps(sorted(p.partition for p in partitions)))
def on_revoke(consumer, partitions):
    print('REVOKE ' + json.dumps(sorted(p.partition for p in partitions)))
c.subscribe([PARAMS['topic']], on_assign=on_assign, on_revoke=on_revoke)
end = time.time() + PARAMS['lifeS']
while time.time() < end:
    c.poll(0.2)
# A static member leaves without a LeaveGroup: its session keeps its place (KIP-345).
c.close()
`;

test('a static member restarting within its session timeout causes no rebalance', { timeout: 150_000 }, async (t) => {
  if (!requireClient(t, 'confluent-kafka', 'kafka-python')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    await mustCreateTopics(broker.bootstrap, [{ name: 'static', partitions: 2 }]);
    const start = (instance: string, lifeS: number) => startPython(instance, withParams({ bootstrap: broker.bootstrap, topic: 'static', instance, lifeS }, STATIC_MEMBER));
    const stayer = start('static-stay', 90);
    let mover = start('static-move', 8);
    try {
      const split = (lines: readonly string[]) => assignment(lines)?.length === 1;
      await stayer.waitFor('static-stay owning 1 partition', 60_000, split);
      await mover.waitFor('static-move owning 1 partition', 60_000, split);
      const moverPartition = assignment(mover.lines)!;
      const stayerEvents = stayer.lines.filter((l) => l.startsWith('ASSIGN') || l.startsWith('REVOKE')).length;
      await mover.waitFor('static-move closing', 30_000, () => !mover.running);
      mover = start('static-move', 60);
      await mover.waitFor('static-move rejoining with its old partition', 30_000, (lines) => assignment(lines)?.length === 1);
      assert.deepEqual(assignment(mover.lines), moverPartition);
      await delay(3000);
      const after = stayer.lines.filter((l) => l.startsWith('ASSIGN') || l.startsWith('REVOKE')).length;
      assert.equal(after, stayerEvents, `the other member saw a rebalance:\n${stayer.lines.join('\n')}`);
    } finally {
      await stayer.signal('SIGKILL');
      await mover.signal('SIGKILL');
    }
  });
});

test('KafkaJS consumer group reads everything once and resumes from its commits', { timeout: 120_000 }, async () => {
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    const kafka = new Kafka({ clientId: 'samsa-kafkajs-group', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8 } });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'kjs-group', numPartitions: 3 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'kjs-group', messages: Array.from({ length: 90 }, (_, i) => ({ key: `k${i % 9}`, value: `v${i}` })) });
    const consumeAll = async (expected: number, idleMs: number): Promise<string[]> => {
      const consumer = kafka.consumer({ groupId: 'kjs', sessionTimeout: 10_000, heartbeatInterval: 1000 });
      const seen: string[] = [];
      await consumer.connect();
      await consumer.subscribe({ topic: 'kjs-group', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      const deadline = Date.now() + 45_000;
      let lastCount = -1;
      let lastChange = Date.now();
      while (Date.now() < deadline && (seen.length < expected || Date.now() - lastChange < idleMs)) {
        if (seen.length !== lastCount) {
          lastCount = seen.length;
          lastChange = Date.now();
        }
        await delay(100);
      }
      await consumer.disconnect();
      return seen;
    };
    try {
      const first = await consumeAll(90, 1000);
      assert.equal(first.length, 90);
      assert.equal(new Set(first).size, 90);
      await producer.send({ topic: 'kjs-group', messages: [{ value: 'late-1' }, { value: 'late-2' }] });
      const second = await consumeAll(2, 3000);
      assert.deepEqual(second.sort(), ['late-1', 'late-2']);
    } finally {
      await producer.disconnect();
    }
  });
});

test('committed offsets and groups survive broker SIGTERM and SIGKILL', { timeout: 150_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({ overrides: FAST_GROUPS }, async (broker) => {
    await produceKafkaPython(broker.bootstrap, 'durable-offsets', records('a', 30));
    assert.equal((await courseConsumer(broker.bootstrap, 'durable-offsets', 'survivors')).length, 30);
    await broker.stop();
    await broker.restart();
    assert.deepEqual(await courseConsumer(broker.bootstrap, 'durable-offsets', 'survivors', 4000), [], 'after SIGTERM');
    await produceKafkaPython(broker.bootstrap, 'durable-offsets', records('b', 5));
    assert.equal((await courseConsumer(broker.bootstrap, 'durable-offsets', 'survivors')).length, 5);
    await broker.kill();
    await broker.restart();
    assert.deepEqual(await courseConsumer(broker.bootstrap, 'durable-offsets', 'survivors', 4000), [], 'after SIGKILL');
    const listed = await runPythonJson<string[]>(withParams({ bootstrap: broker.bootstrap }, String.raw`
from kafka.admin import KafkaAdminClient
a = KafkaAdminClient(bootstrap_servers=[PARAMS['bootstrap']], api_version_auto_timeout_ms=10000)
print('RESULT ' + json.dumps(sorted(g[0] for g in a.list_consumer_groups())))
`), { timeoutMs: 30_000 });
    assert.ok(listed.includes('survivors'), `groups after restart: ${listed.join(', ')}`);
  });
});
