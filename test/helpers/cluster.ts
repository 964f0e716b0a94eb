/**
 * A Samsa cluster of real processes for integration and fault tests: N combined-mode nodes
 * (broker + controller, node ids 1..N), each on its own loopback address 127.0.0.x with free
 * ports and its own temporary log dir, all voters of one metadata quorum. Every wait is bounded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_FAILOVER_SETTINGS } from '../../src/broker/local-cluster.js';
import { freePorts, pickLoopbackHost, startBroker, type BrokerHandle } from './broker.js';

/** A running cluster. */
export interface ClusterHandle {
  /** Nodes by id (1..N). */
  readonly nodes: ReadonlyMap<number, BrokerHandle>;
  /** Comma-separated bootstrap servers of every node. */
  readonly bootstrap: string;
  /** One node's handle. */
  node(id: number): BrokerHandle;
  /** Stops every node and removes the temp dirs. Never throws. */
  cleanup(): Promise<void>;
  /** Output tails of every node. */
  diagnostics(): string;
}

/** Settings that make a local cluster fail over quickly (as `samsa cluster` does). */
export const FAST_FAILOVER: Record<string, string> = { ...LOCAL_FAILOVER_SETTINGS };

const CLUSTER_ID = 'c2Ftc2EtdGVzdC1jbHVzdA';

/** Starts `size` nodes (all at once, so that they can elect a quorum leader) and waits until each serves. */
export async function startCluster(size = 3, overrides: Record<string, string> = {}): Promise<ClusterHandle> {
  const hosts: string[] = [];
  while (hosts.length < size) {
    const h = pickLoopbackHost();
    if (!hosts.includes(h)) hosts.push(h);
  }
  const ports = await Promise.all(hosts.map((h) => freePorts(h, 2)));
  const dirs = await Promise.all(hosts.map(() => mkdtemp(join(tmpdir(), 'samsa-cluster-'))));
  const voters = hosts.map((h, i) => `${i + 1}@${h}:${ports[i]![1]}`).join(',');
  const nodes = new Map<number, BrokerHandle>();
  const started = await Promise.allSettled(
    hosts.map((host, i) =>
      startBroker({
        host,
        port: ports[i]![0],
        controllerPort: ports[i]![1],
        logDir: dirs[i]!,
        readyTimeoutMs: 60_000,
        env: { CLUSTER_ID: CLUSTER_ID },
        overrides: {
          'node.id': String(i + 1),
          'controller.quorum.voters': voters,
          'offsets.topic.replication.factor': String(Math.min(3, size)),
          ...FAST_FAILOVER,
          ...overrides,
        },
      }).then((b) => nodes.set(i + 1, b)),
    ),
  );
  const handle: ClusterHandle = {
    nodes,
    bootstrap: hosts.map((h, i) => `${h}:${ports[i]![0]}`).join(','),
    node(id) {
      const n = nodes.get(id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    },
    async cleanup() {
      await Promise.all([...nodes.values()].map((n) => n.cleanup()));
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }).catch(() => undefined)));
    },
    diagnostics() {
      return [...nodes].map(([id, n]) => `=== node ${id} ===\n${n.diagnostics()}`).join('\n');
    },
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (failed) {
    await handle.cleanup();
    throw (failed as PromiseRejectedResult).reason;
  }
  return handle;
}

/** Starts a cluster, runs `fn`, always cleans up; failures carry every node's output. */
export async function withCluster<T>(size: number, overrides: Record<string, string>, fn: (cluster: ClusterHandle) => Promise<T>): Promise<T> {
  const cluster = await startCluster(size, overrides);
  try {
    return await fn(cluster);
  } catch (err) {
    if (err instanceof Error) err.message += `\n${cluster.diagnostics()}`;
    throw err;
  } finally {
    await cluster.cleanup();
  }
}
