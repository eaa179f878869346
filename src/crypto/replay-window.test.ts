// Replay window: once per (sender, id), inside the age window, bounded, persistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCryptoError, ReplayWindow } from './index.js';

const REPLAY = (e: unknown) => isCryptoError(e, 'REPLAY');
const BAD_INPUT = (e: unknown) => isCryptoError(e, 'BAD_INPUT');
const fp = (n: number) => new Uint8Array(32).fill(n);
const id = (n: number) => new Uint8Array(16).fill(n);

test('same id twice, too old and too far in the future are refused', () => {
  const w = new ReplayWindow({ maxAgeMs: 1000, maxFutureSkewMs: 100 });
  w.check(fp(1), id(2), 5000, 5000);
  assert.throws(() => w.check(fp(1), id(2), 5000, 5001), REPLAY, 'same id again');
  assert.ok(w.has(fp(1), id(2)));
  w.check(fp(9), id(2), 5000, 5001); // the same id from another sender key is another message
  assert.throws(() => w.check(fp(1), id(3), 3999, 5000), REPLAY, 'older than maxAge');
  w.check(fp(1), id(4), 4000, 5000); // exactly at the age edge
  assert.throws(() => w.check(fp(1), id(5), 5101, 5000), REPLAY, 'beyond the future skew');
  w.check(fp(1), id(6), 5100, 5000); // exactly at the skew edge
  assert.throws(() => w.check(fp(1), id(2), 5000, 5000), REPLAY);
});

test('defaults: 31 days back, 5 minutes ahead', () => {
  const w = new ReplayWindow();
  const now = Date.UTC(2026, 0, 1);
  w.check(fp(1), id(1), now - 31 * 24 * 3600 * 1000, now);
  assert.throws(() => w.check(fp(1), id(2), now - 31 * 24 * 3600 * 1000 - 1, now), REPLAY);
  w.check(fp(1), id(3), now + 5 * 60 * 1000, now);
  assert.throws(() => w.check(fp(1), id(4), now + 5 * 60 * 1000 + 1, now), REPLAY);
});

test('bounded: forgetting the oldest raises a floor, so forgotten ids cannot come back', () => {
  const w = new ReplayWindow({ maxEntries: 10, maxAgeMs: 1e9 });
  for (let i = 0; i < 11; i++) w.check(fp(1), id(i), 1000 + i, 2000);
  // The oldest two were forgotten (pruned to 90%); replaying them is still refused by the floor.
  assert.throws(() => w.check(fp(1), id(0), 1000, 2000), REPLAY);
  assert.throws(() => w.check(fp(1), id(200), 1001, 2000), REPLAY, 'anything at or under the floor');
  w.check(fp(1), id(201), 1500, 2000);
});

test('persists through toJSON/fromJSON; malformed state is refused, not silently reset', () => {
  const w = new ReplayWindow({ maxAgeMs: 1000, maxFutureSkewMs: 100 });
  w.check(fp(1), id(2), 5000, 5000);
  const restored = ReplayWindow.fromJSON(JSON.parse(JSON.stringify(w.toJSON())));
  assert.throws(() => restored.check(fp(1), id(2), 5000, 5002), REPLAY, 'survives persistence');
  assert.throws(() => restored.check(fp(1), id(3), 5200, 5000), REPLAY, 'settings survive too');
  for (const bad of [null, 1, {}, { v: 2, seen: [] }, { v: 1, seen: [['zz', 1]] }, { v: 1, seen: [], maxAgeMs: -1 }]) {
    assert.throws(() => ReplayWindow.fromJSON(bad), BAD_INPUT, JSON.stringify(bad));
  }
  assert.throws(() => w.check(fp(1).subarray(1), id(1), 1, 1), BAD_INPUT);
  assert.throws(() => w.check(fp(1), id(1), Number.NaN, 1), BAD_INPUT);
});
