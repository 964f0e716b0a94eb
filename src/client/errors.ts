import { ErrorCode, KafkaError } from '../common/index.js';

/** A broker could not be reached or the connection broke; retriable (NETWORK_EXCEPTION). */
export class KafkaConnectionError extends KafkaError {
  override name = 'KafkaConnectionError';
  /** `host:port` the client tried. */
  readonly address: string;

  constructor(address: string, message: string, options?: { cause?: unknown }) {
    super(ErrorCode.NETWORK_EXCEPTION, message);
    this.address = address;
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

/** A request got no response within request.timeout.ms (REQUEST_TIMED_OUT, retriable). */
export class KafkaTimeoutError extends KafkaError {
  override name = 'KafkaTimeoutError';

  constructor(message: string) {
    super(ErrorCode.REQUEST_TIMED_OUT, message);
  }
}

/** An invalid client option: names the key, the value and what is accepted. */
export class KafkaConfigError extends Error {
  override name = 'KafkaConfigError';
}

/** The client (producer, consumer or admin) was closed; the operation cannot proceed. */
export class KafkaClosedError extends Error {
  override name = 'KafkaClosedError';
}

/** A KafkaError from a broker response; keeps the broker's own error text (tools print it verbatim, as Kafka's do). */
export class KafkaResponseError extends KafkaError {
  /** The errorMessage field of the response, or null when the broker sent none. */
  readonly brokerMessage: string | null;

  constructor(code: number, message: string, brokerMessage: string | null) {
    super(code, message);
    this.brokerMessage = brokerMessage;
  }
}

/** Builds the KafkaError for a non-zero error code, with the broker's message when it sent one. */
export function kafkaErrorFor(code: number, context: string, brokerMessage?: string | null): KafkaResponseError {
  const detail = brokerMessage ? `: ${brokerMessage}` : '';
  return new KafkaResponseError(code, `${context}: ${new KafkaError(code).errorName}${detail}`, brokerMessage || null);
}

/** Whether an error is worth retrying (a retriable Kafka error code, a broken connection, a timeout). */
export function isRetriableError(err: unknown): boolean {
  return err instanceof KafkaError && err.retriable;
}
