import { ErrorCode, KafkaError } from '../common/errors.js';
import {
  BrokerHeartbeatTracker,
  alterPartition,
  alterPartitionReassignments,
  allocateProducerIds,
  brokerHeartbeat,
  electLeaders,
  fenceBroker,
  preferredLeaderRebalance,
  registerBroker,
  type ClusterControlOptions,
  type MetadataImage,
  type MetadataRecord,
} from '../metadata/index.js';
import { ZERO_UUID } from '../protocol/index.js';
import type { Connection } from './connection.js';
import type { AlterPartitionRequest } from '../protocol/generated/alter-partition-request.js';
import type { BrokerHeartbeatRequest } from '../protocol/generated/broker-heartbeat-request.js';
import type { BrokerRegistrationRequest } from '../protocol/generated/broker-registration-request.js';

/** What the controller service needs from the node it runs on. */
export interface ControllerHost {
  readonly nodeId: number;
  readonly image: MetadataImage;
  /** Whether this node is the active controller (quorum leader, caught up). */
  isActiveController(): boolean;
  /** Appends records through the metadata quorum, exclusively; resolves once applied. */
  submit<T>(operation: () => { records: MetadataRecord[]; result: T }, options?: { publish?: boolean }): Promise<T>;
  /** unclean.leader.election.enable for a topic (its override or the broker default). */
  uncleanLeaderElection(topic: string): boolean;
  log(message: string): void;
}

/** Timing settings of the controller (Kafka's keys). */
export interface ControllerSettings {
  brokerSessionTimeoutMs: number;
  brokerHeartbeatIntervalMs: number;
  autoLeaderRebalanceEnable: boolean;
  leaderImbalanceCheckIntervalMs: number;
}

/** How often the active controller looks for expired broker sessions. */
const SESSION_CHECK_INTERVAL_MS = 100;

/**
 * The active controller's broker-facing side (Kafka's QuorumController for registration,
 * heartbeats, AlterPartition and elections): decisions are the pure operations of src/metadata,
 * made from the current image and appended through the quorum. Runs on every controller; only
 * the quorum leader serves (others answer NOT_CONTROLLER). Broker sessions are in-memory, as in
 * Kafka: a new active controller gives every live broker a fresh session.
 */
export class ControllerService {
  private readonly tracker = new BrokerHeartbeatTracker();
  private wasActive = false;
  /** A fencing or rebalance run is in progress (one at a time). */
  private busy = false;
  private lastRebalanceMs = Date.now();
  private readonly timer: NodeJS.Timeout;
  /** The connection each broker last heartbeated on (to this node as controller). */
  private readonly heartbeatConnections = new Map<number, Connection>();
  private readonly watched = new WeakSet<Connection>();

