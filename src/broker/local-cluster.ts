/**
 * `samsa cluster`: a local cluster of N combined (broker + controller) nodes in one command, each
 * a separate `node bin/samsa.js server --override ...` process, run in the foreground by a
 * supervisor that prefixes their output with `[node N]`. The supervisor serves a loopback HTTP
 * control port, recorded with the node pids in `<data-dir>/cluster.json`, which the
 * `samsa cluster status|stop|kill|restart|start-node|stop-all` subcommands talk to.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from './node-flags.js';

/** Options of `samsa cluster start`. */
export interface LocalClusterOptions {
  nodes: number;
  dataDir: string;
  /** PLAINTEXT port of node 1; node N listens on basePort + N - 1. */
  basePort: number;
  /** CONTROLLER port of node 1; node N listens on controllerBasePort + N - 1. */
  controllerBasePort: number;
  /** Extra `k=v` broker settings for every node; they win over the generated ones. */
  overrides: Record<string, string>;
}

/** One node of the local cluster: its ports, log dir and `samsa server` arguments. */
export interface NodeSpec {
  id: number;
  kafkaPort: number;
  controllerPort: number;
  /** Where clients reach it (the advertised listener). */
  kafkaAddress: string;
  controllerAddress: string;
  logDir: string;
  /** Every broker setting passed as --override, in order. */
  config: Record<string, string>;
  /** Arguments after `node bin/samsa.js`. */
  args: string[];
}

/** A node's state as the supervisor reports it. */
export type NodeStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'dead';

/** What `<data-dir>/cluster.json` and the status endpoint hold. */
export interface ClusterState {
  supervisorPid: number;
  controlPort: number;
  clusterId: string;
  dataDir: string;
  bootstrapServers: string;
  nodes: { id: number; status: NodeStatus; pid: number | null; kafkaAddress: string; controllerAddress: string; exit: string | null }[];
}

export const DEFAULTS: LocalClusterOptions = { nodes: 3, dataDir: join('data', 'cluster'), basePort: 9092, controllerBasePort: 19092, overrides: {} };
/** Most nodes one command starts (ports and memory add up). */
const MAX_NODES = 9;
const STOP_TIMEOUT_MS = 10_000;
const READY_TIMEOUT_MS = 30_000;
/**
 * Timing suited to a cluster on one machine, where a dead node is found by its missed heartbeats
 * within about a second and a half instead of Kafka's 9 s (`--override` changes any of them).
 */
export const LOCAL_FAILOVER_SETTINGS: Readonly<Record<string, string>> = {
  'broker.session.timeout.ms': '1500',
  'broker.heartbeat.interval.ms': '300',
  'replica.lag.time.max.ms': '5000',
  'replica.fetch.backoff.ms': '200',
  'controller.quorum.fetch.timeout.ms': '1000',
  'controller.quorum.election.timeout.ms': '500',
};

const CONTROL_TIMEOUT_MS = 45_000;
/** Longest partial output line kept per stream before it is printed anyway. */
const MAX_LINE_CHARS = 64 * 1024;

const USAGE = `Usage: samsa cluster [start] [options]          run a local cluster in the foreground (Ctrl-C stops it)
       samsa cluster status [--data-dir DIR]      list the nodes: id, status, addresses, pid
       samsa cluster stop <id>                    stop one node (SIGTERM)
       samsa cluster kill <id>                    kill one node (SIGKILL, a crash)
       samsa cluster restart <id>                 stop a node if running, then start it with the same config
       samsa cluster start-node <id>              start a stopped or killed node
       samsa cluster stop-all | down              stop every node and the supervisor

Runs N combined broker+controller nodes (process.roles=broker,controller), each a separate
\`samsa server\` process with node.id=1..N, one metadata quorum of N voters, one cluster id (kept
in <data-dir>/cluster.id) and log dirs <data-dir>/node-<id>. Node N listens on
PLAINTEXT://127.0.0.1:<base-port + N - 1> (advertised as localhost) and
CONTROLLER://127.0.0.1:<controller-base-port + N - 1>.

Options (start):
  --nodes N                    number of nodes, 1-${MAX_NODES} (default 3)
  --data-dir DIR               cluster.id, cluster.json and node-<id> log dirs (default data/cluster)
  --base-port P                PLAINTEXT port of node 1 (default 9092)
  --controller-base-port P     CONTROLLER port of node 1 (default 19092)
  --override k=v               any broker setting for every node; repeatable
Options (other subcommands):
  --data-dir DIR               the cluster to control (default data/cluster)

Failure detection is tuned for one machine: ${Object.entries(LOCAL_FAILOVER_SETTINGS).map(([k, v]) => `${k}=${v}`).join(', ')}.

The supervisor listens on a loopback HTTP port written to <data-dir>/cluster.json with the node
pids; the subcommands use it. For one node without a supervisor, use \`samsa server\`.`;

