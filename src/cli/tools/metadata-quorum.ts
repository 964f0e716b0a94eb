// `samsa metadata-quorum` / `kafka-metadata-quorum`: Kafka's MetadataQuorumCommand (describe --status, describe --replication).
import type { QuorumInfo, QuorumNode, QuorumReplicaState } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { COMMAND_CONFIG } from '../common.js';
import { kafkaMessage } from '../kafka-errors.js';
import type { Tool } from '../tool.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'bootstrap-server', takesValue: true, valueName: 'BOOTSTRAP_SERVER', description: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka cluster.' },
  { name: 'bootstrap-controller', takesValue: true, valueName: 'BOOTSTRAP_CONTROLLER', description: 'A comma-separated list of host:port pairs to use for establishing the connection to the Kafka controllers.' },
  { ...COMMAND_CONFIG, short: 'c', valueName: 'COMMAND_CONFIG', description: 'Property file containing configs to be passed to Admin Client.' },
  { name: 'status', takesValue: false, description: 'describe: a short summary of the quorum status.' },
  { name: 'replication', takesValue: false, description: 'describe: detailed information about the status of replication.' },
  { name: 'human-readable', takesValue: false, description: 'describe --replication: timestamps as "<n> ms ago".' },
  { name: 'dry-run', takesValue: false, description: 'add-controller / remove-controller: print what would be done (not supported by Samsa).' },
  { name: 'controller-id', short: 'i', takesValue: true, valueName: 'CONTROLLER_ID', description: 'remove-controller: the id of the controller to remove (not supported by Samsa).' },
  { name: 'controller-directory-id', short: 'd', takesValue: true, valueName: 'CONTROLLER_DIRECTORY_ID', description: 'remove-controller: the directory id of the controller to remove (not supported by Samsa).' },
];

const COMMANDS = ['describe', 'add-controller', 'remove-controller'] as const;

/** Kafka's TerseException: the message alone on stderr, exit code 1. */
class QuorumCommandError extends Error {}

/** The all-zero directory id, as Kafka prints an unknown one in the replication table. */
const ZERO_UUID_TEXT = 'AAAAAAAAAAAAAAAAAAAAAA';

export const metadataQuorumTool: Tool = {
  name: 'metadata-quorum',
  summary: 'This tool describes kraft metadata quorum status. Commands: describe --status | describe --replication [--human-readable]',
  options: OPTIONS,
  async run(args, io) {
    const command = commandOf(args);
    try {
      if (command !== 'describe') throw new QuorumCommandError(`Samsa does not support ${command} yet: the controller quorum is static (controller.quorum.voters).`);
      const { mode, humanReadable } = describeModeOf(args);
      await withAdmin(args, async (admin) => {
        const info = await admin.describeQuorum();
        if (mode === 'replication') {
          io.stdout.write(formatQuorumReplication(info, Date.now(), humanReadable));
        } else {
          const clusterId = (await admin.describeCluster({ endpointType: args.has('bootstrap-controller') ? 'controller' : 'broker' })).clusterId;
          io.stdout.write(formatQuorumStatus(clusterId, info));
        }
      });
      return 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      io.stderr.write(`${error instanceof QuorumCommandError ? error.message : kafkaMessage(error)}\n`);
      return 1;
    }
  },
};

/** The subcommand, checking the bootstrap flags as argparse4j's mutually exclusive group does. */
export function commandOf(args: ParsedArgs): (typeof COMMANDS)[number] {
  if (args.has('bootstrap-server') && args.has('bootstrap-controller')) throw new UsageError('argument --bootstrap-controller: not allowed with argument --bootstrap-server');
  if (!args.has('bootstrap-server') && !args.has('bootstrap-controller')) throw new UsageError('one of the arguments --bootstrap-server --bootstrap-controller is required');
  const [command, ...extra] = args.positional;
  if (command === undefined) throw new UsageError('too few arguments');
  if (!(COMMANDS as readonly string[]).includes(command)) throw new UsageError(`argument command: invalid choice: '${command}' (choose from 'describe', 'add-controller', 'remove-controller')`);
  if (extra.length > 0) throw new UsageError(`unrecognized arguments: '${extra.join(' ')}'`);
  return command as (typeof COMMANDS)[number];
}

/** `describe --status` or `describe --replication [--human-readable]`, with Kafka's messages for wrong combinations. */
export function describeModeOf(args: ParsedArgs): { mode: 'status' | 'replication'; humanReadable: boolean } {
  const status = args.has('status');
  const replication = args.has('replication');
  const humanReadable = args.has('human-readable');
  if (status && replication) throw new QuorumCommandError('Only one of --status or --replication should be specified with describe sub-command');
  if (replication) return { mode: 'replication', humanReadable };
  if (!status) throw new QuorumCommandError('One of --status or --replication must be specified with describe sub-command');
  if (humanReadable) throw new QuorumCommandError('The option --human-readable is only supported along with --replication');
  return { mode: 'status', humanReadable: false };
}

