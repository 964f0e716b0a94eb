/**
 * The admin steps the benchmarks need: create a topic, wait until its partitions have a leader,
 * delete a topic. Plain Kafka requests over one short-lived connection each.
 */
import { connect } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame, type Init, type MessageCodec } from '../src/protocol/index.js';
import { CreateTopicsRequest } from '../src/protocol/generated/create-topics-request.js';
import { CreateTopicsResponse } from '../src/protocol/generated/create-topics-response.js';
import { DeleteTopicsRequest } from '../src/protocol/generated/delete-topics-request.js';
import { DeleteTopicsResponse } from '../src/protocol/generated/delete-topics-response.js';
import { MetadataRequest } from '../src/protocol/generated/metadata-request.js';
import { MetadataResponse } from '../src/protocol/generated/metadata-response.js';
import { FrameReader, delay, withTimeout } from './common.js';

const REQUEST_TIMEOUT_MS = 10_000;
const LEADER_WAIT_ATTEMPTS = 100;
const LEADER_WAIT_STEP_MS = 100;
/** Kafka's TOPIC_ALREADY_EXISTS. */
const TOPIC_ALREADY_EXISTS = 36;
/** Kafka's UNKNOWN_TOPIC_OR_PARTITION. */
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** Sends one request on a fresh connection and decodes the response. */
async function roundTrip<Req, Res>(
  host: string,
  port: number,
  request: MessageCodec<Req>,
  response: MessageCodec<Res>,
  version: number,
  body: Init<Req>,
): Promise<Res> {
  const socket = connect({ host, port, noDelay: true });
  try {
    const frame = await withTimeout(
      new Promise<Buffer>((resolve, reject) => {
        const reader = new FrameReader();
        socket.on('data', (data: Buffer) => {
          try {
            reader.push(data, resolve);
          } catch (error) {
            reject(error as Error);
          }
        });
        socket.once('error', reject);
        socket.once('close', () => reject(new Error(`${host}:${port} closed the connection`)));
        for (const chunk of encodeRequestFrame(request, version, 1, 'samsa-bench-admin', body)) socket.write(chunk);
      }),
      REQUEST_TIMEOUT_MS,
      `no ${request.name} response from ${host}:${port}`,
    );
    return decodeResponseFrame(response, version, frame).body;
  } finally {
    socket.destroy();
  }
}

/** Creates `topic` with `partitions` partitions and one replica (an existing topic is fine). */
export async function createTopic(host: string, port: number, topic: string, partitions = 1): Promise<void> {
  const created = await roundTrip(host, port, CreateTopicsRequest, CreateTopicsResponse, 5, {
    topics: [{ name: topic, numPartitions: partitions, replicationFactor: 1, assignments: [], configs: [] }],
    timeoutMs: 10_000,
    validateOnly: false,
  });
  const result = created.topics[0];
  if (!result || (result.errorCode !== 0 && result.errorCode !== TOPIC_ALREADY_EXISTS)) {
    throw new Error(`CreateTopics ${topic} failed: error ${result?.errorCode} ${result?.errorMessage ?? ''}`);
  }
}

/** Polls Metadata (bounded) until partitions 0..`partitions`-1 of `topic` all have a leader. */
export async function waitForLeader(host: string, port: number, topic: string, partitions = 1): Promise<void> {
  let last = 'no answer';
  for (let attempt = 0; attempt < LEADER_WAIT_ATTEMPTS; attempt++) {
    const metadata = await roundTrip(host, port, MetadataRequest, MetadataResponse, 1, { topics: [{ name: topic }] });
    const t = metadata.topics.find((x) => x.name === topic);
    let ready = t !== undefined && t.errorCode === 0;
    for (let i = 0; ready && i < partitions; i++) {
      const p = t!.partitions.find((x) => x.partitionIndex === i);
      if (!p || p.errorCode !== 0 || p.leaderId < 0) {
        ready = false;
        last = `topic error ${t?.errorCode}, partition ${i} error ${p?.errorCode}, leader ${p?.leaderId}`;
      }
    }
    if (ready) return;
    if (!t || t.errorCode !== 0) last = `topic error ${t?.errorCode}`;
    await delay(LEADER_WAIT_STEP_MS);
  }
  throw new Error(`topic ${topic} (${partitions} partition(s)) has a partition without a leader after ${LEADER_WAIT_ATTEMPTS * LEADER_WAIT_STEP_MS} ms (${last})`);
}

/**
 * Deletes `topic` (a missing topic is fine) and waits, bounded, until Metadata no longer knows it.
 * The broker removes a deleted partition's files as part of the deletion, so its page cache is
 * freed too.
 */
export async function deleteTopic(host: string, port: number, topic: string): Promise<void> {
  const deleted = await roundTrip(host, port, DeleteTopicsRequest, DeleteTopicsResponse, 4, { topicNames: [topic], timeoutMs: 10_000 });
  const result = deleted.responses[0];
  if (!result || (result.errorCode !== 0 && result.errorCode !== UNKNOWN_TOPIC_OR_PARTITION)) {
    throw new Error(`DeleteTopics ${topic} failed: error ${result?.errorCode} ${result?.errorMessage ?? ''}`);
  }
  for (let attempt = 0; attempt < LEADER_WAIT_ATTEMPTS; attempt++) {
    // v4 and later can say not to create the topic again (v0-v3 requests auto-create it).
    const metadata = await roundTrip(host, port, MetadataRequest, MetadataResponse, 4, { topics: [{ name: topic }], allowAutoTopicCreation: false });
    if (metadata.topics.find((x) => x.name === topic)?.errorCode === UNKNOWN_TOPIC_OR_PARTITION) return;
    await delay(LEADER_WAIT_STEP_MS);
  }
  throw new Error(`topic ${topic} still exists ${LEADER_WAIT_ATTEMPTS * LEADER_WAIT_STEP_MS} ms after its deletion`);
}