/** The broker settings and command line of every node (pure: no IO). */
export function nodeSpecs(options: LocalClusterOptions): NodeSpec[] {
  const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
  const controllerPort = (id: number) => options.controllerBasePort + id - 1;
  const voters = ids.map((id) => `${id}@127.0.0.1:${controllerPort(id)}`).join(',');
  const replication = String(Math.min(3, options.nodes));
  return ids.map((id) => {
    const kafkaPort = options.basePort + id - 1;
    const logDir = join(options.dataDir, `node-${id}`);
    const config: Record<string, string> = {
      'process.roles': 'broker,controller',
      'node.id': String(id),
      'controller.quorum.voters': voters,
      listeners: `PLAINTEXT://127.0.0.1:${kafkaPort},CONTROLLER://127.0.0.1:${controllerPort(id)}`,
      'advertised.listeners': `PLAINTEXT://localhost:${kafkaPort}`,
      'controller.listener.names': 'CONTROLLER',
      'inter.broker.listener.name': 'PLAINTEXT',
      'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'log.dirs': logDir,
      'offsets.topic.replication.factor': replication,
      'transaction.state.log.replication.factor': replication,
      'transaction.state.log.min.isr': String(Math.min(2, options.nodes)),
      ...LOCAL_FAILOVER_SETTINGS,
      ...options.overrides,
    };
    const args = ['server', ...Object.entries(config).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
    return { id, kafkaPort, controllerPort: controllerPort(id), kafkaAddress: `localhost:${kafkaPort}`, controllerAddress: `127.0.0.1:${controllerPort(id)}`, logDir, config, args };
  });
}

/** A parsed `samsa cluster ...` command line. */
export type ClusterCommand =
  | { command: 'help' }
  | { command: 'start'; options: LocalClusterOptions }
  | { command: 'status' | 'stop-all'; dataDir: string }
  | { command: 'stop' | 'kill' | 'restart' | 'start-node'; dataDir: string; nodeId: number };

const NODE_COMMANDS = new Set(['stop', 'kill', 'restart', 'start-node']);

/** Parses `samsa cluster` arguments; throws an Error whose message says what is wrong. */
export function parseClusterArgs(argv: readonly string[]): ClusterCommand {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { command: 'help' };
  const positional: string[] = [];
  const options: LocalClusterOptions = { ...DEFAULTS, overrides: {} };
  const seen = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new Error(`Option ${flag} needs a value.`);
      return v;
    };
    seen.add(flag);
    if (flag === '--nodes') options.nodes = intOption(flag, value(), 1, MAX_NODES);
    else if (flag === '--data-dir') options.dataDir = value();
    else if (flag === '--base-port') options.basePort = intOption(flag, value(), 1, 65535);
    else if (flag === '--controller-base-port') options.controllerBasePort = intOption(flag, value(), 1, 65535);
    else if (flag === '--override') {
      const kv = value();
      const at = kv.indexOf('=');
      if (at <= 0) throw new Error(`Invalid --override '${kv}': expected key=value.`);
      options.overrides[kv.slice(0, at).trim()] = kv.slice(at + 1);
    } else throw new Error(`Unknown option '${arg}'.`);
  }
  options.dataDir = resolve(options.dataDir);
  const [command = 'start', ...rest] = positional;
  if (command === 'start') {
    if (rest.length > 0) throw new Error(`Unexpected argument '${rest[0]}'.`);
    const last = options.basePort + options.nodes - 1;
    if (last > 65535 || options.controllerBasePort + options.nodes - 1 > 65535) throw new Error(`Ports run past 65535 with ${options.nodes} nodes.`);
    const overlap = options.controllerBasePort <= last && options.basePort <= options.controllerBasePort + options.nodes - 1;
    if (overlap) throw new Error(`--base-port ${options.basePort} and --controller-base-port ${options.controllerBasePort} overlap for ${options.nodes} nodes.`);
    return { command: 'start', options };
  }
  const startOnly = [...seen].filter((f) => f !== '--data-dir');
  if (startOnly.length > 0) throw new Error(`Option ${startOnly[0]} applies to \`samsa cluster start\` only.`);
  if (command === 'status' || command === 'stop-all' || command === 'down') {
    if (rest.length > 0) throw new Error(`Unexpected argument '${rest[0]}'.`);
    return { command: command === 'down' ? 'stop-all' : command, dataDir: options.dataDir };
  }
  if (NODE_COMMANDS.has(command)) {
    if (rest.length !== 1) throw new Error(`\`samsa cluster ${command}\` needs one node id, e.g. \`samsa cluster ${command} 1\`.`);
    return { command: command as 'stop', dataDir: options.dataDir, nodeId: intOption('node id', rest[0]!, 1, Number.MAX_SAFE_INTEGER) };
  }
  throw new Error(`Unknown cluster command '${command}'.`);
}

