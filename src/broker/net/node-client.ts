// An outbound Kafka connection from this node to another one: the controller channel and the
// replica fetchers use it. One TCP connection, opened on first use, requests matched to responses
// by correlation id, each bounded by a timeout; a failed connection fails every request on it at
// once so that callers retry (with their own backoff) instead of hanging.
import { Socket, connect } from 'node:net';
import { ErrorCode, KafkaError } from '../../common/errors.js';
import { FrameSplitter, decodeResponseFrame, encodeRequestFrame, type Init, type MessageCodec } from '../../protocol/index.js';

/** Largest response frame accepted (a replica fetch answers at most replica.fetch.response.max.bytes). */
const MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Largest response assembled in reused memory (larger ones get buffers of their own). */
const REUSED_RESPONSE_MAX_BYTES = 64 * 1024 * 1024;
/** Bytes of the read buffer each outbound connection reuses for its socket reads. */
const READ_BUFFER_BYTES = 256 * 1024;

interface Pending {
  resolve: (frame: Buffer) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** A connection failure or timeout, as a retriable Kafka error. */
export class NodeUnreachableError extends KafkaError {
  constructor(message: string) {
    super(ErrorCode.NETWORK_EXCEPTION, message);
  }
}

/** A request/response connection to one host:port. */
export class NodeClient {
  private socket: Socket | null = null;
  private connecting: Promise<Socket> | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextCorrelationId = 1;
  private readonly frames: FrameSplitter;
  private closed = false;
  /** The reused response buffer (see `reuseResponseMemory`), and whether a response holds it. */
  private responseMemory: Buffer | null = null;
  private responseMemoryHeld = false;

  /**
   * With `reuseResponseMemory`, a response is only valid until the caller sends its next request
   * on this client: responses up to REUSED_RESPONSE_MAX_BYTES are assembled in one buffer reused
   * from response to response (the replica fetcher, which appends each fetched run before it asks
   * for the next, spares the collector a megabyte per fetch). Responses that arrive while an
   * earlier one still holds it get buffers of their own.
   */
  constructor(
    readonly host: string,
    readonly port: number,
    private readonly clientId: string,
    private readonly requestTimeoutMs: number,
    options: { reuseResponseMemory?: boolean } = {},
  ) {
    this.frames = new FrameSplitter(MAX_RESPONSE_BYTES, options.reuseResponseMemory ? (size) => this.responseBuffer(size) : Buffer.allocUnsafe);
  }

  private responseBuffer(size: number): Buffer {
    if (this.responseMemoryHeld || size > REUSED_RESPONSE_MAX_BYTES) return Buffer.allocUnsafe(size);
    if (this.responseMemory === null || this.responseMemory.length < size) this.responseMemory = Buffer.allocUnsafeSlow(Math.max(size, 64 * 1024));
    this.responseMemoryHeld = true;
    return this.responseMemory.subarray(0, size);
  }

  /** Sends a request and resolves with the decoded response body. */
  async request<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, version: number, body: Init<Req>, timeoutMs = this.requestTimeoutMs): Promise<Res> {
    const correlationId = this.nextCorrelationId++;
    const frame = encodeRequestFrame(request, version, correlationId, this.clientId, body);
    const raw = await this.send(correlationId, frame, timeoutMs);
    return decodeResponseFrame(response, version, raw).body;
  }

  /**
   * Sends a request frame as received from a client (without its size prefix) under a fresh
   * correlation id and resolves with the response frame (without size prefix), correlation id
   * restored to the original: request forwarding to the active controller.
   */
  async forward(frame: Buffer, timeoutMs = this.requestTimeoutMs): Promise<Buffer> {
    const original = frame.readInt32BE(4);
    const correlationId = this.nextCorrelationId++;
    const copy = Buffer.allocUnsafe(4 + frame.length);
    copy.writeInt32BE(frame.length, 0);
    frame.copy(copy, 4);
    copy.writeInt32BE(correlationId, 8);
    const response = await this.send(correlationId, [copy], timeoutMs);
    response.writeInt32BE(original, 0);
    return response;
  }

  private async send(correlationId: number, frame: Buffer[], timeoutMs: number): Promise<Buffer> {
    if (this.closed) throw new NodeUnreachableError(`connection to ${this.host}:${this.port} is closed`);
    // Sending a request releases the previous response's memory (reuseResponseMemory).
    this.responseMemoryHeld = false;
    const socket = await this.connect();
    return new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new KafkaError(ErrorCode.REQUEST_TIMED_OUT, `no response from ${this.host}:${this.port} within ${timeoutMs} ms`));
        // A lost response leaves the stream in an unknown state: start over.
        this.disconnect(new NodeUnreachableError(`request to ${this.host}:${this.port} timed out`));
      }, timeoutMs);
      timer.unref();
      this.pending.set(correlationId, { resolve, reject, timer });
      socket.cork();
      for (const chunk of frame) socket.write(chunk);
      socket.uncork();
    });
  }

  private connect(): Promise<Socket> {
    if (this.socket) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      // One read buffer per connection, reused for every socket read: the frame splitter copies
      // each response into a buffer of its own size (no 64 KiB allocation per read to collect).
      const onread = {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (bytes: number, buf: Uint8Array): boolean => {
          this.onData(buf as Buffer, bytes);
          return true;
        },
      };
      const socket = connect({ host: this.host, port: this.port, onread });
      socket.setNoDelay(true);
      const onError = (error: Error): void => {
        this.connecting = null;
        socket.destroy();
        reject(new NodeUnreachableError(`cannot connect to ${this.host}:${this.port}: ${error.message}`));
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        this.socket = socket;
        this.connecting = null;
        socket.on('error', (e) => this.disconnect(new NodeUnreachableError(`connection to ${this.host}:${this.port} failed: ${e.message}`)));
        socket.on('close', () => this.disconnect(new NodeUnreachableError(`connection to ${this.host}:${this.port} closed`)));
        if (this.closed) {
          socket.destroy();
          reject(new NodeUnreachableError('closed'));
          return;
        }
        resolve(socket);
      });
    });
    return this.connecting;
  }

  private onData(buffer: Buffer, length: number): void {
    const broken = this.frames.feed(buffer.subarray(0, length), (frame) => {
      const correlationId = frame.readInt32BE(0);
      const pending = this.pending.get(correlationId);
      if (pending) {
        this.pending.delete(correlationId);
        clearTimeout(pending.timer);
        pending.resolve(frame);
      }
      return true;
    });
    if (broken !== null) this.disconnect(new NodeUnreachableError(`bad response from ${this.host}:${this.port}: ${broken.message}`));
  }

  private disconnect(error: Error): void {
    const socket = this.socket;
    this.socket = null;
    this.frames.reset();
    socket?.destroy();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(error);
    }
  }

  /** Closes the connection; pending requests fail. */
  close(): void {
    this.closed = true;
    this.disconnect(new NodeUnreachableError(`connection to ${this.host}:${this.port} closed`));
  }
}
