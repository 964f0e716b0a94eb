import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freePorts, repoRoot, startBroker, type BrokerHandle } from '../helpers/broker.js';
import { kafka, runScript, samsa } from './cli-runner.js';

const WARNING =
  "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.\n";
let broker: BrokerHandle;
let bs: string[];

before(async () => {
  // log.segment.bytes as in the stock server.properties: it shows up in Configs: as a static broker override.
  broker = await startBroker({ overrides: { 'log.segment.bytes': '1073741824' } });
  bs = ['--bootstrap-server', broker.bootstrap];
});

after(async () => {
  await broker?.cleanup();
});

test('create (--if-not-exists), describe with 8 partition lines, and Kafka\'s error texts', async () => {
  const create = ['--create', '--topic', 'test_topic', ...bs, '--partitions', '8', '--replication-factor', '1', '--if-not-exists'];
  let r = await samsa('topics', create);
  assert.equal(r.code, 0, r.stderr);
  // Kafka's Topic.hasCollisionChars: a '.' or a '_' (either) triggers the warning.
  assert.equal(r.stdout, `${WARNING}Created topic test_topic.\n`);

  r = await samsa('topics', create);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, WARNING, 'an existing topic with --if-not-exists is not an error and prints no Created line');

  r = await samsa('topics', ['--create', '--topic', 'test_topic', ...bs, '--partitions', '8']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Error while executing topic command : Topic 'test_topic' already exists.\n");

  r = await samsa('topics', ['--describe', '--topic', 'test_topic', ...bs]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines.pop(), '', 'output ends with a newline');
  assert.equal(lines.length, 9, r.stdout);
  assert.match(lines[0]!, /^Topic: test_topic\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 8\tReplicationFactor: 1\tConfigs: segment\.bytes=1073741824$/);
  for (let p = 0; p < 8; p++) {
    assert.equal(lines[p + 1], `\tTopic: test_topic\tPartition: ${p}\tLeader: 1\tReplicas: 1\tIsr: 1\tElr: N/A\tLastKnownElr: N/A`);
  }

  r = await samsa('topics', ['--create', '--topic', 'rf3', ...bs, '--partitions', '1', '--replication-factor', '3']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, 'Error while executing topic command : Replication factor: 3 larger than available brokers: 1.\n');

  r = await samsa('topics', ['--describe', '--topic', 'x', ...bs]);
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "Error while executing topic command : Topic 'x' does not exist as expected\n");
  r = await samsa('topics', ['--describe', '--topic', 'x', '--if-exists', ...bs]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
});

