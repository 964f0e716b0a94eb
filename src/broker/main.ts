import { readFileSync } from 'node:fs';
import { Broker } from './broker.js';
import { loadBrokerConfig } from './config/broker-config.js';
import { ConfigError } from './config/config-error.js';
import { BROKER_NODE_FLAGS } from './node-flags.js';

const USAGE = `Usage: samsa server [server.properties] [--config FILE] [--override key=value ...]

Starts one Samsa node (broker and controller, a single voter by default).
  --config FILE          a Kafka server.properties file (also accepted as the first argument)
  --override key=value   set any Kafka broker config key; repeatable; beats the file and the environment
  --help                 this text

Environment variables follow the apache/kafka image (KAFKA_LOG_DIRS -> log.dirs) and Bitnami's
KAFKA_CFG_* form. Precedence: defaults < file < environment < --override.`;

/** Parsed command line of `samsa server`. */
export interface ServerArgs {
  file?: string;
  overrides: string[];
  help: boolean;
}

/** Parses `samsa server` arguments; throws an Error with a usage hint on bad input. */
export function parseServerArgs(argv: readonly string[]): ServerArgs {
  const out: ServerArgs = { overrides: [], help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') && !arg.startsWith('--override=') ? [arg, undefined] : arg.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`Option ${flag} needs a value.`);
      return v;
    };
    if (arg === '--help' || arg === '-h') out.help = true;
    else if (flag === '--config') out.file = value();
    else if (flag === '--override') out.overrides.push(value());
    else if (!arg.startsWith('-') && out.file === undefined) out.file = arg;
    else throw new Error(`Unknown option '${arg}'.`);
  }
  return out;
}

/** Runs the server until SIGTERM or SIGINT; returns the process exit code on start-up failure. */
export async function runServer(argv: readonly string[]): Promise<number> {
  let args: ServerArgs;
  try {
    args = parseServerArgs(argv);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  let broker: Broker;
  try {
    if (args.file) readFileSync(args.file);
    const config = loadBrokerConfig({ file: args.file, overrides: args.overrides, env: process.env });
    for (const warning of config.warnings) process.stderr.write(`WARN: ${warning}\n`);
    const missingFlags = BROKER_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
    if (missingFlags.length > 0) {
      process.stderr.write(`NOTE: started without ${missingFlags.join(' ')}; under load the broker spends far more time collecting garbage. Start it as \`node ${BROKER_NODE_FLAGS.join(' ')} bin/samsa.js server ...\` (samsa cluster and npm run start:single do).\n`);
    }
    broker = await Broker.start(config, (m) => process.stdout.write(`${new Date().toISOString()} ${m}\n`));
  } catch (e) {
    if (e instanceof ConfigError) process.stderr.write(`Invalid configuration:\n${e.message}\n`);
    else if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') process.stderr.write(`Cannot listen: ${(e as Error).message}. Is another broker running on that port?\n`);
    else if ((e as NodeJS.ErrnoException).code === 'ENOENT' && args.file) process.stderr.write(`Cannot read config file ${args.file}: ${(e as Error).message}\n`);
    else process.stderr.write(`Start-up failed: ${(e as Error).stack ?? e}\n`);
    return 1;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`${new Date().toISOString()} ${signal} received, shutting down\n`);
    broker.shutdown().then(
      () => process.exit(0),
      (e: Error) => {
        process.stderr.write(`Shutdown failed: ${e.stack}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}
