// `samsa reassign-partitions` / `kafka-reassign-partitions`: Kafka's ReassignPartitionsCommand
// (--generate, --execute, --verify, --cancel, --list).
import { readFileSync } from 'node:fs';
import type { Admin, TopicPartition } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { COMMAND_CONFIG } from '../common.js';
import { kafkaMessage } from '../kafka-errors.js';
import type { Tool } from '../tool.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'additional', takesValue: false, description: 'Execute this reassignment in addition to any other ongoing ones. This option can also be used to change the throttle of an ongoing reassignment.' },
  { name: 'bootstrap-controller', takesValue: true, valueName: 'String: Server(s) to use for bootstrapping', description: 'The controller to use for reassignment. By default, the tool will get the quorum controller. This option supports the actions --cancel and --list.' },
  { name: 'bootstrap-server', takesValue: true, valueName: 'String: Server(s) to use for bootstrapping', description: 'REQUIRED: the server(s) to use for bootstrapping.' },
  { name: 'broker-list', takesValue: true, valueName: 'String: brokerlist', description: 'The list of brokers to which the partitions need to be reassigned in the form "0,1,2". This is required if --topics-to-move-json-file is used to generate reassignment configuration' },
  { name: 'cancel', takesValue: false, description: 'Cancel an active reassignment.' },
  COMMAND_CONFIG,
  { name: 'disable-rack-aware', takesValue: false, description: 'Disable rack aware replica assignment' },
  { name: 'execute', takesValue: false, description: 'Kick off the reassignment as specified by the --reassignment-json-file option.' },
  { name: 'generate', takesValue: false, description: 'Generate a candidate partition reassignment configuration. Note that this only generates a candidate assignment, it does not execute it.' },
  { name: 'list', takesValue: false, description: 'List all active partition reassignments.' },
  { name: 'preserve-throttles', takesValue: false, description: 'Do not modify broker or topic throttles.' },
  { name: 'reassignment-json-file', takesValue: true, valueName: 'String: manual assignment json file path', description: 'The JSON file with the partition reassignment configuration. This is an example format. \n{"partitions":\n\t[{"topic": "foo",\n\t  "partition": 1,\n\t  "replicas": [1,2,3],\n\t  "log_dirs": ["dir1","dir2","dir3"] }],\n"version":1\n}\nNote that "log_dirs" is optional. When it is specified, its length must equal the length of the replicas list.' },
  { name: 'replica-alter-log-dirs-throttle', takesValue: true, valueName: 'Long', description: 'The movement of replicas between log directories on the same broker will be throttled to this value (bytes/sec). (Accepted and ignored by Samsa.)' },
  { name: 'throttle', takesValue: true, valueName: 'Long', description: 'The movement of partitions between brokers will be throttled to this value (bytes/sec). (Accepted and ignored by Samsa.)' },
  { name: 'timeout', takesValue: true, valueName: 'Long', description: 'The maximum time in ms to wait for log directory replica assignment to begin. (default: 10000)' },
  { name: 'topics-to-move-json-file', takesValue: true, valueName: 'String: topics to reassign json file path', description: 'Generate a reassignment configuration to move the partitions of the specified topics to the list of brokers specified by the --broker-list option. The format to use is - \n{"topics":\n\t[{"topic": "foo"},{"topic": "foo1"}],\n"version":1\n}' },
  { name: 'verify', takesValue: false, description: 'Verify if the reassignment completed as specified by the --reassignment-json-file option. If there is a throttle engaged for the replicas specified, and the rebalance has completed, the throttle will be removed' },
];

const ACTIONS = ['generate', 'execute', 'verify', 'cancel', 'list'] as const;
type Action = (typeof ACTIONS)[number];

/** Kafka's TerseException / AdminCommandFailedException: the message alone on stderr, exit 1. */
class ReassignCommandError extends Error {}

/** One partition's replicas, as the reassignment JSON holds it. */
export interface PartitionReplicas extends TopicPartition {
  replicas: number[];
}

export const reassignPartitionsTool: Tool = {
  name: 'reassign-partitions',
  summary: 'This tool helps to move topic partitions between replicas.',
  options: OPTIONS,
  async run(args, io) {
    const action = actionOf(args);
    try {
      const readFile = (option: string) => {
        const file = args.get(option)!;
        try {
          return readFileSync(file, 'utf8');
        } catch (e) {
          throw new ReassignCommandError(`Cannot read ${file}: ${(e as Error).message}`);
        }
      };
      let out: string;
      if (action === 'generate') {
        const topics = parseTopicsToMoveJson(readFile('topics-to-move-json-file'));
        const brokers = parseBrokerList(args.get('broker-list')!);
        out = await withAdmin(args, (admin) => generate(admin, topics, brokers));
      } else if (action === 'list') {
        out = await withAdmin(args, async (admin) => formatOngoing(await admin.listPartitionReassignments(null)));
      } else {
        const proposal = parseReassignmentJson(readFile('reassignment-json-file'));
        if (action === 'execute') out = await withAdmin(args, (admin) => execute(admin, proposal, args.has('additional')));
        else if (action === 'verify') out = await withAdmin(args, (admin) => verify(admin, proposal));
        else out = await withAdmin(args, (admin) => cancel(admin, proposal));
      }
      io.stdout.write(out);
      return 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`${error instanceof ReassignCommandError ? error.message : kafkaMessage(error)}\n`);
      return 1;
    }
  },
};

