import { Reader, Writer, type MessageCodec } from '../protocol/index.js';
import * as records from '../protocol/generated/metadata/index.js';

/** Metadata record types (the schemas' apiKey), as Kafka's MetadataRecordType. */
export const MetadataRecordType = {
  RegisterBroker: 0,
  UnregisterBroker: 1,
  Topic: 2,
  Partition: 3,
  Config: 4,
  PartitionChange: 5,
  FenceBroker: 7,
  UnfenceBroker: 8,
  RemoveTopic: 9,
  FeatureLevel: 12,
  ProducerIds: 15,
  BrokerRegistrationChange: 17,
  NoOp: 20,
} as const;

/** One metadata record: its type, schema version and decoded data. */
export type MetadataRecord =
  | { type: 0; version: number; data: records.RegisterBrokerRecord }
  | { type: 1; version: number; data: records.UnregisterBrokerRecord }
  | { type: 2; version: number; data: records.TopicRecord }
  | { type: 3; version: number; data: records.PartitionRecord }
  | { type: 4; version: number; data: records.ConfigRecord }
  | { type: 5; version: number; data: records.PartitionChangeRecord }
  | { type: 7; version: number; data: records.FenceBrokerRecord }
  | { type: 8; version: number; data: records.UnfenceBrokerRecord }
  | { type: 9; version: number; data: records.RemoveTopicRecord }
  | { type: 12; version: number; data: records.FeatureLevelRecord }
  | { type: 15; version: number; data: records.ProducerIdsRecord }
  | { type: 17; version: number; data: records.BrokerRegistrationChangeRecord }
  | { type: 20; version: number; data: records.NoOpRecord };

const CODECS = new Map<number, MessageCodec<unknown>>(
  (Object.values(records) as unknown[])
    .filter((v): v is MessageCodec<unknown> => typeof v === 'object' && v !== null && 'decode' in v && 'apiKey' in v)
    .map((codec) => [codec.apiKey, codec]),
);

/** Kafka's metadata record frame version (MetadataRecordSerde). */
const FRAME_VERSION = 1;

/** Serializes a record as Kafka does in `__cluster_metadata`: frame version, type, version, data. */
export function encodeMetadataRecord(record: MetadataRecord): Buffer {
  const codec = CODECS.get(record.type);
  if (!codec) throw new RangeError(`unknown metadata record type ${record.type}`);
  const w = new Writer(128);
  w.uvarint(FRAME_VERSION);
  w.uvarint(record.type);
  w.uvarint(record.version);
  codec.encode(w, record.data as never, record.version);
  return w.toBuffer();
}

/** Parses one serialized metadata record. */
export function decodeMetadataRecord(value: Buffer): MetadataRecord {
  const r = new Reader(value);
  const frame = r.uvarint();
  if (frame !== FRAME_VERSION) throw new RangeError(`unsupported metadata record frame version ${frame}`);
  const type = r.uvarint();
  const version = r.uvarint();
  const codec = CODECS.get(type);
  if (!codec) throw new RangeError(`unknown metadata record type ${type}`);
  return { type, version, data: codec.decode(r, version) } as MetadataRecord;
}
