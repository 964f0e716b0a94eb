import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BROKER_NODE_FLAGS } from '../../src/broker/index.js';
import { nodeSpecs, parseClusterArgs, DEFAULTS } from '../../src/broker/local-cluster.js';
import { Admin } from '../../src/client/index.js';
import { brokerBinPath, freePorts, repoRoot, withTimeout } from '../helpers/broker.js';
import { samsa } from './cli-runner.js';

test('three nodes: ids, ports, listeners, one voter set and log dir per node', () => {
  const specs = nodeSpecs({ ...DEFAULTS, dataDir: '/data/c', overrides: { 'num.partitions': '4' } });
  assert.deepEqual(specs.map((s) => [s.id, s.kafkaAddress, s.controllerAddress, s.logDir]), [
    [1, 'localhost:9092', '127.0.0.1:19092', '/data/c/node-1'],
    [2, 'localhost:9093', '127.0.0.1:19093', '/data/c/node-2'],
    [3, 'localhost:9094', '127.0.0.1:19094', '/data/c/node-3'],
  ]);
  const second = specs[1]!;
  assert.deepEqual(second.config, {
    'process.roles': 'broker,controller',
    'node.id': '2',
    'controller.quorum.voters': '1@127.0.0.1:19092,2@127.0.0.1:19093,3@127.0.0.1:19094',
    listeners: 'PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:19093',
    'advertised.listeners': 'PLAINTEXT://localhost:9093',
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'log.dirs': '/data/c/node-2',
    'offsets.topic.replication.factor': '3',
    'transaction.state.log.replication.factor': '3',
    'transaction.state.log.min.isr': '2',
    'broker.session.timeout.ms': '1500',
    'broker.heartbeat.interval.ms': '300',
    'replica.lag.time.max.ms': '5000',
    'replica.fetch.backoff.ms': '200',
    'controller.quorum.fetch.timeout.ms': '1000',
    'controller.quorum.election.timeout.ms': '500',
    'num.partitions': '4',
  });
  assert.deepEqual(second.args.slice(0, 5), ['server', '--override', 'process.roles=broker,controller', '--override', 'node.id=2']);
  assert.equal(second.args.length, 1 + 2 * Object.keys(second.config).length);
  // Shifted ports; overrides beat generated settings.
  const shifted = nodeSpecs({ nodes: 2, dataDir: '/d', basePort: 29092, controllerBasePort: 39092, overrides: { 'offsets.topic.replication.factor': '1' } });
  assert.equal(shifted[1]!.config.listeners, 'PLAINTEXT://127.0.0.1:29093,CONTROLLER://127.0.0.1:39093');
  assert.equal(shifted[0]!.config['controller.quorum.voters'], '1@127.0.0.1:39092,2@127.0.0.1:39093');
  assert.equal(shifted[0]!.config['offsets.topic.replication.factor'], '1');
});

test('cluster command lines: start options, node subcommands, clear errors', () => {
  const start = parseClusterArgs(['--nodes', '5', '--base-port=30000', '--controller-base-port', '31000', '--override', 'a=b=c', '--data-dir', '/x']);
  assert.deepEqual(start, { command: 'start', options: { nodes: 5, dataDir: '/x', basePort: 30000, controllerBasePort: 31000, overrides: { a: 'b=c' } } });
  assert.equal(parseClusterArgs(['start']).command, 'start');
  assert.deepEqual(parseClusterArgs(['kill', '2', '--data-dir', '/x']), { command: 'kill', dataDir: '/x', nodeId: 2 });
  assert.deepEqual(parseClusterArgs(['down', '--data-dir', '/x']), { command: 'stop-all', dataDir: '/x' });
  assert.deepEqual(parseClusterArgs(['status', '--help']), { command: 'help' });
  assert.throws(() => parseClusterArgs(['--nodes', '0']), /Invalid --nodes '0': expected an integer from 1 to 9/);
  assert.throws(() => parseClusterArgs(['restart']), /needs one node id, e.g. `samsa cluster restart 1`/);
  assert.throws(() => parseClusterArgs(['kill', 'x']), /Invalid node id 'x'/);
  assert.throws(() => parseClusterArgs(['status', '--nodes', '3']), /--nodes applies to `samsa cluster start` only/);
  assert.throws(() => parseClusterArgs(['--base-port', '9092', '--controller-base-port', '9093']), /overlap/);
  assert.throws(() => parseClusterArgs(['frobnicate']), /Unknown cluster command 'frobnicate'/);
});

/** `samsa cluster status` as rows of cells (header first). */
async function statusRows(dataDir: string): Promise<string[][]> {
  const r = await samsa('cluster', ['status', '--data-dir', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trimEnd().split('\n').map((line) => line.split(/\s+/));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves when `text` has appeared in the child's stdout; rejects on exit or after `ms`. */
function waitForOutput(child: ChildProcess, output: () => string, text: string, ms: number): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (output().includes(text)) resolve();
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => reject(new Error(`cluster exited (code ${code}) before printing "${text}"\n${output()}`)));
      check();
    }),
    ms,
    `no "${text}" from samsa cluster\n${output()}`,
  );
}

