import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildRecordBatch } from '../protocol/records/record-batch.js';

/** Test support (not part of the public surface): temp dirs and small v2 batches. */

/** Creates a fresh temp directory under os.tmpdir(). */
export function makeTempDir(prefix = 'samsa-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Removes a temp directory tree. */
export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Options of makeBatch. */
export interface TestBatchOptions {
  count?: number;
  valueBytes?: number;
  timestampMs?: bigint;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  tag?: string;
}

/** Builds an uncompressed v2 batch of `count` records with values `<tag>-<i>` padded to `valueBytes`. */
export function makeBatch(options: TestBatchOptions = {}): Promise<Buffer> {
  const count = options.count ?? 1;
  const records = Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`k${i}`),
    value: Buffer.from(`${options.tag ?? 'v'}-${i}`.padEnd(options.valueBytes ?? 0, '.')),
    timestamp: (options.timestampMs ?? 1_700_000_000_000n) + BigInt(i),
  }));
  return buildRecordBatch({
    records,
    ...(options.producerId !== undefined ? { producerId: options.producerId, producerEpoch: options.producerEpoch ?? 0, baseSequence: options.baseSequence ?? 0 } : {}),
  });
}
