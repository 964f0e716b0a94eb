/**
 * Seeded mutations of valid request frames: bit flips, byte replacement, truncation, insertion,
 * deletion, lying length fields and array counts, overlong varints, duplicated sections and
 * array elements, swapped API keys and versions, and record-batch header damage (with the CRC
 * recomputed or not). Pure functions of the PRNG state: no IO.
 */
import { BatchHeader, writeBatchCrc } from '../../src/protocol/index.js';
import type { Prng } from './prng.js';
import type { FieldSpan, Sample } from './samples.js';

/** A mutated frame (header and body, no size prefix) and what was done to it. */
export interface Mutated {
  frame: Buffer;
  steps: string[];
}

/** One mutation operator. It may return null when it does not apply to the frame. */
type Mutation = (frame: Buffer, sample: Sample, rng: Prng, apiKeys: readonly number[]) => { frame: Buffer; step: string } | null;

const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];
const INTERESTING_16 = [0, 1, -1, -2, 0x7fff, -0x8000, 0x100, 0xff];
const INTERESTING_32 = [0, 1, -1, -2, 0x7fffffff, -0x80000000, 0x10000, 0x7ffffff0, 1_000_000, 0xffff];
const INTERESTING_64 = [0n, 1n, -1n, -2n, 0x7fffffffffffffffn, -0x8000000000000000n, 0xffffffffn];

function encodeUvarint(value: number): Buffer {
  const out: number[] = [];
  let v = value >>> 0;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  out.push(v);
  return Buffer.from(out);
}

function splice(frame: Buffer, at: number, removeBytes: number, insert: Buffer): Buffer {
  return Buffer.concat([frame.subarray(0, at), insert, frame.subarray(Math.min(frame.length, at + removeBytes))]);
}

function fieldFits(frame: Buffer, f: FieldSpan): boolean {
  return f.offset + f.size <= frame.length;
}

/** Writes a signed value into a fixed-width field (wrapping to its width). */
function writeFixed(frame: Buffer, f: FieldSpan, value: number | bigint): void {
  const n = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  switch (f.size) {
    case 1:
      frame.writeInt8(Number(BigInt.asIntN(8, n)), f.offset);
      break;
    case 2:
      frame.writeInt16BE(Number(BigInt.asIntN(16, n)), f.offset);
      break;
    case 4:
      frame.writeInt32BE(Number(BigInt.asIntN(32, n)), f.offset);
      break;
    case 8:
      frame.writeBigInt64BE(BigInt.asIntN(64, n), f.offset);
      break;
    default:
      for (let i = 0; i < f.size; i++) frame[f.offset + i] = Number(BigInt.asUintN(8, n >> BigInt(8 * (f.size - 1 - i))));
  }
}

function interestingFor(f: FieldSpan, rng: Prng, frame: Buffer): number | bigint {
  switch (f.size) {
    case 1:
      return rng.pick(INTERESTING_8);
    case 2:
      return rng.pick(INTERESTING_16);
    case 8:
      return rng.pick(INTERESTING_64);
    default:
      return rng.chance(0.2) ? frame.length + rng.range(-2, 2) : rng.pick(INTERESTING_32);
  }
}

const bitFlips: Mutation = (frame, _s, rng) => {
  const out = Buffer.from(frame);
  const flips = rng.range(1, 8);
  for (let i = 0; i < flips; i++) {
    const at = rng.int(out.length);
    out[at]! ^= 1 << rng.int(8);
  }
  return { frame: out, step: `flip ${flips} bits` };
};

const replaceBytes: Mutation = (frame, _s, rng) => {
  const out = Buffer.from(frame);
  const count = rng.range(1, 6);
  for (let i = 0; i < count; i++) out[rng.int(out.length)] = rng.chance(0.5) ? rng.pick(INTERESTING_8) : rng.int(256);
  return { frame: out, step: `replace ${count} bytes` };
};

/** A fixed-width field (any kind) set to a boundary value. */
const interestingField: Mutation = (frame, sample, rng) => {
  const candidates = sample.fields.filter((f) => !f.compact && fieldFits(frame, f) && f.kind !== 'uuid');
  if (candidates.length === 0) return null;
  const f = rng.pick(candidates);
  const out = Buffer.from(frame);
  const value = interestingFor(f, rng, frame);
  writeFixed(out, f, value);
  return { frame: out, step: `${f.kind}@${f.offset} = ${value}` };
};

