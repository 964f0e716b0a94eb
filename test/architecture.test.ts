import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/test/). */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** DESIGN.md §1: which src/ folders each folder may import. */
const ALLOWED: Record<string, readonly string[]> = {
  common: [],
  protocol: ['common'],
  storage: ['common', 'protocol'],
  raft: ['common', 'protocol', 'storage'],
  metadata: ['common', 'protocol', 'raft'],
  replication: ['common', 'protocol', 'storage', 'metadata'],
  coordinator: ['common', 'protocol', 'metadata'],
  broker: ['common', 'protocol', 'storage', 'raft', 'metadata', 'replication', 'coordinator'],
  client: ['common', 'protocol'],
  cli: ['common', 'protocol', 'client'],
  ui: ['common', 'protocol', 'client'],
};

/** Pure cores: no wall clock, randomness, timers or IO (DESIGN.md §2). */
const PURE = ['raft', 'metadata', 'replication', 'coordinator'];
const IMPURE_CALLS = /\b(Date\.now|Math\.random|setTimeout|setInterval|performance\.now)\s*\(|from 'node:(fs|net|child_process|dgram|http|https)'/;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

function importsOf(text: string): string[] {
  const re = /(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g;
  const out: string[] = [];
  for (const m of text.matchAll(re)) out.push((m[1] ?? m[2])!);
  return out;
}

test('src/ folders import only what DESIGN.md allows', () => {
  const src = join(ROOT, 'src');
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const layer = relative(src, file).split('/')[0]!;
    const allowed = ALLOWED[layer];
    assert.ok(allowed, `${relative(ROOT, file)}: folder src/${layer} is not in the layer table`);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec)).split('/')[0]!;
      if (target !== layer && !allowed.includes(target)) violations.push(`${relative(ROOT, file)} imports src/${target} (${spec})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('other subsystems import a subsystem only through its index.ts', () => {
  const src = join(ROOT, 'src');
  const violations: string[] = [];
  for (const file of sourceFiles(src)) {
    const layer = relative(src, file).split('/')[0]!;
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(src, resolve(dirname(file), spec));
      const [targetLayer, ...rest] = target.split('/');
      if (targetLayer === layer || targetLayer === 'common') continue;
      // Generated message codecs are addressed per message: they are the protocol's public surface too.
      if (targetLayer === 'protocol' && (rest[0] === 'generated' || rest[0] === 'records')) continue;
      if (rest.join('/') !== 'index.js') violations.push(`${relative(ROOT, file)} imports ${spec}`);
    }
  }
  assert.deepEqual(violations, []);
});

test('pure cores use no clock, randomness, timers or IO', () => {
  const violations: string[] = [];
  for (const layer of PURE) {
    let files: string[] = [];
    try {
      files = sourceFiles(join(ROOT, 'src', layer));
    } catch {
      continue;
    }
    for (const file of files) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (IMPURE_CALLS.test(line)) violations.push(`${relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(violations, []);
});