/** The one action, with the options it needs (ReassignPartitionsCommand.validateAndParseArgs). */
export function actionOf(args: ParsedArgs): Action {
  const actions = ACTIONS.filter((a) => args.has(a));
  if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --generate, --execute, --verify, --cancel, --list');
  const action = actions[0]!;
  if (!args.has('bootstrap-server') && !args.has('bootstrap-controller')) throw new UsageError('Please specify --bootstrap-server');
  if (args.has('bootstrap-server') && args.has('bootstrap-controller')) throw new UsageError('Please specify either --bootstrap-server or --bootstrap-controller, not both');
  if (action === 'generate') {
    for (const o of ['topics-to-move-json-file', 'broker-list']) if (!args.has(o)) throw new UsageError(`Missing required argument "[${o}]"`);
  } else if (action !== 'list' && !args.has('reassignment-json-file')) {
    throw new UsageError('Missing required argument "[reassignment-json-file]"');
  }
  return action;
}

/** `{"topics":[{"topic":"foo"}],"version":1}` → topic names. */
export function parseTopicsToMoveJson(text: string): string[] {
  const json = parseJson(text) as { topics?: unknown; version?: unknown };
  if (json.version !== undefined && json.version !== 1) throw new ReassignCommandError(`Not supported version field value ${String(json.version)}`);
  if (!Array.isArray(json.topics)) throw new ReassignCommandError('Missing "topics" field in the topics to move JSON file');
  const topics = json.topics.map((t: { topic?: unknown }) => {
    if (typeof t?.topic !== 'string') throw new ReassignCommandError(`Invalid topic entry ${JSON.stringify(t)} (expected {"topic": "name"})`);
    return t.topic;
  });
  const duplicates = topics.filter((t, i) => topics.indexOf(t) !== i);
  if (duplicates.length > 0) throw new ReassignCommandError(`List of topics to reassign contains duplicate entries: ${[...new Set(duplicates)].join(',')}`);
  return topics;
}

/** `"1,2,3"` → broker ids. */
export function parseBrokerList(text: string): number[] {
  const items = text.split(',').map((s) => s.trim());
  if (!items.every((s) => /^\d+$/.test(s))) throw new ReassignCommandError(`Invalid broker list '${text}': expected broker ids like "0,1,2"`);
  const ids = items.map(Number);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (duplicates.length > 0) throw new ReassignCommandError(`Duplicate brokers in broker list: ${[...new Set(duplicates)].join(',')}`);
  return ids;
}

/** `{"version":1,"partitions":[{"topic":"foo","partition":0,"replicas":[1,2],"log_dirs":["any","any"]}]}`. */
export function parseReassignmentJson(text: string): PartitionReplicas[] {
  const json = parseJson(text) as { partitions?: unknown; version?: unknown };
  if (json.version !== undefined && json.version !== 1) throw new ReassignCommandError(`Not supported version field value ${String(json.version)}`);
  if (!Array.isArray(json.partitions) || json.partitions.length === 0) throw new ReassignCommandError('Partition reassignment list cannot be empty');
  const seen = new Set<string>();
  return json.partitions.map((p: { topic?: unknown; partition?: unknown; replicas?: unknown; log_dirs?: unknown }) => {
    if (typeof p?.topic !== 'string' || !Number.isInteger(p.partition) || !Array.isArray(p.replicas) || !p.replicas.every((r) => Number.isInteger(r))) {
      throw new ReassignCommandError(`Invalid partition entry ${JSON.stringify(p)} (expected {"topic": "foo", "partition": 0, "replicas": [1,2]})`);
    }
    const replicas = p.replicas as number[];
    const key = `${p.topic}-${p.partition}`;
    if (seen.has(key)) throw new ReassignCommandError(`Partition reassignment contains duplicate topic partitions: ${key}`);
    seen.add(key);
    if (replicas.length === 0) throw new ReassignCommandError(`Partition replica list cannot be empty: ${key}`);
    if (new Set(replicas).size !== replicas.length) throw new ReassignCommandError(`Partition replica lists may not contain duplicate entries: ${key} contains ${replicas.join(',')}`);
    if (p.log_dirs !== undefined) {
      if (!Array.isArray(p.log_dirs) || p.log_dirs.length !== replicas.length) throw new ReassignCommandError(`Size of replicas list ${replicas.join(',')} is different from size of log dirs list ${JSON.stringify(p.log_dirs)} for partition ${key}`);
      if (p.log_dirs.some((d) => d !== 'any')) throw new ReassignCommandError(`Samsa does not move replicas between log directories: use "any" in log_dirs (partition ${key}).`);
    }
    return { topic: p.topic, partition: p.partition as number, replicas };
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) ?? {};
  } catch (e) {
    throw new ReassignCommandError(`Error parsing the JSON file: ${(e as Error).message}`);
  }
}

