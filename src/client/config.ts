import { KafkaConfigError } from './errors.js';

/** Options every client takes (Kafka's config names as keys). */
export interface CommonOptions {
  /** `host:port` list, as a comma-separated string or an array. Required. */
  'bootstrap.servers': string | readonly string[];
  /** Sent in every request header; default 'samsa'. */
  'client.id'?: string;
  /** How long to wait for a response before failing the request and closing the connection; default 30000. */
  'request.timeout.ms'?: number;
  /** Time to establish a TCP connection; default 10000. */
  'socket.connection.setup.timeout.ms'?: number;
  /** Wait between retries of a failed request; default 100. */
  'retry.backoff.ms'?: number;
  /** Upper bound of the exponential retry backoff; default 1000. */
  'retry.backoff.max.ms'?: number;
  /** Unacknowledged requests per connection; default 5. */
  'max.in.flight.requests.per.connection'?: number;
  /** Refresh metadata at least this often; default 300000. */
  'metadata.max.age.ms'?: number;
}

/** Producer options. */
export interface ProducerOptions extends CommonOptions {
  /** 'all' (= -1), 0 or 1; default 'all'. */
  acks?: 'all' | -1 | 0 | 1 | '-1' | '0' | '1';
  /** Largest batch per partition in bytes; default 16384. */
  'batch.size'?: number;
  /** How long to wait for more records before sending a batch that is not full; default 5. */
  'linger.ms'?: number;
  /** Codec of produced batches; default 'none'. */
  'compression.type'?: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  /** Exactly-once per partition with producer ids and sequences; default true. */
  'enable.idempotence'?: boolean;
  /** Bytes of unsent records buffered before send() waits; default 33554432. */
  'buffer.memory'?: number;
  /** How long send() may wait for buffer space or metadata; default 60000. */
  'max.block.ms'?: number;
  /** Largest produce request in bytes; default 1048576. */
  'max.request.size'?: number;
  /** Upper bound on the time to report success or failure of a send; default 120000. */
  'delivery.timeout.ms'?: number;
  /** How often to retry a failed batch; default 2147483647 (bounded by delivery.timeout.ms). */
  retries?: number;
  /** Ask the broker to create a missing topic (auto.create.topics.enable) when fetching its metadata; default true, as the Java producer. */
  'allow.auto.create.topics'?: boolean;
}

/** Consumer options. */
export interface ConsumerOptions extends CommonOptions {
  /** Consumer group; without it the consumer only supports assign(). */
  'group.id'?: string;
  /** Where to start when there is no valid position: 'earliest', 'latest' or 'none'; default 'latest'. */
  'auto.offset.reset'?: 'earliest' | 'latest' | 'none';
  /** 'read_uncommitted' or 'read_committed'; default 'read_uncommitted'. */
  'isolation.level'?: 'read_uncommitted' | 'read_committed';
  /** Minimum bytes the broker waits for; default 1. */
  'fetch.min.bytes'?: number;
  /** Longest the broker waits for fetch.min.bytes; default 500. */
  'fetch.max.wait.ms'?: number;
  /** Largest fetch response; default 52428800. */
  'fetch.max.bytes'?: number;
  /** Largest per-partition chunk of a fetch response; default 1048576. */
  'max.partition.fetch.bytes'?: number;
  /** Most records returned by one poll(); default 500. */
  'max.poll.records'?: number;
  /** Commit positions in the background; default true (groups only). */
  'enable.auto.commit'?: boolean;
  /** How often auto-commit runs; default 5000. */
  'auto.commit.interval.ms'?: number;
  /** Group session timeout; default 45000. */
  'session.timeout.ms'?: number;
  /** Heartbeat period; default 3000. */
  'heartbeat.interval.ms'?: number;
  /** Rebalance timeout sent in JoinGroup; default 300000. */
  'max.poll.interval.ms'?: number;
  /** Assignors in preference order: 'range', 'roundrobin', 'cooperative-sticky'; default ['range', 'cooperative-sticky']. */
  'partition.assignment.strategy'?: string | readonly string[];
  /** Static membership id (KIP-345). */
  'group.instance.id'?: string;
}

