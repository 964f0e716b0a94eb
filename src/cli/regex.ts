/** Kafka's internal topics (org.apache.kafka.common.internals.Topic.isInternal). */
const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state', '__share_group_state']);

/** Whether Kafka's tools treat `topic` as internal (hidden by --exclude-internal). */
export function isInternalTopic(topic: string): boolean {
  return INTERNAL_TOPICS.has(topic);
}

/**
 * Compiles a Java regular expression (java.util.regex) into a JavaScript RegExp that must match the
 * whole input, as Java's `String.matches` does. The common Java-only syntax is translated:
 * `\Q...\E` quoting, possessive quantifiers (treated as greedy), `\A`, `\Z` and `\z`.
 * Throws an Error naming the pattern when it is not a valid regex.
 */
export function compileJavaRegex(pattern: string): RegExp {
  let source = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const next = pattern[i + 1];
    if (c === '\\' && next === 'Q') {
      const end = pattern.indexOf('\\E', i + 2);
      const literal = pattern.slice(i + 2, end === -1 ? pattern.length : end);
      source += literal.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      i = end === -1 ? pattern.length : end + 1;
    } else if (c === '\\' && !inClass && (next === 'A' || next === 'Z' || next === 'z')) {
      source += next === 'A' ? '^' : '$';
      i++;
    } else if (c === '\\' && next !== undefined) {
      source += c + next;
      i++;
    } else if (c === '[' && !inClass) {
      inClass = true;
      source += c;
      if (next === ']' || (next === '^' && pattern[i + 2] === ']')) {
        // a ']' right after '[' or '[^' is a literal in Java
        source += next === ']' ? '\\]' : '^\\]';
        i += next === ']' ? 1 : 2;
      }
    } else if (c === ']' && inClass) {
      inClass = false;
      source += c;
    } else if (c === '+' && !inClass && i > 0 && /[*+?}]/.test(pattern[i - 1]!) && pattern[i - 2] !== '\\') {
      // possessive quantifier (x*+, x++, x?+, x{n}+): JavaScript has none; greedy matches the same names here
    } else {
      source += c;
    }
  }
  try {
    return new RegExp(`^(?:${source})$`);
  } catch {
    throw new Error(`${pattern} is an invalid regex.`);
  }
}

/**
 * Kafka's topic include list (tools TopicFilter.IncludeList): the raw value is trimmed, commas
 * become alternatives, spaces and surrounding quotes are dropped, and the regex must match the
 * whole topic name. Internal topics are refused when `excludeInternal` is set.
 */
export class TopicIncludeList {
  readonly regex: string;
  private readonly compiled: RegExp;

  constructor(raw: string) {
    this.regex = raw.trim().replaceAll(',', '|').replaceAll(' ', '').replace(/^["']+/, '').replace(/["']+$/, '');
    this.compiled = compileJavaRegex(this.regex);
  }

  /** Whether the topic matches (and is not an excluded internal topic). */
  allows(topic: string, excludeInternal = false): boolean {
    return this.compiled.test(topic) && !(excludeInternal && isInternalTopic(topic));
  }
}
