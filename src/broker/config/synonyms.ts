/** DescribeConfigs synonym lists, computed the way Kafka's ConfigHelper.configSynonyms does. */
import { ConfigSource, type ConfigSourceId } from './config-value.js';

/** One synonym of a described config: a name, its value (null when sensitive) and its source. */
export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceId;
}

/** Where static and default values of broker keys are looked up. */
export interface SynonymValues {
  /** The value set in the static configuration (file, environment, --override), if any. */
  staticText(name: string): string | undefined;
  /** Kafka's code default as text; null when there is none. */
  defaultText(name: string): string | null;
}

/**
 * Synonyms of broker key `name` drawn from `synonyms`: first every statically set one, then every
 * one with a non-null default, then everything before the first entry named `name` is dropped.
 * (So `retention.ms` shows nothing when only `log.retention.hours` is set, exactly like Kafka.)
 */
export function configSynonyms(
  name: string,
  synonyms: readonly string[],
  values: SynonymValues,
  isSensitive: boolean,
): ConfigSynonym[] {
  const all: ConfigSynonym[] = [];
  for (const synonym of synonyms) {
    const text = values.staticText(synonym);
    if (text !== undefined) all.push({ name: synonym, value: isSensitive ? null : text, source: ConfigSource.STATIC_BROKER_CONFIG });
  }
  for (const synonym of synonyms) {
    const text = values.defaultText(synonym);
    if (text !== null) all.push({ name: synonym, value: isSensitive ? null : text, source: ConfigSource.DEFAULT_CONFIG });
  }
  const first = all.findIndex((synonym) => synonym.name === name);
  return first === -1 ? [] : all.slice(first);
}
