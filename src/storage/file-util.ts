import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../common/assert.js';

/** Number of digits in Kafka's segment and snapshot file names. */
const OFFSET_FILE_NAME_DIGITS = 20;

/** Kafka's file name for an offset: zero-padded to 20 digits, plus a suffix such as '.log'. */
export function offsetFileName(offset: bigint, suffix: string): string {
  assert(offset >= 0n, `negative offset ${offset} in a file name`);
  return offset.toString().padStart(OFFSET_FILE_NAME_DIGITS, '0') + suffix;
}

/** Parses `<20 digits><suffix>` back to the offset, or null if the name does not have that shape. */
export function parseOffsetFileName(name: string, suffix: string): bigint | null {
  if (!name.endsWith(suffix)) return null;
  const digits = name.slice(0, name.length - suffix.length);
  if (digits.length !== OFFSET_FILE_NAME_DIGITS || !/^[0-9]+$/.test(digits)) return null;
  return BigInt(digits);
}

/** fsyncs a directory so that renames and unlinks inside it are durable. */
export function fsyncDirSync(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsyncs a directory off the event loop, so that creates, renames and unlinks in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.promises.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces a file atomically: write `<file>.tmp`, optionally fsync it, rename over the target,
 * optionally fsync the directory. Readers see the old or the new content, never a mix.
 */
export function writeFileAtomicSync(file: string, data: string | Buffer, durable = true): void {
  const tmp = file + '.tmp';
  const fd = fs.openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    writeFullySync(fd, bytes, 0);
    if (durable) fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  if (durable) fsyncDirSync(path.dirname(file));
}

/**
 * Like writeFileAtomicSync, but the fsyncs run in libuv's thread pool, so a periodic checkpoint
 * never blocks the event loop (or the requests behind it) on a journal commit. Its temporary file
 * is `<file>.async.tmp`, so that a writeFileAtomicSync of the same file while this one waits for
 * the disk cannot truncate the temporary file under it (the last rename wins, whole).
 */
export async function writeFileAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = file + '.async.tmp';
  const handle = await fs.promises.open(tmp, 'w');
  try {
    await handle.writeFile(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(tmp, file);
  const dir = await fs.promises.open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/** Writes all of `data` at `position`, looping over short writes (bounded by the data length). */
export function writeFullySync(fd: number, data: Buffer, position: number): void {
  let written = 0;
  while (written < data.length) {
    const n = fs.writeSync(fd, data, written, data.length - written, position + written);
    assert(n > 0, 'writeSync wrote nothing');
    written += n;
  }
}

/** Writes every chunk, in order, starting at `position` (vectored, retrying short writes). */
export function writevFullySync(fd: number, chunks: readonly Buffer[], position: number): void {
  let list = [...chunks];
  let at = position;
  while (list.length > 0) {
    let n = fs.writevSync(fd, list, at);
    assert(n > 0, 'writevSync wrote nothing');
    at += n;
    while (list.length > 0 && n >= list[0]!.length) {
      n -= list[0]!.length;
      list.shift();
    }
    if (n > 0) list[0] = list[0]!.subarray(n);
    // Kernels write at most IOV_MAX chunks at once: the loop goes on with the rest.
  }
}

/** Reads exactly `length` bytes at `position` (fewer only at end of file); returns the bytes read. */
export function readFullySync(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Promise wrapper around fs.fsync on an open descriptor. */
export function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fsync(fd, (err) => (err ? reject(err) : resolve())));
}

/** Removes a file if it exists. */
export function unlinkIfExistsSync(file: string): void {
  fs.rmSync(file, { force: true });
}
