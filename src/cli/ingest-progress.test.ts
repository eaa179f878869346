import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eta, ingestProgressPrinter } from './ingest-progress.js';

function capture(isTTY: boolean) {
  let text = '';
  return { isTTY, write: (s: string) => (text += s), text: () => text };
}

test('eta extrapolates the time spent, once there is something to go on', () => {
  assert.equal(eta(10_000, 50), 'ETA 0:10');
  assert.equal(eta(3_000, 20), 'ETA 0:12');
  assert.equal(eta(500, 50), '', 'under a second: too early');
  assert.equal(eta(10_000, 0.5), '', 'under 1%: too early');
  assert.equal(eta(10_000, 100), '');
});

test('on a terminal: one bar per title redrawn in place, then a result line', () => {
  let now = 0;
  const out = capture(true);
  const print = ingestProgressPrinter(out, () => now);
  print({ name: 'movie', percent: 0 });
  now = 4000;
  print({ name: 'movie', percent: 40, speed: 3.25 });
  assert.match(out.text(), /\r\x1b\[Ktranscoding movie \[#{12}\.{18}\]  40%  3\.3x  ETA 0:06$/);
  now = 10_000;
  print({ name: 'movie', percent: 100, done: true });
  assert.ok(out.text().endsWith('\r\x1b[Kvideo "movie" ready (transcoded in 0:10)\n'));
  print({ name: 'cached', percent: 100, done: true });
  assert.ok(out.text().endsWith('\nvideo "cached" up to date\n'), 'no bar was ever drawn for it: already in the cache');
  print({ name: 'broken', percent: 0, done: true, error: 'not a readable media file: Invalid data\x1b[2J' });
  assert.ok(out.text().endsWith('video "broken" failed: not a readable media file: Invalid data\\x1b[2J\n'), 'escapes from file contents are neutralised');
});

test('without a terminal: plain lines per quarter and at least every 10 s, no escape codes', () => {
  let now = 0;
  const out = capture(false);
  const print = ingestProgressPrinter(out, () => now);
  for (const percent of [0, 5, 10, 20, 26, 30]) {
    now += 1000;
    print({ name: 'movie', percent, speed: 2 });
  }
  now += 11_000;
  print({ name: 'movie', percent: 31, speed: 2 });
  now += 1000;
  print({ name: 'movie', percent: 32, speed: 2 });
  print({ name: 'movie', percent: 100, done: true });
  const lines = out.text().trimEnd().split('\n');
  assert.deepEqual(lines.map((l) => l.replace(/ +ETA.*$/, '')), [
    'transcoding movie: 0%  2.0x',
    'transcoding movie: 26%  2.0x',
    'transcoding movie: 31%  2.0x',
    'video "movie" ready (transcoded in 0:17)',
  ]);
  assert.ok(!out.text().includes('\x1b'));
});
