/**
 * Listener, security protocol map and quorum parsing, with Kafka's KRaft consistency checks
 * (KafkaConfig.validateValues). Pure: problems come back as values naming the offending key.
 */
import { SECURITY_PROTOCOLS } from './config-def.js';

/** A listener security protocol. */
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];

/** A KRaft process role. */
export type ProcessRole = 'broker' | 'controller';

/** A parsed listener (`PLAINTEXT://:9092`): upper-cased name, host ('' = all interfaces), port. */
export interface ListenerSpec {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly securityProtocol: SecurityProtocol;
}

/** A `host:port` pair. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** A static controller quorum voter (`1@localhost:9093`). */
export interface QuorumVoter extends HostPort {
  readonly nodeId: number;
}

/** A problem with one key, without value or source (the loader adds those). */
export interface KeyProblem {
  readonly key: string;
  readonly message: string;
}

/** The raw inputs of listener resolution, already type-parsed. */
export interface ListenerInputs {
  readonly listeners: string;
  readonly advertisedListeners: string | null;
  readonly protocolMap: string;
  readonly protocolMapExplicit: boolean;
  readonly controllerListenerNames: readonly string[];
  readonly interBrokerListenerName: string | null;
  readonly securityInterBrokerProtocol: string;
  readonly securityInterBrokerProtocolExplicit: boolean;
  /** Roles as configured; empty means Samsa's single-node default (no controller listener). */
  readonly processRoles: readonly ProcessRole[];
}

/** Resolved listener setup; advertised hosts may still be '' (the loader fills in the host name). */
export interface ListenerSetup {
  readonly listeners: readonly ListenerSpec[];
  readonly advertisedListeners: readonly ListenerSpec[];
  readonly securityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  readonly interBrokerListenerName: string;
}

const ENDPOINT_PATTERN = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/;

interface Endpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
}

/** Parses a comma-separated endpoint list; returns a reason on the first bad entry. */
export function parseEndpoints(text: string): Endpoint[] | string {
  const endpoints: Endpoint[] = [];
  for (const item of splitList(text)) {
    const match = ENDPOINT_PATTERN.exec(item);
    if (!match) return `Unable to parse ${item} to a broker endpoint`;
    const port = Number(match[3]);
    if (port < 0 || port > 65535) return `Port ${port} of ${item} is out of range: it must be between 0 and 65535`;
    endpoints.push({ name: match[1]!.toUpperCase(), host: match[2]!, port });
  }
  return endpoints;
}

/** Parses `NAME:PROTOCOL,...`; returns a reason on the first bad entry. */
export function parseSecurityProtocolMap(text: string): Map<string, SecurityProtocol> | string {
  const map = new Map<string, SecurityProtocol>();
  for (const item of splitList(text)) {
    const parts = item.split(':');
    if (parts.length !== 2 || parts[0]!.trim() === '') return `Map entry should be of form <key>:<value>, found ${item}`;
    const protocol = parts[1]!.trim().toUpperCase();
    if (!isSecurityProtocol(protocol)) return `Unknown security protocol ${parts[1]} for listener ${parts[0]} (expected one of ${SECURITY_PROTOCOLS.join(', ')})`;
    map.set(parts[0]!.trim().toUpperCase(), protocol);
  }
  return map;
}

/** Parses `id@host:port` voters; returns a reason on the first bad entry. */
export function parseQuorumVoters(items: readonly string[]): QuorumVoter[] | string {
  const voters: QuorumVoter[] = [];
  for (const item of items) {
    const match = /^(\d+)@(.+)$/.exec(item);
    const hostPort = match ? parseHostPort(match[2]!) : undefined;
    if (!match || !hostPort) return `Unable to parse ${item}: expected {node-id}@{host}:{port}`;
    voters.push({ nodeId: Number(match[1]), ...hostPort });
  }
  return voters;
}

/** Parses `host:port` entries; returns a reason on the first bad entry. */
export function parseHostPorts(items: readonly string[]): HostPort[] | string {
  const result: HostPort[] = [];
  for (const item of items) {
    const hostPort = parseHostPort(item);
    if (!hostPort) return `Unable to parse ${item}: expected {host}:{port}`;
    result.push(hostPort);
  }
  return result;
}

function parseHostPort(text: string): HostPort | undefined {
  const match = /^\[?([^\]]*?)\]?:(\d+)$/.exec(text);
  if (!match || match[1] === '') return undefined;
  const port = Number(match[2]);
  return port <= 65535 ? { host: match[1]!, port } : undefined;
}

