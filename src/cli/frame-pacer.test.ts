import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FramePacer } from './frame-pacer.js';

test('frames are shown at the frame rate, one per period', () => {
  const p = new FramePacer(40); // 25 fps
  assert.deepEqual(p.step(1000, 3), { drop: 0, draw: true, waitMs: 40 });
  assert.deepEqual(p.step(1010, 2), { drop: 0, draw: false, waitMs: 30 }, 'too early for frame 1');
  assert.deepEqual(p.step(1040, 2), { drop: 0, draw: true, waitMs: 40 });
  assert.equal(p.frames, 2);
  assert.equal(p.dropped, 0);
});

test('when drawing falls behind, late frames are dropped so the picture stays on time', () => {
  const p = new FramePacer(40);
  p.step(0, 10);
  // A slow draw: we come back at 130 ms, when frame 3 (due at 120) is the one to show.
  assert.deepEqual(p.step(130, 9), { drop: 2, draw: true, waitMs: 30 });
  assert.equal(p.frames, 4);
  assert.equal(p.dropped, 2);
  // Never drops the last frame it has: shows it late rather than nothing.
  assert.deepEqual(p.step(1000, 1), { drop: 0, draw: true, waitMs: 0 });
});

test('an empty queue past the due time pauses the clock instead of dropping what comes next', () => {
  const p = new FramePacer(40);
  p.step(0, 1);
  assert.deepEqual(p.step(40, 0), { drop: 0, draw: false, waitMs: undefined });
  assert.deepEqual(p.step(80, 0), { drop: 0, draw: false, waitMs: undefined });
  // The decoder catches up at 500 ms: that frame is shown now, the next 40 ms later.
  assert.deepEqual(p.step(500, 3), { drop: 0, draw: true, waitMs: 40 });
  assert.equal(p.dropped, 0);
});

test('reset starts a new timeline (a seek); the frame rate can be set once known', () => {
  const p = new FramePacer(1000 / 30);
  p.step(0, 5);
  p.step(34, 5);
  p.reset();
  p.setFrameRate(50);
  assert.equal(p.frames, 0);
  assert.deepEqual(p.step(5000, 2), { drop: 0, draw: true, waitMs: 20 });
  assert.equal(p.frameDurationMs, 20);
});
