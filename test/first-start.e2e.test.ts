// A new user's first minutes: `sealcast serve` answers at once and makes its sample in the background,
// speaks to people on a terminal, refuses a busy port at once, and the client command works from anywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli } from './support/cli-process.js';
import { makeClip } from './support/media-fixtures.js';
import { testClient } from './support/test-client.js';
import { sealcastBin } from './support/repo-root.js';
import { hasTmux, TmuxServer } from './support/tmux.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

test('first start in a terminal: listening at once with readable lines, the sample made in the background', { skip: !hasTmux && 'tmux not installed', timeout: 240_000 }, async (t) => {
  const root = tempDir('sealcast-first-');
  const tmux = new TmuxServer();
  const session = `serve-${randomBytes(4).toString('hex')}`;
  t.after(() => {
    tmux.kill();
    removeDir(root);
  });
  // What `npm start` runs, in a fresh directory: ./data and ./videos are made there.
  const started = Date.now();
  tmux.run('new-session', '-d', '-s', session, '-x', '160', '-y', '40', '-c', root, `TERM=xterm-256color ${process.execPath} ${sealcastBin()} serve --port 0; sleep 30`);
  const listening = await tmux.screenShows(session, (s) => /sealcast listening on https:\/\/localhost:\d+ \(protocol at wss:\/\/localhost:\d+\/ws\)/.test(s), 60_000);
  t.diagnostic(`listening ${Date.now() - started} ms after the command started (node start-up included)`);
  assert.match(listening, /TLS certificate SHA-256 fingerprint \(new, self-signed\):\n {2}([0-9A-F]{2}:){31}[0-9A-F]{2}/);
  assert.ok(!/video "sample" ready/.test(listening), 'it listened before the sample was made');
  // The sample's transcode shows as progress lines, then its result; no JSON anywhere.
  const done = await tmux.screenShows(session, (s) => /video "sample" ready \(transcoded in \d+:\d\d\)/.test(s), 200_000);
  assert.match(done, /library is empty: making a sample video/);
  assert.ok(!done.includes('{"level"'), `pino JSON on a terminal:\n${done}`);
  assert.match(done, /^\d\d:\d\d:\d\d transcoded {2}title=sample seconds=[\d.]+$/m, 'log records as readable lines');
  assert.ok(existsSync(join(root, 'videos', 'sample.mp4')));
  tmux.run('send-keys', '-t', session, 'C-c');
  await tmux.screenShows(session, (s) => /SIGINT: shutting down[\s\S]*\d\d:\d\d:\d\d stopped/.test(s), 30_000);
});

test('serve on a port in use exits non-zero at once, saying so, with nothing left running', { timeout: 120_000 }, async (t) => {
  const root = tempDir('sealcast-busy-');
  const first = await spawnServer({ dataDir: join(root, 'first') });
  t.after(async () => {
    await first.stop();
    removeDir(root);
  });
  const videos = join(root, 'videos');
  mkdirSync(videos);
  makeClip(join(videos, 'clip.mp4'), { width: 426, height: 240, seconds: 2 });
  const data = join(root, 'second');
  const child = spawn(process.execPath, [sealcastBin(), 'serve', '--port', String(first.port), '--data', data, '--videos', videos], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  const t0 = Date.now();
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const took = Date.now() - t0;
  assert.equal(code, 1, stderr);
  assert.match(stderr, new RegExp(`sealcast serve: cannot start: port ${first.port} on 127\\.0\\.0\\.1 is already in use \\(is another sealcast running\\?\\); choose another with --port`));
  assert.ok(took < 15_000, `exited after ${took} ms`);
  assert.ok(!/listening on/.test(stderr));
  const cache = join(data, 'media');
  assert.ok(!existsSync(cache) || !readdirSync(cache).some((d) => existsSync(join(cache, d, 'manifest.json'))), 'it did not go on transcoding');
});

test('the sealcast command works from any directory once linked (what npm link / npm install -g . make)', async (t) => {
  const root = tempDir('sealcast-anywhere-');
  t.after(() => removeDir(root));
  const bin = join(root, 'bin');
  mkdirSync(bin);
  symlinkSync(sealcastBin(), join(bin, 'sealcast'));
  const elsewhere = join(root, 'somewhere');
  mkdirSync(elsewhere);
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('sealcast', args, { cwd: elsewhere, env: { ...process.env, PATH: `${bin}:${process.env.PATH}` }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.once('close', (code) => resolve({ code, out }));
    });
  const version = await run(['--version']);
  assert.equal(version.code, 0, version.out);
  assert.match(version.out, /^sealcast \d+\.\d+\.\d+/);
  const help = await run(['connect', '--help']);
  assert.equal(help.code, 0, help.out);
  assert.match(help.out, /Usage: sealcast connect/);
});

test('connect on a terminal without --name asks for one, and again while it is taken; a pipe still needs --name', { skip: !hasTmux && 'tmux not installed', timeout: 120_000 }, async (t) => {
  const root = tempDir('sealcast-askname-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  const tmux = new TmuxServer();
  t.after(async () => {
    tmux.kill();
    await server.stop();
    removeDir(root);
  });
  const alice = await testClient(server.url, 'alice', { pin: server.fingerprintHex });
  const session = `ask-${randomBytes(4).toString('hex')}`;
  tmux.run('new-session', '-d', '-s', session, '-x', '120', '-y', '30',
    `SEALCAST_HOME=${join(root, 'newcomer')} TERM=xterm-256color ${process.execPath} ${sealcastBin()} connect ${server.url} --fingerprint ${server.fingerprintHex}`);
  await tmux.screenShows(session, (s) => /Your name:/.test(s));
  tmux.run('send-keys', '-t', session, '-l', 'alice');
  tmux.run('send-keys', '-t', session, 'Enter');
  const taken = await tmux.screenShows(session, (s) => /the name "alice" is taken/.test(s) && (s.match(/Your name:/g) ?? []).length >= 2);
  assert.ok(!/signed in/.test(taken));
  tmux.run('send-keys', '-t', session, '-l', 'Carol');
  tmux.run('send-keys', '-t', session, 'Enter');
  await tmux.screenShows(session, (s) => /signed in as carol/.test(s));
  await alice.close();

  const piped = await runCli(['connect', server.url], { home: join(root, 'script'), input: '/quit\n' });
  assert.equal(piped.code, 2);
  assert.match(piped.stderr, /give your name with --name/);
});
