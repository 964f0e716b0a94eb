import type { Socket } from 'node:net';

/** Limits applied to one client connection. */
export interface ConnectionLimits {
  /** socket.request.max.bytes: largest request frame accepted, checked before allocating. */
  maxRequestBytes: number;
  /** Requests read but not yet answered before the socket stops being read. */
  maxQueuedRequests: number;
  /** Bytes of requests read but not yet handled before the socket stops being read. */
  maxQueuedBytes: number;
}

/** Something whose deferred writes must reach the file before a response that depends on them leaves. */
export interface PendingWrites {
  /** Writes what is pending; throws if it cannot (the responses must then not be sent). */
  writePending(): void;
}

/**
 * Handles one request frame (without its size prefix): the response chunks, or null for none;
 * synchronously when it can, else as a promise.
 */
export type FrameHandler = (frame: Buffer, connection: Connection) => Buffer[] | null | Promise<Buffer[] | null>;

let nextConnectionId = 0;

/**
 * One client connection: splits the byte stream into size-prefixed frames, handles them one at
 * a time in arrival order (as Kafka does, so pipelined requests keep their order), writes
 * responses in order, and applies backpressure when too many requests are queued or the socket
 * cannot keep up.
 */
export class Connection {
  readonly id = ++nextConnectionId;
  readonly remoteAddress: string;
  private readonly chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Buffer[] = [];
  private queuedBytes = 0;
  private processing = false;
  private corked = false;
  private uncorkScheduled = false;
  private readonly afterWrite: (() => void)[] = [];
  private readonly toWrite = new Set<PendingWrites>();
  private closed = false;

