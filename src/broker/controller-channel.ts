import { ErrorCode, KafkaError } from '../common/errors.js';
import type { Init, MessageCodec } from '../protocol/index.js';
import { NodeClient } from './net/node-client.js';
import type { QuorumVoter } from './quorum/index.js';

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

  /** Sends a request to the active controller. */
  async request<Req, Res>(request: MessageCodec<Req>, response: MessageCodec<Res>, version: number, body: Init<Req>): Promise<Res> {
    const id = this.activeController();
    try {
      return await this.client(id).request(request, response, version, body);
    } catch (error) {
      throw this.explain(id, error);
    }
  }

  /** An unreachable controller, said so that an operator knows what is wrong. */
  private explain(id: number, error: unknown): unknown {
    if (!(error instanceof KafkaError) || (error.code !== ErrorCode.NETWORK_EXCEPTION && error.code !== ErrorCode.REQUEST_TIMED_OUT)) return error;
    const majority = Math.floor(this.voters.length / 2) + 1;
    return new KafkaError(error.code, `the last known active controller, node ${id}, is unreachable (${error.message}); a new one is elected once ${majority} of the ${this.voters.length} controllers (${this.voters.map((v) => v.id).join(',')}) can reach each other.`);
  }

  /** Relays a client's request frame (no size prefix) to the active controller; resolves with the response chunks. */
  async forward(frame: Buffer): Promise<Buffer[]> {
    const id = this.activeController();
    let response: Buffer;
    try {
      response = await this.client(id).forward(frame);
    } catch (error) {
      throw this.explain(id, error);
    }
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