/** A length field (string, bytes, array, tagged-field count) that lies. */
const lyingLength: Mutation = (frame, sample, rng) => {
  const candidates = sample.fields.filter((f) => f.kind.endsWith('-length') || f.kind === 'tag-count').filter((f) => fieldFits(frame, f));
  if (candidates.length === 0) return null;
  const f = rng.pick(candidates);
  const remaining = frame.length - (f.offset + f.size);
  if (f.compact) {
    const choices = [0, 1, 2, remaining + 1, remaining + 2, 0x7fffffff, 0xffffffff, 0x80000000, 1_000_000];
    const value = rng.pick(choices);
    const overlong = rng.chance(0.15);
    const encoded = overlong ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]) : encodeUvarint(value);
    return { frame: splice(frame, f.offset, f.size, encoded), step: `${f.kind}@${f.offset} (varint) = ${overlong ? 'overlong 6-byte varint' : value}` };
  }
  const out = Buffer.from(frame);
  const current = f.size === 2 ? frame.readInt16BE(f.offset) : frame.readInt32BE(f.offset);
  const choices = f.size === 2 ? [-1, -2, -0x8000, 0x7fff, current + 1, current - 1, remaining + 1] : [-1, -2, -0x80000000, 0x7fffffff, current + 1, current - 1, remaining + 1, 0x10000000];
  const value = rng.pick(choices);
  writeFixed(out, f, value);
  return { frame: out, step: `${f.kind}@${f.offset} = ${value} (was ${current})` };
};

/** A varint field re-encoded as an overlong or huge varint. */
const varintDamage: Mutation = (frame, sample, rng) => {
  const candidates = sample.fields.filter((f) => f.compact && fieldFits(frame, f));
  if (candidates.length === 0) return null;
  const f = rng.pick(candidates);
  const choices = [
    Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00]),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f]),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f]),
    Buffer.from([0x80]),
    Buffer.from([0x81, 0x00]),
  ];
  const encoded = rng.pick(choices);
  return { frame: splice(frame, f.offset, f.size, encoded), step: `varint@${f.offset} = ${encoded.toString('hex')}` };
};

function boundary(sample: Sample, frame: Buffer, rng: Prng): number {
  if (rng.chance(0.6) && sample.fields.length > 0) return Math.min(frame.length, rng.pick(sample.fields).offset);
  return rng.int(frame.length + 1);
}

const truncate: Mutation = (frame, sample, rng) => {
  const at = Math.min(boundary(sample, frame, rng), frame.length - 1);
  return { frame: frame.subarray(0, Math.max(0, at)), step: `truncate to ${Math.max(0, at)} of ${frame.length}` };
};

const insertBytes: Mutation = (frame, sample, rng) => {
  const at = boundary(sample, frame, rng);
  const bytes = rng.chance(0.5) ? rng.bytes(rng.range(1, 16)) : Buffer.alloc(rng.range(1, 8), rng.pick([0, 0xff, 0x80]));
  return { frame: splice(frame, at, 0, bytes), step: `insert ${bytes.toString('hex')} at ${at}` };
};

const deleteRange: Mutation = (frame, sample, rng) => {
  const at = boundary(sample, frame, rng);
  const count = rng.range(1, 12);
  return { frame: splice(frame, at, count, Buffer.alloc(0)), step: `delete ${count} bytes at ${at}` };
};

const duplicateSection: Mutation = (frame, sample, rng) => {
  const a = boundary(sample, frame, rng);
  const b = Math.min(frame.length, a + rng.range(1, 64));
  return { frame: splice(frame, b, 0, frame.subarray(a, b)), step: `duplicate [${a}, ${b})` };
};

/** An array's elements repeated and its count doubled: structurally valid, semantically odd. */
const duplicateArrayElements: Mutation = (frame, sample, rng) => {
  const candidates = sample.arrays.filter((a) => a.count > 0 && a.elementsEnd <= frame.length);
  if (candidates.length === 0) return null;
  const a = rng.pick(candidates);
  const copies = rng.chance(0.8) ? 2 : rng.range(3, 50);
  const elements = frame.subarray(a.elementsStart, a.elementsEnd);
  const count = a.count * copies;
  const lengthBytes = a.length.compact ? encodeUvarint(count + 1) : Buffer.alloc(4);
  if (!a.length.compact) lengthBytes.writeInt32BE(count);
  const body = Buffer.concat(Array.from({ length: copies }, () => elements));
  return {
    frame: Buffer.concat([frame.subarray(0, a.length.offset), lengthBytes, body, frame.subarray(a.elementsEnd)]),
    step: `array@${a.length.offset} elements x${copies} (count ${count})`,
  };
};

const trailingGarbage: Mutation = (frame, _s, rng) => {
  const bytes = rng.bytes(rng.range(1, 32));
  return { frame: Buffer.concat([frame, bytes]), step: `append ${bytes.length} bytes` };
};

