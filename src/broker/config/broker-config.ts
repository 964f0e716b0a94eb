/**
 * Loads, validates and exposes the broker configuration. Precedence, lowest first:
 * Kafka's code defaults < the properties file < environment variables < `--override k=v`.
 * Every problem is collected and thrown together as one ConfigError.
 */
import { hostname } from 'node:os';
import { assert } from '../../common/assert.js';
import {
  BROKER_CONFIG_KEYS,
  IGNORED_KEY_PREFIXES,
  IGNORED_KEYS,
  isSensitiveKey,
  LISTENER_OVERRIDE_PATTERN,
  UNKNOWN_KEY_HINTS,
} from './config-def.js';
import { closestName, ConfigError, type ConfigProblem, invalidValueMessage } from './config-error.js';
import { ConfigSource, type ConfigSourceId, ConfigType, type ConfigValue, isFailure, parseConfigValue } from './config-value.js';
import {
  type HostPort,
  type KeyProblem,
  type ListenerSpec,
  parseHostPorts,
  parseQuorumVoters,
  type ProcessRole,
  type QuorumVoter,
  resolveListeners,
  type SecurityProtocol,
} from './listeners.js';
import { type ConfigOrigin, describeOrigin, gatherSettings, type RawSetting, type SettingSources } from './settings.js';
import { configSynonyms, type ConfigSynonym } from './synonyms.js';
import { brokerConfigSynonyms } from './topic-config-def.js';
import type { BrokerConfigValues } from './topic-config.js';
import { defaultValues, type StaticValue, ValueTable } from './value-table.js';

/** Options of loadBrokerConfig. */
export interface LoadBrokerConfigOptions extends SettingSources {
  /** Replaces an empty host in advertised listeners; default os.hostname() (Kafka: canonical host name). */
  readonly hostName?: string;
}

/** One broker config as DescribeConfigs (resource type BROKER) reports it. */
export interface BrokerConfigEntry {
  readonly name: string;
  /** Canonical text; null when unset or sensitive. */
  readonly value: string | null;
  readonly source: ConfigSourceId;
  readonly isSensitive: boolean;
  readonly readOnly: boolean;
  /** DescribeConfigs ConfigType id. */
  readonly type: number;
  readonly synonyms: readonly ConfigSynonym[];
  /** Where the value came from, for people: `server.properties:12`, `environment variable ...`, `default`. */
  readonly origin: string;
}

/** Values derived from several keys, computed once at load. */
interface Derived {
  readonly nodeId: number;
  readonly processRoles: readonly ProcessRole[];
  readonly listeners: readonly ListenerSpec[];
  readonly advertisedListeners: readonly ListenerSpec[];
  readonly securityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly controllerListenerNames: readonly string[];
  readonly interBrokerListenerName: string;
  readonly controllerQuorumVoters: readonly QuorumVoter[];
  readonly controllerQuorumBootstrapServers: readonly HostPort[];
  readonly logDirs: readonly string[];
  readonly clusterId: string | undefined;
}

