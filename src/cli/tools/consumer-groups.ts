// `samsa consumer-groups` / `kafka-consumer-groups`: Kafka's ConsumerGroupCommand (list, describe, delete, reset and delete offsets).
import { readFileSync } from 'node:fs';
import { type Admin, type GroupDescription, type TopicPartition } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG } from '../common.js';
import { javaExceptionText, kafkaMessage } from '../kafka-errors.js';
import { columnWidth, formatRow } from '../table.js';
import type { Tool, ToolIo } from '../tool.js';

const MISSING = '-';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'all-groups', takesValue: false, description: 'Apply to all consumer groups.' },
  { name: 'all-topics', takesValue: false, description: 'Consider all topics assigned to a group in the `reset-offsets` process.' },
  BOOTSTRAP_SERVER,
  { name: 'by-duration', takesValue: true, valueName: 'String: duration', description: 'Reset offsets to offset by duration from current timestamp. Format: \'PnDTnHnMnS\'' },
  COMMAND_CONFIG,
  { name: 'delete', takesValue: false, description: 'Pass in groups to delete topic partition offsets and ownership information over the entire consumer group. For instance --group g1 --group g2' },
  { name: 'delete-offsets', takesValue: false, description: 'Delete offsets of consumer group. Supports one consumer group at the time, and multiple topics.' },
  { name: 'describe', takesValue: false, description: 'Describe consumer group and list offset lag (number of messages not yet processed) related to given group.' },
  { name: 'dry-run', takesValue: false, description: 'Only show results without executing changes on Consumer Groups. Supported operations: reset-offsets.' },
  { name: 'execute', takesValue: false, description: 'Execute operation. Supported operations: reset-offsets.' },
  { name: 'export', takesValue: false, description: 'Export operation execution to a CSV file. Supported operations: reset-offsets.' },
  { name: 'from-file', takesValue: true, valueName: 'String: path to CSV file', description: 'Reset offsets to values defined in CSV file.' },
  { name: 'group', takesValue: true, repeatable: true, valueName: 'String: consumer group', description: 'The consumer group we wish to act on.' },
  { name: 'list', takesValue: false, description: 'List all consumer groups.' },
  { name: 'members', takesValue: false, description: 'Describe members of the group. This option may be used with \'--describe\' and \'--bootstrap-server\' options only.' },
  { name: 'offsets', takesValue: false, description: 'Describe the group and list all topic partitions in the group along with their offset lag. This is the default sub-action of and may be used with \'--describe\' and \'--bootstrap-server\' options only.' },
  { name: 'reset-offsets', takesValue: false, description: 'Reset offsets of consumer group. Supports one consumer group at the time, and instances should be inactive. Has 2 execution options: --dry-run (the default) to plan which offsets to reset, and --execute to update the offsets.' },
  { name: 'shift-by', takesValue: true, valueName: 'Long: number-of-offsets', description: 'Reset offsets shifting current offset by \'n\', where \'n\' can be positive or negative.' },
  { name: 'state', takesValue: true, optionalValue: true, valueName: 'String', description: 'When specified with \'--describe\', includes the state of the group. When specified with \'--list\', it displays the state of all groups. It can also be used to list groups with specific states, e.g. --list --state stable,empty.' },
  { name: 'timeout', takesValue: true, valueName: 'Long: timeout (ms)', description: 'The timeout that can be set for some use cases. (default: 5000)' },
  { name: 'to-current', takesValue: false, description: 'Reset offsets to current offset.' },
  { name: 'to-datetime', takesValue: true, valueName: 'String: datetime', description: 'Reset offsets to offset from datetime. Format: \'YYYY-MM-DDTHH:mm:SS.sss\'' },
  { name: 'to-earliest', takesValue: false, description: 'Reset offsets to earliest offset.' },
  { name: 'to-latest', takesValue: false, description: 'Reset offsets to latest offset.' },
  { name: 'to-offset', takesValue: true, valueName: 'Long: offset', description: 'Reset offsets to a specific offset.' },
  { name: 'topic', takesValue: true, repeatable: true, valueName: 'String: topic', description: 'The topic whose consumer group information should be deleted or topic whose should be included in the reset offset process. In `reset-offsets` case, partitions can be specified using this format: `topic1:0,1,2`.' },
  { name: 'type', takesValue: true, optionalValue: true, valueName: 'String', description: 'When specified with \'--list\', it displays the types of all the groups. It can also be used to list groups with specific types, e.g. --list --type classic,consumer.' },
  { name: 'verbose', takesValue: false, description: 'Provide additional information, if any, when describing the group.' },
];