/** The reassignment JSON Kafka prints (formatAsReassignmentJson): compact, sorted, "any" log dirs. */
export function formatReassignmentJson(assignment: readonly PartitionReplicas[]): string {
  const partitions = sortByPartition([...assignment]).map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas, log_dirs: p.replicas.map(() => 'any') }));
  return JSON.stringify({ version: 1, partitions });
}

/**
 * Kafka's rack-unaware AdminUtils.assignReplicasToBrokers: partition p's first replica is broker
 * (p + startIndex) mod n of the sorted list; the followers follow at a shift that grows by one
 * every n partitions, so leaders and followers spread evenly.
 */
export function assignReplicasToBrokers(nPartitions: number, replicationFactor: number, brokerIds: readonly number[], startIndex: number, shift: number): number[][] {
  const brokers = [...brokerIds].sort((a, b) => a - b);
  const n = brokers.length;
  if (replicationFactor <= 0) throw new ReassignCommandError('Replication factor must be larger than 0.');
  if (replicationFactor > n) throw new ReassignCommandError(`Replication factor: ${replicationFactor} larger than available brokers: ${n}.`);
  const out: number[][] = [];
  let nextReplicaShift = shift;
  for (let p = 0; p < nPartitions; p++) {
    if (p > 0 && p % n === 0) nextReplicaShift++;
    const first = (p + startIndex) % n;
    const replicas = [brokers[first]!];
    for (let j = 0; j < replicationFactor - 1; j++) replicas.push(brokers[(first + 1 + ((nextReplicaShift + j) % (n - 1))) % n]!);
    out.push(replicas);
  }
  return out;
}

/** The current replicas of every partition of `topics` (UNKNOWN_TOPIC_OR_PARTITION for a missing one). */
async function currentAssignment(admin: Admin, topics: readonly string[]): Promise<PartitionReplicas[]> {
  const described = await admin.describeTopics([...new Set(topics)]);
  return described.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, replicas: p.replicas })));
}

/** --generate: the current assignment and a proposal over `brokers`, keeping each topic's replication factor. */
export async function generate(admin: Admin, topics: readonly string[], brokers: readonly number[], random: () => number = Math.random): Promise<string> {
  const current = await currentAssignment(admin, topics);
  const known = new Set((await admin.describeCluster()).brokers.map((b) => b.nodeId));
  const unknown = brokers.filter((b) => !known.has(b));
  if (unknown.length > 0) throw new ReassignCommandError(`The following brokers are not present in the cluster: ${unknown.join(',')}`);
  return formatGenerate(current, proposeAssignment(current, brokers, random));
}

/** A proposal for every topic of `current` over `brokers` (random start index and shift per topic, as Kafka). */
export function proposeAssignment(current: readonly PartitionReplicas[], brokers: readonly number[], random: () => number = Math.random): PartitionReplicas[] {
  const proposed: PartitionReplicas[] = [];
  for (const topic of [...new Set(current.map((p) => p.topic))]) {
    const partitions = current.filter((p) => p.topic === topic).sort((a, b) => a.partition - b.partition);
    const rf = partitions[0]?.replicas.length ?? 1;
    const n = brokers.length;
    const assignment = assignReplicasToBrokers(partitions.length, rf, brokers, Math.floor(random() * n), Math.floor(random() * n));
    partitions.forEach((p, i) => proposed.push({ topic, partition: p.partition, replicas: assignment[i]! }));
  }
  return proposed;
}

/** The two blocks --generate prints. */
export function formatGenerate(current: readonly PartitionReplicas[], proposed: readonly PartitionReplicas[]): string {
  return `Current partition replica assignment\n${formatReassignmentJson(current)}\n\nProposed partition reassignment configuration\n${formatReassignmentJson(proposed)}\n`;
}

