// The web app in Debian's Chromium (playwright-core) against a real server process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { generateIdentity, toHex } from '../src/crypto/index.js';
import { hasChromium, launchBrowser } from './support/browser.js';
import { LineCollector, runCli, startCli } from './support/cli-process.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';
import { openPerson as open, PHONE, screenshot, sendTo, signIn } from './support/web-app.js';

test('web app: chat between browsers and with the CLI, roster, key-change banner', { skip: !hasChromium && 'chromium not installed' }, async (t) => {
  const root = tempDir('sealcast-web-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.stop();
    removeDir(root);
  });

  const alice = await open(browser, server.httpsUrl);
  await screenshot(alice, 'sign-in');
  await signIn(alice, 'alice');
  const bob = await open(browser, server.httpsUrl, PHONE);
  await signIn(bob, 'bob');
  await alice.page.waitForSelector('[data-peer="bob"]');

  // Browser ↔ browser, both ways, with delivered marks and unread counts.
  await sendTo(alice, 'bob', 'hello bob, from a browser');
  await bob.page.waitForSelector('[data-peer="alice"] .badge');
  await sendTo(bob, 'alice', 'hi alice, from a phone');
  await bob.page.waitForSelector('#messages li.theirs:has-text("hello bob, from a browser")');
  await alice.page.waitForSelector('#messages li.theirs:has-text("hi alice, from a phone")');
  await alice.page.waitForSelector('#messages li.mine .mark.delivered', { timeout: 15_000 });
  await screenshot(alice, 'chat-desktop');
  await screenshot(bob, 'chat-phone');

  // Browser ↔ CLI, both ways.
  const carolHome = join(root, 'carol');
  const sent = await runCli(['send', server.url, '--name', 'carol', '--to', 'alice', 'hi alice, from the terminal'], { home: carolHome });
  assert.equal(sent.code, 0, sent.stderr);
  await alice.page.waitForSelector('[data-peer="carol"]');
  await alice.page.click('[data-peer="carol"]');
  await alice.page.waitForSelector('#messages li.theirs:has-text("hi alice, from the terminal")');
  const listen = startCli(['listen', server.url, '--name', 'carol', '--json', '--count', '1', '--timeout', '30'], { home: carolHome });
  const out = new LineCollector(listen.stdout!);
  await new Promise((r) => setTimeout(r, 1500));
  await sendTo(alice, 'carol', 'and back to the terminal');
  const line = await out.waitFor((l) => l.startsWith('{'), 20_000);
  assert.equal(JSON.parse(line).text, 'and back to the terminal');
  assert.equal(JSON.parse(line).from, 'alice');

  // Everyone conversation.
  await sendTo(bob, 'all', 'bob to everyone');
  await alice.page.click('[data-peer="all"]');
  await alice.page.waitForSelector('#messages li.theirs:has-text("bob to everyone")');

  // Verify view shows the 60-digit safety number.
  await alice.page.click('[data-peer="bob"]');
  await alice.page.click('#verify-btn');
  const safety = await alice.page.textContent('#safety-number', { timeout: 10_000 });
  assert.match(safety ?? '', /^(\d{5} ){11}\d{5}$/);
  await screenshot(alice, 'verify');
  await alice.page.click('#mark-verified');
  await alice.page.waitForSelector('[data-peer="bob"] .trust.verified');

  // Roster: leaving is shown.
  await bob.context.close();
  await alice.page.waitForSelector('[data-peer="bob"] .dot.off', { timeout: 15_000 });

  // Key change: carol's name is reset and a new key takes it: loud banner, sending blocked.
  const carolNew = await generateIdentity();
  const reset = await runCli(['admin', 'reset-name', 'carol', '--fingerprint', toHex(carolNew.bundle.fingerprint), '--data', server.dataDir], { home: carolHome });
  assert.equal(reset.code, 0, reset.stderr);
  const newCarol = await testClient(server.url, 'carol', { pin: server.fingerprintHex, identity: carolNew });
  await alice.page.waitForSelector('[data-banner="carol"]', { timeout: 15_000 });
  await alice.page.click('[data-peer="carol"]');
  await alice.page.fill('#compose', 'should not go');
  await alice.page.press('#compose', 'Enter');
  await alice.page.waitForSelector('#messages li.mine .mark.failed');
  await screenshot(alice, 'key-changed');
  await alice.page.click('[data-banner="carol"] .accept');
  await alice.page.waitForSelector('[data-banner="carol"]', { state: 'detached' });
  await newCarol.close();

  // Returning visitor: same identity, signed in without the form.
  await alice.page.reload();
  await alice.page.waitForSelector('#status.online', { timeout: 20_000 });
  assert.equal(await alice.page.$('#name'), null, 'no sign-in form on return');
  assert.match((await alice.page.textContent('#me')) ?? '', /^alice/);

  assert.deepEqual(alice.errors, [], 'no console errors');
  assert.deepEqual(bob.errors, [], 'no console errors');
});
