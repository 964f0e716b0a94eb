/**
 * Valid request frames for the protocol fuzzer, one per advertised (API, version), each with a
 * map of where its fields lie so mutations can lie about exactly the length fields, array
 * counts and record batches a decoder trusts.
 */
import { API_SCHEMAS, ApiKey, Writer, requestHeaderVersion, type Init, type MessageCodec } from '../../src/protocol/index.js';
import { RequestHeader } from '../../src/protocol/generated/request-header.js';

/** What one primitive write on the wire was. */
export type FieldKind =
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint16'
  | 'uint32'
  | 'float64'
  | 'uuid'
  | 'uvarint'
  | 'string-length'
  | 'bytes-length'
  | 'array-length'
  | 'tag-count';

/** One field of an encoded frame: `size` bytes at `offset` (from the start of the header). */
export interface FieldSpan {
  readonly offset: number;
  readonly size: number;
  readonly kind: FieldKind;
  /** uvarint-coded (compact) rather than fixed width. */
  readonly compact: boolean;
}

/** An array: its length field, its element count and the byte range of its elements. */
export interface ArraySpan {
  readonly length: FieldSpan;
  readonly count: number;
  readonly elementsStart: number;
  readonly elementsEnd: number;
}

/** The content of a non-empty bytes field (a record batch in Produce). */
export interface BytesSpan {
  readonly offset: number;
  readonly size: number;
}

/** A valid request frame (header and body, no size prefix) and its field map. */
export interface Sample {
  readonly apiKey: number;
  readonly apiName: string;
  readonly version: number;
  readonly frame: Buffer;
  readonly headerBytes: number;
  readonly fields: readonly FieldSpan[];
  readonly arrays: readonly ArraySpan[];
  readonly byteFields: readonly BytesSpan[];
}

/** A Writer that records the position and kind of every primitive it writes. */
class FieldMapWriter extends Writer {
  readonly fields: FieldSpan[] = [];
  readonly arrays: ArraySpan[] = [];
  readonly byteFields: BytesSpan[] = [];
  private pendingKind: FieldKind | undefined;

  private record<T>(kind: FieldKind, compact: boolean, write: () => T): T {
    const offset = this.length;
    const taken = this.pendingKind ?? kind;
    this.pendingKind = undefined;
    const result = write();
    this.fields.push({ offset, size: this.length - offset, kind: taken, compact });
    return result;
  }

  override int8(v: number): void {
    this.record('int8', false, () => super.int8(v));
  }
  override int16(v: number): void {
    this.record('int16', false, () => super.int16(v));
  }
  override uint16(v: number): void {
    this.record('uint16', false, () => super.uint16(v));
  }
  override int32(v: number): void {
    this.record('int32', false, () => super.int32(v));
  }
  override uint32(v: number): void {
    this.record('uint32', false, () => super.uint32(v));
  }
  override int64(v: bigint): void {
    this.record('int64', false, () => super.int64(v));
  }
  override float64(v: number): void {
    this.record('float64', false, () => super.float64(v));
  }
  override uuid(v: string): void {
    this.record('uuid', false, () => super.uuid(v));
  }
  override uvarint(v: number): void {
    this.record('uvarint', true, () => super.uvarint(v));
  }
  override nullableString(v: string | null | undefined, compact: boolean): void {
    this.pendingKind = 'string-length';
    super.nullableString(v, compact);
  }
  override nullableBytes(v: Buffer | readonly Buffer[] | null | undefined, compact: boolean): void {
    this.pendingKind = 'bytes-length';
    super.nullableBytes(v, compact);
    const size = v === null || v === undefined ? 0 : Buffer.isBuffer(v) ? v.length : v.reduce((n, b) => n + b.length, 0);
    if (size > 0) this.byteFields.push({ offset: this.length - size, size });
  }
  override nullableArray<T>(items: readonly T[] | null | undefined, compact: boolean, writeElement: (w: Writer, item: T) => void): void {
    const lengthIndex = this.fields.length;
    this.pendingKind = 'array-length';
    super.nullableArray(items, compact, writeElement);
    const length = this.fields[lengthIndex]!;
    if (items !== null && items !== undefined) {
      this.arrays.push({ length, count: items.length, elementsStart: length.offset + length.size, elementsEnd: this.length });
    }
  }
  override taggedFields(known: Parameters<Writer['taggedFields']>[0], unknown: Parameters<Writer['taggedFields']>[1]): void {
    this.pendingKind = 'tag-count';
    super.taggedFields(known, unknown);
  }
}

/** Encodes header + body of a request with a field map (the frame a client sends, minus its size prefix). */
export function encodeSample<T>(codec: MessageCodec<T>, apiName: string, version: number, correlationId: number, body: Init<T>): Sample {
  const w = new FieldMapWriter(512);
  RequestHeader.encode(
    w,
    { requestApiKey: codec.apiKey, requestApiVersion: version, correlationId, clientId: 'samsa-fuzz' },
    requestHeaderVersion(codec.apiKey, version),
  );
  const headerBytes = w.length;
  codec.encode(w, body, version);
  const { fields, arrays, byteFields } = w;
  return { apiKey: codec.apiKey, apiName, version, frame: w.toBuffer(), headerBytes, fields, arrays, byteFields };
}