  constructor(
    private readonly host: ControllerHost,
    private readonly settings: ControllerSettings,
  ) {
    this.timer = setInterval(() => this.tick(), SESSION_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  private get options(): ClusterControlOptions {
    return { uncleanLeaderElection: (topic) => this.host.uncleanLeaderElection(topic) };
  }

  private requireActive(): void {
    if (!this.host.isActiveController()) throw new KafkaError(ErrorCode.NOT_CONTROLLER, `Node ${this.host.nodeId} is not the active controller.`);
  }

  /** BrokerRegistration: a broker (re)joins fenced; returns its new broker epoch. */
  async register(req: BrokerRegistrationRequest): Promise<{ errorCode: number; brokerEpoch: bigint }> {
    this.requireActive();
    const result = await this.host.submit(() => {
      const { records, result } = registerBroker(this.host.image, {
        brokerId: req.brokerId,
        incarnationId: req.incarnationId,
        rack: req.rack,
        endpoints: req.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port, securityProtocol: l.securityProtocol })),
      });
      return { records, result };
    });
    if (result.errorCode === ErrorCode.NONE) {
      this.tracker.touch(req.brokerId, Date.now());
      this.host.log(`Controller: broker ${req.brokerId} registered with epoch ${result.brokerEpoch}`);
    }
    return result;
  }

  /** BrokerHeartbeat: keeps the session, unfences a caught-up broker, drives controlled shutdown. */
  async heartbeat(req: BrokerHeartbeatRequest): Promise<{ errorCode: number; isCaughtUp: boolean; isFenced: boolean; shouldShutDown: boolean }> {
    this.requireActive();
    const before = this.host.image.brokers.get(req.brokerId);
    const result = await this.host.submit(() => {
      const { records, result } = brokerHeartbeat(this.host.image, this.options, {
        brokerId: req.brokerId,
        brokerEpoch: req.brokerEpoch,
        currentMetadataOffset: req.currentMetadataOffset,
        wantFence: req.wantFence,
        wantShutDown: req.wantShutDown,
      });
      return { records, result };
    });
    if (result.errorCode === ErrorCode.NONE) {
      this.tracker.touch(req.brokerId, Date.now());
      if (before?.fenced && !result.isFenced) this.host.log(`Controller: broker ${req.brokerId} is caught up and unfenced`);
    }
    return result;
  }

  /**
   * Notes the connection a broker heartbeats on. When it closes (a killed process's sockets close
   * at once), the broker must heartbeat again within two intervals or is fenced then, instead of
   * after the whole session timeout: a live broker reconnects well within that.
   */
  noteConnection(brokerId: number, connection: Connection): void {
    if (this.heartbeatConnections.get(brokerId) === connection) return;
    this.heartbeatConnections.set(brokerId, connection);
    if (this.watched.has(connection)) return;
    this.watched.add(connection);
    connection.socket.once('close', () => {
      for (const [id, c] of this.heartbeatConnections) {
        if (c !== connection) continue;
        this.heartbeatConnections.delete(id);
        const broker = this.host.image.brokers.get(id);
        if (!this.host.isActiveController() || !broker || broker.fenced) continue;
        const graceMs = 2 * this.settings.brokerHeartbeatIntervalMs + 100;
        if (graceMs >= this.settings.brokerSessionTimeoutMs) continue;
        this.tracker.touch(id, Date.now() + graceMs - this.settings.brokerSessionTimeoutMs);
        this.host.log(`Controller: the connection of broker ${id} closed; it is fenced unless it heartbeats within ${graceMs} ms`);
      }
    });
  }

  /** AlterPartition: ISR changes requested by partition leaders. */
  async alterPartition(req: AlterPartitionRequest): Promise<ReturnType<typeof alterPartition>['results']> {
    this.requireActive();
    return this.host.submit(() => {
      const { records, results } = alterPartition(this.host.image, {
        brokerId: req.brokerId,
        brokerEpoch: req.brokerEpoch,
        topics: req.topics.map((t) => ({
          topicId: t.topicId !== ZERO_UUID ? t.topicId : (this.host.image.topic(t.topicName)?.topicId ?? t.topicId),
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            leaderEpoch: p.leaderEpoch,
            newIsr: p.newIsrWithEpochs.length > 0 ? p.newIsrWithEpochs.map((b) => b.brokerId) : p.newIsr,
            partitionEpoch: p.partitionEpoch,
          })),
        })),
      });
      return { records, result: results };
    });
  }

  /** AllocateProducerIds: the next block of producer ids for a broker. */
  async allocateProducerIds(brokerId: number, brokerEpoch: bigint, blockSize: number): Promise<bigint> {
    this.requireActive();
    return this.host.submit(() => {
      const { records, firstProducerId } = allocateProducerIds({ image: this.host.image }, brokerId, brokerEpoch, blockSize);
      return { records, result: firstProducerId };
    });
  }

  /** ElectLeaders (0 = preferred, 1 = unclean). */
  async electLeaders(electionType: 0 | 1, partitions: { topic: string; partitions: number[] }[] | null): Promise<ReturnType<typeof electLeaders>['results']> {
    this.requireActive();
    return this.host.submit(() => {
      const { records, results } = electLeaders(this.host.image, this.options, electionType, partitions);
      return { records, result: results };
    }, { publish: true });
  }

  /** AlterPartitionReassignments. */
  async alterReassignments(topics: { name: string; partitions: { partitionIndex: number; replicas: number[] | null }[] }[]): Promise<ReturnType<typeof alterPartitionReassignments>['results']> {
    this.requireActive();
    return this.host.submit(() => {
      const { records, results } = alterPartitionReassignments(this.host.image, topics);
      return { records, result: results };
    }, { publish: true });
  }

  private tick(): void {
    const active = this.host.isActiveController();
    const now = Date.now();
    if (active && !this.wasActive) {
      // A new active controller: every live broker starts a fresh session (Kafka gives a whole
      // session; live brokers learn of the new controller from the quorum at once and heartbeat
      // within an interval, so three intervals are plenty and a dead one is fenced sooner).
      const graceMs = Math.min(this.settings.brokerSessionTimeoutMs, 3 * this.settings.brokerHeartbeatIntervalMs + 100);
      for (const b of this.host.image.brokers.values()) if (!b.fenced) this.tracker.touch(b.brokerId, now + graceMs - this.settings.brokerSessionTimeoutMs);
      this.lastRebalanceMs = now;
      this.host.log(`Controller: node ${this.host.nodeId} is the active controller`);
    }
    this.wasActive = active;
    if (!active || this.busy) return;
    const expired = this.tracker
      .expired(now, this.settings.brokerSessionTimeoutMs)
      .filter((id) => {
        const b = this.host.image.brokers.get(id);
        return b !== undefined && !b.fenced;
      });
    if (expired.length > 0) {
      this.busy = true;
      void this.fence(expired).finally(() => (this.busy = false));
      return;
    }
    if (this.settings.autoLeaderRebalanceEnable && now - this.lastRebalanceMs >= this.settings.leaderImbalanceCheckIntervalMs) {
      this.lastRebalanceMs = now;
      this.busy = true;
      void this.host
        .submit(() => ({ records: preferredLeaderRebalance(this.host.image), result: undefined }))
        .catch((e: Error) => this.host.log(`WARN: Controller: preferred leader rebalance failed: ${e.message}`))
        .finally(() => (this.busy = false));
    }
  }

  private async fence(brokerIds: number[]): Promise<void> {
    for (const id of brokerIds) {
      this.host.log(`Controller: fencing broker ${id}: no heartbeat for ${this.settings.brokerSessionTimeoutMs} ms (broker.session.timeout.ms)`);
      try {
        await this.host.submit(() => ({ records: fenceBroker(this.host.image, this.options, id), result: undefined }));
        this.tracker.forget(id);
      } catch (e) {
        this.host.log(`WARN: Controller: fencing broker ${id} failed: ${(e as Error).message}`);
        return;
      }
    }
  }

  /** Stops the session timer. */
  close(): void {
    clearInterval(this.timer);
  }
}
