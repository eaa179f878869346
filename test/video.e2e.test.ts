// Video end to end: a real server process, the real CLI, real ffmpeg; HLS over TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { request } from 'node:https';
import { join } from 'node:path';
import { ffprobePath } from '../src/media/ffmpeg-path.js';
import { runCli } from './support/cli-process.js';
import { decodeErrors, frameHeights } from './support/media-fixtures.js';
import { seedLibrary } from './support/seeded-library.js';
import { nextEvent, testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;
let root: string;
const home = () => join(root, 'viewer');

function get(path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(`${server.httpsUrl}${path}`, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body }));
    }).on('error', reject).end();
  });
}

/** How many decoded frames had each height. */
function framesPerHeight(heights: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const h of heights) out[h] = (out[h] ?? 0) + 1;
  return out;
}

function firstPts(file: string): number {
  return parseFloat(execFileSync(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' }).split('\n')[0]!);
}

before(async () => {
  root = tempDir('sealcast-video-');
  const videos = join(root, 'videos');
  // Streaming is the subject here, not ingest (ingest.e2e, media-library.test): the titles come transcoded.
  await seedLibrary(videos, join(root, 'data'), [
    { file: 'movie.mp4', clip: { width: 854, height: 480, seconds: 12 } },
    // The example: 2 s segments gave an 8 s title 150 frames at 240p and 50 at 480p under "thirds".
    { file: 'eight.mp4', clip: { width: 854, height: 480, seconds: 8 } },
  ]);
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  // Seeded titles are ready from their manifests: the very first listing must say so.
  const r = await runCli(['videos', server.url, '--name', 'viewer', '--json'], { home: home() });
  assert.equal(r.stdout.split('"state":"ready"').length, 3, `seeded titles not ready at once:\n${r.stdout}${r.stderr}`);
});

after(async () => {
  await server.stop();
  removeDir(root);
});

test('videos lists duration, renditions and state', async () => {
  const r = await runCli(['videos', server.url, '--name', 'viewer', '--json'], { home: home() });
  const t = JSON.parse(r.stdout.trim().split('\n').find((l) => l.includes('"movie"'))!);
  assert.equal(t.name, 'movie');
  assert.ok(Math.abs(t.durationMs - 12_000) < 200);
  assert.deepEqual(t.renditions.map((x: { height: number }) => x.height), [240, 360, 480]);
  const human = await runCli(['videos', server.url, '--name', 'viewer'], { home: home() });
  assert.match(human.stdout, /movie\s+0:12\s+ready\s+240p@/);
});

test('play --policy thirds --out -: decodes cleanly, frame count and heights low → middle → high', async () => {
  const file = join(root, 'thirds.ts');
  const r = await runCli(['play', server.url, '--name', 'viewer', 'movie', '--policy', 'thirds', '--out', file], { home: home(), timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(decodeErrors(file), '');
  const heights = frameHeights(file);
  const order = heights.filter((h, i) => i === 0 || h !== heights[i - 1]);
  assert.deepEqual(order, [240, 360, 480]);
  assert.deepEqual(framesPerHeight(heights), { 240: 120, 360: 120, 480: 120 }, 'a third of the 360 frames from each rung');
  assert.match(r.stderr, /finished: 6 segments \(240p×2 360p×2 480p×2\)/);

  // 8 s is not a whole number of 2 s segments per third: the title is cut in six 1.33 s segments instead.
  const eight = join(root, 'eight.ts');
  const e = await runCli(['play', server.url, '--name', 'viewer', 'eight', '--policy', 'thirds', '--out', eight], { home: home(), timeoutMs: 60_000 });
  assert.equal(e.code, 0, e.stderr);
  assert.equal(decodeErrors(eight), '');
  assert.deepEqual(framesPerHeight(frameHeights(eight)), { 240: 80, 360: 80, 480: 80 }, 'a third of the 240 frames from each rung');

  const stdout = await runCli(['play', server.url, '--name', 'viewer', 'movie', '--policy', 'fixed:240p', '--out', '-'], { home: home(), timeoutMs: 60_000 });
  assert.equal(stdout.code, 0, stdout.stderr);
  assert.ok(stdout.stdout.length > 100_000, 'the stream went to standard output');
  const fixedFile = join(root, 'fixed.ts');
  await runCli(['play', server.url, '--name', 'viewer', 'movie', '--policy', 'fixed:240p', '--out', fixedFile], { home: home(), timeoutMs: 60_000 });
  assert.ok(frameHeights(fixedFile).every((h) => h === 240));
});

test('seek: --at half-way gives about half the frames, starting 6 s later', async () => {
  const full = join(root, 'full.ts');
  const half = join(root, 'half.ts');
  await runCli(['play', server.url, '--name', 'viewer', 'movie', '--policy', 'fixed:360p', '--out', full], { home: home(), timeoutMs: 60_000 });
  const r = await runCli(['play', server.url, '--name', 'viewer', 'movie', '--policy', 'fixed:360p', '--at', '0:06', '--out', half], { home: home(), timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const n = frameHeights(half).length;
  assert.ok(Math.abs(n - 180) <= 30, `${n} frames after seeking half-way`);
  const offset = firstPts(half) - firstPts(full);
  assert.ok(Math.abs(offset - 6) < 0.1, `starts ${offset.toFixed(3)} s after the full stream (want 6)`);
});

test('abr: play --throttle (a pretend 1 Mbit/s link) stays on the lowest rung; the real loopback link climbs', async () => {
  // Unpaced (--out): seconds, not the title's length. A real bandwidth limit is in abr.e2e.test.ts.
  const fast = await runCli(['play', server.url, '--name', 'viewer', 'movie', '--out', join(root, 'abr-fast.ts')], { home: home(), timeoutMs: 60_000 });
  const slow = await runCli(['play', server.url, '--name', 'viewer', 'movie', '--out', join(root, 'abr-slow.ts'), '--throttle', '1000'], { home: home(), timeoutMs: 60_000 });
  const heights = (s: string) => [...s.matchAll(/segment \d+ (\d+)p/g)].map((m) => Number(m[1]));
  assert.equal(heights(fast.stderr).length, 6, fast.stderr);
  assert.ok(heights(fast.stderr).at(-1)! >= 360, `with 4 s buffered on a fast link it climbs: ${fast.stderr}`);
  assert.deepEqual(heights(slow.stderr), [240, 240, 240, 240, 240, 240], `1 Mbit/s carries 240p (0.63 Mbit/s), not 360p (1.15 Mbit/s): ${slow.stderr}`);
});

test('STOP ends within a segment; chat keeps flowing during a stream', async () => {
  const viewer = await testClient(server.url, 'watcher', { pin: server.fingerprintHex });
  const friend = await testClient(server.url, 'friend', { pin: server.fingerprintHex });
  await viewer.refreshRoster();
  await friend.refreshRoster();
  // Two segments of credit and no more: the stream is mid-way, waiting, when STOP comes.
  const stream = await viewer.play('movie', { policy: 'fixed:480p', initialCredit: 2 });
  let segments = 0;
  stream.on('segment', () => segments++);
  await nextEvent(stream as never, 'segment');
  const t0 = Date.now();
  const chat = nextEvent<{ text: string }>(viewer, 'message');
  await friend.send('watcher', 'chat while streaming');
  assert.equal((await chat).text, 'chat while streaming');
  assert.ok(Date.now() - t0 < 2000, `chat took ${Date.now() - t0} ms during the stream`);
  const atStop = segments;
  const ended = nextEvent<{ reason: string }>(stream as never, 'end');
  stream.stop();
  assert.equal((await ended).reason, 'stopped');
  assert.ok(segments - atStop <= 1, `${segments - atStop} segments after STOP`);
  await viewer.send('friend', 'still usable after stop');
  await viewer.close();
  await friend.close();
});

test('HLS over TLS: token required, master and segment decode with ffprobe, traversal refused', async () => {
  const c = await testClient(server.url, 'hlsuser', { pin: server.fingerprintHex });
  const { path, token } = await c.hlsToken('movie');
  const master = await get(path);
  assert.equal(master.status, 200);
  assert.match(master.type, /mpegurl/);
  assert.equal((master.body.match(/#EXT-X-STREAM-INF/g) ?? []).length, 3);
  const media = await get(`/hls/movie/240/index.m3u8?token=${encodeURIComponent(token)}`);
  assert.match(media.body, /0\.ts\?token=/);
  const seg = await get(`/hls/movie/240/0.ts?token=${encodeURIComponent(token)}`);
  assert.equal(seg.status, 200);
  assert.equal(seg.type, 'video/mp2t');
  const probe = execFileSync(ffprobePath(), ['-v', 'error', '-show_entries', 'stream=codec_name,height', '-of', 'csv=p=0', `${server.httpsUrl}${path}`], { encoding: 'utf8' });
  assert.match(probe, /h264/);
  assert.equal((await get('/hls/movie/master.m3u8')).status, 403, 'no token');
  assert.equal((await get(`/hls/movie/master.m3u8?token=${token.slice(0, -2)}xx`)).status, 403, 'bad token');
  for (const bad of ['/hls/..%2F..%2Fetc/master.m3u8', '/hls/%2Fetc%2Fpasswd/master.m3u8', '/hls/movie/../../data/master.m3u8', '/hls/a%00b/master.m3u8']) {
    const r = await get(`${bad}?token=${token}`);
    assert.ok(r.status >= 400 && r.status < 500, `${bad} → ${r.status}`);
  }
  await c.close();
});

test('HLS for a name with a dot (john.doe): master, media playlist and segment are served', async () => {
  const c = await testClient(server.url, 'john.doe', { pin: server.fingerprintHex });
  const { path, token } = await c.hlsToken('movie');
  assert.equal((await get(path)).status, 200, 'master');
  const media = await get(`/hls/movie/240/index.m3u8?token=${encodeURIComponent(token)}`);
  assert.equal(media.status, 200, 'media playlist');
  const seg = await get(`/hls/movie/240/0.ts?token=${encodeURIComponent(token)}`);
  assert.equal(seg.status, 200, 'segment');
  await c.close();
});

// A client that reads nothing while streaming: test/video-stall.e2e.test.ts (this title, 3 MB, fits in the
// kernel's buffers, so a server that ignored the socket would pass here; that test's title does not).

test('stream limits: parallel streams and a PLAY flood get TOO_MANY_STREAMS; the connection and other viewers carry on', async () => {
  const greedy = await testClient(server.url, 'greedy', { pin: server.fingerprintHex });
  const other = await testClient(server.url, 'calmviewer', { pin: server.fingerprintHex });
  // Default: two streams per connection. Credit 1 keeps both open and waiting.
  const open = [await greedy.play('movie', { policy: 'fixed:240p', initialCredit: 1 }), await greedy.play('movie', { policy: 'fixed:240p', initialCredit: 1 })];
  await assert.rejects(greedy.play('movie', { initialCredit: 1 }), (e: { code?: string; message: string }) => e.code === 'TOO_MANY_STREAMS' && /2 streams/.test(e.message));
  for (const s of open) s.stop();
  // Flood: PLAY+STOP as fast as possible; the per-minute budget (30) runs out, and says so.
  let refused: { code?: string; message: string } | undefined;
  for (let i = 0; i < 40 && !refused; i++) {
    try {
      (await greedy.play('movie', { policy: 'fixed:240p', initialCredit: 1 })).stop();
    } catch (e) {
      refused = e as { code?: string; message: string };
    }
  }
  assert.equal(refused?.code, 'TOO_MANY_STREAMS');
  assert.match(refused!.message, /too many PLAY requests/);
  // The flooder's connection still works for chat, and another viewer is untouched.
  await greedy.refreshRoster();
  await greedy.send('calmviewer', 'still here');
  const stream = await other.play('movie', { policy: 'fixed:240p', initialCredit: 2 });
  assert.equal((await nextEvent<{ height: number }>(stream as never, 'segment')).height, 240);
  stream.stop();
  await greedy.close();
  await other.close();
});

test('/metrics reports titles, ingest progress and stream counts', async () => {
  const c = await testClient(server.url, 'metricsviewer', { pin: server.fingerprintHex });
  const stream = await c.play('movie', { policy: 'fixed:240p', initialCredit: 1 });
  await nextEvent(stream as never, 'segment');
  const during = (await get('/metrics')).body;
  assert.match(during, /^sealcast_titles 2$/m);
  assert.match(during, /^sealcast_ingest_progress_percent 100$/m);
  assert.match(during, /^sealcast_streams_started_total [1-9]\d*$/m);
  assert.match(during, /^sealcast_streams_active [1-9]$/m);
  const ended = nextEvent(stream as never, 'end');
  stream.stop();
  await ended;
  await c.close();
});
