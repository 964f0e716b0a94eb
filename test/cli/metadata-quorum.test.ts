import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startBroker, type BrokerHandle } from '../helpers/broker.js';
import { kafka, samsa } from './cli-runner.js';

let broker: BrokerHandle;

before(async () => {
  broker = await startBroker();
});

after(async () => {
  await broker?.cleanup();
});

/** `Label:   value` lines of describe --status as a map. */
function statusFields(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of stdout.trimEnd().split('\n')) {
    assert.match(line, /^[A-Za-z]+: +\S/, line);
    assert.equal(line.indexOf(line.slice(24)), 24, `value starts at column 24: ${JSON.stringify(line)}`);
    out.set(line.slice(0, line.indexOf(':')), line.slice(24));
  }
  return out;
}

test('describe --status of a single node names it leader and sole voter, with its controller endpoint', async () => {
  const r = await kafka('metadata-quorum', ['--bootstrap-server', broker.bootstrap, 'describe', '--status']);
  assert.equal(r.code, 0, r.stderr);
  const fields = statusFields(r.stdout);
  assert.deepEqual([...fields.keys()], ['ClusterId', 'LeaderId', 'LeaderEpoch', 'HighWatermark', 'MaxFollowerLag', 'MaxFollowerLagTimeMs', 'CurrentVoters', 'CurrentObservers']);
  assert.match(fields.get('ClusterId')!, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(fields.get('LeaderId'), '1');
  assert.ok(Number(fields.get('LeaderEpoch')) >= 1);
  assert.ok(Number(fields.get('HighWatermark')) > 0);
  assert.equal(fields.get('MaxFollowerLag'), '0');
  assert.equal(fields.get('MaxFollowerLagTimeMs'), '0');
  assert.deepEqual(JSON.parse(fields.get('CurrentVoters')!), [{ id: 1, directoryId: null, endpoints: [`CONTROLLER://${broker.host}:${broker.controllerPort}`] }]);
  assert.deepEqual(JSON.parse(fields.get('CurrentObservers')!), []);
});

test('describe --replication [--human-readable] prints the leader row; usage errors exit 1', async () => {
  let r = await samsa('metadata-quorum', ['--bootstrap-server', broker.bootstrap, 'describe', '--replication']);
  assert.equal(r.code, 0, r.stderr);
  const [header, leader, ...rest] = r.stdout.trimEnd().split('\n').map((l) => l.split('\t').map((c) => c.trim()));
  assert.deepEqual(header, ['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status', '']);
  assert.deepEqual([leader![0], leader![3], leader![6]], ['1', '0', 'Leader']);
  assert.deepEqual(rest, []);
  r = await samsa('metadata-quorum', ['--bootstrap-server', broker.bootstrap, 'describe', '--replication', '--human-readable']);
  assert.equal(r.code, 0, r.stderr);
  const cells = r.stdout.split('\n')[1]!.split('\t').map((c) => c.trim());
  for (const cell of cells.slice(4, 6)) assert.match(cell, /^(\d+ ms ago|-1)$/);

  r = await samsa('metadata-quorum', ['--bootstrap-server', broker.bootstrap, 'describe']);
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', 'One of --status or --replication must be specified with describe sub-command\n']);
  r = await samsa('metadata-quorum', ['describe', '--status']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^one of the arguments --bootstrap-server --bootstrap-controller is required\nOption/);
  r = await samsa('metadata-quorum', ['--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--bootstrap-controller/);
});
