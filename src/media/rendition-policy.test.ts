import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMediaError } from './media-error.js';
import { createPolicy } from './rendition-policy.js';

const heights = [240, 360, 480, 720, 1080];
const bandwidths = [550_000, 1_150_000, 1_950_000, 3_800_000, 6_700_000];
const ctx = (index: number, segmentCount: number, extra = {}) => ({ index, segmentCount, heights, bandwidths, ...extra });

test('thirds: first third lowest, middle third middle rung, last third highest', () => {
  const p = createPolicy('thirds');
  const schedule = (n: number) => Array.from({ length: n }, (_, i) => p.choose(ctx(i, n)));
  assert.deepEqual(schedule(9), [240, 240, 240, 480, 480, 480, 1080, 1080, 1080]);
  assert.deepEqual(schedule(10), [240, 240, 240, 240, 480, 480, 480, 1080, 1080, 1080]);
  assert.deepEqual(schedule(11), [240, 240, 240, 240, 480, 480, 480, 480, 1080, 1080, 1080]);
  assert.equal(p.choose({ index: 0, segmentCount: 3, heights: [720], bandwidths: [1] }), 720, 'one rung: always it');
});

test('fixed: the exact rung or the nearest below; bad specs refused', () => {
  assert.equal(createPolicy('fixed:720p').choose(ctx(0, 5)), 720);
  assert.equal(createPolicy('fixed:600p').choose(ctx(0, 5)), 480);
  assert.equal(createPolicy('fixed:144p').choose(ctx(0, 5)), 240);
  for (const bad of ['fast', 'fixed:', 'fixed:abc', 'thirds2']) assert.throws(() => createPolicy(bad), (e) => isMediaError(e, 'BAD_POLICY'));
});

test('abr: starts low, climbs one rung at a time with buffer, drops when the buffer runs dry', () => {
  const p = createPolicy('abr');
  assert.equal(p.choose(ctx(0, 20)), 240, 'no measurement yet');
  assert.equal(p.choose(ctx(1, 20, { throughputKbps: 20_000, bufferMs: 6000, previousHeight: 240 })), 360, 'one step up');
  assert.equal(p.choose(ctx(2, 20, { throughputKbps: 20_000, bufferMs: 2000, previousHeight: 360 })), 360, 'not up without buffer');
  assert.equal(p.choose(ctx(3, 20, { throughputKbps: 1_500, bufferMs: 6000, previousHeight: 720 })), 360, 'down to what fits');
  assert.equal(p.choose(ctx(4, 20, { throughputKbps: 20_000, bufferMs: 500, previousHeight: 720 })), 240, 'panic on empty buffer');
});

test('abr: a start or a seek continues at the rung it had; an empty buffer then is no emergency', () => {
  const p = createPolicy('abr');
  const seek = { starting: true, previousHeight: 720 };
  assert.equal(p.choose(ctx(8, 20, seek)), 720, 'no figure yet: the rung it had');
  assert.equal(p.choose(ctx(8, 20, { ...seek, throughputKbps: 20_000, bufferMs: 0 })), 720, 'nothing buffered, but no drop and no climb');
  assert.equal(p.choose(ctx(8, 20, { ...seek, throughputKbps: 1_500 })), 360, 'a slow link still drops it to what fits');
  assert.equal(p.choose(ctx(9, 20, { previousHeight: 720, throughputKbps: 20_000, bufferMs: 0 })), 240, 'during playback, an empty buffer is');
  assert.equal(p.choose(ctx(9, 20, { previousHeight: 720, bufferMs: 500 })), 240, 'even before any throughput figure');
  assert.equal(p.choose(ctx(9, 20, { previousHeight: 720, throughputKbps: 20_000 })), 1080, 'no buffer figure does not hold a climb back');
  assert.equal(p.choose(ctx(9, 20, { previousHeight: 1080, throughputKbps: 1_000_000, bufferMs: 60_000 })), 1080, 'the top is the top');
  assert.equal(p.choose(ctx(9, 20, { previousHeight: 480, throughputKbps: 0, bufferMs: 6000 })), 240, 'a measured zero: the lowest');
});