/** Loads the broker configuration; throws ConfigError listing every problem found. */
export function loadBrokerConfig(options: LoadBrokerConfigOptions): BrokerConfig {
  const gathered = gatherSettings(options);
  const problems: ConfigProblem[] = [...gathered.problems];
  const warnings: string[] = [];
  const listenerOverrides = new Map<string, RawSetting>();
  const table = parseSettings(gathered.settings, listenerOverrides, problems, warnings);
  const derived = derive(table, gathered.clusterId, options.hostName ?? hostname(), problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return new BrokerConfig(table, derived, listenerOverrides, warnings);
}

function parseSettings(settings: ReadonlyMap<string, RawSetting>, listenerOverrides: Map<string, RawSetting>, problems: ConfigProblem[], warnings: string[]): ValueTable {
  const statics = new Map<string, StaticValue>();
  const failed = new Set<string>();
  for (const setting of settings.values()) {
    const source = describeOrigin(setting.origin);
    const definition = BROKER_CONFIG_KEYS.get(setting.key);
    if (!definition) {
      classifyUnknown(setting, source, listenerOverrides, problems, warnings);
      continue;
    }
    const parsed = parseConfigValue(definition.type, setting.raw);
    const failure = isFailure(parsed) ? parsed : parsed.value === null ? undefined : definition.validator?.(parsed.value);
    if (failure === undefined && !isFailure(parsed)) {
      statics.set(setting.key, { parsed, raw: setting.raw.trim(), origin: setting.origin });
      continue;
    }
    failed.add(setting.key);
    const shown = isSensitiveKey(setting.key) ? '[hidden]' : (failure?.value ?? setting.raw.trim());
    problems.push({ key: setting.key, value: shown, source, message: invalidValueMessage(setting.key, shown, failure?.reason ?? '') });
  }
  return new ValueTable(statics, failed);
}

function classifyUnknown(setting: RawSetting, source: string, listenerOverrides: Map<string, RawSetting>, problems: ConfigProblem[], warnings: string[]): void {
  if (LISTENER_OVERRIDE_PATTERN.test(setting.key)) {
    listenerOverrides.set(setting.key, setting);
    return;
  }
  const ignoredReason = IGNORED_KEYS.get(setting.key) ?? (IGNORED_KEY_PREFIXES.some((prefix) => setting.key.startsWith(prefix)) ? 'not a Kafka configuration' : undefined);
  if (ignoredReason) {
    warnings.push(`Ignoring configuration '${setting.key}' (from ${source}): ${ignoredReason}`);
    return;
  }
  problems.push({ key: setting.key, value: setting.raw, source, message: `Unknown configuration '${setting.key}'`, hint: unknownKeyHint(setting.key) });
}

function unknownKeyHint(key: string): string | undefined {
  const known = UNKNOWN_KEY_HINTS.find(([pattern]) => pattern.test(key));
  if (known) return known[1];
  const suggestion = closestName(key, BROKER_CONFIG_KEYS.keys());
  return suggestion === undefined ? undefined : `Did you mean '${suggestion}'?`;
}

function derive(table: ValueTable, clusterId: RawSetting | undefined, hostName: string, problems: ConfigProblem[]): Derived {
  const report = reporter(table, problems);
  const processRoles = deriveRoles(table, report);
  const controllerListenerNames = splitNames(table.get('controller.listener.names') as string | null);
  const nodeId = deriveNodeId(table, processRoles, report);
  const quorum = deriveQuorum(table, nodeId, processRoles, report);
  const listenerSetup = deriveListeners(table, processRoles, controllerListenerNames, report);
  const advertisedListeners = (listenerSetup?.advertisedListeners ?? []).map((spec) => (spec.host === '' ? { ...spec, host: hostName } : spec));
  checkHttpPort(table, listenerSetup?.listeners ?? [], report);
  return {
    nodeId,
    processRoles: processRoles.length === 0 ? ['broker', 'controller'] : processRoles,
    listeners: listenerSetup?.listeners ?? [],
    advertisedListeners,
    securityProtocolMap: listenerSetup?.securityProtocolMap ?? new Map(),
    controllerListenerNames,
    interBrokerListenerName: listenerSetup?.interBrokerListenerName ?? '',
    controllerQuorumVoters: quorum.voters,
    controllerQuorumBootstrapServers: quorum.bootstrapServers,
    logDirs: deriveLogDirs(table, report),
    clusterId: deriveClusterId(clusterId, problems),
  };
}

type Report = (problem: KeyProblem, hint?: string) => void;

/** Turns a key problem into a ConfigProblem carrying the key's value and origin. */
function reporter(table: ValueTable, problems: ConfigProblem[]): Report {
  return ({ key, message }, hint) => {
    const setting = table.statics.get(key);
    const value = isSensitiveKey(key) ? '[hidden]' : table.text(key);
    const origin: ConfigOrigin = setting?.origin ?? { kind: 'default' };
    problems.push({ key, value, source: describeOrigin(origin), message: invalidValueMessage(key, value, message), hint });
  };
}

function splitNames(text: string | null): string[] {
  const trimmed = (text ?? '').trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/).map((name) => name.toUpperCase());
}

