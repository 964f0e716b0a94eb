import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { parseProperties, PropertiesSyntaxError } from './properties.js';

const pairs = (text: string) => parseProperties(text).map(({ key, value }) => [key, value]);

test('three separator forms', () => {
  assert.deepEqual(pairs('a=1\nb: 2\nc 3\nd\t=\t4\ne   :   5'), [['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5']]);
});

test('comments and blank lines are skipped; # inside a value is kept', () => {
  assert.deepEqual(pairs('# comment\n! also comment\n   # indented comment\n\n   \nkey=value # not a comment'), [['key', 'value # not a comment']]);
});

test('line numbers point at the first line of each entry', () => {
  const entries = parseProperties('# c\n\na=1\nb=2 \\\n  continued\nc=3');
  assert.deepEqual(entries.map((entry) => [entry.key, entry.line]), [['a', 3], ['b', 4], ['c', 6]]);
});

test('backslash continuation strips leading whitespace of the next line', () => {
  assert.deepEqual(pairs('fruits=apple, \\\n    banana, \\\n\tpear'), [['fruits', 'apple, banana, pear']]);
});

test('an even number of trailing backslashes does not continue', () => {
  assert.deepEqual(pairs('a=x\\\\\nb=y'), [['a', 'x\\'], ['b', 'y']]);
});

test('a comment line ending in a backslash does not continue', () => {
  assert.deepEqual(pairs('# comment \\\na=1'), [['a', '1']]);
});

test('a continued line may start with # without being a comment', () => {
  assert.deepEqual(pairs('a=1\\\n#2'), [['a', '1#2']]);
});

test('escapes: \\t \\n \\r \\f \\uXXXX and escaped separators in keys', () => {
  assert.deepEqual(pairs('k=a\\tb\\nc\\rd\\fe\\u00e9\\u20AC'), [['k', 'a\tb\nc\rd\fe\u00e9\u20ac']]);
  assert.deepEqual(pairs('key\\=with\\:seps\\ and\\ space=v'), [['key=with:seps and space', 'v']]);
  assert.deepEqual(pairs('k=\\q\\\\'), [['k', 'q\\']]);
});

test('trailing whitespace is kept in values, leading whitespace dropped', () => {
  assert.deepEqual(pairs('k =   v  \t'), [['k', 'v  \t']]);
});

test('a key alone has an empty value; an empty key is allowed', () => {
  assert.deepEqual(pairs('lonely\nalso:\n=v'), [['lonely', ''], ['also', ''], ['', 'v']]);
});

test('only the first separator splits; later ones belong to the value', () => {
  assert.deepEqual(pairs('listeners=PLAINTEXT://:9092\nmap=A:B,C:D\nk = = x'), [['listeners', 'PLAINTEXT://:9092'], ['map', 'A:B,C:D'], ['k', '= x']]);
});

test('CRLF and CR line endings', () => {
  assert.deepEqual(pairs('a=1\r\nb=2\rc=3\r\n'), [['a', '1'], ['b', '2'], ['c', '3']]);
});

test('a dangling backslash at end of input is dropped', () => {
  assert.deepEqual(pairs('a=1\\'), [['a', '1']]);
});

test('duplicates are kept in order (the loader lets the last win)', () => {
  assert.deepEqual(pairs('a=1\na=2'), [['a', '1'], ['a', '2']]);
});

test('malformed \\u escape is an error with the line number', () => {
  assert.throws(() => parseProperties('ok=1\nbad=\\u12G4'), (error: unknown) => {
    assert.ok(error instanceof PropertiesSyntaxError);
    assert.equal(error.line, 2);
    assert.match(error.message, /Malformed \\uxxxx encoding/);
    return true;
  });
});
