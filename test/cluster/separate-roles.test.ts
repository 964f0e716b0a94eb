/**
 * Separate roles (process.roles=controller and process.roles=broker), as in Kafka's isolated
 * KRaft mode: 3 controller-only nodes hold the quorum, 2 broker-only nodes follow the metadata log
 * as observers and serve clients. kafka-python creates a replicated topic, produces with acks=all
 * and reads it back; killing the active controller leaves the brokers serving once a new one is
 * elected; the quorum lists the brokers as observers.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { delay, freePorts, pickLoopbackHost, startBroker, type BrokerHandle } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { waitForFullIsr } from '../helpers/cluster-admin.js';
import { FAST_FAILOVER } from '../helpers/cluster.js';
import { produceKafkaPython, readAllKafkaPython, createTopicsKafkaPython } from '../helpers/kafka-python.js';

const CLUSTER_ID = 'c2Ftc2Etcm9sZXMtdGVzdA';

test('3 controller-only nodes and 2 broker-only nodes: clients, replication, controller failover, observers', { timeout: 180_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  const hosts: string[] = [];
  while (hosts.length < 5) {
    const h = pickLoopbackHost();
    if (!hosts.includes(h)) hosts.push(h);
  }
  const ports = await Promise.all(hosts.map((h) => freePorts(h, 2)));
  const dirs = await Promise.all(hosts.map(() => mkdtemp(join(tmpdir(), 'samsa-roles-'))));
  const voters = [0, 1, 2].map((i) => `${i + 1}@${hosts[i]}:${ports[i]![1]}`).join(',');
  const nodes: BrokerHandle[] = [];
  try {
    const common = { ...FAST_FAILOVER, 'controller.quorum.voters': voters, 'offsets.topic.replication.factor': '2' };
    const started = await Promise.allSettled(hosts.map((host, i) => {
      const controller = i < 3;
      return startBroker({
        host,
        port: ports[i]![0],
        controllerPort: ports[i]![1],
        logDir: dirs[i]!,
        env: { CLUSTER_ID },
        readyTimeoutMs: 60_000,
        readyLine: controller ? `listening on CONTROLLER://${host}:${ports[i]![1]}` : undefined,
        omit: controller ? ['advertised.listeners', 'inter.broker.listener.name'] : [],
        overrides: controller
          ? { ...common, 'node.id': String(i + 1), 'process.roles': 'controller', listeners: `CONTROLLER://${host}:${ports[i]![1]}` }
          : { ...common, 'node.id': String(i + 1), 'process.roles': 'broker', listeners: `PLAINTEXT://${host}:${ports[i]![0]}` },
      }).then((n) => (nodes[i] = n));
    }));
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    const brokers = [nodes[3]!, nodes[4]!];
    const bootstrap = brokers.map((b) => b.bootstrap).join(',');
    const admin = new Admin({ 'bootstrap.servers': bootstrap });
    try {
      let cluster = await admin.describeCluster();
      for (let attempt = 0; attempt < 50 && cluster.brokers.length < 2; attempt++) {
        await delay(100);
        cluster = await admin.describeCluster();
      }
      assert.deepEqual(cluster.brokers.map((b) => b.nodeId).sort(), [4, 5], 'only the broker-only nodes are brokers');
      const created = await createTopicsKafkaPython(brokers[0]!.bootstrap, [{ name: 'roles', partitions: 4, replicationFactor: 2 }]);
      assert.equal(created[0]!.error, null, JSON.stringify(created[0]));
      // kafka-python 2.0.2 does not retry by default: produce once every leader hosts its partition.
      await waitForFullIsr(admin, ['roles'], 30_000);
      const values = Array.from({ length: 200 }, (_, i) => ({ key: null, value: Buffer.from(`r${i}`).toString('hex') }));
      const first = await produceKafkaPython(brokers[1]!.bootstrap, 'roles', values, { acks: 'all' });
      assert.ok(first.every((o) => Array.isArray(o)), JSON.stringify(first.filter((o) => !Array.isArray(o)).slice(0, 3)));

      let quorum = await admin.describeQuorum();
      for (let attempt = 0; attempt < 50 && quorum.observers.length < 2; attempt++) {
        await delay(100);
        quorum = await admin.describeQuorum();
      }
      assert.deepEqual(quorum.voters.map((v) => v.replicaId).sort(), [1, 2, 3]);
      assert.deepEqual(quorum.observers.map((o) => o.replicaId).sort(), [4, 5], 'the broker-only nodes fetch the metadata log as observers');

      // Kill the active controller: the others elect a new one and the brokers keep serving.
      const leader = quorum.leaderId;
      await nodes[leader - 1]!.kill();
      let next = -1;
      for (let attempt = 0; attempt < 100 && (next < 0 || next === leader); attempt++) {
        await delay(200);
        next = await admin.describeQuorum().then((q) => q.leaderId, () => -1);
      }
      assert.ok(next > 0 && next !== leader && next <= 3, `no new controller after killing ${leader}: ${next}`);
      const second = await produceKafkaPython(brokers[0]!.bootstrap, 'roles', values, { acks: 'all' });
      assert.ok(second.every((o) => Array.isArray(o)), JSON.stringify(second.filter((o) => !Array.isArray(o)).slice(0, 3)));
      const created2 = await createTopicsKafkaPython(brokers[1]!.bootstrap, [{ name: 'after', partitions: 1, replicationFactor: 2 }]);
      assert.equal(created2[0]!.error, null, JSON.stringify(created2[0]));
      const read = await readAllKafkaPython(brokers[1]!.bootstrap, 'roles');
      assert.equal(read.records.length, 400);
    } finally {
      await admin.close();
    }
  } catch (err) {
    if (err instanceof Error) err.message += '\n' + nodes.map((n, i) => `=== node ${i + 1} ===\n${n?.diagnostics() ?? ''}`).join('\n');
    throw err;
  } finally {
    await Promise.all(nodes.map((n) => n?.cleanup()));
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  }
});
