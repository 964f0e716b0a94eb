import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { Reader, Writer, encodeResponseFrame, parseRequestHeader, type Init, type MessageCodec } from '../protocol/index.js';
import { Admin } from './admin.js';
import {
  alterReassignmentsRequest,
  alterReassignmentsResults,
  describeQuorumRequest,
  electLeadersRequest,
  electLeadersResults,
  listReassignmentsRequest,
  listReassignmentsResults,
  logDirsFrom,
  quorumInfoFrom,
} from './admin-replicas.js';
import { Apis, type ClientApi } from './apis.js';

/** Encodes `body` with `codec` at `version` and decodes it again: what the other side sees. */
function wire<T>(codec: MessageCodec<T>, version: number, body: Init<NoInfer<T>>): T {
  const w = new Writer(256);
  codec.encode(w, body, version);
  return codec.decode(new Reader(Buffer.concat(w.finish())), version);
}

test('DescribeQuorum: request names __cluster_metadata-0; v2 response maps voters, observers and endpoints', () => {
  const request = wire(Apis.DescribeQuorum.request, 2, describeQuorumRequest());
  assert.deepEqual(request.topics.map((t) => [t.topicName, t.partitions.map((p) => p.partitionIndex)]), [['__cluster_metadata', [0]]]);
  const replica = (replicaId: number, leo: bigint, dir = 'AAAAAAAAAAAAAAAAAAAAAA') => ({ replicaId, replicaDirectoryId: dir, logEndOffset: leo, lastFetchTimestamp: 1000n + leo, lastCaughtUpTimestamp: -1n });
  const response = wire(Apis.DescribeQuorum.response, 2, {
    errorCode: 0,
    errorMessage: null,
    topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0, errorCode: 0, errorMessage: null, leaderId: 2, leaderEpoch: 7, highWatermark: 42n, currentVoters: [replica(1, 40n), replica(2, 42n, 'Zm9vYmFyYmF6cXV4cXV1eA')], observers: [replica(4, 30n)] }] }],
    nodes: [{ nodeId: 1, listeners: [{ name: 'CONTROLLER', host: 'localhost', port: 19092 }] }],
  });
  const info = quorumInfoFrom(response);
  assert.equal(info.leaderId, 2);
  assert.equal(info.leaderEpoch, 7);
  assert.equal(info.highWatermark, 42n);
  assert.deepEqual(info.voters.map((v) => [v.replicaId, v.replicaDirectoryId, v.logEndOffset, v.lastFetchTimestamp]), [[1, null, 40n, 1040n], [2, 'Zm9vYmFyYmF6cXV4cXV1eA', 42n, 1042n]]);
  assert.deepEqual(info.observers.map((v) => v.replicaId), [4]);
  assert.deepEqual(info.nodes, [{ nodeId: 1, endpoints: [{ listener: 'CONTROLLER', host: 'localhost', port: 19092 }] }]);
  // v0 has no nodes: the mapping leaves them empty.
  assert.deepEqual(quorumInfoFrom(wire(Apis.DescribeQuorum.response, 0, response)).nodes, []);
  // A follower's answer names the leader.
  const notLeader = { ...response, topics: [{ topicName: '__cluster_metadata', partitions: [{ ...response.topics[0]!.partitions[0]!, errorCode: 6, leaderId: 3 }] }] };
  assert.throws(() => quorumInfoFrom(notLeader), (err: unknown) => (err as { errorName: string; leaderHint: number }).errorName === 'NOT_LEADER_OR_FOLLOWER' && (err as { leaderHint: number }).leaderHint === 3);
});

