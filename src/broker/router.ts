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
import type { ApiHandler, RequestContext } from './handler.js';

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

  /**
   * Serves one frame: the response chunks, or null for none. Synchronous when the handler is (the
   * produce hot path), a promise otherwise. Throws (or rejects) to make the connection close
   * (malformed or unsupported requests).
   */
  handle(frame: Buffer, connection: Connection): Buffer[] | null | Promise<Buffer[] | null> {
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
    const ctx: RequestContext = { broker: this.broker, connection, apiVersion: start.apiVersion, correlationId: start.correlationId, clientId: header.clientId };
    // Controller APIs go to the active controller when that is another node (KRaft forwarding).
    if (this.forwarded.has(start.apiKey) && !this.broker.isActiveController()) return this.forwardOrServe(frame, handler, request, ctx);
    const response = handler.handle(request, ctx);
    if (response instanceof Promise) return response.then((r) => this.encode(handler, ctx, r));
    return this.encode(handler, ctx, response);
  }

  private async forwardOrServe(frame: Buffer, handler: ApiHandler<unknown, unknown>, request: unknown, ctx: RequestContext): Promise<Buffer[] | null> {
    try {
      return await this.broker.channel.forward(frame, ADMIN_RETRY_MS);
    } catch (error) {
      this.broker.log(`WARN: cannot forward API ${handler.apiKey} to the active controller: ${(error as Error).message}`);
      // Fall through: the local handler answers NOT_CONTROLLER-style errors the client retries.
    }
    return this.encode(handler, ctx, await handler.handle(request, ctx));
  }

  private encode(handler: ApiHandler<unknown, unknown>, ctx: RequestContext, response: unknown): Buffer[] | null {
    if (response === null) return null;
    return encodeResponseFrame(handler.response, handler.apiKey, ctx.apiVersion, ctx.correlationId, response as object);
  }

  /** KIP-511: an ApiVersions version we don't know gets a v0 body with UNSUPPORTED_VERSION. */
  private unsupportedApiVersions(start: RequestHeaderStart): Buffer[] {
    return encodeResponseFrame(ApiVersionsResponse, start.apiKey, 0, start.correlationId, {
      errorCode: ErrorCode.UNSUPPORTED_VERSION,
      apiKeys: this.apiVersions(),
    });
  }
}