/** Admin client options. */
export type AdminOptions = CommonOptions;

type IntSpec = { kind: 'int'; min: number; max: number; default: number };
type StringSpec = { kind: 'string'; default: string | undefined };
type EnumSpec = { kind: 'enum'; values: readonly (string | number)[]; default: string | number };
type BoolSpec = { kind: 'bool'; default: boolean };
type ListSpec = { kind: 'list'; default: readonly string[] | undefined };
type Spec = IntSpec | StringSpec | EnumSpec | BoolSpec | ListSpec;

const INT32_MAX = 2147483647;
const int = (def: number, min = 0, max = INT32_MAX): IntSpec => ({ kind: 'int', min, max, default: def });

const COMMON_SPECS: Record<keyof CommonOptions, Spec> = {
  'bootstrap.servers': { kind: 'list', default: undefined },
  'client.id': { kind: 'string', default: 'samsa' },
  'request.timeout.ms': int(30000, 1),
  'socket.connection.setup.timeout.ms': int(10000, 1),
  'retry.backoff.ms': int(100),
  'retry.backoff.max.ms': int(1000),
  'max.in.flight.requests.per.connection': int(5, 1, 1000),
  'metadata.max.age.ms': int(300000, 1),
};

const PRODUCER_SPECS: Record<Exclude<keyof ProducerOptions, keyof CommonOptions>, Spec> = {
  acks: { kind: 'enum', values: ['all', -1, 0, 1, '-1', '0', '1'], default: 'all' },
  'batch.size': int(16384, 1, 64 * 1024 * 1024),
  'linger.ms': int(5),
  'compression.type': { kind: 'enum', values: ['none', 'gzip', 'snappy', 'lz4', 'zstd'], default: 'none' },
  'enable.idempotence': { kind: 'bool', default: true },
  'buffer.memory': int(33554432, 1, Number.MAX_SAFE_INTEGER),
  'max.block.ms': int(60000),
  'max.request.size': int(1048576, 1),
  'delivery.timeout.ms': int(120000, 1),
  retries: int(INT32_MAX),
  'allow.auto.create.topics': { kind: 'bool', default: true },
};

const CONSUMER_SPECS: Record<Exclude<keyof ConsumerOptions, keyof CommonOptions>, Spec> = {
  'group.id': { kind: 'string', default: undefined },
  'auto.offset.reset': { kind: 'enum', values: ['earliest', 'latest', 'none'], default: 'latest' },
  'isolation.level': { kind: 'enum', values: ['read_uncommitted', 'read_committed'], default: 'read_uncommitted' },
  'fetch.min.bytes': int(1),
  'fetch.max.wait.ms': int(500),
  'fetch.max.bytes': int(52428800, 1),
  'max.partition.fetch.bytes': int(1048576, 1),
  'max.poll.records': int(500, 1),
  'enable.auto.commit': { kind: 'bool', default: true },
  'auto.commit.interval.ms': int(5000, 1),
  'session.timeout.ms': int(45000, 1),
  'heartbeat.interval.ms': int(3000, 1),
  'max.poll.interval.ms': int(300000, 1),
  'partition.assignment.strategy': { kind: 'list', default: ['range', 'cooperative-sticky'] },
  'group.instance.id': { kind: 'string', default: undefined },
};

/** Option names each client accepts (Kafka's config names), for tools that filter user-supplied properties. */
export const CLIENT_OPTION_NAMES: { readonly admin: readonly string[]; readonly producer: readonly string[]; readonly consumer: readonly string[] } = {
  admin: Object.keys(COMMON_SPECS),
  producer: [...Object.keys(COMMON_SPECS), ...Object.keys(PRODUCER_SPECS)],
  consumer: [...Object.keys(COMMON_SPECS), ...Object.keys(CONSUMER_SPECS)],
};

/** Validated common settings, with units in the names. */
export interface ClientConfig {
  bootstrapServers: readonly string[];
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  retryBackoffMs: number;
  retryBackoffMaxMs: number;
  maxInFlightPerConnection: number;
  metadataMaxAgeMs: number;
  /** Metadata requests ask the broker to create missing topics (producers only). */
  allowAutoCreateTopics?: boolean;
}