function deriveRoles(table: ValueTable, report: Report): ProcessRole[] {
  const roles = (table.get('process.roles') as readonly string[]) as readonly ProcessRole[];
  const duplicate = roles.find((role, index) => roles.indexOf(role) !== index);
  if (duplicate) report({ key: 'process.roles', message: `Duplicate role names found in process.roles: ${duplicate}` });
  return [...new Set(roles)];
}

function deriveNodeId(table: ValueTable, roles: readonly ProcessRole[], report: Report): number {
  if (!table.allValid('node.id', 'broker.id')) return -1;
  const nodeId = table.get('node.id') as number;
  const brokerId = table.get('broker.id') as number;
  const nodeIdSet = table.isSet('node.id');
  if (nodeIdSet && brokerId >= 0 && brokerId !== nodeId) {
    report({ key: 'broker.id', message: `The values for broker.id (${brokerId}) and node.id (${nodeId}) must be the same if both are specified` });
  }
  const resolved = nodeIdSet || brokerId < 0 ? nodeId : brokerId;
  if (resolved < 0 && roles.length > 0) {
    report({ key: 'node.id', message: 'node.id must be a non-negative integer when process.roles is set' }, 'Set node.id to this node\'s id, e.g. node.id=1');
  }
  return resolved;
}

function deriveQuorum(table: ValueTable, nodeId: number, roles: readonly ProcessRole[], report: Report): { voters: QuorumVoter[]; bootstrapServers: HostPort[] } {
  const voters = parseQuorumVoters(table.get('controller.quorum.voters') as readonly string[]);
  const bootstrapServers = parseHostPorts(table.get('controller.quorum.bootstrap.servers') as readonly string[]);
  if (typeof voters === 'string') report({ key: 'controller.quorum.voters', message: voters });
  if (typeof bootstrapServers === 'string') report({ key: 'controller.quorum.bootstrap.servers', message: bootstrapServers });
  const result = { voters: typeof voters === 'string' ? [] : voters, bootstrapServers: typeof bootstrapServers === 'string' ? [] : bootstrapServers };
  if (typeof voters === 'string' || typeof bootstrapServers === 'string' || roles.length === 0) return result;
  if (result.voters.length === 0 && result.bootstrapServers.length === 0) {
    report({ key: 'controller.quorum.voters', message: 'If using process.roles, either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers.' });
  }
  const voterIds = result.voters.map((voter) => voter.nodeId);
  if (roles.includes('controller') && voterIds.length > 0 && nodeId >= 0 && !voterIds.includes(nodeId)) {
    report({ key: 'controller.quorum.voters', message: `If process.roles contains the 'controller' role, the node id ${nodeId} must be included in the set of voters controller.quorum.voters=${voterIds.join(',')}` });
  }
  return result;
}

const LISTENER_KEYS = ['listeners', 'advertised.listeners', 'listener.security.protocol.map', 'controller.listener.names', 'inter.broker.listener.name', 'security.inter.broker.protocol', 'process.roles'] as const;

function deriveListeners(table: ValueTable, roles: readonly ProcessRole[], controllerListenerNames: readonly string[], report: Report) {
  if (!table.allValid(...LISTENER_KEYS)) return undefined;
  const { setup, problems } = resolveListeners({
    listeners: table.get('listeners') as string,
    advertisedListeners: table.get('advertised.listeners') as string | null,
    protocolMap: table.get('listener.security.protocol.map') as string,
    protocolMapExplicit: table.isSet('listener.security.protocol.map'),
    controllerListenerNames,
    interBrokerListenerName: table.get('inter.broker.listener.name') as string | null,
    securityInterBrokerProtocol: table.get('security.inter.broker.protocol') as string,
    securityInterBrokerProtocolExplicit: table.isSet('security.inter.broker.protocol'),
    processRoles: roles,
  });
  for (const problem of problems) report(problem);
  return setup;
}

