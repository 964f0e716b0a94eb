import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { AlterConfigsRequest } from '../../protocol/generated/alter-configs-request.js';
import { AlterConfigsResponse } from '../../protocol/generated/alter-configs-response.js';
import { IncrementalAlterConfigsRequest } from '../../protocol/generated/incremental-alter-configs-request.js';
import { IncrementalAlterConfigsResponse } from '../../protocol/generated/incremental-alter-configs-response.js';
import { ConfigResourceType, configRecord, type MetadataRecord } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import { ConfigError } from '../config/config-error.js';
import { validateTopicConfigs } from '../config/topic-config.js';
import { defineHandler } from '../handler.js';

/** IncrementalAlterConfigs operations. */
export const ConfigOperation = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;

interface Outcome {
  errorCode: number;
  errorMessage: string | null;
}

/** AlterConfigs (v0-2): replaces a topic's whole set of overrides. */
export const alterConfigsHandler = defineHandler({
  apiKey: ApiKey.AlterConfigs,
  minVersion: 0,
  maxVersion: 2,
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
  async handle(request, ctx) {
    const responses = [];
    for (const r of request.resources) {
      const next = new Map<string, string>();
      for (const c of r.configs) if (c.value !== null) next.set(c.name, c.value);
      const outcome = await applyTopicOverrides(ctx.broker, r.resourceType, r.resourceName, () => next, request.validateOnly);
      responses.push({ ...outcome, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});

/** IncrementalAlterConfigs (v0-1): SET, DELETE, APPEND and SUBTRACT on a topic's overrides. */
export const incrementalAlterConfigsHandler = defineHandler({
  apiKey: ApiKey.IncrementalAlterConfigs,
  minVersion: 0,
  maxVersion: 1,
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
  async handle(request, ctx) {
    const responses = [];
    for (const r of request.resources) {
      const outcome = await applyTopicOverrides(
        ctx.broker,
        r.resourceType,
        r.resourceName,
        (current, effective) => {
          const next = new Map(current);
          for (const c of r.configs) {
            const list = (effective(c.name) ?? '').split(',').filter((s) => s !== '');
            const items = (c.value ?? '').split(',').filter((s) => s !== '');
            if (c.configOperation === ConfigOperation.SET && c.value !== null) next.set(c.name, c.value);
            else if (c.configOperation === ConfigOperation.DELETE) next.delete(c.name);
            else if (c.configOperation === ConfigOperation.APPEND) next.set(c.name, [...list, ...items.filter((i) => !list.includes(i))].join(','));
            else if (c.configOperation === ConfigOperation.SUBTRACT) next.set(c.name, list.filter((i) => !items.includes(i)).join(','));
            else return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Invalid config operation ${c.configOperation} for ${c.name}.` };
          }
          return next;
        },
        request.validateOnly,
      );
      responses.push({ ...outcome, resourceType: r.resourceType, resourceName: r.resourceName });
    }
    return { throttleTimeMs: 0, responses };
  },
});

type Planner = (current: ReadonlyMap<string, string>, effective: (name: string) => string | null) => Map<string, string> | Outcome;

async function applyTopicOverrides(broker: Broker, resourceType: number, resourceName: string, plan: Planner, validateOnly: boolean): Promise<Outcome> {
  if (resourceType === ConfigResourceType.BROKER) {
    return {
      errorCode: ErrorCode.INVALID_REQUEST,
      errorMessage: 'Samsa does not support dynamic broker configs yet: set them in server.properties or with --override and restart.',
    };
  }
  if (resourceType !== ConfigResourceType.TOPIC) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}.` };
  // Without a reachable active controller, the resource gets the error (NOT_CONTROLLER, retriable).
  return broker.submit(() => {
    const none = (outcome: Outcome) => ({ records: [] as MetadataRecord[], result: outcome });
    if (!broker.image.topic(resourceName)) return none({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${resourceName}' does not exist.` });
    const current = broker.image.configsOf(ConfigResourceType.TOPIC, resourceName);
    const described = new Map(broker.describeTopicConfigs(resourceName).map((d) => [d.name, d.value]));
    const next = plan(current, (name) => described.get(name) ?? null);
    if (!(next instanceof Map)) return none(next);
    try {
      validateTopicConfigs(Object.fromEntries(next));
    } catch (e) {
      if (e instanceof ConfigError) return none({ errorCode: ErrorCode.INVALID_CONFIG, errorMessage: e.problems.map((p) => p.message).join('; ') });
      throw e;
    }
    const records: MetadataRecord[] = [];
    for (const name of current.keys()) if (!next.has(name)) records.push(configRecord(ConfigResourceType.TOPIC, resourceName, name, null));
    for (const [name, value] of next) if (current.get(name) !== value) records.push(configRecord(ConfigResourceType.TOPIC, resourceName, name, value));
    return { records: validateOnly ? [] : records, result: { errorCode: ErrorCode.NONE, errorMessage: null } };
  }, { publish: true }).catch((e: unknown) => {
    if (e instanceof KafkaError) return { errorCode: e.code, errorMessage: e.message };
    throw e;
  });
}