/** The header's API key and/or version replaced: the body is read with another schema. */
const swapHeader: Mutation = (frame, sample, rng, apiKeys) => {
  if (frame.length < 4) return null;
  const out = Buffer.from(frame);
  const steps: string[] = [];
  const which = rng.int(3);
  if (which !== 1) {
    const key = rng.chance(0.8) ? rng.pick(apiKeys) : rng.pick([-1, 4, 17, 36, 57, 100, 0x7fff, -0x8000]);
    out.writeInt16BE(key, 0);
    steps.push(`apiKey ${sample.apiKey} -> ${key}`);
  }
  if (which !== 0) {
    const version = rng.chance(0.7) ? rng.range(0, 17) : rng.pick([-1, -0x8000, 0x7fff, 100]);
    out.writeInt16BE(version, 2);
    steps.push(`version ${sample.version} -> ${version}`);
  }
  return { frame: out, step: steps.join(', ') };
};

/** Damage to a record batch in a bytes field; the CRC is recomputed most of the time so validation goes deeper. */
const recordBatchDamage: Mutation = (frame, sample, rng) => {
  const batches = sample.byteFields.filter((b) => b.size >= BatchHeader.SIZE && b.offset + b.size <= frame.length && frame[b.offset + BatchHeader.MAGIC] === 2);
  if (batches.length === 0) return null;
  const span = rng.pick(batches);
  const out = Buffer.from(frame);
  const batch = out.subarray(span.offset, span.offset + span.size);
  const field = rng.pick([
    { name: 'batchLength', at: BatchHeader.BATCH_LENGTH, size: 4, values: [0, -1, 49, span.size, span.size - 13, 0x7fffffff, -0x80000000] },
    { name: 'magic', at: BatchHeader.MAGIC, size: 1, values: [0, 1, 3, -1, 0x7f] },
    { name: 'crc', at: BatchHeader.CRC, size: 4, values: [0, -1, 0x12345678] },
    { name: 'attributes', at: BatchHeader.ATTRIBUTES, size: 2, values: [5, 6, 7, 0x10, 0x20, 0x08, 0x37, -1] },
    { name: 'lastOffsetDelta', at: BatchHeader.LAST_OFFSET_DELTA, size: 4, values: [-1, 0, 5, 0x7fffffff, -0x80000000] },
    { name: 'baseTimestamp', at: BatchHeader.BASE_TIMESTAMP, size: 8, values: [-1, 0, 0x7fffffffffffffff] },
    { name: 'producerId', at: BatchHeader.PRODUCER_ID, size: 8, values: [0, 1, 0x7fffffffffffffff] },
    { name: 'baseSequence', at: BatchHeader.BASE_SEQUENCE, size: 4, values: [-2, 0, 0x7fffffff] },
    { name: 'recordsCount', at: BatchHeader.RECORDS_COUNT, size: 4, values: [0, -1, 3, 0x7fffffff, 1_000_000] },
    { name: 'records', at: BatchHeader.SIZE + rng.int(Math.max(1, span.size - BatchHeader.SIZE)), size: 1, values: [0x7f, 0xff, 0x80, 0x01, 0] },
  ]);
  const value = rng.pick(field.values);
  writeFixed(batch, { offset: field.at, size: field.size, kind: 'int32', compact: false }, BigInt(value));
  const fixCrc = field.name !== 'crc' && field.name !== 'batchLength' && rng.chance(0.7);
  if (fixCrc) writeBatchCrc(batch);
  return { frame: out, step: `batch.${field.name} = ${value}${fixCrc ? ' (crc fixed)' : ''}` };
};

const MUTATIONS: readonly { weight: number; fn: Mutation }[] = [
  { weight: 10, fn: bitFlips },
  { weight: 8, fn: replaceBytes },
  { weight: 12, fn: interestingField },
  { weight: 14, fn: lyingLength },
  { weight: 4, fn: varintDamage },
  { weight: 8, fn: truncate },
  { weight: 5, fn: insertBytes },
  { weight: 4, fn: deleteRange },
  { weight: 4, fn: duplicateSection },
  { weight: 8, fn: duplicateArrayElements },
  { weight: 3, fn: trailingGarbage },
  { weight: 6, fn: swapHeader },
  { weight: 10, fn: recordBatchDamage },
];
const TOTAL_WEIGHT = MUTATIONS.reduce((n, m) => n + m.weight, 0);

function pickMutation(rng: Prng): Mutation {
  let r = rng.int(TOTAL_WEIGHT);
  for (const m of MUTATIONS) {
    if (r < m.weight) return m.fn;
    r -= m.weight;
  }
  return MUTATIONS[0]!.fn;
}

/** Applies 1-3 stacked mutations to a sample's frame (later ones use the original field map, best effort). */
export function mutate(sample: Sample, rng: Prng, apiKeys: readonly number[]): Mutated {
  let frame = sample.frame;
  const steps: string[] = [];
  const count = rng.chance(0.6) ? 1 : rng.range(2, 3);
  for (let attempt = 0; steps.length < count && attempt < 10; attempt++) {
    if (frame.length === 0) break;
    const result = pickMutation(rng)(frame, sample, rng, apiKeys);
    if (result === null) continue;
    frame = result.frame;
    steps.push(result.step);
  }
  return { frame, steps };
}
