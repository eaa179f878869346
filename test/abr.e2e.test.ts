// ABR over a real bandwidth limit: a real server process and real ffmpeg, the client core
// and the CLI's playback loop, with a throttled TCP proxy between them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { SealcastClient } from '../src/client/index.js';
import { Playback } from '../src/cli/video-player.js';
import { seedLibrary } from './support/seeded-library.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';
import { stallSink } from './support/stall-sink.js';
import { testClient } from './support/test-client.js';
import { throttledProxy, type ThrottledProxy } from './support/throttled-proxy.js';

let server: ServerProcess;
let proxy: ThrottledProxy;
let root: string;

before(async () => {
  root = tempDir('sealcast-abr-');
  const videos = join(root, 'videos');
  // 480p source: rungs 240p / 360p / 480p (announced 0.63 / 1.15 / 1.97 Mbit/s); 15 segments of 2 s.
  // 10 frames/s and 4:3 cut the transcode to a quarter of 854x480 at 30; bitrates, so segment sizes, stay.
  // Rung switching is the subject, not ingest: the title comes transcoded.
  await seedLibrary(videos, join(root, 'data'), [{ file: 'ladder.mp4', clip: { width: 640, height: 480, seconds: 30, rate: 10 } }]);
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  proxy = await throttledProxy(server.port);
  const c = await testClient(server.url, 'setup', { pin: server.fingerprintHex });
  try {
    assert.ok((await c.listVideos()).some((t) => t.name === 'ladder' && t.state === 'ready'), 'the seeded title is not ready at once');
  } finally {
    await c.close();
  }
});

after(async () => {
  await proxy?.close();
  await server?.stop();
  removeDir(root);
});

function viaProxy(name: string): Promise<SealcastClient> {
  return testClient(`wss://127.0.0.1:${proxy.port}`, name, { pin: server.fingerprintHex });
}

/** Per-segment throughput as the client measured it (kbit/s): size over download time. */
const measuredKbps = (s: { bytes: number; downloadMs: number }) => (s.bytes * 8) / s.downloadMs;

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test('abr over a throttled link: climbs to the top rung at 8 Mbit/s, drops at 1.2 Mbit/s, never stalls', async () => {
  proxy.setRate(8_000_000);
  const c = await viaProxy('climber');
  const sink = stallSink();
  let dropAt: number | undefined;
  const playback = await Playback.open(c, 'ladder', {
    policy: 'abr', startMs: 0, sink,
    onSegment: (seg) => {
      // Two segments at the top with the buffer full, then the link falls to what only 240p fits.
      if (dropAt === undefined && sink.record.segments.filter((s) => s.height === 480).length === 2) {
        dropAt = seg.index;
        proxy.setRate(1_200_000);
      }
      if (dropAt !== undefined && seg.index === dropAt + 6) playback.stop();
    },
  });
  const result = await playback.done;
  await c.close();
  const segs = sink.record.segments;
  const trace = segs.map((s) => `${s.index}:${s.height}p@${Math.round(measuredKbps(s))}k`).join(' ');
  assert.equal(result.reason, 'stopped', trace);
  assert.ok(dropAt !== undefined && dropAt <= 9, `reached 480p by segment ${dropAt}: ${trace}`);
  assert.deepEqual(sink.record.stalls, [], `no stall: ${trace}`);
  const before = segs.filter((s) => s.index <= dropAt!);
  const heightsBefore = before.map((s) => s.height);
  assert.deepEqual(heightsBefore, [...heightsBefore].sort((a, b) => a - b), `only climbs while the link is fast: ${trace}`);
  assert.deepEqual([...new Set(heightsBefore)], [240, 360, 480], `one rung at a time: ${trace}`);
  // Segments from dropAt+4 on were asked for after the drop (three credits were out when it came).
  const after = segs.filter((s) => s.index >= dropAt! + 4);
  assert.ok(after.length >= 3, trace);
  assert.ok(after.every((s) => s.height < 480), `below the top once the link fell: ${trace}`);
  assert.equal(after.at(-1)!.height, 240, `down to the rung the link carries: ${trace}`);
  // The measurement means something: never above the link, near it when the link is the limit.
  const fast = median(before.slice(1).map(measuredKbps));
  assert.ok(fast > 0.3 * 8000 && fast < 1.1 * 8000, `at 8 Mbit/s the client measured ${Math.round(fast)} kbit/s: ${trace}`);
  for (const s of after) {
    const kbps = measuredKbps(s);
    assert.ok(kbps > 0.6 * 1200 && kbps < 1.1 * 1200, `at 1.2 Mbit/s segment ${s.index} measured ${Math.round(kbps)} kbit/s: ${trace}`);
  }
});

test('a seek keeps the rung: mid-stream (same stream) and after the server finished (a new PLAY at that rung)', async () => {
  const c = await testClient(server.url, 'seeker', { pin: server.fingerprintHex });
  const plays: { startHeight?: number }[] = [];
  const play = c.play.bind(c);
  c.play = (title, o) => {
    plays.push(o ?? {});
    return play(title, o);
  };
  // A player at ten times real time: the test takes seconds, the buffer still runs ahead and drains.
  const sink = stallSink({ rate: 10 });
  const marks: number[] = [];
  const playback = await Playback.open(c, 'ladder', {
    policy: 'abr', startMs: 0, sink,
    onSegment: (seg) => {
      const written = sink.record.segments.length;
      if (marks.length === 0 && seg.height === 480 && sink.record.segments.filter((s) => s.height === 480).length === 2) {
        marks.push(written);
        playback.seek(16_000);
      } else if (marks.length === 1 && seg.index === 14) {
        marks.push(written); // the server sent the whole title: this seek needs a new stream
        playback.seek(20_000);
      }
    },
  });
  const result = await playback.done;
  await c.close();
  const segs = sink.record.segments;
  const trace = segs.map((s) => `${s.index}:${s.height}p`).join(' ');
  assert.equal(result.reason, 'finished', trace);
  assert.equal(marks.length, 2, trace);
  const afterFirst = segs.slice(marks[0], marks[1]);
  assert.equal(afterFirst[0]?.index, 8, trace);
  assert.ok(afterFirst.every((s) => s.height === 480), `after a mid-stream seek every segment stays at 480p: ${trace}`);
  assert.equal(plays.length, 2, 'the seek after the end opened a new stream');
  assert.equal(plays[1]!.startHeight, 480, 'asking to go on at 480p');
  const afterSecond = segs.slice(marks[1]);
  assert.deepEqual(afterSecond.map((s) => s.index), [10, 11, 12, 13, 14], trace);
  assert.ok(afterSecond.every((s) => s.height === 480), `the new stream goes on at 480p: ${trace}`);
});
