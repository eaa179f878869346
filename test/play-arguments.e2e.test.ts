// `sealcast play` argument checks against a real server (issue 12 item 20): what cannot be played is
// a usage error (exit 2) saying why, never a silent substitute or a run that plays nothing and exits 0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { runCli } from './support/cli-process.js';
import { seedLibrary } from './support/seeded-library.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './support/server-process.js';

let server: ServerProcess;
let root: string;
const home = () => join(root, 'viewer');
const play = (...args: string[]) => runCli(['play', server.url, '--name', 'viewer', 'clip', '--out', join(root, 'out.ts'), ...args], { home: home(), timeoutMs: 60_000 });

before(async () => {
  root = tempDir('sealcast-play-args-');
  const videos = join(root, 'videos');
  // Shared with the other small-clip tests, transcoded once: the answers are the subject, not ingest.
  await seedLibrary(videos, join(root, 'data'), [{ file: 'clip.mp4', clip: { width: 426, height: 240, seconds: 4 } }]);
  server = await spawnServer({ dataDir: join(root, 'data'), videosDir: videos });
  const r = await runCli(['videos', server.url, '--name', 'viewer', '--json'], { home: home() });
  assert.ok(r.stdout.includes('"state":"ready"'), `the seeded clip is not ready at once:\n${r.stdout}${r.stderr}`);
});

after(async () => {
  await server.stop();
  removeDir(root);
});

test('play: a height the title does not have, and --at past the end, are usage errors; the positive controls play', async () => {
  const ok = await play('--policy', 'fixed:240p', '--at', '0:02');
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /finished: [1-9]\d* segments? \(240p/);

  const tall = await play('--policy', 'fixed:999p');
  assert.equal(tall.code, 2, tall.stderr);
  assert.match(tall.stderr, /"clip" has no 999p rendition \(it has 240p\)/);

  const late = await play('--at', '9:00');
  assert.equal(late.code, 2, late.stderr);
  assert.match(late.stderr, /--at 9:00 is past the end of "clip" \(0:04\)/);
  assert.doesNotMatch(late.stderr, /playing/);
});

test('a mistyped scheme (http//host:port) is a usage error naming the address, for play and the other commands', async () => {
  const typo = `http//127.0.0.1:${server.port}`;
  for (const args of [['play', typo, '--name', 'viewer', 'clip', '--out', join(root, 'typo.ts')], ['videos', typo, '--name', 'viewer'], ['who', typo, '--name', 'viewer']]) {
    const r = await runCli(args, { home: home() });
    assert.equal(r.code, 2, `${args[0]}: ${r.stderr}`);
    assert.ok(r.stderr.includes(`not a server address: "${typo}" (did you mean wss://127.0.0.1:${server.port}?)`), `${args[0]}: ${r.stderr}`);
  }
});
