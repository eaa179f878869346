// The web app in Debian's Chromium (playwright-core) against a real server process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { hasChromium, launchBrowser } from './support/browser.js';
import { LineCollector, runCli, startCli } from './support/cli-process.js';
import { repoRoot } from './support/repo-root.js';
import { testClient } from './support/test-client.js';
import { removeDir, spawnServer, tempDir } from './support/server-process.js';

const shots = join(repoRoot(), 'test-output', 'screenshots');

interface Person {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

async function open(browser: Browser, url: string, viewport = { width: 1200, height: 800 }): Promise<Person> {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, errors };
}

async function signIn(p: Person, name: string): Promise<void> {
  await p.page.fill('#name', name);
  await p.page.click('#join');
  await p.page.waitForSelector('#status.online', { timeout: 20_000 });
}

async function sendTo(p: Person, peer: string, text: string): Promise<void> {
  await p.page.click(`[data-peer="${peer}"]`);
  await p.page.fill('#compose', text);
  await p.page.press('#compose', 'Enter');
}

test('web app: chat between browsers and with the CLI, roster, key-change banner', { skip: !hasChromium && 'chromium not installed' }, async (t) => {
  mkdirSync(shots, { recursive: true });
  const root = tempDir('sealcast-web-');
  const server = await spawnServer({ dataDir: join(root, 'data') });
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await server.stop();
    removeDir(root);
  });

  const alice = await open(browser, server.httpsUrl);
  await alice.page.screenshot({ path: join(shots, 'sign-in.png') });
  await signIn(alice, 'alice');
  const bob = await open(browser, server.httpsUrl, { width: 390, height: 844 }); // phone-sized
  await signIn(bob, 'bob');
  await alice.page.waitForSelector('[data-peer="bob"]');

  // Browser ↔ browser, both ways, with delivered marks and unread counts.
  await sendTo(alice, 'bob', 'hello bob, from a browser');
  await bob.page.waitForSelector('[data-peer="alice"] .badge');
  await sendTo(bob, 'alice', 'hi alice, from a phone');
  await bob.page.waitForSelector('#messages li.theirs:has-text("hello bob, from a browser")');
  await alice.page.waitForSelector('#messages li.theirs:has-text("hi alice, from a phone")');
  await alice.page.waitForSelector('#messages li.mine .mark.delivered', { timeout: 15_000 });
  await alice.page.screenshot({ path: join(shots, 'chat-desktop.png') });
  await bob.page.screenshot({ path: join(shots, 'chat-phone.png') });

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
  await alice.page.screenshot({ path: join(shots, 'verify.png') });
  await alice.page.click('#mark-verified');
  await alice.page.waitForSelector('[data-peer="bob"] .trust.verified');

  // Roster: leaving is shown.
  await bob.context.close();
  await alice.page.waitForSelector('[data-peer="bob"] .dot.off', { timeout: 15_000 });

  // Key change: carol's name is reset and a new key takes it: loud banner, sending blocked.
  const reset = await runCli(['admin', 'reset-name', 'carol', '--data', server.dataDir], { home: carolHome });
  assert.equal(reset.code, 0, reset.stderr);
  const newCarol = await testClient(server.url, 'carol', { pin: server.fingerprintHex });
  await alice.page.waitForSelector('[data-banner="carol"]', { timeout: 15_000 });
  await alice.page.click('[data-peer="carol"]');
  await alice.page.fill('#compose', 'should not go');
  await alice.page.press('#compose', 'Enter');
  await alice.page.waitForSelector('#messages li.mine .mark.failed');
  await alice.page.screenshot({ path: join(shots, 'key-changed.png') });
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
