/**
 * Real Kafka clients for compatibility tests: detection (skip locally, fail in CI) and bounded
 * runners for Debian's python3 (kafka-python, confluent-kafka) and kcat.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/** Debian's interpreter, which sees python3-kafka and python3-confluent-kafka (not pyenv's). */
export const PYTHON = '/usr/bin/python3';
export const KCAT = 'kcat';

/** A real client a compat test can need. */
export type ClientName = 'kafka-python' | 'confluent-kafka' | 'kcat';

const INSTALL_HINT: Record<ClientName, string> = {
  'kafka-python': 'apt-get install python3-kafka',
  'confluent-kafka': 'apt-get install python3-confluent-kafka',
  kcat: 'apt-get install kcat',
};

const availability = new Map<ClientName, string | undefined>();

/** Why `name` is unusable, or undefined when it works. Cached per process. */
export function clientProblem(name: ClientName): string | undefined {
  if (!availability.has(name)) availability.set(name, probe(name));
  return availability.get(name);
}

function probe(name: ClientName): string | undefined {
  const [cmd, args] =
    name === 'kcat'
      ? [KCAT, ['-V']]
      : [PYTHON, ['-c', name === 'kafka-python' ? 'import kafka' : 'import confluent_kafka']];
  const result = spawnSync(cmd, args, { encoding: 'utf8', timeout: 15_000, env: pythonEnv() });
  if (result.error !== undefined) return `${name} not installed (${result.error.message}): ${INSTALL_HINT[name]}`;
  if (result.status !== 0) {
    return `${name} not installed (${cmd} ${args.join(' ')} exited ${result.status}: ${result.stderr.trim().split('\n').pop() ?? ''}): ${INSTALL_HINT[name]}`;
  }
  return undefined;
}

/**
 * Checks that the clients are installed. When one is missing: in CI (CI=true) the test fails;
 * otherwise it is skipped with a loud message. Returns false when the test must return early.
 */
export function requireClient(t: TestContext, ...names: ClientName[]): boolean {
  for (const name of names) {
    const problem = clientProblem(name);
    if (problem === undefined) continue;
    if (process.env['CI'] === 'true') throw new Error(`required client missing in CI: ${problem}`);
    process.stderr.write(`\n*** SKIPPING "${t.name}": ${problem} ***\n\n`);
    t.skip(problem);
    return false;
  }
  return true;
}

/** Output of a finished child process. */
export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Options for {@link runProcess}. */
export interface RunOptions {
  readonly timeoutMs: number;
  readonly env?: Record<string, string>;
  readonly input?: Buffer | string;
  /** Called for every complete stdout line as it arrives (for progress-driven fault injection). */
  readonly onLine?: (line: string) => void;
  /** Cap on captured stdout; the process is killed beyond it. Default 256 MiB. */
  readonly maxStdoutBytes?: number;
}

const STDERR_LIMIT_BYTES = 64 * 1024;

function pythonEnv(extra?: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONUNBUFFERED: '1', ...extra };
  delete env['PYTHONHOME'];
  delete env['PYTHONPATH'];
  return env;
}

/** Runs a command to completion, killing it (SIGKILL) and rejecting if it exceeds `timeoutMs`. */
export function runProcess(cmd: string, args: readonly string[], opts: RunOptions): Promise<RunResult> {
  const maxStdoutBytes = opts.maxStdoutBytes ?? 256 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: pythonEnv(opts.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let err = '';
    let pendingLine = '';
    let failure: Error | undefined;
    const describe = (): string =>
      `${cmd} ${args.map((a) => (a.length > 80 ? `${a.slice(0, 80)}...` : a)).join(' ')}\n--- stderr tail ---\n${err.slice(-8192)}\n--- stdout tail ---\n${Buffer.concat(out).toString('utf8').slice(-4096)}`;
    const timer = setTimeout(() => {
      failure = new Error(`timed out after ${opts.timeoutMs} ms: ${describe()}`);
      child.kill('SIGKILL');
    }, opts.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      outBytes += chunk.length;
      if (outBytes > maxStdoutBytes) {
        failure ??= new Error(`stdout exceeded ${maxStdoutBytes} bytes: ${describe()}`);
        child.kill('SIGKILL');
        return;
      }
      out.push(chunk);
      if (opts.onLine !== undefined) {
        const lines = (pendingLine + chunk.toString('utf8')).split('\n');
        pendingLine = lines.pop() ?? '';
        for (const line of lines) opts.onLine(line);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
      if (err.length > STDERR_LIMIT_BYTES * 2) err = err.slice(-STDERR_LIMIT_BYTES);
    });
    child.on('error', (e) => {
      failure ??= new Error(`cannot run ${cmd}: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failure !== undefined) {
        reject(failure);
        return;
      }
      const stdoutBytes = Buffer.concat(out);
      resolve({ stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr: err, code, signal });
    });
    child.stdin.on('error', () => undefined); // the child may exit without reading all input
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs a Python script (fed on stdin) with Debian's /usr/bin/python3. */
export function runPython(script: string, opts: Omit<RunOptions, 'input'>): Promise<RunResult> {
  return runProcess(PYTHON, ['-u', '-'], { ...opts, input: script });
}

/** Runs kcat with `args`; `input` becomes its stdin (for -P). */
export function runKcat(args: readonly string[], opts: RunOptions): Promise<RunResult> {
  return runProcess(KCAT, args, opts);
}

/**
 * Runs a Python script that prints `RESULT <json>` as its last such line, and returns the parsed
 * JSON. A non-zero exit or a missing RESULT line rejects with the script's output.
 */
export async function runPythonJson<T>(script: string, opts: Omit<RunOptions, 'input'>): Promise<T> {
  const result = await runPython(script, opts);
  const line = result.stdout.split('\n').reverse().find((l) => l.startsWith('RESULT '));
  if (result.code !== 0 || line === undefined) {
    throw new Error(
      `python script failed (exit ${result.code}${result.signal ? ` signal ${result.signal}` : ''})\n--- stderr ---\n${result.stderr.slice(-8192)}\n--- stdout tail ---\n${result.stdout.slice(-4096)}`,
    );
  }
  return JSON.parse(line.slice('RESULT '.length)) as T;
}
