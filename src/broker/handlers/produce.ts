import { ErrorCode, KafkaError } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { ProduceRequest } from '../../protocol/generated/produce-request.js';
import { ProduceResponse, type ProduceResponsePartitionProduceResponse } from '../../protocol/generated/produce-response.js';
import { BatchAttributes, validateProduceRecords } from '../../protocol/records/index.js';
import type { Broker } from '../broker.js';
import { defineHandler } from '../handler.js';

/**
 * How far a legacy compressed message set may inflate while it is converted: a bound on memory a
 * small request can claim (found by the protocol fuzzer), generous for real legacy clients.
 */
function legacyDecompressionBound(maxMessageBytes: number): number {
  return Math.min(256 * 1024 * 1024, Math.max(16 * 1024 * 1024, 16 * maxMessageBytes));
}

type PartitionResult = Partial<ProduceResponsePartitionProduceResponse> & { index: number; errorCode: number; requiredOffset?: bigint };

/**
 * Produce (v0-9): validates each partition's batch (header and CRC only for v2; legacy message
 * sets converted once), assigns offsets in place and appends the bytes as received. acks=-1
 * first checks min.insync.replicas against the ISR, then waits until the high watermark passes
 * the records (the whole ISR has them) or the request's timeout.
 */
export const produceHandler = defineHandler({
  apiKey: ApiKey.Produce,
  minVersion: 0,
  maxVersion: 9,
  request: ProduceRequest,
  response: ProduceResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const acks = request.acks;
    const responses = [];
    let anyError = false;
    const waits: Promise<void>[] = [];
    for (const topic of request.topicData) {
      const partitionResponses: PartitionResult[] = [];
      for (const p of topic.partitionData) {
        const result =
          acks !== 0 && acks !== 1 && acks !== -1
            ? { index: p.index, errorCode: ErrorCode.INVALID_REQUIRED_ACKS }
            : await appendPartition(broker, topic.name, p.index, p.records, ctx.apiVersion, request.transactionalId, acks);
        if (result.errorCode !== ErrorCode.NONE) anyError = true;
        // acks=all: answered once the ISR has the records (the high watermark passed them).
        if (acks === -1 && result.errorCode === ErrorCode.NONE && result.requiredOffset !== undefined) {
          const hosted = broker.partitions.get(topic.name, p.index)!;
          waits.push(
            broker.replicas.waitForReplication(hosted, result.requiredOffset, request.timeoutMs).then((code) => {
              if (code === ErrorCode.NONE) return;
              result.errorCode = code;
              result.errorMessage = code === ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND
                ? `The ISR of ${topic.name}-${p.index} shrank below min.insync.replicas after the records were appended; they may not be replicated.`
                : null;
            }),
          );
        }
        delete result.requiredOffset;
        partitionResponses.push(result);
      }
      responses.push({ name: topic.name, partitionResponses });
    }
    if (waits.length > 0) await Promise.all(waits);
    if (acks === 0) {
      // Kafka closes the connection to tell an acks=0 producer that something failed.
      if (anyError) ctx.connection.close();
      return null;
    }
    return { responses, throttleTimeMs: 0 };
  },
});

async function appendPartition(
  broker: Broker,
  topic: string,
  index: number,
  records: Buffer | null,
  version: number,
  transactionalId: string | null,
  acks: number,
): Promise<PartitionResult> {
  const hosted = broker.partitions.get(topic, index);
  if (!hosted) return { index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
  if (hosted.partition.leader !== broker.nodeId || !broker.replicas.isLeader(hosted)) return { index, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n };
  if (acks === -1) {
    const enough = broker.replicas.checkEnoughReplicas(hosted);
    if (enough.errorCode !== ErrorCode.NONE) return { index, baseOffset: -1n, ...enough };
  }
  const log = hosted.log;
  if (records === null || records.length === 0) {
    return { index, errorCode: ErrorCode.INVALID_RECORD, baseOffset: -1n, errorMessage: 'Produce request has no records for this partition.' };
  }
  try {
    const validated = await validateProduceRecords(records, {
      produceVersion: version,
      maxMessageBytes: log.config.maxMessageBytes,
      maxDecompressedBytes: legacyDecompressionBound(log.config.maxMessageBytes),
    });
    if (transactionalId !== null || (validated.info.attributes & BatchAttributes.TRANSACTIONAL) !== 0) {
      return { index, errorCode: ErrorCode.INVALID_TXN_STATE, baseOffset: -1n, errorMessage: 'Transactions are not supported by this broker yet.' };
    }
    // The log stamps LogAppendTime topics itself (attribute bit, max timestamp, CRC).
    const nowMs = BigInt(Date.now());
    const appended = broker.replicas.appendAsLeader(hosted, validated.batch, nowMs);
    return {
      requiredOffset: appended.lastOffset + 1n,
      index,
      errorCode: ErrorCode.NONE,
      baseOffset: appended.baseOffset,
      logAppendTimeMs: appended.logAppendTimeMs,
      logStartOffset: appended.logStartOffset,
    };
  } catch (error) {
    if (error instanceof KafkaError) {
      return { index, errorCode: error.code, baseOffset: -1n, logStartOffset: log.logStartOffset, errorMessage: error.message };
    }
    throw error;
  }
}
