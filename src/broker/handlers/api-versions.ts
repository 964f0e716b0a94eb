import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { ApiVersionsRequest } from '../../protocol/generated/api-versions-request.js';
import { ApiVersionsResponse } from '../../protocol/generated/api-versions-response.js';
import { defineHandler } from '../handler.js';

/** KIP-511: client software names and versions must match this pattern. */
const SOFTWARE_PATTERN = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

/** ApiVersions: advertises exactly the API versions whose handlers are registered. */
export const apiVersionsHandler = defineHandler({
  apiKey: ApiKey.ApiVersions,
  minVersion: 0,
  maxVersion: 3,
  request: ApiVersionsRequest,
  response: ApiVersionsResponse,
  handle(request, ctx) {
    const apiKeys = ctx.broker.router.apiVersions();
    if (ctx.apiVersion >= 3 && !(SOFTWARE_PATTERN.test(request.clientSoftwareName) && SOFTWARE_PATTERN.test(request.clientSoftwareVersion))) {
      return { errorCode: ErrorCode.INVALID_REQUEST, apiKeys, throttleTimeMs: 0 };
    }
    return { errorCode: ErrorCode.NONE, apiKeys, throttleTimeMs: 0 };
  },
});
