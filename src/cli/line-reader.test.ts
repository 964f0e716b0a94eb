import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineMessageReader } from './line-reader.js';

const reader = (props: Record<string, string> = {}): LineMessageReader => new LineMessageReader(new Map(Object.entries(props)));
const text = (b: Buffer | null): string | null => (b === null ? null : b.toString());

test('a plain line is the value; tabs stay in it', () => {
  assert.deepEqual(reader().parse('a\tb', 1), { key: null, value: 'a\tb', headers: undefined });
});

test('parse.key splits at the first key.separator', () => {
  assert.deepEqual(reader({ 'parse.key': 'true' }).parse('k\tv\tw', 1), { key: 'k', value: 'v\tw', headers: undefined });
  assert.deepEqual(reader({ 'parse.key': 'true', 'key.separator': '::' }).parse('k::v', 1), { key: 'k', value: 'v', headers: undefined });
  assert.throws(() => reader({ 'parse.key': 'true' }).parse('novalue', 3), /^LineFormatError: No key separator found on line number 3: 'novalue'$/);
  assert.deepEqual(reader({ 'parse.key': 'true', 'ignore.error': 'true' }).parse('novalue', 3), { key: null, value: 'novalue', headers: undefined });
});

test('parse.headers with parse.key: h1:v1,h2:v2<TAB>key<TAB>value', () => {
  const parsed = reader({ 'parse.headers': 'true', 'parse.key': 'true' }).parse('h1:v1,h2:v2\tkey\tvalue', 1);
  assert.equal(parsed.key, 'key');
  assert.equal(parsed.value, 'value');
  assert.deepEqual(parsed.headers!.map((h) => [h.key, text(h.value)]), [['h1', 'v1'], ['h2', 'v2']]);
  assert.throws(() => reader({ 'parse.headers': 'true' }).parse('h1\tv', 2), /No header key separator found in pair 'h1' on line number 2/);
  const lenient = reader({ 'parse.headers': 'true', 'ignore.error': 'true' }).parse('h1\tv', 2);
  assert.deepEqual(lenient.headers!.map((h) => [h.key, h.value]), [['h1', null]]);
});

test('null.marker turns key, value and header values into null; separators must differ', () => {
  const r = reader({ 'parse.key': 'true', 'parse.headers': 'true', 'null.marker': 'NULL' });
  const parsed = r.parse('a:NULL\tNULL\tNULL', 1);
  assert.equal(parsed.key, null);
  assert.equal(parsed.value, null);
  assert.deepEqual(parsed.headers!.map((h) => [h.key, h.value]), [['a', null]]);
  assert.equal(r.parse('NULL\tk\tv', 1).headers, undefined);
  assert.throws(() => r.parse('NULL:x\tk\tv', 1), /Header keys should not be equal to the null marker 'NULL'/);
  assert.throws(() => reader({ 'headers.separator': ':' }), /headers\.separator and headers\.key\.separator may not be equal/);
  assert.throws(() => reader({ 'null.marker': '\t' }), /null\.marker and key\.separator may not be equal/);
});
