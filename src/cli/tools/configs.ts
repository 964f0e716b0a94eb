// `samsa configs` / `kafka-configs`: Kafka's ConfigCommand for topic and broker configs (describe, alter via IncrementalAlterConfigs).
import type { Admin, AlterConfigOp, ConfigEntry, ConfigResourceType, ConfigSource } from '../../client/index.js';
import { UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { withAdmin } from '../admin-session.js';
import { BOOTSTRAP_SERVER, COMMAND_CONFIG, readPropertiesFile } from '../common.js';
import { javaExceptionText } from '../kafka-errors.js';
import type { Tool, ToolIo } from '../tool.js';

const OPTIONS: readonly OptionSpec[] = [
  { name: 'add-config', takesValue: true, valueName: 'String', description: "Key Value pairs of configs to add. Square brackets can be used to group values which contain commas: 'k1=v1,k2=[v1,v2,v2],k3=v3'." },
  { name: 'add-config-file', takesValue: true, valueName: 'String', description: 'Path to a properties file with configs to add. See add-config for a list of valid configurations.' },
  { name: 'all', takesValue: false, description: 'List all configs for the given entity, including static configs if available.' },
  { name: 'alter', takesValue: false, description: 'Alter the configuration for the entity.' },
  BOOTSTRAP_SERVER,
  { name: 'broker', takesValue: true, valueName: 'String', description: "The broker's ID." },
  { name: 'broker-defaults', takesValue: false, description: 'The config defaults for all brokers.' },
  COMMAND_CONFIG,
  { name: 'delete-config', takesValue: true, repeatable: true, valueName: 'String', description: 'config keys to remove \'k1,k2\'' },
  { name: 'describe', takesValue: false, description: 'List configs for the given entity.' },
  { name: 'entity-default', takesValue: false, description: 'Default entity name for clients/users/brokers/ips (applies to corresponding entity type)' },
  { name: 'entity-name', takesValue: true, valueName: 'String', description: 'Name of entity (topic name/client id/user principal name/broker id/ip/client metrics/group id)' },
  { name: 'entity-type', takesValue: true, valueName: 'String', description: 'Type of entity (topics/clients/users/brokers/broker-loggers/ips/client-metrics/groups)' },
  { name: 'force', takesValue: false, description: 'Suppress console prompts' },
  { name: 'topic', takesValue: true, valueName: 'String', description: "The topic's name." },
];

const ENTITY_TYPES = ['topics', 'clients', 'users', 'brokers', 'broker-loggers', 'ips', 'client-metrics', 'groups'] as const;
/** What this tool can configure; the other Kafka entity types are refused with a message. */
const SUPPORTED: Readonly<Record<string, ConfigResourceType>> = { topics: 'topic', brokers: 'broker' };
/** The source a plain --describe keeps per entity (ConfigCommand.getResourceConfig). */
const DYNAMIC_SOURCE = (type: string, isDefault: boolean): ConfigSource =>
  type === 'topics' ? 'DYNAMIC_TOPIC_CONFIG' : isDefault ? 'DYNAMIC_DEFAULT_BROKER_CONFIG' : 'DYNAMIC_BROKER_CONFIG';

/** A mistake Kafka reports with its message alone on stderr (IllegalArgumentException, InvalidConfigurationException). */
class ConfigCommandError extends Error {}

/** The entity a command is about: a type and a name ('' for the cluster-wide default, undefined for all). */
interface Entity {
  type: string;
  name: string | undefined;
}

export const configsTool: Tool = {
  name: 'configs',
  summary: 'This tool helps to manipulate and describe entity config for a topic, client, user, broker, ip, client-metrics or group',
  options: OPTIONS,
  async run(args, io) {
    const actions = ['alter', 'describe'].filter((a) => args.has(a));
    if (actions.length !== 1) throw new UsageError('Command must include exactly one action: --describe, --alter');
    if (!args.has('bootstrap-server')) throw new UsageError('One of the required bootstrap flags must be set: --bootstrap-server or --bootstrap-controller');
    try {
      const entity = entityOf(args);
      if (args.has('alter')) {
        const { adds, deletes } = changesOf(args);
        await withAdmin(args, (admin) => alterConfig(admin, entity, adds, deletes, io));
      } else {
        await withAdmin(args, (admin) => describeConfig(admin, entity, args.has('all'), io));
      }
      return 0;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      if (error instanceof ConfigCommandError) {
        io.stderr.write(`${error.message}\n`);
      } else {
        io.stderr.write(`Error while executing config command with args '${commandLine(args)}'\n${javaExceptionText(error)}\n`);
      }
      return 1;
    }
  },
};

/** The options as given (flag order by option), for Kafka's `Error while executing config command with args '...'`. */
function commandLine(args: ParsedArgs): string {
  const words: string[] = [];
  for (const [name, values] of args.values) {
    const spec = OPTIONS.find((o) => o.name === name);
    for (const value of values) words.push(spec?.takesValue ? `--${name} ${value}` : `--${name}`);
  }
  return words.join(' ');
}

/** The entity from --entity-type/--entity-name/--entity-default or a shorthand (--topic, --broker, --broker-defaults). */
function entityOf(args: ParsedArgs): Entity {
  const shorthands: Entity[] = [];
  if (args.has('topic')) shorthands.push({ type: 'topics', name: args.get('topic')! });
  if (args.has('broker')) shorthands.push({ type: 'brokers', name: args.get('broker')! });
  if (args.has('broker-defaults')) shorthands.push({ type: 'brokers', name: '' });
  const type = args.get('entity-type');
  if (type !== undefined && shorthands.length > 0) throw new ConfigCommandError('--entity-{type,name,default} should not be used in conjunction with specific entity flags');
  if (shorthands.length > 1) throw new ConfigCommandError('Only one entity flag may be specified: --topic, --broker or --broker-defaults');
  let entity: Entity;
  if (shorthands.length === 1) {
    entity = shorthands[0]!;
  } else {
    if (type === undefined) throw new ConfigCommandError('At least one entity type must be specified');
    if (!(ENTITY_TYPES as readonly string[]).includes(type)) {
      throw new ConfigCommandError(`Invalid entity type ${type}, the entity type must be one of ${ENTITY_TYPES.join(', ')}`);
    }
    if (args.has('entity-name') && args.has('entity-default')) throw new ConfigCommandError('--entity-name and --entity-default cannot be used together');
    entity = { type, name: args.has('entity-default') ? '' : args.get('entity-name') };
  }
  if (SUPPORTED[entity.type] === undefined) {
    throw new ConfigCommandError(`Samsa's configs tool supports --entity-type topics and brokers; '${entity.type}' configs are not supported yet.`);
  }
  if (entity.type === 'topics' && entity.name === '') throw new ConfigCommandError('--entity-default must not be specified with --entity-type topics');
  if (entity.type === 'brokers' && entity.name !== undefined && entity.name !== '' && !/^\d+$/.test(entity.name)) {
    throw new ConfigCommandError(`The entity name for brokers must be a valid integer broker id, but it is: ${entity.name}`);
  }
  if (args.has('alter') && entity.name === undefined) {
    throw new ConfigCommandError('An entity name must be specified with --alter of topics, brokers');
  }
  return entity;
}

/**
 * `--add-config 'k1=v1,k2=[a,b]'` as ConfigCommand parses it: split on commas outside brackets,
 * then on the first '=' outside brackets; brackets are removed from values.
 */
export function parseAddConfig(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of text.split(/,(?=[^\]]*(?:\[|$))/)) {
    const kv = pair.split(/\s*=\s*(?=[^\]]*(?:\[|$))/);
    if (kv.length !== 2) throw new ConfigCommandError('requirement failed: Invalid entity config: all configs to be added must be in the format "key=val" or "key=[val1,val2]".');
    out.set(kv[0]!.trim(), kv[1]!.replace(/\[?\]?/g, '').trim());
  }
  return out;
}

