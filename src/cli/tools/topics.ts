// `samsa topics` / `kafka-topics`: Kafka's TopicCommand (create, list, describe, alter, delete) with its flags and output.
import { KafkaError, ErrorCode, type Admin, type ConfigEntry, type TopicDescription } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG } from '../common.js';
import { kafkaMessage } from '../kafka-errors.js';
import { TopicIncludeList, isInternalTopic } from '../regex.js';
import type { Tool, ToolIo } from '../tool.js';

const ALTER_HINT = ' (To alter topic configurations, the kafka-configs tool can be used.)';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'alter', takesValue: false, description: `Alter the number of partitions and replica assignment.${ALTER_HINT}` },
  { name: 'at-min-isr-partitions', takesValue: false, description: 'If set when describing topics, only show partitions whose isr count is equal to the configured minimum.' },
  BOOTSTRAP_SERVER,
  COMMAND_CONFIG,
  { name: 'config', takesValue: true, repeatable: true, valueName: 'String: name=value', description: `A topic configuration override for the topic being created. It is supported only in combination with --create.${ALTER_HINT}` },
  { name: 'create', takesValue: false, description: 'Create a new topic.' },
  { name: 'delete', takesValue: false, description: 'Delete a topic' },
  { name: 'delete-config', takesValue: true, valueName: 'String: name', description: 'This option is no longer supported and has been deprecated since 4.0' },
  { name: 'describe', takesValue: false, description: 'List details for the given topics.' },
  { name: 'exclude-internal', takesValue: false, description: 'Exclude internal topics when listing or describing topics. By default, the internal topics are included.' },
  { name: 'if-exists', takesValue: false, description: 'If set when altering or deleting or describing topics, the action will only execute if the topic exists.' },
  { name: 'if-not-exists', takesValue: false, description: 'If set when creating topics, the create request will not fail if the topic already exists, but the request will still be sent.' },
  { name: 'list', takesValue: false, description: 'List all available topics.' },
  { name: 'partition-size-limit-per-response', takesValue: true, valueName: 'Integer: maximum number of partitions per response', description: 'The maximum partition size to be included in one DescribeTopicPartitions response.' },
  { name: 'partitions', takesValue: true, valueName: 'Integer: # of partitions', description: 'The number of partitions for the topic being created or altered. If not supplied with --create, the topic uses the cluster default. (WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected).' },
  { name: 'replica-assignment', takesValue: true, valueName: 'String: broker_id_for_part1_replica1 : broker_id_for_part1_replica2 , ...', description: 'A list of manual partition-to-broker assignments for the topic being created or altered.' },
  { name: 'replication-factor', takesValue: true, valueName: 'Integer: replication factor', description: 'The replication factor for each partition in the topic being created. If not supplied, the topic uses the cluster default.' },
  { name: 'topic', takesValue: true, valueName: 'String: topic', description: 'The topic to create, alter, describe or delete. It also accepts a regular expression, except for --create option. Put topic name in double quotes and use the \'\\\' prefix to escape regular expression symbols; e.g. "test\\.topic".' },
  { name: 'topic-id', takesValue: true, valueName: 'String: topic-id', description: 'The topic-id to describe.' },
  { name: 'topics-with-overrides', takesValue: false, description: 'If set when describing topics, only show topics that have overridden configs.' },
  { name: 'unavailable-partitions', takesValue: false, description: 'If set when describing topics, only show partitions whose leader is not available.' },
  { name: 'under-min-isr-partitions', takesValue: false, description: 'If set when describing topics, only show partitions whose isr count is less than the configured minimum.' },
  { name: 'under-replicated-partitions', takesValue: false, description: 'If set when describing topics, only show under-replicated partitions.' },
];

const ACTIONS = ['create', 'list', 'alter', 'describe', 'delete'] as const;
const REPORT_OPTIONS = ['under-replicated-partitions', 'under-min-isr-partitions', 'at-min-isr-partitions', 'unavailable-partitions'] as const;

/** Printed on create when the name has '.' or '_' (Kafka's Topic.hasCollisionChars: either one, not both). */
export const COLLISION_WARNING =
  "WARNING: Due to limitations in metric names, topics with a period ('.') or underscore ('_') could collide. To avoid issues it is best to use either, but not both.";

