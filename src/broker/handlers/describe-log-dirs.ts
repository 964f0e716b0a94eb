import { statfsSync } from 'node:fs';
import { ErrorCode } from '../../common/errors.js';
import { ApiKey } from '../../protocol/index.js';
import { DescribeLogDirsRequest } from '../../protocol/generated/describe-log-dirs-request.js';
import { DescribeLogDirsResponse } from '../../protocol/generated/describe-log-dirs-response.js';
import { defineHandler } from '../handler.js';
import type { HostedPartition } from '../partition-manager.js';

/**
 * DescribeLogDirs (v1-4): this broker's log dirs with the size of each hosted partition (all, or
 * those asked for), the lag of followers behind the high watermark, and the file system's total
 * and usable bytes (v4).
 */
export const describeLogDirsHandler = defineHandler({
  apiKey: ApiKey.DescribeLogDirs,
  minVersion: 1,
  maxVersion: 4,
  request: DescribeLogDirsRequest,
  response: DescribeLogDirsResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const wanted = request.topics === null ? null : new Map(request.topics.map((t) => [t.topic, new Set(t.partitions)]));
    const byDir = new Map<string, HostedPartition[]>();
    for (const dir of broker.logDirs) byDir.set(dir, []);
    for (const hosted of broker.partitions.all()) {
      if (wanted && !wanted.get(hosted.topic.name)?.has(hosted.partition.partitionId)) continue;
      const dir = broker.logDirs.find((d) => hosted.log.dir.startsWith(d + '/')) ?? broker.logDirs[0]!;
      byDir.get(dir)?.push(hosted);
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      results: [...byDir].map(([dir, partitions]) => {
        let totalBytes = -1n;
        let usableBytes = -1n;
        try {
          const fs = statfsSync(dir, { bigint: true });
          totalBytes = fs.blocks * fs.bsize;
          usableBytes = fs.bavail * fs.bsize;
        } catch {
          // unknown sizes stay -1
        }
        const topics = new Map<string, HostedPartition[]>();
        for (const p of partitions) {
          let list = topics.get(p.topic.name);
          if (!list) topics.set(p.topic.name, (list = []));
          list.push(p);
        }
        return {
          errorCode: ErrorCode.NONE,
          logDir: dir,
          totalBytes,
          usableBytes,
          topics: [...topics].map(([name, list]) => ({
            name,
            partitions: list.map((p) => ({
              partitionIndex: p.partition.partitionId,
              partitionSize: BigInt(p.log.sizeBytes),
              offsetLag: p.partition.leader === broker.nodeId ? 0n : maxBig(0n, p.log.highWatermark - p.log.logEndOffset),
              isFutureKey: false,
            })),
          })),
        };
      }),
    };
  },
});

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}
