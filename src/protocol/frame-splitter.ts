/**
 * Splits a byte stream of size-prefixed Kafka frames (the responses a client connection reads:
 * Samsa's client, and the broker's connections to other nodes) into whole frames, without the
 * size prefix. Bytes are copied as they arrive into a
 * buffer of the frame's exact size, so the caller may pass a read buffer it reuses (`net`'s
 * `onread`) and a large frame costs one copy, not a concatenation of every chunk it came in.
 * A size outside [4, maxFrameBytes] is a broken stream: `next` throws and the caller drops the
 * connection.
 */
export class FrameSplitter {
  private readonly sizeBytes = Buffer.alloc(4);
  private sizeFill = 0;
  private frame: Buffer | null = null;
  private frameFill = 0;
  private ready: Buffer[] = [];
  private readyAt = 0;
  private broken: RangeError | null = null;

  /** `alloc` provides the memory of each frame (a fresh buffer by default). */
  constructor(
    private readonly maxFrameBytes: number,
    private readonly alloc: (size: number) => Buffer = Buffer.allocUnsafe,
  ) {}

  /** Adds bytes read from the socket (copied: `data` may be reused once this returns). */
  push(data: Buffer): void {
    let pos = 0;
    // Bounded by data.length: every pass consumes at least one byte or stops.
    while (pos < data.length && this.broken === null) {
      if (this.frame === null) {
        const n = Math.min(4 - this.sizeFill, data.length - pos);
        data.copy(this.sizeBytes, this.sizeFill, pos, pos + n);
        this.sizeFill += n;
        pos += n;
        if (this.sizeFill < 4) return;
        const size = this.sizeBytes.readInt32BE(0);
        if (size < 4 || size > this.maxFrameBytes) {
          this.broken = new RangeError(`frame size ${size} outside 4..${this.maxFrameBytes}`);
          return;
        }
        this.frame = this.alloc(size);
        this.frameFill = 0;
      }
      const n = Math.min(this.frame.length - this.frameFill, data.length - pos);
      data.copy(this.frame, this.frameFill, pos, pos + n);
      this.frameFill += n;
      pos += n;
      if (this.frameFill === this.frame.length) {
        this.ready.push(this.frame);
        this.frame = null;
        this.sizeFill = 0;
      }
    }
  }

  /** The next whole frame, or null until more bytes arrive. */
  next(): Buffer | null {
    if (this.readyAt < this.ready.length) {
      const frame = this.ready[this.readyAt++]!;
      if (this.readyAt === this.ready.length) {
        this.ready = [];
        this.readyAt = 0;
      }
      return frame;
    }
    if (this.broken !== null) throw this.broken;
    return null;
  }

  /**
   * Adds `data` and hands each whole frame to `onFrame` until it returns false (the reader closed).
   * Returns the stream's error, a size prefix out of bounds, once the frames before it are handed
   * out (the reader must then drop the connection); else null.
   */
  feed(data: Buffer, onFrame: (frame: Buffer) => boolean): RangeError | null {
    this.push(data);
    for (;;) {
      if (this.readyAt >= this.ready.length) return this.broken;
      if (!onFrame(this.next()!)) return null;
    }
  }

  /** Forgets buffered bytes (the connection was dropped). */
  reset(): void {
    this.frame = null;
    this.sizeFill = 0;
    this.ready = [];
    this.readyAt = 0;
    this.broken = null;
  }
}
