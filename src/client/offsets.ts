import { KafkaError } from '../common/index.js';
import { Apis } from './apis.js';
import type { Cluster } from './cluster.js';
import { kafkaErrorFor } from './errors.js';
import { tpKey, type TopicPartition } from './record.js';

/** ListOffsets timestamp meaning "the log start offset". */
export const EARLIEST_TIMESTAMP = -2n;
/** ListOffsets timestamp meaning "the log end offset" (high watermark or last stable offset). */
export const LATEST_TIMESTAMP = -1n;
/** ListOffsets timestamp meaning "the record with the largest timestamp" (KIP-734, v7+). */
export const MAX_TIMESTAMP = -3n;

/** One ListOffsets result. */
export interface ListedOffset extends TopicPartition {
  offset: bigint;
  timestamp: bigint;
  leaderEpoch: number;
}

/**
 * Looks up offsets by timestamp (or EARLIEST/LATEST/MAX_TIMESTAMP) on each partition's leader,
 * retrying leader errors with fresh metadata. Results come in the order of `requests`.
 */
export async function listOffsets(
  cluster: Cluster,
  requests: readonly (TopicPartition & { timestamp: bigint })[],
  readCommitted: boolean,
): Promise<ListedOffset[]> {
  if (requests.length === 0) return [];
  // A request names each partition once: asking several timestamps of one partition takes several rounds.
  const seen = new Set<string>();
  const firstRound = requests.filter((r) => !seen.has(tpKey(r.topic, r.partition)) && seen.add(tpKey(r.topic, r.partition)));
  if (firstRound.length < requests.length) {
    const rest = requests.filter((r) => !firstRound.includes(r));
    const [a, b] = await Promise.all([listOffsets(cluster, firstRound, readCommitted), listOffsets(cluster, rest, readCommitted)]);
    return requests.map((r) => (firstRound.includes(r) ? a[firstRound.indexOf(r)]! : b[rest.indexOf(r)]!));
  }
  const results = new Map<string, ListedOffset>();
  cluster.track(new Set(requests.map((r) => r.topic)));
  await cluster.retry('ListOffsets', async () => {
    const todo = requests.filter((r) => !results.has(tpKey(r.topic, r.partition)));
    for (const topic of new Set(todo.map((r) => r.topic))) await cluster.topicMetadata(topic);
    const byNode = new Map<number, (TopicPartition & { timestamp: bigint })[]>();
    for (const r of todo) {
      const leader = cluster.leaderOf(r.topic, r.partition);
      if (leader < 0) {
        const known = cluster.topic(r.topic)?.partitions.some((p) => p.partition === r.partition) ?? false;
        throw new KafkaError(known ? 5 : 3, `No leader for ${r.topic}-${r.partition}${known ? '' : ' (unknown partition)'}`);
      }
      let list = byNode.get(leader);
      if (list === undefined) byNode.set(leader, (list = []));
      list.push(r);
    }
    let firstError: KafkaError | null = null;
    await Promise.all(
      [...byNode].map(async ([nodeId, list]) => {
        const topics = new Map<string, { partitionIndex: number; timestamp: bigint; currentLeaderEpoch: number; maxNumOffsets: number }[]>();
        for (const r of list) {
          let parts = topics.get(r.topic);
          if (parts === undefined) topics.set(r.topic, (parts = []));
          parts.push({ partitionIndex: r.partition, timestamp: r.timestamp, currentLeaderEpoch: -1, maxNumOffsets: 1 });
        }
        const response = await cluster.requestNode(nodeId, Apis.ListOffsets, {
          replicaId: -1,
          isolationLevel: readCommitted ? 1 : 0,
          topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
        });
        for (const t of response.topics) {
          for (const p of t.partitions) {
            if (p.errorCode !== 0) {
              const err = kafkaErrorFor(p.errorCode, `ListOffsets for ${t.name}-${p.partitionIndex}`);
              if (firstError === null || (firstError.retriable && !err.retriable)) firstError = err;
              continue;
            }
            results.set(tpKey(t.name, p.partitionIndex), { topic: t.name, partition: p.partitionIndex, offset: p.offset, timestamp: p.timestamp, leaderEpoch: p.leaderEpoch });
          }
        }
      }),
    );
    if (firstError !== null) throw firstError;
  });
  return requests.map((r) => results.get(tpKey(r.topic, r.partition))!);
}
