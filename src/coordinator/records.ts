import { ProtocolError, Reader, Writer, type Init, type MessageCodec } from '../protocol/index.js';
import { GroupMetadataKey } from '../protocol/generated/coordinator/group-metadata-key.js';
import { GroupMetadataValue } from '../protocol/generated/coordinator/group-metadata-value.js';
import { OffsetCommitKey } from '../protocol/generated/coordinator/offset-commit-key.js';
import { OffsetCommitValue } from '../protocol/generated/coordinator/offset-commit-value.js';

/** One record of __consumer_offsets: key and value each start with an int16 version; null value = tombstone. */
export interface CoordinatorRecord {
  key: Buffer;
  value: Buffer | null;
}

/** Key versions Kafka uses as record types in __consumer_offsets. */
export const RecordKeyVersion = {
  /** OffsetCommitKey written by Kafka 0.8.2-era brokers; read only. */
  OFFSET_COMMIT_V0: 0,
  /** OffsetCommitKey as written today. */
  OFFSET_COMMIT: 1,
  /** GroupMetadataKey (classic groups). */
  GROUP_METADATA: 2,
} as const;

/** The GroupMetadataValue version Kafka 2.3+ writes for classic groups. */
export const GROUP_METADATA_VALUE_VERSION = 3;
/** The OffsetCommitValue version Kafka 2.1+ writes when the commit has no expire timestamp. */
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** The OffsetCommitValue version that carries an explicit expire timestamp (OffsetCommit v2-v4 retention). */
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;

/** A decoded record this coordinator understands; other record types decode to null. */
export type DecodedRecord =
  | { type: 'offset'; key: OffsetCommitKey; value: OffsetCommitValue | null }
  | { type: 'group'; key: GroupMetadataKey; value: GroupMetadataValue | null };

function encodeVersioned<T>(codec: MessageCodec<T>, version: number, message: Init<T>): Buffer {
  const w = new Writer(128);
  w.int16(version);
  codec.encode(w, message, version);
  return w.toBuffer();
}

function decodeVersioned<T>(codec: MessageCodec<T>, buf: Buffer, offset = 2): T {
  const version = buf.readInt16BE(0);
  if (version < codec.minVersion || version > codec.maxVersion) {
    throw new ProtocolError(`${codec.name} version ${version} is not supported (${codec.minVersion}-${codec.maxVersion})`);
  }
  const r = new Reader(buf, offset);
  const message = codec.decode(r, version);
  // Kafka writes nothing after the struct; trailing bytes would mean we misread the record.
  if (r.remaining !== 0) throw new ProtocolError(`${codec.name} v${version}: ${r.remaining} trailing bytes`);
  return message;
}

/** The record of a committed offset (value null: its tombstone). */
export function offsetCommitRecord(group: string, topic: string, partition: number, value: Init<OffsetCommitValue> | null): CoordinatorRecord {
  const key = encodeVersioned(OffsetCommitKey, RecordKeyVersion.OFFSET_COMMIT, { group, topic, partition });
  if (value === null) return { key, value: null };
  const hasExpiry = value.expireTimestamp !== undefined && value.expireTimestamp !== -1n;
  const version = hasExpiry ? OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY : OFFSET_COMMIT_VALUE_VERSION;
  return { key, value: encodeVersioned(OffsetCommitValue, version, value) };
}

/** The record of a classic group's metadata (value null: its tombstone). */
export function groupMetadataRecord(group: string, value: Init<GroupMetadataValue> | null): CoordinatorRecord {
  const key = encodeVersioned(GroupMetadataKey, RecordKeyVersion.GROUP_METADATA, { group });
  return { key, value: value === null ? null : encodeVersioned(GroupMetadataValue, GROUP_METADATA_VALUE_VERSION, value) };
}

/**
 * Decodes a __consumer_offsets record. Record types this coordinator does not handle (the
 * consumer-group records of KIP-848, key versions 3+) decode to null and are skipped, as a
 * coordinator without that feature would. Malformed records of known types throw ProtocolError.
 */
export function decodeRecord(record: CoordinatorRecord): DecodedRecord | null {
  if (record.key.length < 2) throw new ProtocolError(`coordinator record key of ${record.key.length} bytes`);
  const keyVersion = record.key.readInt16BE(0);
  if (keyVersion === RecordKeyVersion.OFFSET_COMMIT_V0 || keyVersion === RecordKeyVersion.OFFSET_COMMIT) {
    // The key's struct is the same in versions 0 and 1; the key version is the record type.
    const r = new Reader(record.key, 2);
    const key = OffsetCommitKey.decode(r, keyVersion);
    if (r.remaining !== 0) throw new ProtocolError(`OffsetCommitKey: ${r.remaining} trailing bytes`);
    return { type: 'offset', key, value: record.value === null ? null : decodeVersioned(OffsetCommitValue, record.value) };
  }
  if (keyVersion === RecordKeyVersion.GROUP_METADATA) {
    const key = decodeVersioned(GroupMetadataKey, record.key);
    return { type: 'group', key, value: record.value === null ? null : decodeVersioned(GroupMetadataValue, record.value) };
  }
  return null;
}
