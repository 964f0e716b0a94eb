/**
 * Starts `samsa cluster --nodes N` on free ports in a temporary data dir, for tests that need
 * several brokers.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerBinPath, freePorts, repoRoot, withTimeout } from './broker.js';

/** Multi-node clusters work: kept as a switch (false = run) for the tests that use it. */
export const MULTI_NODE_SKIP: string | false = false;

/** A running `samsa cluster`. */
export interface LocalClusterHandle {
  /** `127.0.0.1:<port>,...` of every node. */
  readonly bootstrap: string;
  readonly dataDir: string;
  /** Everything the supervisor printed so far. */
  output(): string;
  /** Stops every node and the supervisor (bounded), removes the data dir. Never throws. */
  cleanup(): Promise<void>;
}

/** Starts N nodes and waits (bounded) for the supervisor's `Bootstrap servers:` line. */
export async function startLocalCluster(nodes: number, readyTimeoutMs = 60_000): Promise<LocalClusterHandle> {
  const dataDir = await mkdtemp(join(tmpdir(), 'samsa-cluster-'));
  // Consecutive free ports are not guaranteed; pick a random high range and check it is free.
  const [probe] = (await freePorts('127.0.0.1', 1)) as [number];
  const basePort = 20000 + (probe % 20000);
  const controllerBasePort = basePort + 100;
  const child = spawn(process.execPath, [brokerBinPath, 'cluster', '--nodes', String(nodes), '--base-port', String(basePort), '--controller-base-port', String(controllerBasePort), '--data-dir', dataDir], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (output += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (output += c));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const cleanup = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await withTimeout(exited, 30_000, 'samsa cluster did not stop').catch(() => child.kill('SIGKILL'));
    }
    await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        const check = () => output.includes('Bootstrap servers:') && resolve();
        child.stdout!.on('data', check);
        void exited.then(() => reject(new Error(`samsa cluster exited before its nodes were up\n${output}`)));
      }),
      readyTimeoutMs,
      `samsa cluster --nodes ${nodes} did not come up\n${output.slice(-8000)}`,
    );
  } catch (err) {
    await cleanup();
    throw err;
  }
  const bootstrap = Array.from({ length: nodes }, (_, i) => `127.0.0.1:${basePort + i}`).join(',');
  return { bootstrap, dataDir, output: () => output, cleanup };
}
