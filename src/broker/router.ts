import { ErrorCode } from '../common/errors.js';
import {
  ApiKey,
  ProtocolError,
  encodeResponseFrame,
  parseRequestHeader,
  peekRequestHeader,
  type RequestHeaderStart,
} from '../protocol/index.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import type { Broker } from './broker.js';
import { ADMIN_RETRY_MS } from './controller-channel.js';
import type { Connection } from './connection.js';
import type { ApiHandler } from './handler.js';

/** Dispatches request frames to the handler of their API, enforcing the advertised versions. */
export class RequestRouter {
  private readonly handlers = new Map<number, ApiHandler<unknown, unknown>>();

  private readonly forwarded: ReadonlySet<number>;

  constructor(
    private readonly broker: Broker,
    handlers: readonly ApiHandler<any, any>[],
    options: { forward?: readonly number[] } = {},
  ) {
    for (const h of handlers) this.handlers.set(h.apiKey, h);
    this.forwarded = new Set(options.forward ?? []);
  }

  /** The advertised version range of every implemented API, sorted by key. */
  apiVersions(): { apiKey: number; minVersion: number; maxVersion: number }[] {
    return [...this.handlers.values()]
      .map((h) => ({ apiKey: h.apiKey, minVersion: h.minVersion, maxVersion: h.maxVersion }))
      .sort((a, b) => a.apiKey - b.apiKey);
  }

  /** Serves one frame. Throws to make the connection close (malformed or unsupported requests). */
  async handle(frame: Buffer, connection: Connection): Promise<Buffer[] | null> {
    const start = peekRequestHeader(frame);
    const handler = this.handlers.get(start.apiKey);
    if (!handler) throw new ProtocolError(`unknown or unsupported API key ${start.apiKey}`);
    if (start.apiVersion < handler.minVersion || start.apiVersion > handler.maxVersion) {
      if (start.apiKey === ApiKey.ApiVersions) return this.unsupportedApiVersions(start);
      throw new ProtocolError(
        `unsupported version ${start.apiVersion} of API ${start.apiKey} (supported ${handler.minVersion}-${handler.maxVersion})`,
      );
    }
    const header = parseRequestHeader(frame);
    const request = handler.request.decode(header.body, start.apiVersion);
    this.broker.metrics.countRequest(start.apiKey, start.apiVersion, header.clientId);
    // Controller APIs go to the active controller when that is another node (KRaft forwarding).
    if (this.forwarded.has(start.apiKey) && !this.broker.isActiveController()) {
      try {
        return await this.broker.channel.forward(frame, ADMIN_RETRY_MS);
      } catch (error) {
        this.broker.log(`WARN: cannot forward API ${start.apiKey} to the active controller: ${(error as Error).message}`);
        // Fall through: the local handler answers NOT_CONTROLLER-style errors the client retries.
      }
    }
    const response = await handler.handle(request, {
      broker: this.broker,
      connection,
      apiVersion: start.apiVersion,
      correlationId: start.correlationId,
      clientId: header.clientId,
    });
    if (response === null) return null;
    return encodeResponseFrame(handler.response, start.apiKey, start.apiVersion, start.correlationId, response);
  }

  /** KIP-511: an ApiVersions version we don't know gets a v0 body with UNSUPPORTED_VERSION. */
  private unsupportedApiVersions(start: RequestHeaderStart): Buffer[] {
    return encodeResponseFrame(ApiVersionsResponse, start.apiKey, 0, start.correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: this.apiVersions(),
    });
  }
}