test('ElectLeaders: election type and partitions by topic per version; results per partition', () => {
  const tps = [{ topic: 'b', partition: 1 }, { topic: 'a', partition: 0 }, { topic: 'b', partition: 0 }];
  const v2 = wire(Apis.ElectLeaders.request, 2, electLeadersRequest('unclean', tps, 2, 5000));
  assert.equal(v2.electionType, 1);
  assert.equal(v2.timeoutMs, 5000);
  assert.deepEqual(v2.topicPartitions, [{ topic: 'b', partitions: [1, 0] }, { topic: 'a', partitions: [0] }]);
  assert.equal(wire(Apis.ElectLeaders.request, 1, electLeadersRequest('preferred', null, 1, 5000)).topicPartitions, null);
  assert.throws(() => electLeadersRequest('unclean', null, 0, 5000), /UNSUPPORTED_VERSION|only ElectLeaders v0/);
  assert.equal(wire(Apis.ElectLeaders.request, 0, electLeadersRequest('preferred', tps, 0, 5000)).electionType, 0);

  const response = wire(Apis.ElectLeaders.response, 2, {
    throttleTimeMs: 0,
    errorCode: 0,
    replicaElectionResults: [
      { topic: 'b', partitionResult: [{ partitionId: 1, errorCode: 84, errorMessage: 'Leader election not needed for topic partition.' }, { partitionId: 0, errorCode: 0, errorMessage: null }] },
      { topic: 'a', partitionResult: [{ partitionId: 0, errorCode: 83, errorMessage: null }] },
    ],
  });
  const results = electLeadersResults(response, tps);
  assert.deepEqual(results.map((r) => [r.topic, r.partition, r.error?.errorName ?? null]), [['a', 0, 'ELIGIBLE_LEADERS_NOT_AVAILABLE'], ['b', 0, null], ['b', 1, 'ELECTION_NOT_NEEDED']]);
  // A top-level error fails every requested partition (or the call, when all were asked for).
  const failed = electLeadersResults({ ...response, errorCode: 31 }, tps);
  assert.deepEqual(failed.map((r) => r.error?.errorName), ['CLUSTER_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED', 'CLUSTER_AUTHORIZATION_FAILED']);
  assert.throws(() => electLeadersResults({ ...response, errorCode: 31 }, null), /CLUSTER_AUTHORIZATION_FAILED|Cannot elect leaders/);
});

test('Alter/ListPartitionReassignments: replicas or null (cancel) per partition; results and ongoing reassignments', () => {
  const request = wire(Apis.AlterPartitionReassignments.request, 0, alterReassignmentsRequest([{ topic: 'foo', partition: 0, replicas: [1, 2] }, { topic: 'foo', partition: 1, replicas: null }], 3000));
  assert.deepEqual(request.topics, [{ name: 'foo', partitions: [{ partitionIndex: 0, replicas: [1, 2] }, { partitionIndex: 1, replicas: null }] }]);
  assert.equal(request.timeoutMs, 3000);
  const results = alterReassignmentsResults(wire(Apis.AlterPartitionReassignments.response, 0, {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    responses: [{ name: 'foo', partitions: [{ partitionIndex: 1, errorCode: 85, errorMessage: 'no reassignment' }, { partitionIndex: 0, errorCode: 0, errorMessage: null }] }],
  }));
  assert.deepEqual(results.map((r) => [r.partition, r.error?.errorName ?? null]), [[0, null], [1, 'NO_REASSIGNMENT_IN_PROGRESS']]);
  assert.throws(() => alterReassignmentsResults({ throttleTimeMs: 0, errorCode: 41, errorMessage: 'not controller', responses: [] }), /NOT_CONTROLLER|not controller/);

  assert.equal(wire(Apis.ListPartitionReassignments.request, 0, listReassignmentsRequest(null, 1000)).topics, null);
  assert.deepEqual(wire(Apis.ListPartitionReassignments.request, 0, listReassignmentsRequest([{ topic: 'foo', partition: 2 }], 1000)).topics, [{ name: 'foo', partitionIndexes: [2] }]);
  const ongoing = listReassignmentsResults(wire(Apis.ListPartitionReassignments.response, 0, {
    throttleTimeMs: 0,
    errorCode: 0,
    errorMessage: null,
    topics: [{ name: 'foo', partitions: [{ partitionIndex: 2, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }] }],
  }));
  assert.deepEqual(ongoing, [{ topic: 'foo', partition: 2, replicas: [1, 2, 3], addingReplicas: [3], removingReplicas: [1] }]);
});

test('DescribeLogDirs: directories with their replicas, sizes and errors', () => {
  const response = wire(Apis.DescribeLogDirs.response, 4, {
    throttleTimeMs: 0,
    errorCode: 0,
    results: [
      { errorCode: 0, logDir: '/data/a', totalBytes: 1000n, usableBytes: 400n, topics: [{ name: 't', partitions: [{ partitionIndex: 1, partitionSize: 10n, offsetLag: 0n, isFutureKey: false }, { partitionIndex: 0, partitionSize: 20n, offsetLag: 0n, isFutureKey: false }] }] },
      { errorCode: 56, logDir: '/data/b', totalBytes: -1n, usableBytes: -1n, topics: [] },
    ],
  });
  const dirs = logDirsFrom(3, response);
  assert.deepEqual(dirs.map((d) => [d.brokerId, d.logDir, d.error?.errorName ?? null, d.totalBytes, d.usableBytes]), [[3, '/data/a', null, 1000n, 400n], [3, '/data/b', 'KAFKA_STORAGE_ERROR', -1n, -1n]]);
  assert.deepEqual(dirs[0]!.replicas.map((r) => [r.partition, r.sizeBytes]), [[0, 20n], [1, 10n]]);
  // Before v4 the sizes of the volume are unknown.
  assert.equal(logDirsFrom(3, wire(Apis.DescribeLogDirs.response, 2, response))[0]!.totalBytes, -1n);
});

