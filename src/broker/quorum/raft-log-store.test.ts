// The on-disk side: entry batches, snapshot files, the quorum-state file and the log store.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BatchAttributes, BatchHeader, readBatchInfo } from '../../protocol/records/index.js';
import type { LogEntry } from '../../raft/index.js';
import { decodeEntryBatches, decodeSnapshotFile, encodeEntryBatch, encodeSnapshotFile, readLeaderChange } from './metadata-batches.js';
import { QuorumStateFile } from './quorum-state-file.js';
import { RaftLogStore, snapshotFileName } from './raft-log-store.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-raft-store-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const LEADER_CHANGE = { leaderId: 2, voters: [1, 2, 3] };

function entries(from: bigint, epochs: number[]): LogEntry[] {
  return epochs.map((epoch, i) => ({ offset: from + BigInt(i), epoch, data: Buffer.from(`e${from + BigInt(i)}`) }));
}

test('an entry is one single-record batch; a control entry is a LeaderChange control batch', async () => {
  const data = encodeEntryBatch({ offset: 41n, epoch: 7, data: Buffer.from('hello') }, 1_700_000_000_000);
  const info = readBatchInfo(data);
  assert.equal(info.baseOffset, 41n);
  assert.equal(info.partitionLeaderEpoch, 7);
  assert.equal(info.recordsCount, 1);
  const control = encodeEntryBatch({ offset: 42n, epoch: 7, data: Buffer.alloc(0), control: true }, 1_700_000_000_000, LEADER_CHANGE);
  assert.ok((control.readInt16BE(BatchHeader.ATTRIBUTES) & BatchAttributes.CONTROL) !== 0);
  const message = await readLeaderChange(control);
  assert.equal(message?.leaderId, 2);
  assert.deepEqual(message?.voters.map((v) => v.voterId), [1, 2, 3]);
  const decoded = await decodeEntryBatches(Buffer.concat([data, control]));
  assert.deepEqual(decoded.map((d) => d.entry), [
    { offset: 41n, epoch: 7, data: Buffer.from('hello') },
    { offset: 42n, epoch: 7, data: Buffer.alloc(0), control: true },
  ]);
  assert.deepEqual(decoded[0]!.batch, data);
});

test('a snapshot file is header, data records and footer; a cut file is refused', async () => {
  const data = Buffer.alloc(600 * 1024, 7);
  const file = encodeSnapshotFile({ endOffset: 10n, epoch: 3 }, data, 1_700_000_000_000);
  assert.deepEqual(await decodeSnapshotFile(file), data);
  assert.deepEqual(await decodeSnapshotFile(encodeSnapshotFile({ endOffset: 1n, epoch: 1 }, Buffer.alloc(0), 0)), Buffer.alloc(0));
  await assert.rejects(decodeSnapshotFile(file.subarray(0, file.length - 10)));
  assert.equal(snapshotFileName({ endOffset: 10n, epoch: 3 }), '00000000000000000010-0000000003.checkpoint');
});

test('quorum-state: Kafka JSON, written atomically; a missing file is a fresh node; other voter sets are refused', async (t) => {
  const dir = tempDir(t);
  const file = new QuorumStateFile(dir);
  assert.deepEqual(await file.read([1, 2, 3]), { leaderEpoch: 0, votedId: -1, leaderId: -1 });
  await file.write({ leaderEpoch: 5, votedId: 2, leaderId: 2 }, [1, 2, 3]);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'quorum-state'), 'utf8')), {
    clusterId: '', leaderId: 2, leaderEpoch: 5, votedId: 2, appliedOffset: 0,
    currentVoters: [{ voterId: 1 }, { voterId: 2 }, { voterId: 3 }], data_version: 0,
  });
  assert.deepEqual(await file.read([3, 2, 1]), { leaderEpoch: 5, votedId: 2, leaderId: 2 });
  await assert.rejects(file.read([1, 2]), /written for voters \[1,2,3\]/);
  // Kafka 3.8+'s data_version 1 (no voters) reads too.
  writeFileSync(join(dir, 'quorum-state'), '{"leaderId":-1,"leaderEpoch":9,"votedId":1,"votedDirectoryId":"AAAAAAAAAAAAAAAAAAAAAA","data_version":1}');
  assert.deepEqual(await file.read([1, 2]), { leaderEpoch: 9, votedId: 1, leaderId: -1 });
  writeFileSync(join(dir, 'quorum-state'), '{"leaderEpoch":');
  await assert.rejects(file.read([1]), /not valid JSON/);
});

async function openStore(dir: string): Promise<Awaited<ReturnType<typeof RaftLogStore.open>>> {
  return RaftLogStore.open({ dir, segmentBytes: 1 << 20, leaderChangeOf: () => LEADER_CHANGE, log: () => undefined });
}

test('the store appends, truncates and reloads entries; kill() drops what was never flushed', async (t) => {
  const dir = tempDir(t);
  let { store, loaded } = await openStore(dir);
  assert.deepEqual(loaded, { entries: [], snapshot: null, snapshotData: null });
  store.append([{ offset: 0n, epoch: 1, data: Buffer.alloc(0), control: true }, ...entries(1n, [1, 1, 1])]);
  assert.equal(await store.flush(), 4n);
  store.append(entries(4n, [1, 1]));
  await store.truncateTo(5n);
  assert.equal(await store.flush(), 5n);
  store.append(entries(5n, [2, 2])); // never flushed
  store.kill();

  ({ store, loaded } = await openStore(dir));
  assert.deepEqual(loaded.entries.map((e) => `${e.offset}@${e.epoch}${e.control ? 'c' : ''}`), ['0@1c', '1@1', '2@1', '3@1', '4@1']);
  assert.deepEqual(loaded.entries[3]!.data, Buffer.from('e3'));
  await store.close();
});

test('the store keeps a snapshot and the entries above it across a restart, and installs a fetched one', async (t) => {
  const dir = tempDir(t);
  let { store } = await openStore(dir);
  store.append(entries(0n, [1, 1, 1, 2, 2, 2]));
  await store.flush();
  const snapshot = { endOffset: 4n, epoch: 2, data: encodeSnapshotFile({ endOffset: 4n, epoch: 2 }, Buffer.from('state@4'), 0) };
  await store.writeSnapshotFile(snapshot);
  store.compactTo(snapshot, 6n);
  await store.close();

  let loaded;
  ({ store, loaded } = await openStore(dir));
  assert.equal(loaded.snapshot?.endOffset, 4n);
  assert.deepEqual(loaded.snapshotData, Buffer.from('state@4'));
  assert.deepEqual(loaded.entries.map((e) => e.offset), [4n, 5n]);

  // A snapshot from the leader beyond the log end replaces the log.
  const fetched = { endOffset: 20n, epoch: 3, data: encodeSnapshotFile({ endOffset: 20n, epoch: 3 }, Buffer.from('state@20'), 0) };
  assert.deepEqual(await store.installSnapshot(fetched), Buffer.from('state@20'));
  assert.equal(store.endOffset, 20n);
  store.append(entries(20n, [3]));
  await store.close();
  ({ store, loaded } = await openStore(dir));
  assert.equal(loaded.snapshot?.endOffset, 20n);
  assert.deepEqual(loaded.entries.map((e) => e.offset), [20n]);
  await store.close();
});
