import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import { atLeast, between, javaDoubleToString, oneOf, parseConfigValue } from './config-value.js';

test('integers are Java fixed-width', () => {
  assert.deepEqual(parseConfigValue('INT', ' 42 '), { value: 42, text: '42' });
  assert.deepEqual(parseConfigValue('INT', '+7'), { value: 7, text: '7' });
  assert.deepEqual(parseConfigValue('INT', '2147483648'), { reason: 'Not a number of type INT' });
  assert.deepEqual(parseConfigValue('SHORT', '32768'), { reason: 'Not a number of type SHORT' });
  assert.deepEqual(parseConfigValue('INT', '1.5'), { reason: 'Not a number of type INT' });
  assert.deepEqual(parseConfigValue('INT', ''), { reason: 'Not a number of type INT' });
});

test('LONG keeps the exact text and clamps the number to the safe range', () => {
  assert.deepEqual(parseConfigValue('LONG', '9223372036854775807'), { value: Number.MAX_SAFE_INTEGER, text: '9223372036854775807' });
  assert.deepEqual(parseConfigValue('LONG', '9223372036854775808'), { reason: 'Not a number of type LONG' });
  assert.deepEqual(parseConfigValue('LONG', '-1'), { value: -1, text: '-1' });
});

test('booleans, lists, doubles, strings', () => {
  assert.deepEqual(parseConfigValue('BOOLEAN', 'TRUE'), { value: true, text: 'true' });
  assert.deepEqual(parseConfigValue('BOOLEAN', 'yes'), { reason: 'Expected value to be either true or false' });
  assert.deepEqual(parseConfigValue('LIST', ' a , b,c '), { value: ['a', 'b', 'c'], text: 'a,b,c' });
  assert.deepEqual(parseConfigValue('LIST', '  '), { value: [], text: '' });
  assert.deepEqual(parseConfigValue('DOUBLE', '0.5'), { value: 0.5, text: '0.5' });
  assert.deepEqual(parseConfigValue('DOUBLE', 'half'), { reason: 'Not a number of type DOUBLE' });
  assert.deepEqual(parseConfigValue('STRING', '  x  '), { value: 'x', text: 'x' });
});

test('Java Double.toString formatting', () => {
  assert.equal(javaDoubleToString(1), '1.0');
  assert.equal(javaDoubleToString(0.5), '0.5');
  assert.equal(javaDoubleToString(1e7), '1.0E7');
  assert.equal(javaDoubleToString(Number.MAX_VALUE), '1.7976931348623157E308');
  assert.equal(javaDoubleToString(0.0001), '1.0E-4');
});

test('validators word failures like Kafka', () => {
  assert.deepEqual(atLeast(1)(0), { reason: 'Value must be at least 1' });
  assert.deepEqual(between(0, 1)(2), { reason: 'Value must be no more than 1' });
  assert.deepEqual(oneOf('delete', 'compact')('x'), { reason: 'String must be one of: delete, compact' });
  assert.deepEqual(oneOf('delete', 'compact')(['delete', 'y']), { reason: 'String must be one of: delete, compact', value: 'y' });
  assert.equal(oneOf('delete', 'compact')(['delete', 'compact']), undefined);
});