  constructor(
    readonly socket: Socket,
    readonly listenerName: string,
    private readonly limits: ConnectionLimits,
    private readonly handler: FrameHandler,
    private readonly log: (message: string) => void,
  ) {
    this.remoteAddress = socket.remoteAddress ?? 'unknown';
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.onData(data));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
    socket.on('drain', () => this.maybeResume());
  }

  /**
   * Runs `hook` once the response to the request being handled has been handed to the kernel (at
   * once if it has no response; never if the connection closes first). The fetch path returns
   * the memory its response is made of this way.
   */
  afterResponse(hook: () => void): void {
    this.afterWrite.push(hook);
  }

  /**
   * Registers deferred writes (a partition log's appends) that must reach the file before the
   * response being prepared leaves: the responses of one socket read go out together, so the
   * appends they acknowledge are written together too, with one vectored write per log. Should
   * writing fail, the connection closes and those responses are never sent.
   */
  beforeSend(writes: PendingWrites): void {
    this.toWrite.add(writes);
    this.scheduleTurn();
  }

  /** Whether the connection has been closed. */
  get isClosed(): boolean {
    return this.closed;
  }

  private onData(data: Buffer): void {
    try {
      this.readFrames(data);
    } catch (error) {
      this.log(`closing connection from ${this.remoteAddress}: ${(error as Error).message}`);
      this.close();
    }
  }

  private readFrames(data: Buffer): void {
    this.chunks.push(data);
    this.buffered += data.length;
    while (!this.closed && this.buffered >= 4) {
      const size = this.peekInt32();
      if (size < 0 || size > this.limits.maxRequestBytes) {
        this.log(
          `closing connection from ${this.remoteAddress}: request size ${size} is outside 0..${this.limits.maxRequestBytes} (socket.request.max.bytes)`,
        );
        this.close();
        return;
      }
      if (this.buffered < 4 + size) break;
      this.take(4);
      const frame = this.take(size);
      this.queue.push(frame);
      this.queuedBytes += frame.length;
    }
    if (this.isBacklogged()) this.socket.pause();
    void this.drainQueue();
  }

  private isBacklogged(): boolean {
    return this.queue.length >= this.limits.maxQueuedRequests || this.queuedBytes >= this.limits.maxQueuedBytes;
  }

  private peekInt32(): number {
    const first = this.chunks[0]!;
    if (first.length >= 4) return first.readInt32BE(0);
    return this.concatPrefix(4).readInt32BE(0);
  }

  private concatPrefix(n: number): Buffer {
    const merged = Buffer.concat(this.chunks, this.buffered);
    this.chunks.length = 0;
    this.chunks.push(merged);
    return merged.subarray(0, n);
  }

  /** Removes and returns the next n buffered bytes, without copying when they lie in one chunk. */
  private take(n: number): Buffer {
    if (n === 0) return EMPTY;
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length === n) return this.chunks.shift()!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const chunk = this.chunks[0]!;
      const part = Math.min(chunk.length, n - filled);
      chunk.copy(out, filled, 0, part);
      filled += part;
      if (part === chunk.length) this.chunks.shift();
      else this.chunks[0] = chunk.subarray(part);
    }
    return out;
  }

  private async drainQueue(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const frame = this.queue.shift()!;
        this.queuedBytes -= frame.length;
        let response = this.handler(frame, this);
        if (response instanceof Promise) response = await response;
        const hooks = this.afterWrite.length > 0 ? this.afterWrite.splice(0) : null;
        if (this.closed) continue;
        if (response === null) {
          if (hooks) for (const hook of hooks) hook();
          continue;
        }
        this.write(response, hooks);
      }
      // Requests without a response (acks=0) leave deferred appends too.
      if (!this.closed) this.uncork();
    } catch (error) {
      this.log(`closing connection from ${this.remoteAddress}: ${(error as Error).message}`);
      this.close();
    } finally {
      this.processing = false;
      this.maybeResume();
    }
  }

  /**
   * Writes a response. Responses to requests that arrived together (one socket read) leave in a
   * single vectored write: the socket stays corked while more of them wait in the queue and is
   * uncorked after the last, so the client gets its answers while the next read is handled
   * instead of after the whole burst. Should a handler keep the queue waiting (a long-polling
   * fetch), the turn of the event loop uncorks it.
   */
  private write(response: Buffer[], hooks: (() => void)[] | null): void {
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      this.scheduleTurn();
    }
    const last = response.length - 1;
    for (let i = 0; i < last; i++) this.socket.write(response[i]!);
    // Writes complete in order: once the last chunk is written the whole response is with the kernel.
    this.socket.write(response[last]!, hooks === null ? undefined : (error) => {
      if (!error) for (const hook of hooks) hook();
    });
    if (this.queue.length === 0) this.uncork();
  }

  private scheduleTurn(): void {
    if (this.uncorkScheduled) return;
    this.uncorkScheduled = true;
    setImmediate(this.uncorkOnTurn);
  }

  private readonly uncorkOnTurn = (): void => {
    this.uncorkScheduled = false;
    this.uncork();
  };

  /** Sends the corked responses, after writing the appends they acknowledge. */
  private uncork(): void {
    if (this.toWrite.size > 0) {
      try {
        for (const writes of this.toWrite) writes.writePending();
      } catch (error) {
        this.log(`closing connection from ${this.remoteAddress}: appends it was to acknowledge could not be written: ${(error as Error).message}`);
        this.close();
        return;
      } finally {
        this.toWrite.clear();
      }
    }
    if (!this.corked) return;
    this.corked = false;
    if (!this.socket.destroyed) this.socket.uncork();
  }

  private maybeResume(): void {
    if (this.closed) return;
    if (!this.isBacklogged() && this.socket.writableLength < WRITE_HIGH_WATER_BYTES) {
      this.socket.resume();
    } else if (this.socket.writableLength >= WRITE_HIGH_WATER_BYTES) {
      this.socket.pause();
    }
  }

  /** Closes the connection, dropping queued requests. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.chunks.length = 0;
    this.afterWrite.length = 0;
    this.toWrite.clear();
    this.socket.destroy();
  }
}

const EMPTY = Buffer.alloc(0);

/** Stop reading new requests while this many response bytes wait in the socket. */
const WRITE_HIGH_WATER_BYTES = 64 * 1024 * 1024;
