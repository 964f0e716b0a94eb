/**
 * Metadata snapshots with real processes: with a small
 * metadata.log.max.record.bytes.between.snapshots every node snapshots its image and drops the
 * metadata log below it; a node that was down while that happened catches up by FetchSnapshot;
 * a restarted node loads its own snapshot; clients see the same topics everywhere.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { delay } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { withCluster } from '../helpers/cluster.js';
import { produceKafkaPython, readAllKafkaPython } from '../helpers/kafka-python.js';

function metadataFiles(logDir: string): string[] {
  return readdirSync(join(logDir, '__cluster_metadata-0'));
}

test('metadata snapshots: log truncation, FetchSnapshot for a lagging node, reload at restart', { timeout: 180_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withCluster(3, { 'metadata.log.max.record.bytes.between.snapshots': '3000', 'metadata.log.segment.bytes': '4096' }, async (cluster) => {
    let admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    try {
      const controller = (await admin.describeQuorum()).leaderId;
      const lagging = [1, 2, 3].find((id) => id !== controller)!;
      await cluster.node(lagging).kill();
      await admin.close();
      const alive = [1, 2, 3].filter((id) => id !== lagging);
      admin = new Admin({ 'bootstrap.servers': alive.map((id) => cluster.node(id).bootstrap).join(',') });
      for (let i = 0; i < 40; i++) await admin.createTopics([{ name: `snap-${i}`, numPartitions: 1, replicationFactor: 2 }]);
      await admin.createTopics([{ name: 'data', numPartitions: 2, replicationFactor: 2, configs: { 'min.insync.replicas': '1' } }]);
      for (const id of alive) {
        const files = metadataFiles(cluster.node(id).logDir);
        assert.ok(files.some((f) => f.endsWith('.checkpoint')), `node ${id} wrote no snapshot: ${files.join(' ')}`);
        assert.ok(!files.includes('00000000000000000000.log'), `node ${id} kept the first metadata segment: ${files.join(' ')}`);
      }

      // The lagging node is below every log start: it installs a snapshot and serves the same topics.
      await cluster.node(lagging).restart();
      assert.match(cluster.node(lagging).diagnostics(), /installed snapshot \d+-\d+ from the leader/);
      const laggingAdmin = new Admin({ 'bootstrap.servers': cluster.node(lagging).bootstrap });
      try {
        let names: string[] = [];
        for (let attempt = 0; attempt < 50; attempt++) {
          names = (await laggingAdmin.listTopics()).filter((n) => n.startsWith('snap-'));
          if (names.length === 40) break;
          await delay(100);
        }
        assert.equal(names.length, 40, `node ${lagging} knows ${names.length} of 40 topics`);
      } finally {
        await laggingAdmin.close();
      }

      // A restarted node loads its own snapshot; replication and clients work after it.
      const restarted = alive.find((id) => id !== controller)!;
      await cluster.node(restarted).restart();
      assert.match(cluster.node(restarted).diagnostics(), /Metadata image loaded from the snapshot ending at offset \d+: \d+ topics/);
      const values = Array.from({ length: 50 }, (_, i) => ({ key: null, value: Buffer.from(`d${i}`).toString('hex') }));
      const produced = await produceKafkaPython(cluster.node(restarted).bootstrap, 'data', values, { acks: 'all' });
      assert.ok(produced.every((o) => Array.isArray(o)), JSON.stringify(produced.filter((o) => !Array.isArray(o)).slice(0, 3)));
      assert.equal((await readAllKafkaPython(cluster.node(lagging).bootstrap, 'data')).records.length, 50);
    } finally {
      await admin.close();
    }
  });
});
