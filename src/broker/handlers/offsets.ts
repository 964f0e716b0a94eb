import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { OffsetCommitRequest } from '../../protocol/generated/offset-commit-request.js';
import { OffsetCommitResponse } from '../../protocol/generated/offset-commit-response.js';
import { OffsetDeleteRequest } from '../../protocol/generated/offset-delete-request.js';
import { OffsetDeleteResponse } from '../../protocol/generated/offset-delete-response.js';
import { OffsetFetchRequest } from '../../protocol/generated/offset-fetch-request.js';
import { OffsetFetchResponse } from '../../protocol/generated/offset-fetch-response.js';
import type { Broker } from '../broker.js';
import { isUnavailable } from '../group-service.js';
import { defineHandler } from '../handler.js';

/** OffsetCommit (v2-8): generation and member checks; offsets stored in __consumer_offsets. */
export const offsetCommitHandler = defineHandler({
  apiKey: ApiKey.OffsetCommit,
  minVersion: 2,
  maxVersion: 8,
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const exists = (topic: string, partition: number): boolean => broker.image.topic(topic)?.partitions.has(partition) ?? false;
    const out = await broker.groups.call<object>(request.groupId, (c, nowMs, id) => c.commitOffsets(nowMs, id, request, ctx.apiVersion, exists));
    if (!isUnavailable(out)) return out;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: out.unavailable })) })),
    };
  },
});

/** OffsetFetch (v1-8): one group, or several at once from v8; null topics mean all committed. */
export const offsetFetchHandler = defineHandler({
  apiKey: ApiKey.OffsetFetch,
  minVersion: 1,
  maxVersion: 8,
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  async handle(request, ctx) {
    if (ctx.apiVersion >= 8) {
      const groups = [];
      for (const g of request.groups) {
        const result = await fetchGroup(ctx.broker, g.groupId, g.topics);
        groups.push({ groupId: g.groupId, errorCode: result.errorCode, topics: result.topics });
      }
      return { throttleTimeMs: 0, groups };
    }
    const result = await fetchGroup(ctx.broker, request.groupId, request.topics);
    return { throttleTimeMs: 0, errorCode: result.errorCode, topics: result.topics };
  },
});

async function fetchGroup(broker: Broker, groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null) {
  const out = await broker.groups.read(groupId, (c) => ({ result: c.fetchOffsets(groupId, topics) }));
  if (!isUnavailable(out)) return out;
  return { errorCode: out.unavailable, topics: [] };
}

/** OffsetDelete (v0): removes a group's offsets for partitions it no longer consumes. */
export const offsetDeleteHandler = defineHandler({
  apiKey: ApiKey.OffsetDelete,
  minVersion: 0,
  maxVersion: 0,
  request: OffsetDeleteRequest,
  response: OffsetDeleteResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const exists = (topic: string, partition: number): boolean => broker.image.topic(topic)?.partitions.has(partition) ?? false;
    // Partitions that do not exist are answered here, as Kafka's request handler does.
    const known = request.topics
      .map((t) => ({ name: t.name, partitions: t.partitions.filter((p) => exists(t.name, p.partitionIndex)) }))
      .filter((t) => t.partitions.length > 0);
    const unknown = request.topics
      .map((t) => ({
        name: t.name,
        partitions: t.partitions.filter((p) => !exists(t.name, p.partitionIndex)).map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })),
      }))
      .filter((t) => t.partitions.length > 0);
    const out = await broker.groups.call<{ errorCode: number; topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }>(
      request.groupId,
      (c, nowMs, id) => c.deleteOffsets(nowMs, id, { ...request, topics: known }, ctx.apiVersion),
    );
    if (isUnavailable(out)) return { errorCode: out.unavailable, throttleTimeMs: 0, topics: [] };
    return { ...out, throttleTimeMs: 0, topics: out.errorCode === ErrorCode.NONE ? [...out.topics, ...unknown] : out.topics };
  },
});
