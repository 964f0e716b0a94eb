/** Parsed static broker values over Kafka's defaults: the lookup both loading and BrokerConfig use. */
import { assert } from '../../common/assert.js';
import { BROKER_CONFIG_KEYS } from './config-def.js';
import { type ConfigValue, isFailure, parseConfigValue, type ParsedValue } from './config-value.js';
import type { ConfigOrigin } from './settings.js';

/** A statically configured value: parsed, with its raw text and origin. */
export interface StaticValue {
  readonly parsed: ParsedValue;
  readonly raw: string;
  readonly origin: ConfigOrigin;
}

let parsedDefaults: Map<string, ParsedValue> | undefined;

/** Kafka's code defaults, parsed once; an invalid default in the table is a bug. */
export function defaultValues(): ReadonlyMap<string, ParsedValue> {
  if (parsedDefaults) return parsedDefaults;
  parsedDefaults = new Map();
  for (const definition of BROKER_CONFIG_KEYS.values()) {
    if (definition.defaultValue === null) {
      parsedDefaults.set(definition.name, { value: null, text: null });
      continue;
    }
    const parsed = parseConfigValue(definition.type, definition.defaultValue);
    assert(!isFailure(parsed), `default of ${definition.name} does not parse`);
    assert(parsed.value === null || !definition.validator?.(parsed.value), `default of ${definition.name} is invalid`);
    parsedDefaults.set(definition.name, parsed);
  }
  return parsedDefaults;
}

/** Static values over defaults; keys listed in `failedKeys` had invalid values. */
export class ValueTable {
  constructor(
    readonly statics: ReadonlyMap<string, StaticValue>,
    readonly failedKeys: ReadonlySet<string>,
  ) {}

  /** The typed value in effect; asserts the key is known. */
  get(key: string): ConfigValue {
    return this.parsed(key).value;
  }

  /** The canonical text in effect (static, else default); null when unset. */
  text(key: string): string | null {
    return this.parsed(key).text;
  }

  /** True when the key was set in the file, environment or an override. */
  isSet(key: string): boolean {
    return this.statics.has(key);
  }

  /** True when every listed key parsed (or was not set): checks over them are meaningful. */
  allValid(...keys: readonly string[]): boolean {
    return keys.every((key) => !this.failedKeys.has(key));
  }

  private parsed(key: string): ParsedValue {
    const value = this.statics.get(key)?.parsed ?? defaultValues().get(key);
    assert(value !== undefined, `unknown broker config key ${key}`);
    return value;
  }
}
