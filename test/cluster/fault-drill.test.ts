/**
 * The fault drill of the cluster issue, with 3 real processes and kafka-python 2.0.2: a producer
 * (acks=all, retries) writes a record every 0.5 s to `critical_data` (RF 3, min.insync.replicas
 * 2). SIGKILL the active controller: a new one is elected, partitions move, writes go on. SIGKILL
 * the next controller: writes stop with a clear reason and nothing is acknowledged. Restart one
 * node: quorum and writes come back. Restart the last: ISR 3 everywhere, replicas byte-identical
 * below the high watermark, every acknowledged record in the log exactly once.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { startPython } from '../helpers/background.js';
import { delay } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { eventually } from '../helpers/cluster-admin.js';
import { partitionLogBytes } from '../helpers/segments.js';
import { withCluster, type ClusterHandle } from '../helpers/cluster.js';
import { readAllKafkaPython, withParams } from '../helpers/kafka-python.js';

const TOPIC = 'critical_data';
const PARTITIONS = 3;

const PRODUCER = String.raw`
import os, time
from kafka import KafkaProducer
p = KafkaProducer(bootstrap_servers=PARAMS['bootstrap'], acks='all', retries=3, retry_backoff_ms=300,
                  request_timeout_ms=5000, max_block_ms=5000, metadata_max_age_ms=5000)
def ok(i):
    def f(md): print('ACK %d %d %d %d' % (i, md.partition, md.offset, int(time.time() * 1000)), flush=True)
    return f
def err(i):
    def f(e): print('ERR %d %d %s %s' % (i, int(time.time() * 1000), type(e).__name__, str(e).replace('\n', ' ')[:200]), flush=True)
    return f
i = 0
deadline = time.time() + PARAMS['maxSeconds']
while not os.path.exists(PARAMS['stopFile']) and time.time() < deadline:
    try:
        p.send(PARAMS['topic'], value=str(i).encode()).add_callback(ok(i)).add_errback(err(i))
    except Exception as e:
        print('ERR %d %d %s %s' % (i, int(time.time() * 1000), type(e).__name__, e), flush=True)
    i += 1
    time.sleep(0.5)
p.flush(15)
print('DONE %d' % i, flush=True)
`;

interface Ack {
  value: number;
  partition: number;
  offset: number;
  atMs: number;
}

function acks(lines: readonly string[]): Ack[] {
  return lines
    .filter((l) => l.startsWith('ACK '))
    .map((l) => {
      const [, value, partition, offset, at] = l.split(' ');
      return { value: Number(value), partition: Number(partition), offset: Number(offset), atMs: Number(at) };
    });
}

function errors(lines: readonly string[]): { atMs: number; type: string }[] {
  return lines.filter((l) => l.startsWith('ERR ')).map((l) => ({ atMs: Number(l.split(' ')[2]), type: l.split(' ')[3]! }));
}

/** An admin client on the given nodes only (the others may be dead). */
function adminOn(cluster: ClusterHandle, ids: number[]): Admin {
  return new Admin({ 'bootstrap.servers': ids.map((id) => cluster.node(id).bootstrap).join(','), 'request.timeout.ms': 3000, 'retry.backoff.ms': 100 });
}

async function quorumLeader(admin: Admin): Promise<number> {
  return (await admin.describeQuorum()).leaderId;
}

/** Byte position in a segment file where the batch holding `offset` (or the end) starts. */
function bytePositionOf(file: Buffer, offset: bigint): number {
  let pos = 0;
  while (pos + 12 <= file.length) {
    const base = file.readBigInt64BE(pos);
    const size = 12 + file.readInt32BE(pos + 8);
    const lastOffsetDelta = pos + 27 <= file.length ? file.readInt32BE(pos + 23) : 0;
    if (base + BigInt(lastOffsetDelta) >= offset) return pos;
    pos += size;
  }
  return pos;
}