function checkHttpPort(table: ValueTable, listeners: readonly ListenerSpec[], report: Report): void {
  const port = table.get('samsa.http.port') as number;
  const clash = listeners.find((listener) => listener.port === port && port > 0);
  if (clash) report({ key: 'samsa.http.port', message: `port ${port} is already used by listener ${clash.name}` });
}

function deriveLogDirs(table: ValueTable, report: Report): string[] {
  const key = table.get('log.dirs') === null ? 'log.dir' : 'log.dirs';
  const text = ((table.get(key) as string | null) ?? '').trim();
  const dirs = text === '' ? [] : text.split(/\s*,\s*/);
  if (dirs.length === 0) report({ key, message: 'At least one log directory must be defined via log.dirs or log.dir.' });
  return dirs;
}

/** Kafka cluster ids are 16-byte UUIDs in unpadded base64url: 22 characters. */
function deriveClusterId(setting: RawSetting | undefined, problems: ConfigProblem[]): string | undefined {
  if (setting === undefined) return undefined;
  const value = setting.raw.trim();
  if (/^[A-Za-z0-9_-]{22}$/.test(value) && Buffer.from(value, 'base64url').length === 16) return value;
  problems.push({
    key: 'cluster.id',
    value,
    source: describeOrigin(setting.origin),
    message: `Invalid cluster id ${value}: expected a 22-character base64url UUID such as 4L6g3nShT-eMCtK--X86sw`,
    hint: 'Generate one with kafka-storage random-uuid',
  });
  return undefined;
}

/** The validated broker configuration, with typed getters for what the broker needs. */
export class BrokerConfig implements BrokerConfigValues {
  /** Settings that were accepted but ignored (removed Kafka keys, other distributions' keys). */
  readonly warnings: readonly string[];

  constructor(
    private readonly table: ValueTable,
    private readonly derived: Derived,
    private readonly listenerOverrideSettings: ReadonlyMap<string, RawSetting>,
    warnings: readonly string[],
  ) {
    this.warnings = warnings;
  }

  /** The typed value in effect for a known key (LONG maxima read as Number.MAX_SAFE_INTEGER). */
  get(key: string): ConfigValue {
    return this.table.get(key);
  }

  /** A known INT/SHORT/LONG key's value; asserts the type (asking for the wrong type is a bug). */
  getNumber(key: string): number {
    const value = this.table.get(key);
    assert(typeof value === 'number', `${key} is not a number`);
    return value;
  }

  /** A known BOOLEAN key's value. */
  getBoolean(key: string): boolean {
    const value = this.table.get(key);
    assert(typeof value === 'boolean', `${key} is not a boolean`);
    return value;
  }

  /** A known STRING/CLASS/PASSWORD key's value, null when unset. */
  getString(key: string): string | null {
    const value = this.table.get(key);
    assert(value === null || typeof value === 'string', `${key} is not a string`);
    return value;
  }

  /** A known LIST key's value. */
  getList(key: string): readonly string[] {
    const value = this.table.get(key);
    assert(Array.isArray(value), `${key} is not a list`);
    return value as readonly string[];
  }

  /** The statically set value's canonical text (file, environment, --override); undefined if not set. */
  staticText(name: string): string | undefined {
    return this.table.statics.get(name)?.parsed.text ?? undefined;
  }

  /** Kafka's code default as canonical text; null when there is none. */
  defaultText(name: string): string | null {
    return defaultValues().get(name)?.text ?? null;
  }

  /** The value in effect as canonical text. */
  effectiveText(name: string): string | null {
    return this.table.text(name);
  }

  /** A `listener.name.<listener>.<key>` override, if set. */
  listenerOverride(listenerName: string, key: string): string | undefined {
    return this.listenerOverrideSettings.get(`listener.name.${listenerName.toLowerCase()}.${key}`)?.raw.trim();
  }