const ACTIONS = ['list', 'describe', 'delete', 'reset-offsets', 'delete-offsets'] as const;
const RESET_SCENARIOS = ['to-datetime', 'by-duration', 'to-earliest', 'to-latest', 'shift-by', 'from-file', 'to-current', 'to-offset'] as const;
const GROUP_STATES = ['PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead', 'Empty', 'Assigning', 'Reconciling'];
const REBALANCING = new Set(['PreparingRebalance', 'CompletingRebalance', 'Assigning', 'Reconciling']);

/** A failure of the command: Kafka prints `\nError: <message>`; the tool exits 1. */
class GroupCommandError extends Error {}

/** Where a tool run writes, and whether anything failed (exit code 1). */
interface Output {
  readonly io: ToolIo;
  failed: boolean;
  /** `\nError: <message>` on stderr (Kafka's printError). */
  error(message: string): void;
}

export const consumerGroupsTool: Tool = {
  name: 'consumer-groups',
  summary: 'This tool helps to list all consumer groups, describe a consumer group, delete consumer group info, or reset consumer group offsets.',
  options: OPTIONS,
  async run(args, io) {
    checkArgs(args);
    const out: Output = {
      io,
      failed: false,
      error(message) {
        this.failed = true;
        io.stderr.write(`\nError: ${message}\n`);
      },
    };
    try {
      await withAdmin(
        args,
        async (admin) => {
          if (args.has('list')) await listGroups(admin, args, out);
          else if (args.has('describe')) await describeGroups(admin, args, out);
          else if (args.has('delete')) await deleteGroups(admin, args, out);
          else if (args.has('reset-offsets')) await resetOffsets(admin, args, out);
          else await deleteOffsets(admin, args, out);
        },
        {},
        args.has('timeout') ? Number(args.get('timeout')) : undefined,
      );
    } catch (error) {
      if (error instanceof UsageError) throw error;
      out.error(error instanceof GroupCommandError ? error.message : `Executing consumer group command failed due to ${javaExceptionText(error)}`);
    }
    return out.failed ? 1 : 0;
  },
};

/** ConsumerGroupCommandOptions.checkArgs, with Kafka's messages. */
function checkArgs(args: ParsedArgs): void {
  const actions = ACTIONS.filter((a) => args.has(a));
  if (actions.length !== 1) throw new UsageError(`Command must include exactly one action: ${ACTIONS.map((a) => `--${a}`).join(', ')}`);
  if (!args.has('bootstrap-server')) throw new UsageError('Missing required argument "[bootstrap-server]"');
  const action = actions[0]!;
  const oneOf = (names: readonly string[]): string => names.map((n) => `[${n}]`).join(', ');
  const needsGroups = action === 'describe' || action === 'delete' || action === 'reset-offsets';
  if (needsGroups && !args.has('group') && !args.has('all-groups')) throw new UsageError(`Option [${action}] takes one of these options: ${oneOf(['all-groups', 'group'])}`);
  if (args.has('group') && args.has('all-groups')) throw new UsageError(`Option [${action}] takes at most one of these options: ${oneOf(['all-groups', 'group'])}`);
  if (action === 'describe' && ['members', 'offsets', 'state'].filter((o) => args.has(o)).length > 1) {
    throw new UsageError(`Option [describe] takes at most one of these options: ${oneOf(['members', 'offsets', 'state'])}`);
  }
  if (action === 'delete-offsets' && (args.all('group').length !== 1 || !args.has('topic'))) {
    throw new UsageError('Option [delete-offsets] takes the following options: [group], [topic]');
  }
  if (action === 'reset-offsets') {
    if (args.has('dry-run') && args.has('execute')) throw new UsageError(`Option [reset-offsets] only accepts one of ${oneOf(['execute', 'dry-run'])}`);
    const scenarios = RESET_SCENARIOS.filter((s) => args.has(s));
    if (scenarios.length !== 1) throw new UsageError(`Option [reset-offsets] takes exactly one of these options: ${oneOf(RESET_SCENARIOS)}`);
    if (args.has('all-topics') && args.has('topic')) throw new UsageError(`Option [reset-offsets] takes at most one of these options: ${oneOf(['all-topics', 'topic'])}`);
    if (!args.has('all-topics') && !args.has('topic') && !args.has('from-file')) throw new UsageError('One of the reset scopes should be defined: --all-topics, --topic.');
    for (const name of ['to-offset', 'shift-by']) longOption(args, name);
  } else {
    for (const o of ['dry-run', 'execute', 'export', 'all-topics', ...RESET_SCENARIOS]) {
      if (args.has(o)) throw new UsageError(`Option "[${o}]" can't be used with option "[${action}]"`);
    }
  }
  if (args.has('timeout') && !/^\d+$/.test(args.get('timeout')!)) throw new UsageError(`Cannot parse argument '${args.get('timeout')}' of option timeout`);
}

