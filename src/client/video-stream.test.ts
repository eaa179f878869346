import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeClientFrame, decodeServerFrame, encodeClientFrame, encodeServerFrame, type ClientFrame } from '../protocol/index.js';
import { BandwidthEstimator } from './bandwidth-estimator.js';
import { MAX_GRANT_ENTRIES, MAX_SEGMENT_BYTES, VideoStream, type ReceivedSegment } from './video-stream.js';

type Posted = Parameters<ConstructorParameters<typeof VideoStream>[1]>[0];

/** A stream on a fake clock; what it posts goes through the real codec, as the server would read it. */
function setup(o: { initialCredit?: number; estimator?: BandwidthEstimator; throttleKbps?: number; realClock?: boolean } = {}) {
  const clock = { t: 0 };
  const posted: ClientFrame['body'][] = [];
  const estimator = o.estimator ?? new BandwidthEstimator();
  const stream = new VideoStream(
    1,
    (body: Posted) => posted.push(decodeClientFrame(encodeClientFrame({ body } as never)).body),
    {
      initialCredit: o.initialCredit ?? 1, estimator,
      ...(o.throttleKbps ? { throttleKbps: o.throttleKbps } : {}),
      ...(o.realClock ? {} : { now: () => clock.t }),
    },
  );
  const segments: ReceivedSegment[] = [];
  const errors: string[] = [];
  const order: string[] = [];
  stream.on('segment', (s) => {
    segments.push(s);
    order.push(`segment ${s.index}`);
  });
  stream.on('error', (e) => errors.push(`${e.code}: ${e.message}`));
  stream.on('end', (e) => order.push(`end ${e.reason}`));
  const chunk = (c: { index: number; offset?: number; total: number; bytes?: number; last?: boolean; generation?: number }) =>
    stream.onFrame(decodeServerFrame(encodeServerFrame({
      body: {
        case: 'segmentChunk',
        value: {
          streamId: 1, index: c.index, height: 240, startMs: c.index * 2000, durationMs: 2000, offset: c.offset ?? 0, total: c.total,
          data: new Uint8Array(c.bytes ?? c.total).fill(c.index), lastChunk: c.last ?? true, seekGeneration: c.generation ?? 0,
        },
      },
    })));
  const credits = () => posted.filter((b): b is Extract<ClientFrame['body'], { case: 'credit' }> => b.case === 'credit').map((b) => b.value);
  return { clock, stream, estimator, posted, credits, segments, errors, order, chunk };
}

test('video stream: a download runs from the credit that allowed it to its last byte; a queued one from the previous last byte', () => {
  const s = setup({ initialCredit: 2 });
  s.clock.t = 300;
  s.chunk({ index: 0, total: 30_000 });
  assert.equal(s.segments[0]!.downloadMs, 300, 'from the PLAY (its initial credit) to the last byte');
  s.clock.t = 400;
  s.chunk({ index: 1, total: 30_000 });
  assert.equal(s.segments[1]!.downloadMs, 100, 'the link was busy with segment 0 until 300');
  s.clock.t = 1000;
  s.stream.credit(1, { bufferMs: 3500 });
  s.clock.t = 1500;
  s.chunk({ index: 2, total: 30_000 });
  assert.equal(s.segments[2]!.downloadMs, 500, 'the link was idle: from the credit at 1000');
  // 60,000 bytes in 400 ms of downloading is 1200 kbit/s: what the Credit carried.
  const [c] = s.credits();
  assert.ok(Math.abs(c!.throughputKbps! - 1200) < 60, `reported ${c!.throughputKbps}`);
  assert.equal(c!.bufferMs, 3500);
});

test('video stream: a Credit carries what the client knows and leaves out what it does not (never a zero for "unknown")', () => {
  const s = setup();
  s.stream.credit(1);
  s.stream.credit(2, { bufferMs: 0 });
  const [first, second] = s.credits();
  assert.equal(first!.throughputKbps, undefined, 'nothing measured yet: absent on the wire');
  assert.equal(first!.bufferMs, undefined, 'no buffer figure given: absent on the wire');
  assert.equal(second!.bufferMs, 0, 'an empty buffer is a present zero');
  assert.equal(second!.segments, 2);
  s.clock.t = 250;
  s.chunk({ index: 0, total: 25_000 }); // 800 kbit/s, though three credits were out: it used the oldest (the PLAY's)
  s.stream.credit(1, { bufferMs: 1_000_000.4 });
  assert.equal(s.credits()[2]!.throughputKbps, 800);
  assert.equal(s.credits()[2]!.bufferMs, 1_000_000);
  s.stream.onFrame(decodeServerFrame(encodeServerFrame({ body: { case: 'streamEnd', value: { streamId: 1, reason: 'finished' } } })));
  s.stream.credit(1);
  assert.equal(s.credits().length, 3, 'no credit after the end');
});

