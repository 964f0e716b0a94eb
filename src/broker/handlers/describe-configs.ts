import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DescribeConfigsRequest } from '../../protocol/generated/describe-configs-request.js';
import { DescribeConfigsResponse } from '../../protocol/generated/describe-configs-response.js';
import { ConfigResourceType } from '../../metadata/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';

/** One described config, whatever the resource. */
interface Described {
  name: string;
  value: string | null;
  readOnly: boolean;
  source: number;
  isSensitive: boolean;
  type: number;
  synonyms: readonly { name: string; value: string | null; source: number }[];
}

/** DescribeConfigs (v1-4) of topics and of this broker, with sources, synonyms and types. */
export const describeConfigsHandler = defineHandler({
  apiKey: ApiKey.DescribeConfigs,
  minVersion: 1,
  maxVersion: 4,
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
  handle(request, ctx) {
    return {
      throttleTimeMs: 0,
      results: request.resources.map((resource) => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const found = describe(ctx.broker, resource.resourceType, resource.resourceName);
        if ('errorCode' in found) return { ...base, ...found, configs: [] };
        const keys = resource.configurationKeys === null ? null : new Set(resource.configurationKeys);
        const configs = found
          .filter((c) => keys === null || keys.has(c.name))
          .map((c) => ({
            name: c.name,
            value: c.isSensitive ? null : c.value,
            readOnly: c.readOnly,
            configSource: c.source,
            isSensitive: c.isSensitive,
            synonyms: request.includeSynonyms ? c.synonyms.map((s) => ({ name: s.name, value: c.isSensitive ? null : s.value, source: s.source })) : [],
            configType: c.type,
            documentation: null,
          }));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      }),
    };
  },
});

function describe(broker: Broker, resourceType: number, resourceName: string): Described[] | { errorCode: number; errorMessage: string } {
  if (resourceType === ConfigResourceType.TOPIC) {
    if (!broker.image.topic(resourceName)) {
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${resourceName}' does not exist.` };
    }
    return broker.describeTopicConfigs(resourceName);
  }
  if (resourceType === ConfigResourceType.BROKER) {
    // An empty name asks for cluster-wide dynamic defaults, of which Samsa has none yet.
    if (resourceName === '') return [];
    if (resourceName !== String(broker.nodeId)) {
      return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unexpected broker id, expected ${broker.nodeId} or empty string, but received ${resourceName}` };
    }
    return broker.config.entries();
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `Unsupported resource type ${resourceType}.` };
}