test('list is sorted, --topic is a Java regex, alter adds partitions, delete removes, filters select partitions', async () => {
  for (const name of ['zeta', 'alpha', 'beta-1', 'beta-2']) {
    const r = await samsa('topics', ['--create', '--topic', name, ...bs, '--config', 'retention.ms=60000', '--config', 'cleanup.policy=delete']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Created topic ${name}.\n`, 'no warning without . or _');
  }
  let r = await samsa('topics', ['--list', ...bs, '--exclude-internal']);
  assert.equal(r.code, 0, r.stderr);
  const listed = r.stdout.split('\n').filter((l) => l !== '');
  assert.deepEqual(listed.filter((t) => ['zeta', 'alpha', 'beta-1', 'beta-2'].includes(t)), ['alpha', 'beta-1', 'beta-2', 'zeta']);
  assert.deepEqual(listed, [...listed].sort());

  r = await samsa('topics', ['--list', '--topic', 'beta-\\d', ...bs]);
  assert.equal(r.stdout, 'beta-1\nbeta-2\n');
  r = await samsa('topics', ['--list', '--topic', 'alpha,zeta', ...bs]);
  assert.equal(r.stdout, 'alpha\nzeta\n', 'commas separate alternatives as in Kafka\'s IncludeList');
  r = await samsa('topics', ['--list', '--topic', 'nothing-matches', ...bs]);
  assert.deepEqual([r.code, r.stdout], [0, '\n'], 'Kafka prints one empty line for an empty list');

  r = await samsa('topics', ['--describe', '--topic', 'alpha', ...bs, '--topics-with-overrides']);
  assert.match(r.stdout, /^Topic: alpha\tTopicId: \S+\tPartitionCount: 1\tReplicationFactor: 1\tConfigs: (cleanup\.policy=delete,)?retention\.ms=60000,segment\.bytes=1073741824\n$/);

  r = await samsa('topics', ['--alter', '--topic', 'beta-.*', '--partitions', '3', ...bs]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  r = await samsa('topics', ['--describe', '--topic', 'beta-.*', ...bs]);
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('\tTopic: beta-')).length, 6);
  assert.equal(r.stdout.split('\n').filter((l) => l.startsWith('Topic: beta-')).length, 2);

  r = await samsa('topics', ['--alter', '--topic', 'beta-1', '--partitions', '2', ...bs]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Error while executing topic command : Topic currently has 3 partitions, which is higher than the requested 2\.\n$/);

  // Report filters: a healthy single-broker topic is at min ISR (1) and under nothing.
  r = await samsa('topics', ['--describe', '--topic', 'beta-1', '--under-replicated-partitions', ...bs]);
  assert.deepEqual([r.code, r.stdout], [0, '']);
  r = await samsa('topics', ['--describe', '--topic', 'beta-1', '--at-min-isr-partitions', ...bs]);
  assert.equal(r.stdout.split('\n').filter((l) => l !== '').length, 3, 'three partition lines and no topic line');
  assert.ok(r.stdout.startsWith('\tTopic: beta-1\tPartition: 0\t'));

  r = await samsa('topics', ['--delete', '--topic', 'beta-.*', ...bs]);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', '']);
  r = await samsa('topics', ['--list', '--topic', 'beta.*', ...bs]);
  assert.equal(r.stdout, '\n');
  r = await samsa('topics', ['--delete', '--topic', 'beta-1', ...bs]);
  assert.equal(r.stderr, "Error while executing topic command : Topic 'beta-1' does not exist as expected\n");
  r = await samsa('topics', ['--delete', '--topic', 'beta-1', '--if-exists', ...bs]);
  assert.equal(r.code, 0);
});

test('kafka-topics.sh (a symlink to bin/kafka.js) and kafka-topics run the same tool', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'samsa-cli-'));
  try {
    const link = join(dir, 'kafka-topics.sh');
    await symlink(join(repoRoot, 'bin', 'kafka.js'), link);
    let r = await runScript(link, ['--bootstrap-server', broker.bootstrap, '--create', '--topic', 'via-sh', '--partitions', '2']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Created topic via-sh.\n', '']);
    r = await kafka('topics', ['--bootstrap-server', broker.bootstrap, '--describe', '--topic', 'via-sh']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n').length, 4);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('usage errors print the option table and exit 1; --help exits 0', async () => {
  let r = await samsa('topics', ['--list', '--create', ...bs]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Command must include exactly one action: --list, --describe, --create, --alter or --delete\nOption +Description\n/);
  r = await samsa('topics', ['--list', '--bogus', ...bs]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^--bogus is not a recognized option\n/);
  r = await samsa('topics', ['--create', '--partitions', '1', ...bs]);
  assert.match(r.stderr, /^Missing required argument "\[topic\]"\n/);
  r = await samsa('topics', ['--list', '--partitions', '2', ...bs]);
  assert.match(r.stderr, /^Option "\[partitions\]" can't be used with option "\[list\]"\n/);
  r = await samsa('topics', ['--create', '--topic', 'x', '--partitions', 'two', ...bs]);
  assert.match(r.stderr, /^Cannot parse argument 'two' of option partitions\n/);
  r = await samsa('topics', ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--bootstrap-server <String: server to connect to> +REQUIRED: The Kafka server to connect to\./);
});

test('an unreachable broker fails at once with the address tried', async () => {
  const [port] = await freePorts('127.0.0.1', 1);
  const started = Date.now();
  const r = await samsa('topics', ['--list', '--bootstrap-server', `127.0.0.1:${port}`], 20_000);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^Error while executing topic command : .*127\\.0\\.0\\.1:${port}.*\\n$`));
  assert.ok(Date.now() - started < 15_000);
});