test('video stream: a segment from before a seek is dropped and its credit given back', () => {
  const s = setup({ initialCredit: 2 });
  s.clock.t = 100;
  s.chunk({ index: 0, total: 20_000, bytes: 10_000, last: false });
  s.stream.seek(8000.6);
  const seek = s.posted.at(-1)!;
  assert.ok(seek.case === 'seek' && seek.value.positionMs === 8001, 'the Seek went out, in whole ms');
  s.clock.t = 200;
  s.chunk({ index: 0, offset: 10_000, total: 20_000, bytes: 10_000 });
  s.clock.t = 300;
  s.chunk({ index: 1, total: 20_000 }); // sent before the server read the Seek
  assert.equal(s.segments.length, 0, 'neither reaches the player');
  const back = s.credits();
  assert.equal(back.length, 2, 'both credits the server spent on them come back');
  for (const c of back) {
    assert.equal(c.segments, 1);
    assert.equal(c.bufferMs, undefined, 'no buffer figure: the player did not give one');
  }
  s.clock.t = 400;
  s.chunk({ index: 4, total: 20_000, generation: 1 });
  assert.deepEqual(s.segments.map((x) => x.index), [4]);
  assert.equal(s.segments[0]!.downloadMs, 100, 'the link carried the dropped segments until 300');
  assert.deepEqual(s.errors, []);
});

test('video stream: a segment the server cut short at a seek uses no credit; the next one counts from its last chunk', () => {
  const s = setup({ initialCredit: 1 });
  s.clock.t = 100;
  s.chunk({ index: 0, total: 20_000, bytes: 10_000, last: false });
  s.stream.seek(8000);
  s.clock.t = 500;
  s.chunk({ index: 4, total: 20_000, generation: 1 });
  assert.equal(s.credits().length, 0, 'the server kept the credit of the segment it abandoned');
  assert.equal(s.segments[0]!.downloadMs, 400);
});

test('video stream: a download that is late drops the estimate to the most that can have arrived', () => {
  const estimator = new BandwidthEstimator();
  estimator.sample(1_000_000, 1000); // 8000 kbit/s so far
  const s = setup({ initialCredit: 1, estimator });
  s.clock.t = 50;
  s.chunk({ index: 0, total: 300_000, bytes: 262_144, last: false }); // the server's chunk size: 256 KiB
  s.clock.t = 60;
  s.chunk({ index: 0, offset: 262_144, total: 300_000, bytes: 300_000 - 262_144 });
  s.clock.t = 100;
  s.stream.credit(1);
  const fast = s.credits()[0]!.throughputKbps!;
  assert.ok(fast > 8000, `${fast}`);
  // Two seconds after that credit nothing of the next segment has come: at most one chunk can have.
  s.clock.t = 2100;
  s.stream.credit(1);
  assert.equal(s.credits()[1]!.throughputKbps, Math.round((262_144 * 8) / 2000));
  // Part of it came meanwhile: the bound counts it, and what is left of the segment.
  s.clock.t = 2500;
  s.chunk({ index: 1, total: 300_000, bytes: 262_144, last: false });
  s.clock.t = 3100;
  s.stream.credit(1);
  assert.equal(s.credits()[2]!.throughputKbps, Math.round((300_000 * 8) / 3000));
  // Not late: no bound (a credit right after a segment finished, or before the chunk size is known).
  const fresh = setup({ initialCredit: 1, estimator: (() => { const e = new BandwidthEstimator(); e.sample(1_000_000, 1000); return e; })() });
  fresh.clock.t = 5000;
  fresh.stream.credit(1);
  assert.equal(fresh.credits()[0]!.throughputKbps, 8000, 'no chunk size learned yet: nothing to bound with');
});

test('video stream: credit entries stay bounded; oversized or broken segments are refused', () => {
  const s = setup({ initialCredit: 1 });
  for (let i = 0; i < 100; i++) {
    s.clock.t = 10 + i;
    s.stream.credit(1);
  }
  assert.equal(s.stream.grantEntries, MAX_GRANT_ENTRIES);
  s.clock.t = 1000;
  s.chunk({ index: 0, total: 1000 });
  assert.equal(s.segments[0]!.downloadMs, 1000, 'merged entries keep the oldest time');

  s.chunk({ index: 1, total: MAX_SEGMENT_BYTES + 1, bytes: 10, last: false });
  s.chunk({ index: 2, total: 100, bytes: 10, last: false });
  s.chunk({ index: 2, offset: 50, total: 100, bytes: 50 });
  s.chunk({ index: 3, offset: 10, total: 100, bytes: 90 });
  assert.equal(s.segments.length, 1);
  assert.deepEqual(s.errors, [
    `BAD_SEGMENT: segment 1 would be ${MAX_SEGMENT_BYTES + 1} bytes (at most ${MAX_SEGMENT_BYTES})`,
    'BAD_SEGMENT: segment 2: chunk at 50 of 100 after 10 of 100 bytes',
    'BAD_SEGMENT: segment 3: chunk at 10 of 100 after 0 of 100 bytes',
  ]);
});

test('video stream: a throttle hands segments over no sooner than the pretend link allows, in order, then the end', async () => {
  const s = setup({ initialCredit: 2, throttleKbps: 800, realClock: true });
  const t0 = performance.now();
  s.chunk({ index: 0, total: 5000 }); // 40 kbit: 50 ms at 800 kbit/s
  s.chunk({ index: 1, total: 5000 });
  s.stream.onFrame(decodeServerFrame(encodeServerFrame({ body: { case: 'streamEnd', value: { streamId: 1, reason: 'finished' } } })));
  assert.equal(s.order.length, 0, 'nothing before its time');
  while (!s.order.includes('end finished')) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(s.order, ['segment 0', 'segment 1', 'end finished']);
  assert.ok(performance.now() - t0 >= 99, `two segments took ${performance.now() - t0} ms`);
  for (const seg of s.segments) assert.ok(Math.abs(seg.downloadMs - 50) < 5, `${seg.downloadMs}`);
});
