import { Socket, connect as netConnect } from 'node:net';
import { ErrorCode, KafkaError } from '../common/index.js';
import { decodeResponseFrame, encodeRequestFrame, FrameSplitter, Reader, type Init } from '../protocol/index.js';
import { Apis, type ClientApi } from './apis.js';
import { KafkaClosedError, KafkaConnectionError, KafkaTimeoutError, kafkaErrorFor } from './errors.js';

/** Settings of one broker connection. */
export interface ConnectionOptions {
  host: string;
  port: number;
  clientId: string;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxInFlight: number;
  /** Largest response frame accepted; a bigger size prefix closes the connection. */
  maxResponseBytes?: number;
}

/** Per-request options. */
export interface RequestOptions {
  /** Force a version instead of the negotiated one. */
  version?: number;
  /** Override request.timeout.ms (e.g. long-poll fetches add their max wait). */
  timeoutMs?: number;
}

interface InFlight {
  api: ClientApi<unknown, unknown>;
  version: number;
  resolve: (body: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

interface Waiting {
  send: () => void;
  reject: (err: Error) => void;
}

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;
/** Bytes one socket read can take: large responses (fetches) arrive in few reads. */
const READ_BUFFER_BYTES = 256 * 1024;
const CLIENT_SOFTWARE_NAME = 'samsa-client';
const CLIENT_SOFTWARE_VERSION = '0.1.0';

/** The version range (min, max) a broker advertises for one API. */
export interface VersionRange {
  minVersion: number;
  maxVersion: number;
}

/**
 * Picks the highest version both sides support within what the client implements, or -1.
 * Exported for tests.
 */
export function negotiateVersion(api: ClientApi<unknown, unknown>, broker: VersionRange | undefined): number {
  if (broker === undefined) return -1;
  const max = Math.min(api.maxVersion, broker.maxVersion);
  return max >= Math.max(api.minVersion, broker.minVersion) ? max : -1;
}

/**
 * One TCP connection to a broker: size-prefixed frames, requests pipelined and matched to responses
 * by correlation id, at most `maxInFlight` unanswered requests (others queue in order), a timeout per
 * request (a timeout closes the connection, as the order of later responses is then unknown), and
 * ApiVersions negotiation on connect.
 */
export class BrokerConnection {
  readonly address: string;
  private socket: Socket | null = null;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly waiting: Waiting[] = [];
  private nextCorrelationId = 1;
  private versions = new Map<number, VersionRange>();
  private closedError: Error | null = null;
  private connecting: Promise<void> | null = null;
  private corked = false;
  /** Reassembles response frames out of the reused read buffer (each copied out once). */
  private readonly frames: FrameSplitter;
  /** Called once when the connection closes, with the reason. */
  onClose: ((err: Error) => void) | null = null;

  constructor(private readonly opts: ConnectionOptions) {
    this.address = `${opts.host}:${opts.port}`;
    this.frames = new FrameSplitter(opts.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES);
  }

  /** Whether the connection is open (connected, not closed). */
  get isOpen(): boolean {
    return this.socket !== null && this.closedError === null;
  }

  /** Requests sent and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Connects and negotiates API versions; safe to call repeatedly. */
  connect(): Promise<void> {
    this.connecting ??= this.doConnect();
    return this.connecting;
  }

  private async doConnect(): Promise<void> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      // Reads land in one buffer per connection (no 64 KiB allocation per read); onData copies out what it keeps.
      const onread = {
        buffer: Buffer.allocUnsafe(READ_BUFFER_BYTES),
        callback: (bytes: number, buf: Uint8Array): boolean => {
          this.onData(buf as Buffer, bytes);
          return true;
        },
      };
      const s = netConnect({ host: this.opts.host, port: this.opts.port, noDelay: true, onread });
      const timer = setTimeout(() => {
        s.destroy();
        reject(new KafkaConnectionError(this.address, `Cannot connect to broker ${this.address}: timed out after ${this.opts.connectTimeoutMs} ms`));
      }, this.opts.connectTimeoutMs);
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new KafkaConnectionError(this.address, `Cannot connect to broker ${this.address}: ${err.code ?? err.message}`, { cause: err }));
      });
    });
    this.socket = socket;
    socket.on('error', (err: NodeJS.ErrnoException) => {
      this.fail(new KafkaConnectionError(this.address, `Connection to broker ${this.address} failed: ${err.code ?? err.message}`, { cause: err }));
    });
    socket.on('close', () => this.fail(new KafkaConnectionError(this.address, `Connection to broker ${this.address} closed`)));
    try {
      await this.negotiateVersions();
    } catch (err) {
      this.close();
      throw err;
    }
  }

  private async negotiateVersions(): Promise<void> {
    const api = Apis.ApiVersions;
    const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
    let response = await this.send(api, body, { version: api.maxVersion });
    if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
      // KIP-511: the broker answered in v0 with its own ApiVersions range; retry at a common version.
      const theirs = response.apiKeys.find((k) => k.apiKey === api.apiKey);
      const version = negotiateVersion(api, theirs);
      if (version < 0) throw new KafkaError(ErrorCode.UNSUPPORTED_VERSION, `Broker ${this.address} supports no ApiVersions version this client implements`);
      response = await this.send(api, body, { version });
    }
    if (response.errorCode !== 0) throw kafkaErrorFor(response.errorCode, `ApiVersions to ${this.address}`);
    this.versions = new Map(response.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
  }

  /** The version to use for an API with this broker, or -1 when there is none in common. */
  versionOf(api: ClientApi<unknown, unknown>): number {
    return negotiateVersion(api, this.versions.get(api.apiKey));
  }

  /** Whether the broker offers a version of `api` that the client implements. */
  supports(api: ClientApi<unknown, unknown>): boolean {
    return this.versionOf(api) >= 0;
  }

  /** Sends a request and resolves with the decoded response body. */
  async request<Req, Res>(api: ClientApi<Req, Res>, body: Init<Req>, opts: RequestOptions = {}): Promise<Res> {
    await this.connect();
    return this.send(api, body, opts);
  }

  /** Sends a request that gets no response (Produce with acks=0); resolves once written. */
  async sendOneWay<Req>(api: ClientApi<Req, unknown>, body: Init<Req>, opts: RequestOptions = {}): Promise<void> {
    await this.connect();
    if (this.closedError) throw this.closedError;
    const version = this.resolveVersion(api, opts);
    const chunks = encodeRequestFrame(api.request, version, this.takeCorrelationId(), this.opts.clientId, body);
    await new Promise<void>((resolve, reject) => this.write(chunks, (err) => (err ? reject(err) : resolve())));
  }

  private resolveVersion(api: ClientApi<unknown, unknown>, opts: RequestOptions): number {
    const version = opts.version ?? this.versionOf(api);
    if (version < 0) {
      const theirs = this.versions.get(api.apiKey);
      const range = theirs ? `${theirs.minVersion}-${theirs.maxVersion}` : 'none';
      throw new KafkaError(
        ErrorCode.UNSUPPORTED_VERSION,
        `Broker ${this.address} does not support ${api.name} in a version this client implements (broker: ${range}, client: ${api.minVersion}-${api.maxVersion})`,
      );
    }
    return version;
  }

  private takeCorrelationId(): number {
    const id = this.nextCorrelationId;
    this.nextCorrelationId = id === 0x7fffffff ? 1 : id + 1;
    return id;
  }

  private send<Req, Res>(api: ClientApi<Req, Res>, body: Init<Req>, opts: RequestOptions): Promise<Res> {
    if (this.closedError) return Promise.reject(this.closedError);
    let version: number;
    try {
      version = this.resolveVersion(api, opts);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<Res>((resolve, reject) => {
      const send = (): void => {
        const correlationId = this.takeCorrelationId();
        let frame: Buffer[];
        try {
          frame = encodeRequestFrame(api.request, version, correlationId, this.opts.clientId, body);
        } catch (err) {
          reject(err as Error);
          this.pump();
          return;
        }
        const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
        const timer = setTimeout(() => this.onTimeout(api.name, timeoutMs), timeoutMs);
        this.inFlight.set(correlationId, {
          api: api as ClientApi<unknown, unknown>,
          version,
          resolve: resolve as (b: unknown) => void,
          reject,
          timer,
        });
        this.write(frame);
      };
      if (this.inFlight.size < this.opts.maxInFlight && this.waiting.length === 0) send();
      else this.waiting.push({ send, reject });
    });
  }

  /** Writes the chunks of one frame; writes within one tick are coalesced with cork/uncork. */
  private write(chunks: Buffer[], onWritten?: (err?: Error | null) => void): void {
    const socket = this.socket!;
    if (!this.corked) {
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    for (let i = 0; i < chunks.length; i++) socket.write(chunks[i]!, i === chunks.length - 1 ? onWritten : undefined);
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlight.size < this.opts.maxInFlight && !this.closedError) {
      this.waiting.shift()!.send();
    }
  }

  private onTimeout(apiName: string, timeoutMs: number): void {
    this.fail(new KafkaTimeoutError(`${apiName} request to broker ${this.address} timed out after ${timeoutMs} ms (request.timeout.ms)`));
  }

  /**
   * Splits `chunk[0, end)` (the connection's reused read buffer) into frames. Every frame is
   * copied out (once), since the buffer is overwritten by the next read.
   */
  private onData(chunk: Buffer, end: number): void {
    const broken = this.frames.feed(chunk.subarray(0, end), (frame) => {
      if (this.closedError !== null) return false;
      this.onFrame(frame);
      return true;
    });
    if (broken !== null && this.closedError === null) this.fail(new KafkaConnectionError(this.address, `Broker ${this.address} sent a bad response: ${broken.message}`));
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const request = this.inFlight.get(correlationId);
    if (request === undefined) {
      this.fail(new KafkaConnectionError(this.address, `Broker ${this.address} answered unknown correlation id ${correlationId}`));
      return;
    }
    this.inFlight.delete(correlationId);
    clearTimeout(request.timer);
    let body: unknown;
    try {
      body = decodeResponseFrame(request.api.response, request.version, frame).body;
    } catch (err) {
      body = this.decodeFallback(request, frame, err as Error);
      if (body === undefined) return;
    }
    request.resolve(body);
    this.pump();
  }

  /** ApiVersions answers an unsupported version in v0 format (KIP-511); anything else undecodable is fatal. */
  private decodeFallback(request: InFlight, frame: Buffer, err: Error): unknown {
    if (request.api.apiKey === Apis.ApiVersions.apiKey && request.version > 0) {
      try {
        const r = new Reader(frame);
        r.int32();
        return request.api.response.decode(r, 0);
      } catch {
        // fall through
      }
    }
    request.reject(new KafkaConnectionError(this.address, `Cannot decode ${request.api.name} v${request.version} response from broker ${this.address}: ${err.message}`));
    this.fail(new KafkaConnectionError(this.address, `Connection to broker ${this.address} closed after an undecodable response`));
    return undefined;
  }

  private fail(err: Error, graceful = false): void {
    if (this.closedError !== null) return;
    this.closedError = err;
    if (graceful && this.socket) {
      // Let written requests (e.g. acks=0 produces) reach the broker before the socket goes.
      const socket = this.socket;
      socket.uncork();
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    } else {
      this.socket?.destroy();
    }
    for (const request of this.inFlight.values()) {
      clearTimeout(request.timer);
      request.reject(err);
    }
    this.inFlight.clear();
    for (const w of this.waiting.splice(0)) w.reject(err);
    this.onClose?.(err);
  }

  /** Closes the connection; pending requests fail with KafkaClosedError. */
  close(): void {
    this.fail(new KafkaClosedError(`Connection to broker ${this.address} was closed by the client`), true);
  }
}