function leaderOf(info: QuorumInfo): QuorumReplicaState {
  const leader = info.voters.find((v) => v.replicaId === info.leaderId);
  if (leader === undefined) throw new QuorumCommandError(`The quorum has no leader among its voters (leader id ${info.leaderId}); an election may be in progress. Try again.`);
  return leader;
}

/** `describe --status`: labels padded to 24 columns, voters and observers in the KIP-853 JSON form. */
export function formatQuorumStatus(clusterId: string | null, info: QuorumInfo): string {
  const leader = leaderOf(info);
  let maxLagFollower = info.voters[0]!;
  for (const v of info.voters) if (v.logEndOffset < maxLagFollower.logEndOffset) maxLagFollower = v;
  const maxFollowerLag = leader.logEndOffset - maxLagFollower.logEndOffset;
  let maxFollowerLagTimeMs: bigint;
  if (maxLagFollower === leader) maxFollowerLagTimeMs = 0n;
  else if (leader.lastCaughtUpTimestamp >= 0n && maxLagFollower.lastCaughtUpTimestamp >= 0n) maxFollowerLagTimeMs = leader.lastCaughtUpTimestamp - maxLagFollower.lastCaughtUpTimestamp;
  else maxFollowerLagTimeMs = -1n;
  const rows: [string, string][] = [
    ['ClusterId:', String(clusterId)],
    ['LeaderId:', String(info.leaderId)],
    ['LeaderEpoch:', String(info.leaderEpoch)],
    ['HighWatermark:', String(info.highWatermark)],
    ['MaxFollowerLag:', String(maxFollowerLag)],
    ['MaxFollowerLagTimeMs:', String(maxFollowerLagTimeMs)],
    ['CurrentVoters:', replicaList(info.voters, info.nodes)],
    ['CurrentObservers:', replicaList(info.observers, info.nodes)],
  ];
  return rows.map(([label, value]) => `${label.padEnd(24)}${value}\n`).join('');
}

/** `[{"id": 1, "directoryId": null, "endpoints": ["CONTROLLER://host:9093"]}, ...]` (MetadataQuorumCommand.Node#toString). */
function replicaList(replicas: readonly QuorumReplicaState[], nodes: readonly QuorumNode[]): string {
  const items = replicas.map((r) => {
    const endpoints = nodes.find((n) => n.nodeId === r.replicaId)?.endpoints ?? [];
    const directoryId = r.replicaDirectoryId === null ? 'null' : `"${r.replicaDirectoryId}"`;
    const endpointText = endpoints.length === 0 ? '' : `, "endpoints": [${endpoints.map((e) => `"${e.listener}://${e.host}:${e.port}"`).join(', ')}]`;
    return `{"id": ${r.replicaId}, "directoryId": ${directoryId}${endpointText}}`;
  });
  return `[${items.join(', ')}]`;
}

/**
 * `describe --replication`: the leader, then the other voters, then observers, as Kafka's
 * ToolsUtils.prettyPrintTable prints them (each cell padded to its column and followed by a TAB).
 */
export function formatQuorumReplication(info: QuorumInfo, nowMs: number, humanReadable: boolean): string {
  const leader = leaderOf(info);
  const row = (r: QuorumReplicaState, status: string): string[] => [
    String(r.replicaId),
    r.replicaDirectoryId ?? ZERO_UUID_TEXT,
    String(r.logEndOffset),
    String(leader.logEndOffset - r.logEndOffset),
    timestampText(r.lastFetchTimestamp, nowMs, humanReadable, 'last fetch'),
    timestampText(r.lastCaughtUpTimestamp, nowMs, humanReadable, 'last caught up'),
    status,
  ];
  const rows = [
    ['NodeId', 'DirectoryId', 'LogEndOffset', 'Lag', 'LastFetchTimestamp', 'LastCaughtUpTimestamp', 'Status'],
    row(leader, 'Leader'),
    ...info.voters.filter((v) => v.replicaId !== info.leaderId).map((v) => row(v, 'Follower')),
    ...info.observers.map((o) => row(o, 'Observer')),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((cell, i) => `${cell.padEnd(widths[i]!)}\t`).join('')}\n`).join('');
}

function timestampText(timestamp: bigint, nowMs: number, humanReadable: boolean, what: string): string {
  if (timestamp < 0n) return '-1';
  if (!humanReadable) return String(timestamp);
  const ms = Number(timestamp);
  if (!(ms > 0 && ms <= nowMs)) {
    throw new QuorumCommandError(`Error while computing relative time, possible drift in system clock.\nCurrent timestamp is ${nowMs}, ${what} timestamp is ${ms}`);
  }
  return `${nowMs - ms} ms ago`;
}
