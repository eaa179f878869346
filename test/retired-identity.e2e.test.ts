// After a key rotation, mail sealed to the old key that arrives after a restart must still open
// (issue 12 item 16): the old identity is kept on disk, by the CLI (identity.retired.json, 0600)
// and by the web app (IndexedDB). Real server, real CLI processes, a real browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { importIdentity, parseBundle, toHex } from '../src/crypto/index.js';
import { hasChromium } from './support/browser.js';
import { runCli } from './support/cli-process.js';
import { sendSealedFor } from './support/crafted-send.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';
import { testClient } from './support/test-client.js';
import { shownFingerprint, signIn, webRig } from './support/web-app.js';

test('CLI: /rotate keeps the old key in identity.retired.json; mail sealed to it opens after a restart', async (t) => {
  const root = tempDir('sealcast-retired-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  t.after(async () => {
    await server.stop();
    removeDir(root);
  });
  const bob = await testClient(server.url, 'bob');
  const home = join(root, 'alice');
  const first = await runCli(['who', server.url, '--name', 'alice'], { home });
  assert.equal(first.code, 0, first.stderr);
  const oldAlice = await importIdentity(readFileSync(join(home, 'identity.json'), 'utf8'));

  const rotated = await runCli(['connect', server.url, '--name', 'alice'], { home, input: '/rotate\n', timeoutMs: 60_000 });
  assert.match(rotated.stdout, /your key was replaced/, rotated.stdout + rotated.stderr);
  const newAlice = await importIdentity(readFileSync(join(home, 'identity.json'), 'utf8'));
  assert.notEqual(toHex(newAlice.bundle.fingerprint), toHex(oldAlice.bundle.fingerprint));

  // Bob sealed this to the key he knew; it waits on the server while alice is away.
  await sendSealedFor(bob, 'alice', [{ name: 'alice', bundle: oldAlice.bundle }], 'sealed to your old key');
  const listen = await runCli(['listen', server.url, '--name', 'alice', '--json', '--count', '1', '--timeout', '30'], { home, timeoutMs: 60_000 });
  assert.doesNotMatch(listen.stderr, /rejected/);
  assert.equal(listen.code, 0, listen.stderr);
  assert.equal(JSON.parse(listen.stdout.trim()).text, 'sealed to your old key');
  const retiredFile = join(home, 'identity.retired.json');
  assert.ok(existsSync(retiredFile));
  assert.equal(statSync(retiredFile).mode & 0o777, 0o600, 'as private as the identity');
  await bob.close();
});

test('web app: "Replace my key" keeps the old key in IndexedDB; mail sealed to it opens after the page comes back', { skip: !hasChromium && 'chromium not installed', timeout: 180_000 }, async (t) => {
  const rig = await webRig(t, 'sealcast-retired-web-');
  const alice = await rig.open();
  await signIn(alice, 'alice');
  const bob = await testClient(rig.server.url, 'bob');
  const before = await bob.request({ body: { case: 'peerRequest', value: { name: 'alice' } } });
  assert.equal(before.body.case, 'peerInfo');
  const oldBundle = await parseBundle(before.body.case === 'peerInfo' ? before.body.value.bundle : new Uint8Array());
  const oldDigits = await shownFingerprint(alice);

  await alice.page.click('.tab[data-view="identity"]');
  await alice.page.click('#rotate');
  await alice.page.waitForSelector('#rotate-status:has-text("was replaced")', { timeout: 30_000 });
  assert.notEqual(await shownFingerprint(alice), oldDigits, 'a new key');

  // Alice closes the app; bob's message, sealed to her old key, waits on the server.
  await alice.page.goto('about:blank');
  await sendSealedFor(bob, 'alice', [{ name: 'alice', bundle: oldBundle }], 'sealed to your old key');
  await alice.page.goto(rig.server.httpsUrl);
  await alice.page.waitForSelector('#status.online', { timeout: 30_000 });
  assert.notEqual(await shownFingerprint(alice), oldDigits, 'the new key survived the reload');
  await alice.page.click('[data-peer="bob"]');
  await alice.page.waitForSelector('#messages li.theirs:has-text("sealed to your old key")', { timeout: 20_000 });
  assert.equal(await alice.page.$('#alert'), null, 'nothing was rejected');

  // An exportable identity asks for its passphrase and stays exportable with the new key.
  const carol = await rig.open();
  await signIn(carol, 'carol', 'carol passphrase 123');
  const carolDigits = await shownFingerprint(carol);
  await carol.page.click('.tab[data-view="identity"]');
  await carol.page.fill('#rotate-passphrase', 'not the passphrase');
  await carol.page.click('#rotate');
  await carol.page.waitForSelector('#rotate-status:has-text("Wrong passphrase")', { timeout: 30_000 });
  await carol.page.fill('#rotate-passphrase', 'carol passphrase 123');
  await carol.page.click('#rotate');
  await carol.page.waitForSelector('#rotate-status:has-text("was replaced")', { timeout: 30_000 });
  assert.ok(await carol.page.$('#export-form'), 'still exportable');
  assert.notEqual(await shownFingerprint(carol), carolDigits);
  await bob.close();
  rig.assertNoConsoleErrors();
});
