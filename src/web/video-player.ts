// The HLS player: the browser's own HLS when it has it, else hls.js (its own chunk, loaded only
// then). Either way the user can stay on automatic quality or pin a rung, and sees what plays.
import type HlsType from 'hls.js';
import { h } from './dom.js';

/** A rung of the title's ladder, as the server lists it. */
export interface Rung {
  height: number;
  width: number;
  bandwidth: number;
}

/** What the player needs to play a title: its rungs and a way to get a fresh HLS token. */
export interface PlayerSource {
  title: string;
  renditions: Rung[];
  /** The master playlist path with its token, e.g. from SealcastClient.hlsToken(). */
  token(): Promise<{ path: string; token: string; expiresAt: number }>;
}

/** Which engine plays: the browser's own HLS, or hls.js on Media Source Extensions. */
export type Engine = 'native' | 'hls.js';

const HLS_TYPE = 'application/vnd.apple.mpegurl';
/** Renew the token this long before it expires, so a long film never hits a 403. */
const RENEW_BEFORE_MS = 60_000;
/** Fatal hls.js errors recovered in place before the player reloads with a new token. */
const MAX_RECOVERIES = 3;

type HlsClass = typeof HlsType;
let hlsModule: Promise<HlsClass> | undefined;

/** hls.js, fetched once on first use (the light build: no subtitles, alternate audio or DRM). */
function loadHls(): Promise<HlsClass> {
  hlsModule ??= import('hls.js/light').then((m) => m.default as HlsClass);
  return hlsModule;
}

/** Picks the engine: native HLS first, as the browser's own player is the most efficient, unless hls.js is asked for. */
export function chooseEngine(video: HTMLVideoElement, preferHlsJs: boolean): Engine | undefined {
  const native = video.canPlayType(HLS_TYPE) !== '';
  const mse = typeof MediaSource !== 'undefined' || 'ManagedMediaSource' in globalThis;
  if (preferHlsJs && mse) return 'hls.js';
  if (native) return 'native';
  return mse ? 'hls.js' : undefined;
}

/** One <video> with a quality picker and a line saying what plays, at what height, on which engine. */
export class VideoPlayer {
  readonly element: HTMLElement;
  readonly video: HTMLVideoElement;
  private readonly quality: HTMLSelectElement;
  private readonly info: HTMLElement;
  private readonly error: HTMLElement;
  private readonly heading: HTMLElement;
  private source: PlayerSource | undefined;
  private engine: Engine | undefined;
  private hls: HlsType | undefined;
  private token: { path: string; token: string; expiresAt: number } | undefined;
  private renewTimer: ReturnType<typeof setTimeout> | undefined;
  private recoveries = 0;
  /** Reloads since the video last played: a second one in a row means retrying will not help. */
  private reloads = 0;
  /** Bumped on every load, so callbacks of an abandoned load do nothing. */
  private generation = 0;

  constructor(private readonly opts: { preferHlsJs: boolean; onClose: () => void }) {
    this.video = h('video', { id: 'video', controls: true, playsinline: true, preload: 'auto' });
    this.quality = h('select', { id: 'quality', 'aria-label': 'Quality', onchange: () => void this.applyQuality() });
    this.info = h('span', { id: 'playing', 'aria-live': 'polite' });
    this.error = h('p', { id: 'player-error', class: 'error', role: 'alert', hidden: true });
    this.heading = h('h3', { id: 'player-title' });
    this.element = h('section', { id: 'player', 'aria-label': 'Player', hidden: true },
      h('div', { class: 'player-head' }, this.heading, h('button', { id: 'player-close', type: 'button', onclick: () => this.close() }, 'Close player')),
      this.video,
      h('div', { class: 'player-bar' }, h('label', {}, 'Quality ', this.quality), this.info),
      this.error,
    );
    for (const ev of ['resize', 'loadedmetadata', 'playing']) this.video.addEventListener(ev, () => this.showInfo());
    // hls.js switches in place: the switch has landed when the picture has the pinned height.
    this.video.addEventListener('resize', () => {
      if (this.engine === 'hls.js' && this.video.videoHeight === this.pinned()) this.switched();
    });
    this.video.addEventListener('playing', () => void (this.reloads = 0));
    this.video.addEventListener('error', () => {
      if (this.engine === 'native' && this.video.error) this.fail(`playback failed: ${this.video.error.message || `media error ${this.video.error.code}`}`);
    });
  }

  /** The title playing, if any. */
  get title(): string | undefined {
    return this.source?.title;
  }

  /** Starts a title at automatic quality. */
  async open(source: PlayerSource): Promise<void> {
    this.close(false);
    this.reloads = 0;
    this.source = source;
    this.element.hidden = false;
    this.heading.textContent = source.title;
    const rungs = [...source.renditions].sort((a, b) => b.height - a.height);
    this.quality.replaceChildren(h('option', { value: 'auto' }, 'Auto'), ...rungs.map((r) => h('option', { value: String(r.height) }, `${r.height}p`)));
    this.quality.value = 'auto';
    this.engine = chooseEngine(this.video, this.opts.preferHlsJs);
    this.element.dataset.engine = this.engine ?? 'none';
    if (!this.engine) return this.fail('this browser cannot play HLS video');
    await this.load(0);
  }