/** A Long option's value as a bigint (jopt-simple's conversion error otherwise). */
function longOption(args: ParsedArgs, name: string): bigint | undefined {
  const raw = args.get(name);
  if (raw === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(raw.trim())) throw new UsageError(`Cannot parse argument '${raw}' of option ${name}`);
  return BigInt(raw.trim());
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareTp(a: TopicPartition, b: TopicPartition): number {
  return compareText(a.topic, b.topic) || a.partition - b.partition;
}

/** Consumer groups (protocol type 'consumer' or none), as `--list` and `--all-groups` see them. */
async function consumerGroups(admin: Admin, states?: string[]): Promise<{ groupId: string; state: string; type: string }[]> {
  const listed = await admin.listGroups(states ? { states } : {});
  return listed.filter((g) => g.protocolType === 'consumer' || g.protocolType === '').sort((a, b) => compareText(a.groupId, b.groupId));
}

async function groupIdsOf(admin: Admin, args: ParsedArgs): Promise<string[]> {
  return args.has('all-groups') ? (await consumerGroups(admin)).map((g) => g.groupId) : [...new Set(args.all('group'))];
}

/** `--state a,b` -> Kafka's state names; throws Kafka's usage error for unknown ones. */
function parseStates(text: string): string[] {
  const states = text.split(',').map((s) => s.trim());
  const parsed = states.map((s) => GROUP_STATES.find((g) => g.toLowerCase() === s.toLowerCase()));
  if (parsed.some((s) => s === undefined)) throw new UsageError(`Invalid state list '${text}'. Valid states are: ${GROUP_STATES.join(', ')}`);
  return parsed as string[];
}

async function listGroups(admin: Admin, args: ParsedArgs, out: Output): Promise<void> {
  const withState = args.has('state');
  const withType = args.has('type');
  if (!withState && !withType) {
    const ids = (await consumerGroups(admin)).map((g) => g.groupId);
    if (ids.length > 0) out.io.stdout.write(`${ids.join('\n')}\n`);
    return;
  }
  const stateText = args.get('state') ?? '';
  const states = stateText === '' ? undefined : parseStates(stateText);
  const typeText = (args.get('type') ?? '').toLowerCase();
  const types = typeText === '' ? [] : typeText.split(',').map((t) => t.trim());
  for (const t of types) if (t !== 'classic' && t !== 'consumer') throw new UsageError(`Invalid types list '${args.get('type')}'. Valid types are: classic, consumer`);
  const groups = (await consumerGroups(admin, states)).filter((g) => types.length === 0 || types.includes(g.type.toLowerCase()));
  const groupWidth = Math.max(15, ...groups.map((g) => g.groupId.length)) + 10;
  const widths = [groupWidth, ...(withType ? [20] : []), ...(withState ? [20] : [])];
  const row = (id: string, type: string, state: string): string => formatRow(widths, [id, ...(withType ? [type] : []), ...(withState ? [state] : [])]);
  const lines = [row('GROUP', 'TYPE', 'STATE'), ...groups.map((g) => row(g.groupId, g.type.charAt(0).toUpperCase() + g.type.slice(1), g.state))];
  out.io.stdout.write(`${lines.join('\n')}\n`);
}

/** Kafka's shouldPrintMemberState: notices on stderr; whether there is anything to print. */
function shouldPrint(out: Output, group: GroupDescription, rows: number): boolean {
  if (group.state === 'Dead') {
    out.error(`Consumer group '${group.groupId}' does not exist.`);
    return false;
  }
  if (group.state === 'Empty') out.io.stderr.write(`\nConsumer group '${group.groupId}' has no active members.\n`);
  else if (REBALANCING.has(group.state)) out.io.stderr.write(`\nWarning: Consumer group '${group.groupId}' is rebalancing.\n`);
  return rows > 0;
}

async function describeGroups(admin: Admin, args: ParsedArgs, out: Output): Promise<void> {
  const ids = (await groupIdsOf(admin, args)).sort(compareText);
  const groups = await admin.describeGroups(ids);
  const verbose = args.has('verbose');
  for (const group of groups.sort((a, b) => compareText(a.groupId, b.groupId))) {
    if (args.has('members')) printMembers(out, group, verbose);
    else if (args.has('state') && !args.has('offsets')) printState(out, group, await admin.findGroupCoordinator(group.groupId), verbose);
    else await printOffsets(admin, out, group);
  }
}

/** One row of the offsets table. */
interface OffsetRow {
  topic: string;
  partition: number;
  offset: bigint | null;
  logEndOffset: bigint | null;
  consumerId: string;
  host: string;
  clientId: string;
}

async function printOffsets(admin: Admin, out: Output, group: GroupDescription): Promise<void> {
  const committed = new Map((await admin.listGroupOffsets(group.groupId)).filter((o) => o.offset >= 0n).map((o) => [`${o.topic}\0${o.partition}`, o.offset]));
  const key = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;
  const assigned = new Set<string>();
  const pending: (TopicPartition & { consumerId: string; host: string; clientId: string })[] = [];
  const members = group.members.filter((m) => m.assignment.length > 0).sort((a, b) => b.assignment.length - a.assignment.length);
  for (const m of members) {
    for (const tp of [...m.assignment].sort(compareTp)) {
      assigned.add(key(tp));
      pending.push({ ...tp, consumerId: m.memberId, host: m.clientHost, clientId: m.clientId });
    }
  }
  const unassigned = [...committed.keys()]
    .filter((k) => !assigned.has(k))
    .map((k) => ({ topic: k.split('\0')[0]!, partition: Number(k.split('\0')[1]) }))
    .sort(compareTp);
  for (const tp of unassigned) pending.push({ ...tp, consumerId: MISSING, host: MISSING, clientId: MISSING });
  const ends = await logEndOffsets(admin, pending);
  const rows: OffsetRow[] = pending.map((p) => ({ ...p, offset: committed.get(key(p)) ?? null, logEndOffset: ends.get(key(p)) ?? null }));
  if (!shouldPrint(out, group, rows.length)) return;
  const widths = [
    columnWidth(15, [group.groupId]),
    columnWidth(15, rows.map((r) => r.topic)),
    10,
    15,
    15,
    15,
    columnWidth(15, rows.map((r) => r.consumerId)),
    columnWidth(15, rows.map((r) => r.host)),
    0,
  ];
  const text = (v: bigint | null): string => (v === null ? MISSING : String(v));
  const lines = [formatRow(widths, ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'LOG-END-OFFSET', 'LAG', 'CONSUMER-ID', 'HOST', 'CLIENT-ID'])];
  for (const r of rows) {
    const lag = r.offset !== null && r.logEndOffset !== null ? r.logEndOffset - r.offset : null;
    lines.push(formatRow(widths, [group.groupId, r.topic, String(r.partition), text(r.offset), text(r.logEndOffset), text(lag), r.consumerId, r.host, r.clientId]));
  }
  out.io.stdout.write(`\n${lines.join('\n')}\n`);
}

