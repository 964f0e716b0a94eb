/**
 * What the client benchmark's orchestrator (clients.ts) and its client processes (clients-node.ts,
 * clients-librdkafka.py) exchange: one task in, `measure-start`/`measure-end`/`result` messages
 * out, over the fork IPC channel (newline-delimited JSON, which Python speaks too).
 */

/** The clients compared, each run in its own process. */
export const CLIENT_NAMES = ['samsa', 'kafkajs', 'platformatic', 'librdkafka'] as const;

/** One of {@link CLIENT_NAMES}. */
export type ClientName = (typeof CLIENT_NAMES)[number];

/** Produce `records` records into an empty topic, or consume the first `records` records of a filled one. */
export interface ClientTask {
  kind: 'client-produce' | 'client-consume';
  /** The broker is always Samsa (GeneratorTask's field). */
  target: 'samsa';
  client: ClientName;
  host: string;
  port: number;
  topic: string;
  records: number;
  recordBytes: number;
  /** batch.size (bytes) of clients with an accumulator; records per send() = batchBytes / recordBytes for the others. */
  batchBytes: number;
  lingerMs: number;
  /** max.in.flight.requests.per.connection (or the client's equivalent). */
  maxInFlight: number;
  /** Records produced and not yet acknowledged, at most (the bench's own backpressure). */
  windowRecords: number;
  /** Records acknowledged (or received) before the measured window opens. */
  warmupRecords: number;
  /** Consumer group for the clients that cannot consume without one (KafkaJS, @platformatic/kafka). */
  groupId: string;
  /** Hard limit on the whole task, connection included. */
  timeLimitMs: number;
}

/** What a client process reports. */
export interface ClientResult {
  kind: ClientTask['kind'];
  target: 'samsa';
  client: ClientName;
  /** Client library version as the library reports it. */
  version: string;
  /** Records acknowledged (produce) or received (consume) inside the measured window. */
  measuredRecords: number;
  measuredMs: number;
  recordsPerSec: number;
  /** Payload (value bytes) per second, MiB = 2^20 bytes. */
  mibPerSec: number;
  totalRecords: number;
  /** First record sent (or first fetch) -> last acknowledgement (or record), ms. */
  totalMs: number;
  /** Client process CPU (user+system, all threads) over the measured window, % of one core. */
  generatorCpuPercent: number;
  /** Consume: value bytes received over the whole run (checked against records x recordBytes). */
  valueBytes: number;
  /** Consume: offset of the last record counted (records - 1 expected). */
  lastOffset: number;
}
