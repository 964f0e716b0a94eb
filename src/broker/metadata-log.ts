import { join } from 'node:path';
import { buildRecordBatch, decodeRecordBatches } from '../protocol/records/index.js';
import { decodeMetadataRecord, encodeMetadataRecord, type MetadataImage, type MetadataRecord } from '../metadata/index.js';
import { PartitionLog, makeLogConfig } from '../storage/index.js';

/** The metadata topic, as in KRaft. */
export const METADATA_TOPIC = '__cluster_metadata';

/** Bytes read per step while replaying the metadata log. */
const REPLAY_READ_BYTES = 1024 * 1024;

/**
 * The `__cluster_metadata-0` log of a single-voter quorum: records are appended in record batches
 * (key null, value = the serialized metadata record, as KRaft stores them), fsynced before they
 * are applied, and replayed into the image at start-up.
 */
export class MetadataLog {
  private constructor(private readonly log: PartitionLog) {}

  /** Opens the log in `metadataDir`, running full recovery (it is small). */
  static open(metadataDir: string, nowMs: bigint): MetadataLog {
    const log = PartitionLog.open({
      dir: join(metadataDir, `${METADATA_TOPIC}-0`),
      topic: METADATA_TOPIC,
      partition: 0,
      config: makeLogConfig({ segmentBytes: 64 * 1024 * 1024 }),
      hadCleanShutdown: false,
      nowMs,
    });
    return new MetadataLog(log);
  }

  /** Replays every record into the image, in log order. */
  async replay(image: MetadataImage): Promise<number> {
    let offset = this.log.logStartOffset;
    let count = 0;
    const end = this.log.logEndOffset;
    while (offset < end) {
      const data = this.log.read(offset, REPLAY_READ_BYTES, end, true);
      if (data.batches.length === 0) break;
      for (const batch of await decodeRecordBatches(Buffer.concat(data.batches))) {
        for (const record of batch.records) {
          if (record.value === null) continue;
          image.replay(decodeMetadataRecord(record.value), record.offset);
          count++;
        }
        offset = batch.info.baseOffset + BigInt(batch.info.lastOffsetDelta) + 1n;
      }
    }
    this.log.highWatermark = this.log.logEndOffset;
    return count;
  }

  /** Appends records as one batch, fsyncs, then applies them to the image. */
  async append(records: readonly MetadataRecord[], image: MetadataImage, nowMs: bigint): Promise<void> {
    if (records.length === 0) return;
    const batch = await buildRecordBatch({
      records: records.map((r) => ({ key: null, value: encodeMetadataRecord(r), timestamp: nowMs })),
    });
    const info = this.log.appendAsLeader(batch, 0, nowMs);
    await this.log.flush();
    this.log.highWatermark = this.log.logEndOffset;
    records.forEach((record, i) => image.replay(record, info.baseOffset + BigInt(i)));
  }

  /** Flushes and closes the log. */
  async close(): Promise<void> {
    await this.log.close();
  }
}