test('one-node cluster: start, status, kill, restart keeps the topic, stop-all', { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-cluster-'));
  const [basePort, controllerBasePort] = (await freePorts('127.0.0.1', 2)) as [number, number];
  let output = '';
  const supervisor = spawn(process.execPath, [brokerBinPath, 'cluster', '--nodes', '1', '--base-port', String(basePort), '--controller-base-port', String(controllerBasePort), '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  supervisor.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  supervisor.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<number | null>((resolve) => supervisor.once('exit', (code) => resolve(code)));
  const nodePids: number[] = [];
  try {
    await waitForOutput(supervisor, () => output, `Bootstrap servers: localhost:${basePort}\n`, 30_000);
    assert.match(output, /\[node 1\] .*listening on PLAINTEXT:\/\/127\.0\.0\.1:/);
    assert.match(output, new RegExp(`samsa topics --bootstrap-server localhost:${basePort} --create --topic test_topic --partitions 8 --replication-factor 1`));
    assert.ok(existsSync(join(dataDir, 'cluster.id')) && existsSync(join(dataDir, 'node-1')));

    let rows = await statusRows(dataDir);
    assert.deepEqual(rows[0], ['Node-ID', 'Status', 'Kafka-Address', 'Controller-Address', 'PID']);
    assert.deepEqual(rows[1]!.slice(0, 4), ['1', 'running', `localhost:${basePort}`, `127.0.0.1:${controllerBasePort}`]);
    nodePids.push(Number(rows[1]![4]));
    assert.ok(isAlive(nodePids[0]!));
    // Nodes run with the broker's V8 flags (as Kafka's start script sets the JVM heap); so does npm run start:single.
    const commandLine = readFileSync(`/proc/${nodePids[0]!}/cmdline`, 'utf8').split('\0');
    for (const flag of BROKER_NODE_FLAGS) assert.ok(commandLine.includes(flag), `node started without ${flag}: ${commandLine.join(' ')}`);
    const startSingle = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['start:single']!;
    for (const flag of BROKER_NODE_FLAGS) assert.ok(startSingle.split(' ').includes(flag), `npm run start:single lacks ${flag}`);

    const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${basePort}`, 'retry.backoff.ms': 50 });
    try {
      await admin.createTopics([{ name: 'survivor', numPartitions: 2 }]);
    } finally {
      await admin.close();
    }

    let r = await samsa('cluster', ['kill', '1', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    rows = await statusRows(dataDir);
    assert.deepEqual(rows[1]!.slice(0, 2).concat(rows[1]![4]!), ['1', 'dead', '-']);
    assert.equal(isAlive(nodePids[0]!), false);

    r = await samsa('cluster', ['kill', '7', '--data-dir', dataDir]);
    assert.deepEqual([r.code, r.stderr], [1, 'Unknown node id 7: this cluster has nodes 1.\n']);

    r = await samsa('cluster', ['restart', '1', '--data-dir', dataDir], 45_000);
    assert.equal(r.code, 0, r.stderr);
    rows = await statusRows(dataDir);
    assert.equal(rows[1]![1], 'running');
    nodePids.push(Number(rows[1]![4]));
    assert.notEqual(nodePids[1], nodePids[0]);
    const again = new Admin({ 'bootstrap.servers': `localhost:${basePort}`, 'retry.backoff.ms': 50 });
    try {
      const [topic] = await again.describeTopics(['survivor']);
      assert.equal(topic!.partitions.length, 2);
    } finally {
      await again.close();
    }

    r = await samsa('cluster', ['stop-all', '--data-dir', dataDir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await withTimeout(exited, 20_000, `samsa cluster did not exit after stop-all\n${output}`), 0);
    for (const pid of nodePids) assert.equal(isAlive(pid), false, `node pid ${pid} still alive`);
    assert.equal(existsSync(join(dataDir, 'cluster.json')), false);
    r = await samsa('cluster', ['status', '--data-dir', dataDir]);
    assert.deepEqual([r.code, r.stderr], [1, `No local cluster is running (no ${join(dataDir, 'cluster.json')}). Start one with \`samsa cluster\`.\n`]);
  } catch (err) {
    (err as Error).message += `\n--- samsa cluster output ---\n${output.slice(-8000)}`;
    throw err;
  } finally {
    if (supervisor.exitCode === null && supervisor.signalCode === null) {
      supervisor.kill('SIGTERM');
      await withTimeout(exited, 20_000, 'supervisor did not stop').catch(() => supervisor.kill('SIGKILL'));
    }
    for (const pid of nodePids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    assert.equal(existsSync(dataDir), false);
  }
});
