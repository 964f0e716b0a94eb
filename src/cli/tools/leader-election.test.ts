import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KafkaError } from '../../client/index.js';
import { parseArgs, UsageError } from '../args.js';
import { electionRequestOf, formatElectionResults, leaderElectionTool, parseElectionJson } from './leader-election.js';

const parse = (...argv: string[]) => parseArgs(argv, leaderElectionTool.options);
const noFile = (): string => {
  throw new Error('no such file');
};

test('options: election type in either case, one partition source, --topic needs --partition', () => {
  assert.deepEqual(electionRequestOf(parse('--bootstrap-server', 'h:1', '--election-type', 'PREFERRED', '--topic', 'foo', '--partition', '1'), noFile), { type: 'preferred', partitions: [{ topic: 'foo', partition: 1 }] });
  assert.deepEqual(electionRequestOf(parse('--bootstrap-server', 'h:1', '--election-type', 'unclean', '--all-topic-partitions'), noFile), { type: 'unclean', partitions: null });
  const fromFile = electionRequestOf(parse('--bootstrap-server', 'h:1', '--election-type', 'preferred', '--path-to-json-file', 'f.json'), () => '{"partitions":[{"topic":"foo","partition":1},{"topic":"bar","partition":0}]}');
  assert.deepEqual(fromFile.partitions, [{ topic: 'foo', partition: 1 }, { topic: 'bar', partition: 0 }]);
  const usage = (argv: string[], message: RegExp) => assert.throws(() => electionRequestOf(parse(...argv), noFile), (e: unknown) => e instanceof UsageError && message.test(e.message));
  usage(['--election-type', 'preferred', '--all-topic-partitions'], /Missing required option\(s\) \[bootstrap-server\]/);
  usage(['--bootstrap-server', 'h:1', '--all-topic-partitions'], /Missing required option\(s\) \[election-type\]/);
  usage(['--bootstrap-server', 'h:1', '--election-type', 'dirty', '--all-topic-partitions'], /election-type/);
  usage(['--bootstrap-server', 'h:1', '--election-type', 'preferred'], /One and only one of the following options is required/);
  usage(['--bootstrap-server', 'h:1', '--election-type', 'preferred', '--all-topic-partitions', '--topic', 'foo', '--partition', '0'], /One and only one/);
  usage(['--bootstrap-server', 'h:1', '--election-type', 'preferred', '--topic', 'foo'], /Missing required option\(s\) \[partition\]/);
  usage(['--bootstrap-server', 'h:1', '--election-type', 'preferred', '--all-topic-partitions', '--partition', '0'], /partition requires option topic/);
  usage(['--bootstrap-server', 'h:1', '--election-type', 'preferred', '--path-to-json-file', 'missing.json'], /Cannot read missing\.json/);
});

test('the JSON file: partitions list, duplicates refused', () => {
  assert.deepEqual(parseElectionJson('{"partitions": []}'), []);
  assert.throws(() => parseElectionJson('{"partitions":[{"topic":"a","partition":0},{"topic":"a","partition":0}]}'), /Replica election data contains duplicate partitions: a-0/);
  assert.throws(() => parseElectionJson('{}'), /missing "partitions"/);
  assert.throws(() => parseElectionJson('{"partitions":[{"topic":"a"}]}'), /Invalid partition/);
  assert.throws(() => parseElectionJson('not json'), /Error parsing the JSON file/);
});

test('result lines: elected, already elected, errors counted', () => {
  const ok = formatElectionResults('preferred', [
    { topic: 'foo', partition: 0, error: null },
    { topic: 'foo', partition: 1, error: null },
    { topic: 'bar', partition: 0, error: new KafkaError(84, 'not needed') },
  ]);
  assert.deepEqual(ok, { stdout: 'Successfully completed leader election (PREFERRED) for partitions foo-0, foo-1\nValid replica already elected for partitions bar-0\n', failed: 0 });
  const bad = formatElectionResults('unclean', [{ topic: 'foo', partition: 2, error: new KafkaError(83, 'Cannot elect a leader for foo-2') }, { topic: 'foo', partition: 3, error: new KafkaError(3, 'x') }]);
  assert.equal(bad.failed, 2);
  assert.equal(
    bad.stdout,
    'Error completing leader election (UNCLEAN) for partition: foo-2: Cannot elect a leader for foo-2\n' +
      'Error completing leader election (UNCLEAN) for partition: foo-3: org.apache.kafka.common.errors.UnknownTopicOrPartitionException: This server does not host this topic-partition.\n',
  );
});
