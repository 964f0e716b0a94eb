import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DeleteTopicsRequest } from '../../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../../protocol/generated/delete-topics-response.js';
import { defineHandler } from '../handler.js';

/** DeleteTopics by name (v1-5) or by name or id (v6+). */
export const deleteTopicsHandler = defineHandler({
  apiKey: ApiKey.DeleteTopics,
  minVersion: 1,
  maxVersion: 6,
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
  async handle(request, ctx) {
    const wanted =
      ctx.apiVersion >= 6
        ? request.topics.map((t) => ({ name: t.name, topicId: t.name === null ? t.topicId : null }))
        : request.topicNames.map((name) => ({ name, topicId: null }));
    if (!ctx.broker.settings.deleteTopicEnable) {
      return {
        throttleTimeMs: 0,
        responses: wanted.map((t) => ({
          name: t.name,
          topicId: t.topicId ?? undefined,
          errorCode: ErrorCode.TOPIC_DELETION_DISABLED,
          errorMessage: 'Topic deletion is disabled (delete.topic.enable=false).',
        })),
      };
    }
    const results = await ctx.broker.deleteTopics(wanted);
    return {
      throttleTimeMs: 0,
      responses: results.map((r) => ({ name: r.name, topicId: r.topicId || undefined, errorCode: r.errorCode, errorMessage: r.errorMessage })),
    };
  },
});
