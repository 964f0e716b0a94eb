/** A leader's answer to OffsetForLeaderEpoch: its end offset for an epoch, and the epoch it used. */
export interface EpochEndOffset {
  leaderEpoch: number;
  endOffset: bigint;
}

/** Looks up the local end offset of an epoch (the start of the next larger epoch, or the log end). */
export type LocalEndOffsetForEpoch = (epoch: number) => EpochEndOffset;

/**
 * Where a follower must truncate its log before fetching from a new leader (KIP-101/KIP-279, as
 * Kafka's AbstractFetcherThread.getOffsetTruncationState): given the leader's end offset for the
 * follower's latest epoch, the follower keeps only what both logs share.
 * - The leader knows the epoch: truncate to min(leader end, local end).
 * - The leader answered a smaller epoch (it never saw ours): find the local end of that epoch and
 *   truncate to min(leader end, local end of it).
 * - The follower lacks that epoch: truncate to the end of its largest epoch below it.
 * - No epoch in common on the follower: truncate to 0 (everything is re-fetched).
 */
export function truncationOffset(requestedEpoch: number, leader: EpochEndOffset, localLogEnd: bigint, localEndOffsetFor: LocalEndOffsetForEpoch): bigint {
  if (leader.endOffset < 0n || leader.leaderEpoch < 0) return localLogEnd;
  if (leader.leaderEpoch === requestedEpoch) return leader.endOffset < localLogEnd ? leader.endOffset : localLogEnd;
  const local = localEndOffsetFor(leader.leaderEpoch);
  if (local.endOffset < 0n) return 0n;
  if (local.leaderEpoch !== leader.leaderEpoch) {
    // The follower never had the leader's epoch: drop everything after the end of its largest
    // epoch below it (the next round of fetching refills what the leader has).
    return local.endOffset < localLogEnd ? local.endOffset : localLogEnd;
  }
  const offset = leader.endOffset < local.endOffset ? leader.endOffset : local.endOffset;
  return offset < localLogEnd ? offset : localLogEnd;
}
