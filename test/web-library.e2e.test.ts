// The web library as a media server's: posters, search and sort, subtitles offered and shown, seek-bar
// thumbnails, resume with "start over" per user (kept by the server), and the end shown as ended.
// Chromium against a real server transcoding real files with ffmpeg.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { hasChromium } from './support/browser.js';
import { seedLibrary } from './support/seeded-library.js';
import { screenshot, signIn, webRig } from './support/web-app.js';

const SRT = '1\n00:00:01,000 --> 00:00:04,000\nHello there\n\n2\n00:00:06,000 --> 00:00:08,000\nSecond line\n';

/** The <video>'s time, once it is past `after` seconds and playing. */
async function playingPast(page: Page, after: number, timeout = 60_000): Promise<number> {
  const handle = await page.waitForFunction((a: number) => {
    const v = document.getElementById('video') as HTMLVideoElement | null;
    return v && !v.paused && v.videoHeight > 0 && v.currentTime > a ? v.currentTime : false;
  }, after, { timeout, polling: 100 });
  return (await handle.jsonValue()) as number;
}

async function rows(page: Page): Promise<string[]> {
  return page.$$eval('#library li', (els) => els.map((e) => (e as HTMLElement).dataset.title!));
}

test('web library: posters, search and sort, subtitles, thumbnails, resume and start over, ended', { skip: !hasChromium && 'chromium not installed', timeout: 300_000 }, async (t) => {
  const rig = await webRig(t, 'sealcast-weblib-', {
    videos: async (root, dataDir) => {
      const videos = join(root, 'videos');
      // The library's views are the subject, not ingest: the titles come transcoded (posters,
      // thumbnails and subtitles included). "clip" first, so "movie" is the newer one: date added and name order differ.
      await seedLibrary(videos, dataDir, [
        { file: 'clip.mp4', clip: { width: 426, height: 240, seconds: 4 } },
        { file: 'movie.mp4', clip: { width: 640, height: 360, seconds: 12 }, sidecars: { 'movie.en.srt': SRT } },
      ]);
      return videos;
    },
  });
  const viewer = await rig.open();
  await signIn(viewer, 'viewer');
  const page = viewer.page;
  await page.click('.tab[data-view="videos"]');
  await page.waitForSelector('#library li[data-title="movie"][data-state="ready"]', { timeout: 180_000 });
  await page.waitForSelector('#library li[data-title="clip"][data-state="ready"]', { timeout: 60_000 });

  // Posters are real images from the server (fetched with the title's token).
  await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('#library img.poster')).every((i) => i.complete && i.naturalWidth > 0), undefined, { timeout: 30_000 });
  assert.equal(await page.$$eval('#library img.poster', (els) => els.length), 2);

  // Sort and search.
  assert.deepEqual(await rows(page), ['clip', 'movie'], 'by title');
  await page.selectOption('#library-sort', 'added');
  assert.deepEqual(await rows(page), ['movie', 'clip'], 'newest first');
  await page.selectOption('#library-sort', 'duration');
  assert.deepEqual(await rows(page), ['movie', 'clip'], 'longest first');
  await page.selectOption('#library-sort', 'title');
  await page.fill('#library-search', 'CL');
  assert.deepEqual(await rows(page), ['clip']);
  await page.fill('#library-search', 'nothing like it');
  assert.deepEqual(await rows(page), []);
  assert.match((await page.textContent('#library-message'))!, /No video matches/);
  await page.fill('#library-search', '');
  await screenshot(viewer, 'library-posters');

  // Subtitles: offered in the player, selectable, and the cue shows at its time.
  await page.click('[data-play="movie"]');
  await playingPast(page, 0.2);
  assert.deepEqual(await page.$$eval('#subtitles option', (o) => o.map((x) => x.textContent)), ['Off', 'English']);
  await page.selectOption('#subtitles', '0');
  const cue = await page.waitForFunction(() => {
    const v = document.getElementById('video') as HTMLVideoElement;
    const track = Array.from(v.textTracks).find((x) => x.label === 'English' && x.mode === 'showing');
    const active = track?.activeCues?.[0] as VTTCue | undefined;
    return active ? { text: active.text, at: v.currentTime } : false;
  }, undefined, { timeout: 30_000, polling: 100 });
  const shown = (await cue.jsonValue()) as { text: string; at: number };
  assert.equal(shown.text, 'Hello there');
  assert.ok(shown.at >= 0.9 && shown.at <= 4.1, `cue active at ${shown.at}`);

  // Seek-bar thumbnails: hovering the bar shows the frame from the sprite.
  await page.waitForSelector('#scrub:not([hidden])');
  const box = (await page.locator('#scrub').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
  await page.waitForSelector('#thumb-preview:not([hidden])');
  assert.match((await page.$eval('#thumb-preview', (e) => (e as HTMLElement).style.backgroundImage))!, /\/hls\/movie\/thumbs\.jpg\?token=/);
  await screenshot(viewer, 'player-subtitles-thumbnails');

  // Resume: stop part-way, reload; the library (the server's record: the page keeps none) offers to
  // resume there, and the player starts there.
  await playingPast(page, 5);
  await page.click('#player-close');
  await page.waitForSelector('#library li[data-title="movie"] [data-restart]');
  await page.reload();
  await page.waitForSelector('#status.online', { timeout: 30_000 });
  await page.click('.tab[data-view="videos"]');
  const resumeLabel = (await page.waitForSelector('#library li[data-title="movie"] [data-play]'))!;
  assert.match((await resumeLabel.textContent())!, /Resume 0:0[5-9]/);
  await page.click('[data-play="movie"]');
  const resumedAt = await playingPast(page, 0);
  assert.ok(resumedAt >= 4.5, `resumed at ${resumedAt} s`);
  await page.click('#player-restart');
  const over = await page.waitForFunction(() => {
    const v = document.getElementById('video') as HTMLVideoElement;
    return !v.paused && v.currentTime < 2 ? v.currentTime : false;
  }, undefined, { timeout: 30_000, polling: 100 });
  assert.ok(((await over.jsonValue()) as number) < 2, 'start over plays from the beginning');

  // The end is shown as ended, and the server marks it watched.
  await page.evaluate(() => {
    const v = document.getElementById('video') as HTMLVideoElement;
    v.currentTime = v.duration - 1;
  });
  await page.waitForSelector('#library li[data-title="movie"].ended', { timeout: 30_000 });
  assert.match((await page.textContent('#library li[data-title="movie"]'))!, /Play again[\s\S]*ended/);
  assert.equal(await page.textContent('#playing'), 'Ended');
  assert.equal(await page.getAttribute('#player', 'data-ended'), 'true');
  await page.click('#player-close');
  await page.waitForSelector('#library li[data-title="movie"] .watch:has-text("watched")');

  // hls.js with a master playlist that has a subtitle group: it plays, the <track> still offers them.
  await page.goto(`${rig.server.httpsUrl}/?player=hlsjs`);
  await page.waitForSelector('#status.online', { timeout: 30_000 });
  await page.click('.tab[data-view="videos"]');
  await page.click('[data-play="movie"]');
  await playingPast(page, 0.5);
  assert.equal(await page.getAttribute('#player', 'data-engine'), 'hls.js');
  assert.deepEqual(await page.$$eval('#subtitles option', (o) => o.map((x) => x.textContent)), ['Off', 'English']);
  rig.assertNoConsoleErrors();
});
