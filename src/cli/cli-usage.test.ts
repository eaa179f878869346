// The command line's contract: help, versions, usage errors and their exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode } from '../../test/support/spawn-node.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}
const bin = join(repoRoot(), 'bin', 'sealcast.js');
const home = mkdtempSync(join(tmpdir(), 'sealcast-cli-test-'));
test.after(() => rmSync(home, { recursive: true, force: true }));

function sealcast(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, SEALCAST_HOME: home, SEALCAST_URL: '', SEALCAST_NAME: '', SEALCAST_IDENTITY: '', NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking: independent checks run at once (Promise.all), fewer wall seconds. */
function sealcastAsync(args: string[], env: Record<string, string> = {}) {
  return spawnNode([bin, ...args], { ...process.env, SEALCAST_HOME: home, SEALCAST_URL: '', SEALCAST_NAME: '', SEALCAST_IDENTITY: '', NO_COLOR: '1', ...env });
}

test('--help lists every command, the client options with their variables, and the exit codes', () => {
  const r = sealcast(['--help']);
  assert.equal(r.code, 0);
  for (const cmd of ['serve', 'admin', 'ingest', 'connect', 'send', 'listen', 'who', 'rooms', 'room', 'devices', 'pending', 'keygen', 'videos', 'play']) {
    assert.match(r.stdout, new RegExp(`^  ${cmd}\\b`, 'm'), `${cmd} listed`);
  }
  for (const v of ['SEALCAST_NAME', 'SEALCAST_IDENTITY', 'SEALCAST_SUITE', 'SEALCAST_FINGERPRINT', 'SEALCAST_URL', 'SEALCAST_HOME']) {
    assert.ok(r.stdout.includes(v), `${v} in help`);
  }
  assert.match(r.stdout, /default hpke-x25519-aes128gcm/);
  assert.match(r.stdout, /Exit codes/);
  assert.equal(sealcast(['help']).code, 0);
});

test('no command: usage on stderr, exit 2', () => {
  const r = sealcast([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Usage: sealcast COMMAND/);
});

test('--version prints the package version', () => {
  const r = sealcast(['--version']);
  assert.equal(r.code, 0);
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as { version: string };
  assert.equal(r.stdout.trim(), `sealcast ${pkg.version}`);
});

test('unknown command and unknown option: one clear line, exit 2', () => {
  const a = sealcast(['frobnicate']);
  assert.equal(a.code, 2);
  assert.match(a.stderr, /unknown command "frobnicate"/);
  const b = sealcast(['send', '--frob']);
  assert.equal(b.code, 2);
  assert.match(b.stderr, /Unknown option '--frob'/);
  assert.match(b.stderr, /sealcast send --help/);
  const c = sealcast(['--frob']);
  assert.equal(c.code, 2);
  assert.match(c.stderr, /unknown option "--frob"/);
});

for (const cmd of ['connect', 'send', 'listen', 'who', 'rooms', 'room', 'devices', 'pending', 'keygen']) {
  test(`sealcast ${cmd} --help: every option with its variable, exit 0`, () => {
    const r = sealcast([cmd, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: sealcast ${cmd}`));
    assert.match(r.stdout, /--identity FILE/);
    assert.match(r.stdout, /env SEALCAST_IDENTITY/);
    if (cmd !== 'keygen') assert.match(r.stdout, /--name NAME[\s\S]*env SEALCAST_NAME/);
    assert.deepEqual(sealcast(['help', cmd]).stdout, r.stdout, '`sealcast help CMD` is the same');
  });
}

test('video commands: videos, play and ingest have real help and usage errors', async () => {
  const usage: [string[], RegExp][] = [
    [['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie', '--player', 'vlc'], /unknown player "vlc"/],
    [['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie', '--policy', 'fast'], /unknown policy "fast"/],
    [['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie', '--at', 'soon'], /--at takes seconds/],
    [['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie', '--throttle', '0'], /--throttle/],
    // The test's standard output is a pipe: there is no terminal to draw in.
    [['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie', '--player', 'terminal'], /not one/],
    [['connect', 'wss://127.0.0.1:9', '--name', 'al', '--player', 'terminal'], /not one/],
    [['connect', 'wss://127.0.0.1:9', '--name', 'al', '--player', 'vlc'], /unknown player "vlc"/],
    [['ingest', '--videos', join(home, 'no-such-dir')], /no video library at .*no-such-dir/],
    [['ingest', '--videos', home, '../etc'], /"..\/etc" cannot be a title/],
    [['ingest', '--frob'], /Unknown option '--frob'/],
  ];
  // Independent processes: started together, checked in order.
  const [videosHelp, playHelp, ingestHelp, connectHelp, noTitle, fromEnv, ...errors] = await Promise.all([
    ...['videos', 'play', 'ingest', 'connect'].map((cmd) => sealcastAsync([cmd, '--help'])),
    sealcastAsync(['play', 'wss://127.0.0.1:9', '--name', 'al']),
    sealcastAsync(['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie'], { SEALCAST_PLAYER: 'vlc' }),
    ...usage.map(([args]) => sealcastAsync(args, { SEALCAST_PLAYER: '' })),
  ]);
  for (const help of [videosHelp!, playHelp!, ingestHelp!]) {
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: sealcast /);
  }
  assert.match(playHelp!.stdout, /--policy[\s\S]*--player PLAYER[\s\S]*terminal[\s\S]*--out[\s\S]*--at/);
  assert.match(ingestHelp!.stdout, /--videos DIR[\s\S]*env SEALCAST_VIDEOS[\s\S]*--data DIR[\s\S]*env SEALCAST_DATA/);
  assert.match(connectHelp!.stdout, /\/play TITLE[\s\S]*\/seek[\s\S]*\/stop[\s\S]*--player PLAYER/);
  assert.equal(noTitle!.code, 2);
  assert.match(noTitle!.stderr, /title/);
  for (const [i, [args, message]] of usage.entries()) {
    assert.equal(errors[i]!.code, 2, `${args.join(' ')}: ${errors[i]!.stderr}`);
    assert.match(errors[i]!.stderr, message);
  }
  assert.equal(fromEnv!.code, 2, 'SEALCAST_PLAYER is read');
});

test('usage errors of client commands exit 2 before touching the network', async () => {
  const [noTo, nothing, noUrl, noName, badName, noTls, badPin, count0, timeoutSoon, rot13] = await Promise.all([
    sealcastAsync(['send', 'wss://127.0.0.1:9', '--name', 'al', 'hi']),
    sealcastAsync(['send', 'wss://127.0.0.1:9', '--name', 'al', '--to', 'bob']),
    sealcastAsync(['who', '--name', 'al']),
    sealcastAsync(['who', 'wss://127.0.0.1:9']),
    sealcastAsync(['who', 'wss://127.0.0.1:9', '--name', 'Not Valid']),
    sealcastAsync(['who', 'ws://127.0.0.1:9', '--name', 'al']),
    sealcastAsync(['who', 'wss://127.0.0.1:9', '--name', 'al', '--fingerprint', 'abc']),
    sealcastAsync(['listen', 'wss://127.0.0.1:9', '--name', 'al', '--count', '0']),
    sealcastAsync(['listen', 'wss://127.0.0.1:9', '--name', 'al', '--timeout', 'soon']),
    sealcastAsync(['keygen', '--suite', 'rot13']),
  ]);
  assert.equal(noTo!.code, 2, 'no --to');
  assert.match(nothing!.stderr, /nothing to send/);
  assert.match(noUrl!.stderr, /SEALCAST_URL/, 'no URL');
  assert.match(noName!.stderr, /--name/, 'no name');
  assert.match(badName!.stderr, /invalid name/);
  assert.match(noTls!.stderr, /needs TLS/);
  assert.match(badPin!.stderr, /64 hex digits/);
  assert.equal(count0!.code, 2);
  assert.equal(timeoutSoon!.code, 2);
  assert.equal(rot13!.code, 2);
});

test('SEALCAST_* variables stand in for flags', () => {
  const r = sealcast(['who'], { SEALCAST_URL: 'ws://127.0.0.1:9', SEALCAST_NAME: 'al' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /needs TLS/, 'URL and name came from the environment');
});

test('keygen writes a 0600 identity in a 0700 directory and refuses to overwrite without --force', () => {
  const idFile = join(home, 'keys', 'me.json');
  const r = sealcast(['keygen', '--identity', idFile]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /fingerprint: (\d{5} ){5}\d{5}/);
  assert.equal(statSync(idFile).mode & 0o777, 0o600);
  assert.equal(statSync(dirname(idFile)).mode & 0o777, 0o700);
  const again = sealcast(['keygen', '--identity', idFile]);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /--force/);
  assert.equal(sealcast(['keygen', '--identity', idFile, '--force']).code, 0);
});

test('an unreachable server exits 6 with the address in the message', () => {
  const r = sealcast(['who', 'wss://127.0.0.1:9', '--name', 'al']);
  assert.equal(r.code, 6, r.stderr + r.stdout);
  assert.match(r.stderr, /127\.0\.0\.1:9/);
});
