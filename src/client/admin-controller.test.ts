/**
 * The admin client against a controller that changes under it: a CreateTopics, DeleteTopics or
 * CreatePartitions answered NOT_CONTROLLER for a topic (KRaft's "leadership was lost before the
 * proposal committed") is sent again once metadata is refreshed, as Kafka's AdminClient does,
 * instead of failing the call. A scripted broker answers the first of each NOT_CONTROLLER.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { ApiKey, encodeResponseFrame, parseRequestHeader, type MessageCodec } from '../protocol/index.js';
import { ApiVersionsResponse } from '../protocol/generated/api-versions-response.js';
import { CreatePartitionsRequest } from '../protocol/generated/create-partitions-request.js';
import { CreatePartitionsResponse } from '../protocol/generated/create-partitions-response.js';
import { CreateTopicsRequest } from '../protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../protocol/generated/create-topics-response.js';
import { DeleteTopicsRequest } from '../protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../protocol/generated/delete-topics-response.js';
import { MetadataResponse } from '../protocol/generated/metadata-response.js';
import { ErrorCode } from '../common/index.js';
import { Admin } from './index.js';

const HOST = '127.0.0.1';
const NOT_CONTROLLER_MESSAGE = 'leadership was lost before the proposal committed; the leader is unknown.';

/** Requests seen per API key, and how many of each to answer NOT_CONTROLLER first. */
const seen = new Map<number, number>();
let failFirst = 1;
let server: Server;
let port = 0;

function respond<T>(socket: Socket, codec: MessageCodec<T>, apiKey: number, version: number, correlationId: number, body: Parameters<MessageCodec<T>['encode']>[1], headerVersion?: number): void {
  for (const chunk of encodeResponseFrame(codec, apiKey, version, correlationId, body, headerVersion)) socket.write(chunk);
}

function answer(socket: Socket, frame: Buffer): void {
  const { apiKey, apiVersion: v, correlationId, body } = parseRequestHeader(frame);
  const n = (seen.get(apiKey) ?? 0) + 1;
  seen.set(apiKey, n);
  const fail = n <= failFirst;
  const error = fail ? { errorCode: ErrorCode.NOT_CONTROLLER, errorMessage: NOT_CONTROLLER_MESSAGE } : { errorCode: 0, errorMessage: null };
  switch (apiKey) {
    case ApiKey.ApiVersions:
      // Always response header v0, whatever the request version.
      return respond(socket, ApiVersionsResponse, apiKey, v, correlationId, {
        errorCode: 0,
        apiKeys: [
          { apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 3 },
          { apiKey: ApiKey.Metadata, minVersion: 0, maxVersion: 12 },
          { apiKey: ApiKey.CreateTopics, minVersion: 2, maxVersion: 7 },
          { apiKey: ApiKey.DeleteTopics, minVersion: 1, maxVersion: 6 },
          { apiKey: ApiKey.CreatePartitions, minVersion: 0, maxVersion: 3 },
        ],
      }, 0);
    case ApiKey.Metadata:
      return respond(socket, MetadataResponse, apiKey, v, correlationId, { brokers: [{ nodeId: 1, host: HOST, port, rack: null }], clusterId: 'scripted', controllerId: 1, topics: [] });
    case ApiKey.CreateTopics: {
      const req = CreateTopicsRequest.decode(body, v);
      return respond(socket, CreateTopicsResponse, apiKey, v, correlationId, {
        topics: req.topics.map((t) => ({ name: t.name, ...error, numPartitions: fail ? -1 : t.numPartitions, replicationFactor: fail ? -1 : t.replicationFactor, configs: null })),
      });
    }
    case ApiKey.DeleteTopics: {
      const req = DeleteTopicsRequest.decode(body, v);
      const names = v >= 6 ? req.topics.map((t) => t.name) : req.topicNames;
      return respond(socket, DeleteTopicsResponse, apiKey, v, correlationId, { responses: names.map((name) => ({ name, ...error })) });
    }
    case ApiKey.CreatePartitions: {
      const req = CreatePartitionsRequest.decode(body, v);
      return respond(socket, CreatePartitionsResponse, apiKey, v, correlationId, { results: req.topics.map((t) => ({ name: t.name, ...error })) });
    }
    default:
      socket.destroy(new Error(`the scripted broker got API ${apiKey}`));
  }
}

before(async () => {
  server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      // Bounded by the bytes received: each pass takes one whole frame or stops.
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = pending.readInt32BE(0);
        answer(socket, pending.subarray(4, 4 + size));
        pending = pending.subarray(4 + size);
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  port = (server.address() as { port: number }).port;
});

after(() => {
  server.close();
});

test('CreateTopics, DeleteTopics and CreatePartitions answered NOT_CONTROLLER are sent again to the refreshed controller', async () => {
  seen.clear();
  failFirst = 1;
  const admin = new Admin({ 'bootstrap.servers': `${HOST}:${port}`, 'retry.backoff.ms': 10, 'retry.backoff.max.ms': 20 });
  try {
    const created = await admin.createTopics([{ name: 'moved', numPartitions: 3, replicationFactor: 1 }]);
    assert.deepEqual(created.map((t) => [t.name, t.numPartitions]), [['moved', 3]]);
    assert.equal(seen.get(ApiKey.CreateTopics), 2, 'CreateTopics was not sent again');
    await admin.createPartitions([{ topic: 'moved', count: 4 }]);
    assert.equal(seen.get(ApiKey.CreatePartitions), 2, 'CreatePartitions was not sent again');
    await admin.deleteTopics(['moved']);
    assert.equal(seen.get(ApiKey.DeleteTopics), 2, 'DeleteTopics was not sent again');
    assert.ok((seen.get(ApiKey.Metadata) ?? 0) >= 2, 'metadata was not refreshed between the attempts');
  } finally {
    await admin.close();
  }
});

test('a controller that stays unavailable fails the call with NOT_CONTROLLER once the retries are spent', async () => {
  seen.clear();
  failFirst = Number.MAX_SAFE_INTEGER;
  const admin = new Admin({ 'bootstrap.servers': `${HOST}:${port}`, 'retry.backoff.ms': 1, 'retry.backoff.max.ms': 2 });
  try {
    await assert.rejects(admin.createTopics([{ name: 'never', numPartitions: 1 }]), (err: Error & { errorName?: string }) => {
      assert.equal(err.errorName, 'NOT_CONTROLLER');
      assert.match(err.message, /Cannot create topic 'never'.*leadership was lost/);
      return true;
    });
    assert.ok((seen.get(ApiKey.CreateTopics) ?? 0) > 2, `CreateTopics sent ${seen.get(ApiKey.CreateTopics)} time(s)`);
  } finally {
    await admin.close();
  }
});