test('fault drill: controller kills, quorum loss refuses writes, recovery without losing acknowledged records', { timeout: 240_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withCluster(3, {}, async (cluster) => {
    const all = [1, 2, 3];
    const admin = adminOn(cluster, all);
    await admin.createTopics([{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3, configs: { 'min.insync.replicas': '2' } }]);
    await admin.close();
    const stopFile = join(cluster.node(1).logDir, 'drill-stop');
    const producer = startPython('drill producer', withParams({ bootstrap: cluster.bootstrap.split(','), topic: TOPIC, stopFile, maxSeconds: 200 }, PRODUCER));
    try {
      await producer.waitFor('5 acknowledged records', 30_000, (lines) => acks(lines).length >= 5);

      // 1. SIGKILL the active controller.
      let a = adminOn(cluster, all);
      const first = await eventually('a quorum leader', 10_000, async () => ((await quorumLeader(a)) >= 1 ? quorumLeader(a) : undefined));
      await a.close();
      const kill1 = Date.now();
      await cluster.node(first).kill();
      const alive = all.filter((id) => id !== first);
      a = adminOn(cluster, alive);
      const second = await eventually('a new active controller', 20_000, async () => {
        const l = await quorumLeader(a);
        return l >= 1 && l !== first ? l : undefined;
      });
      t.diagnostic(`controller ${first} killed; node ${second} elected in ${Date.now() - kill1} ms`);
      await eventually(`partitions led by node ${first} to move`, 20_000, async () => {
        const [d] = await a.describeTopics([TOPIC]);
        return d!.partitions.every((p) => p.leader >= 1 && p.leader !== first && !p.isr.includes(first)) ? true : undefined;
      });
      const resumed = await producer.waitFor('acknowledgements after the first kill', 20_000, (lines) => acks(lines).find((x) => x.atMs > kill1 + 500));
      t.diagnostic(`writes resumed ${resumed.atMs - kill1} ms after the kill`);
      await a.close();

      // 2. SIGKILL the next controller: quorum lost, writes must stop.
      const kill2 = Date.now();
      await cluster.node(second).kill();
      const survivor = alive.find((id) => id !== second)!;
      await delay(12_000);
      const late = acks(producer.lines).filter((x) => x.atMs > kill2 + 2000);
      assert.deepEqual(late, [], `records were acknowledged with only node ${survivor} alive`);
      const errs = errors(producer.lines).filter((e) => e.atMs > kill2);
      assert.ok(errs.some((e) => e.type === 'NotEnoughReplicasError'), `the producer's errors do not say NOT_ENOUGH_REPLICAS: ${JSON.stringify(errs.slice(0, 5))}`);
      const survivorLog = cluster.node(survivor).diagnostics();
      assert.match(survivorLog, /NOT_ENOUGH_REPLICAS \(min\.insync\.replicas=2\)/, 'the surviving broker does not log why writes fail');
      assert.match(survivorLog, /cannot reach the active controller/, 'the surviving broker does not log the lost quorum');

      // 3. Restart one node: quorum and writes come back by themselves.
      const restart1 = Date.now();
      await cluster.node(first).restart();
      const back = await producer.waitFor('acknowledgements after the quorum came back', 60_000, (lines) => acks(lines).find((x) => x.atMs > restart1));
      t.diagnostic(`writes came back ${back.atMs - restart1} ms after node ${first} was restarted`);

      // 4. Restart the last node: ISR 3 everywhere.
      await cluster.node(second).restart();
      a = adminOn(cluster, all);
      await eventually('ISR of 3 on every partition', 60_000, async () => {
        const [d] = await a.describeTopics([TOPIC]);
        return d!.partitions.every((p) => p.isr.length === 3) ? true : undefined;
      });
      writeFileSync(stopFile, 'stop');
      await producer.waitFor('the producer to finish', 30_000, (lines) => lines.some((l) => l.startsWith('DONE')));
      const acked = acks(producer.lines);

      // Replicas byte-identical below the high watermark (the followers catch up in a moment).
      const ends = await a.listOffsets(Array.from({ length: PARTITIONS }, (_, p) => ({ topic: TOPIC, partition: p, spec: 'latest' as const })));
      await a.close();
      for (let p = 0; p < PARTITIONS; p++) {
        const hw = ends.find((e) => e.partition === p)!.offset;
        await eventually(`replicas of ${TOPIC}-${p} to agree below the high watermark ${hw}`, 20_000, async () => {
          const bytes = all.map((id) => partitionLogBytes(cluster.node(id).logDir, TOPIC, p));
          const prefixes = bytes.map((b) => b.subarray(0, bytePositionOf(b, hw)));
          if (prefixes.some((x) => x.length !== prefixes[0]!.length)) return undefined;
          return prefixes.every((x) => x.equals(prefixes[0]!)) ? true : undefined;
        });
      }

      // Every acknowledged record in the log exactly once, at the offset it was acknowledged with.
      const read = await readAllKafkaPython(cluster.node(survivor).bootstrap, TOPIC, 60_000);
      const counts = new Map<number, number>();
      const at = new Map<string, number>();
      for (const r of read.records) {
        const v = Number(Buffer.from(r.value!, 'hex').toString());
        counts.set(v, (counts.get(v) ?? 0) + 1);
        at.set(`${r.partition}:${r.offset}`, v);
      }
      const missing = acked.filter((x) => !counts.has(x.value)).map((x) => x.value);
      const duplicated = acked.filter((x) => (counts.get(x.value) ?? 0) > 1).map((x) => x.value);
      const moved = acked.filter((x) => at.get(`${x.partition}:${x.offset}`) !== x.value).map((x) => x.value);
      t.diagnostic(`${acked.length} acknowledged, ${read.records.length} in the log, ${errors(producer.lines).length} producer errors`);
      assert.deepEqual({ missing, duplicated, moved }, { missing: [], duplicated: [], moved: [] });
      assert.ok(acked.length >= 10, `only ${acked.length} records were acknowledged`);
    } finally {
      if (!existsSync(stopFile)) writeFileSync(stopFile, 'stop');
      await producer.signal('SIGKILL');
    }
  });
});