  /** Every key with its value, source and synonyms, as DescribeConfigs for this broker reports them. */
  entries(): BrokerConfigEntry[] {
    const known = [...BROKER_CONFIG_KEYS.values()].map((definition) => this.entry(definition.name, ConfigType[definition.type], !definition.dynamic));
    const overrides = [...this.listenerOverrideSettings.keys()].map((name) => this.listenerOverrideEntry(name));
    return [...known, ...overrides].sort((a, b) => a.name.localeCompare(b.name));
  }

  private entry(name: string, type: number, readOnly: boolean): BrokerConfigEntry {
    const isSensitive = isSensitiveKey(name);
    const synonyms = configSynonyms(name, brokerConfigSynonyms(name), this, isSensitive);
    const source = synonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG;
    const origin = describeOrigin(this.table.statics.get(name)?.origin ?? { kind: 'default' });
    return { name, value: isSensitive ? null : this.table.text(name), source, isSensitive, readOnly, type, synonyms, origin };
  }

  private listenerOverrideEntry(name: string): BrokerConfigEntry {
    const setting = this.listenerOverrideSettings.get(name)!;
    const isSensitive = isSensitiveKey(name);
    const value = isSensitive ? null : setting.raw.trim();
    const synonyms = [{ name, value, source: ConfigSource.STATIC_BROKER_CONFIG }];
    return { name, value, source: ConfigSource.STATIC_BROKER_CONFIG, isSensitive, readOnly: true, type: ConfigType.STRING, synonyms, origin: describeOrigin(setting.origin) };
  }

  // ---- identity and cluster -------------------------------------------------------------------

  /** The cluster id from CLUSTER_ID (or KAFKA_KRAFT_CLUSTER_ID / KAFKA_CLUSTER_ID); meta.properties is read elsewhere. */
  get clusterId(): string | undefined {
    return this.derived.clusterId;
  }

  /** node.id, else broker.id when only that is set, else 1 (Samsa's single-node default). */
  get nodeId(): number {
    return this.derived.nodeId;
  }

  /** process.roles; when unset, Samsa runs single-node as broker and controller with no controller listener. */
  get processRoles(): readonly ProcessRole[] {
    return this.derived.processRoles;
  }

  /** False when process.roles was not set (Samsa's single-node default). */
  get processRolesConfigured(): boolean {
    return this.table.isSet('process.roles');
  }

  /** broker.rack, null when unset. */
  get brokerRack(): string | null {
    return this.getString('broker.rack');
  }

  /** Static quorum voters from controller.quorum.voters. */
  get controllerQuorumVoters(): readonly QuorumVoter[] {
    return this.derived.controllerQuorumVoters;
  }

  /** Dynamic quorum bootstrap servers from controller.quorum.bootstrap.servers. */
  get controllerQuorumBootstrapServers(): readonly HostPort[] {
    return this.derived.controllerQuorumBootstrapServers;
  }

  // ---- listeners ----------------------------------------------------------------------------

  /** Parsed `listeners` (names upper-cased, host '' = all interfaces, port 0 = ephemeral). */
  get listeners(): readonly ListenerSpec[] {
    return this.derived.listeners;
  }

  /** advertised.listeners (else listeners), plus controller listeners it omits; empty hosts replaced by the host name. */
  get advertisedListeners(): readonly ListenerSpec[] {
    return this.derived.advertisedListeners;
  }

  /** Advertised listeners clients may use (controller listeners excluded), as brokers register them. */
  get advertisedBrokerListeners(): readonly ListenerSpec[] {
    return this.derived.advertisedListeners.filter((spec) => !this.derived.controllerListenerNames.includes(spec.name));
  }

  /** Effective listener.security.protocol.map (controller listeners default to PLAINTEXT when the map is unset). */
  get securityProtocolMap(): ReadonlyMap<string, SecurityProtocol> {
    return this.derived.securityProtocolMap;
  }

  /** controller.listener.names, upper-cased. */
  get controllerListenerNames(): readonly string[] {
    return this.derived.controllerListenerNames;
  }

  /** inter.broker.listener.name, else the listener named after security.inter.broker.protocol. */
  get interBrokerListenerName(): string {
    return this.derived.interBrokerListenerName;
  }

  // ---- storage ------------------------------------------------------------------------------