/** Log end offsets of partitions that have a leader (others stay unknown, printed as '-'). */
async function logEndOffsets(admin: Admin, partitions: readonly TopicPartition[]): Promise<Map<string, bigint>> {
  const unique = new Map(partitions.map((tp) => [`${tp.topic}\0${tp.partition}`, { topic: tp.topic, partition: tp.partition }]));
  if (unique.size === 0) return new Map();
  const topics = [...new Set([...unique.values()].map((tp) => tp.topic))];
  const described = await Promise.all(topics.map((t) => admin.describeTopics([t]).then((d) => d[0]!, () => null)));
  const withLeader = [...unique.values()].filter((tp) => described.find((d) => d?.name === tp.topic)?.partitions.some((p) => p.partition === tp.partition && p.leader >= 0));
  const listed = withLeader.length > 0 ? await admin.listOffsets(withLeader.map((tp) => ({ ...tp, spec: 'latest' as const }))) : [];
  return new Map(listed.map((o) => [`${o.topic}\0${o.partition}`, o.offset]));
}

/** `topic1(0), topic2(0,1)`: a member's assignment in --members --verbose. */
function assignmentText(assignment: readonly TopicPartition[]): string {
  if (assignment.length === 0) return MISSING;
  const byTopic = new Map<string, number[]>();
  for (const tp of assignment) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
  return [...byTopic].map(([t, ps]) => `${t}(${ps.sort((a, b) => a - b).join(',')})`).sort().join(', ');
}

