import { UsageError, formatUsage, parseArgs } from './args.js';
import type { Tool, ToolIo } from './tool.js';
import { TOOLS } from './tools/index.js';
import { describeError } from './errors.js';

/** The tool called `name` (accepts `kafka-topics`, `kafka-topics.sh` and `topics`). */
export function findTool(name: string): Tool | undefined {
  const bare = name.replace(/\.sh$/, '').replace(/^kafka-/, '');
  return TOOLS.find((t) => t.name === bare);
}

/** Text of `samsa --help`. */
export function toolList(): string {
  const width = Math.max(...TOOLS.map((t) => t.name.length)) + 2;
  return ['Usage: samsa <tool> [options]   (or kafka-<tool> with Kafka\'s own flags)', '', 'Tools:', ...TOOLS.map((t) => `  ${t.name.padEnd(width)}${t.summary}`), '', 'Every tool takes --help.'].join('\n');
}

/** Runs a tool with its arguments; resolves to the exit code. Never throws. */
export async function runTool(tool: Tool, argv: readonly string[], io: ToolIo): Promise<number> {
  const write = (stream: NodeJS.WritableStream, text: string) => stream.write(text.endsWith('\n') ? text : `${text}\n`);
  if (argv.includes('--help') || argv.includes('-h')) {
    write(io.stdout, `${tool.summary}\n${formatUsage(tool.options)}`);
    return 0;
  }
  try {
    const args = parseArgs(argv, tool.options, (m) => write(io.stderr, m));
    return await tool.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      write(io.stderr, `${error.message}\n${formatUsage(tool.options)}`);
      return 1;
    }
    write(io.stderr, describeError(error));
    return 1;
  }
}

/** Process-level entry: `samsa <tool> ...` or a `kafka-<tool>` entry point. */
export async function main(toolName: string | undefined, argv: readonly string[]): Promise<number> {
  if (!toolName || toolName === '--help' || toolName === '-h' || toolName === 'help') {
    process.stdout.write(`${toolList()}\n`);
    return toolName ? 0 : 1;
  }
  const tool = findTool(toolName);
  if (!tool) {
    process.stderr.write(`Unknown tool '${toolName}'.\n${toolList()}\n`);
    return 1;
  }
  let interrupt!: () => void;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  let signals = 0;
  const onSignal = (): void => {
    if (++signals > 1) process.exit(130);
    interrupt();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return runTool(tool, argv, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, interrupted });
}
