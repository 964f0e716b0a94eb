#!/usr/bin/env node
// Builds native/crc32c.c, Samsa's hardware CRC-32C (SSE4.2), into native/build/crc32c.node with
// the machine's C compiler and Node's own headers: no download, no node-gyp. Runs on `npm install`
// / `npm ci`; where it cannot build (not x86-64 Linux, no compiler, no headers) it says so and
// Samsa uses @node-rs/crc32 instead (src/protocol/crc32c.ts). Exit code 0 either way, except
// with --require, which the tests' CI=true check uses to insist on the fast path.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'crc32c.c');
const out = join(root, 'native', 'build', 'crc32c.node');
const required = process.argv.includes('--require');

function skip(reason) {
  process.stderr.write(`samsa: not building the native CRC-32C (${reason}); using @node-rs/crc32, about 4x slower per byte\n`);
  process.exit(required ? 1 : 0);
}

if (process.platform !== 'linux' || process.arch !== 'x64') skip(`${process.platform}-${process.arch} is not x86-64 Linux`);
const includeDirs = [process.env.npm_config_nodedir, dirname(dirname(process.execPath))]
  .filter(Boolean)
  .map((d) => join(d, 'include', 'node'));
const include = includeDirs.find((d) => existsSync(join(d, 'node_api.h')));
if (!include) skip(`no node_api.h under ${includeDirs.join(' or ')}`);
mkdirSync(dirname(out), { recursive: true });
const args = ['-O3', '-msse4.2', '-fPIC', '-shared', '-fvisibility=hidden', '-DNODE_GYP_MODULE_NAME=samsa_crc32c', `-I${include}`, source, '-o', out];
const failures = [];
// $CC if set, else the usual names of the system compiler.
for (const cc of process.env.CC ? [process.env.CC] : ['cc', 'gcc', 'clang']) {
  const result = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (!result.error && result.status === 0) {
    process.stdout.write(`samsa: built ${out}\n`);
    process.exit(0);
  }
  failures.push(result.error ? `${cc}: ${result.error.message}` : `${cc} exited with ${result.status}`);
  rmSync(out, { force: true });
}
skip(failures.join('; '));
