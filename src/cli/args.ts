/** One option of a tool, in the jopt-simple/argparse4j style Kafka's tools use. */
export interface OptionSpec {
  /** Long name without dashes, e.g. 'bootstrap-server'. */
  readonly name: string;
  /** Short alias without the dash, e.g. 't' (argparse4j tools). */
  readonly short?: string;
  /** Whether the option takes a value ('--topic foo'); flags take none. */
  readonly takesValue: boolean;
  /** Whether it may be given several times (values collected in order). */
  readonly repeatable?: boolean;
  /** Several values after one flag until the next option (argparse4j nargs='+', e.g. --producer-props). */
  readonly multipleValues?: boolean;
  /** The value may be left out (jopt-simple withOptionalArg, e.g. a bare --compression-codec); a bare flag stores ''. */
  readonly optionalValue?: boolean;
  /** Value placeholder and description for the usage table. */
  readonly valueName?: string;
  readonly description: string;
  /** Other spellings accepted (KIP-1147: old and new names); values land under `name`. */
  readonly aliases?: readonly string[];
  /** When set, using an alias prints this Kafka deprecation text to stderr. */
  readonly deprecatedAliases?: readonly string[];
}

/** Parsed options: values by option name (arrays for repeatable options), plus positional arguments. */
export interface ParsedArgs {
  readonly values: ReadonlyMap<string, string[]>;
  readonly positional: readonly string[];
  has(name: string): boolean;
  /** The last value of an option, or undefined. */
  get(name: string): string | undefined;
  /** Every value of an option (repeatable or multi-valued). */
  all(name: string): string[];
}

/** A command-line mistake: the tool prints the message and its usage, and exits with code 1. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Parses `--name value`, `--name=value`, `-s value`, flags, repeatable and multi-valued options.
 * Unknown options are errors naming the option, as Kafka's tools report them.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], warn: (message: string) => void = () => {}): ParsedArgs {
  const byName = new Map<string, { spec: OptionSpec; spelled: string }>();
  for (const spec of specs) {
    byName.set(`--${spec.name}`, { spec, spelled: spec.name });
    if (spec.short) byName.set(`-${spec.short}`, { spec, spelled: spec.short });
    for (const alias of spec.aliases ?? []) byName.set(`--${alias}`, { spec, spelled: alias });
  }
  const values = new Map<string, string[]>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const found = byName.get(flag);
    if (!found) throw new UsageError(`${flag} is not a recognized option`);
    const { spec, spelled } = found;
    if (spec.deprecatedAliases?.includes(spelled)) {
      warn(`Option --${spelled} is deprecated and will be removed in a future version. Use --${spec.name} instead.`);
    }
    const list = values.get(spec.name) ?? [];
    if (!spec.takesValue) {
      if (eq > 0) throw new UsageError(`Option ${flag} does not take a value`);
      list.push('true');
    } else if (eq > 0) {
      list.push(arg.slice(eq + 1));
    } else if (spec.optionalValue) {
      const next = argv[i + 1];
      const isValue = next !== undefined && !(next.startsWith('-') && next.length > 1);
      list.push(isValue ? next : '');
      if (isValue) i++;
    } else if (spec.multipleValues) {
      let taken = 0;
      while (i + 1 < argv.length && !(argv[i + 1]!.startsWith('-') && argv[i + 1]!.length > 1 && byName.has(argv[i + 1]!.split('=')[0]!))) {
        list.push(argv[++i]!);
        taken++;
      }
      if (taken === 0) throw new UsageError(`Option ${flag} requires an argument`);
    } else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`Option ${flag} requires an argument`);
      list.push(next);
      i++;
    }
    if (!spec.repeatable && !spec.multipleValues && values.has(spec.name) && spec.takesValue) {
      // Later values win, as with jopt-simple's valueOf on a non-repeatable option.
      values.set(spec.name, [list[list.length - 1]!]);
      continue;
    }
    values.set(spec.name, list);
  }
  return {
    values,
    positional,
    has: (name) => values.has(name),
    get: (name) => values.get(name)?.at(-1),
    all: (name) => values.get(name) ?? [],
  };
}

/** The option table printed by --help and after usage errors. */
export function formatUsage(specs: readonly OptionSpec[]): string {
  const rows = specs.map((s) => {
    const names = [`--${s.name}`, ...(s.short ? [`-${s.short}`] : []), ...(s.aliases ?? []).map((a) => `--${a}`)].join(', ');
    return [s.takesValue ? `${names} <${s.valueName ?? 'String'}>` : names, s.description] as const;
  });
  const width = Math.max('Option'.length, ...rows.map((r) => r[0].length)) + 2;
  const lines = [`${'Option'.padEnd(width)}Description`, `${'------'.padEnd(width)}-----------`];
  for (const [left, right] of rows) lines.push(`${left.padEnd(width)}${right}`);
  return lines.join('\n');
}

/** Parses `k=v` items (repeatable --config, --producer-property, ...) into a map; throws UsageError on a malformed one. */
export function parseKeyValues(items: readonly string[], what: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`Invalid ${what} '${item}': expected key=value`);
    out.set(item.slice(0, eq).trim(), item.slice(eq + 1));
  }
  return out;
}
