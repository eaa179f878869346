import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealcastBin } from '../../test/support/repo-root.js';
import { spawnNode } from '../../test/support/spawn-node.js';

async function cli(args: string[], env: Record<string, string> = {}) {
  const r = await spawnNode([sealcastBin(), ...args], { ...process.env, ...env });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

const COMMANDS = ['serve', 'connect', 'send', 'listen', 'who', 'keygen', 'pending', 'admin'];

test('help, version and usage errors have clear text and exit codes', async () => {
  // Independent processes: started together, checked in order.
  const [help, none, version, unknown, badOpt, noName, badPort, ...helps] = await Promise.all([
    cli(['--help']), cli([]), cli(['--version']), cli(['frobnicate']), cli(['send', '--bogus']),
    cli(['send', 'wss://127.0.0.1:1', '--to', 'bob', 'hi'], { SEALCAST_NAME: '' }), cli(['serve', '--port', 'x']),
    ...COMMANDS.map((c) => cli([c, '--help'])),
  ]);
  assert.equal(help!.code, 0);
  for (const c of COMMANDS) assert.match(help!.out, new RegExp(`\\b${c}\\b`));
  assert.equal(none!.code, 2, 'no command is a usage error');
  assert.match(version!.out, /^sealcast \d+\.\d+\.\d+/);
  assert.equal(unknown!.code, 2);
  assert.match(unknown!.err, /unknown command "frobnicate"/);
  for (const [i, c] of COMMANDS.entries()) {
    assert.equal(helps[i]!.code, 0, `${c} --help`);
    assert.match(helps[i]!.out, /^Usage: sealcast /);
  }
  assert.equal(badOpt!.code, 2);
  assert.match(badOpt!.err, /bogus/);
  assert.equal(noName!.code, 2);
  assert.match(noName!.err, /--name/);
  assert.equal(badPort!.code, 2);
});

test('keygen writes a private identity file and refuses to overwrite without --force', async () => {
  const home = mkdtempSync(join(tmpdir(), 'sealcast-keygen-'));
  try {
    const first = await cli(['keygen'], { SEALCAST_HOME: home });
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /fingerprint: (\d{5} ){5}\d{5}/);
    assert.equal(statSync(join(home, 'identity.json')).mode & 0o777, 0o600);
    const again = await cli(['keygen'], { SEALCAST_HOME: home });
    assert.equal(again.code, 2);
    assert.match(again.err, /--force/);
    assert.equal((await cli(['keygen', '--force', '--suite', 'nope'], { SEALCAST_HOME: home })).code, 2);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
