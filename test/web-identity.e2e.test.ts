// Moving an identity: browser → browser, browser → terminal, terminal → browser, each time the
// same name and the same fingerprint, so peers see no key change. And an identity made without
// a passphrase says it cannot leave its browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hasChromium } from './support/browser.js';
import { runCli } from './support/cli-process.js';
import { PHONE, screenshot, sendTo, shownFingerprint, signIn, webRig } from './support/web-app.js';

const PASS = 'a long enough passphrase';
const digitsOf = (out: string) => /^fingerprint: ([\d ]+)$/m.exec(out)?.[1];

test('web app identity: export and import between browsers and the CLI', { skip: !hasChromium && 'chromium not installed', timeout: 240_000 }, async (t) => {
  const rig = await webRig(t, 'sealcast-webid-');
  const { root, server } = rig;

  // Browser A: alice, made with an export passphrase.
  const a = await rig.open();
  await signIn(a, 'alice', PASS);
  const fingerprint = await shownFingerprint(a);
  assert.match(fingerprint, /^(\d{5} ){5}\d{5}$/);

  // Export: a wrong passphrase is refused, the right one downloads the encrypted file.
  await a.page.click('.tab[data-view="identity"]');
  await a.page.fill('#export-passphrase', 'not the passphrase');
  await a.page.click('#export');
  await a.page.waitForSelector('#export-status:has-text("Wrong passphrase")', { timeout: 20_000 });
  await a.page.fill('#export-passphrase', PASS);
  const [download] = await Promise.all([a.page.waitForEvent('download', { timeout: 20_000 }), a.page.click('#export')]);
  assert.equal(download.suggestedFilename(), 'sealcast-identity-alice.json');
  const file = join(root, 'alice.json');
  await download.saveAs(file);
  const sealed = JSON.parse(readFileSync(file, 'utf8'));
  assert.equal(sealed.sealcastEncryptedIdentity, 1);
  assert.equal(sealed.name, 'alice');
  await a.page.waitForSelector('#export-status:has-text("Saved")');
  await screenshot(a, 'identity');

  // Browser B (another profile): import with the file; the name comes from it; same fingerprint.
  const b = await rig.open();
  await b.page.setInputFiles('#import-file', file);
  await b.page.waitForFunction(() => (document.getElementById('import-name') as HTMLInputElement).value === 'alice');
  await b.page.fill('#import-passphrase', 'wrong wrong wrong');
  await b.page.click('#import');
  await b.page.waitForSelector('#signin-error:has-text("wrong passphrase")', { timeout: 20_000 });
  await screenshot(b, 'import-wrong-passphrase');
  await b.page.fill('#import-passphrase', PASS);
  await b.page.click('#import');
  await b.page.waitForSelector('#status.online', { timeout: 30_000 });
  assert.match((await b.page.textContent('#me'))!, /^alice · /);
  assert.equal(await shownFingerprint(b), fingerprint, 'the same keys in browser B');
  // One session per name: A is told it was signed out, clearly, with a way back.
  await a.page.waitForSelector('#connection-notice:has-text("somewhere else")', { timeout: 15_000 });
  assert.ok(await a.page.isVisible('#reconnect'));

  // Bob, on a phone, made without a passphrase: his keys cannot leave, and the page says so.
  const bob = await rig.open(PHONE, { isMobile: true });
  await signIn(bob, 'bob');
  await bob.page.click('.tab[data-view="identity"]');
  assert.match((await bob.page.textContent('#not-exportable'))!, /cannot be exported/);
  assert.equal(await bob.page.$('#export'), null);
  await screenshot(bob, 'identity-not-exportable-phone');
  await bob.page.click('.tab[data-view="chat"]');
  await sendTo(b, 'bob', 'hello bob from browser B');
  await bob.page.waitForSelector('[data-peer="alice"] .badge');

  // Browser → terminal: the CLI installs alice's file and sends as alice; bob sees no key change.
  const cliHome = join(root, 'cli-alice');
  const imported = await runCli(['identity', 'import', file], { home: cliHome, env: { SEALCAST_PASSPHRASE: PASS } });
  assert.equal(imported.code, 0, imported.stderr);
  assert.equal(digitsOf(imported.stdout), fingerprint);
  const sent = await runCli(['send', server.url, '--name', 'alice', '--to', 'bob', 'alice from the terminal'], { home: cliHome });
  assert.equal(sent.code, 0, sent.stderr);
  await bob.page.click('[data-peer="alice"]');
  await bob.page.waitForSelector('#messages li.theirs:has-text("alice from the terminal")');
  assert.equal(await bob.page.$('[data-banner="alice"]'), null, 'no key-change warning');
  assert.equal(await bob.page.$('#messages .trust.changed'), null, 'no unverified-key mark');

  // Terminal → browser: carol's CLI identity, exported with her name, signs in in browser C.
  const carolHome = join(root, 'cli-carol');
  const made = await runCli(['keygen'], { home: carolHome });
  assert.equal(made.code, 0, made.stderr);
  assert.equal((await runCli(['send', server.url, '--name', 'carol', '--to', 'bob', 'carol from the terminal'], { home: carolHome })).code, 0);
  const carolFile = join(root, 'carol.json');
  const exported = await runCli(['identity', 'export', '--name', 'carol', '--out', carolFile], { home: carolHome, env: { SEALCAST_PASSPHRASE: PASS } });
  assert.equal(exported.code, 0, exported.stderr);
  const c = await rig.open();
  await c.page.setInputFiles('#import-file', carolFile);
  await c.page.fill('#import-passphrase', PASS);
  await c.page.click('#import');
  await c.page.waitForSelector('#status.online', { timeout: 30_000 });
  assert.equal(await shownFingerprint(c), digitsOf(made.stdout));
  await sendTo(c, 'bob', 'carol from a browser now');
  await bob.page.click('[data-peer="carol"]');
  await bob.page.waitForSelector('#messages li.theirs:has-text("carol from a browser now")');
  assert.equal(await bob.page.$('[data-banner="carol"]'), null, 'no key-change warning');
  // Imported identities can be exported again (the browser keeps the encrypted file).
  await c.page.click('.tab[data-view="identity"]');
  assert.ok(await c.page.isVisible('#export'));
  // Removing it from the browser asks twice, then leaves the sign-in page and nothing else.
  await c.page.click('#forget');
  await Promise.all([c.page.waitForEvent('load'), c.page.click('#forget-confirm')]);
  await c.page.waitForSelector('#name');
  assert.equal(await c.page.evaluate(() => new Promise<number>((resolve) => {
    const req = indexedDB.open('sealcast');
    req.onsuccess = () => {
      const keys = req.result.transaction('kv').objectStore('kv').getAllKeys();
      keys.onsuccess = () => resolve(keys.result.length);
    };
  })), 0, 'IndexedDB is empty');

  rig.assertNoConsoleErrors();
});
