// Replay window: once per (sender, id), inside the age window, bounded, persistent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isCryptoError, ReplayWindow, toHex } from './index.js';

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
  assert.equal(w.size, 10);
  // The oldest was forgotten (cut to 90% to make room); replaying it is still refused by the floor.
  assert.equal(w.floorFor(fp(1)), 1000);
  assert.throws(() => w.check(fp(1), id(0), 1000, 2000), REPLAY);
  assert.throws(() => w.check(fp(1), id(200), 1000, 2000), REPLAY, 'anything at or under the floor');
  w.check(fp(1), id(201), 1500, 2000);
});

test('one sender\'s flood of 100,001 messages does not make other senders\' messages replays', () => {
  const now = Date.UTC(2026, 0, 1);
  const w = new ReplayWindow();
  // Honest senders, each with something remembered, and one of them with a message stored for days.
  w.check(fp(2), id(1), now - 3 * 24 * 3600 * 1000, now);
  w.check(fp(3), id(1), now - 60_000, now);
  const flood = new Uint8Array(16);
  const view = new DataView(flood.buffer);
  for (let i = 0; i <= 100_000; i++) {
    view.setUint32(0, i);
    w.check(fp(1), flood, now + i, now + i); // dated "now", the clock running a millisecond per message
  }
  const later = now + 100_001;
  // Delivered late (stored while we were offline): older than the flooder's floor, and still fine.
  w.check(fp(2), id(2), now - 2 * 24 * 3600 * 1000, later);
  w.check(fp(3), id(2), now - 3600_000, later);
  w.check(fp(4), id(1), now - 3600_000, later);
  assert.ok(w.size <= 100_000, `${w.size} ids remembered`);
  assert.ok(w.floorFor(fp(1)) > now, 'the flooder forgot its own oldest ids');
  assert.equal(w.floorFor(fp(2)), -1, 'the others forgot nothing');
  assert.throws(() => w.check(fp(2), id(1), now - 3 * 24 * 3600 * 1000, later), REPLAY, 'their own ids are still remembered');
  // The flooder's forgotten ids stay refused.
  view.setUint32(0, 0);
  assert.throws(() => w.check(fp(1), flood, now, later), REPLAY);
});

test('the floor never passes now: messages dated ahead are not forgotten, and a sender may hold only so many', () => {
  const now = 1_000_000_000;
  const w = new ReplayWindow({ maxEntries: 100, maxAheadPerSender: 20 });
  for (let i = 0; i < 20; i++) w.check(fp(1), id(i), now + 5 * 60 * 1000, now);
  assert.throws(() => w.check(fp(1), id(100), now + 60_000, now), REPLAY, 'the 21st message dated ahead is refused');
  w.check(fp(1), id(101), now - 1, now); // dated in the past: fine
  for (let i = 0; i < 200; i++) w.check(fp(2 + (i % 5)), id(i), now - 1000 + i, now); // fill the window from others
  assert.ok(w.size <= 100);
  for (let s = 1; s <= 6; s++) assert.ok(w.floorFor(fp(s)) <= now, `sender ${s}: floor ${w.floorFor(fp(s))} is not after now`);
  // Another sender's message dated now is accepted although the window is full.
  w.check(fp(9), id(1), now, now);
  assert.throws(() => w.check(fp(1), id(3), now + 5 * 60 * 1000, now), REPLAY, 'the ids dated ahead are all still remembered');
  // Once time has passed, the ids dated ahead may be forgotten like any other.
  w.check(fp(1), id(102), now + 6 * 60 * 1000, now + 6 * 60 * 1000);
});

test('bounded in senders: the least recently active is folded into the floor for senders without a window', () => {
  const w = new ReplayWindow({ maxSenders: 3, maxAgeMs: 1e9 });
  for (let s = 1; s <= 3; s++) w.check(fp(s), id(1), 1000 + s, 2000);
  w.check(fp(1), id(2), 1500, 2000); // sender 1 active again: sender 2 is now the least recent
  w.check(fp(4), id(1), 1600, 2000);
  assert.equal(w.senderCount, 3);
  assert.throws(() => w.check(fp(2), id(1), 1002, 2000), REPLAY, 'the evicted sender\'s ids stay refused');
  assert.equal(w.floorFor(fp(2)), 1002);
  w.check(fp(2), id(9), 1700, 2000);
});

test('persists through toJSON/fromJSON; malformed state is refused, not silently reset', () => {
  const w = new ReplayWindow({ maxAgeMs: 1000, maxFutureSkewMs: 100 });
  w.check(fp(1), id(2), 5000, 5000);
  const restored = ReplayWindow.fromJSON(JSON.parse(JSON.stringify(w.toJSON())));
  assert.throws(() => restored.check(fp(1), id(2), 5000, 5002), REPLAY, 'survives persistence');
  assert.throws(() => restored.check(fp(1), id(3), 5200, 5000), REPLAY, 'settings survive too');
  for (const bad of [
    null, 1, {}, { v: 3, senders: [] }, { v: 2, seen: [] }, { v: 2, othersFloor: -1, senders: [['zz', 1, []]] },
    { v: 2, othersFloor: -1, senders: [['ab'.repeat(32), 1, [['zz', 1]]]] }, { v: 1, seen: [['zz', 1]] }, { v: 1, seen: [], maxAgeMs: -1 },
  ]) {
    assert.throws(() => ReplayWindow.fromJSON(bad), BAD_INPUT, JSON.stringify(bad));
  }
  assert.throws(() => w.check(fp(1).subarray(1), id(1), 1, 1), BAD_INPUT);
  assert.throws(() => w.check(fp(1), id(1), Number.NaN, 1), BAD_INPUT);
});

test('a version-1 window (one for all senders) is split per sender, its floor capped at now', () => {
  const now = 10_000_000;
  const key = (f: number, i: number) => toHex(fp(f)) + toHex(id(i));
  const v1 = { v: 1, maxAgeMs: 1e9, maxFutureSkewMs: 300_000, maxEntries: 100, floor: now + 200_000, seen: [[key(1, 1), now - 5], [key(2, 1), now - 7]] };
  const w = ReplayWindow.fromJSON(v1, now);
  assert.equal(w.size, 2);
  assert.throws(() => w.check(fp(1), id(1), now - 5, now), REPLAY, 'remembered ids survive the migration');
  assert.throws(() => w.check(fp(2), id(1), now - 7, now), REPLAY);
  assert.equal(w.floorFor(fp(3)), now, 'the old floor, but not later than now');
  w.check(fp(3), id(1), now + 1, now);
  const again = ReplayWindow.fromJSON(JSON.parse(JSON.stringify(w.toJSON())), now);
  assert.throws(() => again.check(fp(3), id(1), now + 1, now), REPLAY, 'version 2 round-trips');
});
