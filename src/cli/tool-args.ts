/**
 * Typed option values and client property sources shared by the console and perf tools, with
 * jopt-simple's error texts.
 */
import { Admin } from '../client/index.js';
import { UsageError, parseKeyValues, type OptionSpec, type ParsedArgs } from './args.js';
import { readPropertiesFile } from './common.js';
import { compileJavaRegex } from './regex.js';

/** An integer option (jopt `ofType(Integer/Long)`), or `fallback` when absent; a UsageError for garbage. */
export function intArg(args: ParsedArgs, name: string, fallback: number): number;
export function intArg(args: ParsedArgs, name: string, fallback?: number): number | undefined;
export function intArg(args: ParsedArgs, name: string, fallback?: number): number | undefined {
  const raw = args.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw.trim());
  if (raw.trim() === '' || !Number.isSafeInteger(value)) throw new UsageError(`Cannot parse argument '${raw}' of option ${name}`);
  return value;
}

/** A floating-point option (argparse4j `type(Double)`), or a UsageError naming it. */
export function doubleArg(args: ParsedArgs, name: string): number | undefined {
  const raw = args.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  if (raw.trim() === '' || Number.isNaN(value)) throw new UsageError(`argument --${name}: could not convert '${raw}' to Double`);
  return value;
}

/**
 * Client properties from a config-file option and a repeatable `k=v` option: file first, flags
 * override (Kafka's order). Either option may be absent.
 */
export function propsFromArgs(args: ParsedArgs, fileOption: string | undefined, propertyOption: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (fileOption && args.has(fileOption)) for (const [k, v] of readPropertiesFile(args.get(fileOption)!)) out.set(k, v);
  if (propertyOption) for (const [k, v] of parseKeyValues(args.all(propertyOption), 'property')) out.set(k, v);
  return out;
}

/** A `k=v` option with both 4.2 and pre-4.2 spellings (KIP-1147). */
export function renamedOption(name: string, oldName: string, valueName: string, description: string, repeatable = false): OptionSpec {
  return { name, aliases: [oldName], deprecatedAliases: [oldName], takesValue: true, repeatable, valueName, description };
}

/** An `--include` Java regex that must match whole topic names, or a UsageError naming it. */
export function includePattern(raw: string): RegExp {
  try {
    return compileJavaRegex(raw);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** The non-internal topics of the cluster whose names match `pattern`, sorted. */
export async function topicsMatching(bootstrapServers: string, clientId: string, pattern: RegExp): Promise<string[]> {
  const admin = new Admin({ 'bootstrap.servers': bootstrapServers, 'client.id': clientId });
  try {
    return (await admin.listTopics({ includeInternal: false })).filter((t) => pattern.test(t)).sort();
  } finally {
    await admin.close();
  }
}
