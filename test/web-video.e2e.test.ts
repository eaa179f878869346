// The web app's video view in Chromium against a real server transcoding real files with ffmpeg:
// the library with progress, HLS playback on the browser's own HLS and on hls.js (a lazily
// loaded chunk), rung picking, chat while watching, and a phone-sized screen.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { hasChromium } from './support/browser.js';
import { LineCollector, runCli, startCli } from './support/cli-process.js';
import { makeClip } from './support/media-fixtures.js';
import { seedLibrary } from './support/seeded-library.js';
import { PHONE, screenshot, sendTo, signIn, webRig } from './support/web-app.js';

const RUNGS = [240, 360, 480];

/** What to wait for in the page's <video>: a height (else any rung), a position passed, playing. */
interface Want {
  height?: number;
  after?: number;
  playing?: boolean;
}

/** Resolves once the page's <video> is as wanted, or fails with its state. Functions, not strings: the page's CSP forbids eval. */
async function videoUntil(page: Page, want: Want, timeout = 30_000): Promise<{ t: number; h: number }> {
  try {
    const handle = await page.waitForFunction((w: Want) => {
      const v = document.getElementById('video') as HTMLVideoElement | null;
      // A quality switch in progress still shows the old rung: wait for it to land.
      if (!v || v.currentTime <= 0 || document.getElementById('player')!.dataset.switching) return false;
      if (w.height === undefined ? v.videoHeight <= 0 : v.videoHeight !== w.height) return false;
      if (w.after !== undefined && v.currentTime <= w.after) return false;
      return w.playing && v.paused ? false : { t: v.currentTime, h: v.videoHeight };
    }, want, { timeout, polling: 100 });
    return (await handle.jsonValue()) as { t: number; h: number };
  } catch (e) {
    const state = await page.evaluate(() => {
      const v = document.getElementById('video') as HTMLVideoElement;
      return { t: v.currentTime, h: v.videoHeight, paused: v.paused, err: v.error?.message, src: v.currentSrc.replace(/token=[^&]+/, 'token=…'), info: document.getElementById('playing')?.textContent, perr: document.getElementById('player-error')?.textContent };
    });
    throw new Error(`${(e as Error).message.split('\n')[0]}; video: ${JSON.stringify(state)}`);
  }
}

/** Playback advances at the height it reports, on the rungs of the ladder. */
async function assertPlaying(page: Page, height?: number): Promise<void> {
  const start = await videoUntil(page, height === undefined ? {} : { height });
  assert.ok(RUNGS.includes(start.h), `videoHeight ${start.h} is a rung`);
  const later = await videoUntil(page, { after: start.t + 1, ...(height === undefined ? {} : { height }) });
  assert.ok(later.t > start.t + 1, 'currentTime advances');
}

async function pickQuality(page: Page, value: string): Promise<void> {
  await page.selectOption('#quality', value);
}

