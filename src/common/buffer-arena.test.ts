import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BufferArena, BufferArenaPool } from './buffer-arena.js';

test('an arena hands out disjoint slices of one buffer until it is full, then buffers of their own', () => {
  const arena = new BufferArena(100, 1000);
  const a = arena.alloc(40);
  const b = arena.alloc(60);
  assert.equal(a.buffer, b.buffer, 'both from the arena');
  a.fill(1);
  b.fill(2);
  assert.ok(a.every((x) => x === 1), 'slices do not overlap');
  const c = arena.alloc(10);
  assert.notEqual(c.buffer, a.buffer, 'past its capacity the arena allocates');
  assert.equal(c.length, 10);
});

test('reset reuses the memory and grows the arena toward the last use, within its bound', () => {
  const arena = new BufferArena(100, 1000);
  const first = arena.alloc(80);
  arena.alloc(300);
  arena.reset();
  assert.equal(arena.capacity, 380);
  const again = arena.alloc(50);
  assert.equal(again.length, 50);
  arena.alloc(5000);
  arena.reset();
  assert.equal(arena.capacity, 1000, 'never beyond the bound');
  const fresh = new BufferArena(100, 1000);
  assert.equal(fresh.alloc(700).buffer, fresh.alloc(0).buffer, 'an empty arena grows at once for a read that fits its bound');
  assert.ok(first.length === 80);
});

test('an arena holds no memory until it allocates (a long-polling fetch that reads nothing costs nothing)', () => {
  const pool = new BufferArenaPool(1 << 20, 1 << 24, 4);
  const waiting = Array.from({ length: 1000 }, () => pool.acquire());
  assert.ok(waiting.every((a) => a.capacity === 0));
  const used = waiting[0]!;
  used.alloc(10);
  assert.equal(used.capacity, 1 << 20, 'the first allocation takes the initial size');
});

test('the pool keeps at most maxIdle arenas and hands released ones out again', () => {
  const pool = new BufferArenaPool(64, 1024, 2);
  const [a, b, c] = [pool.acquire(), pool.acquire(), pool.acquire()];
  pool.release(a);
  pool.release(b);
  pool.release(c);
  pool.release(c);
  assert.equal(pool.idleCount, 2);
  const again = pool.acquire();
  assert.ok(again === a || again === b);
  assert.throws(() => new BufferArenaPool(0, 10, 1));
});