/** A failure Kafka's TopicCommand reports as `Error while executing topic command : <message>`. */
class TopicCommandError extends Error {}

export const topicsTool: Tool = {
  name: 'topics',
  summary: 'This tool helps to create, delete, describe, or change a topic.',
  options: OPTIONS,
  async run(args, io) {
    checkArgs(args, io);
    try {
      await withAdmin(args, async (admin) => {
        if (args.has('create')) await createTopic(admin, args, io);
        else if (args.has('alter')) await alterTopic(admin, args);
        else if (args.has('list')) await listTopics(admin, args, io);
        else if (args.has('describe')) await describeTopics(admin, args, io);
        else await deleteTopics(admin, args);
      });
      return 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`Error while executing topic command : ${kafkaMessage(error)}\n`);
      return 1;
    }
  },
};

/** TopicCommandOptions.checkArgs: exactly one action and the combinations Kafka allows. */
function checkArgs(args: ParsedArgs, io: ToolIo): void {
  const actions = ACTIONS.filter((a) => args.has(a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --list, --describe, --create, --alter or --delete');
  if (args.has('delete-config')) {
    io.stderr.write('delete-config option is no longer supported and deprecated since version 4.0. The config will be fully removed in future releases.\n');
  }
  if (!args.has('bootstrap-server')) throw new UsageError('--bootstrap-server must be specified');
  if (args.has('describe') && args.has('if-exists') && !args.has('topic') && !args.has('topic-id')) {
    throw new UsageError('--topic or --topic-id is required to describe a topic');
  }
  if (!args.has('list') && !args.has('describe') && !args.has('topic')) throw new UsageError('Missing required argument "[topic]"');
  if (args.has('alter')) {
    if (args.has('config')) throw new UsageError(`Option "[config]" can't be used with option "[alter]"${ALTER_HINT}`);
    if (!args.has('partitions')) throw new UsageError('Missing required argument "[partitions]"');
  }
  const invalid = (used: string, allowedWith: readonly string[], alsoInvalid: readonly string[] = []): void => {
    if (!args.has(used)) return;
    for (const other of [...ACTIONS.filter((a) => !allowedWith.includes(a)), ...alsoInvalid]) {
      if (args.has(other)) throw new UsageError(`Option "[${used}]" can't be used with option "[${other}]"`);
    }
  };
  invalid('config', ['alter', 'create']);
  invalid('partitions', ['alter', 'create']);
  invalid('replication-factor', ['create']);
  invalid('replica-assignment', ['alter', 'create']);
  if (args.has('create')) invalid('replica-assignment', ACTIONS, ['partitions', 'replication-factor']);
  for (const report of REPORT_OPTIONS) invalid(report, ['describe'], ['topics-with-overrides']);
  invalid('topics-with-overrides', ['describe'], REPORT_OPTIONS);
  invalid('if-exists', ['alter', 'delete', 'describe']);
  invalid('if-not-exists', ['create']);
  invalid('exclude-internal', ['list', 'describe']);
  for (const name of ['partitions', 'replication-factor', 'partition-size-limit-per-response']) integerOption(args, name);
}

/** An Integer option's value (jopt-simple's conversion error otherwise). */
function integerOption(args: ParsedArgs, name: string): number | undefined {
  const raw = args.get(name);
  if (raw === undefined) return undefined;
  const value = Number(raw.trim());
  if (!/^[+-]?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value > 2147483647 || value < -2147483648) {
    throw new UsageError(`Cannot parse argument '${raw}' of option ${name}`);
  }
  return value;
}

/** `1:2,2:3` -> partition index -> broker ids (TopicCommand.parseReplicaAssignment). */
export function parseReplicaAssignment(text: string): Map<number, number[]> {
  const out = new Map<number, number[]>();
  text.split(',').forEach((partition, index) => {
    const brokers = partition.split(':').map((b) => {
      const id = Number(b.trim());
      if (!/^-?\d+$/.test(b.trim())) throw new TopicCommandError(`For input string: "${b.trim()}"`);
      return id;
    });
    const duplicates = [...new Set(brokers.filter((b, i) => brokers.indexOf(b) !== i))];
    if (duplicates.length > 0) throw new TopicCommandError(`Partition replica lists may not contain duplicate entries: ${duplicates.join(',')}`);
    out.set(index, brokers);
    if (brokers.length !== out.get(0)!.length) throw new TopicCommandError(`Partition ${index} has different replication factor: [${brokers.join(', ')}]`);
  });
  return out;
}

/** `--config k=v` values (TopicCommand.parseTopicConfigsToBeAdded). */
function parseTopicConfigs(items: readonly string[]): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const item of items) {
    const parts = item.split(/\s*=\s*/);
    while (parts.length > 0 && parts.at(-1) === '') parts.pop(); // Java's split drops trailing empty strings
    if (parts.length !== 2) throw new TopicCommandError('requirement failed: Invalid topic config: all configs to be added must be in the format "key=val".');
    configs[parts[0]!.trim()] = parts[1]!.trim();
  }
  return configs;
}

