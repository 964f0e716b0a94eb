/**
 * kafka-python 2.0.2 KafkaAdminClient error paths: the error class (errno) and, where Kafka sends
 * one, the exact error message a person reads.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withBroker } from '../helpers/broker.js';
import { requireClient } from '../helpers/clients.js';
import { createTopicsKafkaPython, type CreateTopicOutcome } from '../helpers/kafka-python.js';

const INVALID_TOPIC_EXCEPTION = 17;
const TOPIC_ALREADY_EXISTS = 36;
const INVALID_REPLICATION_FACTOR = 38;

function expectError(outcome: CreateTopicOutcome | undefined, errno: number, type: string): string {
  assert.ok(outcome !== undefined);
  assert.notEqual(outcome.error, null, `creating ${JSON.stringify(outcome.name)} succeeded; expected ${type}`);
  assert.equal(outcome.error!.errno, errno, `creating ${JSON.stringify(outcome.name)}: ${JSON.stringify(outcome.error)}`);
  assert.equal(outcome.error!.type, type);
  return outcome.error!.message;
}

test('kafka-python admin: replication factor, existing topic and invalid name errors', { timeout: 55_000 }, async (t) => {
  if (!requireClient(t, 'kafka-python')) return;
  await withBroker({}, async (broker) => {
    const outcomes = await createTopicsKafkaPython(broker.bootstrap, [
      { name: 'rf3', partitions: 1, replicationFactor: 3 },
      { name: 'exists', partitions: 2 },
      { name: 'exists', partitions: 2 },
      { name: 'bad topic!', partitions: 1 },
      { name: '..', partitions: 1 },
      { name: 'x'.repeat(250), partitions: 1 },
    ]);

    const rf = expectError(outcomes[0], INVALID_REPLICATION_FACTOR, 'InvalidReplicationFactorError');
    // kafka-python puts the whole CreateTopics response (with error_message) into the exception text.
    assert.ok(rf.includes("error_message='Replication factor: 3 larger than available brokers: 1.'"), `message was: ${rf}`);

    assert.equal(outcomes[1]?.error, null, `first creation of "exists" failed: ${JSON.stringify(outcomes[1]?.error)}`);
    expectError(outcomes[2], TOPIC_ALREADY_EXISTS, 'TopicAlreadyExistsError');

    for (const outcome of outcomes.slice(3)) expectError(outcome, INVALID_TOPIC_EXCEPTION, 'InvalidTopicError');
  });
});
