/**
 * A 3-node cluster of real processes, as the course's docker-compose homework uses it: topic
 * placement with leaders on every broker, Kafka's replication-factor error, what real clients
 * see (kcat, kafka-python), the metadata quorum as the tools show it, replicas byte-identical
 * after acks=all writes, a controlled shutdown that moves leadership away before the node exits,
 * and preferred leaders coming back after it returns (auto.leader.rebalance.enable).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { delay } from '../helpers/broker.js';
import { requireClient, runKcat } from '../helpers/clients.js';
import { partitionLogBytes } from '../helpers/segments.js';
import { withCluster } from '../helpers/cluster.js';
import { createTopicsKafkaPython, produceKafkaPython, readAllKafkaPython } from '../helpers/kafka-python.js';
import { samsa } from '../cli/cli-runner.js';

test('3-node cluster: placement, RF errors, real clients, quorum tools, identical replicas, controlled shutdown', { timeout: 180_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python', 'kcat')) return;
  await withCluster(3, { 'leader.imbalance.check.interval.seconds': '1' }, async (cluster) => {
    const one = cluster.node(1).bootstrap;
    const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    try {
      // The course's commands: 8 partitions RF 3 (leaders on all three brokers); RF 4 refused with Kafka's words.
      const created = await createTopicsKafkaPython(one, [
        { name: 'test_topic', partitions: 8, replicationFactor: 3 },
        { name: 'too_many', partitions: 1, replicationFactor: 4 },
      ]);
      assert.equal(created[0]!.error, null, JSON.stringify(created[0]));
      assert.ok(created[1]!.error?.message.includes('Replication factor: 4 larger than available brokers: 3.'), JSON.stringify(created[1]));
      // Brokers other than the controller replay the new topic a moment later (metadata is eventually consistent).
      let topics = await samsa('topics', ['--bootstrap-server', cluster.bootstrap, '--describe', '--topic', 'test_topic']);
      for (let attempt = 0; topics.code !== 0 && attempt < 20; attempt++) {
        await delay(100);
        topics = await samsa('topics', ['--bootstrap-server', cluster.bootstrap, '--describe', '--topic', 'test_topic']);
      }
      assert.equal(topics.code, 0, topics.stderr);
      const rows = topics.stdout.split('\n').filter((l) => l.includes('Partition: '));
      assert.equal(rows.length, 8, topics.stdout);
      const leaders = new Set(rows.map((r) => /Leader: (\d+)/.exec(r)![1]));
      assert.deepEqual([...leaders].sort(), ['1', '2', '3'], `leaders are not spread over the brokers:\n${topics.stdout}`);
      for (const r of rows) assert.match(r, /Replicas: \d,\d,\d\tIsr: \d,\d,\d/, r);

      // kcat sees three brokers and the 8 partitions with 3 replicas each.
      const meta = await runKcat(['-b', one, '-L', '-t', 'test_topic'], { timeoutMs: 20_000 });
      assert.equal(meta.code, 0, meta.stderr);
      assert.match(meta.stdout, /3 brokers:/);
      assert.equal((meta.stdout.match(/replicas: \d,\d,\d, isrs: \d,\d,\d/g) ?? []).length, 8, meta.stdout);

      // The quorum as kafka-metadata-quorum shows it, asked through any broker.
      const status = await samsa('metadata-quorum', ['--bootstrap-server', cluster.node(3).bootstrap, 'describe', '--status']);
      assert.equal(status.code, 0, status.stderr);
      const leaderId = Number(/^LeaderId:\s+(\d+)$/m.exec(status.stdout)?.[1]);
      assert.ok([1, 2, 3].includes(leaderId), status.stdout);
      const quorum = await admin.describeQuorum();
      assert.equal(quorum.leaderId, leaderId);
      assert.equal(quorum.voters.length, 3);
      const cluster1 = await admin.describeCluster();
      assert.equal(cluster1.controllerId, leaderId);
      assert.equal(cluster1.brokers.length, 3);

      // acks=all through kafka-python, read back, replicas byte-identical.
      const values = Array.from({ length: 400 }, (_, i) => ({ key: Buffer.from(`k${i}`).toString('hex'), value: Buffer.from(`v${i}`).toString('hex') }));
      const produced = await produceKafkaPython(one, 'test_topic', values, { acks: 'all' });
      assert.ok(produced.every((o) => Array.isArray(o)), JSON.stringify(produced.filter((o) => !Array.isArray(o)).slice(0, 3)));
      const read = await readAllKafkaPython(cluster.node(2).bootstrap, 'test_topic');
      assert.equal(read.records.length, 400);
      for (let p = 0; p < 8; p++) {
        for (let attempt = 0; ; attempt++) {
          const [a, b, c] = [1, 2, 3].map((id) => partitionLogBytes(cluster.node(id).logDir, 'test_topic', p));
          if (a!.equals(b!) && a!.equals(c!)) break;
          assert.ok(attempt < 40, `replicas of test_topic-${p} differ: ${a!.length}/${b!.length}/${c!.length} bytes`);
          await delay(250);
        }
      }

      // DescribeLogDirs: every broker holds all 8 partitions, each with the same size.
      const dirs = await admin.describeLogDirs();
      assert.deepEqual([...new Set(dirs.map((d) => d.brokerId))].sort(), [1, 2, 3]);
      for (const d of dirs) {
        assert.equal(d.error, null);
        assert.ok(d.totalBytes > 0n && d.usableBytes > 0n, JSON.stringify({ total: String(d.totalBytes), usable: String(d.usableBytes) }));
        const mine = d.replicas.filter((r) => r.topic === 'test_topic');
        assert.equal(mine.length, 8, `broker ${d.brokerId} lists ${mine.length} test_topic replicas`);
        for (const r of mine) assert.equal(r.sizeBytes, BigInt(partitionLogBytes(cluster.node(d.brokerId).logDir, 'test_topic', r.partition).length));
      }

      // Controlled shutdown: SIGTERM a node; leadership moves before it exits, nothing is offline.
      const victim = leaderId === 3 ? 2 : 3;
      const exit = await cluster.node(victim).stop();
      assert.equal(exit.code, 0, cluster.node(victim).diagnostics());
      assert.match(cluster.node(victim).diagnostics(), /controlled shutdown complete, leadership moved/);
      const [after] = await admin.describeTopics(['test_topic']);
      for (const p of after!.partitions) {
        assert.notEqual(p.leader, victim, `partition ${p.partition} is still led by the stopped node`);
        assert.ok(p.leader >= 1, `partition ${p.partition} has no leader`);
      }
      const more = await produceKafkaPython(one, 'test_topic', values.slice(0, 50), { acks: 'all' });
      assert.ok(more.every((o) => Array.isArray(o)), JSON.stringify(more.filter((o) => !Array.isArray(o)).slice(0, 3)));
      await cluster.node(victim).restart();
      for (let attempt = 0; ; attempt++) {
        const [d] = await admin.describeTopics(['test_topic']);
        if (d!.partitions.every((p) => p.isr.length === 3)) break;
        assert.ok(attempt < 120, `ISR did not return to 3: ${JSON.stringify(d!.partitions.map((p) => p.isr))}`);
        await delay(250);
      }
      // auto.leader.rebalance.enable: the preferred replicas lead again (checked every second here).
      for (let attempt = 0; ; attempt++) {
        const [d] = await admin.describeTopics(['test_topic']);
        if (d!.partitions.every((p) => p.leader === p.replicas[0])) break;
        assert.ok(attempt < 80, `preferred leaders did not come back: ${JSON.stringify(d!.partitions.map((p) => [p.leader, p.replicas]))}`);
        await delay(250);
      }
    } finally {
      await admin.close();
    }
  });
});
