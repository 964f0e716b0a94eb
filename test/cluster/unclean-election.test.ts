/**
 * With unclean.leader.election.enable off (the default), a partition whose only in-sync replica
 * died stays offline even when an out-of-sync replica is back, rather than losing acknowledged
 * data; `samsa leader-election --election-type unclean` is the operator's explicit choice to bring
 * it back from that replica, and the old leader then follows it (truncating what it alone had).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Admin, Producer } from '../../src/client/index.js';
import { createPairOffController, eventually } from '../helpers/cluster-admin.js';
import { withCluster } from '../helpers/cluster.js';
import { samsa } from '../cli/cli-runner.js';

const TOPIC = 'fragile';

test('unclean leader election: offline by default, explicit unclean election brings the partition back', { timeout: 150_000 }, async () => {
  await withCluster(3, {}, async (cluster) => {
    const admin = new Admin({ 'bootstrap.servers': cluster.bootstrap });
    try {
      const [a, b] = await createPairOffController(admin, TOPIC);
      const partition = async () => (await admin.describeTopics([TOPIC]))[0]!.partitions[0]!;
      const send = async (value: string): Promise<void> => {
        const producer = new Producer({ 'bootstrap.servers': cluster.bootstrap, acks: 'all', 'request.timeout.ms': 5000 });
        try {
          await producer.send({ topic: TOPIC, partition: 0, value });
        } finally {
          await producer.close();
        }
      };
      await send('both');

      // The follower dies: the ISR shrinks to the leader, which takes writes alone.
      await cluster.node(b).kill();
      await eventually(`node ${b} out of the ISR`, 20_000, async () => ((await partition()).isr.join() === String(a) ? true : undefined));
      await send('only-on-a');
      // The leader dies too, and the out-of-sync replica returns (bringing back the metadata
      // quorum: all three nodes are voters). Once the controller fences the dead leader, the
      // partition must go offline rather than elect the replica that misses a record.
      await cluster.node(a).kill();
      await cluster.node(b).restart();
      const offline = await eventually(`node ${a} fenced out of the leadership`, 30_000, async () => {
        const p = await partition();
        return p.leader !== a ? p : undefined;
      });
      assert.equal(offline.leader, -1, `an out-of-sync replica was elected: ${JSON.stringify(offline)}`);
      const unavailable = await samsa('topics', ['--bootstrap-server', cluster.node(b).bootstrap, '--describe', '--unavailable-partitions']);
      assert.match(unavailable.stdout, new RegExp(`Topic: ${TOPIC}\\tPartition: 0\\tLeader: none`), unavailable.stdout);

      // The operator chooses availability over the lost record.
      const elected = await samsa('leader-election', ['--bootstrap-server', cluster.node(b).bootstrap, '--election-type', 'unclean', '--topic', TOPIC, '--partition', '0']);
      assert.equal(elected.code, 0, elected.stderr + elected.stdout);
      assert.match(elected.stdout, new RegExp(`Successfully completed leader election \\(UNCLEAN\\) for partitions ${TOPIC}-0`));
      await eventually(`node ${b} to lead`, 20_000, async () => ((await partition()).leader === b ? true : undefined));
      await send('after-unclean');

      // The old leader returns as a follower of the new history.
      await cluster.node(a).restart();
      await eventually('both replicas in the ISR again', 30_000, async () => ((await partition()).isr.length === 2 ? true : undefined));
      assert.match(cluster.node(a).diagnostics(), new RegExp(`Partition ${TOPIC}-0: truncating from 2 to 1`));
    } finally {
      await admin.close();
    }
  });
});
