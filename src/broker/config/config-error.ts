/** Configuration problems, worded like Kafka's ConfigException so people can act on them. */

/** One problem with one key: what was wrong, with which value, and where it came from. */
export interface ConfigProblem {
  readonly key: string;
  readonly value: string | null;
  /** Where the value came from, e.g. `/etc/kafka/server.properties:12`; empty for request input. */
  readonly source: string;
  /** The Kafka-style message, without the source. */
  readonly message: string;
  /** What to do about it, e.g. "Did you mean 'num.partitions'?"; printed after the source. */
  readonly hint?: string;
}

/** Thrown when configuration is invalid; lists every problem found, not only the first. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    super(formatProblems(problems));
    this.problems = problems;
  }
}

/** Kafka's ConfigException wording: `Invalid value <v> for configuration <key>: <reason>`. */
export function invalidValueMessage(key: string, value: string | null, reason: string): string {
  return `Invalid value ${value} for configuration ${key}: ${reason}`;
}

/** One problem as a line: message plus `(from <source>)` when the source is known. */
export function formatProblem(problem: ConfigProblem): string {
  const located = problem.source === '' ? problem.message : `${problem.message} (from ${problem.source})`;
  return problem.hint ? `${located}. ${problem.hint}` : located;
}

function formatProblems(problems: readonly ConfigProblem[]): string {
  if (problems.length === 1) return formatProblem(problems[0]!);
  const lines = problems.map((problem) => `  - ${formatProblem(problem)}`);
  return `${problems.length} configuration problems:\n${lines.join('\n')}`;
}

/** The known name closest to `name` when it is plausibly a typo, for "did you mean" hints. */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  const normalized = name.toLowerCase().replace(/[_-]/g, '.');
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(name.length / 5)) + 1;
  for (const candidate of known) {
    if (candidate === normalized) return candidate;
    const distance = editDistance(normalized, candidate, bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance, giving up (returning `limit`) once every path exceeds `limit`. */
function editDistance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin >= limit) return limit;
    previous = current;
  }
  return previous[b.length]!;
}