function printMembers(out: Output, group: GroupDescription, verbose: boolean): void {
  const members = group.members;
  const withInstanceId = members.some((m) => m.groupInstanceId);
  const show = shouldPrint(out, group, members.length);
  const widths = [
    columnWidth(15, show ? [group.groupId] : []),
    columnWidth(15, show ? members.map((m) => m.memberId) : []),
    ...(withInstanceId ? [columnWidth(17, members.map((m) => m.groupInstanceId ?? ''))] : []),
    columnWidth(15, show ? members.map((m) => m.clientHost) : []),
    columnWidth(15, show ? members.map((m) => m.clientId) : []),
    15,
  ];
  // Kafka's format ends with "%-15s " (a trailing space), then %s ASSIGNMENT when verbose.
  const row = (cells: string[], assignment: string): string => `${formatRow(widths, cells)} ${verbose ? assignment : ''}`;
  const header = ['GROUP', 'CONSUMER-ID', ...(withInstanceId ? ['GROUP-INSTANCE-ID'] : []), 'HOST', 'CLIENT-ID', '#PARTITIONS'];
  const lines = [row(header, 'ASSIGNMENT')];
  if (show) {
    for (const m of members) {
      const cells = [group.groupId, m.memberId, ...(withInstanceId ? [m.groupInstanceId ?? ''] : []), m.clientHost, m.clientId, String(m.assignment.length)];
      lines.push(row(cells, assignmentText(m.assignment)));
    }
  }
  out.io.stdout.write(`\n${lines.join('\n')}\n`);
}

function printState(out: Output, group: GroupDescription, coordinator: { nodeId: number; host: string; port: number }, verbose: boolean): void {
  if (!shouldPrint(out, group, 1)) return;
  const coordinatorText = `${coordinator.host}:${coordinator.port}  (${coordinator.nodeId})`;
  const widths = [Math.max(15, group.groupId.length), Math.max(25, coordinatorText.length), 20, 20, ...(verbose ? [15, 25] : []), 0];
  const strategy = group.protocol === '' ? MISSING : group.protocol;
  const header = ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', ...(verbose ? ['GROUP-EPOCH', 'TARGET-ASSIGNMENT-EPOCH'] : []), '#MEMBERS'];
  const values = [group.groupId, coordinatorText, strategy, group.state, ...(verbose ? [MISSING, MISSING] : []), String(group.members.length)];
  out.io.stdout.write(`\n${formatRow(widths, header)}\n${formatRow(widths, values)}\n`);
}

async function deleteGroups(admin: Admin, args: ParsedArgs, out: Output): Promise<void> {
  const ids = await groupIdsOf(admin, args);
  const deleted: string[] = [];
  const failed: [string, unknown][] = [];
  for (const id of ids) {
    try {
      await admin.deleteGroups([id]);
      deleted.push(id);
    } catch (error) {
      failed.push([id, error]);
    }
  }
  const quoted = (names: string[]): string => names.map((g) => `'${g}'`).join(', ');
  if (failed.length === 0) {
    out.io.stdout.write(`Deletion of requested consumer groups (${quoted(deleted)}) was successful.\n`);
    return;
  }
  out.error('Deletion of some consumer groups failed:');
  for (const [id, error] of failed) out.io.stderr.write(`* Group '${id}' could not be deleted due to: ${javaExceptionText(error)}\n`);
  if (deleted.length > 0) out.io.stdout.write(`\nThese consumer groups were deleted successfully: ${quoted(deleted)}\n`);
}