function intOption(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) throw new Error(`Invalid ${name} '${raw}': expected an integer from ${min} to ${max}.`);
  return n;
}

/** Entry of `samsa cluster ...`; resolves to the exit code (start: when the cluster has stopped). */
export async function runCluster(argv: readonly string[]): Promise<number> {
  let parsed: ClusterCommand;
  try {
    parsed = parseClusterArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 1;
  }
  if (parsed.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    if (parsed.command === 'start') return await new Supervisor(parsed.options).run();
    const state = runningCluster(parsed.dataDir);
    if (parsed.command === 'status') {
      const now = await control(state, 'GET', '/status');
      process.stdout.write(formatStatus(now));
      return 0;
    }
    const path = 'nodeId' in parsed ? `/nodes/${parsed.nodeId}/${parsed.command}` : '/shutdown';
    const after = await control(state, 'POST', path);
    if (parsed.command === 'stop-all') process.stdout.write(`Stopping every node of the cluster in ${state.dataDir}.\n`);
    else process.stdout.write(formatStatus(after));
    return 0;
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
}

/** The `Node-ID  Status  Kafka-Address  Controller-Address  PID` table. */
export function formatStatus(state: ClusterState): string {
  const rows = [['Node-ID', 'Status', 'Kafka-Address', 'Controller-Address', 'PID'], ...state.nodes.map((n) => [String(n.id), n.status, n.kafkaAddress, n.controllerAddress, n.pid === null ? '-' : String(n.pid)])];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 2))).join('')).join('\n') + '\n';
}

