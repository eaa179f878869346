import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealcastBin } from '../../test/support/repo-root.js';

function cli(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [sealcastBin(), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('help, version and usage errors have clear text and exit codes', () => {
  const help = cli(['--help']);
  assert.equal(help.code, 0);
  for (const c of ['serve', 'connect', 'send', 'listen', 'who', 'keygen', 'pending', 'admin']) assert.match(help.out, new RegExp(`\\b${c}\\b`));
  assert.equal(cli([]).code, 2, 'no command is a usage error');
  assert.match(cli(['--version']).out, /^sealcast \d+\.\d+\.\d+/);
  const unknown = cli(['frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /unknown command "frobnicate"/);
  for (const c of ['serve', 'connect', 'send', 'listen', 'who', 'keygen', 'pending', 'admin']) {
    const r = cli([c, '--help']);
    assert.equal(r.code, 0, `${c} --help`);
    assert.match(r.out, /^Usage: sealcast /);
  }
  const badOpt = cli(['send', '--bogus']);
  assert.equal(badOpt.code, 2);
  assert.match(badOpt.err, /bogus/);
  const noName = cli(['send', 'wss://127.0.0.1:1', '--to', 'bob', 'hi'], { SEALCAST_NAME: '' });
  assert.equal(noName.code, 2);
  assert.match(noName.err, /--name/);
  const badPort = cli(['serve', '--port', 'x']);
  assert.equal(badPort.code, 2);
});

test('keygen writes a private identity file and refuses to overwrite without --force', () => {
  const home = mkdtempSync(join(tmpdir(), 'sealcast-keygen-'));
  try {
    const first = cli(['keygen'], { SEALCAST_HOME: home });
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /fingerprint: (\d{5} ){5}\d{5}/);
    assert.equal(statSync(join(home, 'identity.json')).mode & 0o777, 0o600);
    const again = cli(['keygen'], { SEALCAST_HOME: home });
    assert.equal(again.code, 2);
    assert.match(again.err, /--force/);
    assert.equal(cli(['keygen', '--force', '--suite', 'nope'], { SEALCAST_HOME: home }).code, 2);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
