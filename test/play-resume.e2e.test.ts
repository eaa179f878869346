// sealcast play with a real player: subtitles handed to ffplay (real ffplay, SDL's dummy drivers, no
// display), the resume point kept per user, --start-over, and a watched title marked as watched.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli, startCli } from './support/cli-process.js';
import { seedLibrary } from './support/seeded-library.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';
import { segmentLayout } from '../src/media/segment-layout.js';

/** The 8 s movie's segment length (ms): the server cuts it so each third is whole segments. */
const SEGMENT_MS = segmentLayout(8000).seconds * 1000;

const ffplay = spawnSync('sh', ['-c', 'command -v ffplay'], { encoding: 'utf8' }).stdout.trim();
let server: ServerProcess;
let root: string;
/** A directory whose `ffplay` notes its arguments and a copy of its subtitle file, then runs the real ffplay. */
let wrapperDir: string;

const SRT = '1\n00:00:01,000 --> 00:00:03,000\nHello there\n\n2\n00:00:04,000 --> 00:00:05,000\nSecond line\n';

interface Listed {
  name: string;
  state: string;
  positionMs: number;
  watched: boolean;
  subtitles: { language?: string; label: string; url: string }[];
  posterUrl?: string;
  thumbnailsUrl?: string;
}

function get(url: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d)).on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

async function listed(name: string): Promise<Listed | undefined> {
  const r = await runCli(['videos', server.url, '--name', name, '--json'], { home: join(root, name) });
  assert.equal(r.code, 0, r.stderr);
  const line = r.stdout.trim().split('\n')[0];
  return line ? (JSON.parse(line) as Listed) : undefined;
}

async function movie(name: string): Promise<Listed> {
  const m = await listed(name);
  assert.ok(m, 'movie is listed');
  return m;
}

before(async () => {
  root = tempDir('sealcast-resume-');
  const videos = join(root, 'videos');
  // Players, subtitles and resume points are the subject, not ingest: the title comes transcoded.
  await seedLibrary(videos, join(root, 'data'), [
    { file: 'movie.mp4', clip: { width: 426, height: 240, seconds: 8 }, sidecars: { 'movie.en.srt': SRT, 'movie.fr.srt': SRT.replace('Hello there', 'Bonjour') } },
  ]);
  wrapperDir = join(root, 'bin');
  mkdirSync(wrapperDir);
  writeFileSync(join(wrapperDir, 'ffplay'), `#!/bin/sh
printf '%s\\n' "$@" > "${join(root, 'ffplay-args')}"
for a in "$@"; do case "$a" in subtitles=*) cp "\${a#subtitles=}" "${join(root, 'ffplay-subs.vtt')}";; esac; done
SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy exec ${ffplay || 'ffplay'} "$@"
`);
  chmodSync(join(wrapperDir, 'ffplay'), 0o755);
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  assert.equal((await listed('viewer'))?.state, 'ready', 'the seeded title is ready at once');
});

after(async () => {
  await server.stop();
  removeDir(root);
});

