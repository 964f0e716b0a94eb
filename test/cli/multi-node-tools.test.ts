// End-to-end tests of the tools that need several brokers (leader election, reassignment, a
// 3-voter quorum).
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Admin } from '../../src/client/index.js';
import { delay } from '../helpers/broker.js';
import { MULTI_NODE_SKIP, startLocalCluster, type LocalClusterHandle } from '../helpers/local-cluster.js';
import { samsa } from './cli-runner.js';

describe('tools against a 3-node cluster', { skip: MULTI_NODE_SKIP }, () => {
  let cluster: LocalClusterHandle;
  let admin: Admin;
  let bs: string[];

  before(async () => {
    cluster = await startLocalCluster(3);
    bs = ['--bootstrap-server', cluster.bootstrap];
    admin = new Admin({ 'bootstrap.servers': cluster.bootstrap, 'retry.backoff.ms': 50 });
    await admin.createTopics([{ name: 'moving', numPartitions: 3, replicationFactor: 2 }, { name: 'elect', replicaAssignment: { 0: [1, 2, 3], 1: [2, 3, 1] } }]);
  });

  after(async () => {
    await admin?.close();
    await cluster?.cleanup();
  });

  test('metadata-quorum describe --status lists three voters with their endpoints', async () => {
    const r = await samsa('metadata-quorum', [...bs, 'describe', '--status']);
    assert.equal(r.code, 0, r.stderr);
    const voters = JSON.parse(/^CurrentVoters: +(.*)$/m.exec(r.stdout)![1]!) as { id: number; endpoints: string[] }[];
    assert.deepEqual(voters.map((v) => v.id).sort(), [1, 2, 3]);
    // Through a controller that may not lead (KIP-919 --bootstrap-controller): same leader and cluster.
    const state = JSON.parse(await readFile(join(cluster.dataDir, 'cluster.json'), 'utf8')) as { nodes: { controllerAddress: string }[] };
    for (const node of state.nodes) {
      const viaController = await samsa('metadata-quorum', ['--bootstrap-controller', node.controllerAddress, 'describe', '--status']);
      assert.equal(viaController.code, 0, viaController.stderr);
      assert.equal(/^LeaderId:.*$/m.exec(viaController.stdout)?.[0], /^LeaderId:.*$/m.exec(r.stdout)?.[0]);
      assert.equal(/^ClusterId:.*$/m.exec(viaController.stdout)?.[0], /^ClusterId:.*$/m.exec(r.stdout)?.[0]);
    }
    const replication = await samsa('metadata-quorum', [...bs, 'describe', '--replication']);
    const statuses = replication.stdout.trimEnd().split('\n').slice(1).map((l) => /\t(Leader|Follower|Observer)\s*\t?$/.exec(l)?.[1] ?? l);
    assert.deepEqual(statuses.sort(), ['Follower', 'Follower', 'Leader'], replication.stdout);
  });

  test('leader-election: preferred election is a no-op when the preferred leader leads; exit codes', async () => {
    let r = await samsa('leader-election', [...bs, '--election-type', 'preferred', '--topic', 'elect', '--partition', '0']);
    assert.deepEqual([r.code, r.stdout], [0, 'Valid replica already elected for partitions elect-0\n']);
    r = await samsa('leader-election', [...bs, '--election-type', 'PREFERRED', '--all-topic-partitions']);
    assert.equal(r.code, 0, r.stderr);
    const file = join(cluster.dataDir, 'election.json');
    await writeFile(file, '{"partitions":[{"topic":"elect","partition":1},{"topic":"nope","partition":0}]}');
    r = await samsa('leader-election', [...bs, '--election-type', 'preferred', '--path-to-json-file', file]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /Error completing leader election \(PREFERRED\) for partition: nope-0: /);
    assert.equal(r.stderr, '1 replica(s) could not be elected\n');
  });

  test('reassign-partitions: generate, execute, verify until completed, list', async () => {
    const topicsFile = join(cluster.dataDir, 'topics.json');
    await writeFile(topicsFile, '{"topics":[{"topic":"moving"}],"version":1}');
    let r = await samsa('reassign-partitions', [...bs, '--generate', '--topics-to-move-json-file', topicsFile, '--broker-list', '2,3']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    const current = lines[lines.indexOf('Current partition replica assignment') + 1];
    const proposed = lines[lines.indexOf('Proposed partition reassignment configuration') + 1];
    assert.equal((JSON.parse(current!) as { partitions: unknown[] }).partitions.length, 3);
    const proposal = JSON.parse(proposed!) as { partitions: { replicas: number[] }[] };
    for (const p of proposal.partitions) assert.deepEqual([...p.replicas].sort(), [2, 3]);

    const planFile = join(cluster.dataDir, 'plan.json');
    await writeFile(planFile, proposed!);
    r = await samsa('reassign-partitions', [...bs, '--execute', '--reassignment-json-file', planFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Current partition replica assignment\n\n\{.*\}\n\nSave this to use as the --reassignment-json-file option during rollback\nSuccessfully started partition reassignments for moving-0,moving-1,moving-2\n$/);
    for (let attempt = 0; ; attempt++) {
      r = await samsa('reassign-partitions', [...bs, '--verify', '--reassignment-json-file', planFile]);
      if (!r.stdout.includes('still in progress')) break;
      assert.ok(attempt < 60, `reassignment did not complete:\n${r.stdout}`);
      await delay(500);
    }
    assert.equal(r.stdout.split('\n').filter((l) => l.endsWith('is completed.')).length, 3, r.stdout);
    r = await samsa('reassign-partitions', [...bs, '--list']);
    assert.deepEqual([r.code, r.stdout], [0, 'No partition reassignments found.\n']);
  });
});
