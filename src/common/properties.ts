/**
 * A parser for Java `.properties` text with java.util.Properties.load semantics: `key=value`,
 * `key: value`, `key value`, `#`/`!` comments, backslash continuations, `\t \n \r \f \uXXXX` escapes,
 * and trailing whitespace kept in values. Unlike Java it reads UTF-8, not ISO-8859-1.
 */

/** One `key=value` entry; `line` is the 1-based line on which the entry starts. */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/** A syntax error at a line (only malformed `\uXXXX` escapes are errors in Java). */
export class PropertiesSyntaxError extends Error {
  override name = 'PropertiesSyntaxError';

  constructor(readonly line: number, readonly reason: string) {
    super(`line ${line}: ${reason}`);
  }
}

interface LogicalLine {
  readonly text: string;
  readonly line: number;
}

const WHITESPACE = new Set([' ', '\t', '\f']);
const SEPARATORS = new Set(['=', ':']);
const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

/** Parses properties text into entries in file order (duplicates kept; the last one wins when applied). */
export function parseProperties(text: string): PropertyEntry[] {
  return logicalLines(text).map(({ text: lineText, line }) => parseEntry(lineText, line));
}

/** Splits into logical lines: comments and blank lines dropped, continuations joined. */
function logicalLines(text: string): LogicalLine[] {
  const natural = text.split(/\r\n|\r|\n/);
  const result: LogicalLine[] = [];
  let pending: { parts: string[]; line: number } | undefined;
  for (let index = 0; index < natural.length; index++) {
    const raw = natural[index]!;
    const stripped = stripLeadingWhitespace(raw);
    if (pending === undefined) {
      if (stripped === '' || stripped.startsWith('#') || stripped.startsWith('!')) continue;
      pending = { parts: [], line: index + 1 };
    }
    if (endsWithContinuation(stripped)) {
      pending.parts.push(stripped.slice(0, -1));
      continue;
    }
    pending.parts.push(stripped);
    result.push({ text: pending.parts.join(''), line: pending.line });
    pending = undefined;
  }
  if (pending !== undefined) result.push({ text: pending.parts.join(''), line: pending.line });
  return result;
}

function stripLeadingWhitespace(text: string): string {
  let start = 0;
  while (start < text.length && WHITESPACE.has(text[start]!)) start++;
  return text.slice(start);
}

/** An odd number of trailing backslashes means the line continues. */
function endsWithContinuation(text: string): boolean {
  let count = 0;
  for (let index = text.length - 1; index >= 0 && text[index] === '\\'; index--) count++;
  return count % 2 === 1;
}

function parseEntry(text: string, line: number): PropertyEntry {
  let keyEnd = 0;
  while (keyEnd < text.length) {
    const char = text[keyEnd]!;
    if (char === '\\') keyEnd += 2;
    else if (SEPARATORS.has(char) || WHITESPACE.has(char)) break;
    else keyEnd++;
  }
  keyEnd = Math.min(keyEnd, text.length);
  let valueStart = keyEnd;
  while (valueStart < text.length && WHITESPACE.has(text[valueStart]!)) valueStart++;
  if (valueStart < text.length && SEPARATORS.has(text[valueStart]!)) valueStart++;
  while (valueStart < text.length && WHITESPACE.has(text[valueStart]!)) valueStart++;
  return { key: unescape(text.slice(0, keyEnd), line), value: unescape(text.slice(valueStart), line), line };
}

function unescape(text: string, line: number): string {
  let result = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index]!;
    if (char !== '\\') {
      result += char;
      continue;
    }
    const next = text[++index];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = text.slice(index + 1, index + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new PropertiesSyntaxError(line, 'Malformed \\uxxxx encoding.');
      result += String.fromCharCode(parseInt(hex, 16));
      index += 4;
    } else {
      result += ESCAPES[next] ?? next;
    }
  }
  return result;
}
