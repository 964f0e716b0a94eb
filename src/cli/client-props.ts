/**
 * Turns the Kafka client properties users pass to console and perf tools (`--command-property`,
 * `--producer-props`, config files) into Samsa client options: known keys pass, Java-only keys are
 * ignored with a warning, unknown keys warn as the Java client does, and settings Samsa cannot
 * honour (TLS/SASL, transactions) fail with a message saying so.
 */
import { CLIENT_OPTION_NAMES } from '../client/index.js';
import { typedClientOptions } from './common.js';

/** Which client the properties configure. */
export type ClientKind = 'producer' | 'consumer' | 'admin';

/** Settings of the Java client that have no Samsa equivalent; accepted and ignored. */
const JAVA_ONLY = new Set([
  'key.serializer',
  'value.serializer',
  'key.deserializer',
  'value.deserializer',
  'send.buffer.bytes',
  'receive.buffer.bytes',
  'partitioner.class',
  'partitioner.ignore.keys',
  'partitioner.adaptive.partitioning.enable',
  'partitioner.availability.timeout.ms',
  'interceptor.classes',
  'metric.reporters',
  'metrics.num.samples',
  'metrics.sample.window.ms',
  'metrics.recording.level',
  'auto.include.jmx.reporter',
  'enable.metrics.push',
  'check.crcs',
  'client.dns.lookup',
  'client.rack',
  'reconnect.backoff.ms',
  'reconnect.backoff.max.ms',
  'connections.max.idle.ms',
  'socket.connection.setup.timeout.max.ms',
  'default.api.timeout.ms',
  'exclude.internal.topics',
  'allow.auto.create.topics',
  'metadata.max.idle.ms',
  'compression.gzip.level',
  'compression.lz4.level',
  'compression.zstd.level',
  'transaction.timeout.ms',
  'security.providers',
]);

/** Java assignor class names and the Samsa assignor each one means. */
const ASSIGNOR_CLASSES: Record<string, string> = {
  RangeAssignor: 'range',
  RoundRobinAssignor: 'roundrobin',
  CooperativeStickyAssignor: 'cooperative-sticky',
};

/** A setting Samsa's client cannot honour; the tool stops with this message. */
export class UnsupportedClientSetting extends Error {
  override name = 'UnsupportedClientSetting';
}

/**
 * Client options from user properties. `warn` receives one line per ignored key. Throws
 * UnsupportedClientSetting for TLS/SASL and transactional settings.
 */
export function clientOptions(kind: ClientKind, props: ReadonlyMap<string, string>, warn: (line: string) => void): Record<string, string | number | boolean> {
  const known = new Set(CLIENT_OPTION_NAMES[kind]);
  const kept = new Map<string, string>();
  for (const [key, value] of props) {
    if (known.has(key)) {
      const mapped = key === 'partition.assignment.strategy' ? assignorNames(value, warn) : value;
      if (mapped !== '') kept.set(key, mapped);
    } else if (key === 'security.protocol') {
      if (value.trim().toUpperCase() !== 'PLAINTEXT') {
        throw new UnsupportedClientSetting(`security.protocol=${value} is not supported: Samsa's client connects with PLAINTEXT only.`);
      }
    } else if (key === 'transactional.id') {
      throw new UnsupportedClientSetting(`transactional.id=${value} is not supported: Samsa's client has no transactional producer.`);
    } else if (JAVA_ONLY.has(key) || key.startsWith('ssl.') || key.startsWith('sasl.')) {
      warn(`WARN Ignoring the configuration '${key}': it has no equivalent in Samsa's client.`);
    } else {
      warn(`WARN The configuration '${key}' was supplied but isn't a known config.`);
    }
  }
  return typedClientOptions(kept);
}

function assignorNames(value: string, warn: (line: string) => void): string {
  const names: string[] = [];
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const simple = item.split('.').at(-1)!;
    const mapped = ASSIGNOR_CLASSES[simple] ?? item;
    if (simple === 'StickyAssignor') warn(`WARN Assignor '${item}' is not available in Samsa's client; using the others listed (or the default).`);
    else names.push(mapped);
  }
  return names.join(',');
}

/** Merges property sources in order; later sources win, as Kafka's tools apply file, then flags. */
export function mergeProps(...sources: readonly (ReadonlyMap<string, string> | undefined)[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const source of sources) if (source) for (const [k, v] of source) out.set(k, v);
  return out;
}
