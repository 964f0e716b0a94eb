import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { Connection, type FrameHandler } from './connection.js';

const LIMITS = { maxRequestBytes: 1 << 20, maxQueuedRequests: 100, maxQueuedBytes: 1 << 24 };

/** A loopback server whose connections use `handler`; returns a connected client socket. */
async function serve(handler: FrameHandler): Promise<{ server: Server; client: Socket; received: Buffer[]; closed: Promise<void> }> {
  const server = createServer((socket) => new Connection(socket, 'TEST', LIMITS, handler, () => {}));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const client = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const received: Buffer[] = [];
  client.on('data', (d: Buffer) => received.push(d));
  const closed = new Promise<void>((resolve) => client.on('close', () => resolve()));
  return { server, client, received, closed };
}

function frame(id: number): Buffer {
  const out = Buffer.alloc(12);
  out.writeInt32BE(8, 0);
  out.writeInt32BE(id, 4);
  return out;
}

test('responses leave only after the deferred writes they acknowledge, one write for a burst of requests', async () => {
  const events: string[] = [];
  let writes = 0;
  const log = { writePending: () => { writes++; events.push('write'); } };
  const { server, client, received } = await serve((f, connection) => {
    connection.beforeSend(log);
    events.push(`handled ${f.readInt32BE(0)}`);
    const response = Buffer.alloc(8);
    response.writeInt32BE(4, 0);
    response.writeInt32BE(f.readInt32BE(0), 4);
    return [response];
  });
  try {
    client.write(Buffer.concat([frame(1), frame(2), frame(3)]));
    for (let i = 0; i < 200 && Buffer.concat(received).length < 24; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(Buffer.concat(received).length, 24, 'three responses');
    assert.deepEqual(events, ['handled 1', 'handled 2', 'handled 3', 'write']);
    assert.equal(writes, 1);
  } finally {
    client.destroy();
    server.close();
  }
});

test('when the deferred writes fail, the connection closes and the responses are never sent', async () => {
  const failing = { writePending: () => { throw new Error('EIO: disk gone'); } };
  const { server, client, received, closed } = await serve((f, connection) => {
    connection.beforeSend(failing);
    return [Buffer.from([0, 0, 0, 4, 0, 0, 0, f[3]!])];
  });
  try {
    client.write(frame(7));
    await closed;
    assert.equal(Buffer.concat(received).length, 0);
  } finally {
    client.destroy();
    server.close();
  }
});

test('requests without a response (acks=0) still get their deferred writes done', async () => {
  let writes = 0;
  const { server, client } = await serve((_f, connection) => {
    connection.beforeSend({ writePending: () => void writes++ });
    return null;
  });
  try {
    client.write(frame(1));
    for (let i = 0; i < 200 && writes === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(writes, 1);
  } finally {
    client.destroy();
    server.close();
  }
});
