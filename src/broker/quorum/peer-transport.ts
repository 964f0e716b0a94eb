// Outbound connections from one voter to the others: one TCP connection per peer, opened on first
// use, reconnected with exponential backoff, a bounded number of requests in flight. Requests are
// Kafka request frames; responses are matched by correlation id and handed back decoded. A request
// that cannot be sent, or whose connection drops, fails at once with an error code, so the raft
// node backs off and retries instead of waiting for its request timeout.
import { Socket, connect } from 'node:net';
import { ErrorCode } from '../../common/index.js';
import { FrameSplitter, decodeResponseFrame, encodeRequestFrame } from '../../protocol/index.js';
import { QUORUM_CODECS, type RaftRequestMessage, type WireRequest } from './quorum-wire.js';

/** A voter's controller endpoint. */
export interface PeerEndpoint {
  id: number;
  host: string;
  port: number;
}

/** Options of the transport; times in ms. */
export interface PeerTransportOptions {
  clientId: string;
  peers: readonly PeerEndpoint[];
  /** A request unanswered this long closes its connection (Kafka's NetworkClient does the same). */
  requestTimeoutMs: number;
  reconnectBackoffMs: number;
  reconnectBackoffMaxMs: number;
  /** Requests written or waiting for the connection, per peer. */
  maxInflightPerPeer: number;
  /** Largest response frame accepted, checked before allocating. */
  maxResponseBytes: number;
  /** A decoded response body to `request`. */
  onResponse: (request: RaftRequestMessage, body: unknown) => void;
  /** `request` failed without a response (not sent, disconnected, timed out). */
  onFailure: (request: RaftRequestMessage, errorCode: number) => void;
  log: (message: string) => void;
  now: () => number;
}

interface Inflight {
  request: RaftRequestMessage;
  apiKey: number;
  version: number;
  sentMs: number;
}

type State = 'idle' | 'connecting' | 'connected' | 'backoff';

/** One peer's connection. */
class PeerConnection {
  private state: State = 'idle';
  private socket: Socket | null = null;
  private readonly inflight = new Map<number, Inflight>();
  /** Frames waiting for the connection to open, in order. */
  private queued: { correlationId: number; frame: Buffer[] }[] = [];
  private nextCorrelationId = 0;
  private backoffMs: number;
  private retryAtMs = 0;
  private readonly frames: FrameSplitter;

  constructor(private readonly peer: PeerEndpoint, private readonly options: PeerTransportOptions) {
    this.frames = new FrameSplitter(options.maxResponseBytes);
    this.backoffMs = options.reconnectBackoffMs;
  }

  send(request: RaftRequestMessage, wire: WireRequest): void {
    const now = this.options.now();
    if (this.state === 'backoff' && now >= this.retryAtMs) this.state = 'idle';
    if (this.state === 'backoff' || this.inflight.size >= this.options.maxInflightPerPeer) {
      this.options.onFailure(request, ErrorCode.BROKER_NOT_AVAILABLE);
      return;
    }
    const codecs = QUORUM_CODECS.get(wire.apiKey)!;
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const frame = encodeRequestFrame(codecs.request, wire.version, correlationId, this.options.clientId, wire.body);
    this.inflight.set(correlationId, { request, apiKey: wire.apiKey, version: wire.version, sentMs: now });
    if (this.state === 'connected') {
      this.write(frame);
      return;
    }
    this.queued.push({ correlationId, frame });
    if (this.state === 'idle') this.open();
  }

  /** Closes the connection when its oldest request is older than the request timeout. */
  expire(nowMs: number): void {
    const oldest = this.inflight.values().next().value; // insertion order: the first is the oldest
    if (!oldest || nowMs - oldest.sentMs < this.options.requestTimeoutMs) return;
    this.options.log(`request ${oldest.request.type} to node ${this.peer.id} timed out after ${this.options.requestTimeoutMs} ms; reconnecting`);
    this.disconnect(ErrorCode.REQUEST_TIMED_OUT, true);
  }

  close(): void {
    this.disconnect(ErrorCode.BROKER_NOT_AVAILABLE, false, false);
  }

  private open(): void {
    this.state = 'connecting';
    const socket = connect({ host: this.peer.host, port: this.peer.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      if (this.socket !== socket) return;
      this.state = 'connected';
      this.backoffMs = this.options.reconnectBackoffMs;
      const queued = this.queued;
      this.queued = [];
      for (const q of queued) if (this.inflight.has(q.correlationId)) this.write(q.frame);
    });
    socket.on('data', (data: Buffer) => {
      if (this.socket !== socket) return;
      try {
        this.onData(data);
      } catch (err) {
        this.options.log(`bad response from node ${this.peer.id}: ${(err as Error).message}; reconnecting`);
        this.disconnect(ErrorCode.NETWORK_EXCEPTION, true);
      }
    });
    socket.on('error', () => undefined); // 'close' follows
    socket.on('close', () => {
      if (this.socket === socket) this.disconnect(ErrorCode.NETWORK_EXCEPTION, true);
    });
  }

  private write(frame: Buffer[]): void {
    const socket = this.socket!;
    socket.cork();
    for (const chunk of frame) socket.write(chunk);
    socket.uncork();
  }

  /** Drops the connection and fails every request on it; `backoff` delays the next connection. */
  private disconnect(errorCode: number, backoff: boolean, notify = true): void {
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.frames.reset();
    this.queued = [];
    const failed = [...this.inflight.values()];
    this.inflight.clear();
    if (backoff) {
      this.state = 'backoff';
      this.retryAtMs = this.options.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, this.options.reconnectBackoffMaxMs);
    } else {
      this.state = 'idle';
    }
    if (notify) for (const inf of failed) this.options.onFailure(inf.request, errorCode);
  }

  private onData(data: Buffer): void {
    const broken = this.frames.feed(data, (frame) => {
      this.onFrame(frame);
      return this.socket !== null;
    });
    if (broken !== null) throw broken;
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const inf = this.inflight.get(correlationId);
    if (!inf) throw new Error(`response with unknown correlation id ${correlationId}`);
    this.inflight.delete(correlationId);
    const { body } = decodeResponseFrame(QUORUM_CODECS.get(inf.apiKey)!.response, inf.version, frame);
    this.options.onResponse(inf.request, body);
  }
}

/** The outbound side of the quorum: one connection per peer. */
export class PeerTransport {
  private readonly peers = new Map<number, PeerConnection>();
  private closed = false;

  constructor(private readonly options: PeerTransportOptions) {
    for (const peer of options.peers) this.peers.set(peer.id, new PeerConnection(peer, options));
  }

  /** Sends a raft request to its peer (`request.to`); failures come back through onFailure. */
  send(request: RaftRequestMessage, wire: WireRequest): void {
    const peer = this.peers.get(request.to);
    if (this.closed || !peer) {
      this.options.onFailure(request, ErrorCode.BROKER_NOT_AVAILABLE);
      return;
    }
    peer.send(request, wire);
  }

  /** Enforces the request timeout; call periodically. */
  expire(nowMs: number): void {
    for (const peer of this.peers.values()) peer.expire(nowMs);
  }

  /** Closes every connection; outstanding requests are dropped silently. */
  close(): void {
    this.closed = true;
    for (const peer of this.peers.values()) peer.close();
  }
}

