/** A tagged field the schema of this version does not know; kept so it round-trips unchanged. */
export interface TaggedField {
  tag: number;
  data: Buffer;
}

/**
 * The input form of a generated message: every field optional (missing fields encode as the
 * schema default), recursively. Byte fields also accept a list of buffers, written by reference.
 */
export type Init<T> = T extends Buffer
  ? Buffer | readonly Buffer[]
  : T extends TaggedField
    ? TaggedField
    : T extends readonly (infer U)[]
    ? readonly Init<U>[]
    : T extends bigint | number | string | boolean | null | undefined
      ? T
      : { [K in keyof T]?: Init<T[K]> };

/** Kafka's all-zero UUID in its base64url string form. */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** Malformed bytes on the wire: the request cannot be decoded. */
export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** The empty byte string, shared as the default of byte fields. */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/** Deep equality with a schema default, deciding whether a tagged field is written at all. */
export function isDefaultValue(value: unknown, defaultValue: unknown): boolean {
  if (value === defaultValue) return true;
  if (value === null || defaultValue === null || typeof value !== 'object' || typeof defaultValue !== 'object') {
    return false;
  }
  if (Buffer.isBuffer(value) || Buffer.isBuffer(defaultValue)) {
    return Buffer.isBuffer(value) && Buffer.isBuffer(defaultValue) && value.equals(defaultValue);
  }
  if (Array.isArray(value) || Array.isArray(defaultValue)) {
    return Array.isArray(value) && Array.isArray(defaultValue) && value.length === 0 && defaultValue.length === 0;
  }
  const d = defaultValue as Record<string, unknown>;
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(d)) if (key in v && !isDefaultValue(v[key], d[key])) return false;
  for (const key of Object.keys(v)) if (key !== '_unknownTaggedFields' && !(key in d)) return false;
  return v._unknownTaggedFields === undefined || (v._unknownTaggedFields as unknown[]).length === 0;
}
