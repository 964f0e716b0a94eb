import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSimpleDate, javaDouble, javaFixed } from './java-format.js';

test('javaFixed rounds the shortest decimal half-up like Java printf', () => {
  assert.equal(javaFixed(1.005, 2), '1.01'); // toFixed gives 1.00
  assert.equal(javaFixed(2.675, 2), '2.68');
  assert.equal(javaFixed(0.125, 2), '0.13');
  assert.equal(javaFixed(31669.956823, 6), '31669.956823');
  assert.equal(javaFixed(1 / 3, 6), '0.333333');
  assert.equal(javaFixed(961.2851, 2), '961.29');
  assert.equal(javaFixed(1354, 2), '1354.00');
  assert.equal(javaFixed(0, 1), '0.0');
  assert.equal(javaFixed(0.04, 1), '0.0');
  assert.equal(javaFixed(0.05, 1), '0.1');
  assert.equal(javaFixed(123456789.5, 0), '123456790');
  assert.equal(javaFixed(1e-7, 4), '0.0000');
  assert.equal(javaFixed(1e21, 1), '1000000000000000000000.0');
  assert.equal(javaFixed(-1.25, 1), '-1.3');
  assert.equal(javaFixed(NaN, 2), 'NaN');
  assert.equal(javaFixed(Infinity, 2), 'Infinity');
});

test('javaDouble matches Double.toString', () => {
  assert.equal(javaDouble(2), '2.0');
  assert.equal(javaDouble(0.5), '0.5');
  assert.equal(javaDouble(1.234567), '1.234567');
  assert.equal(javaDouble(0.0001), '1.0E-4');
  assert.equal(javaDouble(0.00012345), '1.2345E-4');
  assert.equal(javaDouble(12345678.9), '1.23456789E7');
  assert.equal(javaDouble(0), '0.0');
});

test('formatSimpleDate follows SimpleDateFormat patterns', () => {
  const ms = new Date(2024, 0, 5, 7, 8, 9, 42).getTime();
  assert.equal(formatSimpleDate(ms, 'yyyy-MM-dd HH:mm:ss:SSS'), '2024-01-05 07:08:09:042');
  assert.equal(formatSimpleDate(ms, "yy/M/d h a 'at' EEE MMM"), '24/1/5 7 AM at Fri Jan');
  assert.equal(formatSimpleDate(ms, "''HH''"), "'07'");
  assert.throws(() => formatSimpleDate(ms, 'yyyy-QQ'), /Illegal pattern character 'Q'/);
});