/** `t` (all partitions) or `t:0,1` -> partitions (GroupOffsetsResetter.parseTopicPartitionsToReset). */
async function topicPartitionsOf(admin: Admin, topicArgs: readonly string[]): Promise<TopicPartition[]> {
  const out: TopicPartition[] = [];
  for (const arg of topicArgs.filter((t) => t.includes(':'))) {
    const parts = arg.split(':');
    if (parts.length !== 2) throw new UsageError(`Invalid topic arg '${arg}', expected topic name and partitions`);
    for (const p of parts[1]!.split(',')) {
      if (!/^[+-]?\d+$/.test(p)) throw new UsageError(`Invalid partition '${p}' specified in topic arg '${arg}''`);
      out.push({ topic: parts[0]!, partition: Number(p) });
    }
  }
  const whole = topicArgs.filter((t) => !t.includes(':'));
  if (whole.length > 0) for (const d of await admin.describeTopics(whole)) for (const p of d.partitions) out.push({ topic: d.name, partition: p.partition });
  return out;
}

/** The offsets a reset would commit, per group (Kafka's resetOffsets). */
async function resetOffsets(admin: Admin, args: ParsedArgs, out: Output): Promise<void> {
  const ids = await groupIdsOf(admin, args);
  const plan = new Map<string, Map<string, { tp: TopicPartition; offset: bigint }>>();
  const execute = args.has('execute') && !args.has('dry-run');
  for (const group of await admin.describeGroups(ids)) {
    if (group.state !== 'Empty' && group.state !== 'Dead') {
      out.error(`Assignments can only be reset if the group '${group.groupId}' is inactive, but the current state is ${group.state}.`);
      plan.set(group.groupId, new Map());
      continue;
    }
    const offsets = await prepareReset(admin, args, group.groupId, out);
    if (execute && offsets.size > 0) await admin.alterGroupOffsets(group.groupId, [...offsets.values()].map((o) => ({ ...o.tp, offset: o.offset })));
    plan.set(group.groupId, offsets);
  }
  const rows = [...plan].flatMap(([g, offsets]) => [...offsets.values()].sort((a, b) => compareTp(a.tp, b.tp)).map((o) => ({ group: g, ...o })));
  if (args.has('export')) {
    const single = args.all('group').length === 1;
    const csv = rows.map((r) => `${single ? '' : `${r.group},`}${r.tp.topic},${r.tp.partition},${r.offset}\n`).join('');
    out.io.stdout.write(`${csv}\n`);
    return;
  }
  const widths = [30, 30, 10, 15];
  const lines = plan.size > 0 ? [formatRow(widths, ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'])] : [];
  for (const r of rows) lines.push(formatRow(widths, [r.group, r.tp.topic, String(r.tp.partition), String(r.offset)]));
  out.io.stdout.write(`${lines.map((l) => `\n${l}`).join('')}\n`);
}

/** Parses an ISO-8601 duration 'PnDTnHnMnS' (java.time.Duration.parse) into milliseconds. */
export function parseDurationMs(text: string): number {
  const m = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(text);
  if (!m || (m[2] === undefined && m[3] === undefined && m[4] === undefined && m[5] === undefined) || /T$/i.test(text)) {
    throw new GroupCommandError(`Executing consumer group command failed due to Text cannot be parsed to a Duration: ${text}`);
  }
  const n = (v: string | undefined): number => (v === undefined ? 0 : Number(v));
  const fraction = m[6] ? Number(`0.${m[6]}`) * (m[5]!.startsWith('-') ? -1 : 1) : 0;
  const ms = ((n(m[2]) * 24 + n(m[3])) * 60 + n(m[4])) * 60_000 + (n(m[5]) + fraction) * 1000;
  return m[1] === '-' ? -ms : ms;
}

/** Parses `--to-datetime` (YYYY-MM-DDTHH:mm:SS.sss, local time unless it names a zone) to epoch ms. */
export function parseDateTimeMs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)(Z|[+-]\d{2}(?::?\d{2})?)?$/.exec(text);
  const ms = m ? Date.parse(m[2] ? `${m[1]}${m[2].length === 3 ? `${m[2]}:00` : m[2].length === 5 ? `${m[2].slice(0, 3)}:${m[2].slice(3)}` : m[2]}` : m[1]!) : NaN;
  if (!Number.isFinite(ms)) throw new GroupCommandError(`Executing consumer group command failed due to Error parsing timestamp '${text}': expected YYYY-MM-DDTHH:mm:SS.sss`);
  return ms;
}

