// `samsa leader-election` / `kafka-leader-election`: Kafka's LeaderElectionCommand (preferred or unclean elections).
import { readFileSync } from 'node:fs';
import type { ElectionType, PartitionResult, TopicPartition } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { javaExceptionText, kafkaMessage } from '../kafka-errors.js';
import type { Tool } from '../tool.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'admin.config', takesValue: true, valueName: 'String: config file', description: 'Configuration properties files to pass to the admin client' },
  { name: 'all-topic-partitions', takesValue: false, description: 'Perform election on all of the eligible topic partitions based on the type of election (see the --election-type flag). Not allowed if --topic or --path-to-json-file is specified.' },
  { name: 'bootstrap-server', takesValue: true, valueName: 'String: host:port', description: 'A hostname and port for the broker to connect to, in the form host:port. Multiple comma separated URLs can be given. REQUIRED.' },
  { name: 'election-type', takesValue: true, valueName: '[PREFERRED,UNCLEAN]: election type', description: 'Type of election to attempt. Possible values are "preferred" for preferred leader election or "unclean" for unclean leader election. If preferred election is selection, the election is only performed if the current leader is not the preferred leader for the topic partition. If unclean election is selected, the election is only performed if there are no leader for the topic partition. REQUIRED.' },
  { name: 'partition', takesValue: true, valueName: 'Integer: partition id', description: 'Name of the partition to elect leaders for. Requires --topic.' },
  { name: 'path-to-json-file', takesValue: true, valueName: 'String: Path to JSON file', description: 'The JSON file with the list of partition for which leader elections should be performed. This is an example format. \n{"partitions":\n\t[{"topic": "foo", "partition": 1},\n\t {"topic": "foobar", "partition": 2}]\n}\nNot allowed if --all-topic-partitions or --topic flags are specified.' },
  { name: 'topic', takesValue: true, valueName: 'String: topic name', description: 'Name of topic for which to perform an election. Not allowed if --path-to-json-file or --all-topic-partitions is specified. Requires --partition.' },
];

/** Kafka's TerseException / AdminCommandFailedException: the message alone on stderr, exit 1. */
class ElectionCommandError extends Error {}

/** What to elect: the election type and the partitions (null: all). */
export interface ElectionRequest {
  type: ElectionType;
  partitions: TopicPartition[] | null;
}

export const leaderElectionTool: Tool = {
  name: 'leader-election',
  summary: 'This tool attempts to elect a new leader for a set of topic partitions. The type of elections supported are preferred replicas and unclean replicas.',
  options: OPTIONS,
  async run(args, io) {
    try {
      const request = electionRequestOf(args, (file) => readFileSync(file, 'utf8'));
      const results = await withAdmin(args, (admin) => admin.electLeaders(request.type, request.partitions));
      const { stdout, failed } = formatElectionResults(request.type, results);
      io.stdout.write(stdout);
      if (failed > 0) {
        io.stderr.write(`${failed} replica(s) could not be elected\n`);
        return 1;
      }
      return 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`${error instanceof ElectionCommandError ? error.message : kafkaMessage(error)}\n`);
      return 1;
    }
  },
};

/** Validates the options (LeaderElectionCommandOptions) and reads the partitions to elect. */
export function electionRequestOf(args: ParsedArgs, readFile: (path: string) => string): ElectionRequest {
  const missing = ['bootstrap-server', 'election-type'].filter((o) => !args.has(o));
  if (missing.length > 0) throw new UsageError(`Missing required option(s) [${missing.join(', ')}]`);
  const rawType = args.get('election-type')!;
  const type = rawType.toLowerCase();
  if (type !== 'preferred' && type !== 'unclean') throw new UsageError(`Cannot parse argument '${rawType}' of option election-type: expected PREFERRED or UNCLEAN`);
  const sources = ['topic', 'all-topic-partitions', 'path-to-json-file'].filter((o) => args.has(o));
  if (sources.length !== 1) throw new UsageError('One and only one of the following options is required: --all-topic-partitions, --topic, --path-to-json-file');
  if (args.has('partition') && !args.has('topic')) throw new UsageError('Option partition requires option topic');
  if (args.has('topic')) {
    if (!args.has('partition')) throw new UsageError('Missing required option(s) [partition]');
    const raw = args.get('partition')!;
    if (!/^\d+$/.test(raw.trim())) throw new UsageError(`Cannot parse argument '${raw}' of option partition`);
    return { type, partitions: [{ topic: args.get('topic')!, partition: Number(raw) }] };
  }
  if (args.has('all-topic-partitions')) return { type, partitions: null };
  const file = args.get('path-to-json-file')!;
  let text: string;
  try {
    text = readFile(file);
  } catch (e) {
    throw new UsageError(`Cannot read ${file}: ${(e as Error).message}`);
  }
  return { type, partitions: parseElectionJson(text) };
}

/** `{"partitions": [{"topic": "foo", "partition": 1}, ...]}`; duplicates are refused as Kafka does. */
export function parseElectionJson(text: string): TopicPartition[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ElectionCommandError(`Error parsing the JSON file: ${(e as Error).message}`);
  }
  const list = (json as { partitions?: unknown })?.partitions;
  if (!Array.isArray(list)) throw new ElectionCommandError('Replica election data is missing "partitions" field');
  const out: TopicPartition[] = [];
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const item of list) {
    const { topic, partition } = (item ?? {}) as { topic?: unknown; partition?: unknown };
    if (typeof topic !== 'string' || !Number.isInteger(partition)) throw new ElectionCommandError(`Invalid partition in the JSON file: ${JSON.stringify(item)} (expected {"topic": "name", "partition": N})`);
    const key = `${topic}-${partition}`;
    if (seen.has(key)) duplicates.add(key);
    seen.add(key);
    out.push({ topic, partition: partition as number });
  }
  if (duplicates.size > 0) throw new ElectionCommandError(`Replica election data contains duplicate partitions: ${[...duplicates].join(',')}`);
  return out;
}

/** Kafka's result lines: elected, already elected (ELECTION_NOT_NEEDED), and one error line per failure. */
export function formatElectionResults(type: ElectionType, results: readonly PartitionResult[]): { stdout: string; failed: number } {
  const label = type.toUpperCase();
  const name = (r: PartitionResult) => `${r.topic}-${r.partition}`;
  const succeeded = results.filter((r) => r.error === null);
  const noop = results.filter((r) => r.error?.errorName === 'ELECTION_NOT_NEEDED');
  const failed = results.filter((r) => r.error !== null && r.error.errorName !== 'ELECTION_NOT_NEEDED');
  let out = '';
  if (succeeded.length > 0) out += `Successfully completed leader election (${label}) for partitions ${succeeded.map(name).join(', ')}\n`;
  if (noop.length > 0) out += `Valid replica already elected for partitions ${noop.map(name).join(', ')}\n`;
  for (const r of failed) out += `Error completing leader election (${label}) for partition: ${name(r)}: ${javaExceptionText(r.error)}\n`;
  return { stdout: out, failed: failed.length };
}