  /** log.dirs, else log.dir (default `<tmpdir>/kafka-logs`). */
  get logDirs(): readonly string[] {
    return this.derived.logDirs;
  }

  /** metadata.log.dir, else the first log dir. */
  get metadataLogDir(): string {
    return this.getString('metadata.log.dir') ?? this.derived.logDirs[0]!;
  }

  /** log.retention.ms, else minutes, else hours, in ms; negative means unlimited (-1). */
  get logRetentionMs(): number {
    const ms = this.get('log.retention.ms') as number | null;
    const minutes = this.get('log.retention.minutes') as number | null;
    const millis = ms ?? (minutes !== null ? minutes * 60_000 : this.getNumber('log.retention.hours') * 3_600_000);
    return millis < 0 ? -1 : millis;
  }

  /** log.roll.ms, else log.roll.hours, in ms. */
  get logRollMs(): number {
    return (this.get('log.roll.ms') as number | null) ?? this.getNumber('log.roll.hours') * 3_600_000;
  }

  /** log.flush.interval.ms, else log.flush.scheduler.interval.ms. */
  get logFlushIntervalMs(): number {
    return (this.get('log.flush.interval.ms') as number | null) ?? this.getNumber('log.flush.scheduler.interval.ms');
  }

  /** offsets.retention.minutes in ms. */
  get offsetsRetentionMs(): number {
    return this.getNumber('offsets.retention.minutes') * 60_000;
  }
  // ---- common typed getters -----------------------------------------------------------------

