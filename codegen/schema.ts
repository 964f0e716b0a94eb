import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One field of a Kafka message schema, as in apache/kafka's JSON files. */
export interface FieldSpec {
  name: string;
  type: string;
  versions?: string;
  nullableVersions?: string;
  taggedVersions?: string;
  tag?: number;
  default?: string | number | boolean;
  ignorable?: boolean;
  flexibleVersions?: string;
  fields?: FieldSpec[];
}

/** A struct shared by several fields of one message. */
export interface StructSpec {
  name: string;
  versions?: string;
  fields: FieldSpec[];
}

/** One message schema file. */
export interface MessageSpec {
  apiKey?: number;
  type: string;
  name: string;
  validVersions: string;
  flexibleVersions: string;
  fields: FieldSpec[];
  commonStructs?: StructSpec[];
  listeners?: string[];
}

/** Strips `//` and `/* *\/` comments outside of string literals. */
export function stripJsonComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2) + 1;
      if (i === 0) break;
    } else {
      out += c;
    }
  }
  return out;
}

/** Reads every `*.json` schema of a folder, sorted by file name. */
export function readSchemas(dir: string): MessageSpec[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(stripJsonComments(readFileSync(join(dir, f), 'utf8'))) as MessageSpec);
}

/** An inclusive version range; max is Infinity for "N+". Empty when min > max. */
export interface VersionRange {
  min: number;
  max: number;
}

/** Parses "0+", "3-5", "7" or "none". */
export function parseVersions(spec: string | undefined): VersionRange {
  if (spec === undefined || spec === 'none' || spec === '') return { min: 1, max: 0 };
  if (spec.endsWith('+')) return { min: Number(spec.slice(0, -1)), max: Infinity };
  const dash = spec.indexOf('-');
  if (dash >= 0) return { min: Number(spec.slice(0, dash)), max: Number(spec.slice(dash + 1)) };
  return { min: Number(spec), max: Number(spec) };
}

/** The intersection of two ranges. */
export function intersect(a: VersionRange, b: VersionRange): VersionRange {
  return { min: Math.max(a.min, b.min), max: Math.min(a.max, b.max) };
}

/** Whether a range holds no version. */
export function isEmpty(r: VersionRange): boolean {
  return r.min > r.max;
}
