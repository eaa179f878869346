import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segmentLayout, ffmpegSeconds } from './segment-layout.js';

test('every title is cut into a multiple of three segments of at most 2 s', () => {
  for (const ms of [100, 1000, 5999, 6000, 6001, 8000, 12_000, 59_000, 7_200_000]) {
    const l = segmentLayout(ms);
    assert.equal(l.count % 3, 0, `${ms} ms: ${l.count} segments`);
    assert.ok(l.seconds <= 2 && l.seconds > 0, `${ms} ms: ${l.seconds} s`);
    assert.ok(l.seconds * l.count <= ms / 1000 && l.seconds * l.count > ms / 1000 - 0.001, `${ms} ms: ${l.count} × ${l.seconds} s`);
    // As few segments as the 2 s target allows: one third fewer would make them longer than 2 s.
    assert.ok(ms / 1000 / (l.count - 3) > 2 || l.count === 3, `${ms} ms: ${l.count} segments is not the fewest`);
  }
  assert.deepEqual(segmentLayout(8000), { seconds: 1.333333, count: 6 });
  assert.deepEqual(segmentLayout(12_000), { seconds: 2, count: 6 });
  assert.deepEqual(segmentLayout(0), { seconds: 2, count: 0 });
  assert.equal(ffmpegSeconds(1.333333), '1.333333');
  assert.equal(ffmpegSeconds(2), '2.000000');
});
