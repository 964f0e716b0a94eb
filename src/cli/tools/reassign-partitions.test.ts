import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from '../args.js';
import {
  actionOf,
  assignReplicasToBrokers,
  formatGenerate,
  formatOngoing,
  formatReassignmentJson,
  formatVerify,
  parseBrokerList,
  parseReassignmentJson,
  parseTopicsToMoveJson,
  proposeAssignment,
  reassignPartitionsTool,
} from './reassign-partitions.js';

const parse = (...argv: string[]) => parseArgs(argv, reassignPartitionsTool.options);

test('AdminUtils round-robin: Kafka\'s 5 brokers x 10 partitions example, shifts and errors', () => {
  const a = assignReplicasToBrokers(10, 3, [4, 3, 2, 1, 0], 0, 0);
  assert.deepEqual(a.slice(0, 5), [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 0], [4, 0, 1]]);
  assert.deepEqual(a.slice(5), [[0, 2, 3], [1, 3, 4], [2, 4, 0], [3, 0, 1], [4, 1, 2]]);
  // Leaders spread evenly; no partition repeats a broker.
  for (const replicas of a) assert.equal(new Set(replicas).size, 3);
  assert.deepEqual(assignReplicasToBrokers(3, 2, [1, 2, 3], 1, 0), [[2, 3], [3, 1], [1, 2]]);
  assert.deepEqual(assignReplicasToBrokers(2, 1, [7], 0, 0), [[7], [7]]);
  assert.throws(() => assignReplicasToBrokers(1, 3, [1, 2], 0, 0), /Replication factor: 3 larger than available brokers: 2\./);
});

test('--generate: current and proposed JSON, replication factor kept per topic', () => {
  const current = [
    { topic: 'foo', partition: 1, replicas: [1, 2] },
    { topic: 'foo', partition: 0, replicas: [2, 1] },
    { topic: 'bar', partition: 0, replicas: [1] },
  ];
  const proposed = proposeAssignment(current, [2, 3], () => 0);
  assert.deepEqual(proposed, [
    { topic: 'foo', partition: 0, replicas: [2, 3] },
    { topic: 'foo', partition: 1, replicas: [3, 2] },
    { topic: 'bar', partition: 0, replicas: [2] },
  ]);
  assert.equal(
    formatGenerate(current, proposed),
    'Current partition replica assignment\n' +
      '{"version":1,"partitions":[{"topic":"bar","partition":0,"replicas":[1],"log_dirs":["any"]},{"topic":"foo","partition":0,"replicas":[2,1],"log_dirs":["any","any"]},{"topic":"foo","partition":1,"replicas":[1,2],"log_dirs":["any","any"]}]}\n' +
      '\n' +
      'Proposed partition reassignment configuration\n' +
      '{"version":1,"partitions":[{"topic":"bar","partition":0,"replicas":[2],"log_dirs":["any"]},{"topic":"foo","partition":0,"replicas":[2,3],"log_dirs":["any","any"]},{"topic":"foo","partition":1,"replicas":[3,2],"log_dirs":["any","any"]}]}\n',
  );
});

test('input files: topics to move, broker list, reassignment JSON round trip and checks', () => {
  assert.deepEqual(parseTopicsToMoveJson('{"topics":[{"topic":"foo"},{"topic":"bar"}],"version":1}'), ['foo', 'bar']);
  assert.throws(() => parseTopicsToMoveJson('{"topics":[{"topic":"foo"},{"topic":"foo"}]}'), /duplicate entries: foo/);
  assert.deepEqual(parseBrokerList('1, 2,3'), [1, 2, 3]);
  assert.throws(() => parseBrokerList('1,x'), /Invalid broker list/);
  assert.throws(() => parseBrokerList('1,1'), /Duplicate brokers in broker list: 1/);
  const json = formatReassignmentJson([{ topic: 'foo', partition: 0, replicas: [1, 2] }]);
  assert.equal(json, '{"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}');
  assert.deepEqual(parseReassignmentJson(json), [{ topic: 'foo', partition: 0, replicas: [1, 2] }]);
  assert.deepEqual(parseReassignmentJson('{"partitions":[{"topic":"foo","partition":3,"replicas":[3]}]}'), [{ topic: 'foo', partition: 3, replicas: [3] }]);
  assert.throws(() => parseReassignmentJson('{"version":1,"partitions":[]}'), /Partition reassignment list cannot be empty/);
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"f","partition":0,"replicas":[1,1]}]}'), /may not contain duplicate entries: f-0/);
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"f","partition":0,"replicas":[1]},{"topic":"f","partition":0,"replicas":[2]}]}'), /duplicate topic partitions: f-0/);
  assert.throws(() => parseReassignmentJson('{"partitions":[{"topic":"f","partition":0,"replicas":[1,2],"log_dirs":["any"]}]}'), /different from size of log dirs/);
  assert.throws(() => parseReassignmentJson('{"version":2,"partitions":[]}'), /Not supported version field value 2/);
});

test('actions: exactly one, with the files each needs', () => {
  assert.equal(actionOf(parse('--bootstrap-server', 'h:1', '--list')), 'list');
  assert.equal(actionOf(parse('--bootstrap-server', 'h:1', '--verify', '--reassignment-json-file', 'f')), 'verify');
  assert.equal(actionOf(parse('--bootstrap-server', 'h:1', '--generate', '--topics-to-move-json-file', 'f', '--broker-list', '1,2')), 'generate');
  const usage = (argv: string[], message: RegExp) => assert.throws(() => actionOf(parse(...argv)), (e: unknown) => e instanceof UsageError && message.test(e.message));
  usage(['--bootstrap-server', 'h:1'], /exactly one action: --generate, --execute, --verify, --cancel, --list/);
  usage(['--bootstrap-server', 'h:1', '--list', '--verify'], /exactly one action/);
  usage(['--list'], /Please specify --bootstrap-server/);
  usage(['--bootstrap-server', 'h:1', '--execute'], /Missing required argument "\[reassignment-json-file\]"/);
  usage(['--bootstrap-server', 'h:1', '--generate', '--topics-to-move-json-file', 'f'], /Missing required argument "\[broker-list\]"/);
});

test('--verify and --list lines', () => {
  const proposal = [{ topic: 'foo', partition: 0, replicas: [1, 2] }, { topic: 'foo', partition: 1, replicas: [2, 3] }, { topic: 'foo', partition: 2, replicas: [3] }];
  const current = [{ topic: 'foo', partition: 0, replicas: [1, 2] }, { topic: 'foo', partition: 1, replicas: [1, 2, 3] }, { topic: 'foo', partition: 2, replicas: [1] }];
  assert.equal(
    formatVerify(proposal, current, [{ topic: 'foo', partition: 1 }]),
    'Status of partition reassignment:\n' +
      'Reassignment of partition foo-0 is completed.\n' +
      'Reassignment of partition foo-1 is still in progress.\n' +
      'There is no active reassignment of partition foo-2, but replica set is [1] rather than [3].\n',
  );
  assert.equal(formatOngoing([]), 'No partition reassignments found.\n');
  assert.equal(
    formatOngoing([{ topic: 'foo', partition: 1, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }]),
    'Current partition reassignments:\nfoo-1: replicas: 1,2,3. adding: 3. removing: 1.\n',
  );
});
