// Raft log entries and snapshots as Kafka record batches: what `__cluster_metadata-0` holds on disk
// and what Fetch / FetchSnapshot carry on the wire. One entry is one single-record batch
// (baseOffset = entry offset, partitionLeaderEpoch = entry epoch, key null, value = data), so a
// raft truncation offset is always a batch boundary; a control entry is a LeaderChange control batch.
import { assert } from '../../common/index.js';
import { Reader, Writer, type Init, type MessageCodec } from '../../protocol/index.js';
import { LeaderChangeMessage } from '../../protocol/generated/leader-change-message.js';
import { SnapshotFooterRecord } from '../../protocol/generated/snapshot-footer-record.js';
import { SnapshotHeaderRecord } from '../../protocol/generated/snapshot-header-record.js';
import {
  BatchAttributes, BatchHeader, RecordBatchBuilder, decodeRecordBatch, splitBatches, writeBatchCrc,
} from '../../protocol/records/index.js';
import type { LogEntry, SnapshotId } from '../../raft/index.js';

/** The metadata topic of KRaft. */
export const METADATA_TOPIC = '__cluster_metadata';
/** Its only partition. */
export const METADATA_PARTITION = 0;
/** Kafka's fixed topic id of `__cluster_metadata` (Uuid(0, 1)) in base64url. */
export const METADATA_TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAQ';

/** Kafka's ControlRecordType ids (the int16 `type` in a control record's key). */
export const ControlRecordType = { LEADER_CHANGE: 2, SNAPSHOT_HEADER: 3, SNAPSHOT_FOOTER: 4 } as const;

/** Snapshot data is cut into records of at most this many bytes. */
const SNAPSHOT_CHUNK_BYTES = 256 * 1024;
const EMPTY = Buffer.alloc(0);

/** The key of a control record: int16 version 0, int16 type. */
function controlKey(type: number): Buffer {
  const key = Buffer.alloc(4);
  key.writeInt16BE(type, 2);
  return key;
}

function encodeMessage<T>(codec: MessageCodec<T>, message: Init<T>): Buffer {
  const w = new Writer(64);
  codec.encode(w, message, 0);
  return w.toBuffer();
}

/** One v2 batch of one record; `control` sets the control attribute (and recomputes the CRC). */
function singleRecordBatch(baseOffset: bigint, epoch: number, key: Buffer | null, value: Buffer, timestampMs: number, control: boolean): Buffer {
  const builder = new RecordBatchBuilder(BatchHeader.SIZE + 32 + value.length);
  builder.append(key, value, undefined, timestampMs);
  const batch = builder.finishUncompressed({ baseOffset, partitionLeaderEpoch: epoch });
  if (control) {
    batch.writeInt16BE(batch.readInt16BE(BatchHeader.ATTRIBUTES) | BatchAttributes.CONTROL, BatchHeader.ATTRIBUTES);
    writeBatchCrc(batch);
  }
  return batch;
}

/** Who led the epoch of a LeaderChange entry, for its control record. */
export interface LeaderChangeInfo {
  leaderId: number;
  voters: readonly number[];
}

/** Encodes one log entry as its batch. A control entry needs `leaderChange` (its LeaderChangeMessage). */
export function encodeEntryBatch(entry: LogEntry, timestampMs: number, leaderChange?: LeaderChangeInfo): Buffer {
  if (!entry.control) return singleRecordBatch(entry.offset, entry.epoch, null, entry.data, timestampMs, false);
  assert(leaderChange !== undefined, `control entry at ${entry.offset} needs its leader`);
  const voters = leaderChange.voters.map((voterId) => ({ voterId, voterDirectoryId: 'AAAAAAAAAAAAAAAAAAAAAA' }));
  const value = encodeMessage(LeaderChangeMessage, {
    version: 0, leaderId: leaderChange.leaderId, voters, grantingVoters: voters,
  });
  return singleRecordBatch(entry.offset, entry.epoch, controlKey(ControlRecordType.LEADER_CHANGE), value, timestampMs, true);
}

