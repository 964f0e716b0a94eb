import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsumerRecord } from '../client/index.js';
import { DefaultMessageFormatter } from './formatter.js';

const record = (over: Partial<ConsumerRecord> = {}): ConsumerRecord => ({
  topic: 't',
  partition: 0,
  offset: 42n,
  timestamp: 1_700_000_000_000,
  timestampType: 'CreateTime',
  key: Buffer.from('key'),
  value: Buffer.from('value'),
  headers: [
    { key: 'h1', value: Buffer.from('v1') },
    { key: 'h2', value: Buffer.from('v2') },
  ],
  leaderEpoch: 0,
  ...over,
});

const format = (props: Record<string, string>, r = record()): string => new DefaultMessageFormatter(new Map(Object.entries(props))).format(r).toString();

test('default prints the value and a newline', () => {
  assert.equal(format({}), 'value\n');
});

test('every field in Kafka order: timestamp, partition, offset, headers, key, value', () => {
  const all = { 'print.timestamp': 'true', 'print.partition': 'true', 'print.offset': 'true', 'print.headers': 'true', 'print.key': 'true' };
  assert.equal(format(all), 'CreateTime:1700000000000\tPartition:0\tOffset:42\th1:v1,h2:v2\tkey\tvalue\n');
  assert.equal(format({ ...all, 'key.separator': ' | ', 'line.separator': '\r\n', 'headers.separator': ';' }), 'CreateTime:1700000000000 | Partition:0 | Offset:42 | h1:v1;h2:v2 | key | value\r\n');
  assert.equal(format(all, record({ timestampType: 'LogAppendTime' })).split('\t')[0], 'LogAppendTime:1700000000000');
  assert.equal(format(all, record({ timestamp: -1 })).split('\t')[0], 'NO_TIMESTAMP');
});

test('print.value=false ends the line after the last printed field', () => {
  assert.equal(format({ 'print.key': 'true', 'print.value': 'false' }), 'key\n');
  assert.equal(format({ 'print.offset': 'true', 'print.value': 'false' }), 'Offset:42\n');
  assert.equal(format({ 'print.value': 'false' }), '');
});

test('nulls print null.literal; no headers print NO_HEADERS; booleans are case-insensitive', () => {
  const r = record({ key: null, value: null, headers: [] });
  assert.equal(format({ 'print.key': 'TRUE', 'print.headers': ' true ' }, r), 'NO_HEADERS\tnull\tnull\n');
  assert.equal(format({ 'print.key': 'true', 'null.literal': '<nil>' }, r), '<nil>\t<nil>\n');
  assert.equal(format({ 'print.headers': 'true' }, record({ headers: [{ key: 'a', value: null }] })), 'a:null\tvalue\n');
});

test('Java deserializer classes decode numbers; unknown classes are rejected', () => {
  const r = record({ key: Buffer.from([0, 0, 1, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0, 0, 7]) });
  const props = { 'print.key': 'true', 'key.deserializer': 'org.apache.kafka.common.serialization.IntegerDeserializer', 'value.deserializer': 'org.apache.kafka.common.serialization.LongDeserializer' };
  assert.equal(format(props, r), '256\t7\n');
  assert.throws(() => format({ 'value.deserializer': 'com.example.AvroDeserializer' }), /Unknown deserializer class 'com\.example\.AvroDeserializer'/);
});
