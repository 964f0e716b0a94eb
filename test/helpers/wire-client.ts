/**
 * A minimal Kafka wire client for broker tests: sends generated requests at chosen versions over
 * one socket (pipelined, matched by correlation id) and decodes the responses. Also sends raw
 * frames for malformed-input tests.
 */
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame, type Init, type MessageCodec } from '../../src/protocol/index.js';

interface Pending {
  codec: MessageCodec<unknown>;
  version: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** One connection to a broker. */
export class WireClient {
  private buffer: Buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, Pending>();
  private correlationId = 1;
  private closedError: Error | null = null;
  /** Resolves when the broker closes the connection. */
  readonly closed: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) => this.onData(d));
    this.closed = new Promise((resolve) => {
      socket.on('close', () => {
        this.closedError ??= new Error('connection closed by broker');
        for (const p of this.pending.values()) p.reject(this.closedError);
        this.pending.clear();
        resolve();
      });
    });
    socket.on('error', (e) => (this.closedError = e));
  }

  /** Connects to `host:port`. */
  static connect(bootstrap: string): Promise<WireClient> {
    const [host, port] = bootstrap.split(':') as [string, string];
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port: Number(port) }, () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a request and resolves to the decoded response body. */
  send<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, version: number, body: Init<Req>, clientId = 'wire-test'): Promise<Res> {
    const id = this.correlationId++;
    const frame = encodeRequestFrame(request, version, id, clientId, body);
    const promise = new Promise<Res>((resolve, reject) => {
      this.pending.set(id, { codec: response as MessageCodec<unknown>, version, resolve: resolve as (v: unknown) => void, reject });
    });
    for (const chunk of frame) this.socket.write(chunk);
    return promise;
  }

  /** Sends a request whose response never comes (Produce acks=0). */
  sendNoResponse<Req>(request: MessageCodec<Req>, version: number, body: Init<Req>): void {
    for (const chunk of encodeRequestFrame(request, version, this.correlationId++, 'wire-test', body)) this.socket.write(chunk);
  }

  /** Writes raw bytes. */
  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves to the next raw response frame (size prefix removed) for an expected correlation id. */
  expectRaw(correlationId: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      this.pending.set(correlationId, { codec: RAW, version: 0, resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private onData(data: Buffer): void {
    this.buffer = this.buffer.length === 0 ? data : Buffer.concat([this.buffer, data]);
    while (this.buffer.length >= 4) {
      const size = this.buffer.readInt32BE(0);
      if (this.buffer.length < 4 + size) return;
      const frame = this.buffer.subarray(4, 4 + size);
      this.buffer = this.buffer.subarray(4 + size);
      const id = frame.readInt32BE(0);
      const p = this.pending.get(id);
      if (!p) continue;
      this.pending.delete(id);
      if (p.codec === RAW) p.resolve(Buffer.from(frame));
      else {
        try {
          p.resolve(decodeResponseFrame(p.codec, p.version, frame).body);
        } catch (e) {
          p.reject(e as Error);
        }
      }
    }
  }

  /** Closes the connection. */
  close(): void {
    this.socket.destroy();
  }

  /** Stops reading responses (they back up into the broker), until `resume`. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }
}

const RAW = { name: 'raw' } as unknown as MessageCodec<unknown>;
