import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_OPTION_NAMES, parseAdminConfig, parseConsumerConfig, parseProducerConfig } from './config.js';
import { KafkaConfigError } from './errors.js';

test('CLIENT_OPTION_NAMES lists exactly the options each client accepts', () => {
  const bootstrap = { 'bootstrap.servers': 'localhost:9092' };
  const accepts = (parse: (o: never) => unknown, key: string): boolean => {
    try {
      parse((key === 'bootstrap.servers' ? bootstrap : { ...bootstrap, [key]: undefined }) as never);
      return true;
    } catch (err) {
      if (err instanceof KafkaConfigError && err.message.startsWith('Unknown')) return false;
      throw err;
    }
  };
  for (const [kind, parse] of [['admin', parseAdminConfig], ['producer', parseProducerConfig], ['consumer', parseConsumerConfig]] as const) {
    const names = CLIENT_OPTION_NAMES[kind];
    assert.ok(names.includes('bootstrap.servers') && names.includes('client.id'));
    for (const name of names) assert.ok(accepts(parse as (o: never) => unknown, name), `${kind} rejects ${name}`);
    assert.equal(accepts(parse as (o: never) => unknown, 'key.serializer'), false);
  }
  assert.ok(CLIENT_OPTION_NAMES.producer.includes('linger.ms') && !CLIENT_OPTION_NAMES.consumer.includes('linger.ms'));
  assert.ok(CLIENT_OPTION_NAMES.consumer.includes('group.id') && !CLIENT_OPTION_NAMES.admin.includes('group.id'));
});
