// Shared inputs of the records tests (not part of the public surface).
import type { RecordInput } from './record-batch.js';

/** Base timestamp of the kafka-python vectors (testdata/generate-kafka-python-vectors.py). */
export const BASE_TS = 1700000000000n;

/** PLAIN_RECORDS of the vector generator. */
export const PLAIN_RECORDS: RecordInput[] = [
  { key: Buffer.from('key0'), value: Buffer.from('value0'), headers: [{ key: 'h1', value: Buffer.from('v1') }], timestamp: BASE_TS },
  { key: null, value: Buffer.from('value1'), headers: [], timestamp: BASE_TS + 5n },
  {
    key: Buffer.from('k2'),
    value: null,
    headers: [
      { key: 'h', value: null },
      { key: '\u00e9t\u00e9', value: Buffer.alloc(0) },
    ],
    timestamp: BASE_TS - 10n,
  },
];

/** COMPRESSIBLE_RECORDS of the vector generator. */
export const COMPRESSIBLE_RECORDS: RecordInput[] = Array.from({ length: 5 }, (_, i) => ({
  key: Buffer.from(`key${i}`),
  value: Buffer.from(`hello kafka ${i} `.repeat(40)),
  headers: [{ key: 'idx', value: Buffer.from(String(i)) }],
  timestamp: BASE_TS + BigInt(i),
}));

/** Mulberry32: a tiny seeded PRNG so a failing fuzz case replays exactly. */
export function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