/** The keys to set and to delete of an --alter (ConfigCommand.parseConfigsToBeAdded / parseConfigsToBeDeleted). */
function changesOf(args: ParsedArgs): { adds: Map<string, string>; deletes: string[] } {
  const hasAdd = args.has('add-config');
  const hasFile = args.has('add-config-file');
  if (hasAdd && hasFile) throw new ConfigCommandError('Only one of --add-config or --add-config-file must be specified');
  if (!hasAdd && !hasFile && !args.has('delete-config')) {
    throw new ConfigCommandError('At least one of --add-config, --add-config-file, or --delete-config must be specified with --alter');
  }
  const adds = hasFile ? readPropertiesFile(args.get('add-config-file')!) : hasAdd ? parseAddConfig(args.get('add-config')!) : new Map<string, string>();
  const deletes = args.all('delete-config').flatMap((v) => v.split(',')).map((k) => k.trim()).filter((k) => k !== '');
  const both = deletes.filter((k) => adds.has(k));
  if (both.length > 0) throw new ConfigCommandError(`Invalid config(s): ${both.join(',')} cannot be both added and deleted`);
  return { adds, deletes };
}

function resourceOf(entity: Entity, name: string): { type: ConfigResourceType; name: string } {
  return { type: SUPPORTED[entity.type]!, name };
}

