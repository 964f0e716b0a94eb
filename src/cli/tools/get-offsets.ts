// `samsa get-offsets` / `kafka-get-offsets`: Kafka's GetOffsetShell (topic:partition:offset per partition).
import type { OffsetSpec, TopicPartition } from '../../client/index.js';
import { UsageError, type OptionSpec } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG } from '../common.js';
import { kafkaMessage } from '../kafka-errors.js';
import { TopicIncludeList } from '../regex.js';
import type { Tool } from '../tool.js';

const OPTIONS: readonly OptionSpec[] = [
  { ...BOOTSTRAP_SERVER, valueName: 'String: HOST1:PORT1,...,HOST3:PORT3', description: 'REQUIRED. The server(s) to connect to in the form HOST1:PORT1,HOST2:PORT2.' },
  { ...COMMAND_CONFIG, valueName: 'String: config file' },
  { name: 'exclude-internal-topics', takesValue: false, description: 'By default, internal topics are included. If specified, internal topics are excluded.' },
  { name: 'partitions', takesValue: true, valueName: 'String: partition ids', description: 'Comma separated list of partition ids to get the offsets for. If not present, all partitions of the authorized topics are queried. Cannot be used if --topic-partitions is present.' },
  { name: 'time', takesValue: true, valueName: 'String: <timestamp> / -1 or latest / -2 or earliest / -3 or max-timestamp', description: 'timestamp of the offsets before that. [Note: No offset is returned, if the timestamp greater than recently committed record timestamp is given.] (default: latest)' },
  { name: 'topic', takesValue: true, valueName: 'String: topic', description: 'The topic to get the offsets for. It also accepts a regular expression. If not present, all authorized topics are queried. Cannot be used if --topic-partitions is present.' },
  { name: 'topic-partitions', takesValue: true, valueName: 'String: topic1:1,topic2:0-3,topic3,topic4:5-,topic5:-3', description: "Comma separated list of topic-partition patterns to get the offsets for, with the format of 'topic:partitions'. The topic is a regex (any topic when omitted); partitions are a number, a range 'NUMBER-NUMBER' (lower inclusive, upper exclusive), 'NUMBER-', '-NUMBER', '*' or omitted for all partitions." },
];

/** A failure GetOffsetShell reports as `Error occurred: <message>` (its TerseException). */
class GetOffsetsError extends Error {}

/** Selects topics and partitions (GetOffsetShell's TopicPartitionFilter). */
interface PartitionFilter {
  allowsTopic(topic: string): boolean;
  allowsPartition(tp: TopicPartition): boolean;
}

/** Kafka's TOPIC_PARTITION_PATTERN, plus `topic:*` (all partitions) which Kafka itself does not accept. */
const RULE = /^([^:,]*)(?::(?:([0-9]*)|([0-9]*)-([0-9]*)|(\*)))?$/;

/** `--topic-partitions 'topic:0-2,other'`: any rule may select a partition. */
export function parseTopicPartitions(text: string, excludeInternal: boolean): PartitionFilter {
  const rules = text.split(',').map((spec) => {
    const m = RULE.exec(spec);
    if (!m) throw new GetOffsetsError(`Invalid rule specification: ${spec}`);
    const topics = new TopicIncludeList(m[1] ? m[1] : '.*');
    const single = m[2] ? Number(m[2]) : undefined;
    const lower = m[3] ? Number(m[3]) : 0;
    const upper = m[4] ? Number(m[4]) : Number.MAX_SAFE_INTEGER;
    const allows = (p: number): boolean => (single !== undefined ? p === single : p >= lower && p < upper);
    return { topics, allows };
  });
  return {
    allowsTopic: (topic) => rules.some((r) => r.topics.allows(topic, excludeInternal)),
    allowsPartition: (tp) => rules.some((r) => r.topics.allows(tp.topic, excludeInternal) && r.allows(tp.partition)),
  };
}

/** `--topic regex --partitions 0,1` (either may be absent). */
function topicAndPartitions(topic: string | undefined, partitions: string | undefined, excludeInternal: boolean): PartitionFilter {
  const topics = new TopicIncludeList(topic ?? '.*');
  let ids = new Set<number>();
  if (partitions !== undefined && partitions !== '') {
    const parts = partitions.split(',');
    if (!parts.every((p) => /^[+-]?\d+$/.test(p))) {
      throw new GetOffsetsError(`--partitions expects a comma separated list of numeric partition ids, but received: ${partitions}`);
    }
    ids = new Set(parts.map(Number));
  }
  return {
    allowsTopic: (t) => topics.allows(t, excludeInternal),
    allowsPartition: (tp) => topics.allows(tp.topic, excludeInternal) && (ids.size === 0 || ids.has(tp.partition)),
  };
}

/** `--time`: a name, its negative code, or a timestamp in ms. Tiered-storage specs have no offsets on Samsa (null). */
export function parseTime(text: string): OffsetSpec | null {
  switch (text) {
    case 'latest':
    case '-1':
      return 'latest';
    case 'earliest':
    case '-2':
    case 'earliest-local':
    case '-4':
      return 'earliest'; // no tiered storage: the local log starts where the log starts
    case 'max-timestamp':
    case '-3':
      return 'max-timestamp';
    case 'latest-tiered':
    case '-5':
    case 'earliest-pending-upload':
    case '-6':
      return null;
    default:
      if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
        throw new GetOffsetsError(
          `Malformed time argument ${text}. Please use -1 or latest / -2 or earliest / -3 or max-timestamp / -4 or earliest-local / -5 or latest-tiered / -6 or earliest-pending-upload, or a specified long format timestamp`,
        );
      }
      return Number(text);
  }
}

export const getOffsetsTool: Tool = {
  name: 'get-offsets',
  summary: 'An interactive shell for getting topic-partition offsets.',
  options: OPTIONS,
  async run(args, io) {
    if (!args.has('bootstrap-server')) throw new UsageError('Missing required argument "[bootstrap-server]"');
    try {
      if (args.has('topic-partitions') && (args.has('topic') || args.has('partitions'))) {
        throw new GetOffsetsError('--topic-partitions cannot be used with --topic or --partitions');
      }
      const exclude = args.has('exclude-internal-topics');
      const spec = parseTime(args.get('time') ?? 'latest');
      const filter = args.has('topic-partitions')
        ? parseTopicPartitions(args.get('topic-partitions')!, exclude)
        : topicAndPartitions(args.get('topic'), args.get('partitions'), exclude);
      const lines = await withAdmin(
        args,
        async (admin) => {
          const topics = (await admin.listTopics({ includeInternal: !exclude })).filter((t) => filter.allowsTopic(t));
          const partitions = (topics.length > 0 ? await admin.describeTopics(topics) : [])
            .flatMap((d) => d.partitions.map((p) => ({ topic: d.name, partition: p.partition })))
            .filter((tp) => filter.allowsPartition(tp));
          if (partitions.length === 0) throw new GetOffsetsError('Could not match any topic-partitions with the specified filters');
          if (spec === null) return [];
          const offsets = await admin.listOffsets(partitions.map((tp) => ({ ...tp, spec })));
          // Kafka sorts by TopicPartition.toString(), "topic-partition", as text.
          return offsets
            .filter((o) => o.offset !== -1n)
            .map((o) => ({ key: `${o.topic}-${o.partition}`, line: `${o.topic}:${o.partition}:${o.offset}` }))
            .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
            .map((o) => o.line);
        },
        { 'client.id': 'GetOffsetShell' },
      );
      if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
      return 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`Error occurred: ${kafkaMessage(error)}\n`);
      return 1;
    }
  },
};
