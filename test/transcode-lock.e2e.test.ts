// Two processes, one cache: `sealcast ingest` and a server (here a library in the test process) never
// transcode the same title at once; the second follows the first's output, and a dead owner's lock is taken over.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaLibrary, type MediaLogger } from '../src/media/index.js';
import { startCli } from './support/cli-process.js';
import { decodeErrors, makeClip } from './support/media-fixtures.js';
import { removeDir, tempDir } from './support/server-process.js';

function recordingLogger(lines: string[]): MediaLogger {
  const log = (o: unknown, msg?: string) => void lines.push(`${msg ?? ''} ${JSON.stringify(o)}`);
  return { info: log, warn: log, error: log, debug: log } as MediaLogger;
}

async function until(pred: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a library follows a title another process is transcoding, then uses its result', async (t) => {
  const root = tempDir('sealcast-lock-');
  t.after(() => removeDir(root));
  const videos = join(root, 'videos');
  const data = join(root, 'data');
  mkdirSync(videos);
  makeClip(join(videos, 'shared.mp4'), { width: 854, height: 480, seconds: 16 });
  const ingest = startCli(['ingest', '--videos', videos, '--data', data], { home: join(root, 'home') });
  const exited = new Promise<number | null>((r) => ingest.once('exit', r));
  let ingestErr = '';
  ingest.stderr!.on('data', (d: Buffer) => (ingestErr += d));
  const cache = join(data, 'media');
  await until(() => existsSync(cache) && readdirSync(cache).some((f) => f.endsWith('.lock')), 60_000, 'ingest took no lock');
  const lockFile = join(cache, readdirSync(cache).find((f) => f.endsWith('.lock'))!);
  assert.equal(Number(readFileSync(lockFile, 'utf8')), ingest.pid, 'the lock names its owner');

  const logs: string[] = [];
  const lib = new MediaLibrary({ videosDir: videos, cacheDir: cache, logger: recordingLogger(logs) });
  t.after(() => lib.close());
  await lib.start();
  await until(() => lib.get('shared')?.state === 'transcoding', 10_000, 'not shown as transcoding');
  // Playable while the other process works: the first segment is there to stream.
  await lib.waitForSegment('shared', 240, 0);
  await until(() => lib.get('shared')?.state === 'ready', 120_000, 'never ready');
  assert.equal(await exited, 0, ingestErr);
  assert.ok(logs.some((l) => l.includes('another process is transcoding this title')), logs.join('\n'));
  assert.ok(!logs.some((l) => l.startsWith('transcoded')), 'the library did not transcode it itself');
  assert.equal(lib.get('shared')!.segmentCount, 9, 'sixteen seconds: nine 1.78 s segments, three per third');
  assert.equal(decodeErrors(lib.segmentFile('shared', 480, 7)), '');
  assert.ok(!existsSync(lockFile), 'the lock is gone');
});

test('a lock left by a dead process is taken over', async (t) => {
  const root = tempDir('sealcast-stale-');
  t.after(() => removeDir(root));
  const videos = join(root, 'videos');
  const cache = join(root, 'cache');
  mkdirSync(videos);
  mkdirSync(cache);
  makeClip(join(videos, 'orphan.mp4'), { width: 426, height: 240, seconds: 4 });
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const logs: string[] = [];
  // Learn the title's cache directory name from a first library, then plant a stale lock for it.
  const probeLib = new MediaLibrary({ videosDir: videos, cacheDir: cache, logger: recordingLogger(logs) });
  await probeLib.start();
  await until(() => probeLib.get('orphan')?.state === 'ready', 60_000, 'first ingest');
  await probeLib.close();
  const dir = readdirSync(cache).find((f) => f.startsWith('orphan-'))!;
  removeDir(join(cache, dir));
  writeFileSync(join(cache, `${dir}.lock`), dead.stdout);
  const lib = new MediaLibrary({ videosDir: videos, cacheDir: cache, logger: recordingLogger(logs) });
  t.after(() => lib.close());
  await lib.start();
  await until(() => lib.get('orphan')?.state === 'ready', 60_000, 'stale lock not taken over');
  assert.ok(!existsSync(join(cache, `${dir}.lock`)));
});
