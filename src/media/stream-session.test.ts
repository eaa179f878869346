import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaLibrary } from './media-library.js';
import { createPolicy } from './rendition-policy.js';
import { StreamSession, type StreamEvent } from './stream-session.js';
import { decodeErrors, frameHeights } from '../../test/support/media-fixtures.js';
import { seedLibrary } from '../../test/support/seeded-library.js';

test('stream session: thirds decodes cleanly with heights switching at the thirds; credit, seek and stop', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sealcast-stream-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  // Streaming is the subject, not the transcode: the title comes transcoded (shared with video.e2e).
  await seedLibrary(join(root, 'v'), root, [{ file: 'movie.mp4', clip: { width: 854, height: 480, seconds: 12 } }]);
  const lib = new MediaLibrary({ videosDir: join(root, 'v'), cacheDir: join(root, 'media') });
  await lib.start();
  assert.equal(lib.get('movie')!.state, 'ready', 'the seeded title is ready at once');
  const title = lib.get('movie')!;
  assert.equal(title.segmentCount, 6);

  // Whole stream, thirds, the client granting one credit per segment received.
  const events: StreamEvent[] = [];
  let session!: StreamSession;
  const finished = new Promise<void>((resolve) => {
    session = new StreamSession({
      library: lib, title, streamId: 1, policy: createPolicy('thirds'), startMs: 0, initialCredit: 2, chunkBytes: 64 * 1024,
      send: (ev) => {
        events.push(ev);
        if (ev.type === 'chunk' && ev.lastChunk) session.credit(1);
        if (ev.type === 'end') resolve();
      },
    });
  });
  session.start();
  await finished;
  const chunks = events.filter((e): e is Extract<StreamEvent, { type: 'chunk' }> => e.type === 'chunk');
  assert.equal(events[0]!.type, 'start');
  assert.deepEqual(events.at(-1), { type: 'end', streamId: 1, reason: 'finished' });
  assert.ok(chunks.some((c) => !c.lastChunk), 'segments are split into chunks');
  const segs = [...new Set(chunks.map((c) => `${c.index}:${c.height}`))];
  assert.deepEqual(segs, ['0:240', '1:240', '2:360', '3:360', '4:480', '5:480']);
  const file = join(root, 'received.ts');
  writeFileSync(file, Buffer.concat(chunks.map((c) => c.data)));
  assert.equal(decodeErrors(file), '', 'the received stream decodes with no errors');
  const heights = frameHeights(file);
  assert.ok(Math.abs(heights.length - 360) <= 60, `${heights.length} frames for 12 s at 30 fps`);
  const runs: [number, number][] = [];
  for (const h of heights) {
    if (runs.length && runs.at(-1)![0] === h) runs.at(-1)![1]++;
    else runs.push([h, 1]);
  }
  assert.deepEqual(runs.map((r) => r[0]), [240, 360, 480], 'low → middle → high');
  for (const [, n] of runs) assert.ok(Math.abs(n - 120) <= 2, `a third is ${n} frames`);

  // Credit: without more credit, only the initial segments come.
  const limited: StreamEvent[] = [];
  const s2 = new StreamSession({ library: lib, title, streamId: 2, policy: createPolicy('fixed:240p'), startMs: 0, initialCredit: 2, send: (ev) => limited.push(ev) });
  s2.start();
  await new Promise((r) => setTimeout(r, 700));
  assert.deepEqual([...new Set(limited.filter((e) => e.type === 'chunk').map((e) => (e as { index: number }).index))], [0, 1]);
  // Seek: the next segment sent holds the new position.
  s2.seek(8500);
  s2.credit(1);
  await new Promise((r) => setTimeout(r, 500));
  const afterSeek = limited.filter((e) => e.type === 'chunk').at(-1) as { index: number; seekGeneration: number };
  assert.equal(afterSeek.index, 4);
  assert.equal(afterSeek.seekGeneration, 1);
  // Stop: nothing more after it, and the end says so.
  s2.stop();
  s2.credit(5);
  await new Promise((r) => setTimeout(r, 500));
  const countAtStop = limited.length;
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(limited.length, countAtStop);
  assert.deepEqual(limited.at(-1), { type: 'end', streamId: 2, reason: 'stopped' });

  // ABR on the client's reports: a start height, "absent = unchanged", and a seek that keeps the rung.
  const sent: Extract<StreamEvent, { type: 'chunk' }>[] = [];
  let waiting: (() => void) | undefined;
  const s3 = new StreamSession({
    library: lib, title, streamId: 3, policy: createPolicy('abr'), startMs: 0, initialCredit: 1, startHeight: 400,
    send: (ev) => {
      if (ev.type !== 'chunk' || !ev.lastChunk) return;
      sent.push(ev);
      waiting?.();
    },
  });
  const next = (grant: () => void) => new Promise<number>((resolve) => {
    const n = sent.length;
    waiting = () => {
      if (sent.length > n) resolve(sent.at(-1)!.height);
    };
    grant();
    waiting();
  });
  assert.equal(await next(() => s3.start()), 360, 'start height 400: the nearest rung at or below, with no figures yet');
  assert.equal(await next(() => s3.credit(1, { throughputKbps: 50_000, bufferMs: 6000 })), 480, 'a fast link and a full buffer: one rung up');
  assert.equal(await next(() => s3.credit(1, { bufferMs: 500 })), 240, 'the buffer nearly dry: the lowest, the throughput figure kept');
  s3.seek(0);
  assert.equal(await next(() => s3.credit(1)), 240, 'after the seek: the rung it had, no climb with nothing buffered');
  assert.equal(await next(() => s3.credit(1)), 360, 'the 500 ms figure was forgotten at the seek; the throughput was not');
  s3.stop();
  await lib.close();
});
