/**
 * Typed parsing of configuration values with Kafka's ConfigDef semantics: values are trimmed,
 * numbers are Java integers of a fixed width, lists split on commas with surrounding whitespace.
 */

/** Kafka's config value types, numbered as DescribeConfigs' ConfigType field. */
export const ConfigType = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

/** Name of a config value type (`'INT'`, `'LONG'`, ...). */
export type ConfigTypeName = keyof typeof ConfigType;

/** Kafka's DescribeConfigs ConfigSource ids. */
export const ConfigSource = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** A DescribeConfigs config source id. */
export type ConfigSourceId = (typeof ConfigSource)[keyof typeof ConfigSource];

/** A parsed value: LONGs are numbers clamped to the safe-integer range (see `text` for the exact value). */
export type ConfigValue = boolean | number | string | readonly string[] | null;

/** A value together with its canonical text, as Kafka's ConfigDef.convertToString prints it. */
export interface ParsedValue {
  readonly value: ConfigValue;
  readonly text: string | null;
}

/** Why a value was rejected; `value` names the offending list element when it differs from the whole. */
export interface ValidationFailure {
  readonly reason: string;
  readonly value?: string;
}

/** Checks a parsed, non-null value; returns a failure or undefined when valid. */
export type Validator = (value: Exclude<ConfigValue, null>) => ValidationFailure | undefined;

const INTEGER_BOUNDS = {
  SHORT: [-(2n ** 15n), 2n ** 15n - 1n],
  INT: [-(2n ** 31n), 2n ** 31n - 1n],
  LONG: [-(2n ** 63n), 2n ** 63n - 1n],
} as const;

const DOUBLE_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[dDfF]?$/;
const SPECIAL_DOUBLES: Record<string, number> = { NaN: NaN, Infinity: Infinity, '+Infinity': Infinity, '-Infinity': -Infinity };

/** Parses `raw` as `type`; returns the value or a Kafka-worded reason (`Not a number of type INT`). */
export function parseConfigValue(type: ConfigTypeName, raw: string): ParsedValue | ValidationFailure {
  const trimmed = raw.trim();
  switch (type) {
    case 'BOOLEAN':
      return parseBoolean(trimmed);
    case 'SHORT':
    case 'INT':
    case 'LONG':
      return parseInteger(type, trimmed);
    case 'DOUBLE':
      return parseDouble(trimmed);
    case 'LIST': {
      const items = trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
      return { value: items, text: items.join(',') };
    }
    case 'STRING':
    case 'CLASS':
    case 'PASSWORD':
      return { value: trimmed, text: trimmed };
  }
}

/** True when a parse result is a failure rather than a value. */
export function isFailure(result: ParsedValue | ValidationFailure): result is ValidationFailure {
  return 'reason' in result;
}

function parseBoolean(text: string): ParsedValue | ValidationFailure {
  const lower = text.toLowerCase();
  if (lower === 'true' || lower === 'false') return { value: lower === 'true', text: lower };
  return { reason: 'Expected value to be either true or false' };
}

function parseInteger(type: 'SHORT' | 'INT' | 'LONG', text: string): ParsedValue | ValidationFailure {
  const failure = { reason: `Not a number of type ${type}` };
  if (!/^[+-]?\d+$/.test(text)) return failure;
  const big = BigInt(text);
  const [min, max] = INTEGER_BOUNDS[type];
  if (big < min || big > max) return failure;
  return { value: clampToSafeInteger(big), text: big.toString() };
}

function clampToSafeInteger(big: bigint): number {
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(big);
}

function parseDouble(text: string): ParsedValue | ValidationFailure {
  const special = SPECIAL_DOUBLES[text];
  if (special !== undefined) return { value: special, text: javaDoubleToString(special) };
  if (!DOUBLE_PATTERN.test(text)) return { reason: 'Not a number of type DOUBLE' };
  const value = Number(text.replace(/[dDfF]$/, ''));
  return { value, text: javaDoubleToString(value) };
}

/** Formats a number as Java's Double.toString does for the values configs use (0.5, 1.0, 1.0E7). */
export function javaDoubleToString(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e7)) {
    const [mantissa = '', exponent = ''] = value.toExponential().split('e');
    const withPoint = mantissa.includes('.') ? mantissa : `${mantissa}.0`;
    return `${withPoint}E${exponent.replace('+', '')}`;
  }
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

/** Kafka's Range.atLeast. */
export function atLeast(min: number): Validator {
  return (value) => (typeof value === 'number' && value < min ? { reason: `Value must be at least ${min}` } : undefined);
}

/** Kafka's Range.between. */
export function between(min: number, max: number): Validator {
  return (value) => {
    if (typeof value !== 'number') return undefined;
    if (value < min) return { reason: `Value must be at least ${min}` };
    if (value > max) return { reason: `Value must be no more than ${max}` };
    return undefined;
  };
}

/** Kafka's ValidString.in / ValidList.in: case-sensitive membership, per element for lists. */
export function oneOf(...allowed: readonly string[]): Validator {
  const reason = `String must be one of: ${allowed.join(', ')}`;
  return (value) => {
    const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as readonly string[]) : [];
    const bad = items.find((item) => !allowed.includes(item));
    if (bad === undefined) return undefined;
    return typeof value === 'string' ? { reason } : { reason, value: bad };
  };
}

/** A validator that passes only when all of the given validators pass. */
export function allOf(...validators: readonly Validator[]): Validator {
  return (value) => {
    for (const validator of validators) {
      const failure = validator(value);
      if (failure) return failure;
    }
    return undefined;
  };
}

/** Kafka's gzip level rule: -1 (the codec default) or 1 to 9. */
export const gzipLevel: Validator = allOf(between(-1, 9), (value) =>
  value === 0 ? { reason: 'Value must be -1 (default) or between 1 and 9' } : undefined,
);
