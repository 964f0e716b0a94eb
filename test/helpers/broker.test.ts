/** Tests of the broker process harness itself, against a fake broker. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startBroker, withBroker } from './broker.js';

const fakeBin = join(fileURLToPath(new URL('.', import.meta.url)), 'fake-broker.js');

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('harness: start, SIGTERM, restart on the same address, SIGKILL, cleanup', async () => {
  const broker = await startBroker({ binPath: fakeBin });
  try {
    assert.match(broker.host, /^127\.0\.0\.(\d+)$/);
    const x = Number(broker.host.split('.')[3]);
    assert.ok(x >= 2 && x <= 250);
    assert.equal(broker.bootstrap, `${broker.host}:${broker.port}`);
    assert.ok(await canConnect(broker.host, broker.port));
    const first = broker.pid;

    assert.deepEqual(await broker.stop(), { code: 0, signal: null, forced: false });
    assert.equal(broker.running, false);
    await broker.restart();
    assert.notEqual(broker.pid, first);
    assert.ok(await canConnect(broker.host, broker.port));

    const killed = await broker.kill();
    assert.equal(killed.signal, 'SIGKILL');
    await broker.restart();
    assert.equal(readFileSync(join(broker.logDir, 'starts'), 'utf8').trim().split('\n').length, 3);
    assert.match(broker.diagnostics(), /=== run #3 ===/);
  } finally {
    await broker.cleanup();
  }
  assert.equal(existsSync(broker.logDir), false);
});

test('harness: a broker that exits early fails fast with its stderr', async () => {
  const started = Date.now();
  await assert.rejects(startBroker({ binPath: fakeBin, overrides: { 'fake.mode': 'exit' } }),
    /broker did not start: exited with code 3[\s\S]*pretend config error/);
  assert.ok(Date.now() - started < 5_000);
});

test('harness: a broker that never prints the ready line times out', async () => {
  await assert.rejects(startBroker({ binPath: fakeBin, overrides: { 'fake.mode': 'silent' }, readyTimeoutMs: 1_000 }),
    /broker did not start: no "listening on PLAINTEXT:\/\/127\.0\.0\.\d+:\d+" within 1000 ms/);
});

test('harness: stop falls back to SIGKILL; withBroker appends output to failures', async () => {
  await assert.rejects(
    withBroker({ binPath: fakeBin, overrides: { 'fake.mode': 'ignore-sigterm' } }, async (broker) => {
      const exit = await broker.stop(500);
      assert.deepEqual(exit, { code: null, signal: 'SIGKILL', forced: true });
      throw new Error('boom');
    }),
    /boom\nbroker 127\.0\.0\.\d+:\d+[\s\S]*\[fake\] listening on[\s\S]*no exit 500 ms after SIGTERM/,
  );
});

test('harness: a missing entry point fails immediately', async () => {
  await assert.rejects(startBroker({ binPath: '/nonexistent/samsa.js' }),
    /broker did not start: \/nonexistent\/samsa\.js does not exist/);
});
