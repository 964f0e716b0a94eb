import { Admin, KafkaTimeoutError, type AdminOptions } from '../client/index.js';
import type { ParsedArgs } from './args.js';
import { clientOptions } from './client-props.js';
import { readPropertiesFile, required } from './common.js';

/** Kafka's AdminClient default for `default.api.timeout.ms`: the most one tool command may take. */
export const DEFAULT_API_TIMEOUT_MS = 60_000;

/** Client keys the tools read themselves instead of passing them to the Admin client. */
const TOOL_KEYS = ['default.api.timeout.ms'];

/**
 * Runs `fn` with an Admin client for `--bootstrap-server` (or `--bootstrap-controller`) and `--command-config` (or `--admin.config`), bounded by
 * `default.api.timeout.ms` (from the command config; default 60 s) so a silent broker cannot hang
 * the tool (or `deadlineOverrideMs`, e.g. consumer-groups' --timeout), and closes the client however `fn` ends. A broker that refuses connections fails at
 * once with the address tried; per-request limits are the client's `request.timeout.ms`.
 */
export async function withAdmin<T>(args: ParsedArgs, fn: (admin: Admin) => Promise<T>, extra: Record<string, string> = {}, deadlineOverrideMs?: number): Promise<T> {
  // `--admin.config` is kafka-leader-election's spelling of --command-config.
  const configFile = args.get('command-config') ?? args.get('admin.config');
  const props = configFile !== undefined ? readPropertiesFile(configFile) : new Map<string, string>();
  // `--bootstrap-controller` (kafka-metadata-quorum, kafka-reassign-partitions) reaches the controller listener instead.
  const bootstrap = args.get('bootstrap-server') ?? args.get('bootstrap-controller') ?? required(args, 'bootstrap-server');
  const deadlineText = props.get('default.api.timeout.ms');
  const deadlineMs = deadlineOverrideMs ?? (deadlineText !== undefined && /^\d+$/.test(deadlineText.trim()) ? Number(deadlineText.trim()) : DEFAULT_API_TIMEOUT_MS);
  for (const key of TOOL_KEYS) props.delete(key);
  // Unknown or Java-only keys are skipped with Kafka's warning, as the console and perf tools do.
  const options = { ...clientOptions('admin', props, (line) => process.stderr.write(`${line}\n`)), 'bootstrap.servers': bootstrap, 'client.id': props.get('client.id') ?? extra['client.id'] ?? 'samsa-cli' };
  const admin = new Admin(options as unknown as AdminOptions);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KafkaTimeoutError(`Timed out after ${deadlineMs} ms waiting for the cluster at ${bootstrap} (${deadlineOverrideMs !== undefined ? '--timeout' : 'default.api.timeout.ms'})`)), deadlineMs);
  });
  try {
    return await Promise.race([(async () => {
      await admin.connect();
      return fn(admin);
    })(), deadline]);
  } finally {
    clearTimeout(timer);
    await admin.close();
  }
}
