import type { OptionSpec, ParsedArgs } from './args.js';

/** Where a tool writes: stdout, stderr and the input it reads (console-producer). */
export interface ToolIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Environment variables. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves when the user asks the tool to stop (SIGINT/SIGTERM); long-running tools race on it. */
  readonly interrupted: Promise<void>;
}

/** One Kafka-compatible tool: `samsa <name>` and `kafka-<name>[.sh]`. */
export interface Tool {
  /** Name after `samsa`, e.g. 'topics'; the Kafka entry point is `kafka-<name>`. */
  readonly name: string;
  /** One line for `samsa --help`. */
  readonly summary: string;
  readonly options: readonly OptionSpec[];
  /** Runs the tool; resolves to the process exit code. Throw UsageError for bad flags. */
  run(args: ParsedArgs, io: ToolIo): Promise<number>;
}
