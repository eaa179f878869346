// The HLS player: the browser's own HLS when it has it, else hls.js (its own chunk, loaded only
// then). Either way the user can stay on automatic quality or pin a rung, and sees what plays.
import type HlsType from 'hls.js';
import { h } from './dom.js';
import { parseThumbnailVtt, thumbnailAt, type ThumbnailCue } from './thumbnail-track.js';

/** A rung of the title's ladder, as the server lists it. */
export interface Rung {
  height: number;
  width: number;
  bandwidth: number;
}

/** A subtitle track as the server lists it: its WebVTT file's path carries the title's token. */
export interface SubtitleSource {
  language: string;
  label: string;
  path: string;
}

/** What the player needs to play a title: its rungs and a way to get a fresh HLS token. */
export interface PlayerSource {
  title: string;
  renditions: Rung[];
  /** The master playlist path with its token, e.g. from SealcastClient.hlsToken(). */
  token(): Promise<{ path: string; token: string; expiresAt: number }>;
  /** Where to start (ms): the user's resume point; 0 or absent from the beginning. */
  startMs?: number;
  posterPath?: string;
  thumbnailsPath?: string;
  subtitles?: SubtitleSource[];
  /** Where the user is: every 10 s while playing, on pause and close; `finished` at the end. */
  onProgress?: (positionMs: number, finished: boolean) => void;
}

/** Which engine plays: the browser's own HLS, or hls.js on Media Source Extensions. */
export type Engine = 'native' | 'hls.js';

