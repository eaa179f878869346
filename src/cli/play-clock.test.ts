import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlayClock } from './play-clock.js';

test('the playhead runs at wall-clock speed over what has arrived, and waits when it runs dry', () => {
  let now = 0;
  const c = new PlayClock(() => now);
  c.reset(0);
  assert.equal(c.position(), 0);
  now = 500;
  c.received(0, 2000);
  c.received(2000, 2000);
  assert.equal(c.bufferedMs(), 4000);
  now = 1500;
  assert.equal(c.position(), 1000);
  assert.equal(c.bufferedMs(), 3000);
  now = 9000; // the network stalled: the player stopped at the end of the data
  assert.equal(c.position(), 4000);
  assert.equal(c.bufferedMs(), 0);
  c.received(4000, 2000); // playback resumes from here, now
  now = 9500;
  assert.equal(c.position(), 4500);
});

test('a seek empties the buffer and waits at the target until data comes', () => {
  let now = 0;
  const c = new PlayClock(() => now);
  c.reset(0);
  c.received(0, 2000);
  now = 1000;
  c.reset(60_000);
  now = 3000;
  assert.equal(c.position(), 60_000);
  assert.equal(c.receivedEnd(), 60_000);
  c.received(60_000, 2000); // segments start on boundaries: the server starts the segment holding the target
  now = 3500;
  assert.equal(c.position(), 60_500);
  assert.equal(c.receivedEnd(), 62_000);
});
