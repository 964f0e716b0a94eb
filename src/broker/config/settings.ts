/**
 * Gathers raw settings from their layers, lowest precedence first: the properties file, the
 * environment, then `--override k=v`. A later layer replaces a key set by an earlier one.
 */
import { readFileSync } from 'node:fs';
import type { ConfigProblem } from './config-error.js';
import { configFromEnv } from './env.js';
import { parseProperties, PropertiesSyntaxError } from '../../common/properties.js';

/** Where a setting came from. */
export type ConfigOrigin =
  | { readonly kind: 'default' }
  | { readonly kind: 'file'; readonly path: string; readonly line: number }
  | { readonly kind: 'env'; readonly variable: string }
  | { readonly kind: 'override'; readonly text: string };

/** One raw key=value setting and its origin. */
export interface RawSetting {
  readonly key: string;
  readonly raw: string;
  readonly origin: ConfigOrigin;
}

/** The inputs of loading: an optional file, the environment, and `--override` arguments. */
export interface SettingSources {
  readonly file?: string;
  readonly overrides?: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Reads the file as text; defaults to reading UTF-8 from disk (injectable for tests). */
  readonly readFile?: (path: string) => string;
}

/** The merged settings (last layer wins), the cluster id from the environment, and problems met. */
export interface GatheredSettings {
  readonly settings: ReadonlyMap<string, RawSetting>;
  readonly clusterId: RawSetting | undefined;
  readonly problems: readonly ConfigProblem[];
}

/** Human-readable origin for messages: `server.properties:12`, `environment variable KAFKA_X`, ... */
export function describeOrigin(origin: ConfigOrigin): string {
  switch (origin.kind) {
    case 'default':
      return 'default';
    case 'file':
      return `${origin.path}:${origin.line}`;
    case 'env':
      return `environment variable ${origin.variable}`;
    case 'override':
      return `--override ${origin.text}`;
  }
}

/** Reads every layer and merges them by precedence: defaults < file < environment < --override. */
export function gatherSettings(sources: SettingSources): GatheredSettings {
  const problems: ConfigProblem[] = [];
  const settings = new Map<string, RawSetting>();
  const env = configFromEnv(sources.env ?? {});
  const layers = [
    sources.file === undefined ? [] : fileSettings(sources.file, sources.readFile ?? readUtf8, problems),
    env.entries.map((entry) => ({ key: entry.key, raw: entry.value, origin: { kind: 'env', variable: entry.variable } as const })),
    overrideSettings(sources.overrides ?? [], problems),
  ];
  for (const setting of layers.flat()) settings.set(setting.key, setting);
  deriveListenersFromAdvertised(settings);
  const clusterId = env.clusterId && { key: 'cluster.id', raw: env.clusterId.value, origin: { kind: 'env', variable: env.clusterId.variable } as const };
  return { settings, clusterId, problems };
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}

function fileSettings(path: string, readFile: (path: string) => string, problems: ConfigProblem[]): RawSetting[] {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    problems.push({ key: '', value: null, source: path, message: `Cannot read configuration file ${path}: ${reason}` });
    return [];
  }
  try {
    return parseProperties(text).map((entry) => ({ key: entry.key, raw: entry.value, origin: { kind: 'file', path, line: entry.line } }));
  } catch (error) {
    if (!(error instanceof PropertiesSyntaxError)) throw error;
    problems.push({ key: '', value: null, source: `${path}:${error.line}`, message: `Cannot parse configuration file: ${error.reason}` });
    return [];
  }
}

function overrideSettings(overrides: readonly string[], problems: ConfigProblem[]): RawSetting[] {
  const result: RawSetting[] = [];
  for (const text of overrides) {
    const equals = text.indexOf('=');
    if (equals <= 0) {
      problems.push({ key: text, value: null, source: `--override ${text}`, message: `Invalid --override '${text}': expected key=value, e.g. --override num.partitions=3` });
      continue;
    }
    result.push({ key: text.slice(0, equals).trim(), raw: text.slice(equals + 1), origin: { kind: 'override', text } });
  }
  return result;
}

/**
 * The apache/kafka image derives KAFKA_LISTENERS from KAFKA_ADVERTISED_LISTENERS (hosts → 0.0.0.0)
 * when it is not set; Samsa does the same when listeners is set nowhere and the advertised
 * listeners came from the environment.
 */
function deriveListenersFromAdvertised(settings: Map<string, RawSetting>): void {
  const advertised = settings.get('advertised.listeners');
  if (settings.has('listeners') || advertised?.origin.kind !== 'env') return;
  if (settings.get('process.roles')?.raw.trim() === 'controller') return;
  const raw = advertised.raw.replace(/:\/\/[^:]*:/g, '://0.0.0.0:');
  settings.set('listeners', { key: 'listeners', raw, origin: advertised.origin });
}