const HLS_TYPE = 'application/vnd.apple.mpegurl';
/** How often the position is reported while playing. */
const REPORT_EVERY_MS = 10_000;
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
  private readonly subtitleSelect: HTMLSelectElement;
  private readonly subtitleLabel: HTMLElement;
  private readonly restart: HTMLButtonElement;
  private readonly scrub: HTMLInputElement;
  private readonly preview: HTMLElement;
  private thumbnails: ThumbnailCue[] = [];
  private trackEls: HTMLTrackElement[] = [];
  /** The video played to its end (until it is played again). */
  private endedFlag = false;
  /** The current load is playing at its position: positions from now on are the user's. */
  private settled = false;
  private lastReportAt = 0;
  private scrubbing = false;

  constructor(private readonly opts: { preferHlsJs: boolean; onClose: () => void; onState?: () => void }) {
    this.video = h('video', { id: 'video', controls: true, playsinline: true, preload: 'auto' });
    this.quality = h('select', { id: 'quality', 'aria-label': 'Quality', onchange: () => void this.applyQuality() });
    this.subtitleSelect = h('select', { id: 'subtitles', 'aria-label': 'Subtitles', onchange: () => this.applySubtitles() });
    this.subtitleLabel = h('label', { hidden: true }, 'Subtitles ', this.subtitleSelect);
    this.restart = h('button', { id: 'player-restart', type: 'button', onclick: () => this.startOver() }, 'Start over');
    this.scrub = h('input', { id: 'scrub', type: 'range', min: '0', max: '1000', step: '1', value: '0', 'aria-label': 'Seek', hidden: true });
    this.preview = h('div', { id: 'thumb-preview', 'aria-hidden': 'true', hidden: true });
    this.info = h('span', { id: 'playing', 'aria-live': 'polite' });
    this.error = h('p', { id: 'player-error', class: 'error', role: 'alert', hidden: true });
    this.heading = h('h3', { id: 'player-title' });
    this.element = h('section', { id: 'player', 'aria-label': 'Player', hidden: true },
      h('div', { class: 'player-head' }, this.heading, h('button', { id: 'player-close', type: 'button', onclick: () => this.close() }, 'Close player')),
      this.video,
      h('div', { class: 'scrub-row' }, this.scrub, this.preview),
      h('div', { class: 'player-bar' }, h('label', {}, 'Quality ', this.quality), this.subtitleLabel, this.restart, this.info),
      this.error,
    );
    this.watchProgress();
    this.wireScrub();
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

  /** The title played to its end (the library shows it as ended, not playing). */
  get ended(): boolean {
    return this.endedFlag;
  }

  /** Reports the position: while playing, on pause, at the end (finished) and when the player closes. */
  private watchProgress(): void {
    const v = this.video;
    v.addEventListener('playing', () => {
      this.settled = true;
      if (this.endedFlag) {
        this.endedFlag = false;
        this.opts.onState?.();
      }
    });
    v.addEventListener('timeupdate', () => {
      if (!this.scrubbing && v.duration > 0) this.scrub.value = String(Math.round((v.currentTime / v.duration) * 1000));
      if (this.settled && !v.paused && Date.now() - this.lastReportAt >= REPORT_EVERY_MS) this.report(false);
    });
    v.addEventListener('pause', () => {
      if (this.settled && !v.ended) this.report(false);
    });
    v.addEventListener('ended', () => {
      this.endedFlag = true;
      this.report(true);
      this.showInfo();
      this.opts.onState?.();
    });
  }

  private report(finished: boolean): void {
    if (!this.source) return;
    this.lastReportAt = Date.now();
    this.source.onProgress?.(Math.round(this.video.currentTime * 1000), finished);
  }

  /** Plays the title again from its beginning (the resume point follows). */
  private startOver(): void {
    if (!this.source) return;
    this.endedFlag = false;
    this.video.currentTime = 0;
    this.play();
    this.opts.onState?.();
  }

  /** The thumbnail seek bar: hovering or dragging shows the frame there; letting go seeks. */
  private wireScrub(): void {
    const at = (fraction: number) => Math.max(0, Math.min(1, fraction)) * (this.video.duration || 0);
    const show = (time: number, x: number) => {
      const cue = thumbnailAt(this.thumbnails, time);
      if (!cue) return;
      const p = this.preview;
      p.style.backgroundImage = `url("${cue.url.replace(/["\\]/g, '')}")`;
      p.style.backgroundPosition = `-${cue.x}px -${cue.y}px`;
      p.style.width = `${cue.w}px`;
      p.style.height = `${cue.h}px`;
      p.style.left = `${Math.max(0, Math.min(this.scrub.clientWidth - cue.w, x - cue.w / 2))}px`;
      p.dataset.time = time.toFixed(1);
      p.hidden = false;
    };
    this.scrub.addEventListener('pointermove', (e) => show(at(e.offsetX / Math.max(1, this.scrub.clientWidth)), e.offsetX));
    this.scrub.addEventListener('pointerleave', () => (this.preview.hidden = true));
    this.scrub.addEventListener('input', () => {
      this.scrubbing = true;
      const fraction = Number(this.scrub.value) / 1000;
      show(at(fraction), fraction * this.scrub.clientWidth);
    });
    this.scrub.addEventListener('change', () => {
      this.scrubbing = false;
      this.preview.hidden = true;
      this.video.currentTime = at(Number(this.scrub.value) / 1000);
    });
  }

  /** The sprite index, fetched once per title; without it the seek bar stays hidden. */
  private async loadThumbnails(path: string, title: string): Promise<void> {
    try {
      const res = await fetch(path, { credentials: 'same-origin' });
      if (!res.ok) return;
      const cues = parseThumbnailVtt(await res.text(), new URL(path, location.href).href);
      if (this.source?.title !== title || cues.length === 0) return;
      this.thumbnails = cues;
      this.scrub.hidden = false;
    } catch (e) {
      // No thumbnails: the video's own controls still seek.
      console.warn('no seek-bar thumbnails:', e);
    }
  }

  /** One <track> per subtitle rendition (served as WebVTT with the title's token), chosen in the Subtitles menu. */
  private setSubtitles(subs: readonly SubtitleSource[]): void {
    for (const el of this.trackEls) el.remove();
    this.trackEls = subs.map((s) => h('track', { kind: 'subtitles', label: s.label, ...(s.language ? { srclang: s.language } : {}), src: s.path }));
    for (const el of this.trackEls) this.video.append(el);
    this.subtitleSelect.replaceChildren(h('option', { value: 'off' }, 'Off'), ...subs.map((s, i) => h('option', { value: String(i) }, s.label)));
    this.subtitleSelect.value = 'off';
    this.subtitleLabel.hidden = subs.length === 0;
    this.applySubtitles();
  }

  private applySubtitles(): void {
    const chosen = this.subtitleSelect.value === 'off' ? -1 : Number(this.subtitleSelect.value);
    this.trackEls.forEach((el, i) => (el.track.mode = i === chosen ? 'showing' : 'disabled'));
  }

  /** Starts a title at automatic quality. */
  async open(source: PlayerSource): Promise<void> {
    this.close(false);
    this.reloads = 0;
    this.endedFlag = false;
    this.source = source;
    this.element.hidden = false;
    this.heading.textContent = source.title;
    if (source.posterPath) this.video.poster = source.posterPath;
    this.setSubtitles(source.subtitles ?? []);
    if (source.thumbnailsPath) void this.loadThumbnails(source.thumbnailsPath, source.title);
    const rungs = [...source.renditions].sort((a, b) => b.height - a.height);
    this.quality.replaceChildren(h('option', { value: 'auto' }, 'Auto'), ...rungs.map((r) => h('option', { value: String(r.height) }, `${r.height}p`)));
    this.quality.value = 'auto';
    this.engine = chooseEngine(this.video, this.opts.preferHlsJs);
    this.element.dataset.engine = this.engine ?? 'none';
    if (!this.engine) return this.fail('this browser cannot play HLS video');
    await this.load((source.startMs ?? 0) / 1000);
  }

  /** Stops playback and hides the player. */
  close(notify = true): void {
    // Leaving part-way keeps the place; a title that ended has said so already.
    if (this.source && this.settled && !this.endedFlag && this.video.currentTime > 0) this.report(false);
    this.settled = false;
    this.generation++;
    clearTimeout(this.renewTimer);
    this.hls?.destroy();
    this.hls = undefined;
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.removeAttribute('poster');
    for (const el of this.trackEls) el.remove();
    this.trackEls = [];
    this.thumbnails = [];
    this.scrub.hidden = true;
    this.preview.hidden = true;
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
    this.settled = false; // until it plays again, positions are the load's, not the user's
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
    this.element.dataset.ended = String(this.endedFlag);
    this.info.textContent = this.endedFlag
      ? 'Ended'
      : switching
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