/** A decoded entry with the batch it came from when that batch holds exactly this entry. */
export interface DecodedEntry {
  entry: LogEntry;
  batch: Buffer | null;
}

/**
 * Decodes concatenated batches into entries (CRC-checked; a trailing partial batch is ignored).
 * Each record of a data batch is one entry; a control batch is one control entry. The batch bytes
 * are copied once, so entries do not pin a larger network or read buffer.
 */
export async function decodeEntryBatches(buf: Buffer): Promise<DecodedEntry[]> {
  const out: DecodedEntry[] = [];
  for (const view of splitBatches(buf)) {
    const batch = Buffer.from(view);
    const { info, records } = await decodeRecordBatch(batch);
    if ((info.attributes & BatchAttributes.CONTROL) !== 0) {
      out.push({ entry: { offset: info.baseOffset, epoch: info.partitionLeaderEpoch, data: EMPTY, control: true }, batch });
      continue;
    }
    for (const record of records) {
      out.push({
        entry: { offset: record.offset, epoch: info.partitionLeaderEpoch, data: record.value ?? EMPTY },
        batch: records.length === 1 ? batch : null,
      });
    }
  }
  return out;
}

/** Reads the LeaderChangeMessage of a control batch, or null when it is another control record. */
export async function readLeaderChange(batch: Buffer): Promise<LeaderChangeMessage | null> {
  const { records } = await decodeRecordBatch(batch);
  const record = records[0];
  if (!record?.key || record.key.length < 4 || record.key.readInt16BE(2) !== ControlRecordType.LEADER_CHANGE || !record.value) return null;
  return LeaderChangeMessage.decode(new Reader(record.value), 0);
}

/**
 * A snapshot file's bytes (KIP-630): a SnapshotHeader control batch, the data cut into records
 * of at most 256 KiB (offsets from 0), a SnapshotFooter control batch; every batch carries the
 * snapshot's epoch as partitionLeaderEpoch.
 */
export function encodeSnapshotFile(id: SnapshotId, data: Buffer, timestampMs: number): Buffer {
  const batches: Buffer[] = [];
  const header = encodeMessage(SnapshotHeaderRecord, { version: 0, lastContainedLogTimestamp: BigInt(timestampMs) });
  batches.push(singleRecordBatch(0n, id.epoch, controlKey(ControlRecordType.SNAPSHOT_HEADER), header, timestampMs, true));
  let offset = 1n;
  for (let at = 0; at < data.length; at += SNAPSHOT_CHUNK_BYTES) {
    batches.push(singleRecordBatch(offset++, id.epoch, null, data.subarray(at, at + SNAPSHOT_CHUNK_BYTES), timestampMs, false));
  }
  const footer = encodeMessage(SnapshotFooterRecord, { version: 0 });
  batches.push(singleRecordBatch(offset, id.epoch, controlKey(ControlRecordType.SNAPSHOT_FOOTER), footer, timestampMs, true));
  return Buffer.concat(batches);
}

/** The state-machine data of a snapshot file; throws when the file is incomplete or corrupt. */
export async function decodeSnapshotFile(file: Buffer): Promise<Buffer> {
  const batches = splitBatches(file);
  const total = batches.reduce((n, b) => n + b.length, 0);
  if (total !== file.length) throw new Error(`snapshot has ${file.length - total} trailing bytes that are not a whole batch`);
  const chunks: Buffer[] = [];
  let sawHeader = false;
  let sawFooter = false;
  for (const batch of batches) {
    const { info, records } = await decodeRecordBatch(batch);
    if ((info.attributes & BatchAttributes.CONTROL) !== 0) {
      const type = records[0]?.key?.readInt16BE(2);
      if (type === ControlRecordType.SNAPSHOT_HEADER) sawHeader = true;
      if (type === ControlRecordType.SNAPSHOT_FOOTER) sawFooter = true;
      continue;
    }
    for (const record of records) if (record.value) chunks.push(record.value);
  }
  if (!sawHeader || !sawFooter) throw new Error('snapshot lacks its header or footer record');
  return Buffer.concat(chunks);
}
