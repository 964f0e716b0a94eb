/**
 * Runs the real CLI entry points (`node bin/samsa.js <tool> ...`, `node bin/kafka.js kafka-<tool> ...`)
 * as child processes for the CLI tests, with a time limit so a hanging tool fails its test.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../helpers/broker.js';

/** What a CLI run printed and how it exited. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node <script> ...args` from the repository root; kills it after `timeoutMs` (default 30 s). */
export function runScript(script: string, args: readonly string[], opts: { timeoutMs?: number; argv0Script?: string } = {}): Promise<CliResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not exit within ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `samsa <tool> ...args`. */
export function samsa(tool: string, args: readonly string[], timeoutMs?: number): Promise<CliResult> {
  return runScript(join(repoRoot, 'bin', 'samsa.js'), [tool, ...args], timeoutMs === undefined ? {} : { timeoutMs });
}

/** `kafka-<tool> ...args` through bin/kafka.js. */
export function kafka(tool: string, args: readonly string[]): Promise<CliResult> {
  return runScript(join(repoRoot, 'bin', 'kafka.js'), [`kafka-${tool}`, ...args]);
}
