import { assert } from './assert.js';

const EMPTY = Buffer.alloc(0);

/**
 * A bump allocator over one reusable buffer, for bytes that live exactly as long as one response
 * (the segment slices a Fetch answer is made of). Reusing the memory instead of allocating a
 * fresh buffer per read spares the page faults of new memory and the garbage collections that
 * large external allocations trigger: on the fetch path those were more than half the broker's
 * time per megabyte (bench/RESULTS.md).
 */
export class BufferArena {
  /** Empty until the first allocation: a fetch that waits and reads nothing holds no memory. */
  private buf: Buffer = EMPTY;
  private used = 0;
  /** Bytes asked for since the last reset, to size the arena for its next use. */
  private demanded = 0;

  constructor(
    private readonly initialBytes: number,
    private readonly maxBytes: number,
  ) {}

  /** Bytes the arena holds (its capacity). */
  get capacity(): number {
    return this.buf.length;
  }

  /**
   * `length` bytes of scratch memory, valid until the arena is reset: a slice of the arena when
   * it has room, else a buffer of its own.
   */
  alloc = (length: number): Buffer => {
    this.demanded += length;
    if (this.used === 0 && length > this.buf.length && length <= this.maxBytes) {
      this.buf = Buffer.allocUnsafeSlow(Math.min(this.maxBytes, Math.max(length, this.initialBytes)));
    }
    if (this.used + length > this.buf.length) return Buffer.allocUnsafe(length);
    const out = this.buf.subarray(this.used, this.used + length);
    this.used += length;
    return out;
  };

  /** Forgets every allocation (their memory is reused), growing toward what the last use needed. */
  reset(): void {
    if (this.buf.length > 0 && this.demanded > this.buf.length) this.buf = Buffer.allocUnsafeSlow(Math.min(this.demanded, this.maxBytes));
    this.used = 0;
    this.demanded = 0;
  }
}

/**
 * A bounded set of idle arenas: `acquire` hands one out (a new one when none is idle) and
 * `release` takes it back once nothing references its memory any more. At most `maxIdle` arenas
 * of at most `maxArenaBytes` each are kept; an arena never released is simply garbage collected.
 */
export class BufferArenaPool {
  private readonly idle: BufferArena[] = [];

  constructor(
    private readonly initialArenaBytes: number,
    private readonly maxArenaBytes: number,
    private readonly maxIdle: number,
  ) {
    assert(initialArenaBytes > 0 && initialArenaBytes <= maxArenaBytes && maxIdle >= 0, 'invalid arena pool bounds');
  }

  /** Number of idle arenas (for tests and metrics). */
  get idleCount(): number {
    return this.idle.length;
  }

  acquire(): BufferArena {
    return this.idle.pop() ?? new BufferArena(this.initialArenaBytes, this.maxArenaBytes);
  }

  /** Takes an arena back; the caller guarantees no slice of it is still in use. */
  release(arena: BufferArena): void {
    arena.reset();
    if (this.idle.length < this.maxIdle && !this.idle.includes(arena)) this.idle.push(arena);
  }
}
