import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime, parseSeek, parseTime } from './media-time.js';

test('parseTime reads seconds, M:SS and H:MM:SS, and refuses anything else', () => {
  assert.equal(parseTime('125'), 125_000);
  assert.equal(parseTime('2:05'), 125_000);
  assert.equal(parseTime(' 1:02:05 '), 3_725_000);
  assert.equal(parseTime('2:05.5'), 125_500);
  assert.equal(parseTime('0.25'), 250);
  for (const bad of ['', 'soon', '1:75', '1.5:00', '1:2:3:4', '-5', '+5', '1:', ':30', '1e3']) {
    assert.equal(parseTime(bad), undefined, JSON.stringify(bad));
  }
});

test('parseSeek: absolute positions and relative jumps', () => {
  assert.deepEqual(parseSeek('2:05'), { kind: 'absolute', ms: 125_000 });
  assert.deepEqual(parseSeek('+10'), { kind: 'relative', ms: 10_000 });
  assert.deepEqual(parseSeek('-10'), { kind: 'relative', ms: -10_000 });
  assert.deepEqual(parseSeek('-1:00'), { kind: 'relative', ms: -60_000 });
  assert.equal(parseSeek('+'), undefined);
  assert.equal(parseSeek('back'), undefined);
  assert.equal(parseSeek('--10'), undefined);
});

test('formatTime writes M:SS, or H:MM:SS past an hour', () => {
  assert.equal(formatTime(0), '0:00');
  assert.equal(formatTime(65_400), '1:05');
  assert.equal(formatTime(3_725_000), '1:02:05');
  assert.equal(formatTime(-5), '0:00');
});
