import type { RecordHeader } from '../protocol/index.js';

/** A header value as the caller passes it. */
export type HeaderValue = Buffer | string | null;

/** Record headers: an object (one value per key) or a list (repeated keys allowed, order kept). */
export type Headers = Record<string, HeaderValue> | readonly { key: string; value: HeaderValue }[];

/** A record to produce. Strings are encoded as UTF-8. */
export interface ProducerRecord {
  topic: string;
  value: Buffer | string | null;
  key?: Buffer | string | null;
  /** Explicit partition; without it keyed records use murmur2 and unkeyed records the sticky partitioner. */
  partition?: number;
  headers?: Headers;
  /** CreateTime in ms since the epoch; default now. */
  timestamp?: number | bigint | Date;
}

/** Where a produced record landed. `offset` is -1n when acks=0 (or for a duplicate whose offset is unknown). */
export interface RecordMetadata {
  topic: string;
  partition: number;
  offset: bigint;
  /** CreateTime given or assigned, or the broker's LogAppendTime when the topic uses it (ms). */
  timestamp: number;
}

/** A consumed record. key and value are views into the fetched batch; copy them to keep them long. */
export interface ConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** ms since the epoch. */
  timestamp: number;
  timestampType: 'CreateTime' | 'LogAppendTime';
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeader[];
  /** Leader epoch of the batch the record came in (-1 when unknown). */
  leaderEpoch: number;
}

/** A topic and partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A topic-partition with an offset. */
export interface TopicPartitionOffset extends TopicPartition {
  offset: bigint;
}

/** Normalizes a Buffer|string|null field to Buffer|null. */
export function toBytes(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}

/** Normalizes headers to the record-batch form. */
export function toRecordHeaders(headers: Headers | undefined): RecordHeader[] | undefined {
  if (headers === undefined) return undefined;
  if (Array.isArray(headers)) {
    return (headers as readonly { key: string; value: HeaderValue }[]).map((h) => ({ key: h.key, value: toBytes(h.value) }));
  }
  const out: RecordHeader[] = [];
  for (const [key, value] of Object.entries(headers as Record<string, HeaderValue>)) out.push({ key, value: toBytes(value) });
  return out;
}

/** The map key of a topic-partition. */
export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
