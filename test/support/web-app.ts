// Driving the web app in Chromium: pages that collect console errors, sign-in, sending.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { repoRoot } from './repo-root.js';

/** Where the web tests put their screenshots (not committed). */
export const SCREENSHOTS = join(repoRoot(), 'test-output', 'screenshots');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** One browser profile (its own IndexedDB) with one page, and every console error it printed. */
export interface Person {
  context: BrowserContext;
  page: Page;
  errors: string[];
}

/** A new browser profile opened on `url`; console errors and uncaught exceptions are collected. */
export async function openPerson(browser: Browser, url: string, viewport = DESKTOP, opts: { isMobile?: boolean } = {}): Promise<Person> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, viewport, acceptDownloads: true, ...(opts.isMobile ? { isMobile: true, hasTouch: true } : {}) });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  return { context, page, errors };
}

/** Creates an identity on the sign-in page (with an export passphrase when given) and waits until connected. */
export async function signIn(p: Person, name: string, passphrase?: string): Promise<void> {
  await p.page.fill('#name', name);
  if (passphrase) {
    await p.page.fill('#new-passphrase', passphrase);
    await p.page.fill('#new-passphrase2', passphrase);
  }
  await p.page.click('#join');
  await p.page.waitForSelector('#status.online', { timeout: 30_000 });
}

/** Opens the conversation with `peer` ("all" for everyone) and sends `text` with Enter. */
export async function sendTo(p: Person, peer: string, text: string): Promise<void> {
  await p.page.click(`[data-peer="${peer}"]`);
  await p.page.fill('#compose', text);
  await p.page.press('#compose', 'Enter');
}

/** The full fingerprint shown on the Identity page. */
export async function shownFingerprint(p: Person): Promise<string> {
  await p.page.click('.tab[data-view="identity"]');
  const fp = (await p.page.textContent('#identity-fingerprint'))!.trim();
  await p.page.click('.tab[data-view="chat"]');
  return fp;
}

export function screenshot(p: Person, name: string): Promise<Buffer> {
  return p.page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}
