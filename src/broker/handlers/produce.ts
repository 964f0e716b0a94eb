import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { ProduceResponse, type ProduceResponsePartitionProduceResponse } from '../../protocol/generated/produce-response.js';
import type { Init } from '../../protocol/index.js';
import { BatchAttributes, validateProduceRecords, type ValidatedRecords } from '../../protocol/records/index.js';
import type { Broker } from '../broker.js';
import { defineHandler, type RequestContext } from '../handler.js';

/**
 * How far a legacy compressed message set may inflate while it is converted: a bound on memory a
 * small request can claim (found by the protocol fuzzer), generous for real legacy clients.
 */
function legacyDecompressionBound(maxMessageBytes: number): number {
  return Math.min(256 * 1024 * 1024, Math.max(16 * 1024 * 1024, 16 * maxMessageBytes));
}

type PartitionResult = Partial<ProduceResponsePartitionProduceResponse> & { index: number; errorCode: number };

/** An appended partition and the offset the high watermark must pass before acks=all answers. */
interface Appended {
  topic: string;
  result: PartitionResult;
  requiredOffset: bigint;
}

/**
 * Produce (v0-9): validates each partition's batch (header and CRC only for v2; legacy message
 * sets converted once), assigns offsets in place and appends the bytes as received. acks=-1
 * first checks min.insync.replicas against the ISR, then waits until the high watermark passes
 * the records (the whole ISR has them) or the request's timeout.
 *
 * The common case, v2 batches with acks 0 or 1, is answered synchronously: no promise per
 * request or partition. Partitions are appended in request order; once one needs to wait (a
 * legacy conversion), the ones after it wait their turn.
 */
export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 9,
  request: ProduceRequest,
  response: ProduceResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const acks = request.acks;
    const responses: { name: string; partitionResponses: PartitionResult[] }[] = [];
    const appended: Appended[] = [];
    let pending: Promise<void> | null = null;
    for (const topic of request.topicData) {
      const partitionResponses: PartitionResult[] = [];
      responses.push({ name: topic.name, partitionResponses });
      for (const p of topic.partitionData) {
        const slot = partitionResponses.length;
        const place = (outcome: PartitionResult | Appended): void => {
          if ('requiredOffset' in outcome) {
            partitionResponses[slot] = outcome.result;
            appended.push(outcome);
          } else {
            partitionResponses[slot] = outcome;
          }
        };
        const append = (): PartitionResult | Appended | Promise<PartitionResult | Appended> =>
          acks !== 0 && acks !== 1 && acks !== -1
            ? { index: p.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS }
            : appendPartition(ctx, topic.name, p.index, p.records, request.transactionalId, acks);
        partitionResponses.push({ index: p.index, errorCode: ErrorCode.NONE });
        if (pending !== null) {
          pending = pending.then(append).then(place);
          continue;
        }
        const outcome = append();
        if (outcome instanceof Promise) pending = outcome.then(place);
        else place(outcome);
      }
    }
    const finish = (): Init<ProduceResponse> | null => {
      if (acks !== 0) return { responses, throttleTimeMs: 0 };
      // Kafka closes the connection to tell an acks=0 producer that something failed.
      if (responses.some((t) => t.partitionResponses.some((r) => r.errorCode !== ErrorCode.NONE))) ctx.connection.close();
      return null;
    };
    if (pending === null && acks !== -1) return finish();
    return (async () => {
      if (pending !== null) await pending;
      // acks=all: answered once the ISR has the records (the high watermark passed them).
      if (acks === -1) await Promise.all(appended.map((a) => waitForIsr(broker, a, request.timeoutMs)));
      return finish();
    })();
  },
});

async function waitForIsr(broker: Broker, appended: Appended, timeoutMs: number): Promise<void> {
  const { result, topic } = appended;
  const hosted = broker.partitions.get(topic, result.index);
  const code = hosted ? await broker.replicas.waitForReplication(hosted, appended.requiredOffset, timeoutMs) : ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (code === ErrorCode.NONE) return;
  result.errorCode = code;
  result.errorMessage = code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
    ? `The ISR of ${topic}-${result.index} shrank below min.insync.replicas after the records were appended; they may not be replicated.`
    : null;
}

function appendPartition(
  ctx: RequestContext,
  topic: string,
  index: number,
  records: Buffer | null,
  transactionalId: string | null,
  acks: number,
): PartitionResult | Appended | Promise<PartitionResult | Appended> {
  const broker = ctx.broker;
  const version = ctx.apiVersion;
  const hosted = broker.partitions.get(topic, index);
  if (!hosted) return { index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
  if (hosted.partition.leader !== broker.nodeId || !broker.replicas.isLeader(hosted)) return { index, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n };
  if (acks === -1) {
    const enough = broker.replicas.checkEnoughReplicas(hosted);
    if (enough.errorCode !== ErrorCode.NONE) return { index, baseOffset: -1n, ...enough };
  }
  if (records === null || records.length === 0) {
    return { index, errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1n, errorMessage: 'Produce request has no records for this partition.' };
  }
  const maxMessageBytes = hosted.log.config.maxMessageBytes;
  const failed = (error: unknown): PartitionResult => {
    if (!(error instanceof KafkaError)) throw error;
    return { index, errorCode: error.code, baseOffset: -1n, logStartOffset: hosted.log.logStartOffset, errorMessage: error.message };
  };
  const append = (validated: ValidatedRecords): PartitionResult | Appended => {
    if (transactionalId !== null || (validated.info.attributes & BatchAttributes.TRANSACTIONAL) !== 0) {
      return { index, errorCode: ErrorCode.INVALID_TXN_STATE, baseOffset: -1n, errorMessage: 'Transactions are not supported by this broker yet.' };
    }
    // The log stamps LogAppendTime topics itself (attribute bit, max timestamp, CRC).
    // The bytes are written with the other appends of this socket read, before the responses leave.
    const appended = broker.replicas.appendAsLeader(hosted, validated.batch, BigInt(Date.now()), true);
    ctx.connection.beforeSend(hosted.log);
    return {
      topic,
      requiredOffset: appended.lastOffset + 1n,
      result: {
        index,
        errorCode: ErrorCode.NONE,
        baseOffset: appended.baseOffset,
        logAppendTimeMs: appended.logAppendTimeMs,
        logStartOffset: appended.logStartOffset,
      },
    };
  };
  try {
    const validated = validateProduceRecords(records, {
      produceVersion: version,
      maxMessageBytes,
      maxDecompressedBytes: legacyDecompressionBound(maxMessageBytes),
    });
    if (validated instanceof Promise) return validated.then((v) => { try { return append(v); } catch (e) { return failed(e); } }, failed);
    return append(validated);
  } catch (error) {
    return failed(error);
  }
}
