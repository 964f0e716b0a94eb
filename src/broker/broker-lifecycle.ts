import { randomBytes } from 'node:crypto';
import { ErrorCode, KafkaError } from '../common/errors.js';
import { AllocateProducerIdsRequest } from '../protocol/generated/allocate-producer-ids-request.js';
import { AllocateProducerIdsResponse } from '../protocol/generated/allocate-producer-ids-response.js';
import { BrokerHeartbeatRequest } from '../protocol/generated/broker-heartbeat-request.js';
import { BrokerHeartbeatResponse } from '../protocol/generated/broker-heartbeat-response.js';
import { BrokerRegistrationRequest } from '../protocol/generated/broker-registration-request.js';
import { BrokerRegistrationResponse } from '../protocol/generated/broker-registration-response.js';
import type { Init } from '../protocol/index.js';
import type { ControllerChannel } from './controller-channel.js';
import type { ControllerService } from './controller-service.js';

/** Producer ids handed out per block persisted in the metadata log. */
export const PRODUCER_ID_BLOCK_SIZE = 1000;

/** What the lifecycle needs from its node. */
export interface LifecycleHost {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The offset of the last metadata record this node applied. */
  metadataOffset(): bigint;
  isActiveController(): boolean;
  readonly controller: ControllerService;
  readonly channel: ControllerChannel;
  registration(): { rack: string | null; listeners: { name: string; host: string; port: number; securityProtocol: number }[] };
  log(message: string): void;
}

/** How long a controller problem lasts before it is logged. */
const PROBLEM_GRACE_MS = 3000;

type State = 'registering' | 'fenced' | 'running' | 'shutting-down' | 'stopped';

/**
 * A broker's life with the controller (Kafka's BrokerLifecycleManager): register (fenced), then
 * heartbeat every `broker.heartbeat.interval.ms` reporting the metadata offset applied, so the
 * controller unfences it once caught up; a stale epoch (the controller fenced and forgot it)
 * starts a new registration. Controlled shutdown heartbeats with wantShutDown until the
 * controller has moved leadership away.
 */
export class BrokerLifecycle {
  private state: State = 'registering';
  private brokerEpochValue = -1n;
  private readonly incarnationId = randomBytes(16).toString('base64url');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastProblem = '';
  private problemSinceMs = 0;
  private readonly unfencedWaiters: (() => void)[] = [];

  constructor(
    private readonly host: LifecycleHost,
    private readonly heartbeatIntervalMs: number,
  ) {}

  /** The epoch the controller gave this broker (-1 before registration). */
  get brokerEpoch(): bigint {
    return this.brokerEpochValue;
  }

  /** Whether the broker is registered and unfenced. */
  get isRunning(): boolean {
    return this.state === 'running';
  }

  /** Starts registering and heartbeating. */
  start(): void {
    this.schedule(0);
  }

