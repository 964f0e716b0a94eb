/**
 * Kafka's LineMessageReader (console producer): one record per input line, optionally
 * `headers<delimiter>key<separator>value`, with the reader properties parse.key, key.separator,
 * parse.headers, headers.delimiter, headers.separator, headers.key.separator, null.marker and
 * ignore.error. Pure: lines in, records out.
 */
import type { RecordHeader } from '../protocol/records/index.js';

/** Reader properties (`--reader-property k=v`) this reader knows. */
export const READER_PROPERTY_NAMES = [
  'parse.key',
  'key.separator',
  'parse.headers',
  'headers.delimiter',
  'headers.separator',
  'headers.key.separator',
  'null.marker',
  'ignore.error',
] as const;

/** One parsed line. */
export interface ParsedLine {
  key: string | null;
  value: string | null;
  headers: RecordHeader[] | undefined;
}

/** A line the reader cannot parse (Kafka's KafkaException text). */
export class LineFormatError extends Error {
  override name = 'LineFormatError';
}

const isTrue = (value: string | undefined): boolean => value !== undefined && value.trim().toLowerCase() === 'true';

/** Java's String.split(regex): splits and drops trailing empty strings. */
function javaSplit(text: string, pattern: RegExp): string[] {
  const parts = text.split(pattern);
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** LineMessageReader configured from reader properties. */
export class LineMessageReader {
  private readonly parseKey: boolean;
  private readonly keySeparator: string;
  private readonly parseHeaders: boolean;
  private readonly headersDelimiter: string;
  private readonly headersSeparator: RegExp;
  private readonly headersKeySeparator: string;
  private readonly nullMarker: string | undefined;
  private readonly ignoreError: boolean;

  /** Throws LineFormatError when separators collide, with Kafka's messages. */
  constructor(props: ReadonlyMap<string, string> = new Map()) {
    this.parseKey = isTrue(props.get('parse.key'));
    this.keySeparator = props.get('key.separator') ?? '\t';
    this.parseHeaders = isTrue(props.get('parse.headers'));
    this.headersDelimiter = props.get('headers.delimiter') ?? '\t';
    const headersSeparator = props.get('headers.separator') ?? ',';
    try {
      this.headersSeparator = new RegExp(headersSeparator);
    } catch {
      throw new LineFormatError(`Invalid headers.separator regular expression '${headersSeparator}'`);
    }
    this.headersKeySeparator = props.get('headers.key.separator') ?? ':';
    this.ignoreError = isTrue(props.get('ignore.error'));
    this.nullMarker = props.get('null.marker');
    const distinct: [string, string | undefined, string, string][] = [
      ['headers.delimiter', this.headersDelimiter, 'headers.separator', headersSeparator],
      ['headers.delimiter', this.headersDelimiter, 'headers.key.separator', this.headersKeySeparator],
      ['headers.separator', headersSeparator, 'headers.key.separator', this.headersKeySeparator],
      ['null.marker', this.nullMarker, 'key.separator', this.keySeparator],
      ['null.marker', this.nullMarker, 'headers.separator', headersSeparator],
      ['null.marker', this.nullMarker, 'headers.delimiter', this.headersDelimiter],
      ['null.marker', this.nullMarker, 'headers.key.separator', this.headersKeySeparator],
    ];
    for (const [a, va, b, vb] of distinct) {
      if (va === vb) throw new LineFormatError(`${a} and ${b} may not be equal`);
    }
  }

  private section(enabled: boolean, line: string, start: number, demarcation: string, name: string, lineNumber: number): string | null {
    if (!enabled) return null;
    const index = line.indexOf(demarcation, start);
    if (index === -1) {
      if (this.ignoreError) return null;
      throw new LineFormatError(`No ${name} found on line number ${lineNumber}: '${line}'`);
    }
    return line.slice(start, index);
  }

  private splitHeaders(headers: string, lineNumber: number): RecordHeader[] {
    return javaSplit(headers, this.headersSeparator).map((pair) => {
      const i = pair.indexOf(this.headersKeySeparator);
      if (i === -1) {
        if (this.ignoreError) return { key: pair, value: null };
        throw new LineFormatError(`No header key separator found in pair '${pair}' on line number ${lineNumber}`);
      }
      const key = pair.slice(0, i);
      if (key === this.nullMarker) throw new LineFormatError(`Header keys should not be equal to the null marker '${this.nullMarker}' as they can't be null`);
      const value = pair.slice(i + this.headersKeySeparator.length);
      return { key, value: value === this.nullMarker ? null : Buffer.from(value, 'utf8') };
    });
  }

  /** Parses one line (without its line terminator); `lineNumber` counts from 1 for messages. */
  parse(line: string, lineNumber: number): ParsedLine {
    const headers = this.section(this.parseHeaders, line, 0, this.headersDelimiter, 'headers delimiter', lineNumber);
    const headerOffset = headers === null ? 0 : headers.length + this.headersDelimiter.length;
    const key = this.section(this.parseKey, line, headerOffset, this.keySeparator, 'key separator', lineNumber);
    const keyOffset = key === null ? 0 : key.length + this.keySeparator.length;
    const value = line.slice(headerOffset + keyOffset);
    return {
      key: key !== null && key !== this.nullMarker ? key : null,
      value: value !== this.nullMarker ? value : null,
      headers: headers !== null && headers !== this.nullMarker ? this.splitHeaders(headers, lineNumber) : undefined,
    };
  }
}
