import type { Init, MessageCodec } from '../protocol/index.js';
import type { Broker } from './broker.js';
import type { Connection } from './connection.js';

/** What a handler knows about the request it serves. */
export interface RequestContext {
  readonly broker: Broker;
  readonly connection: Connection;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
}

/** A handler for one Kafka API: the versions it implements and the function that serves them. */
export interface ApiHandler<Req, Res> {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  readonly request: MessageCodec<Req>;
  readonly response: MessageCodec<Res>;
  /** Serves one request; null means no response is sent (Produce with acks=0). */
  handle(request: Req, ctx: RequestContext): Promise<Init<Res> | null> | Init<Res> | null;
}

/** Declares a handler with its codec types checked against each other. */
export function defineHandler<Req, Res>(handler: ApiHandler<Req, Res>): ApiHandler<Req, Res> {
  return handler;
}