async function execute(admin: Admin, proposal: readonly PartitionReplicas[], additional: boolean): Promise<string> {
  if (!additional && (await admin.listPartitionReassignments(null)).length > 0) {
    throw new ReassignCommandError('Cannot execute because there is an existing partition assignment.  Use --additional to override this and create a new partition assignment in addition to the existing one. The --additional flag can also be used to change the throttle by resubmitting the current reassignment.');
  }
  const wanted = new Set(proposal.map((p) => `${p.topic}-${p.partition}`));
  const current = (await currentAssignment(admin, proposal.map((p) => p.topic))).filter((p) => wanted.has(`${p.topic}-${p.partition}`));
  const missing = proposal.filter((p) => !current.some((c) => c.topic === p.topic && c.partition === p.partition));
  if (missing.length > 0) throw new ReassignCommandError(`Unable to find partition: ${missing.map((p) => `${p.topic}-${p.partition}`).join(',')}`);
  let out = `Current partition replica assignment\n\n${formatReassignmentJson(current)}\n\nSave this to use as the --reassignment-json-file option during rollback\n`;
  const results = await admin.alterPartitionReassignments(proposal.map((p) => ({ topic: p.topic, partition: p.partition, replicas: p.replicas })));
  const errors = results.filter((r) => r.error !== null);
  if (errors.length > 0) throw new ReassignCommandError(`${out}Error reassigning partition(s):\n${errors.map((r) => `${r.topic}-${r.partition}: ${kafkaMessage(r.error)}`).join('\n')}`);
  const names = sortByPartition([...proposal]).map((p) => `${p.topic}-${p.partition}`);
  out += `Successfully started partition reassignment${names.length === 1 ? '' : 's'} for ${names.join(',')}\n`;
  return out;
}

/** --verify: per partition, completed, still in progress, or done with another replica set. */
async function verify(admin: Admin, proposal: readonly PartitionReplicas[]): Promise<string> {
  const ongoing = await admin.listPartitionReassignments(proposal.map((p) => ({ topic: p.topic, partition: p.partition })));
  const current = await currentAssignment(admin, proposal.map((p) => p.topic));
  return formatVerify(proposal, current, ongoing);
}

/** The lines of --verify. */
export function formatVerify(proposal: readonly PartitionReplicas[], current: readonly PartitionReplicas[], ongoing: readonly TopicPartition[]): string {
  const lines = ['Status of partition reassignment:'];
  for (const p of sortByPartition([...proposal])) {
    const name = `${p.topic}-${p.partition}`;
    const now = current.find((c) => c.topic === p.topic && c.partition === p.partition);
    if (ongoing.some((o) => o.topic === p.topic && o.partition === p.partition)) lines.push(`Reassignment of partition ${name} is still in progress.`);
    else if (now === undefined) lines.push(`Reassignment of partition ${name} failed: the partition does not exist.`);
    else if (now.replicas.join(',') === p.replicas.join(',')) lines.push(`Reassignment of partition ${name} is completed.`);
    else lines.push(`There is no active reassignment of partition ${name}, but replica set is [${now.replicas.join(', ')}] rather than [${p.replicas.join(', ')}].`);
  }
  return `${lines.join('\n')}\n`;
}

async function cancel(admin: Admin, proposal: readonly PartitionReplicas[]): Promise<string> {
  const results = await admin.alterPartitionReassignments(proposal.map((p) => ({ topic: p.topic, partition: p.partition, replicas: null })));
  const cancelled = results.filter((r) => r.error === null).map((r) => `${r.topic}-${r.partition}`);
  const notActive = results.filter((r) => r.error?.errorName === 'NO_REASSIGNMENT_IN_PROGRESS');
  const errors = results.filter((r) => r.error !== null && r.error.errorName !== 'NO_REASSIGNMENT_IN_PROGRESS');
  if (errors.length > 0) throw new ReassignCommandError(`Error cancelling partition reassignment(s):\n${errors.map((r) => `${r.topic}-${r.partition}: ${kafkaMessage(r.error)}`).join('\n')}`);
  if (cancelled.length === 0) return 'None of the specified partition reassignments are active.\n';
  let out = `Successfully cancelled partition reassignment${cancelled.length === 1 ? '' : 's'} for: ${cancelled.join(',')}\n`;
  if (notActive.length > 0) out += `(${notActive.map((r) => `${r.topic}-${r.partition}`).join(',')} had no active reassignment.)\n`;
  return out;
}

/** --list: every reassignment in progress with the replicas being added and removed. */
export function formatOngoing(ongoing: readonly { topic: string; partition: number; replicas: number[]; addingReplicas: number[]; removingReplicas: number[] }[]): string {
  if (ongoing.length === 0) return 'No partition reassignments found.\n';
  const lines = ['Current partition reassignments:'];
  for (const r of sortByPartition([...ongoing])) lines.push(`${r.topic}-${r.partition}: replicas: ${r.replicas.join(',')}. adding: ${r.addingReplicas.join(',')}. removing: ${r.removingReplicas.join(',')}.`);
  return `${lines.join('\n')}\n`;
}

function sortByPartition<T extends TopicPartition>(list: T[]): T[] {
  return list.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}
