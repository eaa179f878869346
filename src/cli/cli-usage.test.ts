// The command line's contract: help, versions, usage errors and their exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

test('video commands: videos, play and ingest have real help and usage errors', () => {
  for (const cmd of ['videos', 'play', 'ingest']) {
    const help = sealcast([cmd, '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: sealcast /);
  }
  assert.match(sealcast(['play', '--help']).stdout, /--policy[\s\S]*--player PLAYER[\s\S]*terminal[\s\S]*--out[\s\S]*--at/);
  assert.match(sealcast(['ingest', '--help']).stdout, /--videos DIR[\s\S]*env SEALCAST_VIDEOS[\s\S]*--data DIR[\s\S]*env SEALCAST_DATA/);
  assert.match(sealcast(['connect', '--help']).stdout, /\/play TITLE[\s\S]*\/seek[\s\S]*\/stop[\s\S]*--player PLAYER/);
  const noTitle = sealcast(['play', 'wss://127.0.0.1:9', '--name', 'al']);
  assert.equal(noTitle.code, 2);
  assert.match(noTitle.stderr, /title/);
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
  for (const [args, message] of usage) {
    const r = sealcast(args, { SEALCAST_PLAYER: '' });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.equal(sealcast(['play', 'wss://127.0.0.1:9', '--name', 'al', 'movie'], { SEALCAST_PLAYER: 'vlc' }).code, 2, 'SEALCAST_PLAYER is read');
});

test('usage errors of client commands exit 2 before touching the network', () => {
  assert.equal(sealcast(['send', 'wss://127.0.0.1:9', '--name', 'al', 'hi']).code, 2, 'no --to');
  assert.match(sealcast(['send', 'wss://127.0.0.1:9', '--name', 'al', '--to', 'bob']).stderr, /nothing to send/);
  assert.match(sealcast(['who', '--name', 'al']).stderr, /SEALCAST_URL/, 'no URL');
  assert.match(sealcast(['who', 'wss://127.0.0.1:9']).stderr, /--name/, 'no name');
  assert.match(sealcast(['who', 'wss://127.0.0.1:9', '--name', 'Not Valid']).stderr, /invalid name/);
  assert.match(sealcast(['who', 'ws://127.0.0.1:9', '--name', 'al']).stderr, /needs TLS/);
  assert.match(sealcast(['who', 'wss://127.0.0.1:9', '--name', 'al', '--fingerprint', 'abc']).stderr, /64 hex digits/);
  assert.equal(sealcast(['listen', 'wss://127.0.0.1:9', '--name', 'al', '--count', '0']).code, 2);
  assert.equal(sealcast(['listen', 'wss://127.0.0.1:9', '--name', 'al', '--timeout', 'soon']).code, 2);
  assert.equal(sealcast(['keygen', '--suite', 'rot13']).code, 2);
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
