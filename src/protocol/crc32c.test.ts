import { crc32c as portable } from '@node-rs/crc32';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { crc32c, crc32cImplementation } from './crc32c.js';

test('CRC-32C: the check value, continuation, and agreement with @node-rs/crc32 on every length and alignment', () => {
  assert.equal(crc32c(Buffer.from('123456789')), 0xe3069283);
  assert.equal(crc32c(Buffer.alloc(0)), 0);
  const whole = randomBytes(100_000);
  assert.equal(crc32c(whole.subarray(40_000), crc32c(whole.subarray(0, 40_000))), crc32c(whole));
  // Lengths around the 3 x 256 and 3 x 8192 interleaving blocks, at every 8-byte misalignment.
  const lengths = [1, 7, 8, 9, 63, 767, 768, 769, 1000, 24_575, 24_576, 24_577, 50_000, 16_205, 1 << 20];
  for (const length of lengths) {
    for (let offset = 0; offset < 8; offset++) {
      const data = randomBytes(length + offset).subarray(offset);
      const initial = offset % 2 === 0 ? 0 : 0x9e3779b9;
      assert.equal(crc32c(data, initial), portable(data, initial) >>> 0, `length ${length}, offset ${offset}`);
    }
  }
});

test('CRC-32C uses the native addon where it can be built', (t) => {
  const buildable = process.platform === 'linux' && process.arch === 'x64';
  if (crc32cImplementation === 'native' || !buildable) {
    if (!buildable) t.diagnostic(`no native CRC-32C on ${process.platform}-${process.arch}: @node-rs/crc32 in use`);
    return;
  }
  const message = 'the native CRC-32C was not built (see `node scripts/build-native.mjs`): Samsa runs on the ~4x slower @node-rs/crc32';
  if (process.env.CI === 'true' && process.env.SAMSA_NATIVE_CRC !== '0') assert.fail(message);
  t.diagnostic(`WARNING: ${message}`);
});