// ---- routing, against a scripted fake cluster of two brokers ----------------------------------

type Handler = (apiKey: number, version: number, body: unknown) => unknown;

/** A fake broker: answers ApiVersions and Metadata itself, everything else through `handle`. */
class FakeBroker {
  readonly received: { apiKey: number; version: number; body: unknown }[] = [];
  private readonly server: Server;
  port = 0;
  constructor(readonly nodeId: number, private readonly cluster: () => FakeBroker[], private readonly handle: Handler) {
    this.server = createServer((socket) => this.serve(socket));
  }
  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }
  close(): void {
    this.server.close();
  }
  private serve(socket: Socket): void {
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && buffered.length >= 4 + buffered.readInt32BE(0)) {
        const frame = buffered.subarray(4, 4 + buffered.readInt32BE(0));
        buffered = buffered.subarray(4 + frame.length);
        const header = parseRequestHeader(frame);
        const api = Object.values(Apis).find((a) => a.apiKey === header.apiKey) as ClientApi<unknown, unknown>;
        const body = api.request.decode(header.body, header.apiVersion);
        this.received.push({ apiKey: header.apiKey, version: header.apiVersion, body });
        socket.write(Buffer.concat(encodeResponseFrame(api.response, header.apiKey, header.apiVersion, header.correlationId, this.answer(header.apiKey, header.apiVersion, body) as Init<unknown>)));
      }
    });
  }
  private answer(apiKey: number, version: number, body: unknown): unknown {
    if (apiKey === Apis.ApiVersions.apiKey) {
      return { errorCode: 0, apiKeys: Object.values(Apis).map((a) => ({ apiKey: a.apiKey, minVersion: a.apiKey === Apis.ElectLeaders.apiKey ? 0 : a.minVersion, maxVersion: a.maxVersion })) };
    }
    if (apiKey === Apis.Metadata.apiKey) {
      return { brokers: this.cluster().map((b) => ({ nodeId: b.nodeId, host: '127.0.0.1', port: b.port, rack: null })), clusterId: 'c', controllerId: 1, topics: [] };
    }
    return this.handle(apiKey, version, body);
  }
}

const fakes: FakeBroker[] = [];
after(() => {
  for (const f of fakes) f.close();
});

async function fakeCluster(handle: (broker: FakeBroker) => Handler): Promise<FakeBroker[]> {
  const brokers: FakeBroker[] = [];
  for (const id of [1, 2]) {
    let self!: FakeBroker;
    self = new FakeBroker(id, () => brokers, (k, v, b) => handle(self)(k, v, b));
    await self.listen();
    brokers.push(self);
    fakes.push(self);
  }
  return brokers;
}

test('describeQuorum follows NOT_LEADER_OR_FOLLOWER to the leader; describeLogDirs asks every broker', async () => {
  const quorum = (errorCode: number, leaderId: number) => ({
    errorCode: 0,
    errorMessage: null,
    topics: [{ topicName: '__cluster_metadata', partitions: [{ partitionIndex: 0, errorCode, errorMessage: null, leaderId, leaderEpoch: 3, highWatermark: 9n, currentVoters: [], observers: [] }] }],
    nodes: [],
  });
  const brokers = await fakeCluster((self) => (apiKey) => {
    if (apiKey === Apis.DescribeQuorum.apiKey) return self.nodeId === 2 ? quorum(0, 2) : quorum(6, 2);
    if (apiKey === Apis.DescribeLogDirs.apiKey) return { errorCode: 0, results: [{ errorCode: 0, logDir: `/data/${self.nodeId}`, topics: [] }] };
    throw new Error(`unexpected api ${apiKey}`);
  });
  const admin = new Admin({ 'bootstrap.servers': `127.0.0.1:${brokers[0]!.port}`, 'retry.backoff.ms': 1 });
  try {
    const info = await admin.describeQuorum();
    assert.deepEqual([info.leaderId, info.leaderEpoch, info.highWatermark], [2, 3, 9n]);
    assert.equal(brokers[1]!.received.filter((r) => r.apiKey === Apis.DescribeQuorum.apiKey).length, 1);
    assert.equal(brokers[1]!.received.find((r) => r.apiKey === Apis.DescribeQuorum.apiKey)!.version, 2);

    const dirs = await admin.describeLogDirs();
    assert.deepEqual(dirs.map((d) => [d.brokerId, d.logDir]), [[1, '/data/1'], [2, '/data/2']]);
    assert.equal(brokers[0]!.received.find((r) => r.apiKey === Apis.DescribeLogDirs.apiKey)!.version, 4);
    assert.deepEqual((await admin.describeLogDirs([2])).map((d) => d.logDir), ['/data/2']);
  } finally {
    await admin.close();
  }
});
