import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BandwidthEstimator } from './bandwidth-estimator.js';

const near = (a: number | undefined, b: number, tolerance = 1) => a !== undefined && Math.abs(a - b) <= tolerance;

test('bandwidth estimator: unknown before the first sample, then exactly the first sample', () => {
  const e = new BandwidthEstimator();
  assert.equal(e.estimateKbps(), undefined);
  e.sample(0, 100);
  e.sample(1000, -1);
  e.sample(1000, NaN);
  assert.equal(e.estimateKbps(), undefined, 'empty or impossible samples are ignored');
  e.sample(125_000, 500); // 1,000,000 bits in 0.5 s
  assert.ok(near(e.estimateKbps(), 2000), `${e.estimateKbps()}`);
});

test('bandwidth estimator: the lower of a fast and a slow average, weighted by download time', () => {
  const steady = new BandwidthEstimator();
  for (let i = 0; i < 10; i++) steady.sample(1_000_000, 1000); // 8000 kbit/s
  assert.ok(near(steady.estimateKbps(), 8000));

  // A drop shows at once: the fast average (half-life 3 s of downloading) takes half of a 3 s download.
  const drop = new BandwidthEstimator();
  for (let i = 0; i < 100; i++) drop.sample(1_000_000, 1000);
  drop.sample(300_000, 3000); // 800 kbit/s for 3 s
  assert.ok(near(drop.estimateKbps(), (8000 + 800) / 2, 50), `${drop.estimateKbps()}`);

  // A burst is held back by the slow average (half-life 9 s): 1 s at 80,000 moves it by 1 - 2^(-1/9).
  const burst = new BandwidthEstimator();
  for (let i = 0; i < 100; i++) burst.sample(1_000_000, 1000);
  burst.sample(10_000_000, 1000);
  const slowShare = 1 - Math.pow(0.5, 1 / 9);
  assert.ok(near(burst.estimateKbps(), 8000 + (80_000 - 8000) * slowShare, 300), `${burst.estimateKbps()}`);

  // Download time is the weight: one 4 s download at 1000 outweighs forty 0.1 s ones at 10,000.
  const long = new BandwidthEstimator();
  for (let i = 0; i < 40; i++) long.sample(125_000, 100);
  long.sample(500_000, 4000);
  assert.ok(long.estimateKbps()! < 5000, `${long.estimateKbps()}`);
  // Two segments parsed from one read: the first took the time of both, the second none;
  // weighted by time, together they give the rate of both bytes over that time (4000), not 2000 or 2,000,000.
  const together = new BandwidthEstimator();
  together.sample(250_000, 1000);
  together.sample(250_000, 0);
  assert.ok(near(together.estimateKbps(), 4000, 150), `${together.estimateKbps()}`);
});

test('bandwidth estimator: restart reports the given figure until the next sample, then forgets the past', () => {
  const e = new BandwidthEstimator();
  for (let i = 0; i < 10; i++) e.sample(1_000_000, 1000);
  e.restart(1200);
  assert.equal(e.estimateKbps(), 1200);
  e.sample(150_000, 1000); // 1200 kbit/s
  assert.ok(near(e.estimateKbps(), 1200), 'the 8000 kbit/s history is gone');
});
