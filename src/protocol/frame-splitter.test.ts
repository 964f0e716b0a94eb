import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FrameSplitter } from './frame-splitter.js';

function framed(body: Buffer): Buffer {
  const out = Buffer.alloc(4 + body.length);
  out.writeInt32BE(body.length, 0);
  body.copy(out, 4);
  return out;
}

test('frames come out whole however the stream is cut, and survive the reuse of the input buffer', () => {
  const bodies = [Buffer.from('abcd'), Buffer.alloc(70_000, 7), Buffer.from('tail!')];
  const stream = Buffer.concat(bodies.map(framed));
  for (const step of [1, 3, 4, 5, 1000, 65_536, stream.length]) {
    const splitter = new FrameSplitter(1 << 20);
    const scratch = Buffer.alloc(step);
    const out: Buffer[] = [];
    for (let pos = 0; pos < stream.length; pos += step) {
      const n = stream.copy(scratch, 0, pos, Math.min(pos + step, stream.length));
      splitter.push(scratch.subarray(0, n));
      scratch.fill(0xee); // the reader reuses its buffer
      for (let f = splitter.next(); f !== null; f = splitter.next()) out.push(f);
    }
    assert.deepEqual(out, bodies, `cut every ${step} bytes`);
  }
});

test('a size outside the bounds breaks the stream; reset starts over', () => {
  const splitter = new FrameSplitter(100);
  splitter.push(Buffer.from([0, 0, 1, 0, 1, 2]));
  assert.throws(() => splitter.next(), /frame size 256 outside 4..100/);
  splitter.reset();
  splitter.push(framed(Buffer.from('okay')));
  assert.deepEqual(splitter.next(), Buffer.from('okay'));
  assert.equal(splitter.next(), null);
  splitter.push(Buffer.from([0, 0, 0, 2]));
  assert.throws(() => splitter.next(), /frame size 2/);
});

test('feed hands out frames until the reader stops, and reports a broken stream after the good frames', () => {
  const splitter = new FrameSplitter(100);
  const seen: string[] = [];
  const stream = Buffer.concat([framed(Buffer.from('one!')), framed(Buffer.from('two!')), framed(Buffer.from('three'))]);
  assert.equal(splitter.feed(stream, (f) => (seen.push(f.toString()), seen.length < 2)), null);
  assert.deepEqual(seen, ['one!', 'two!']);
  assert.equal(splitter.feed(Buffer.concat([framed(Buffer.from('four')), Buffer.from([0, 0, 1, 0])]), (f) => (seen.push(f.toString()), true))?.message, 'frame size 256 outside 4..100');
  assert.deepEqual(seen, ['one!', 'two!', 'three', 'four']);
});
