/**
 * Starts a real Samsa broker as a child process (`node bin/samsa.js server ...`) on a loopback
 * address 127.0.0.x with free ports and a fresh temporary log directory, for integration,
 * compatibility and crash tests. Every wait is bounded; a broker that does not come up fails the
 * test with the tail of its output instead of hanging it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BROKER_NODE_FLAGS } from '../../src/broker/index.js';

/** Options for {@link startBroker}. */
export interface StartBrokerOptions {
  /** Extra broker config (`--override k=v`); these win over the harness defaults. */
  readonly overrides?: Record<string, string>;
  /** Loopback address to listen on; by default one of 127.0.0.2..250, varied per call. */
  readonly host?: string;
  /** How long to wait for the ready line; default 20 s. */
  readonly readyTimeoutMs?: number;
  /** Broker entry point; default bin/samsa.js (the harness's own tests pass a fake). */
  readonly binPath?: string;
  /** Fixed ports and log dir (a cluster member); free ones and a fresh temp dir by default. */
  readonly port?: number;
  readonly controllerPort?: number;
  readonly logDir?: string;
  /** Extra environment variables (e.g. CLUSTER_ID). */
  readonly env?: Record<string, string>;
  /** The line that says the node is up; default `listening on PLAINTEXT://host:port` (a controller-only node prints CONTROLLER). */
  readonly readyLine?: string;
  /** Config keys of the harness defaults to leave out (e.g. the PLAINTEXT settings of a controller-only node). */
  readonly omit?: readonly string[];
}

/** How one broker process ended. */
export interface BrokerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when stop() had to fall back to SIGKILL. */
  readonly forced: boolean;
}

/** A running (or stopped) broker started by {@link startBroker}. */
export interface BrokerHandle {
  /** `host:port` of the PLAINTEXT listener, for clients' bootstrap servers. */
  readonly bootstrap: string;
  readonly host: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly logDir: string;
  /** Pid of the current process (or of the last one, once it has exited). */
  readonly pid: number;
  readonly running: boolean;
  /** SIGTERM, wait for exit (bounded), SIGKILL after the timeout. */
  stop(timeoutMs?: number): Promise<BrokerExit>;
  /** SIGKILL (a crash) and wait for exit. */
  kill(): Promise<BrokerExit>;
  /** Start again on the same log dir, host and ports (stops the current process first). */
  restart(): Promise<void>;
  /** Stop if running and remove the temporary log dir. Never throws. */
  cleanup(): Promise<void>;
  /** Tails of stdout and stderr over all runs, for failure messages. */
  diagnostics(): string;
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;
const DEFAULT_STOP_TIMEOUT_MS = 10_000;
const KILL_WAIT_MS = 5_000;
const TAIL_LIMIT_BYTES = 16 * 1024;

/** Repository root: the nearest ancestor of this file with Samsa's package.json. */
export const repoRoot: string = findRepoRoot(dirname(fileURLToPath(import.meta.url)));

function findRepoRoot(start: string): string {
  let dir = start;
  for (let depth = 0; depth < 10; depth++) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'samsa') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error(`cannot find Samsa's package.json above ${start}`);
}

/** Entry point of the broker. */
export const brokerBinPath: string = join(repoRoot, 'bin', 'samsa.js');

let hostCounter = 0;

/** A loopback address 127.0.0.x with x in 2..250, different on successive calls and across processes. */
export function pickLoopbackHost(): string {
  hostCounter++;
  const x = 2 + ((process.pid * 37 + hostCounter * 53 + Math.floor(Math.random() * 249)) % 249);
  return `127.0.0.${x}`;
}

/** Free TCP ports on `host`, found by binding port 0 (all held at once, so they differ). */
export async function freePorts(host: string, count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, host, () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === 'string') throw new Error('unexpected server address');
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/** Keeps the last `limitBytes` of a text stream. */
class Tail {
  private text = '';
  constructor(private readonly limitBytes: number) {}
  push(chunk: string): void {
    this.text += chunk;
    if (this.text.length > this.limitBytes * 2) this.text = this.text.slice(-this.limitBytes);
  }
  toString(): string {
    const t = this.text.slice(-this.limitBytes);
    return t.length < this.text.length ? `...${t}` : t;
  }
}

