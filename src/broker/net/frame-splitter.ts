/**
 * Splits a byte stream of size-prefixed Kafka frames (the responses an outbound connection
 * reads) into whole frames, without the size prefix. A size outside [4, maxFrameBytes] is a
 * broken stream: `next` throws and the caller drops the connection.
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxFrameBytes: number) {}

  /** Adds bytes read from the socket. */
  push(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
  }

  /** The next whole frame, or null until more bytes arrive. */
  next(): Buffer | null {
    if (this.buffered < 4) return null;
    const head = this.chunks[0]!.length >= 4 ? this.chunks[0]! : this.merge();
    const size = head.readInt32BE(0);
    if (size < 4 || size > this.maxFrameBytes) throw new RangeError(`frame size ${size} outside 4..${this.maxFrameBytes}`);
    if (this.buffered < 4 + size) return null;
    const all = this.merge();
    const rest = all.subarray(4 + size);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return all.subarray(4, 4 + size);
  }

  /** Forgets buffered bytes (the connection was dropped). */
  reset(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  private merge(): Buffer {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks, this.buffered)];
    return this.chunks[0]!;
  }
}