/** `topic,partition,offset` (one group) or `group,topic,partition,offset` lines of --from-file. */
function readResetPlan(file: string, groups: readonly string[]): Map<string, Map<string, { tp: TopicPartition; offset: bigint }>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GroupCommandError(`Executing consumer group command failed due to ${(e as Error).message}`);
  }
  const plan = new Map<string, Map<string, { tp: TopicPartition; offset: bigint }>>();
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  const withGroup = !(groups.length === 1 && lines[0]?.split(',').length === 3);
  for (const line of lines) {
    const cells = line.split(',');
    const [group, topic, partition, offset] = withGroup ? cells : [groups[0]!, ...cells];
    if (cells.length !== (withGroup ? 4 : 3) || !/^\d+$/.test(partition ?? '') || !/^-?\d+$/.test(offset ?? '')) {
      throw new GroupCommandError(`Executing consumer group command failed due to Invalid line in ${file}: '${line}'`);
    }
    const tp = { topic: topic!, partition: Number(partition) };
    let offsets = plan.get(group!);
    if (offsets === undefined) plan.set(group!, (offsets = new Map()));
    offsets.set(`${tp.topic}\0${tp.partition}`, { tp, offset: BigInt(offset!) });
  }
  return plan;
}

/** The new offset of each partition in scope for one group, clamped to [log start, log end] like Kafka's checkOffsetsRange. */
async function prepareReset(admin: Admin, args: ParsedArgs, groupId: string, out: Output): Promise<Map<string, { tp: TopicPartition; offset: bigint }>> {
  const key = (tp: TopicPartition): string => `${tp.topic}\0${tp.partition}`;
  const committed = new Map((await admin.listGroupOffsets(groupId)).filter((o) => o.offset >= 0n).map((o) => [key(o), o.offset]));
  let partitions: TopicPartition[];
  let requested: Map<string, bigint> | undefined;
  if (args.has('from-file')) {
    const plan = readResetPlan(args.get('from-file')!, args.all('group')).get(groupId);
    if (plan === undefined) {
      out.error(`No reset plan for group ${groupId} found.`);
      return new Map();
    }
    partitions = [...plan.values()].map((p) => p.tp);
    requested = new Map([...plan].map(([k, v]) => [k, v.offset]));
  } else if (args.has('all-topics')) {
    partitions = [...committed.keys()].map((k) => ({ topic: k.split('\0')[0]!, partition: Number(k.split('\0')[1]) }));
  } else {
    partitions = await topicPartitionsOf(admin, args.all('topic'));
  }
  partitions = [...new Map(partitions.map((tp) => [key(tp), tp])).values()];
  if (partitions.length === 0) return new Map();
  await checkPartitionsValid(admin, partitions);
  const listed = async (spec: 'earliest' | 'latest' | number): Promise<Map<string, bigint>> =>
    new Map((await admin.listOffsets(partitions.map((tp) => ({ ...tp, spec })))).map((o) => [key(o), o.offset]));
  const starts = await listed('earliest');
  const ends = await listed('latest');
  const clamp = (tp: TopicPartition, offset: bigint): bigint => {
    const end = ends.get(key(tp))!;
    const start = starts.get(key(tp))!;
    if (offset > end) {
      out.io.stderr.write(`WARN New offset (${offset}) is higher than latest offset for topic partition ${tp.topic}-${tp.partition}. Value will be set to ${end}.\n`);
      return end;
    }
    if (offset < start) {
      out.io.stderr.write(`WARN New offset (${offset}) is lower than earliest offset for topic partition ${tp.topic}-${tp.partition}. Value will be set to ${start}.\n`);
      return start;
    }
    return offset;
  };
  const result = new Map<string, { tp: TopicPartition; offset: bigint }>();
  const set = (tp: TopicPartition, offset: bigint): void => void result.set(key(tp), { tp, offset });
  if (requested !== undefined) {
    for (const tp of partitions) set(tp, clamp(tp, requested.get(key(tp))!));
  } else if (args.has('to-offset')) {
    const target = longOption(args, 'to-offset')!;
    for (const tp of partitions) set(tp, clamp(tp, target));
  } else if (args.has('to-earliest')) {
    for (const tp of partitions) set(tp, starts.get(key(tp))!);
  } else if (args.has('to-latest')) {
    for (const tp of partitions) set(tp, ends.get(key(tp))!);
  } else if (args.has('to-current')) {
    for (const tp of partitions) set(tp, committed.get(key(tp)) ?? ends.get(key(tp))!);
  } else if (args.has('shift-by')) {
    const shift = longOption(args, 'shift-by')!;
    for (const tp of partitions) {
      const current = committed.get(key(tp));
      if (current === undefined) throw new UsageError(`Cannot shift offset for partition ${tp.topic}-${tp.partition} since there is no current committed offset`);
      set(tp, clamp(tp, current + shift));
    }
  } else {
    const timestamp = args.has('to-datetime') ? parseDateTimeMs(args.get('to-datetime')!) : Date.now() - parseDurationMs(args.get('by-duration')!);
    const byTime = await listed(timestamp);
    for (const tp of partitions) {
      const found = byTime.get(key(tp));
      if (found === undefined || found < 0n) {
        out.io.stderr.write(`\nWarn: Partition ${tp.partition} from topic ${tp.topic} is empty. Falling back to latest known offset.\n`);
        set(tp, ends.get(key(tp))!);
      } else {
        set(tp, found);
      }
    }
  }
  return result;
}

