import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_HEADER, MessageGenerator, kebab } from './generate.js';
import { readSchemas, type MessageSpec } from './schema.js';

/** Where the schemas are read from by default: ../shared/kafka-protocol beside the repository. */
export function defaultSchemaDir(): string {
  const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return process.env.SAMSA_KAFKA_PROTOCOL_DIR ?? resolve(repo, '..', 'shared', 'kafka-protocol');
}

/**
 * Accepts either the shared layout (messages/, metadata-records/, coordinator-records/) or an
 * apache/kafka checkout (clients/src/main/resources/common/message, metadata/..., ...).
 */
export function schemaFolders(root: string): { messages: string; metadata: string[]; coordinator: string[] } {
  const kafka = join(root, 'clients', 'src', 'main', 'resources', 'common', 'message');
  if (exists(kafka)) {
    return {
      messages: kafka,
      metadata: [join(root, 'metadata', 'src', 'main', 'resources', 'common', 'metadata')],
      coordinator: [
        join(root, 'group-coordinator', 'src', 'main', 'resources', 'common', 'message'),
        join(root, 'transaction-coordinator', 'src', 'main', 'resources', 'common', 'message'),
      ].filter(exists),
    };
  }
  return {
    messages: join(root, 'messages'),
    metadata: [join(root, 'metadata-records')],
    coordinator: [join(root, 'coordinator-records')],
  };
}

function exists(path: string): boolean {
  try {
    readdirSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Generates every module into `outDir` (replacing its contents); returns file name -> source. */
export function generateAll(schemaRoot: string): Map<string, string> {
  const folders = schemaFolders(schemaRoot);
  const files = new Map<string, string>();
  const messages = readSchemas(folders.messages);
  for (const spec of messages) files.set(`${kebab(spec.name)}.ts`, new MessageGenerator(spec, './primitives.js').generate());
  const metadata = folders.metadata.flatMap(readSchemas);
  for (const spec of metadata) {
    files.set(`metadata/${kebab(spec.name)}.ts`, new MessageGenerator(spec, '../primitives.js').generate());
  }
  const coordinator = folders.coordinator.flatMap(readSchemas).filter((s) => s.type === 'data');
  for (const spec of coordinator) {
    files.set(`coordinator/${kebab(spec.name)}.ts`, new MessageGenerator(spec, '../primitives.js').generate());
  }
  files.set('primitives.ts', `${GENERATED_HEADER}export * from '../primitives/index.js';\n`);
  files.set('apis.ts', apiTable(messages));
  files.set('metadata/index.ts', recordIndex(metadata, 'metadata records'));
  files.set('coordinator/index.ts', recordIndex(coordinator, 'coordinator records'));
  return files;
}

function apiTable(messages: MessageSpec[]): string {
  const requests = messages.filter((m) => m.type === 'request').sort((a, b) => a.apiKey! - b.apiKey!);
  const byName = new Map(messages.map((m) => [m.name, m]));
  const lines = [GENERATED_HEADER, "import type { MessageCodec } from './primitives.js';"];
  for (const req of requests) {
    const base = req.name.replace(/Request$/, '');
    lines.push(`import { ${req.name} } from './${kebab(req.name)}.js';`);
    if (!byName.has(`${base}Response`)) throw new Error(`no response schema for ${req.name}`);
    lines.push(`import { ${base}Response } from './${kebab(base)}-response.js';`);
  }
  lines.push('');
  lines.push('/** API keys by name. */');
  lines.push('export const ApiKey = {');
  for (const req of requests) lines.push(`  ${req.name.replace(/Request$/, '')}: ${req.apiKey},`);
  lines.push('} as const;');
  lines.push('');
  lines.push('/** What the schemas say about one API. */');
  lines.push('export interface ApiSchema {');
  lines.push('  readonly apiKey: number;');
  lines.push('  readonly name: string;');
  lines.push('  readonly request: MessageCodec<any>;');
  lines.push('  readonly response: MessageCodec<any>;');
  lines.push('  readonly listeners: readonly string[];');
  lines.push('}');
  lines.push('');
  lines.push('/** Every API of the schemas, by key. */');
  lines.push('export const API_SCHEMAS: ReadonlyMap<number, ApiSchema> = new Map<number, ApiSchema>([');
  for (const req of requests) {
    const base = req.name.replace(/Request$/, '');
    const listeners = JSON.stringify(req.listeners ?? []);
    lines.push(`  [${req.apiKey}, { apiKey: ${req.apiKey}, name: '${base}', request: ${req.name}, response: ${base}Response, listeners: ${listeners} }],`);
  }
  lines.push(']);');
  return lines.join('\n') + '\n';
}

function recordIndex(specs: MessageSpec[], what: string): string {
  const lines = [GENERATED_HEADER, `// The ${what} codecs.`];
  for (const spec of specs) lines.push(`export * from './${kebab(spec.name)}.js';`);
  return lines.join('\n') + '\n';
}

/** The folder generated code lives in. */
export function generatedDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'protocol', 'generated');
}

function main(): void {
  const args = process.argv.slice(2);
  const schemaRoot = args[0] ?? defaultSchemaDir();
  const outDir = args[1] ?? generatedDir();
  const files = generateAll(schemaRoot);
  rmSync(outDir, { recursive: true, force: true });
  for (const [name, source] of files) {
    mkdirSync(dirname(join(outDir, name)), { recursive: true });
    writeFileSync(join(outDir, name), source);
  }
  console.log(`generated ${files.size} files from ${schemaRoot} into ${outDir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