function stateFile(dataDir: string): string {
  return join(dataDir, 'cluster.json');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of the cluster supervised from `dataDir`, or an Error saying none is running. */
function runningCluster(dataDir: string): ClusterState {
  const file = stateFile(dataDir);
  if (!existsSync(file)) throw new Error(`No local cluster is running (no ${file}). Start one with \`samsa cluster\`.`);
  let state: ClusterState;
  try {
    state = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  } catch (e) {
    throw new Error(`Cannot read ${file}: ${(e as Error).message}`);
  }
  if (!isAlive(state.supervisorPid)) throw new Error(`No local cluster is running (${file} is left from supervisor pid ${state.supervisorPid}, which has exited). Start one with \`samsa cluster\`.`);
  return state;
}

async function control(state: ClusterState, method: 'GET' | 'POST', path: string): Promise<ClusterState> {
  let response: Response;
  try {
    response = await fetch(`http://127.0.0.1:${state.controlPort}${path}`, { method, signal: AbortSignal.timeout(CONTROL_TIMEOUT_MS) });
  } catch (e) {
    throw new Error(`Cannot reach the cluster supervisor (pid ${state.supervisorPid}) on 127.0.0.1:${state.controlPort}: ${(e as Error).message}`);
  }
  const body = (await response.json()) as ClusterState & { error?: string };
  if (!response.ok) throw new Error(body.error ?? `The supervisor answered HTTP ${response.status}`);
  return body;
}

/** One node process under supervision. */
interface SupervisedNode {
  spec: NodeSpec;
  child: ChildProcess | null;
  status: NodeStatus;
  exit: string | null;
  exited: Promise<void> | null;
  ready: Promise<boolean> | null;
}

/** Runs the nodes in the foreground and serves the control port until stopped. */
class Supervisor {
  private readonly nodes: SupervisedNode[];
  private clusterId = '';
  private server: Server | null = null;
  private controlPort = 0;
  private stopping: Promise<number> | null = null;
  private readonly binPath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bin', 'samsa.js');

  constructor(private readonly options: LocalClusterOptions) {
    this.nodes = nodeSpecs(options).map((spec) => ({ spec, child: null, status: 'stopped', exit: null, exited: null, ready: null }));
  }

  async run(): Promise<number> {
    const { dataDir } = this.options;
    const file = stateFile(dataDir);
    if (existsSync(file)) {
      let previous: ClusterState | undefined;
      try {
        previous = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
      } catch {
        // unreadable: overwrite it
      }
      if (previous !== undefined && isAlive(previous.supervisorPid)) throw new Error(`A local cluster is already running from ${dataDir} (supervisor pid ${previous.supervisorPid}). Stop it with \`samsa cluster stop-all\`.`);
    }
    mkdirSync(dataDir, { recursive: true });
    this.clusterId = clusterIdOf(dataDir);
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolveListen, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(0, '127.0.0.1', () => resolveListen());
    });
    this.controlPort = (this.server.address() as { port: number }).port;
    const done = new Promise<number>((resolveDone) => {
      const onSignal = (signal: string) => {
        this.log(`${signal} received, stopping every node`);
        void this.shutdown().then(resolveDone);
      };
      process.on('SIGINT', () => onSignal('SIGINT'));
      process.on('SIGTERM', () => onSignal('SIGTERM'));
      this.onShutdownRequest = () => void this.shutdown().then(resolveDone);
    });
    this.log(`Starting ${this.nodes.length} node(s) of cluster ${this.clusterId} in ${dataDir}`);
    for (const node of this.nodes) this.start(node);
    this.writeState();
    void this.announceWhenReady();
    return done;
  }

  private onShutdownRequest: () => void = () => undefined;

  private async announceWhenReady(): Promise<void> {
    const ready = await Promise.all(this.nodes.map((n) => n.ready ?? Promise.resolve(false)));
    if (this.stopping) return;
    const bootstrap = this.bootstrapServers();
    if (ready.every(Boolean)) {
      const rf = Math.min(3, this.nodes.length);
      process.stdout.write(
        `\nBootstrap servers: ${bootstrap}\n\nNext steps:\n` +
          `  samsa topics --bootstrap-server ${this.nodes[0]!.spec.kafkaAddress} --create --topic test_topic --partitions 8 --replication-factor ${rf}\n` +
          `  samsa metadata-quorum --bootstrap-server ${this.nodes[0]!.spec.kafkaAddress} describe --status\n` +
          `  samsa cluster status${this.dataDirFlag()}        # nodes, pids and addresses\n` +
          `  samsa cluster kill 1${this.dataDirFlag()}        # crash node 1; \`samsa cluster restart 1\` brings it back\n` +
          `  Ctrl-C (or \`samsa cluster stop-all\`) stops the cluster.\n\n`,
      );
    } else {
      const failed = this.nodes.filter((_, i) => !ready[i]).map((n) => n.spec.id);
      this.log(`Node(s) ${failed.join(', ')} did not start; see their output above. The others keep running (bootstrap servers: ${bootstrap}).`);
    }
  }

  private dataDirFlag(): string {
    return resolve(DEFAULTS.dataDir) === this.options.dataDir ? '' : ` --data-dir ${this.options.dataDir}`;
  }

  private bootstrapServers(): string {
    return this.nodes.map((n) => n.spec.kafkaAddress).join(',');
  }

  private log(message: string): void {
    process.stdout.write(`[cluster] ${message}\n`);
  }

  /** Spawns a node's process; `ready` resolves true on its listening line, false if it exits or stays silent. */
  private start(node: SupervisedNode): void {
    const child = spawn(process.execPath, [...BROKER_NODE_FLAGS, this.binPath, ...node.spec.args], {
      env: { ...process.env, CLUSTER_ID: this.clusterId },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    node.child = child;
    node.status = 'starting';
    node.exit = null;
    const readyLine = `listening on PLAINTEXT://127.0.0.1:${node.spec.kafkaPort}`;
    let markReady!: (ok: boolean) => void;
    node.ready = new Promise<boolean>((r) => (markReady = r));
    const timer = setTimeout(() => markReady(false), READY_TIMEOUT_MS);
    const prefix = `[node ${node.spec.id}] `;
    const pipe = (stream: NodeJS.ReadableStream, out: NodeJS.WritableStream) => {
      let partial = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        partial += chunk;
        const lines = partial.split('\n');
        partial = lines.pop()!;
        if (partial.length > MAX_LINE_CHARS) {
          lines.push(partial);
          partial = '';
        }
        for (const line of lines) {
          out.write(`${prefix}${line}\n`);
          if (node.child === child && node.status === 'starting' && line.includes(readyLine)) {
            node.status = 'running';
            clearTimeout(timer);
            markReady(true);
            this.writeState();
          }
        }
      });
      stream.on('end', () => {
        if (partial !== '') out.write(`${prefix}${partial}\n`);
      });
    };
    pipe(child.stdout!, process.stdout);
    pipe(child.stderr!, process.stderr);
    node.exited = new Promise<void>((resolveExit) => {
      child.once('error', (err) => {
        node.exit = `spawn failed: ${err.message}`;
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        markReady(false);
        if (node.child === child) {
          node.exit = signal !== null ? signal : `exit code ${code}`;
          node.status = node.status === 'stopping' || (code === 0 && signal === null) ? 'stopped' : 'dead';
          this.log(`node ${node.spec.id} (pid ${child.pid}) ${node.status} (${node.exit})`);
          this.writeState();
        }
        resolveExit();
      });
    });
  }

  private running(node: SupervisedNode): boolean {
    return node.child !== null && node.child.exitCode === null && node.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if the node has not exited within the timeout. */
  private async stop(node: SupervisedNode, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    if (!this.running(node)) return;
    const child = node.child!;
    node.status = signal === 'SIGTERM' ? 'stopping' : node.status;
    child.kill(signal);
    const exited = node.exited!;
    const timedOut = await Promise.race([exited.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), STOP_TIMEOUT_MS).unref())]);
    if (timedOut) {
      this.log(`node ${node.spec.id} did not exit ${STOP_TIMEOUT_MS} ms after ${signal}; sending SIGKILL`);
      child.kill('SIGKILL');
      await exited;
    }
  }

  private shutdown(): Promise<number> {
    this.stopping ??= (async () => {
      await Promise.all(this.nodes.map((n) => this.stop(n, 'SIGTERM')));
      this.server?.close();
      rmSync(stateFile(this.options.dataDir), { force: true });
      this.log('every node stopped');
      return 0;
    })();
    return this.stopping;
  }

  private state(): ClusterState {
    return {
      supervisorPid: process.pid,
      controlPort: this.controlPort,
      clusterId: this.clusterId,
      dataDir: this.options.dataDir,
      bootstrapServers: this.bootstrapServers(),
      nodes: this.nodes.map((n) => ({
        id: n.spec.id,
        status: n.status,
        pid: this.running(n) ? n.child!.pid ?? null : null,
        kafkaAddress: n.spec.kafkaAddress,
        controllerAddress: n.spec.controllerAddress,
        exit: n.exit,
      })),
    };
  }

  /** Writes cluster.json atomically (rename), so readers never see half a file. */
  private writeState(): void {
    if (this.stopping) return;
    const file = stateFile(this.options.dataDir);
    writeFileSync(`${file}.tmp`, `${JSON.stringify(this.state(), null, 2)}\n`);
    renameSync(`${file}.tmp`, file);
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const reply = (status: number, body: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const url = req.url ?? '/';
      if (req.method === 'GET' && url === '/status') return reply(200, this.state());
      if (req.method === 'POST' && url === '/shutdown') {
        reply(200, this.state());
        this.onShutdownRequest();
        return;
      }
      const m = /^\/nodes\/(\d+)\/(stop|kill|restart|start-node)$/.exec(url);
      if (req.method !== 'POST' || m === null) return reply(404, { error: `Unknown request ${req.method} ${url}` });
      const node = this.nodes.find((n) => n.spec.id === Number(m[1]));
      if (node === undefined) return reply(404, { error: `Unknown node id ${m[1]}: this cluster has nodes ${this.nodes.map((n) => n.spec.id).join(', ')}.` });
      if (this.stopping) return reply(409, { error: 'The cluster is shutting down.' });
      const action = m[2]!;
      if (action === 'stop' || action === 'kill') {
        if (!this.running(node)) return reply(409, { error: `Node ${node.spec.id} is not running (${node.status}).` });
        await this.stop(node, action === 'stop' ? 'SIGTERM' : 'SIGKILL');
      } else {
        if (action === 'start-node' && this.running(node)) return reply(409, { error: `Node ${node.spec.id} is already running (pid ${node.child!.pid}); use \`samsa cluster restart ${node.spec.id}\`.` });
        await this.stop(node, 'SIGTERM');
        this.start(node);
        this.writeState();
        if (!(await node.ready)) return reply(500, { error: `Node ${node.spec.id} did not start (${node.exit ?? `no listening line within ${READY_TIMEOUT_MS} ms`}); see the cluster's output.` });
      }
      reply(200, this.state());
    } catch (e) {
      reply(500, { error: (e as Error).message });
    }
  }
}

/** The cluster id kept in `<data-dir>/cluster.id`, generated (16 random bytes, base64url) on first start. */
function clusterIdOf(dataDir: string): string {
  const file = join(dataDir, 'cluster.id');
  if (existsSync(file)) {
    const id = readFileSync(file, 'utf8').trim();
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) throw new Error(`${file} holds '${id}', not a cluster id (22 base64url characters). Delete it to generate a new one.`);
    return id;
  }
  const id = randomBytes(16).toString('base64url');
  writeFileSync(file, `${id}\n`);
  return id;
}
