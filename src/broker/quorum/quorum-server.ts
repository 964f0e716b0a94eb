// A minimal controller listener: accepts connections and frames requests with the broker's
// Connection (size-prefixed frames, in-order handling, backpressure), handing each frame to the
// driver. The broker can instead route the same frames from its own CONTROLLER listener.
import { createServer, type Server } from 'node:net';
import { Connection, type FrameHandler } from '../connection.js';

/** Per-connection limits of the controller listener. */
const LIMITS = { maxRequestBytes: 8 * 1024 * 1024, maxQueuedRequests: 64, maxQueuedBytes: 16 * 1024 * 1024 };
/** Connections accepted at once (voters open one each; the rest are tools). */
const MAX_CONNECTIONS = 256;

/** A listening controller endpoint. */
export class QuorumServer {
  private readonly connections = new Set<Connection>();

  private constructor(private readonly server: Server) {}

  /** Listens on host:port (port 0 picks a free one) and serves frames with `handler`. */
  static async listen(host: string, port: number, handler: FrameHandler, log: (message: string) => void): Promise<QuorumServer> {
    const server = createServer();
    const qs = new QuorumServer(server);
    server.on('connection', (socket) => {
      if (qs.connections.size >= MAX_CONNECTIONS) {
        log(`refusing a controller connection from ${socket.remoteAddress}: ${MAX_CONNECTIONS} are open`);
        socket.destroy();
        return;
      }
      const connection = new Connection(socket, 'CONTROLLER', LIMITS, handler, log);
      qs.connections.add(connection);
      socket.on('close', () => qs.connections.delete(connection));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return qs;
  }

  /** The bound port. */
  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Stops accepting and closes every connection. */
  close(): void {
    this.server.close();
    for (const c of this.connections) c.close();
    this.connections.clear();
  }
}