async function createTopic(admin: Admin, args: ParsedArgs, io: ToolIo): Promise<void> {
  const name = args.get('topic')!;
  const partitions = integerOption(args, 'partitions');
  const replicationFactor = integerOption(args, 'replication-factor');
  const assignmentText = args.get('replica-assignment');
  const replicaAssignment = assignmentText ? parseReplicaAssignment(assignmentText) : undefined;
  const configs = parseTopicConfigs(args.all('config'));
  if (name.includes('.') || name.includes('_')) io.stdout.write(`${COLLISION_WARNING}\n`);
  if (replicationFactor !== undefined && (replicationFactor > 32767 || replicationFactor < 1)) {
    throw new TopicCommandError('The replication factor must be between 1 and 32767 inclusive');
  }
  if (partitions !== undefined && partitions < 1) throw new TopicCommandError('The partitions must be greater than 0');
  try {
    await admin.createTopics([
      replicaAssignment
        ? { name, replicaAssignment: Object.fromEntries(replicaAssignment), configs }
        : { name, ...(partitions !== undefined ? { numPartitions: partitions } : {}), ...(replicationFactor !== undefined ? { replicationFactor } : {}), configs },
    ]);
    io.stdout.write(`Created topic ${name}.\n`);
  } catch (error) {
    if (!(error instanceof KafkaError && error.code === ErrorCode.TOPIC_ALREADY_EXISTS && args.has('if-not-exists'))) throw error;
  }
}

/** Topic names matching `--topic` (all when absent), sorted, internal ones unless excluded. */
async function matchingTopics(admin: Admin, args: ParsedArgs): Promise<string[]> {
  const exclude = args.has('exclude-internal');
  const all = (await admin.listTopics({ includeInternal: !exclude })).sort();
  const raw = args.get('topic');
  if (raw === undefined) return all.filter((t) => !(exclude && isInternalTopic(t)));
  const filter = new TopicIncludeList(raw);
  return all.filter((t) => filter.allows(t, exclude));
}

/** Kafka's ensureTopicExists: a named topic that matched nothing is an error unless --if-exists. */
function ensureTopicExists(found: readonly string[], args: ParsedArgs): void {
  const requested = args.get('topic');
  if (requested !== undefined && requested !== '' && !args.has('if-exists') && found.length === 0) {
    throw new TopicCommandError(`Topic '${requested}' does not exist as expected`);
  }
}

async function listTopics(admin: Admin, args: ParsedArgs, io: ToolIo): Promise<void> {
  // Java's println(String.join("\n", topics)): an empty list still prints one (empty) line.
  io.stdout.write(`${(await matchingTopics(admin, args)).join('\n')}\n`);
}

async function alterTopic(admin: Admin, args: ParsedArgs): Promise<void> {
  const topics = await matchingTopics(admin, args);
  ensureTopicExists(topics, args);
  if (topics.length === 0) return;
  const count = integerOption(args, 'partitions')!;
  const assignmentText = args.get('replica-assignment');
  const assignment = assignmentText ? parseReplicaAssignment(assignmentText) : undefined;
  const descriptions = assignment ? await admin.describeTopics(topics) : [];
  await admin.createPartitions(
    topics.map((topic) => {
      if (!assignment) return { topic, count };
      const existing = descriptions.find((d) => d.name === topic)!.partitions.length;
      return { topic, count, assignments: [...assignment].filter(([p]) => p >= existing).map(([, brokers]) => brokers) };
    }),
  );
}

