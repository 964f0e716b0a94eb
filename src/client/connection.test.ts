import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { Apis } from './apis.js';
import { Cluster } from './cluster.js';
import { parseAdminConfig, parseConsumerConfig, parseProducerConfig } from './config.js';
import { BrokerConnection, negotiateVersion } from './connection.js';
import { KafkaConfigError, KafkaConnectionError } from './errors.js';

async function closedPort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('negotiateVersion picks the highest common version within the client range', () => {
  assert.equal(negotiateVersion(Apis.Fetch, { minVersion: 0, maxVersion: 17 }), 12);
  assert.equal(negotiateVersion(Apis.Fetch, { minVersion: 4, maxVersion: 11 }), 11);
  assert.equal(negotiateVersion(Apis.Produce, { minVersion: 0, maxVersion: 2 }), -1);
  assert.equal(negotiateVersion(Apis.Produce, undefined), -1);
});

test('connection errors name the address tried', async () => {
  const port = await closedPort('127.0.0.1');
  const conn = new BrokerConnection({ host: '127.0.0.1', port, clientId: 't', requestTimeoutMs: 1000, connectTimeoutMs: 1000, maxInFlight: 5 });
  await assert.rejects(conn.connect(), (err: unknown) => {
    assert.ok(err instanceof KafkaConnectionError);
    assert.equal(err.message, `Cannot connect to broker 127.0.0.1:${port}: ECONNREFUSED`);
    assert.equal(err.errorName, 'NETWORK_EXCEPTION');
    assert.equal(err.address, `127.0.0.1:${port}`);
    return true;
  });
  const cluster = new Cluster(parseAdminConfig({ 'bootstrap.servers': `127.0.0.1:${port}`, 'retry.backoff.ms': 1 }));
  await assert.rejects(cluster.anyConnection(), /Cannot connect to broker 127\.0\.0\.1:\d+: ECONNREFUSED/);
  cluster.close();
});

test('a request that gets no answer times out with request.timeout.ms and names the broker', async () => {
  const server = createServer((socket) => socket.on('data', () => undefined)); // never answers
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const conn = new BrokerConnection({ host: '127.0.0.1', port, clientId: 't', requestTimeoutMs: 200, connectTimeoutMs: 1000, maxInFlight: 5 });
    await assert.rejects(conn.connect(), /ApiVersions request to broker 127\.0\.0\.1:\d+ timed out after 200 ms/);
  } finally {
    server.close();
  }
});

test('a response frame with an impossible size fails the connection and names the broker', async () => {
  const server = createServer((socket) => socket.once('data', () => socket.write(Buffer.from([0, 0, 0, 2])))); // size 2 < 4
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const conn = new BrokerConnection({ host: '127.0.0.1', port, clientId: 't', requestTimeoutMs: 5000, connectTimeoutMs: 1000, maxInFlight: 5 });
    await assert.rejects(conn.connect(), /Broker 127\.0\.0\.1:\d+ sent a bad response: frame size 2 outside 4\.\./);
    conn.close();
  } finally {
    server.close();
  }
});

test('options are validated with clear errors', () => {
  assert.throws(() => parseProducerConfig({ 'bootstrap.servers': 'h:1', 'linger.ms': -1 }), /Invalid producer option linger.ms=-1: expected an integer from 0/);
  assert.throws(() => parseProducerConfig({ 'bootstrap.servers': 'h:1', 'compression.type': 'brotli' as 'lz4' }), /compression.type='brotli': expected one of 'none', 'gzip'/);
  assert.throws(() => parseProducerConfig({ 'bootstrap.servers': 'h:1', lingerms: 5 } as never), /Unknown producer option 'lingerms'. Did you mean 'linger.ms'\?/);
  assert.throws(() => parseAdminConfig({} as never), /Missing admin option 'bootstrap.servers'/);
  assert.throws(() => parseAdminConfig({ 'bootstrap.servers': 'nohost' }), KafkaConfigError);
  assert.throws(
    () => parseProducerConfig({ 'bootstrap.servers': 'h:1', acks: 1, 'enable.idempotence': true }),
    /enable.idempotence=true conflicts with acks=1/,
  );
  assert.equal(parseProducerConfig({ 'bootstrap.servers': 'h:1', acks: 1 }).idempotent, false);
  const p = parseProducerConfig({ 'bootstrap.servers': ['a:1', 'b:2'], 'linger.ms': '7' as unknown as number });
  assert.deepEqual(p.bootstrapServers, ['a:1', 'b:2']);
  assert.equal(p.lingerMs, 7);
  assert.equal(p.idempotent, true);
  assert.equal(p.acks, -1);
  assert.throws(() => parseConsumerConfig({ 'bootstrap.servers': 'h:1', 'partition.assignment.strategy': 'sticky' }), /unknown assignor 'sticky'/);
});
