/**
 * Child processes of the benchmark: servers (Samsa broker, baselines) that announce readiness
 * with a line on stdout, and load generators forked with an IPC channel. Every child is tracked
 * by pid and stopped on the way out, even when the run fails or is interrupted.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { machineBusyMs, processCpuMs, withTimeout, type GeneratorMessage, type GeneratorTask, type LoadResult, type TimeWindow } from './common.js';

const live = new Set<ChildProcess>();
const TAIL_BYTES = 8 * 1024;
const STOP_TIMEOUT_MS = 20_000;
const KILL_WAIT_MS = 5_000;

function killLiveChildren(): void {
  for (const child of live) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

// Last resort: a child must not outlive the orchestrator, whatever path it exits by.
process.on('exit', killLiveChildren);

/** A running server child. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** Last lines of its stdout and stderr, for error messages. */
  output(): string;
  /** SIGTERM, wait (bounded), SIGKILL if needed; resolves with how it ended. */
  stop(): Promise<string>;
}

/** Spawns `node args...` and waits until its output matches `ready`. */
export async function startServer(name: string, args: readonly string[], ready: RegExp, readyTimeoutMs: number): Promise<{ server: ServerProcess; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let tail = '';
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve(signal ? `signal ${signal}` : `code ${code}`);
    });
  });
  const server: ServerProcess = {
    name,
    pid: child.pid ?? -1,
    output: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return await exited;
      child.kill('SIGTERM');
      const how = await Promise.race([exited, new Promise<null>((r) => setTimeout(r, STOP_TIMEOUT_MS, null))]);
      if (how !== null) return how;
      child.kill('SIGKILL');
      return `SIGKILL after ${STOP_TIMEOUT_MS} ms: ${await withTimeout(exited, KILL_WAIT_MS, `${name} pid ${child.pid} survived SIGKILL`)}`;
    },
  };
  const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print ${ready} within ${readyTimeoutMs} ms\n${tail}`)), readyTimeoutMs);
    const onData = (chunk: Buffer): void => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
      const m = ready.exec(tail);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL_BYTES);
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${how}) before it was ready\n${tail}`));
    });
  }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  return { server, match };
}

/** The server's CPU use over a generator's measured window. */
export interface ServerWindow {
  /** Server process CPU (user+system) over the measured window, as % of one core; -1 if unknown. */
  serverCpuPercent: number;
  /** The system (kernel) part of serverCpuPercent. */
  serverSystemCpuPercent: number;
  /** Busy CPU of the whole machine over the window, % of one core (200 = both cores of two); -1 if unknown. */
  machineCpuPercent: number;
  /** The measured window on the monotonic clock (to select profile samples). */
  window: TimeWindow;
}

/** A generator result of type `R` plus the server's CPU use over the same measured window. */
export type Measured<R> = R & ServerWindow;

/** A produce/fetch load-generator result plus the server's CPU use over the same measured window. */
export type MeasuredResult = Measured<LoadResult>;

/**
 * Forks a load generator, gives it `task`, and waits (at most `timeoutMs`) for its result. The
 * server's CPU time is sampled when the generator opens and closes its measured window.
 * `interpreter` runs `script` with another program (e.g. /usr/bin/python3), which speaks the
 * same protocol as newline-delimited JSON on the IPC fd named by NODE_CHANNEL_FD.
 */
export async function runGenerator<R extends object = LoadResult>(script: string, task: GeneratorTask, serverPid: number, timeoutMs: number, interpreter?: string): Promise<Measured<R>> {
  const stdio = ['ignore', 'inherit', 'inherit', 'ipc'] as ('ignore' | 'inherit' | 'ipc')[];
  const child = interpreter === undefined ? fork(script, [], { stdio }) : spawn(interpreter, [script], { stdio });
  live.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => live.delete(child));
  let cpuAtStart: ReturnType<typeof processCpuMs> = null;
  let cpuAtEnd: ReturnType<typeof processCpuMs> = null;
  let startMs = 0;
  let endMs = 0;
  const window: TimeWindow = { startUs: 0, endUs: 0 };
  let machineAtStart: number | null = null;
  let machineAtEnd: number | null = null;
  try {
    const result = await withTimeout(
      new Promise<R>((resolve, reject) => {
        child.on('message', (message: GeneratorMessage<R>) => {
          if (message.type === 'measure-start') {
            cpuAtStart = processCpuMs(serverPid);
            machineAtStart = machineBusyMs();
            startMs = performance.now();
            window.startUs = message.atUs;
          } else if (message.type === 'measure-end') {
            cpuAtEnd = processCpuMs(serverPid);
            machineAtEnd = machineBusyMs();
            endMs = performance.now();
            window.endUs = message.atUs;
          } else if (message.type === 'result') resolve(message.result);
          else reject(new Error(`load generator failed: ${message.message}`));
        });
        void exited.then(() => reject(new Error(`load generator exited with code ${child.exitCode} before reporting`)));
        child.send(task);
      }),
      timeoutMs,
      `load generator (${task.kind} ${task.target}) did not finish`,
    );
    const start = cpuAtStart as ReturnType<typeof processCpuMs>;
    const end = cpuAtEnd as ReturnType<typeof processCpuMs>;
    const known = start !== null && end !== null && endMs > startMs;
    const percent = (ms: number): number => (known ? (ms / (endMs - startMs)) * 100 : -1);
    const serverCpuPercent = known ? percent(end.userMs + end.systemMs - start.userMs - start.systemMs) : -1;
    const serverSystemCpuPercent = known ? percent(end.systemMs - start.systemMs) : -1;
    const machineCpuPercent = machineAtStart !== null && machineAtEnd !== null && endMs > startMs ? percent(machineAtEnd - machineAtStart) : -1;
    return { ...result, serverCpuPercent, serverSystemCpuPercent, machineCpuPercent, window };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await withTimeout(exited, KILL_WAIT_MS, `load generator pid ${child.pid} did not exit`);
  }
}

/** Stops every child still running (SIGKILL), for the failure path. */
export function stopAllChildren(): void {
  killLiveChildren();
}
