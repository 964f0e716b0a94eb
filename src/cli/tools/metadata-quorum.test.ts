import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { QuorumInfo } from '../../client/index.js';
import { parseArgs, UsageError } from '../args.js';
import { commandOf, describeModeOf, formatQuorumReplication, formatQuorumStatus, metadataQuorumTool } from './metadata-quorum.js';

const replica = (replicaId: number, logEndOffset: bigint, lastCaughtUpTimestamp: bigint, replicaDirectoryId: string | null = null) => ({
  replicaId,
  replicaDirectoryId,
  logEndOffset,
  lastFetchTimestamp: lastCaughtUpTimestamp === -1n ? -1n : lastCaughtUpTimestamp + 5n,
  lastCaughtUpTimestamp,
});

const threeVoters: QuorumInfo = {
  leaderId: 2,
  leaderEpoch: 5,
  highWatermark: 1234n,
  voters: [replica(1, 1230n, 9000n, 'Zm9vYmFyYmF6cXV4cXV1eA'), replica(2, 1240n, 9990n), replica(3, 1240n, 9980n)],
  observers: [replica(4, 1000n, -1n)],
  nodes: [1, 2, 3].map((id) => ({ nodeId: id, endpoints: [{ listener: 'CONTROLLER', host: 'localhost', port: 19091 + id }] })),
};

test('describe --status: Kafka\'s labels, lag of the slowest voter, KIP-853 voter JSON', () => {
  assert.equal(
    formatQuorumStatus('MkU3OEVBNTcwNTJENDM2Qg', threeVoters),
    'ClusterId:              MkU3OEVBNTcwNTJENDM2Qg\n' +
      'LeaderId:               2\n' +
      'LeaderEpoch:            5\n' +
      'HighWatermark:          1234\n' +
      'MaxFollowerLag:         10\n' +
      'MaxFollowerLagTimeMs:   990\n' +
      'CurrentVoters:          [{"id": 1, "directoryId": "Zm9vYmFyYmF6cXV4cXV1eA", "endpoints": ["CONTROLLER://localhost:19092"]}, {"id": 2, "directoryId": null, "endpoints": ["CONTROLLER://localhost:19093"]}, {"id": 3, "directoryId": null, "endpoints": ["CONTROLLER://localhost:19094"]}]\n' +
      'CurrentObservers:       [{"id": 4, "directoryId": null}]\n',
  );
  // Without endpoints (DescribeQuorum v0/v1) the entries have no "endpoints"; a single voter has no lag.
  const single: QuorumInfo = { leaderId: 1, leaderEpoch: 1, highWatermark: 7n, voters: [replica(1, 7n, 100n)], observers: [], nodes: [] };
  const lines = formatQuorumStatus('c', single).split('\n');
  assert.deepEqual(lines.slice(4), ['MaxFollowerLag:         0', 'MaxFollowerLagTimeMs:   0', 'CurrentVoters:          [{"id": 1, "directoryId": null}]', 'CurrentObservers:       []', '']);
  // Unknown caught-up time of the slowest voter: -1.
  const unknown = { ...threeVoters, voters: [replica(1, 1230n, -1n), replica(2, 1240n, 9990n)] };
  assert.match(formatQuorumStatus('c', unknown), /\nMaxFollowerLagTimeMs:   -1\n/);
});

test('describe --replication: leader, followers, observers; padded TAB-separated columns; --human-readable', () => {
  assert.equal(
    formatQuorumReplication(threeVoters, 10_000, false),
    'NodeId\tDirectoryId           \tLogEndOffset\tLag\tLastFetchTimestamp\tLastCaughtUpTimestamp\tStatus  \t\n' +
      '2     \tAAAAAAAAAAAAAAAAAAAAAA\t1240        \t0  \t9995              \t9990                 \tLeader  \t\n' +
      '1     \tZm9vYmFyYmF6cXV4cXV1eA\t1230        \t10 \t9005              \t9000                 \tFollower\t\n' +
      '3     \tAAAAAAAAAAAAAAAAAAAAAA\t1240        \t0  \t9985              \t9980                 \tFollower\t\n' +
      '4     \tAAAAAAAAAAAAAAAAAAAAAA\t1000        \t240\t-1                \t-1                   \tObserver\t\n',
  );
  const human = formatQuorumReplication(threeVoters, 10_000, true).split('\n');
  assert.deepEqual(human[1]!.split('\t').map((c) => c.trim()), ['2', 'AAAAAAAAAAAAAAAAAAAAAA', '1240', '0', '5 ms ago', '10 ms ago', 'Leader', '']);
  assert.deepEqual(human[4]!.split('\t').map((c) => c.trim()).slice(4, 6), ['-1', '-1']);
  assert.throws(() => formatQuorumReplication(threeVoters, 9_000, true), /possible drift in system clock\.\nCurrent timestamp is 9000, last fetch timestamp is 9995/);
});

test('argument checks: bootstrap flags, subcommand, --status/--replication combinations', () => {
  const parse = (...argv: string[]) => parseArgs(argv, metadataQuorumTool.options);
  assert.equal(commandOf(parse('--bootstrap-server', 'h:1', 'describe', '--status')), 'describe');
  assert.equal(commandOf(parse('--bootstrap-controller', 'h:1', 'describe', '--status')), 'describe');
  assert.throws(() => commandOf(parse('describe', '--status')), (e: unknown) => e instanceof UsageError && /one of the arguments --bootstrap-server --bootstrap-controller is required/.test(e.message));
  assert.throws(() => commandOf(parse('--bootstrap-server', 'h:1', '--bootstrap-controller', 'h:2', 'describe')), /not allowed with argument --bootstrap-server/);
  assert.throws(() => commandOf(parse('--bootstrap-server', 'h:1')), /too few arguments/);
  assert.throws(() => commandOf(parse('--bootstrap-server', 'h:1', 'show')), /invalid choice: 'show'/);
  assert.deepEqual(describeModeOf(parse('--replication', '--human-readable')), { mode: 'replication', humanReadable: true });
  assert.deepEqual(describeModeOf(parse('--status')), { mode: 'status', humanReadable: false });
  assert.throws(() => describeModeOf(parse('--status', '--replication')), /Only one of --status or --replication should be specified with describe sub-command/);
  assert.throws(() => describeModeOf(parse()), /One of --status or --replication must be specified with describe sub-command/);
  assert.throws(() => describeModeOf(parse('--status', '--human-readable')), /The option --human-readable is only supported along with --replication/);
});
