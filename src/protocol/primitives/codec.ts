import type { Reader } from './reader.js';
import type { Init } from './types.js';
import type { Writer } from './writer.js';

/** A generated codec for one Kafka message (request, response, header or record) at all its versions. */
export interface MessageCodec<T> {
  readonly name: string;
  /** API key for requests/responses, record type for metadata records, -1 for other data. */
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (tagged fields, compact encodings), or -1 when none is. */
  readonly flexibleMinVersion: number;
  encode(w: Writer, message: Init<T>, version: number): void;
  decode(r: Reader, version: number): T;
}
