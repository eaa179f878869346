import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from './backoff.js';

test('full jitter under an exponentially growing, capped ceiling', () => {
  const top = (attempt: number) => backoffDelay(attempt, { baseMs: 100, maxMs: 1_000 }, () => 0.999999);
  assert.deepEqual([1, 2, 3, 4, 5, 50].map(top), [99, 199, 399, 799, 999, 999]);
  assert.equal(backoffDelay(3, { baseMs: 100 }, () => 0), 0);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(6)));
  assert.ok(spread.size > 40, 'random, so reconnecting clients spread out');
  for (const d of spread) assert.ok(d >= 0 && d < 8_000);
});
