// Driving the web app in Chromium: pages that collect console errors, sign-in, sending.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from './browser.js';
import { repoRoot } from './repo-root.js';
import { removeDir, spawnServer, tempDir, type ServerProcess } from './server-process.js';

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

/** A server process, Chromium, and the people opened on it; torn down when the test ends. */
export interface WebRig {
  root: string;
  server: ServerProcess;
  browser: Browser;
  people: Person[];
  /** A new browser profile on the server's page. */
  open(viewport?: { width: number; height: number }, opts?: { isMobile?: boolean }): Promise<Person>;
  /** Stops the server and starts it again on the same port and data (an outage). */
  stopServer(): Promise<void>;
  startServer(): Promise<void>;
  /** No one's page printed a console error (but those `allowed` names). */
  assertNoConsoleErrors(allowed?: RegExp): void;
}

/** Starts the rig; `videos` makes the library directory under the test's temporary root (and may seed the data directory). */
export async function webRig(t: TestContext, prefix: string, opts: { videos?: (root: string, dataDir: string) => string | Promise<string>; env?: Record<string, string> } = {}): Promise<WebRig> {
  const root = tempDir(prefix);
  const dataDir = join(root, 'data');
  const videosDir = await opts.videos?.(root, dataDir);
  const start = (port?: number) => spawnServer({ dataDir, ...(videosDir ? { videosDir } : {}), ...(port ? { port } : {}), ...(opts.env ? { env: opts.env } : {}) });
  const server = await start();
  const browser = await launchBrowser();
  const rig: WebRig = {
    root, server, browser, people: [],
    async open(viewport = DESKTOP, o = {}) {
      const p = await openPerson(browser, rig.server.httpsUrl, viewport, o);
      rig.people.push(p);
      return p;
    },
    async stopServer() {
      await rig.server.stop();
    },
    async startServer() {
      rig.server = await start(rig.server.port);
    },
    assertNoConsoleErrors(allowed) {
      for (const p of rig.people) assert.deepEqual(p.errors.filter((e) => !allowed?.test(e)), [], 'no console errors');
    },
  };
  t.after(async () => {
    await browser.close();
    await rig.server.stop();
    removeDir(root);
  });
  return rig;
}
