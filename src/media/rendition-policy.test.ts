import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BandwidthEstimator } from './bandwidth-estimator.js';
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

test('bandwidth estimator: the lower of a fast and a slow average', () => {
  const e = new BandwidthEstimator();
  assert.equal(e.estimateKbps(), undefined);
  for (let i = 0; i < 10; i++) e.sample(1_000_000, 1000, 2); // 8000 kbit/s
  assert.ok(Math.abs(e.estimateKbps()! - 8000) < 1);
  const burst = new BandwidthEstimator();
  for (let i = 0; i < 10; i++) burst.sample(1_000_000, 1000, 2);
  burst.sample(10_000_000, 1000, 2); // one burst of 80,000 kbit/s
  assert.ok(burst.estimateKbps()! < 30_000, 'one burst does not jump the estimate (the slow average holds it)');
  e.sample(100_000, 1000, 2); // a slow segment: 800 kbit/s
  assert.ok(e.estimateKbps()! < 6000, 'a drop shows at once through the fast average');
});