function splitList(text: string): string[] {
  const trimmed = text.trim();
  return trimmed === '' ? [] : trimmed.split(/\s*,\s*/);
}

function isSecurityProtocol(name: string): name is SecurityProtocol {
  return (SECURITY_PROTOCOLS as readonly string[]).includes(name);
}

/** Resolves and checks listeners like Kafka; returns the setup when there were no problems. */
export function resolveListeners(inputs: ListenerInputs): { setup?: ListenerSetup; problems: KeyProblem[] } {
  const problems: KeyProblem[] = [];
  const listeners = parseEndpoints(inputs.listeners);
  const advertised = inputs.advertisedListeners === null ? undefined : parseEndpoints(inputs.advertisedListeners);
  const map = parseSecurityProtocolMap(inputs.protocolMap);
  if (typeof listeners === 'string') problems.push({ key: 'listeners', message: listeners });
  if (typeof advertised === 'string') problems.push({ key: 'advertised.listeners', message: advertised });
  if (typeof map === 'string') problems.push({ key: 'listener.security.protocol.map', message: map });
  if (typeof listeners === 'string' || typeof advertised === 'string' || typeof map === 'string') return { problems };

  const effectiveMap = effectiveProtocolMap(map, inputs);
  const toSpec = specMaker(effectiveMap, problems);
  const listenerSpecs = listeners.map((endpoint) => toSpec(endpoint, 'listeners'));
  const listenerNames = new Set(listeners.map((endpoint) => endpoint.name));
  const advertisedSpecs = advertisedListenerSpecs(advertised, listeners, inputs)
    .filter((endpoint) => listenerNames.has(endpoint.name))
    .map((endpoint) => toSpec(endpoint, 'advertised.listeners'));
  problems.push(...checkUnique(listeners, 'listeners'), ...checkUnique(advertised ?? [], 'advertised.listeners'));
  problems.push(...checkAdvertised(advertised ?? [], listeners), ...checkRoles(listeners, inputs));
  const interBroker = interBrokerListenerName(inputs, problems);
  problems.push(...checkInterBroker(interBroker, advertisedSpecs, inputs));
  if (problems.length > 0) return { problems };
  return {
    setup: { listeners: listenerSpecs as ListenerSpec[], advertisedListeners: advertisedSpecs as ListenerSpec[], securityProtocolMap: effectiveMap, interBrokerListenerName: interBroker },
    problems,
  };
}

/** Kafka maps controller listeners to PLAINTEXT when listener.security.protocol.map was not set. */
function effectiveProtocolMap(map: Map<string, SecurityProtocol>, inputs: ListenerInputs): Map<string, SecurityProtocol> {
  if (inputs.protocolMapExplicit) return map;
  const effective = new Map(map);
  for (const name of inputs.controllerListenerNames) if (!effective.has(name)) effective.set(name, 'PLAINTEXT');
  return effective;
}

/** Attaches each endpoint's security protocol: the map's entry, else the name itself if it is a protocol. */
function specMaker(map: ReadonlyMap<string, SecurityProtocol>, problems: KeyProblem[]) {
  const reported = new Set<string>();
  return (endpoint: Endpoint, key: string): ListenerSpec | undefined => {
    const protocol = map.get(endpoint.name) ?? (isSecurityProtocol(endpoint.name) ? endpoint.name : undefined);
    if (protocol) return { ...endpoint, securityProtocol: protocol };
    if (!reported.has(endpoint.name)) {
      reported.add(endpoint.name);
      problems.push({ key, message: `No security protocol defined for listener ${endpoint.name} (add ${endpoint.name}:<protocol> to listener.security.protocol.map)` });
    }
    return undefined;
  };
}

/** advertised.listeners if set, plus controller listeners it omits; else listeners. */
function advertisedListenerSpecs(advertised: Endpoint[] | undefined, listeners: Endpoint[], inputs: ListenerInputs): Endpoint[] {
  if (advertised === undefined) return listeners;
  const named = new Set(advertised.map((endpoint) => endpoint.name));
  const controllerFallback = listeners.filter((l) => inputs.controllerListenerNames.includes(l.name) && !named.has(l.name));
  return [...advertised, ...controllerFallback];
}