  /** Resolves once unfenced, or after `timeoutMs` (false). */
  waitUntilRunning(timeoutMs: number): Promise<boolean> {
    if (this.state === 'running') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.unfencedWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private schedule(delayMs: number): void {
    if (this.state === 'stopped' || this.state === 'shutting-down') return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.running = this.beat().finally(() => {
        this.running = null;
        const fast = this.state !== 'running';
        this.schedule(fast ? Math.min(200, this.heartbeatIntervalMs) : this.heartbeatIntervalMs);
      });
    }, delayMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      if (this.brokerEpochValue < 0n) await this.register();
      else await this.heartbeat(false);
      this.problem('');
    } catch (error) {
      this.problem((error as Error).message);
    }
  }

  /**
   * Logs a problem with the controller once it has lasted a few seconds (an election in progress
   * is routine), and its end.
   */
  private problem(message: string): void {
    const now = Date.now();
    if (!message) {
      if (this.lastProblem) this.host.log(`Broker ${this.host.nodeId}: the active controller answers again`);
      this.lastProblem = '';
      this.problemSinceMs = 0;
      return;
    }
    if (this.problemSinceMs === 0) this.problemSinceMs = now;
    if (message === this.lastProblem || now - this.problemSinceMs < PROBLEM_GRACE_MS) return;
    this.host.log(`WARN: broker ${this.host.nodeId}: cannot reach the active controller for ${now - this.problemSinceMs} ms: ${message} Retrying.`);
    this.lastProblem = message;
  }

  private async register(): Promise<void> {
    const reg = this.host.registration();
    const body: Init<BrokerRegistrationRequest> = {
      brokerId: this.host.nodeId,
      clusterId: this.host.clusterId,
      incarnationId: this.incarnationId,
      listeners: reg.listeners,
      features: [],
      rack: reg.rack,
      isMigratingZkBroker: false,
      logDirs: [],
      previousBrokerEpoch: -1n,
    };
    const response = this.host.isActiveController()
      ? await this.host.controller.register(body as BrokerRegistrationRequest)
      : await this.host.channel.request(BrokerRegistrationRequest, BrokerRegistrationResponse, 4, body);
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, `registration refused (error ${response.errorCode}).`);
    this.brokerEpochValue = response.brokerEpoch;
    this.state = 'fenced';
    this.host.log(`Broker ${this.host.nodeId} registered with the controller (broker epoch ${response.brokerEpoch})`);
    await this.heartbeat(false);
  }

  private async heartbeat(wantShutDown: boolean): Promise<{ shouldShutDown: boolean }> {
    const body: Init<BrokerHeartbeatRequest> = {
      brokerId: this.host.nodeId,
      brokerEpoch: this.brokerEpochValue,
      currentMetadataOffset: this.host.metadataOffset(),
      wantFence: false,
      wantShutDown,
      offlineLogDirs: [],
    };
    const response = this.host.isActiveController()
      ? await this.host.controller.heartbeat(body as BrokerHeartbeatRequest)
      : await this.host.channel.request(BrokerHeartbeatRequest, BrokerHeartbeatResponse, 1, body);
    if (response.errorCode === ErrorCode.STALE_BROKER_EPOCH) {
      this.host.log(`Broker ${this.host.nodeId}: the controller no longer knows broker epoch ${this.brokerEpochValue}; registering again`);
      this.brokerEpochValue = -1n;
      this.state = 'registering';
      return { shouldShutDown: false };
    }
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, `heartbeat refused (error ${response.errorCode}).`);
    if (this.state === 'shutting-down') return { shouldShutDown: response.shouldShutDown };
    if (!response.isFenced && this.state !== 'running') {
      this.state = 'running';
      this.host.log(`Broker ${this.host.nodeId} is unfenced and serving`);
      for (const w of this.unfencedWaiters.splice(0)) w();
    } else if (response.isFenced && this.state === 'running') {
      this.state = 'fenced';
      this.host.log(`WARN: broker ${this.host.nodeId} was fenced by the controller`);
    }
    return { shouldShutDown: response.shouldShutDown };
  }

  /** A block of producer ids from the active controller. */
  async allocateProducerIds(): Promise<bigint> {
    if (this.host.isActiveController()) return this.host.controller.allocateProducerIds(this.host.nodeId, this.brokerEpochValue, PRODUCER_ID_BLOCK_SIZE);
    const response = await this.host.channel.request(AllocateProducerIdsRequest, AllocateProducerIdsResponse, 0, { brokerId: this.host.nodeId, brokerEpoch: this.brokerEpochValue });
    if (response.errorCode !== ErrorCode.NONE) throw new KafkaError(response.errorCode, `producer id allocation refused (error ${response.errorCode}).`);
    return response.producerIdStart;
  }

  /**
   * Controlled shutdown: asks the controller to move leadership off this broker and waits (bounded)
   * until it says the broker may stop. Without a reachable controller it gives up after the bound.
   */
  async controlledShutdown(timeoutMs: number): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wasRegistered = this.brokerEpochValue >= 0n;
    this.state = 'shutting-down';
    await this.running;
    if (!wasRegistered) return false;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      try {
        const { shouldShutDown } = await this.heartbeat(true);
        if (shouldShutDown) return true;
      } catch {
        // retry until the deadline
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  /** Stops heartbeating. */
  stop(): void {
    this.state = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
