/**
 * A long-running client process (a Python consumer, say) whose stdout lines a test watches while
 * it runs, and which the test can SIGKILL or stop. Every wait is bounded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PYTHON } from './clients.js';

/** A process started by {@link startBackground}. */
export class BackgroundProcess {
  readonly lines: string[] = [];
  private stderr = '';
  private pending = '';
  private readonly exited: Promise<number | null>;
  private waiters: (() => void)[] = [];

  constructor(private readonly child: ChildProcess, readonly name: string) {
    child.stdout!.on('data', (chunk: Buffer) => {
      const parts = (this.pending + chunk.toString('utf8')).split('\n');
      this.pending = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const w of this.waiters.splice(0)) w();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-16384);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => {
      for (const w of this.waiters.splice(0)) w();
      resolve(code);
    }));
  }

  /** Whether the process is still running. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Waits until `predicate` holds over the lines seen so far; rejects after `timeoutMs`. */
  async waitFor<T>(what: string, timeoutMs: number, predicate: (lines: readonly string[]) => T | undefined | false): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = predicate(this.lines);
      if (found !== undefined && found !== false) return found;
      const left = deadline - Date.now();
      if (left <= 0 || !this.running) {
        throw new Error(`${this.name}: ${this.running ? `timed out after ${timeoutMs} ms` : 'exited'} waiting for ${what}\n--- stdout tail ---\n${this.lines.slice(-30).join('\n')}\n--- stderr tail ---\n${this.stderr.slice(-4000)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Sends a signal and waits (bounded) for the exit. */
  async signal(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<number | null> {
    if (this.running) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The tail of stderr, for failure messages. */
  stderrTail(): string {
    return this.stderr.slice(-4000);
  }
}

/** Starts a Python script (on stdin) with Debian's /usr/bin/python3. */
export function startPython(name: string, script: string): BackgroundProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1' };
  delete env['PYTHONHOME'];
  delete env['PYTHONPATH'];
  const child = spawn(PYTHON, ['-u', '-'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin!.end(script);
  return new BackgroundProcess(child, name);
}
