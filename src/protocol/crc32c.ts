import { crc32c as portableCrc32c } from '@node-rs/crc32';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * CRC-32C (Castagnoli), the checksum of v2 record batches. Samsa's own addon (native/crc32c.c,
 * built at install by scripts/build-native.mjs: SSE4.2 over three interleaved streams, ~20 GB/s
 * here) when it is there, else @node-rs/crc32 (~5 GB/s: its hardware instruction is not inlined
 * into the loop). `SAMSA_NATIVE_CRC=0` forces the fallback, to compare the two.
 */
type Crc32c = (data: Uint8Array, initial?: number) => number;

const native = loadNative();

export const crc32c: Crc32c = native ?? ((data, initial) => portableCrc32c(data as Buffer, initial) >>> 0);

/** Which implementation `crc32c` is. */
export const crc32cImplementation: 'native' | '@node-rs/crc32' = native ? 'native' : '@node-rs/crc32';

function loadNative(): Crc32c | null {
  if (process.env.SAMSA_NATIVE_CRC === '0') return null;
  try {
    const path = fileURLToPath(new URL('../../../native/build/crc32c.node', import.meta.url));
    const addon = createRequire(import.meta.url)(path) as { crc32c: Crc32c };
    // Refuse an addon that gets the standard check value wrong.
    return addon.crc32c(Buffer.from('123456789')) === 0xe3069283 ? addon.crc32c : null;
  } catch {
    return null;
  }
}
