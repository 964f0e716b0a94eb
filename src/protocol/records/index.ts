// Public surface of record batches (v2 and legacy v0/v1) and their produce-path validation.
export {
  BatchHeader,
  BatchAttributes,
  CompressionType,
  type CompressionName,
  NO_PRODUCER_ID,
  NO_PRODUCER_EPOCH,
  NO_SEQUENCE,
  type BatchInfo,
  batchSizeAt,
  computeBatchCrc,
  isBatchCrcValid,
  writeBatchCrc,
  readBatchInfo,
  assignBatchOffsets,
} from './batch-header.js';
export {
  type RecordHeader,
  type RecordInput,
  type BuildRecordBatchOptions,
  type DecodedRecord,
  type DecodedRecordBatch,
  type DecodeOptions,
  NO_PARTITION_LEADER_EPOCH,
  NO_TIMESTAMP,
  MIN_ENTRY_BYTES,
  buildRecordBatch,
  splitBatches,
  entryMagic,
  checkBatchIntegrity,
  decodeRecordBatch,
  decodeRecordBatches,
  type RecordVisitor,
  visitRecords,
  batchRecordsBody,
} from './record-batch.js';
export { RecordBatchBuilder, type FinishBatchOptions } from './record-batch-builder.js';
export {
  LegacyMessage,
  type LegacyRecord,
  type LegacyReadOptions,
  type BuildLegacyMessageSetOptions,
  parseLegacyMessage,
  readLegacyMessageSet,
  convertLegacyMessageSet,
  encodeLegacyMessage,
  buildLegacyMessageSet,
} from './legacy.js';
export { type ValidatedRecords, type ValidateProduceOptions, validateProduceRecords, setLogAppendTime } from './validate.js';
export { compress, decompress, isKnownCodec, DEFAULT_MAX_DECOMPRESSED_BYTES } from '../compression.js';
