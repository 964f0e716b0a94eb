/** Java's String.hashCode: s[0]*31^(n-1) + ... + s[n-1] over UTF-16 code units, in int32 arithmetic. */
export function javaStringHashCode(s: string): number {
  let hash = 0;
  for (let i = 0; i < s.length; i++) hash = (Math.imul(31, hash) + s.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The __consumer_offsets partition that coordinates a group: Utils.abs(groupId.hashCode()) %
 * offsets.topic.num.partitions, where Kafka's Utils.abs maps Integer.MIN_VALUE to 0.
 */
export function groupPartition(groupId: string, numPartitions: number): number {
  const hash = javaStringHashCode(groupId);
  const abs = hash === -2147483648 ? 0 : Math.abs(hash);
  return abs % numPartitions;
}
