/**
 * KIP-101 / KIP-279 with real processes: a leader appends records its follower never fetched
 * (acks=1), dies, the follower becomes leader and takes new writes at the same offsets; when the
 * old leader comes back as a follower it must truncate its diverged tail (OffsetForLeaderEpoch)
 * instead of keeping it, so that the replicas never hold two values at one offset.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, Producer } from '../../src/client/index.js';
import { delay } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { createPairOffController, eventually } from '../helpers/cluster-admin.js';
import { partitionLogBytes } from '../helpers/segments.js';
import { withCluster } from '../helpers/cluster.js';
import { readAllKafkaPython } from '../helpers/kafka-python.js';

const TOPIC = 'diverge';
/** Well above the follower's pause below, even on a loaded machine. */
const SESSION_TIMEOUT_MS = 8000;

test('a returning leader truncates the records its follower never had (KIP-101/279), no offset holds two values', { timeout: 150_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withCluster(3, { 'broker.session.timeout.ms': String(SESSION_TIMEOUT_MS) }, async (cluster) => {
    const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    try {
      const [a, b] = await createPairOffController(admin, TOPIC);

      const producerFor = (bootstrap: string, acks: 1 | -1): Producer => new Producer({ 'bootstrap.servers': bootstrap, acks: acks === -1 ? 'all' : '1', 'enable.idempotence': false, 'linger.ms': 0, 'request.timeout.ms': 5000 });
      const sendWith = async (producer: Producer, values: string[]): Promise<{ value: string; offset: bigint }[]> => {
        const out = [];
        for (const value of values) out.push({ value, offset: (await producer.send({ topic: TOPIC, partition: 0, value })).offset });
        return out;
      };
      const send = async (bootstrap: string, values: string[], acks: 1 | -1): Promise<{ value: string; offset: bigint }[]> => {
        const producer = producerFor(bootstrap, acks);
        try {
          return await sendWith(producer, values);
        } finally {
          await producer.close();
        }
      };
      const committed = await send(cluster.node(a).bootstrap, ['c0', 'c1'], -1);

      // The follower stops fetching; the leader takes acks=1 writes only it has, then dies.
      // (Past replica.fetch.wait.max.ms, so that its parked fetch has been answered empty and no
      // fetch of it is waiting for these appends. The follower must stay in the ISR: stopped
      // longer than broker.session.timeout.ms, it would be fenced and dropped from the ISR, and
      // with unclean election off nobody could lead after the kill. So the producer has its
      // metadata before the stop, and the cluster runs with a session timeout well above it.)
      const lossy = producerFor(cluster.node(a).bootstrap, 1);
      let tail: { value: string; offset: bigint }[];
      let stoppedMs: number;
      try {
        // Its first record (which also fetches its metadata) reaches both replicas before the stop.
        committed.push(...(await sendWith(lossy, ['c2'])));
        await eventually('the follower to copy c2', 20_000, async () => (partitionLogBytes(cluster.node(a).logDir, TOPIC, 0).equals(partitionLogBytes(cluster.node(b).logDir, TOPIC, 0)) ? true : undefined));
        const stoppedAt = Date.now();
        process.kill(cluster.node(b).pid, 'SIGSTOP');
        try {
          await delay(700);
          tail = await sendWith(lossy, ['lost0', 'lost1']);
          await cluster.node(a).kill();
        } finally {
          process.kill(cluster.node(b).pid, 'SIGCONT');
          stoppedMs = Date.now() - stoppedAt;
        }
      } finally {
        await lossy.close().catch(() => undefined);
      }
      t.diagnostic(`leader ${a} appended ${tail.map((x) => `${x.value}@${x.offset}`).join(', ')} and was killed; follower ${b} was stopped for ${stoppedMs} ms (broker.session.timeout.ms ${SESSION_TIMEOUT_MS})`);

      // The follower takes over (same ISR) and writes new records at the same offsets.
      await eventually(`node ${b} to lead`, 20_000, async () => ((await admin.describeTopics([TOPIC]))[0]!.partitions[0]!.leader === b ? true : undefined));
      const fresh = await send(cluster.node(b).bootstrap, ['new0', 'new1', 'new2'], 1);
      assert.equal(fresh[0]!.offset, tail[0]!.offset, 'the new leader did not continue at the old leader\'s unreplicated offsets');

      // The old leader returns as a follower: it must truncate, then copy the new leader's records.
      await cluster.node(a).restart();
      await eventually('both replicas in the ISR again', 30_000, async () => ((await admin.describeTopics([TOPIC]))[0]!.partitions[0]!.isr.length === 2 ? true : undefined));
      await eventually('identical replicas', 20_000, async () => (partitionLogBytes(cluster.node(a).logDir, TOPIC, 0).equals(partitionLogBytes(cluster.node(b).logDir, TOPIC, 0)) ? true : undefined));
      assert.match(cluster.node(a).diagnostics(), /Partition diverge-0: truncating from \d+ to \d+/);

      const read = await readAllKafkaPython(cluster.node(b).bootstrap, TOPIC);
      const values = read.records.map((r) => Buffer.from(r.value!, 'hex').toString());
      assert.deepEqual(values, [...committed, ...fresh].map((x) => x.value));
    } finally {
      await admin.close();
    }
  });
});