  /** num.partitions: partitions of auto-created topics and CreateTopics with -1. */
  get numPartitions(): number { return this.getNumber('num.partitions'); }
  /** default.replication.factor. */
  get defaultReplicationFactor(): number { return this.getNumber('default.replication.factor'); }
  /** min.insync.replicas (broker default). */
  get minInsyncReplicas(): number { return this.getNumber('min.insync.replicas'); }
  /** auto.create.topics.enable. */
  get autoCreateTopicsEnable(): boolean { return this.getBoolean('auto.create.topics.enable'); }
  /** delete.topic.enable. */
  get deleteTopicEnable(): boolean { return this.getBoolean('delete.topic.enable'); }
  /** message.max.bytes (broker default of max.message.bytes). */
  get messageMaxBytes(): number { return this.getNumber('message.max.bytes'); }
  /** socket.request.max.bytes: the largest request frame accepted. */
  get socketRequestMaxBytes(): number { return this.getNumber('socket.request.max.bytes'); }
  /** socket.send.buffer.bytes (-1 = OS default). */
  get socketSendBufferBytes(): number { return this.getNumber('socket.send.buffer.bytes'); }
  /** socket.receive.buffer.bytes (-1 = OS default). */
  get socketReceiveBufferBytes(): number { return this.getNumber('socket.receive.buffer.bytes'); }
  /** queued.max.requests: bound on requests waiting for processing. */
  get queuedMaxRequests(): number { return this.getNumber('queued.max.requests'); }
  /** connections.max.idle.ms. */
  get connectionsMaxIdleMs(): number { return this.getNumber('connections.max.idle.ms'); }
  /** fetch.max.bytes: cap on a Fetch response. */
  get fetchMaxBytes(): number { return this.getNumber('fetch.max.bytes'); }
  /** max.incremental.fetch.session.cache.slots. */
  get maxIncrementalFetchSessionCacheSlots(): number { return this.getNumber('max.incremental.fetch.session.cache.slots'); }
  /** log.segment.bytes. */
  get logSegmentBytes(): number { return this.getNumber('log.segment.bytes'); }
  /** log.retention.bytes (-1 = unlimited). */
  get logRetentionBytes(): number { return this.getNumber('log.retention.bytes'); }
  /** log.retention.check.interval.ms. */
  get logRetentionCheckIntervalMs(): number { return this.getNumber('log.retention.check.interval.ms'); }
  /** log.flush.offset.checkpoint.interval.ms. */
  get logFlushOffsetCheckpointIntervalMs(): number { return this.getNumber('log.flush.offset.checkpoint.interval.ms'); }
  /** offsets.topic.num.partitions. */
  get offsetsTopicNumPartitions(): number { return this.getNumber('offsets.topic.num.partitions'); }
  /** offsets.topic.replication.factor. */
  get offsetsTopicReplicationFactor(): number { return this.getNumber('offsets.topic.replication.factor'); }
  /** offsets.commit.timeout.ms. */
  get offsetsCommitTimeoutMs(): number { return this.getNumber('offsets.commit.timeout.ms'); }
  /** group.initial.rebalance.delay.ms. */
  get groupInitialRebalanceDelayMs(): number { return this.getNumber('group.initial.rebalance.delay.ms'); }
  /** group.min.session.timeout.ms. */
  get groupMinSessionTimeoutMs(): number { return this.getNumber('group.min.session.timeout.ms'); }
  /** group.max.session.timeout.ms. */
  get groupMaxSessionTimeoutMs(): number { return this.getNumber('group.max.session.timeout.ms'); }
  /** group.max.size. */
  get groupMaxSize(): number { return this.getNumber('group.max.size'); }
  /** transaction.state.log.num.partitions. */
  get transactionStateLogNumPartitions(): number { return this.getNumber('transaction.state.log.num.partitions'); }
  /** transaction.state.log.replication.factor. */
  get transactionStateLogReplicationFactor(): number { return this.getNumber('transaction.state.log.replication.factor'); }
  /** transaction.state.log.min.isr. */
  get transactionStateLogMinIsr(): number { return this.getNumber('transaction.state.log.min.isr'); }
  /** transaction.max.timeout.ms. */
  get transactionMaxTimeoutMs(): number { return this.getNumber('transaction.max.timeout.ms'); }
  /** transactional.id.expiration.ms. */
  get transactionalIdExpirationMs(): number { return this.getNumber('transactional.id.expiration.ms'); }
  /** producer.id.expiration.ms. */
  get producerIdExpirationMs(): number { return this.getNumber('producer.id.expiration.ms'); }
  /** replica.lag.time.max.ms. */
  get replicaLagTimeMaxMs(): number { return this.getNumber('replica.lag.time.max.ms'); }
  /** replica.fetch.max.bytes. */
  get replicaFetchMaxBytes(): number { return this.getNumber('replica.fetch.max.bytes'); }
  /** replica.fetch.wait.max.ms. */
  get replicaFetchWaitMaxMs(): number { return this.getNumber('replica.fetch.wait.max.ms'); }
  /** unclean.leader.election.enable (broker default). */
  get uncleanLeaderElectionEnable(): boolean { return this.getBoolean('unclean.leader.election.enable'); }
  /** auto.leader.rebalance.enable. */
  get autoLeaderRebalanceEnable(): boolean { return this.getBoolean('auto.leader.rebalance.enable'); }
  /** broker.session.timeout.ms. */
  get brokerSessionTimeoutMs(): number { return this.getNumber('broker.session.timeout.ms'); }
  /** broker.heartbeat.interval.ms. */
  get brokerHeartbeatIntervalMs(): number { return this.getNumber('broker.heartbeat.interval.ms'); }
  /** controller.quorum.election.timeout.ms. */
  get controllerQuorumElectionTimeoutMs(): number { return this.getNumber('controller.quorum.election.timeout.ms'); }
  /** controller.quorum.fetch.timeout.ms. */
  get controllerQuorumFetchTimeoutMs(): number { return this.getNumber('controller.quorum.fetch.timeout.ms'); }
  /** sasl.enabled.mechanisms. */
  get saslEnabledMechanisms(): readonly string[] { return this.getList('sasl.enabled.mechanisms'); }
  /** samsa.legacy.protocol.enable: serve pre-KIP-896 API versions. */
  get samsaLegacyProtocolEnable(): boolean { return this.getBoolean('samsa.legacy.protocol.enable'); }
  /** samsa.http.port: web UI / metrics port; -1 = off. */
  get samsaHttpPort(): number { return this.getNumber('samsa.http.port'); }
}