/** Names and record payloads the sample requests refer to. */
export interface SampleContext {
  /** Topic created before fuzzing; produce/fetch/list/delete-records target it. */
  readonly fuzzTopic: string;
  /** A v2 record batch (two records, uncompressed) and a gzip one. */
  readonly batch: Buffer;
  readonly gzipBatch: Buffer;
  /** Legacy message sets for Produce v0-2: magic 0 uncompressed and magic 1 gzip. */
  readonly legacyMagic0: Buffer;
  readonly legacyMagic1Gzip: Buffer;
}

const TOPIC_CONFIG_TYPE = 2;

/** Plausible request bodies for the APIs Samsa serves; any other API gets its default-valued message. */
function plausibleBody(apiKey: number, version: number, ctx: SampleContext): Record<string, unknown> {
  const topic = ctx.fuzzTopic;
  switch (apiKey) {
    case ApiKey.Produce: {
      const records = version <= 1 ? ctx.legacyMagic0 : version === 2 ? ctx.legacyMagic1Gzip : version % 2 === 0 ? ctx.batch : ctx.gzipBatch;
      return {
        transactionalId: null,
        acks: version % 3 === 0 ? -1 : 1,
        timeoutMs: 5000,
        topicData: [{ name: topic, partitionData: [{ index: version % 2, records }] }],
      };
    }
    case ApiKey.Fetch:
      return {
        replicaId: -1,
        maxWaitMs: 100,
        minBytes: 1,
        maxBytes: 1024 * 1024,
        isolationLevel: version % 2,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 65536 }] }],
        forgottenTopicsData: [],
        rackId: '',
      };
    case ApiKey.ListOffsets:
      return {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n, maxNumOffsets: 1 }, { partitionIndex: 1, currentLeaderEpoch: -1, timestamp: -2n, maxNumOffsets: 1 }] }],
        timeoutMs: 1000,
      };
    case ApiKey.Metadata:
      return { topics: [{ name: topic }, { name: 'fuzz-missing' }], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: version >= 8 };
    case ApiKey.ApiVersions:
      return { clientSoftwareName: 'samsa-fuzz', clientSoftwareVersion: '1.0' };
    case ApiKey.CreateTopics:
      return {
        topics: [{ name: 'fuzz-created', numPartitions: 2, replicationFactor: 1, assignments: [], configs: [{ name: 'retention.ms', value: '3600000' }] }],
        timeoutMs: 5000,
        validateOnly: version % 2 === 1,
      };
    case ApiKey.DeleteTopics:
      return version >= 6
        ? { topics: [{ name: 'fuzz-created', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }], timeoutMs: 5000 }
        : { topicNames: ['fuzz-created'], timeoutMs: 5000 };
    case ApiKey.DeleteRecords:
      return { topics: [{ name: topic, partitions: [{ partitionIndex: 1, offset: 1n }] }], timeoutMs: 1000 };
    case ApiKey.InitProducerId:
      return { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 };
    case ApiKey.DescribeConfigs:
      return {
        resources: [{ resourceType: TOPIC_CONFIG_TYPE, resourceName: topic, configurationKeys: version % 2 === 0 ? null : ['retention.ms', 'cleanup.policy'] }],
        includeSynonyms: version >= 1,
        includeDocumentation: version >= 3,
      };
    case ApiKey.AlterConfigs:
      return {
        resources: [{ resourceType: TOPIC_CONFIG_TYPE, resourceName: topic, configs: [{ name: 'retention.ms', value: '86400000' }, { name: 'max.message.bytes', value: '1048588' }] }],
        validateOnly: version === 1,
      };
    case ApiKey.IncrementalAlterConfigs:
      return {
        resources: [{ resourceType: TOPIC_CONFIG_TYPE, resourceName: topic, configs: [{ name: 'cleanup.policy', configOperation: 2, value: 'delete' }, { name: 'retention.bytes', configOperation: 0, value: '104857600' }] }],
        validateOnly: false,
      };
    case ApiKey.CreatePartitions:
      return { topics: [{ name: 'fuzz-created', count: 3, assignments: null }], timeoutMs: 5000, validateOnly: version % 2 === 0 };
    case ApiKey.DescribeCluster:
      return { includeClusterAuthorizedOperations: true, endpointType: 1 };
    default:
      return {};
  }
}

/** One sample per advertised (API, version); APIs the schemas do not know are skipped. */
export function buildSamples(advertised: readonly { apiKey: number; minVersion: number; maxVersion: number }[], ctx: SampleContext): Sample[] {
  const samples: Sample[] = [];
  for (const range of advertised) {
    const api = API_SCHEMAS.get(range.apiKey);
    if (api === undefined) continue;
    for (let version = range.minVersion; version <= range.maxVersion; version++) {
      const codec = api.request as MessageCodec<unknown>;
      if (version < codec.minVersion || version > codec.maxVersion) continue;
      samples.push(encodeSample(codec, api.name, version, 1000 + samples.length, plausibleBody(range.apiKey, version, ctx) as Init<unknown>));
    }
  }
  return samples;
}