test('videos --json lists the subtitle tracks with URLs that serve WebVTT', async () => {
  const m = await movie('viewer');
  assert.deepEqual(m.subtitles.map((s) => [s.language, s.label]), [['en', 'English'], ['fr', 'French']]);
  assert.match(m.subtitles[0]!.url, new RegExp(`^https://127\\.0\\.0\\.1:${server.port}/hls/movie/subs/0\\.vtt\\?token=`));
  assert.equal(m.positionMs, 0);
  assert.equal(m.watched, false);
  const vtt = await get(m.subtitles[0]!.url);
  assert.equal(vtt.status, 200);
  assert.match(vtt.type, /^text\/vtt/);
  assert.match(vtt.body.toString(), /^WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00\.000\n[\s\S]*Hello there/);
  const poster = await get(m.posterUrl!);
  assert.equal(poster.type, 'image/jpeg');
  assert.deepEqual([...poster.body.subarray(0, 2)], [0xff, 0xd8]);
  assert.match((await get(m.thumbnailsUrl!)).body.toString(), /thumbs\.jpg\?token=[^#]+#xywh=0,0,160,90/);
  assert.equal((await get(m.subtitles[0]!.url.replace(/token=[^&]+/, 'token=x'))).status, 403);
  assert.equal((await get(m.subtitles[0]!.url.replace('/subs/0.vtt', '/subs/7.vtt'))).status, 404);
  assert.equal((await get(m.subtitles[0]!.url.replace('/subs/0.vtt', '/subs/..%2F..%2Fmanifest.json'))).status, 404);
});

test('play --player ffplay: the chosen subtitles go to ffplay on the stream clock; played to the end it is marked watched', { skip: !ffplay && 'ffplay not installed' }, async () => {
  const env = { PATH: `${wrapperDir}:${process.env.PATH}` };
  const r = await runCli(['play', server.url, '--name', 'fan', 'movie', '--player', 'ffplay', '--subtitles', 'fr'], { home: join(root, 'fan'), env, timeoutMs: 90_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /subtitles: French/);
  assert.match(r.stderr, /finished: 6 segments/, 'eight seconds: six 1.33 s segments, two per third');
  const args = readFileSync(join(root, 'ffplay-args'), 'utf8').split('\n');
  const vf = args[args.indexOf('-vf') + 1]!;
  assert.match(vf, /^subtitles=.*\.vtt$/);
  assert.ok(args.indexOf('-vf') < args.indexOf('-i'), 'the filter comes before the input');
  // Media time 0:01 is 2.4 s on the segments' MPEG-TS clock, which ffplay times subtitles by.
  const subs = readFileSync(join(root, 'ffplay-subs.vtt'), 'utf8');
  assert.match(subs, /^WEBVTT\n/);
  assert.match(subs, /00:00:02\.400 --> 00:00:04\.400\nBonjour/);
  assert.ok(!subs.includes('X-TIMESTAMP-MAP'));
  const after = await movie('fan');
  assert.equal(after.watched, true);
  assert.equal(after.positionMs, 0);
});

test('stopped half-way, play resumes there (per user); --start-over and --at start elsewhere', { skip: !ffplay && 'ffplay not installed' }, async () => {
  const env = { PATH: `${wrapperDir}:${process.env.PATH}` };
  const child = startCli(['play', server.url, '--name', 'pauser', 'movie', '--player', 'ffplay', '--subtitles', 'off'], { home: join(root, 'pauser'), env });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  // About half-way through the 8 s title (the player paces the stream), stop as Ctrl-C would.
  const started = Date.now();
  while (!/segment 2 /.test(stderr) && Date.now() - started < 60_000) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 1000));
  child.kill('SIGINT');
  assert.equal(await exited, 0, stderr);
  assert.match(stderr, /stopped: /);
  const paused = await movie('pauser');
  assert.ok(paused.positionMs >= 1000 && paused.positionMs < 8000, `resume point ${paused.positionMs} ms`);
  assert.equal(paused.watched, false);
  assert.equal((await movie('viewer')).positionMs, 0, 'another user has their own');

  const out = join(root, 'resumed.ts');
  const resumed = await runCli(['play', server.url, '--name', 'pauser', 'movie', '--out', out], { home: join(root, 'pauser'), timeoutMs: 60_000 });
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stderr, /resuming at 0:0\d \(--start-over plays it from the beginning\)/);
  const segment = Math.floor(paused.positionMs / SEGMENT_MS);
  assert.match(resumed.stderr, new RegExp(`from segment ${segment} `));
  const fresh = await runCli(['play', server.url, '--name', 'pauser', 'movie', '--out', out, '--start-over'], { home: join(root, 'pauser'), timeoutMs: 60_000 });
  assert.match(fresh.stderr, /from segment 0 /);
  assert.ok(!/resuming/.test(fresh.stderr));
  const at = await runCli(['play', server.url, '--name', 'pauser', 'movie', '--out', out, '--at', '0:06'], { home: join(root, 'pauser'), timeoutMs: 60_000 });
  assert.match(at.stderr, /from segment 4 /, '6 s is in the fifth 1.33 s segment');
  assert.equal((await movie('pauser')).positionMs, paused.positionMs, '--out does not move the resume point');
});