/** Kafka's checkAllTopicPartitionsValid: every partition exists and has a leader. */
async function checkPartitionsValid(admin: Admin, partitions: readonly TopicPartition[]): Promise<void> {
  const topics = [...new Set(partitions.map((tp) => tp.topic))];
  const described = (await Promise.all(topics.map((t) => admin.describeTopics([t]).then((d) => d[0]!, () => null)))).filter((d) => d !== null);
  const info = (tp: TopicPartition) => described.find((d) => d.name === tp.topic)?.partitions.find((p) => p.partition === tp.partition);
  const missing = partitions.filter((tp) => info(tp) === undefined);
  if (missing.length > 0) {
    throw new GroupCommandError(
      `Executing consumer group command failed due to org.apache.kafka.common.errors.UnknownTopicOrPartitionException: The partitions "${missing.map((tp) => `${tp.topic}-${tp.partition}`).join(',')}" do not exist`,
    );
  }
  const leaderless = partitions.filter((tp) => info(tp)!.leader < 0);
  if (leaderless.length > 0) {
    throw new GroupCommandError(
      `Executing consumer group command failed due to org.apache.kafka.common.errors.LeaderNotAvailableException: The partitions "${leaderless.map((tp) => `${tp.topic}-${tp.partition}`).join(',')}" have no leader`,
    );
  }
}

async function deleteOffsets(admin: Admin, args: ParsedArgs, out: Output): Promise<void> {
  const groupId = args.get('group')!;
  const results: (TopicPartition & { status: string })[] = [];
  const requested: TopicPartition[] = [];
  for (const arg of args.all('topic')) {
    if (arg.includes(':')) {
      requested.push(...(await topicPartitionsOf(admin, [arg])));
      continue;
    }
    try {
      requested.push(...(await topicPartitionsOf(admin, [arg])));
    } catch (error) {
      results.push({ topic: arg, partition: -1, status: `Error: ${javaExceptionText(error)}` });
    }
  }
  const deleted = requested.length > 0 ? await admin.deleteGroupOffsetsResults(groupId, requested) : [];
  const firstError = deleted.find((r) => r.error !== null)?.error ?? null;
  for (const r of deleted) results.push({ topic: r.topic, partition: r.partition, status: r.error === null ? 'Successful' : `Error: ${javaExceptionText(r.error)}` });
  const groupLevel = ['INVALID_GROUP_ID', 'GROUP_ID_NOT_FOUND', 'GROUP_AUTHORIZATION_FAILED', 'NON_EMPTY_GROUP'];
  if (firstError === null && results.every((r) => r.status === 'Successful')) out.io.stdout.write(`Request succeeded for deleting offsets from group ${groupId}.\n`);
  else if (firstError !== null && groupLevel.includes(firstError.errorName)) out.error(kafkaMessage(firstError));
  else out.error('Encountered some partition-level error, see the follow-up details.');
  const widths = [columnWidth(15, results.map((r) => r.topic)), 10, 15];
  const lines = [formatRow(widths, ['TOPIC', 'PARTITION', 'STATUS'])];
  for (const r of results.sort((a, b) => compareText(`${a.topic}${a.partition}`, `${b.topic}${b.partition}`))) {
    lines.push(formatRow(widths, [r.topic, r.partition >= 0 ? String(r.partition) : MISSING, r.status]));
  }
  out.io.stdout.write(`${lines.map((l) => `\n${l}`).join('')}\n`);
}
