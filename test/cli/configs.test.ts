import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../helpers/broker.js';
import { kafka, samsa } from './cli-runner.js';

let broker: BrokerHandle;
let bs: string[];

before(async () => {
  broker = await startBroker();
  bs = ['--bootstrap-server', broker.bootstrap];
  const r = await samsa('topics', ['--create', '--topic', 'cfg', ...bs]);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await broker?.cleanup();
});

test('--alter --add-config then --describe shows the dynamic config with its synonyms', async () => {
  let r = await samsa('configs', [...bs, '--entity-type', 'topics', '--entity-name', 'cfg', '--alter', '--add-config', 'retention.ms=60000']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'Completed updating config for topic cfg.\n', '']);
  r = await samsa('configs', [...bs, '--entity-type', 'topics', '--entity-name', 'cfg', '--describe']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'Dynamic configs for topic cfg are:\n  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}\n');

  // Brackets group values with commas; the --topic shorthand; entries sorted by name.
  r = await kafka('configs', [...bs, '--topic', 'cfg', '--alter', '--add-config', 'cleanup.policy=[compact,delete],max.message.bytes=2000']);
  assert.equal(r.code, 0, r.stderr);
  r = await samsa('configs', [...bs, '--topic', 'cfg', '--describe']);
  assert.equal(
    r.stdout,
    'Dynamic configs for topic cfg are:\n' +
      '  cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}\n' +
      '  max.message.bytes=2000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:max.message.bytes=2000, DEFAULT_CONFIG:message.max.bytes=1048588}\n' +
      '  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}\n',
  );

  r = await samsa('configs', [...bs, '--topic', 'cfg', '--alter', '--delete-config', 'cleanup.policy,max.message.bytes']);
  assert.deepEqual([r.code, r.stdout], [0, 'Completed updating config for topic cfg.\n']);
  r = await samsa('configs', [...bs, '--topic', 'cfg', '--alter', '--delete-config', 'cleanup.policy']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'Invalid config(s): cleanup.policy\n']);

  r = await samsa('configs', [...bs, '--topic', 'cfg', '--describe', '--all']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.equal(lines[0], 'All configs for topic cfg are:');
  assert.ok(lines.includes('  cleanup.policy=delete sensitive=false synonyms={DEFAULT_CONFIG:log.cleanup.policy=delete}'), r.stdout);
  assert.ok(lines.includes('  retention.ms=60000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=60000}'));
});

test('brokers: describe works, dynamic changes are refused with the broker\'s message; bad input is reported', async () => {
  let r = await samsa('configs', [...bs, '--entity-type', 'brokers', '--entity-name', '1', '--describe']);
  assert.deepEqual([r.code, r.stdout], [0, 'Dynamic configs for broker 1 are:\n']);
  r = await samsa('configs', [...bs, '--entity-type', 'brokers', '--describe']);
  assert.equal(r.stdout, 'Dynamic configs for broker 1 are:\nDefault configs for brokers in the cluster are:\n');
  r = await samsa('configs', [...bs, '--broker', '1', '--describe', '--all']);
  assert.match(r.stdout, /^All configs for broker 1 are:\n/);
  assert.match(r.stdout, /\n  log\.segment\.bytes=\d+ sensitive=false synonyms=\{[^\n]*\}\n/);

  r = await samsa('configs', [...bs, '--broker', '1', '--alter', '--add-config', 'log.retention.ms=1000']);
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    `Error while executing config command with args '--bootstrap-server ${broker.bootstrap} --broker 1 --alter --add-config log.retention.ms=1000'\n` +
      'org.apache.kafka.common.errors.InvalidRequestException: Samsa does not support dynamic broker configs yet: set them in server.properties or with --override and restart.\n',
  );

  r = await samsa('configs', [...bs, '--topic', 'missing', '--describe']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /\norg\.apache\.kafka\.common\.errors\.UnknownTopicOrPartitionException: Topic 'missing' does not exist\.\n$/);
  r = await samsa('configs', [...bs, '--topic', 'cfg', '--alter', '--add-config', 'retention.ms']);
  assert.deepEqual([r.code, r.stderr], [1, 'requirement failed: Invalid entity config: all configs to be added must be in the format "key=val" or "key=[val1,val2]".\n']);
  r = await samsa('configs', [...bs, '--topic', 'cfg']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^Command must include exactly one action: --describe, --alter\n/);
});