/** Validated producer settings. */
export interface ProducerConfig extends ClientConfig {
  acks: -1 | 0 | 1;
  batchSizeBytes: number;
  lingerMs: number;
  compression: 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
  idempotent: boolean;
  bufferMemoryBytes: number;
  maxBlockMs: number;
  maxRequestSizeBytes: number;
  deliveryTimeoutMs: number;
  retries: number;
}

/** Validated consumer settings. */
export interface ConsumerConfig extends ClientConfig {
  groupId: string | undefined;
  autoOffsetReset: 'earliest' | 'latest' | 'none';
  readCommitted: boolean;
  fetchMinBytes: number;
  fetchMaxWaitMs: number;
  fetchMaxBytes: number;
  maxPartitionFetchBytes: number;
  maxPollRecords: number;
  autoCommit: boolean;
  autoCommitIntervalMs: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  assignors: readonly string[];
  groupInstanceId: string | undefined;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

function checkValue(what: string, key: string, spec: Spec, value: unknown): unknown {
  const fail = (expected: string): never => {
    throw new KafkaConfigError(`Invalid ${what} option ${key}=${describe(value)}: expected ${expected}.`);
  };
  switch (spec.kind) {
    case 'int': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) return fail(`an integer`);
      if (n < spec.min || n > spec.max) return fail(`an integer from ${spec.min} to ${spec.max}`);
      return n;
    }
    case 'string':
      if (typeof value !== 'string' || value === '') return fail('a non-empty string');
      return value;
    case 'bool':
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      return fail('true or false');
    case 'enum':
      if (!spec.values.includes(value as string | number)) return fail(`one of ${spec.values.map(describe).join(', ')}`);
      return value;
    case 'list': {
      const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? (value as unknown[]) : fail('a comma-separated string or an array of strings');
      const list = items.map((s) => (typeof s === 'string' ? s.trim() : fail('strings only'))).filter((s) => s !== '');
      if (list.length === 0) return fail('at least one entry');
      return list;
    }
  }
}

/** Validates `input` against the specs; returns each key's value (defaults filled in). */
function parse(what: string, specs: Record<string, Spec>, input: object): Record<string, unknown> {
  if (input === null || typeof input !== 'object') throw new KafkaConfigError(`${what} options must be an object, got ${describe(input)}.`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    const spec = specs[key];
    if (spec === undefined) {
      const close = Object.keys(specs).filter((k) => k.replace(/\W/g, '') === key.replace(/\W/g, '').toLowerCase());
      const hint = close.length > 0 ? ` Did you mean '${close[0]}'?` : ` Known options: ${Object.keys(specs).join(', ')}.`;
      throw new KafkaConfigError(`Unknown ${what} option '${key}'.${hint}`);
    }
    if (value !== undefined) out[key] = checkValue(what, key, spec, value);
  }
  for (const [key, spec] of Object.entries(specs)) if (!(key in out)) out[key] = spec.default;
  if (out['bootstrap.servers'] === undefined) {
    throw new KafkaConfigError(`Missing ${what} option 'bootstrap.servers' (e.g. 'localhost:9092').`);
  }
  for (const server of out['bootstrap.servers'] as string[]) parseAddress(server);
  return out;
}

/** Splits `host:port` (IPv6 as `[::1]:9092`); throws KafkaConfigError on a malformed address. */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[?([^\[\]]+?)\]?:(\d{1,5})$/.exec(address.replace(/^[A-Z_]+:\/\//, ''));
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    throw new KafkaConfigError(`Invalid broker address '${address}': expected host:port, e.g. 'localhost:9092'.`);
  }
  return { host: m[1]!, port };
}

function common(v: Record<string, unknown>): ClientConfig {
  return {
    bootstrapServers: v['bootstrap.servers'] as string[],
    clientId: v['client.id'] as string,
    requestTimeoutMs: v['request.timeout.ms'] as number,
    connectTimeoutMs: v['socket.connection.setup.timeout.ms'] as number,
    retryBackoffMs: v['retry.backoff.ms'] as number,
    retryBackoffMaxMs: Math.max(v['retry.backoff.max.ms'] as number, v['retry.backoff.ms'] as number),
    maxInFlightPerConnection: v['max.in.flight.requests.per.connection'] as number,
    metadataMaxAgeMs: v['metadata.max.age.ms'] as number,
  };
}