/** Brokers alive in this process, killed if the test process exits without cleaning up. */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** Harness defaults: a single combined broker+controller node, like a one-node Kafka KRaft setup. */
function baseConfig(host: string, port: number, controllerPort: number, logDir: string): Record<string, string> {
  return {
    'node.id': '1',
    'process.roles': 'broker,controller',
    listeners: `PLAINTEXT://${host}:${port},CONTROLLER://${host}:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://${host}:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'listener.security.protocol.map': 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name': 'PLAINTEXT',
    'controller.quorum.voters': `1@${host}:${controllerPort}`,
    'log.dirs': logDir,
    'offsets.topic.replication.factor': '1',
    'transaction.state.log.replication.factor': '1',
    'transaction.state.log.min.isr': '1',
  };
}

/** Starts a broker and waits until it prints `listening on PLAINTEXT://host:port`. */
export async function startBroker(opts: StartBrokerOptions = {}): Promise<BrokerHandle> {
  const host = opts.host ?? pickLoopbackHost();
  const readyTimeoutMs = opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  const [port, controllerPort] = opts.port !== undefined && opts.controllerPort !== undefined ? [opts.port, opts.controllerPort] : await freePorts(host, 2) as [number, number];
  const logDir = opts.logDir ?? await mkdtemp(join(tmpdir(), 'samsa-test-'));
  const config: Record<string, string> = { ...baseConfig(host, port, controllerPort, logDir), ...opts.overrides };
  for (const key of opts.omit ?? []) delete config[key];
  const binPath = opts.binPath ?? brokerBinPath;
  const args = [binPath, 'server'];
  for (const [key, value] of Object.entries(config)) args.push('--override', `${key}=${value}`);

  const stdoutTail = new Tail(TAIL_LIMIT_BYTES);
  const stderrTail = new Tail(TAIL_LIMIT_BYTES);
  let child: ChildProcess | undefined;
  let exited: Promise<BrokerExit> | undefined;
  let forcedKill = false;
  let runs = 0;
  let lastPid = 0;
  const readyLine = opts.readyLine ?? `listening on PLAINTEXT://${host}:${port}`;

  const diagnostics = (): string =>
    `broker ${host}:${port} (log dir ${logDir}, ${runs} run(s))\n` +
    `--- stdout tail ---\n${stdoutTail.toString() || '(empty)'}\n` +
    `--- stderr tail ---\n${stderrTail.toString() || '(empty)'}`;

  const spawnAndWait = async (): Promise<void> => {
    if (!existsSync(binPath)) {
      throw new Error(`broker did not start: ${binPath} does not exist (has the broker entry point been written and built?)`);
    }
    runs++;
    const marker = `\n=== run #${runs} ===\n`;
    stdoutTail.push(marker);
    stderrTail.push(marker);
    forcedKill = false;
    // SAMSA_BROKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the brokers of a run.
    const nodeArgs = [...BROKER_NODE_FLAGS, ...(process.env['SAMSA_BROKER_NODE_ARGS']?.split(' ').filter((a) => a !== '') ?? [])];
    const proc = spawn(process.execPath, [...nodeArgs, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ? { ...process.env, ...opts.env } : process.env });
    child = proc;
    liveChildren.add(proc);
    lastPid = proc.pid ?? 0;
    exited = new Promise<BrokerExit>((resolve) => {
      proc.once('exit', (code, signal) => {
        liveChildren.delete(proc);
        resolve({ code, signal, forced: forcedKill });
      });
    });
    let spawnError: Error | undefined;
    proc.once('error', (err) => {
      spawnError = err;
    });

    await new Promise<void>((resolve, reject) => {
      let seen = '';
      let settled = false;
      const finish = (err?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        proc.stderr?.off('data', onData);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onData = (chunk: Buffer): void => {
        // Bounded: only the last few KiB are needed to find a line that may straddle chunks.
        seen = (seen + chunk.toString('utf8')).slice(-4096);
        if (seen.includes(readyLine)) finish();
      };
      proc.stdout?.setEncoding('utf8');
      proc.stderr?.setEncoding('utf8');
      proc.stdout?.on('data', (c: string) => stdoutTail.push(c));
      proc.stderr?.on('data', (c: string) => stderrTail.push(c));
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      const timer = setTimeout(() => {
        finish(new Error(`broker did not start: no "${readyLine}" within ${readyTimeoutMs} ms\n${diagnostics()}`));
      }, readyTimeoutMs);
      void exited!.then((exit) => {
        const why = spawnError !== undefined ? `spawn failed: ${spawnError.message}` : `exited with code ${exit.code} signal ${exit.signal}`;
        finish(new Error(`broker did not start: ${why} before printing "${readyLine}"\n${diagnostics()}`));
      });
    }).catch(async (err: unknown) => {
      await killChild();
      throw err;
    });
  };

  const killChild = async (): Promise<BrokerExit> => {
    const proc = child;
    if (proc === undefined || exited === undefined) return { code: null, signal: null, forced: false };
    if (proc.exitCode === null && proc.signalCode === null) {
      forcedKill = true;
      proc.kill('SIGKILL');
    }
    return await withTimeout(exited, KILL_WAIT_MS, `broker pid ${proc.pid} did not exit after SIGKILL`);
  };

  const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null;

  const handle: BrokerHandle = {
    bootstrap: `${host}:${port}`,
    host,
    port,
    controllerPort,
    logDir,
    get pid() {
      return lastPid;
    },
    get running() {
      return isRunning();
    },
    async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS) {
      const proc = child;
      if (proc === undefined || exited === undefined) return { code: null, signal: null, forced: false };
      if (!isRunning()) return await exited;
      proc.kill('SIGTERM');
      try {
        return await withTimeout(exited, timeoutMs, 'no exit after SIGTERM');
      } catch {
        // fall through to SIGKILL
      }
      stderrTail.push(`\n[harness] no exit ${timeoutMs} ms after SIGTERM; sending SIGKILL\n`);
      return await killChild();
    },
    async kill() {
      return await killChild();
    },
    async restart() {
      if (isRunning()) await handle.stop();
      await spawnAndWait();
    },
    async cleanup() {
      try {
        if (isRunning()) await handle.stop();
      } catch {
        // best effort; the exit hook still kills it
      }
      await rm(logDir, { recursive: true, force: true }).catch(() => undefined);
    },
    diagnostics,
  };

  try {
    await spawnAndWait();
  } catch (err) {
    await rm(logDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
  return handle;
}

/**
 * Starts a broker, runs `fn`, and always cleans up. A failure inside `fn` is rethrown with the
 * broker's output tails appended, so the test report shows what the broker said.
 */
export async function withBroker<T>(
  opts: StartBrokerOptions,
  fn: (broker: BrokerHandle) => Promise<T>,
): Promise<T> {
  const broker = await startBroker(opts);
  try {
    return await fn(broker);
  } catch (err) {
    if (err instanceof Error && !err.message.includes('--- stderr tail ---')) {
      err.message += `\n${broker.diagnostics()}`;
    }
    throw err;
  } finally {
    await broker.cleanup();
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with `message` if `promise` is not settled within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} (after ${ms} ms)`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
