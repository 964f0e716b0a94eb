import { KafkaConnectionError, KafkaError, KafkaTimeoutError } from '../client/index.js';

/** A failure message a person can act on: the Kafka error name and text, or the address tried. */
export function describeError(error: unknown): string {
  if (error instanceof KafkaConnectionError || error instanceof KafkaTimeoutError) return `Error: ${error.message}`;
  if (error instanceof KafkaError) return `Error: ${error.errorName}: ${error.message}`;
  if (error instanceof Error) return `Error: ${error.message}`;
  return `Error: ${String(error)}`;
}