/** Entries of one entity, filtered to its dynamic source unless --all, sorted by name. */
async function entriesOf(admin: Admin, entity: Entity, name: string, all: boolean, includeSynonyms: boolean): Promise<ConfigEntry[]> {
  const [described] = await admin.describeConfigs([resourceOf(entity, name)], { includeSynonyms });
  const source = DYNAMIC_SOURCE(entity.type, name === '');
  return (described?.configs ?? []).filter((e) => all || e.source === source).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function describeConfig(admin: Admin, entity: Entity, all: boolean, io: ToolIo): Promise<void> {
  let names: string[];
  if (entity.name !== undefined) names = [entity.name];
  else if (entity.type === 'topics') names = (await admin.listTopics({ includeInternal: true })).sort();
  else names = [...(await admin.describeCluster()).brokers.map((b) => String(b.nodeId)), ''];
  const singular = entity.type.slice(0, -1);
  for (const name of names) {
    const lines: string[] = [name === '' ? `Default configs for ${entity.type} in the cluster are:` : `${all ? 'All' : 'Dynamic'} configs for ${singular} ${name} are:`];
    for (const e of await entriesOf(admin, entity, name, all, true)) {
      const synonyms = e.synonyms.map((s) => `${s.source}:${s.name}=${s.value}`).join(', ');
      lines.push(`  ${e.name}=${e.value} sensitive=${e.isSensitive} synonyms={${synonyms}}`);
    }
    io.stdout.write(`${lines.join('\n')}\n`);
  }
}

async function alterConfig(admin: Admin, entity: Entity, adds: ReadonlyMap<string, string>, deletes: readonly string[], io: ToolIo): Promise<void> {
  const name = entity.name!;
  const current = new Set((await entriesOf(admin, entity, name, false, false)).map((e) => e.name));
  const missing = deletes.filter((k) => !current.has(k));
  if (missing.length > 0) throw new ConfigCommandError(`Invalid config(s): ${missing.join(',')}`);
  const ops: AlterConfigOp[] = [...[...adds].map(([key, value]) => ({ name: key, op: 'set' as const, value })), ...deletes.map((key) => ({ name: key, op: 'delete' as const }))];
  await admin.incrementalAlterConfigs([{ ...resourceOf(entity, name), ops }]);
  io.stdout.write(name === '' ? `Completed updating default config for ${entity.type} in the cluster.\n` : `Completed updating config for ${entity.type.slice(0, -1)} ${name}.\n`);
}
