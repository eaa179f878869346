// sealcast ingest end to end: real ffmpeg into the server's cache; a later server starts with the title ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli-process.js';
import { decodeErrors, makeClip } from './support/media-fixtures.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

test('ingest: transcodes the good file, names the broken one, skips what is cached; serve then starts ready', async (t) => {
  const root = tempDir('sealcast-ingest-');
  t.after(() => removeDir(root));
  const videos = join(root, 'videos');
  const data = join(root, 'data');
  mkdirSync(videos);
  makeClip(join(videos, 'good.mp4'), { width: 426, height: 240, seconds: 4 });
  // A file that starts like an MP4 and stops: what an interrupted copy leaves.
  writeFileSync(join(videos, 'broken.mp4'), readFileSync(join(videos, 'good.mp4')).subarray(0, 2000));
  const ingest = (...args: string[]) => runCli(['ingest', '--videos', videos, '--data', data, ...args], { home: join(root, 'home'), timeoutMs: 120_000 });

  const first = await ingest();
  assert.equal(first.code, 1, 'a file failed');
  assert.match(first.stderr, /^transcoding good: +\d+%/m, 'plain progress lines without a terminal');
  assert.match(first.stderr, /^video "good" ready \(transcoded in \d+:\d\d\)$/m);
  assert.match(first.stderr, /^video "broken" failed: broken\.mp4: not a readable media file: .+$/m);
  assert.ok(!first.stderr.includes('\x1b'), 'no escape codes in a pipe');
  assert.equal(first.stdout.trim(), `2 titles: 1 transcoded, 0 up to date, 1 failed (cache: ${join(data, 'media')})`);

  // The ladder is in the server's cache: a complete manifest, playable segments.
  const dirs = readdirSync(join(data, 'media')).filter((d) => d.startsWith('good-'));
  assert.equal(dirs.length, 1);
  const dir = join(data, 'media', dirs[0]!);
  assert.equal(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')).complete, true);
  const playlist = readFileSync(join(dir, '240', 'index.m3u8'), 'utf8');
  assert.match(playlist, /#EXT-X-ENDLIST/);
  assert.equal((playlist.match(/seg_\d+\.ts/g) ?? []).length, 3, 'four seconds: three segments, one per third');
  assert.equal(decodeErrors(join(dir, '240', 'seg_00000.ts')), '');
  assert.ok(!readdirSync(join(data, 'media')).some((d) => d.startsWith('broken-') && existsSync(join(data, 'media', d, 'manifest.json'))));

  // Again, naming the good title only: up to date, nothing transcoded, the broken file not touched.
  const again = await ingest('good');
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /^video "good" up to date$/m);
  assert.ok(!/transcoding|broken/.test(again.stderr), again.stderr);
  assert.equal(again.stdout.trim(), `1 title: 0 transcoded, 1 up to date (cache: ${join(data, 'media')})`);

  const unknown = await ingest('good', 'nope');
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, new RegExp(`no video called "nope" in ${videos.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  // A server on the same directories finds the ladder and never transcodes it.
  const server = await spawnServer({ dataDir: data, videosDir: videos });
  t.after(() => server.stop());
  let listed: { name: string; state: string }[] = [];
  for (let i = 0; i < 50 && !listed.some((v) => v.name === 'good' && v.state === 'ready'); i++) {
    const r = await runCli(['videos', server.url, '--name', 'viewer', '--json'], { home: join(root, 'viewer') });
    listed = r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { name: string; state: string });
    assert.ok(!listed.some((v) => v.name === 'good' && v.state === 'transcoding'), 'the server transcoded it again');
  }
  assert.deepEqual(listed.find((v) => v.name === 'good')?.state, 'ready');
  assert.match(server.stderr(), /video "good" up to date/);
  assert.ok(!/transcoding good/.test(server.stderr()));
});