/** Validates admin options. */
export function parseAdminConfig(input: AdminOptions): ClientConfig {
  return common(parse('admin', COMMON_SPECS, input));
}

/** Validates producer options; idempotence requires acks=all and at most 5 requests in flight. */
export function parseProducerConfig(input: ProducerOptions): ProducerConfig {
  const v = parse('producer', { ...COMMON_SPECS, ...PRODUCER_SPECS }, input);
  const acks = v.acks === 'all' ? -1 : (Number(v.acks) as -1 | 0 | 1);
  const explicitIdempotence = (input as { 'enable.idempotence'?: unknown })['enable.idempotence'] !== undefined;
  let idempotent = v['enable.idempotence'] as boolean;
  const inFlight = v['max.in.flight.requests.per.connection'] as number;
  if (idempotent && (acks !== -1 || inFlight > 5)) {
    if (explicitIdempotence) {
      const why = acks !== -1 ? `acks=${describe(v.acks)} (it needs acks='all')` : `max.in.flight.requests.per.connection=${inFlight} (at most 5)`;
      throw new KafkaConfigError(`Invalid producer options: enable.idempotence=true conflicts with ${why}.`);
    }
    idempotent = false; // as the Java client: the implicit default yields to an explicit acks/in-flight
  }
  return {
    ...common(v),
    acks,
    batchSizeBytes: v['batch.size'] as number,
    lingerMs: v['linger.ms'] as number,
    compression: v['compression.type'] as ProducerConfig['compression'],
    idempotent,
    bufferMemoryBytes: v['buffer.memory'] as number,
    maxBlockMs: v['max.block.ms'] as number,
    maxRequestSizeBytes: v['max.request.size'] as number,
    deliveryTimeoutMs: v['delivery.timeout.ms'] as number,
    retries: v.retries as number,
    allowAutoCreateTopics: v['allow.auto.create.topics'] as boolean,
  };
}

const ASSIGNORS = ['range', 'roundrobin', 'cooperative-sticky'];

/** Validates consumer options. */
export function parseConsumerConfig(input: ConsumerOptions): ConsumerConfig {
  const v = parse('consumer', { ...COMMON_SPECS, ...CONSUMER_SPECS }, input);
  const assignors = v['partition.assignment.strategy'] as string[];
  for (const a of assignors) {
    if (!ASSIGNORS.includes(a)) {
      throw new KafkaConfigError(`Invalid consumer option partition.assignment.strategy: unknown assignor '${a}' (known: ${ASSIGNORS.join(', ')}).`);
    }
  }
  const sessionTimeoutMs = v['session.timeout.ms'] as number;
  const heartbeatIntervalMs = v['heartbeat.interval.ms'] as number;
  if (heartbeatIntervalMs >= sessionTimeoutMs) {
    throw new KafkaConfigError(`Invalid consumer options: heartbeat.interval.ms=${heartbeatIntervalMs} must be lower than session.timeout.ms=${sessionTimeoutMs}.`);
  }
  return {
    ...common(v),
    groupId: v['group.id'] as string | undefined,
    autoOffsetReset: v['auto.offset.reset'] as ConsumerConfig['autoOffsetReset'],
    readCommitted: v['isolation.level'] === 'read_committed',
    fetchMinBytes: v['fetch.min.bytes'] as number,
    fetchMaxWaitMs: v['fetch.max.wait.ms'] as number,
    fetchMaxBytes: v['fetch.max.bytes'] as number,
    maxPartitionFetchBytes: v['max.partition.fetch.bytes'] as number,
    maxPollRecords: v['max.poll.records'] as number,
    autoCommit: v['enable.auto.commit'] as boolean,
    autoCommitIntervalMs: v['auto.commit.interval.ms'] as number,
    sessionTimeoutMs,
    heartbeatIntervalMs,
    rebalanceTimeoutMs: v['max.poll.interval.ms'] as number,
    assignors,
    groupInstanceId: v['group.instance.id'] as string | undefined,
  };
}