  /** Stops playback and hides the player. */
  close(notify = true): void {
    this.generation++;
    clearTimeout(this.renewTimer);
    this.hls?.destroy();
    this.hls = undefined;
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    this.source = undefined;
    this.token = undefined;
    this.element.hidden = true;
    delete this.element.dataset.switching;
    this.error.hidden = true;
    this.info.textContent = '';
    if (notify) this.opts.onClose();
  }

  /** Pauses (the view was left); the user resumes with the controls. */
  pause(): void {
    this.video.pause();
  }

  private url(height?: number): string {
    const t = this.token!;
    if (height === undefined) return t.path;
    return `/hls/${encodeURIComponent(this.source!.title)}/${height}/index.m3u8?token=${encodeURIComponent(t.token)}`;
  }

  private pinned(): number | undefined {
    return this.quality.value === 'auto' ? undefined : Number(this.quality.value);
  }

  /** (Re)loads the title at `position` seconds with a fresh token, on the chosen engine and quality. */
  private async load(position: number): Promise<void> {
    const gen = ++this.generation;
    const source = this.source!;
    this.error.hidden = true;
    try {
      this.token = await source.token();
    } catch (e) {
      if (gen === this.generation) this.fail(`cannot get a playback token: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (gen !== this.generation) return;
    clearTimeout(this.renewTimer);
    this.renewTimer = setTimeout(() => void this.reload(), Math.max(10_000, this.token.expiresAt - Date.now() - RENEW_BEFORE_MS));
    this.recoveries = 0;
    if (this.engine === 'native') return this.loadNative(position);
    let Hls: HlsClass;
    try {
      Hls = await loadHls();
    } catch (e) {
      if (gen === this.generation) this.fail(`the video player did not load: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    if (gen !== this.generation) return;
    this.loadHlsJs(Hls, position);
  }

  /** Reloads where the video is (new token, or another rung on the native engine). */
  private reload(): Promise<void> {
    const at = this.video.currentTime;
    this.hls?.destroy();
    this.hls = undefined;
    return this.load(at);
  }

  private loadNative(position: number): void {
    const height = this.pinned();
    this.video.src = this.url(height);
    this.video.addEventListener('loadedmetadata', () => {
      if (position > 0) this.video.currentTime = position;
      this.switched();
    }, { once: true });
    this.play();
  }

  private loadHlsJs(Hls: HlsClass, position: number): void {
    const hls = new Hls({ startPosition: position > 0 ? position : -1, capLevelToPlayerSize: false });
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => {
      this.applyLevel();
      this.play();
    });
    hls.on(Hls.Events.ERROR, (_ev, data) => {
      if (!data.fatal || hls !== this.hls) return;
      if (this.recoveries++ < MAX_RECOVERIES) {
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
        if (data.type === Hls.ErrorTypes.NETWORK_ERROR) return hls.startLoad();
      }
      if (this.reloads++ < 1) {
        // Perhaps the token expired while the tab slept: start over with a new one.
        void this.reload();
        return;
      }
      this.fail(`playback failed: ${data.details}`);
    });
    hls.loadSource(this.url());
    hls.attachMedia(this.video);
  }

  /**
   * The user picked a quality. Until it is in effect the player is marked `data-switching` and
   * says so: the picture still shows the old rung meanwhile.
   */
  private applyQuality(): void {
    if (!this.source || !this.token) return;
    this.element.dataset.switching = this.quality.value;
    if (this.engine === 'native') void this.reload();
    else {
      this.applyLevel();
      if (this.pinned() === undefined || this.video.videoHeight === this.pinned()) this.switched();
    }
    this.showInfo();
  }

  private switched(): void {
    delete this.element.dataset.switching;
    this.showInfo();
  }

  /** hls.js: a pinned rung switches now (buffer flushed); auto hands the choice back to its ABR. */
  private applyLevel(): void {
    const hls = this.hls;
    if (!hls) return;
    const height = this.pinned();
    const index = height === undefined ? -1 : hls.levels.findIndex((l) => l.height === height);
    hls.currentLevel = index;
  }

  private play(): void {
    const gen = this.generation;
    this.video.play().catch((e: unknown) => {
      // AbortError: a newer load replaced this one. NotAllowedError: autoplay refused; the controls remain.
      if (gen !== this.generation || (e as DOMException).name === 'AbortError') return;
      if ((e as DOMException).name === 'NotAllowedError') this.info.textContent = 'press play to start';
    });
  }

  private showInfo(): void {
    if (!this.source) return;
    const v = this.video;
    const pinned = this.pinned();
    const height = v.videoHeight;
    this.element.dataset.height = String(height);
    const switching = this.element.dataset.switching;
    this.info.textContent = switching
      ? `Switching to ${switching === 'auto' ? 'automatic quality' : `${switching}p`}…`
      : height
      ? `Playing ${height}p · ${pinned === undefined ? 'auto' : 'fixed'} · ${this.engine === 'native' ? 'native HLS' : 'hls.js'}`
      : 'Loading…';
  }

  private fail(message: string): void {
    delete this.element.dataset.switching;
    this.error.textContent = message;
    this.error.hidden = false;
  }
}
