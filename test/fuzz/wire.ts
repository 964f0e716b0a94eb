/**
 * A raw Kafka-protocol client socket for the fuzzer: writes arbitrary bytes, splits what the
 * broker sends back into size-prefixed frames, and reports a close. Every wait is bounded.
 */
import { connect, type Socket } from 'node:net';

/** What waiting for the next response frame produced. */
export type NextFrame = { kind: 'frame'; frame: Buffer } | { kind: 'closed' } | { kind: 'timeout' };

/** Largest response frame the fuzzer accepts; anything bigger is a broker bug (or garbage framing). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** A connection to the broker with bounded waits for frames and close. */
export class FrameClient {
  private readonly frames: Buffer[] = [];
  private pending: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  private isClosed = false;
  /** Set when the broker sent a size prefix outside 0..MAX_RESPONSE_BYTES. */
  badResponseSize: number | undefined;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.isClosed = true;
      this.wake();
    });
  }

  /** Connects within `timeoutMs`. */
  static connect(host: string, port: number, timeoutMs = 5_000): Promise<FrameClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new FrameClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  /** Whether the socket has closed (either side). */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Local port, to tell connections apart in broker logs. */
  get localPort(): number {
    return this.socket.localPort ?? 0;
  }

  /** Writes bytes as they are (no framing added); resolves once handed to the kernel or closed. */
  write(data: Buffer): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** The next complete response frame (without its size prefix), a close, or a timeout. */
  async next(timeoutMs: number): Promise<NextFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return { kind: 'frame', frame };
      if (this.isClosed) return { kind: 'closed' };
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'timeout' };
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = undefined;
          resolve();
        }, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Waits until the broker closes the connection (discarding frames), or the timeout. */
  async waitClosed(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      const next = await this.next(Math.max(0, left));
      if (next.kind === 'closed') return true;
      if (next.kind === 'timeout') return false;
    }
  }

  /** Closes our side at once. */
  destroy(): void {
    this.socket.destroy();
    this.isClosed = true;
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private onData(data: Buffer): void {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    while (this.pending.length >= 4) {
      const size = this.pending.readInt32BE(0);
      if (size < 0 || size > MAX_RESPONSE_BYTES) {
        this.badResponseSize = size;
        this.destroy();
        break;
      }
      if (this.pending.length < 4 + size) break;
      this.frames.push(this.pending.subarray(4, 4 + size));
      this.pending = this.pending.subarray(4 + size);
    }
    this.wake();
  }
}

/** A frame with its 4-byte size prefix (the true size unless `sizePrefix` lies). */
export function withSizePrefix(frame: Buffer, sizePrefix = frame.length): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeInt32BE(sizePrefix | 0);
  return Buffer.concat([prefix, frame]);
}