async function deleteTopics(admin: Admin, args: ParsedArgs): Promise<void> {
  const topics = await matchingTopics(admin, args);
  ensureTopicExists(topics, args);
  if (topics.length > 0) await admin.deleteTopics(topics);
}

async function describeTopics(admin: Admin, args: ParsedArgs, io: ToolIo): Promise<void> {
  const topicIdText = args.get('topic-id');
  const useTopicId = topicIdText !== undefined && topicIdText !== 'AAAAAAAAAAAAAAAAAAAAAA';
  let descriptions: TopicDescription[];
  if (useTopicId) {
    const names = await admin.listTopics({ includeInternal: !args.has('exclude-internal') });
    descriptions = (names.length > 0 ? await admin.describeTopics(names) : []).filter((d) => d.topicId === topicIdText);
    if (descriptions.length === 0 && !args.has('if-exists')) throw new TopicCommandError(`TopicId '${topicIdText}' does not exist as expected`);
  } else {
    const topics = await matchingTopics(admin, args);
    ensureTopicExists(topics, args);
    descriptions = topics.length > 0 ? await admin.describeTopics(topics) : [];
  }
  if (descriptions.length === 0) return;
  const configs = new Map((await admin.describeConfigs(descriptions.map((d) => ({ type: 'topic' as const, name: d.name })))).map((r) => [r.name, r.configs]));
  const liveBrokers = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const reporting = REPORT_OPTIONS.some((o) => args.has(o));
  const overridesOnly = args.has('topics-with-overrides');
  const lines: string[] = [];
  for (const topic of descriptions.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const entries = configs.get(topic.name) ?? [];
    const nonDefault = entries.filter((e) => !e.isDefault);
    if (!reporting && topic.partitions.length > 0 && (!overridesOnly || nonDefault.length > 0)) lines.push(topicLine(topic, nonDefault));
    if (overridesOnly) continue;
    const minIsr = Number(entries.find((e) => e.name === 'min.insync.replicas')?.value ?? '1');
    for (const p of topic.partitions) {
      const hasLeader = p.leader >= 0;
      const show =
        !reporting ||
        (args.has('under-replicated-partitions') && p.replicas.length - p.isr.length > 0) ||
        (args.has('unavailable-partitions') && (!hasLeader || !liveBrokers.has(p.leader))) ||
        (args.has('under-min-isr-partitions') && (!hasLeader || p.isr.length < minIsr)) ||
        (args.has('at-min-isr-partitions') && p.isr.length === minIsr);
      if (show) lines.push(partitionLine(topic.name, p));
    }
  }
  if (lines.length > 0) io.stdout.write(`${lines.join('\n')}\n`);
}

/** `Topic: t\tTopicId: ...\tPartitionCount: n\tReplicationFactor: rf\tConfigs: k=v,...` */
function topicLine(topic: TopicDescription, nonDefault: readonly ConfigEntry[]): string {
  const id = topic.topicId !== 'AAAAAAAAAAAAAAAAAAAAAA' ? `\tTopicId: ${topic.topicId}` : '';
  const configs = nonDefault.map((e) => `${e.name}=${e.value}`).join(',');
  return `Topic: ${topic.name}${id}\tPartitionCount: ${topic.partitions.length}\tReplicationFactor: ${topic.partitions[0]!.replicas.length}\tConfigs: ${configs}`;
}

/** `\tTopic: t\tPartition: p\tLeader: id|none\tReplicas: ..\tIsr: ..\tElr: N/A\tLastKnownElr: N/A` */
function partitionLine(topic: string, p: TopicDescription['partitions'][number]): string {
  const leader = p.leader >= 0 ? String(p.leader) : 'none';
  return `\tTopic: ${topic}\tPartition: ${p.partition}\tLeader: ${leader}\tReplicas: ${p.replicas.join(',')}\tIsr: ${p.isr.join(',')}\tElr: N/A\tLastKnownElr: N/A`;
}
