import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { MediaLibrary } from './media-library.js';
import { ffprobePath } from './ffmpeg-path.js';
import { isMediaError } from './media-error.js';
import { durationSeconds, keyframeTimes, makeClip } from '../../test/support/media-fixtures.js';

async function ready(lib: MediaLibrary, names: string[], ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (names.every((n) => ['ready', 'failed'].includes(lib.get(n)?.state ?? ''))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('ingest did not finish');
}

test('ingest: ladders per source size, seed layout, no-audio source, corrupt file skipped, keyframes aligned, cache reused', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sealcast-media-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const videos = join(root, 'videos');
  const cache = join(root, 'cache');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(videos);
  makeClip(join(videos, 'wide.mp4'), { width: 854, height: 480, seconds: 6 });
  makeClip(join(videos, 'tiny.mkv'), { width: 320, height: 180, seconds: 4, audio: false });
  makeClip(join(videos, 'clip_240p.mp4'), { width: 426, height: 240, seconds: 6 });
  makeClip(join(videos, 'clip_480p.mp4'), { width: 854, height: 480, seconds: 6 });
  writeFileSync(join(videos, 'broken.mp4'), randomBytes(5000));

  const lib = new MediaLibrary({ videosDir: videos, cacheDir: cache });
  await lib.start();
  assert.deepEqual(lib.list().map((x) => x.name).sort(), ['broken', 'clip', 'tiny', 'wide']);
  await ready(lib, ['broken', 'clip', 'tiny', 'wide']);

  const wide = lib.get('wide')!;
  assert.equal(wide.state, 'ready');
  assert.deepEqual(wide.renditions.map((r) => r.height), [240, 360, 480]);
  assert.deepEqual(wide.renditions.map((r) => r.width), [426, 640, 854]);
  assert.equal(wide.segmentCount, 3);
  const tiny = lib.get('tiny')!;
  assert.deepEqual(tiny.renditions.map((r) => r.height), [180], 'a source under 240p keeps its own height');
  assert.equal(lib.get('clip')!.renditions.map((r) => r.height).join(','), '240,480', 'seed layout: one title, its files as rungs');
  const broken = lib.get('broken')!;
  assert.equal(broken.state, 'failed');
  assert.equal(broken.error, 'this file cannot be read as a video', 'people get no tool output');
  assert.match(broken.detail ?? '', /^broken\.mp4: not a readable media file: /, 'the operator gets the file and the reason');
  assert.ok(!(broken.detail ?? '').includes(root), `no server path in ${broken.detail}`);

  // Durations and keyframe alignment, checked with ffprobe on the segments themselves.
  for (const title of ['wide', 'clip']) {
    const info = lib.get(title)!;
    const perRung = info.renditions.map((r) => {
      let total = 0;
      const keys: number[] = [];
      for (let i = 0; i < info.segmentCount; i++) {
        const f = lib.segmentFile(title, r.height, i);
        total += durationSeconds(f);
        keys.push(...keyframeTimes(f).map((x) => Math.round(x * 10) / 10));
      }
      return { total, keys };
    });
    for (const r of perRung) assert.ok(Math.abs(r.total - 6) < 0.3, `${title} rung lasts ${r.total}s`);
    for (const r of perRung) assert.deepEqual(r.keys, perRung[0]!.keys, `${title}: keyframes identical across rungs`);
    assert.ok(perRung[0]!.keys.length >= 3, 'a keyframe at every segment start');
  }

  // Playlists: every rung, token on every URI, EXTINF sum = duration.
  const master = lib.masterPlaylist('wide', 'token=abc');
  for (const h of [240, 360, 480]) assert.ok(master.includes(`${h}/index.m3u8?token=abc`));
  assert.match(master, /BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,RESOLUTION=854x480,CODECS="avc1\.4d401f,mp4a\.40\.2",FRAME-RATE=30\.000/);
  const media = lib.mediaPlaylist('wide', 240, 'token=abc');
  assert.match(media, /^0\.ts\?token=abc$/m);
  assert.match(media, /#EXT-X-PLAYLIST-TYPE:VOD/);
  assert.match(media, /#EXT-X-ENDLIST/);
  const sum = [...media.matchAll(/#EXTINF:([\d.]+)/g)].reduce((s, m) => s + Number(m[1]), 0);
  assert.ok(Math.abs(sum - 6) < 0.2);

  // Names from clients never reach the filesystem.
  for (const bad of ['../wide', '/etc/passwd', 'a\u0000b', '.hidden', 'x'.repeat(200), 'a/b', 'a\\b']) {
    assert.throws(() => lib.resolveTitle(bad), (e) => isMediaError(e, 'BAD_TITLE'), JSON.stringify(bad));
  }
  assert.throws(() => lib.resolveTitle('nope'), (e) => isMediaError(e, 'UNKNOWN_TITLE'));
  await lib.close();

  // A second start reuses the cache: ready at once, nothing rewritten.
  const dirs = readdirSync(cache);
  const mtimes = dirs.map((d) => statSync(join(cache, d)).mtimeMs);
  const again = new MediaLibrary({ videosDir: videos, cacheDir: cache });
  await again.start();
  await ready(again, ['wide', 'clip', 'tiny'], 10_000);
  assert.equal(again.get('wide')!.state, 'ready');
  assert.deepEqual(readdirSync(cache).map((d) => statSync(join(cache, d)).mtimeMs), mtimes, 'cache untouched');
  await again.close();

  // A changed source is redone.
  makeClip(join(videos, 'tiny.mkv'), { width: 320, height: 180, seconds: 2, audio: false });
  const third = new MediaLibrary({ videosDir: videos, cacheDir: cache });
  await third.start();
  await ready(third, ['tiny']);
  assert.ok(Math.abs(third.get('tiny')!.durationMs - 2000) < 200, 'the new 2 s version');
  assert.equal(third.get('tiny')!.segmentCount, 3, 'even a 2 s title is three segments, one per third');
  await third.close();
});

test('a title is playable while it is still transcoding', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sealcast-live-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(root, 'v'));
  makeClip(join(root, 'v', 'long.mp4'), { width: 1280, height: 720, seconds: 20 });
  const lib = new MediaLibrary({ videosDir: join(root, 'v'), cacheDir: join(root, 'c') });
  await lib.start();
  await lib.waitForSegment('long', 240, 0);
  const info = lib.get('long')!;
  assert.equal(info.state, 'transcoding', 'first segment ready before the transcode ends');
  assert.ok(info.segmentsAvailable >= 1);
  assert.match(lib.mediaPlaylist('long', 240, ''), /#EXT-X-PLAYLIST-TYPE:EVENT/);
  await lib.close();
});

test('an empty library gets a short sample with sound, made in the background: start() returns at once', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'sealcast-sample-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const videos = join(root, 'v');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(videos);
  const lib = new MediaLibrary({ videosDir: videos, cacheDir: join(root, 'c'), generateSampleIfEmpty: true });
  const t0 = Date.now();
  await lib.start();
  const startMs = Date.now() - t0;
  assert.ok(startMs < 1000, `start() took ${startMs} ms`);
  await ready(lib, ['sample']);
  assert.deepEqual(readdirSync(videos), ['sample.mp4']);
  const sample = join(videos, 'sample.mp4');
  assert.ok(Math.abs(durationSeconds(sample) - 10) < 0.5, `${durationSeconds(sample)} s`);
  const streams = execFileSync(ffprobePath(), ['-v', 'error', '-show_entries', 'stream=codec_type,height', '-of', 'csv=p=0', sample], { encoding: 'utf8' });
  assert.match(streams, /video,480/);
  assert.match(streams, /audio/);
  const info = lib.get('sample')!;
  assert.equal(info.state, 'ready');
  assert.deepEqual(info.renditions.map((r) => r.height), [240, 360, 480]);
  assert.equal(info.segmentCount, 6, 'ten seconds: six segments of 1.67 s, two per third');
  await lib.close();
  // A library with something in it is left alone.
  const again = new MediaLibrary({ videosDir: videos, cacheDir: join(root, 'c'), generateSampleIfEmpty: true });
  await again.start();
  assert.deepEqual(readdirSync(videos), ['sample.mp4']);
  await again.close();
});
