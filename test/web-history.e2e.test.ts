// The web app's chat between visits: history in IndexedDB survives reloads, messages that came
// while away appear with unread counts, sent → delivered marks (also for receipts missed while
// offline), and a server outage is announced and healed without a reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { hasChromium } from './support/browser.js';
import type { ServerProcess } from './support/server-process.js';
import { PHONE, screenshot, sendTo, signIn, webRig, type Person } from './support/web-app.js';

const lines = (page: Page) => page.$$eval('#messages li .text', (els) => els.map((e) => e.textContent));

async function away(p: Person): Promise<void> {
  await p.page.goto('about:blank');
}

async function back(p: Person, server: ServerProcess): Promise<void> {
  await p.page.goto(server.httpsUrl);
  await p.page.waitForSelector('#status.online', { timeout: 30_000 });
}

/** Chromium's own log line for a refused WebSocket: printed by the browser, not by the page's code. */
const REFUSED_SOCKET = /^WebSocket connection to 'wss:\/\/127\.0\.0\.1:\d+\/ws' failed/;

test('web app history: reloads, unread counts, delivered marks, messages from while away, outage', { skip: !hasChromium && 'chromium not installed', timeout: 240_000 }, async (t) => {
  const rig = await webRig(t, 'sealcast-webhist-');
  const alice = await rig.open();
  await signIn(alice, 'alice');
  const bob = await rig.open(PHONE, { isMobile: true });
  await signIn(bob, 'bob');
  await alice.page.waitForSelector('[data-peer="bob"]');

  // Unread counts: three to bob while he looks at "Everyone"; the badge and the tab title count them.
  for (const text of ['one', 'two', 'three']) await sendTo(alice, 'bob', text);
  await bob.page.waitForSelector('[data-peer="alice"] .badge:has-text("3")');
  assert.equal(await bob.page.title(), '(3) sealcast');
  await screenshot(bob, 'unread-phone');
  await bob.page.click('[data-peer="alice"]');
  assert.deepEqual(await lines(bob.page), ['one', 'two', 'three']);
  assert.equal(await bob.page.$('[data-peer="alice"] .badge'), null, 'opening the conversation clears its count');
  assert.equal(await bob.page.title(), 'sealcast');
  await alice.page.waitForFunction(() => document.querySelectorAll('#messages li.mine .mark.delivered').length === 3, undefined, { timeout: 15_000 });

  // Messages while away: bob closes the app; alice writes; they are "sent", not "delivered".
  await bob.page.click('[data-peer="all"]');
  await away(bob);
  await alice.page.waitForSelector('[data-peer="bob"] .dot.off', { timeout: 15_000 });
  await sendTo(alice, 'bob', 'four, while you were away');
  await sendTo(alice, 'bob', 'five, while you were away');
  await alice.page.waitForFunction(() => document.querySelectorAll('#messages li.mine .mark.sent').length === 2, undefined, { timeout: 15_000 });

  // Alice leaves too; bob comes back, reads them (his client acknowledges them); alice never got the receipts.
  await away(alice);
  await back(bob, rig.server);
  await bob.page.waitForSelector('[data-peer="alice"] .badge:has-text("2")');
  await bob.page.click('[data-peer="alice"]');
  assert.deepEqual(await lines(bob.page), ['one', 'two', 'three', 'four, while you were away', 'five, while you were away']);

  // Alice returns: her history is there, and the server no longer holding them turns ✓ into ✓✓.
  await back(alice, rig.server);
  await alice.page.click('[data-peer="bob"]');
  assert.deepEqual(await lines(alice.page), ['one', 'two', 'three', 'four, while you were away', 'five, while you were away']);
  await alice.page.waitForFunction(() => document.querySelectorAll('#messages li.mine .mark.delivered').length === 5, undefined, { timeout: 15_000 });

  // A reload keeps everything, including the open conversation.
  await bob.page.reload();
  await bob.page.waitForSelector('#status.online', { timeout: 30_000 });
  assert.equal(await bob.page.getAttribute('[data-peer="alice"]', 'aria-current'), 'true');
  assert.equal((await lines(bob.page)).length, 5);
  await screenshot(bob, 'history-phone');

  // Outage: the server stops; both pages say so; what alice writes waits; all heals by itself.
  await rig.stopServer();
  await alice.page.waitForSelector('#connection-notice:has-text("unreachable")', { timeout: 15_000 });
  await bob.page.waitForSelector('#status.offline');
  await screenshot(alice, 'offline');
  await alice.page.fill('#compose', 'written during the outage');
  await alice.page.press('#compose', 'Enter');
  await alice.page.waitForSelector('#messages li.mine .mark.sending');
  await rig.startServer();
  await alice.page.waitForSelector('#status.online', { timeout: 30_000 });
  assert.equal(await alice.page.$('#connection-notice'), null, 'the notice goes once connected');
  await bob.page.waitForSelector('#messages li.theirs:has-text("written during the outage")', { timeout: 30_000 });
  await alice.page.waitForFunction(() => document.querySelectorAll('#messages li.mine .mark.delivered').length === 6, undefined, { timeout: 15_000 });
  await screenshot(alice, 'chat-desktop-history');

  // Keyboard: Tab from the roster reaches the message box; Enter sends.
  await alice.page.focus('[data-peer="bob"]');
  for (let i = 0; i < 10 && !(await alice.page.evaluate(() => document.activeElement?.id === 'compose')); i++) await alice.page.keyboard.press('Tab');
  assert.equal(await alice.page.evaluate(() => document.activeElement?.id), 'compose', 'Tab reaches the message box');
  await alice.page.keyboard.type('typed, not clicked');
  await alice.page.keyboard.press('Enter');
  await bob.page.waitForSelector('#messages li.theirs:has-text("typed, not clicked")');

  rig.assertNoConsoleErrors(REFUSED_SOCKET);
});