test('web app videos: library and progress, native HLS and hls.js, rungs, chat while watching, phone', { skip: !hasChromium && 'chromium not installed', timeout: 300_000 }, async (t) => {
  const rig = await webRig(t, 'sealcast-webvideo-', {
    videos: async (root, dataDir) => {
      const videos = join(root, 'videos');
      // "movie" is played, so it comes transcoded; "feature" transcodes for real: the library shows its progress.
      await seedLibrary(videos, dataDir, [{ file: 'movie.mp4', clip: { width: 854, height: 480, seconds: 20 } }]);
      makeClip(join(videos, 'feature.mp4'), { width: 1280, height: 720, seconds: 8 });
      return videos;
    },
  });
  const { root, server } = rig;

  const viewer = await rig.open();
  const chunks: string[] = [];
  viewer.page.on('request', (r) => {
    if (/\/assets\/.*\.js$/.test(r.url())) chunks.push(new URL(r.url()).pathname);
  });
  await signIn(viewer, 'viewer');
  await viewer.page.click('.tab[data-view="videos"]');

  // The library while transcoding: progress shows for "feature", and the list refreshes by itself
  // until it is ready; nobody presses Refresh.
  await viewer.page.waitForSelector('#library li[data-title="feature"][data-state="transcoding"] progress, #library li[data-title="feature"][data-state="queued"]', { timeout: 60_000 });
  await screenshot(viewer, 'videos-transcoding');
  await viewer.page.waitForSelector('#library li[data-title="feature"][data-state="ready"]', { timeout: 120_000 });
  await viewer.page.waitForSelector('#library li[data-title="movie"][data-state="ready"]');
  const movie = (await viewer.page.textContent('#library li[data-title="movie"]'))!;
  assert.match(movie, /0:20/);
  assert.match(movie, /240p · 360p · 480p/);

  // The browser's own HLS (Chromium has it): plays on a rung, switches on request, hls.js never fetched.
  await viewer.page.click('[data-play="movie"]');
  await assertPlaying(viewer.page);
  assert.equal(await viewer.page.getAttribute('#player', 'data-engine'), 'native');
  assert.match((await viewer.page.textContent('#playing'))!, /\d+p · auto · native HLS/);
  await pickQuality(viewer.page, '240');
  await assertPlaying(viewer.page, 240);
  await pickQuality(viewer.page, '480');
  await assertPlaying(viewer.page, 480);
  assert.match((await viewer.page.textContent('#playing'))!, /480p · fixed/);
  assert.ok(!chunks.some((c) => c.includes('/hls-')), `hls.js was not loaded: ${chunks.join(', ')}`);

  // Chat stays usable while watching: a terminal user writes, the viewer answers from the side panel.
  const friendHome = join(root, 'friend');
  const listen = startCli(['listen', server.url, '--name', 'friend', '--json', '--count', '1', '--timeout', '60'], { home: friendHome });
  t.after(() => void listen.kill());
  const heard = new LineCollector(listen.stdout!);
  await viewer.page.waitForSelector('[data-peer="friend"]', { timeout: 30_000 });
  const sent = await runCli(['send', server.url, '--name', 'friend2', '--to', 'viewer', 'are you watching?'], { home: join(root, 'friend2') });
  assert.equal(sent.code, 0, sent.stderr);
  await viewer.page.waitForSelector('[data-peer="friend2"] .badge');
  await viewer.page.click('[data-peer="friend2"]');
  await viewer.page.waitForSelector('#messages li.theirs:has-text("are you watching?")');
  const before = await videoUntil(viewer.page, {});
  await sendTo(viewer, 'friend', 'yes, and still chatting');
  assert.equal(JSON.parse(await heard.waitFor((l) => l.startsWith('{'), 30_000)).text, 'yes, and still chatting');
  await videoUntil(viewer.page, { after: before.t + 1, playing: true });
  await screenshot(viewer, 'player-desktop');

  // hls.js, asked for explicitly: its own chunk is fetched only now; rungs switch the same way.
  await viewer.page.goto(`${server.httpsUrl}/?player=hlsjs`);
  await viewer.page.waitForSelector('#status.online', { timeout: 30_000 });
  await viewer.page.click('.tab[data-view="videos"]');
  await viewer.page.click('[data-play="movie"]');
  await assertPlaying(viewer.page);
  assert.equal(await viewer.page.getAttribute('#player', 'data-engine'), 'hls.js');
  assert.ok(chunks.some((c) => /\/assets\/hls-[\w-]+\.js$/.test(c)), `the hls.js chunk was loaded: ${chunks.join(', ')}`);
  await pickQuality(viewer.page, '240');
  await assertPlaying(viewer.page, 240);
  await pickQuality(viewer.page, '360');
  await assertPlaying(viewer.page, 360);
  assert.match((await viewer.page.textContent('#playing'))!, /360p · fixed · hls\.js/);
  await pickQuality(viewer.page, 'auto');
  await assertPlaying(viewer.page);
  await viewer.page.click('#player-close');
  assert.equal(await viewer.page.isHidden('#player'), true);

  // A phone-sized screen: the player, then the conversations, nothing wider than the screen.
  const phone = await rig.open(PHONE, { isMobile: true });
  await signIn(phone, 'phoneviewer');
  await phone.page.click('.tab[data-view="videos"]');
  await phone.page.waitForSelector('#library li[data-title="movie"][data-state="ready"]');
  await phone.page.click('[data-play="movie"]');
  await assertPlaying(phone.page);
  const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `page is ${width}px wide on a ${PHONE.width}px screen`);
  assert.ok(await phone.page.isVisible('#compose'), 'the message box is reachable under the player');
  await screenshot(phone, 'player-phone');

  rig.assertNoConsoleErrors();
});

test('web player renews its HLS token before it expires and plays on past the first token', { skip: !hasChromium && 'chromium not installed', timeout: 180_000 }, async (t) => {
  // Tokens live 12 s here (an hour by default); the player renews 10 s in, and the old token is dead by 12 s.
  const rig = await webRig(t, 'sealcast-webrenew-', {
    env: { SEALCAST_HLS_TOKEN_TTL_SECONDS: '12' },
    videos: async (root, dataDir) => {
      const videos = join(root, 'videos');
      // Token renewal is the subject, not ingest: the title comes transcoded.
      await seedLibrary(videos, dataDir, [{ file: 'long.mp4', clip: { width: 426, height: 240, seconds: 30 } }]);
      return videos;
    },
  });
  const viewer = await rig.open();
  await signIn(viewer, 'renewer');
  await viewer.page.click('.tab[data-view="videos"]');
  await viewer.page.waitForSelector('#library li[data-title="long"][data-state="ready"]', { timeout: 120_000 });
  await viewer.page.click('[data-play="long"]');
  const tokenOf = () => viewer.page.evaluate(() => new URL((document.getElementById('video') as HTMLVideoElement).currentSrc).searchParams.get('token'));
  await videoUntil(viewer.page, { playing: true });
  const first = await tokenOf();
  const late = await videoUntil(viewer.page, { after: 16, playing: true }, 60_000);
  assert.ok(late.t > 16, `played to ${late.t} s, past the first token's 12 s life`);
  assert.notEqual(await tokenOf(), first, 'the player switched to a fresh token');
  rig.assertNoConsoleErrors();
});
