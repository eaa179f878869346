// `sealcast identity export|import`: round trips, the passphrase sources, and every refusal
// (wrong passphrase, damaged file, would overwrite) leaving existing files untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealcastBin } from '../../test/support/repo-root.js';
import { spawnNode } from '../../test/support/spawn-node.js';

const bin = sealcastBin();
const root = mkdtempSync(join(tmpdir(), 'sealcast-identity-test-'));
test.after(() => rmSync(root, { recursive: true, force: true }));

const PASS = 'correct horse battery';

function sealcast(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, SEALCAST_HOME: join(root, 'home'), SEALCAST_IDENTITY: '', SEALCAST_NAME: '', SEALCAST_PASSPHRASE: '', NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The same, without blocking, for checks that can run at once. */
function sealcastAsync(args: string[], env: Record<string, string> = {}) {
  return spawnNode([bin, ...args], { ...process.env, SEALCAST_HOME: join(root, 'home'), SEALCAST_IDENTITY: '', SEALCAST_NAME: '', SEALCAST_PASSPHRASE: '', NO_COLOR: '1', ...env }, 60_000, root);
}

const sha = (out: string) => /^sha256: ([0-9a-f]{64})$/m.exec(out)?.[1];

test('export then import: the same keys, a 0600 file, the name carried along', () => {
  const made = sealcast(['keygen', '--identity', join(root, 'a.json')]);
  assert.equal(made.code, 0, made.stderr);
  const exported = sealcast(['identity', 'export', '--identity', join(root, 'a.json'), '--name', 'Alice', '--out', join(root, 'a.sealed')], { SEALCAST_PASSPHRASE: PASS });
  assert.equal(exported.code, 0, exported.stderr);
  assert.equal(statSync(join(root, 'a.sealed')).mode & 0o777, 0o600);
  const sealed = JSON.parse(readFileSync(join(root, 'a.sealed'), 'utf8'));
  assert.equal(sealed.sealcastEncryptedIdentity, 1);
  assert.equal(sealed.name, 'alice');
  assert.ok(!readFileSync(join(root, 'a.sealed'), 'utf8').includes(JSON.parse(readFileSync(join(root, 'a.json'), 'utf8')).signingKey));

  const imported = sealcast(['identity', 'import', join(root, 'a.sealed'), '--identity', join(root, 'b.json')], { SEALCAST_PASSPHRASE: PASS });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(sha(imported.stdout), sha(made.stdout), 'same fingerprint');
  assert.match(imported.stdout, /^name: alice$/m);
  assert.match(imported.stderr, /--name alice/);
  assert.equal(statSync(join(root, 'b.json')).mode & 0o777, 0o600);

  // To standard output, passphrase from a file.
  writeFileSync(join(root, 'pass.txt'), `${PASS}\n`, { mode: 0o600 });
  const piped = sealcast(['identity', 'export', '--identity', join(root, 'b.json'), '--passphrase-file', join(root, 'pass.txt')]);
  assert.equal(piped.code, 0, piped.stderr);
  assert.equal(JSON.parse(piped.stdout).sealcastEncryptedIdentity, 1);
});

test('refusals: wrong passphrase, damaged or plain files, overwrite, no passphrase, short passphrase', async () => {
  sealcast(['keygen', '--identity', join(root, 'r.json')]);
  assert.equal(sealcast(['identity', 'export', '--identity', join(root, 'r.json'), '--out', join(root, 'r.sealed')], { SEALCAST_PASSPHRASE: PASS }).code, 0);
  const sealed = JSON.parse(readFileSync(join(root, 'r.sealed'), 'utf8'));
  writeFileSync(join(root, 'cut.sealed'), JSON.stringify({ ...sealed, salt: 'AAAA' }));
  writeFileSync(join(root, 'junk.sealed'), 'not json at all');

  // Refusals that touch nothing are independent: run at once (each derives a key: seconds apiece).
  const [wrong, damaged, junk, plain, outExists, noPass, short, none, missing, importBare, frob, bare] = await Promise.all([
    sealcastAsync(['identity', 'import', join(root, 'r.sealed'), '--identity', join(root, 'r2.json')], { SEALCAST_PASSPHRASE: 'not the passphrase' }),
    sealcastAsync(['identity', 'import', join(root, 'cut.sealed'), '--identity', join(root, 'r2.json')], { SEALCAST_PASSPHRASE: PASS }),
    sealcastAsync(['identity', 'import', join(root, 'junk.sealed'), '--identity', join(root, 'r2.json')], { SEALCAST_PASSPHRASE: PASS }),
    sealcastAsync(['identity', 'import', join(root, 'r.json'), '--identity', join(root, 'r2.json')], { SEALCAST_PASSPHRASE: PASS }),
    sealcastAsync(['identity', 'export', '--identity', join(root, 'r.json'), '--out', join(root, 'r.sealed')], { SEALCAST_PASSPHRASE: PASS }),
    sealcastAsync(['identity', 'export', '--identity', join(root, 'r.json')]),
    sealcastAsync(['identity', 'export', '--identity', join(root, 'r.json')], { SEALCAST_PASSPHRASE: 'short' }),
    sealcastAsync(['identity', 'export', '--identity', join(root, 'none.json')], { SEALCAST_PASSPHRASE: PASS }),
    sealcastAsync(['identity', 'import', join(root, 'missing.sealed')]),
    sealcastAsync(['identity', 'import']),
    sealcastAsync(['identity', 'frob']),
    sealcastAsync(['identity']),
  ]);
  assert.equal(wrong!.code, 1);
  assert.match(wrong!.stderr, /wrong passphrase/);
  assert.equal(damaged!.code, 1);
  assert.match(damaged!.stderr, /damaged/);
  assert.match(junk!.stderr, /not a sealcast identity file/);
  assert.match(plain!.stderr, /unencrypted identity file/);
  assert.ok(!existsSync(join(root, 'r2.json')), 'nothing written');
  assert.equal(outExists!.code, 2, '--out exists');
  assert.equal(noPass!.code, 2);
  assert.match(noPass!.stderr, /SEALCAST_PASSPHRASE/);
  assert.match(short!.stderr, /at least 8/);
  assert.match(none!.stderr, /no identity at/);
  assert.match(missing!.stderr, /no such file/);
  assert.equal(importBare!.code, 2);
  assert.equal(frob!.code, 2);
  assert.equal(bare!.code, 2);

  // Would overwrite: refused before the passphrase is asked, the file untouched (in order: each step depends on the last).
  sealcast(['keygen', '--identity', join(root, 'other.json')]);
  const before = readFileSync(join(root, 'other.json'), 'utf8');
  const over = sealcast(['identity', 'import', join(root, 'r.sealed'), '--identity', join(root, 'other.json')], { SEALCAST_PASSPHRASE: PASS });
  assert.equal(over.code, 2);
  assert.match(over.stderr, /already holds an identity; use --force/);
  assert.equal(readFileSync(join(root, 'other.json'), 'utf8'), before);
  const forced = sealcast(['identity', 'import', join(root, 'r.sealed'), '--identity', join(root, 'other.json'), '--force'], { SEALCAST_PASSPHRASE: PASS });
  assert.equal(forced.code, 0, forced.stderr);
  const backup = readdirSync(root).find((f) => f.startsWith('other.json.replaced-'));
  assert.ok(backup, 'the replaced identity is kept');
  assert.equal(readFileSync(join(root, backup), 'utf8'), before);
  const again = sealcast(['identity', 'import', join(root, 'r.sealed'), '--identity', join(root, 'other.json'), '--force'], { SEALCAST_PASSPHRASE: PASS });
  assert.match(again.stderr, /already holds this identity/);
});

test('help: identity, identity export and identity import', () => {
  const top = sealcast(['--help']);
  assert.match(top.stdout, /^ {2}identity\b/m);
  assert.equal(sealcast(['identity', '--help']).code, 0);
  for (const sub of ['export', 'import']) {
    const h = sealcast(['identity', sub, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, new RegExp(`^Usage: sealcast identity ${sub}`));
    assert.match(h.stdout, /--passphrase-file FILE/);
    assert.match(h.stdout, /SEALCAST_PASSPHRASE/);
  }
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;

test('on a terminal the passphrase is asked twice and never echoed', { skip: !hasTmux && 'tmux not installed' }, async (t) => {
  const session = `sealcast-pass-${process.pid}`;
  t.after(() => void spawnSync('tmux', ['kill-session', '-t', session]));
  sealcast(['keygen', '--identity', join(root, 't.json')]);
  const secret = 'tty secret 12345';
  const out = join(root, 't.sealed');
  const command = `SEALCAST_HOME=${join(root, 'home')} ${process.execPath} ${bin} identity export --identity ${join(root, 't.json')} --out ${out}; echo EXIT=$?; sleep 30`;
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '120', '-y', '20', command]);
  const screen = async (pred: (s: string) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const s = execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' });
      if (pred(s)) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`screen never matched:\n${execFileSync('tmux', ['capture-pane', '-p', '-t', session], { encoding: 'utf8' })}`);
  };
  await screen((s) => s.includes('New passphrase'));
  execFileSync('tmux', ['send-keys', '-t', session, '-l', secret]);
  execFileSync('tmux', ['send-keys', '-t', session, 'Enter']);
  await screen((s) => s.includes('Repeat it'));
  execFileSync('tmux', ['send-keys', '-t', session, '-l', secret]);
  execFileSync('tmux', ['send-keys', '-t', session, 'Enter']);
  const final = await screen((s) => s.includes('EXIT='));
  assert.match(final, /EXIT=0/);
  assert.ok(!final.includes('tty secret'), `the passphrase was echoed:\n${final}`);
  const imported = sealcast(['identity', 'import', out, '--identity', join(root, 't2.json')], { SEALCAST_PASSPHRASE: secret });
  assert.equal(imported.code, 0, imported.stderr);
});
