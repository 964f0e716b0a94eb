import { readFileSync } from 'node:fs';
import { parseProperties } from '../common/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from './args.js';

/** `--bootstrap-server host:port[,host:port]`, required by almost every tool. */
export const BOOTSTRAP_SERVER: OptionSpec = {
  name: 'bootstrap-server',
  takesValue: true,
  valueName: 'String: server to connect to',
  description: 'REQUIRED: The Kafka server to connect to.',
};

/** `--command-config <file>`: client properties for the admin client. */
export const COMMAND_CONFIG: OptionSpec = {
  name: 'command-config',
  takesValue: true,
  valueName: 'String: command config property file',
  description: 'Property file containing configs to be passed to Admin Client.',
};

/** The value of a required option, or a UsageError in jopt-simple's words. */
export function required(args: ParsedArgs, name: string): string {
  const value = args.get(name);
  if (value === undefined) throw new UsageError(`Missing required argument "[${name}]"`);
  return value;
}

/** Reads a Java properties file (client configs); a missing or unreadable file is a UsageError naming it. */
export function readPropertiesFile(file: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read properties file ${file}: ${(e as Error).message}`);
  }
  return new Map(parseProperties(text).map((p) => [p.key, p.value]));
}

/** Client config keys whose values stay strings even when they look like numbers. */
const STRING_KEYS = new Set(['acks', 'client.id', 'group.id', 'group.instance.id', 'bootstrap.servers', 'transactional.id']);

/**
 * Turns Kafka client properties (all strings, from files or `k=v` flags) into the typed options
 * of Samsa's client: numbers and booleans where they look like ones.
 */
export function typedClientOptions(props: ReadonlyMap<string, string>): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, raw] of props) {
    const value = raw.trim();
    if (STRING_KEYS.has(key)) out[key] = value;
    else if (/^-?\d+$/.test(value) && Number.isSafeInteger(Number(value))) out[key] = Number(value);
    else if (value === 'true' || value === 'false') out[key] = value === 'true';
    else out[key] = value;
  }
  return out;
}
