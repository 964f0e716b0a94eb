import { ErrorCode, KafkaError } from '../common/errors.js';
import type { Init, MessageCodec } from '../protocol/index.js';
import { NodeClient } from './net/node-client.js';
import type { QuorumVoter } from './quorum/index.js';

/** How long a broker keeps trying to reach an active controller for a client's admin request (an election in progress). */
export const ADMIN_RETRY_MS = 10_000;
/** Pause between attempts while the controller is missing or unreachable. */
const RETRY_BACKOFF_MS = 100;

/**
 * This node's way to the active controller (Kafka's NodeToControllerChannelManager): requests go
 * to the controller listener of the current quorum leader over one connection per voter;
 * `forward` relays a client's admin request frame unchanged. When this node is itself the active
 * controller, callers use the controller service directly instead.
 */
export class ControllerChannel {
  private readonly clients = new Map<number, NodeClient>();

  constructor(
    private readonly nodeId: number,
    private readonly voters: readonly QuorumVoter[],
    private readonly leaderId: () => number | null,
    private readonly requestTimeoutMs: number,
  ) {}

  /** The active controller's id, or throws NOT_CONTROLLER with a reason a person can act on. */
  activeController(): number {
    const leader = this.leaderId();
    if (leader === null || leader < 0) {
      throw new KafkaError(ErrorCode.NOT_CONTROLLER, `No active controller: the metadata quorum (voters ${this.voters.map((v) => v.id).join(',')}) has no leader; a majority of controllers must be running.`);
    }
    return leader;
  }

  private client(id: number): NodeClient {
    let client = this.clients.get(id);
    if (!client) {
      const voter = this.voters.find((v) => v.id === id);
      if (!voter) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `The quorum leader ${id} is not among controller.quorum.voters.`);
      client = new NodeClient(voter.host, voter.port, `samsa-node-${this.nodeId}-to-controller`, this.requestTimeoutMs);
      this.clients.set(id, client);
    }
    return client;
  }

  /**
   * Sends a request to the active controller. With `retryMs`, a missing or unreachable controller
   * is retried (re-resolving the quorum leader every 100 ms) until that much time has passed:
   * admin requests ride out a controller election as Kafka's forwarding does.
   */
  async request<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, version: number, body: Init<Req>, retryMs = 0): Promise<Res> {
    return this.withRetry(retryMs, (id) => this.client(id).request(request, response, version, body));
  }

  private async withRetry<T>(retryMs: number, send: (controllerId: number) => Promise<T>): Promise<T> {
    const deadline = Date.now() + retryMs;
    for (;;) {
      let id = -1;
      try {
        id = this.activeController();
        return await send(id);
      } catch (error) {
        const retriable = error instanceof KafkaError && (error.code === ErrorCode.NOT_CONTROLLER || error.code === ErrorCode.NETWORK_EXCEPTION);
        if (!retriable || Date.now() + RETRY_BACKOFF_MS > deadline) throw id >= 0 ? this.explain(id, error) : error;
        await new Promise((r) => setTimeout(r, RETRY_BACKOFF_MS));
      }
    }
  }

  /** An unreachable controller, said so that an operator knows what is wrong. */
  private explain(id: number, error: unknown): unknown {
    if (!(error instanceof KafkaError) || (error.code !== ErrorCode.NETWORK_EXCEPTION && error.code !== ErrorCode.REQUEST_TIMED_OUT)) return error;
    const majority = Math.floor(this.voters.length / 2) + 1;
    return new KafkaError(error.code, `the last known active controller, node ${id}, is unreachable (${error.message}); a new one is elected once ${majority} of the ${this.voters.length} controllers (${this.voters.map((v) => v.id).join(',')}) can reach each other.`);
  }

  /** Relays a client's request frame (no size prefix) to the active controller; resolves with the response chunks. */
  async forward(frame: Buffer, retryMs = 0): Promise<Buffer[]> {
    const response = await this.withRetry(retryMs, (id) => this.client(id).forward(frame));
    const size = Buffer.allocUnsafe(4);
    size.writeInt32BE(response.length, 0);
    return [size, response];
  }

  /** Closes every connection. */
  close(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
