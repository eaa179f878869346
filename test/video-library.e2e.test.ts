// The library through a real server and the real CLI: what users and admins are told about files
// that failed, any _NNNp rung with fixed:HEIGHTp exact, PLAY by file name, and files noticed while running.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { runCli } from './support/cli-process.js';
import { frameHeights, makeClip } from './support/media-fixtures.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;
let root: string;
let videos: string;

interface Listed {
  name: string;
  state: string;
  error?: string;
  renditions: { height: number }[];
  files: string[];
}

async function list(name: string, ...extra: string[]): Promise<Listed[]> {
  const r = await runCli(['videos', server.url, '--name', name, '--json', ...extra], { home: join(root, name) });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Listed);
}

async function until(what: string, pred: () => Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

before(async () => {
  root = tempDir('sealcast-library-');
  videos = join(root, 'videos');
  mkdirSync(videos);
  makeClip(join(videos, 'movie.mp4'), { width: 426, height: 240, seconds: 4 });
  makeClip(join(videos, 'q_240p.mp4'), { width: 426, height: 240, seconds: 2 });
  makeClip(join(videos, 'q_1440p.mp4'), { width: 2560, height: 1440, seconds: 2 });
  writeFileSync(join(videos, 'notes.txt'), 'shopping list\n');
  writeFileSync(join(videos, 'junk.bin'), randomBytes(4000));
  writeFileSync(join(videos, 'broken.mp4'), readFileSync(join(videos, 'movie.mp4')).subarray(0, 1500));
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos, args: ['--admin', 'boss'] });
  // All four listed first: files this fresh are still settling at the first scan, and an empty list is "all settled" too.
  await until('the library settled', async () => {
    const l = await list('boss');
    return l.length === 4 && l.every((t) => t.state === 'ready' || t.state === 'failed');
  });
});

after(async () => {
  await server.stop();
  removeDir(root);
});

test('users never see server paths, tool output or non-media files; an admin sees what failed and why', async () => {
  const user = await list('viewer');
  assert.deepEqual(user.map((t) => t.name), ['broken', 'movie', 'q'], 'notes.txt and junk.bin are not titles for users');
  const broken = user.find((t) => t.name === 'broken')!;
  assert.equal(broken.state, 'failed');
  assert.equal(broken.error, 'this file cannot be read as a video');
  const text = JSON.stringify(user);
  assert.ok(!text.includes(root), `a server path reached a client: ${text}`);
  assert.ok(!/moov|Invalid data|ffmpeg|ffprobe/i.test(text), `tool output reached a client: ${text}`);

  const admin = await list('boss');
  assert.deepEqual(admin.map((t) => t.name), ['broken', 'junk', 'movie', 'q']);
  assert.match(admin.find((t) => t.name === 'broken')!.error!, /^broken\.mp4: not a readable media file: .*moov atom not found/);
  assert.match(admin.find((t) => t.name === 'junk')!.error!, /^not a video: junk\.bin: /);
  assert.ok(!JSON.stringify(admin).includes(root), 'no server path for admins either');
  const log = readFileSync(server.logFile, 'utf8');
  assert.match(log, /"title":"broken".*"msg":"title failed"/, 'the operator log names the failure');
  assert.match(log, /"title":"junk".*"msg":"not a video: skipped"/);
});

test('q_1440p.mp4 is the 1440p rung of "q"; fixed:1440p plays 1440p, or fails clearly where there is none', async () => {
  const q = (await list('viewer')).find((t) => t.name === 'q')!;
  assert.deepEqual(q.renditions.map((r) => r.height), [240, 1440]);
  const out = join(root, 'q1440.ts');
  const r = await runCli(['play', server.url, '--name', 'viewer', 'q', '--policy', 'fixed:1440p', '--out', out], { home: join(root, 'viewer'), timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  const heights = frameHeights(out);
  assert.ok(heights.length >= 55 && heights.every((h) => h === 1440), `${heights.length} frames: ${[...new Set(heights)].join(',')}`);
  const none = await runCli(['play', server.url, '--name', 'viewer', 'movie', '--policy', 'fixed:1440p', '--out', join(root, 'x.ts')], { home: join(root, 'viewer'), timeoutMs: 60_000 });
  assert.equal(none.code, 2, 'a rung the title lacks is a usage error');
  assert.match(none.stderr, /"movie" has no 1440p rendition \(it has 240p\)/);
});

test('PLAY name.mp4: the file name as the brief lists it plays that title, in play and in connect', async () => {
  const out = join(root, 'byfile.ts');
  const r = await runCli(['play', server.url, '--name', 'viewer', 'movie.mp4', '--out', out], { home: join(root, 'viewer'), timeoutMs: 60_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /finished: 3 segments/);
  assert.ok(frameHeights(out).length >= 110);
  const c = await runCli(['connect', server.url, '--name', 'viewer', '--player', 'none'], { home: join(root, 'viewer'), input: '/play movie.mp4\n', timeoutMs: 60_000 });
  assert.match(c.stdout, /playing movie\.mp4 \(0:04, 240p\)/);
  assert.match(c.stdout, /video movie\.mp4 (finished|stopped): /);
  assert.ok(!/cannot play/.test(c.stdout), c.stdout);
});

test('files added while the server runs are noticed; sealcast ingest on its directories takes effect; removed ones go', async () => {
  makeClip(join(root, 'late.mp4'), { width: 426, height: 240, seconds: 2 });
  renameSync(join(root, 'late.mp4'), join(videos, 'late.mp4'));
  const ingest = await runCli(['ingest', '--videos', videos, '--data', join(root, 'data'), 'late'], { home: join(root, 'ops'), timeoutMs: 120_000 });
  assert.equal(ingest.code, 0, ingest.stderr);
  await until('late listed as ready', async () => (await list('viewer')).some((t) => t.name === 'late' && t.state === 'ready'), 60_000);
  const log = readFileSync(server.logFile, 'utf8');
  const transcodedHere = [...log.matchAll(/"title":"late".*"msg":"transcoded"/g)].length;
  assert.ok(transcodedHere <= 1, 'transcoded once, by one of the two processes');

  renameSync(join(videos, 'late.mp4'), join(root, 'late-moved.mp4'));
  await until('late dropped', async () => !(await list('viewer', '--rescan')).some((t) => t.name === 'late'), 30_000);
});
