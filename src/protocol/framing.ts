import { API_SCHEMAS, ApiKey } from './generated/apis.js';
import { RequestHeader } from './generated/request-header.js';
import { ResponseHeader } from './generated/response-header.js';
import { ProtocolError, Reader, Writer, type Init, type MessageCodec } from './primitives/index.js';

/** Whether `version` of the API is a flexible version (tagged fields, compact encodings). */
export function isFlexible(apiKey: number, version: number): boolean {
  const api = API_SCHEMAS.get(apiKey);
  if (!api) return false;
  const min = api.request.flexibleMinVersion;
  return min >= 0 && version >= min;
}

/** Request header version for an API version: 2 when flexible, else 1. */
export function requestHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === ApiKey.ControlledShutdown && version === 0) return 0;
  return isFlexible(apiKey, version) ? 2 : 1;
}

/** Response header version: 1 when flexible, else 0; ApiVersions always answers with header v0. */
export function responseHeaderVersion(apiKey: number, version: number): number {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexible(apiKey, version) ? 1 : 0;
}

/** The fixed start of every request header, readable whatever the version. */
export interface RequestHeaderStart {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
}

/** Reads api key, version and correlation id from a request frame (without its size prefix). */
export function peekRequestHeader(frame: Buffer): RequestHeaderStart {
  if (frame.length < 8) throw new ProtocolError(`request of ${frame.length} bytes is shorter than a header`);
  return { apiKey: frame.readInt16BE(0), apiVersion: frame.readInt16BE(2), correlationId: frame.readInt32BE(4) };
}

/** A decoded request header plus a reader positioned at the body. */
export interface ParsedRequestHeader extends RequestHeaderStart {
  clientId: string | null;
  body: Reader;
}

/** Decodes the header of a request frame of a known API and version (hot path: no header object). */
export function parseRequestHeader(frame: Buffer): ParsedRequestHeader {
  const start = peekRequestHeader(frame);
  const r = new Reader(frame, 8);
  const headerVersion = requestHeaderVersion(start.apiKey, start.apiVersion);
  // The client id is a nullable non-compact string in header v1 and v2 alike (flexibleVersions "none").
  const clientId = headerVersion >= 1 ? r.nullableString(false) : null;
  if (headerVersion >= 2) r.taggedFields(() => false);
  return { apiKey: start.apiKey, apiVersion: start.apiVersion, correlationId: start.correlationId, clientId, body: r };
}

/** Encodes a whole response frame (size prefix, header, body) as chunks for a vectored write. */
export function encodeResponseFrame<T>(
  codec: MessageCodec<T>,
  apiKey: number,
  version: number,
  correlationId: number,
  body: Init<T>,
  headerVersion = responseHeaderVersion(apiKey, version),
): Buffer[] {
  const w = new Writer(512);
  w.int32(0);
  ResponseHeader.encode(w, { correlationId }, headerVersion);
  codec.encode(w, body, version);
  const size = w.length - 4;
  const chunks = w.finish();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/** Encodes a whole request frame (size prefix, header, body), as a client sends it. */
export function encodeRequestFrame<T>(
  codec: MessageCodec<T>,
  version: number,
  correlationId: number,
  clientId: string | null,
  body: Init<T>,
): Buffer[] {
  const w = new Writer(512);
  w.int32(0);
  RequestHeader.encode(
    w,
    { requestApiKey: codec.apiKey, requestApiVersion: version, correlationId, clientId },
    requestHeaderVersion(codec.apiKey, version),
  );
  codec.encode(w, body, version);
  const size = w.length - 4;
  const chunks = w.finish();
  chunks[0]!.writeInt32BE(size, 0);
  return chunks;
}

/** Decodes a response frame body (after the size prefix) for a request the caller sent. */
export function decodeResponseFrame<T>(codec: MessageCodec<T>, version: number, frame: Buffer): { correlationId: number; body: T } {
  const r = new Reader(frame);
  const header = ResponseHeader.decode(r, responseHeaderVersion(codec.apiKey, version));
  const body = codec.decode(r, version);
  return { correlationId: header.correlationId, body };
}
