// What HLS answers when the request or the cache is wrong: the same 403 for a title that exists and
// one that does not (no probing the library by name), a logged 500 for a playlist that cannot be read
// (never an empty 200), a logged 404 for a segment gone from the cache. Real server, real ffmpeg, real TLS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli-process.js';
import { seedLibrary } from './support/seeded-library.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;
let root: string;

function get(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(`${server.httpsUrl}${path}`, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (d: string) => (body += d)).on('end', () => resolve({ status: res.statusCode!, body }));
    }).on('error', reject).end();
  });
}

/** Log records (JSON lines) whose message is `msg`, once one is there. */
async function logRecords(msg: string, timeoutMs = 5000): Promise<Record<string, unknown>[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = readFileSync(server.logFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.msg === msg);
    if (found.length > 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}

before(async () => {
  root = tempDir('sealcast-hls-answers-');
  const videos = join(root, 'videos');
  // Shared with the other small-clip tests, transcoded once: the answers are the subject, not ingest.
  await seedLibrary(videos, join(root, 'data'), [{ file: 'clip.mp4', clip: { width: 426, height: 240, seconds: 4 } }]);
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  const r = await runCli(['videos', server.url, '--name', 'viewer', '--json'], { home: join(root, 'viewer') });
  assert.ok(r.stdout.includes('"state":"ready"'), `the seeded clip is not ready at once:\n${r.stdout}${r.stderr}`);
});

after(async () => {
  await server.stop();
  removeDir(root);
});

test('without a valid token, a title that exists and one that does not get the same status and body', async () => {
  const c = await testClient(server.url, 'prober', { pin: server.fingerprintHex });
  const { token } = await c.hlsToken('clip');
  await c.close();
  // Positive control: the token opens the title it was issued for.
  assert.equal((await get(`/hls/clip/master.m3u8?token=${encodeURIComponent(token)}`)).status, 200);
  for (const t of ['', 'token=nonsense']) {
    const existing = await get(`/hls/clip/master.m3u8?${t}`);
    const missing = await get(`/hls/no-such-title/master.m3u8?${t}`);
    assert.equal(existing.status, 403);
    assert.deepEqual(missing, existing, `same answer, ${t || 'no token'}`);
  }
  // A real token is for its own title only: another name answers as if there were no token at all.
  assert.deepEqual(await get(`/hls/no-such-title/master.m3u8?token=${encodeURIComponent(token)}`), await get('/hls/clip/master.m3u8'));
});

test('an unreadable media playlist is a logged 500, not a 200 with an empty body; a segment gone from the cache is logged', async () => {
  const c = await testClient(server.url, 'viewer2', { pin: server.fingerprintHex });
  const { token } = await c.hlsToken('clip');
  await c.close();
  const q = `token=${encodeURIComponent(token)}`;
  const media = await get(`/hls/clip/240/index.m3u8?${q}`);
  assert.equal(media.status, 200, 'positive control: the playlist is served');
  assert.match(media.body, /0\.ts\?token=/);
  const cache = join(server.dataDir, 'media');
  const titleDir = readdirSync(cache).map((d) => join(cache, d)).find((d) => readdirSync(d).includes('240'))!;
  const playlist = join(titleDir, '240', 'index.m3u8');
  // A directory where the file was: unreadable even for root (the tests may run as root, so no chmod).
  renameSync(playlist, `${playlist}.away`);
  mkdirSync(playlist);
  const broken = await get(`/hls/clip/240/index.m3u8?${q}`);
  assert.equal(broken.status, 500);
  const failed = await logRecords('http handler failed');
  assert.ok(failed.some((r) => String(r.err).includes('index.m3u8')), JSON.stringify(failed));

  const segment = join(titleDir, '240', 'seg_00001.ts');
  renameSync(segment, `${segment}.away`);
  assert.equal((await get(`/hls/clip/240/1.ts?${q}`)).status, 404);
  const missing = await logRecords('HLS file missing');
  assert.equal(missing.length, 1);
  assert.equal(missing[0]!.title, 'clip');
  assert.equal(missing[0]!.file, '240/1.ts');
});