function checkUnique(endpoints: readonly Endpoint[], key: string): KeyProblem[] {
  const problems: KeyProblem[] = [];
  const names = endpoints.map((endpoint) => endpoint.name);
  const duplicateName = names.find((name, index) => names.indexOf(name) !== index);
  if (duplicateName) problems.push({ key, message: `Each listener must have a different name, but ${duplicateName} appears more than once` });
  if (key !== 'listeners') return problems;
  for (const [index, endpoint] of endpoints.entries()) {
    const clash = endpoints.slice(index + 1).find((other) => other.port === endpoint.port && endpoint.port !== 0 && isIpv6(other.host) === isIpv6(endpoint.host));
    if (clash) problems.push({ key, message: `Each listener must have a different port unless exactly one listener has an IPv4 address and the other IPv6 address, but ${endpoint.name} and ${clash.name} both use port ${endpoint.port}` });
  }
  return problems;
}

function isIpv6(host: string): boolean {
  return host.includes(':');
}

function checkAdvertised(advertised: readonly Endpoint[], listeners: readonly Endpoint[]): KeyProblem[] {
  const problems: KeyProblem[] = [];
  const listenerNames = listeners.map((endpoint) => endpoint.name);
  const unknown = advertised.filter((endpoint) => !listenerNames.includes(endpoint.name)).map((endpoint) => endpoint.name);
  if (unknown.length > 0) {
    problems.push({ key: 'advertised.listeners', message: `advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. Found ${unknown.join(',')}. The valid options based on currently configured listeners are ${listenerNames.join(',')}` });
  }
  if (advertised.some((endpoint) => endpoint.host === '0.0.0.0')) {
    problems.push({ key: 'advertised.listeners', message: 'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0. Use a routable IP address.' });
  }
  return problems;
}

function checkRoles(listeners: readonly Endpoint[], inputs: ListenerInputs): KeyProblem[] {
  const roles = inputs.processRoles;
  const controllerNames = inputs.controllerListenerNames;
  const listenerNames = listeners.map((endpoint) => endpoint.name);
  const key = 'controller.listener.names';
  if (roles.length === 0) return [];
  if (controllerNames.length === 0) {
    return [{ key, message: `controller.listener.names must contain at least one value when process.roles=${roles.join(',')}` }];
  }
  if (!roles.includes('controller')) {
    const clash = controllerNames.filter((name) => listenerNames.includes(name));
    return clash.length === 0 ? [] : [{ key, message: `controller.listener.names must not contain a value appearing in the 'listeners' configuration when running KRaft with just the broker role (found ${clash.join(',')})` }];
  }
  const missing = controllerNames.filter((name) => !listenerNames.includes(name));
  if (missing.length > 0) {
    return [{ key, message: `controller.listener.names must only contain values appearing in the 'listeners' configuration when running the KRaft controller role (missing ${missing.join(',')}; listeners has ${listenerNames.join(',')})` }];
  }
  if (!roles.includes('broker') && listenerNames.some((name) => !controllerNames.includes(name))) {
    return [{ key: 'listeners', message: `The listeners config must only contain KRaft controller listeners from controller.listener.names when process.roles=controller` }];
  }
  return [];
}

function interBrokerListenerName(inputs: ListenerInputs, problems: KeyProblem[]): string {
  if (inputs.interBrokerListenerName !== null && inputs.securityInterBrokerProtocolExplicit) {
    problems.push({ key: 'inter.broker.listener.name', message: 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.' });
  }
  return (inputs.interBrokerListenerName ?? inputs.securityInterBrokerProtocol).toUpperCase();
}

function checkInterBroker(name: string, advertised: readonly (ListenerSpec | undefined)[], inputs: ListenerInputs): KeyProblem[] {
  const isBroker = inputs.processRoles.length === 0 || inputs.processRoles.includes('broker');
  if (!isBroker) return [];
  const key = inputs.interBrokerListenerName !== null ? 'inter.broker.listener.name' : 'security.inter.broker.protocol';
  if (inputs.controllerListenerNames.includes(name)) {
    return [{ key, message: `inter.broker.listener.name must not be a controller listener (${name} is in controller.listener.names)` }];
  }
  const brokerNames = advertised.flatMap((spec) => (spec && !inputs.controllerListenerNames.includes(spec.name) ? [spec.name] : []));
  if (brokerNames.includes(name)) return [];
  return [{ key, message: `inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${brokerNames.join(',')}` }];
}
