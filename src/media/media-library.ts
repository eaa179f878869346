import { EventEmitter } from 'node:events';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ffmpegPath, ffprobePath } from './ffmpeg-path.js';
import { planLadder, rungFor, type Rung } from './ladder.js';
import { LibraryWatcher } from './library-watcher.js';
import { scanLibrary, type ScannedTitle } from './library-scan.js';
import { isMediaError, MediaError } from './media-error.js';
import { masterPlaylist, rewriteMediaPlaylist, segmentDurations, subtitlePlaylist, withTimestampMap } from './playlists.js';
import { probe, type ProbeResult } from './probe.js';
import { generateSample } from './sample-video.js';
import { SegmentCache } from './segment-cache.js';
import { ASSET_FILES, makePoster, makeSubtitles, makeThumbnails, subtitleSources, thumbnailPlan, thumbnailsVtt } from './title-assets.js';
import { cacheKey, readManifest, titleCacheDir, writeManifest, type Manifest, type Source, type TitleAssets } from './title-cache.js';
import { segmentLayout } from './segment-layout.js';
import { checkTitleName } from './title-name.js';
import { lockHolder, processAlive, tryTranscodeLock } from './transcode-lock.js';
import { rungDir, runTranscode } from './transcoder.js';
import { WorkLimiter } from './work-limiter.js';

/** A title as the server knows it; the video service decides what each client sees of it. */
export interface TitleInfo {
  name: string;
  durationMs: number;
  /** Segment length (ms; fractional: microsecond precision), the same for every segment but the last. */
  segmentMs: number;
  segmentCount: number;
  renditions: { height: number; width: number; bandwidth: number }[];
  state: 'queued' | 'transcoding' | 'ready' | 'failed';
  progress: number;
  speed?: number;
  /** Why it cannot be played, for people: no paths, no tool output. */
  error?: string;
  /** What failed, for the operator: the file names (never paths) and the tool's reason. */
  detail?: string;
  /** Not a video at all (a file ffmpeg finds no video in, without a video extension): for operators only. */
  hidden?: boolean;
  /** Segments complete in every rung (playable while transcoding). */
  segmentsAvailable: number;
  /** When its first source appeared (creation time, else modification time), ms since the epoch. */
  addedAt: number;
  poster: boolean;
  thumbnails: boolean;
  subtitles: { language: string; label: string }[];
  /** File names of its sources (no directories): `PLAY name.mp4` finds the title by them. */
  files: string[];
}

export interface MediaLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface MediaLibraryOptions {
  videosDir: string;
  cacheDir: string;
  ffmpegPath?: string;
  ffprobePath?: string;
  logger?: MediaLogger;
  segmentSeconds?: number;
  generateSampleIfEmpty?: boolean;
  /** Catalogue only these titles (`sealcast ingest TITLE…`); every title when absent. */
  titles?: readonly string[];
  /** Memory for recently served segments (bytes); 128 MiB by default, 0 turns the cache off. */
  segmentCacheBytes?: number;
  /**
   * Keep following the directory while running (the server): file events and a periodic rescan
   * notice new, changed and removed files; removed or replaced titles' cache directories are deleted.
   */
  watch?: boolean;
  /** A file modified this recently is still being written: looked at again later (ms; 1,500 when watching, else 0). */
  settleMs?: number;
  /** Full rescans at least this often when watching (ms, default 30,000). */
  rescanIntervalMs?: number;
  /** ffprobe processes at once while a new library is probed. */
  probeConcurrency?: number;
  /** Clock for "date added" and settling; tests move it. */
  now?: () => number;
}

interface Title {
  info: TitleInfo;
  scanned: ScannedTitle;
  key: string;
  subtitleKey: string;
  dir: string;
  rungs: Rung[];
  frameRate: number;
  /** This title's segment length (s): a third of the title is a whole number of segments (segment-layout.ts). */
  segmentSeconds: number;
  probes: ProbeResult[];
  assets: TitleAssets;
  /** Stops this version's work: its file changed or went away, or the library is closing. */
  abort: AbortController;
  gone: boolean;
  /** Waiting in the transcode queue. */
  queued: boolean;
}

/** Payload of the 'failed' event. */
export interface TitleFailure {
  name: string;
  /** For the operator: file names and the reason. */
  error: string;
  /** Not a video at all (shown to operators only). */
  hidden: boolean;
}

const NOOP: MediaLogger = { info() {}, warn() {}, error() {} };

/** What people are told about a title that cannot be played (the operator's log and admins get the detail). */
const USER_ERRORS = {
  PROBE_FAILED: 'this file cannot be read as a video',
  TRANSCODE_FAILED: 'this video could not be converted for streaming',
} as const;

/**
 * The video library: every video file in the directory is a title (files named TITLE_240p.ext,
 * TITLE_720p.ext… are one title with those rungs). Each title is transcoded once into an aligned
 * HLS ladder with a poster, seek-bar thumbnails and WebVTT subtitles, cached by source size and
 * mtime, playable while it is still being transcoded. A cached title is ready from its manifest
 * alone, whatever else is queued; new, changed and removed files are noticed while it runs.
 *
 * Events: 'changed' (the catalogue or a state changed), 'progress' {name, percent, speed},
 * 'ready' name, 'failed' TitleFailure, 'segments' name.
 */
export class MediaLibrary extends EventEmitter {
  private readonly titles = new Map<string, Title>();
  private readonly ffmpeg: string;
  private readonly ffprobe: string;
  private readonly log: MediaLogger;
  private readonly segmentSeconds: number;
  private readonly settleMs: number;
  private readonly now: () => number;
  private readonly segmentCache: SegmentCache;
  private readonly probes: WorkLimiter;
  private readonly pending: Title[] = [];
  private transcoding = false;
  private closed = false;
  private readonly work = new Set<Promise<unknown>>();
  private poller: ReturnType<typeof setInterval> | undefined;
  private pollTick = 0;
  private watcher: LibraryWatcher | undefined;
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly warnedNames = new Set<string>();
  private probeNoticeGiven = false;
  private lastScanAt = 0;

  constructor(private readonly opts: MediaLibraryOptions) {
    super();
    this.setMaxListeners(0); // one waiter per stream waiting for a segment
    this.ffmpeg = opts.ffmpegPath ?? ffmpegPath();
    this.ffprobe = opts.ffprobePath ?? ffprobePath();
    this.log = opts.logger ?? NOOP;
    this.segmentSeconds = opts.segmentSeconds ?? 2;
    this.settleMs = opts.settleMs ?? (opts.watch ? 1500 : 0);
    this.now = opts.now ?? Date.now;
    this.segmentCache = new SegmentCache(opts.segmentCacheBytes ?? 128 * 1024 * 1024);
    this.probes = new WorkLimiter(opts.probeConcurrency ?? 2);
  }

  /**
   * Reads the directory and the cache and returns at once: cached titles are ready now, the rest are
   * probed and transcoded in the background (the sample, for an empty library, too).
   */
  async start(): Promise<void> {
    mkdirSync(this.opts.videosDir, { recursive: true });
    mkdirSync(this.opts.cacheDir, { recursive: true });
    if (this.opts.generateSampleIfEmpty && !readdirSync(this.opts.videosDir).some((f) => !f.startsWith('.'))) {
      this.log.info({ dir: this.opts.videosDir }, 'library is empty: making a sample video');
      this.track(generateSample(this.ffmpeg, this.opts.videosDir).then(() => this.scanNow()), 'making the sample video');
    }
    this.scanNow();
    this.poller = setInterval(this.safely('polling the transcodes', () => this.poll()), 300);
    this.poller.unref();
    if (this.opts.watch) {
      this.watcher = new LibraryWatcher({
        dir: this.opts.videosDir,
        rescan: this.safely('rescanning the library', () => this.scanNow()),
        ...(this.opts.rescanIntervalMs ? { intervalMs: this.opts.rescanIntervalMs } : {}),
        onWatchError: (e) => this.log.warn({ dir: this.opts.videosDir, err: e.message }, 'cannot watch the library directory: changes are noticed by a rescan every 30 s'),
      });
    }
  }

  /** A timer callback: a throw there would end the server, so it is logged and the next tick tries again. */
  private safely(what: string, fn: () => void): () => void {
    return () => {
      try {
        fn();
      } catch (e) {
        this.log.error({ err: e instanceof Error ? e.message : String(e) }, `${what} failed`);
      }
    };
  }

  /** Runs `p` in the background; its failure is logged, and close() waits for it. */
  private track(p: Promise<unknown>, what: string): void {
    const owned = p.catch((e: unknown) => {
      if (!this.closed) this.log.error({ err: e instanceof Error ? e.message : String(e) }, `${what} failed`);
    });
    this.work.add(owned);
    void owned.finally(() => this.work.delete(owned));
  }

  /**
   * Reads the directory again: new titles are added (and queued), changed ones replaced, removed
   * ones dropped. Returns once the catalogue reflects the directory (probing and transcoding go on).
   */
  async scan(): Promise<void> {
    this.scanNow();
  }

  /**
   * A rescan someone asked for (the web app's Refresh): at most one per `minIntervalMs`, so a client
   * cannot keep the server reading the disk.
   */
  rescanSoon(minIntervalMs = 1000): void {
    if (this.now() - this.lastScanAt >= minIntervalMs) this.scanNow();
  }

  private scanNow(): void {
    if (this.closed) return;
    this.lastScanAt = this.now();
    let result;
    try {
      result = scanLibrary(this.opts.videosDir, { ...(this.opts.titles ? { only: this.opts.titles } : {}), settleMs: this.settleMs, now: this.now() });
    } catch (e) {
      this.log.error({ dir: this.opts.videosDir, err: (e as Error).message }, 'cannot read the library directory');
      return;
    }
    for (const file of result.badNames) {
      if (this.warnedNames.has(file)) continue;
      this.warnedNames.add(file);
      this.log.warn({ file }, 'skipping a file whose name cannot be a title');
    }
    if (result.unsettled.length > 0) {
      // Being written: look again once it has been quiet for the settle time.
      clearTimeout(this.settleTimer);
      this.settleTimer = setTimeout(this.safely('rescanning the library', () => this.scanNow()), this.settleMs + 100);
      this.settleTimer.unref();
    }
    let changed = false;
    for (const scanned of result.titles.values()) {
      let key: string;
      try {
        key = cacheKey(scanned.sources, this.segmentSeconds);
      } catch {
        continue; // a source vanished since the directory was read: the next scan sees it gone
      }
      const existing = this.titles.get(scanned.name);
      if (existing && existing.key === key) {
        this.updateSidecars(existing, scanned);
        continue;
      }
      if (existing) {
        this.log.info({ title: scanned.name }, 'source changed: transcoding it again');
        this.retire(existing);
      }
      const t = this.newTitle(scanned, key);
      this.titles.set(t.info.name, t);
      changed = true;
      this.track(this.prepare(t), `preparing "${t.info.name}"`);
    }
    for (const t of [...this.titles.values()]) {
      if (result.titles.has(t.info.name)) continue;
      if (result.unsettled.some((f) => t.info.files.includes(f))) continue; // being rewritten in place
      this.log.info({ title: t.info.name }, 'source removed: title dropped');
      this.retire(t);
      this.titles.delete(t.info.name);
      changed = true;
    }
    if (changed) this.emit('changed');
  }

  private newTitle(scanned: ScannedTitle, key: string): Title {
    return {
      info: {
        name: scanned.name, durationMs: 0, segmentMs: this.segmentSeconds * 1000, segmentCount: 0, renditions: [], state: 'queued', progress: 0,
        segmentsAvailable: 0, addedAt: Math.round(scanned.addedAt), poster: false, thumbnails: false, subtitles: [],
        files: scanned.sources.map((s) => basename(s.file)),
      },
      scanned,
      key,
      subtitleKey: sidecarKey(scanned),
      dir: titleCacheDir(this.opts.cacheDir, scanned.name, key),
      rungs: [],
      frameRate: 30,
      segmentSeconds: this.segmentSeconds,
      probes: [],
      assets: { poster: false, subtitles: [] },
      abort: new AbortController(),
      gone: false,
      queued: false,
    };
  }

  /** A title version is replaced or removed: its work stops and, on a server, its cache goes. */
  private retire(t: Title): void {
    t.gone = true;
    t.abort.abort();
    const i = this.pending.indexOf(t);
    if (i >= 0) this.pending.splice(i, 1);
    this.emit('segments', t.info.name); // wakes streams waiting on it: they end
    if (!this.opts.watch) return;
    const holder = lockHolder(`${t.dir}.lock`);
    if (holder !== undefined && holder !== process.pid && processAlive(holder)) return; // another process is writing it
    // Our own transcode (if any) is being killed: remove what it wrote once it has stopped.
    setTimeout(this.safely('removing a retired cache', () => rmSync(t.dir, { recursive: true, force: true })), 500).unref();
  }

  /** Cached: ready from the manifest. Otherwise probe the sources and queue the transcode. */
  private async prepare(t: Title): Promise<void> {
    try {
      const manifest = readManifest(t.dir);
      if (manifest?.probe) {
        this.fromManifest(t, manifest);
        this.finish(t);
        this.log.info({ title: t.info.name }, 'ready (cached)');
        if (manifest.subtitleKey !== t.subtitleKey) this.track(this.refreshSubtitles(t), `subtitles of "${t.info.name}"`);
        return;
      }
      const probes: ProbeResult[] = [];
      for (const s of t.scanned.sources) probes.push(await this.probes.run(() => this.probe(s.file)));
      if (t.gone) return;
      this.plan(t, probes);
      if (manifest) {
        // Written by an older version (no probe facts): use its ladder as it is, and record the probe.
        t.rungs = manifest.rungs;
        t.info.renditions = t.rungs.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth }));
        writeManifest(t.dir, { ...manifest, probe: probes[0]!, frameRate: t.frameRate, assets: t.assets, subtitleKey: '' });
        this.finish(t);
        this.log.info({ title: t.info.name }, 'ready (cached)');
        if (t.subtitleKey !== '') this.track(this.refreshSubtitles(t), `subtitles of "${t.info.name}"`);
        return;
      }
      t.info.state = 'queued';
      t.queued = true;
      // In name order, whichever probe finished first: the queue is predictable.
      this.pending.push(t);
      this.pending.sort((a, b) => (a.info.name < b.info.name ? -1 : a.info.name > b.info.name ? 1 : 0));
      this.emit('changed');
      this.pump();
    } catch (e) {
      this.fail(t, e);
    }
  }

  private probe(file: string): Promise<ProbeResult> {
    return probe(this.ffprobe, file, {
      ffmpeg: this.ffmpeg,
      notice: (message) => {
        if (this.probeNoticeGiven) return;
        this.probeNoticeGiven = true;
        this.log.warn({ ffprobe: this.ffprobe }, message);
      },
    });
  }

  private plan(t: Title, probes: ProbeResult[]): void {
    const main = probes[0]!;
    t.probes = probes;
    t.frameRate = Math.min(60, main.frameRate);
    t.rungs = t.scanned.sources[0]!.declaredHeight
      ? t.scanned.sources.map((s, i) => rungFor(s.declaredHeight!, probes[i]!.width, probes[i]!.height, probes[i]!.hasAudio, t.frameRate))
      : planLadder(main.width, main.height, main.hasAudio, t.frameRate);
    t.info.durationMs = main.durationMs;
    this.layOut(t, main);
    t.info.renditions = t.rungs.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth }));
  }

  /** Cuts the title so that each third is a whole number of segments (the thirds policy is exact by frames). */
  private layOut(t: Title, main: ProbeResult): void {
    const layout = segmentLayout(main.videoDurationMs ?? main.durationMs, this.segmentSeconds);
    t.segmentSeconds = layout.seconds;
    t.info.segmentMs = layout.seconds * 1000;
    t.info.segmentCount = layout.count;
  }

  private fromManifest(t: Title, m: Manifest): void {
    const main = m.probe!;
    t.probes = [main];
    t.rungs = m.rungs;
    t.frameRate = m.frameRate ?? Math.min(60, main.frameRate);
    t.info.durationMs = main.durationMs;
    this.layOut(t, main);
    t.info.renditions = t.rungs.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth }));
    this.setAssets(t, m.assets ?? { poster: false, subtitles: [] });
  }

  private setAssets(t: Title, assets: TitleAssets): void {
    t.assets = assets;
    t.info.poster = assets.poster;
    t.info.thumbnails = !!assets.thumbnails;
    t.info.subtitles = assets.subtitles.map((s) => ({ language: s.language, label: s.label }));
  }

  /** Starts the next queued transcode unless one runs: one at a time, so playing titles keep the CPU they need. */
  private pump(): void {
    if (this.transcoding || this.closed) return;
    const t = this.pending.shift();
    if (!t) return;
    t.queued = false;
    this.transcoding = true;
    this.track(
      this.transcodeTitle(t).finally(() => {
        this.transcoding = false;
        this.pump();
      }),
      `transcoding "${t.info.name}"`,
    );
  }

  private async transcodeTitle(t: Title): Promise<void> {
    if (t.gone || this.closed || t.info.state === 'ready') return;
    try {
      const lock = await this.lockTitle(t);
      if (!lock) return; // another process finished it (or it went away)
      try {
        // Another process may have finished it between our last look and the lock.
        const done = readManifest(t.dir);
        if (done) {
          this.setAssets(t, done.assets ?? { poster: false, subtitles: [] });
          this.finish(t);
          return;
        }
        await this.transcode(t);
      } finally {
        lock.release();
      }
    } catch (e) {
      if (t.gone || this.closed) return;
      this.fail(t, e);
    }
  }

  /**
   * Takes the title's transcode lock. While another live process (a server, or `sealcast ingest`)
   * holds it, follows that process's output as it grows (playable meanwhile) and, if it finishes,
   * uses its result: undefined then. If it died half-way, takes over.
   */
  private async lockTitle(t: Title): Promise<{ release(): void } | undefined> {
    mkdirSync(this.opts.cacheDir, { recursive: true });
    const file = `${t.dir}.lock`;
    for (;;) {
      const attempt = tryTranscodeLock(file);
      if (attempt.acquired) return attempt;
      this.log.info({ title: t.info.name, pid: attempt.holder }, 'another process is transcoding this title; following it');
      this.following(t);
      while (processAlive(attempt.holder) && lockHolder(file) === attempt.holder) {
        if (t.gone || this.closed) return undefined;
        await new Promise((r) => setTimeout(r, 300));
      }
      const m = readManifest(t.dir);
      if (m) {
        this.setAssets(t, m.assets ?? { poster: false, subtitles: [] });
        this.finish(t);
        return undefined;
      }
    }
  }

  /** Another process transcodes `t`: show it as transcoding, with progress from the segments it wrote. */
  private following(t: Title): void {
    if (t.info.state !== 'transcoding') {
      t.info.state = 'transcoding';
      this.emit('changed');
    }
    this.refreshSegments(t);
    const percent = Math.min(99, Math.round((100 * t.info.segmentsAvailable) / Math.max(1, t.info.segmentCount)));
    if (percent !== t.info.progress) this.emit('progress', { name: t.info.name, percent: (t.info.progress = percent) });
  }

  private async transcode(t: Title): Promise<void> {
    const name = t.info.name;
    const signal = t.abort.signal;
    rmSync(t.dir, { recursive: true, force: true });
    mkdirSync(t.dir, { recursive: true });
    t.info.state = 'transcoding';
    this.emit('changed');
    const started = Date.now();
    const main = t.probes[0]!;
    const first = t.scanned.sources[0]!.file;
    const assets: TitleAssets = { poster: false, subtitles: [] };
    // The poster first (one frame, a fraction of a second), so the library shows it while the ladder runs.
    try {
      await makePoster(this.ffmpeg, first, t.info.durationMs, t.dir, signal);
      assets.poster = true;
    } catch (e) {
      if (signal.aborted) throw e;
      this.log.warn({ title: name, err: (e as Error).message }, 'no poster');
    }
    assets.subtitles = await this.subtitles(t, signal);
    this.setAssets(t, assets);
    this.emit('changed');
    await runTranscode(this.ffmpeg, {
      inputs: t.scanned.sources.map((s, i) => ({ file: s.file, hasAudio: t.probes[i]!.hasAudio })),
      rungs: t.rungs.map((rung, i) => ({ rung, input: t.scanned.sources[0]!.declaredHeight ? i : 0 })),
      outDir: t.dir,
      durationMs: t.info.durationMs,
      frameRate: t.frameRate,
      segmentSeconds: t.segmentSeconds,
      signal,
      onProgress: (percent, speed) => {
        t.info.progress = percent;
        t.info.speed = speed;
        this.emit('progress', { name, percent, speed });
      },
    });
    const plan = thumbnailPlan(t.info.durationMs, t.rungs[0]!.width, t.rungs[0]!.height, t.segmentSeconds);
    try {
      await makeThumbnails(this.ffmpeg, join(rungDir(t.dir, t.rungs[0]!.height), 'index.m3u8'), plan, t.dir, t.segmentSeconds, signal);
      assets.thumbnails = plan;
    } catch (e) {
      if (signal.aborted) throw e;
      this.log.warn({ title: name, err: (e as Error).message }, 'no seek-bar thumbnails');
    }
    this.setAssets(t, assets);
    writeManifest(t.dir, {
      complete: true, title: name, sources: t.scanned.sources, rungs: t.rungs, seconds: (Date.now() - started) / 1000,
      probe: main, frameRate: t.frameRate, assets, subtitleKey: t.subtitleKey,
    });
    this.finish(t);
    this.log.info({ title: name, seconds: (Date.now() - started) / 1000 }, 'transcoded');
  }

  private subtitles(t: Title, signal: AbortSignal) {
    const sources = subtitleSources(t.scanned.subtitles, t.scanned.sources[0]!.file, t.probes[0]?.subtitles ?? []);
    return makeSubtitles(this.ffmpeg, sources, t.dir, (origin, why) => this.log.warn({ title: t.info.name, subtitle: origin, err: why }, 'subtitle skipped'), signal);
  }

  /** Sidecar subtitles of a ready title were added, changed or removed: convert them again, keep the ladder. */
  private updateSidecars(t: Title, scanned: ScannedTitle): void {
    const key = sidecarKey(scanned);
    if (key === t.subtitleKey) return;
    t.scanned = scanned;
    t.subtitleKey = key;
    if (t.info.state === 'ready') this.track(this.refreshSubtitles(t), `subtitles of "${t.info.name}"`);
  }

  private async refreshSubtitles(t: Title): Promise<void> {
    if (t.probes.length === 0) t.probes = [await this.probes.run(() => this.probe(t.scanned.sources[0]!.file))];
    const subtitles = await this.subtitles(t, t.abort.signal);
    if (t.gone) return;
    this.setAssets(t, { ...t.assets, subtitles });
    const m = readManifest(t.dir);
    if (m) writeManifest(t.dir, { ...m, assets: t.assets, subtitleKey: t.subtitleKey });
    this.log.info({ title: t.info.name, subtitles: subtitles.length }, 'subtitles updated');
    this.emit('changed');
  }

  private finish(t: Title): void {
    if (t.gone) return;
    const i = this.pending.indexOf(t);
    if (i >= 0) this.pending.splice(i, 1);
    t.queued = false;
    t.info.state = 'ready';
    t.info.progress = 100;
    this.refreshSegments(t);
    t.info.segmentCount = t.info.segmentsAvailable;
    this.emit('ready', t.info.name);
    this.emit('changed');
  }

  private fail(t: Title, e: unknown): void {
    if (t.gone) return;
    const code = isMediaError(e) && (e.code === 'PROBE_FAILED' || e.code === 'TRANSCODE_FAILED') ? e.code : 'TRANSCODE_FAILED';
    const reason = this.withoutPaths(e instanceof Error ? e.message : String(e));
    t.info.state = 'failed';
    t.info.error = USER_ERRORS[code];
    t.info.detail = `${t.info.files.join(', ')}: ${reason}`;
    t.info.hidden = code === 'PROBE_FAILED' && t.scanned.kind === 'unknown';
    this.log.warn({ title: t.info.name, file: t.scanned.sources.map((s) => s.file).join(', '), error: reason }, t.info.hidden ? 'not a video: skipped' : 'title failed');
    this.emit('failed', { name: t.info.name, error: t.info.detail, hidden: t.info.hidden } satisfies TitleFailure);
    this.emit('changed');
  }

  /** Tool messages name the files they read and wrote: keep the names, drop the server's directories. */
  private withoutPaths(text: string): string {
    let out = text;
    for (const dir of [this.opts.cacheDir, this.opts.videosDir]) out = out.split(`${dir}/`).join('');
    return out.replace(/(?:\/[^\s/:'"]+)+\/([^\s/:'"]+)/g, '$1');
  }

  /**
   * A rung's playlist as ffmpeg wrote it; null when it is not written yet. Any other failure (unreadable,
   * not a file) is thrown: an empty playlist would look like a title with nothing in it.
   */
  private rungPlaylist(t: Title, height: number): string | null {
    const file = join(rungDir(t.dir, height), 'index.m3u8');
    try {
      return readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read the playlist ${file} of "${t.info.name}": ${(e as Error).message}`, { cause: e });
    }
  }

  private refreshSegments(t: Title): void {
    if (t.rungs.length === 0 || !t.dir) return;
    let counts: number[];
    try {
      counts = t.rungs.map((r) => segmentDurations(this.rungPlaylist(t, r.height) ?? '').length);
    } catch (e) {
      // Called from the poller: logged, and the count stays what it was (nothing new is announced).
      this.log.error({ title: t.info.name, err: (e as Error).message }, 'cannot count segments');
      return;
    }
    const available = Math.min(...counts);
    if (available !== t.info.segmentsAvailable) {
      t.info.segmentsAvailable = available;
      this.emit('segments', t.info.name);
    }
  }

  private poll(): void {
    const slow = this.pollTick++ % 5 === 0; // queued titles: every 1.5 s
    for (const t of this.titles.values()) {
      if (slow && t.queued) {
        // `sealcast ingest` (or another server) may be doing it meanwhile: show it, and use its result.
        const m = readManifest(t.dir);
        if (m) {
          this.setAssets(t, m.assets ?? { poster: false, subtitles: [] });
          this.finish(t);
          continue;
        }
        const holder = lockHolder(`${t.dir}.lock`);
        if (holder !== undefined && holder !== process.pid && processAlive(holder)) this.following(t);
      } else if (t.info.state === 'transcoding') this.refreshSegments(t);
    }
  }

  list(): TitleInfo[] {
    return [...this.titles.values()].map((t) => ({
      ...t.info, renditions: [...t.info.renditions], subtitles: [...t.info.subtitles], files: [...t.info.files],
    }));
  }

  get(name: string): TitleInfo | undefined {
    return this.titles.get(name)?.info;
  }

  /**
   * Validates a client-supplied title and finds it in the catalogue: by its name, or by the name of one
   * of its files (`movie.mp4`, `clip_720p.mkv`), as the original brief's clients spell them.
   */
  resolveTitle(name: string): TitleInfo {
    checkTitleName(name);
    const t = this.titles.get(name) ?? [...this.titles.values()].find((x) => x.info.files.includes(name));
    if (!t || t.info.hidden) throw new MediaError('UNKNOWN_TITLE', `no video called "${name}"`);
    return t.info;
  }

  private title(name: string): Title {
    const info = this.resolveTitle(name);
    return this.titles.get(info.name)!;
  }

  /** Absolute path of a segment of a catalogued title and rung. */
  segmentFile(name: string, height: number, index: number): string {
    const t = this.title(name);
    if (!t.rungs.some((r) => r.height === height)) throw new MediaError('UNKNOWN_TITLE', `no ${height}p rendition of "${t.info.name}"`);
    if (!Number.isInteger(index) || index < 0 || index >= Math.max(t.info.segmentCount, t.info.segmentsAvailable)) {
      throw new MediaError('NOT_READY', `no segment ${index}`);
    }
    return join(rungDir(t.dir, height), `seg_${String(index).padStart(5, '0')}.ts`);
  }

  /** The bytes of a segment, from the in-memory cache of recently served segments when possible. */
  readSegment(name: string, height: number, index: number): Promise<Uint8Array> {
    return this.segmentCache.read(this.segmentFile(name, height, index));
  }

  /** Duration (ms) of segment `index` as written by ffmpeg, falling back to the nominal length. */
  segmentDurationMs(name: string, index: number): number {
    const t = this.title(name);
    const d = segmentDurations(this.rungPlaylist(t, t.rungs[0]!.height) ?? '')[index];
    return d !== undefined ? Math.round(d * 1000) : t.info.segmentMs;
  }

  /** Resolves once segment `index` is complete in every rung (works while transcoding). */
  waitForSegment(name: string, _height: number, index: number, signal?: AbortSignal): Promise<void> {
    const t = this.title(name);
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (t.gone) return done(new MediaError('NOT_READY', `"${t.info.name}" changed or was removed`)), true;
        if (index < t.info.segmentsAvailable) return done(), true;
        if (t.info.state === 'failed') return done(new MediaError('TRANSCODE_FAILED', t.info.error ?? 'transcode failed')), true;
        if (t.info.state === 'ready') return done(new MediaError('NOT_READY', `segment ${index} does not exist`)), true;
        if (signal?.aborted) return done(new MediaError('NOT_READY', 'cancelled')), true;
        return false;
      };
      const onChange = () => void check();
      const done = (err?: Error) => {
        this.off('segments', onChange);
        this.off('changed', onChange);
        signal?.removeEventListener('abort', onChange);
        if (err) reject(err);
        else resolve();
      };
      if (check()) return;
      this.on('segments', onChange);
      this.on('changed', onChange);
      signal?.addEventListener('abort', onChange);
    });
  }

  masterPlaylist(name: string, query: string): string {
    const t = this.title(name);
    return masterPlaylist(t.rungs, t.frameRate, query, t.info.subtitles);
  }

  mediaPlaylist(name: string, height: number, query: string): string {
    const t = this.title(name);
    if (!t.rungs.some((r) => r.height === height)) throw new MediaError('UNKNOWN_TITLE', `no ${height}p rendition`);
    const playlist = this.rungPlaylist(t, height);
    // Not written yet is normal while transcoding (no segments so far); gone from a ready title is a fault.
    if (playlist === null && t.info.state === 'ready') throw new Error(`the ${height}p playlist of "${t.info.name}" is missing from the cache`);
    return rewriteMediaPlaylist(playlist ?? '', query, t.info.state === 'ready');
  }

  /** The poster or the thumbnail sprite (JPEG) of a title, when it was made. */
  async image(name: string, which: 'poster' | 'thumbnails'): Promise<Uint8Array> {
    const t = this.title(name);
    if (which === 'poster' ? !t.assets.poster : !t.assets.thumbnails) throw new MediaError('NOT_READY', `no ${which === 'poster' ? 'poster' : 'thumbnails'} for "${t.info.name}"`);
    return this.segmentCache.read(join(t.dir, which === 'poster' ? ASSET_FILES.poster : ASSET_FILES.thumbnails));
  }

  /** Seek-bar thumbnails as WebVTT; each cue points into the sprite at `spriteUrl`. */
  thumbnailsVtt(name: string, spriteUrl: string): string {
    const t = this.title(name);
    if (!t.assets.thumbnails) throw new MediaError('NOT_READY', `no thumbnails for "${t.info.name}"`);
    return thumbnailsVtt(t.assets.thumbnails, t.info.durationMs, spriteUrl);
  }

  private subtitleIndex(t: Title, index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= t.assets.subtitles.length) throw new MediaError('UNKNOWN_TITLE', `no subtitle ${index} for "${t.info.name}"`);
    return index;
  }

  /** Subtitle rendition `index` as WebVTT, with the HLS timestamp map that lines it up with the segments. */
  subtitleVtt(name: string, index: number): string {
    const t = this.title(name);
    const file = join(t.dir, ASSET_FILES.subtitle(this.subtitleIndex(t, index)));
    return withTimestampMap(readFileSync(file, 'utf8'));
  }

  /** The HLS media playlist of subtitle rendition `index`: the whole WebVTT file as one segment. */
  subtitlePlaylist(name: string, index: number, query: string): string {
    const t = this.title(name);
    return subtitlePlaylist(this.subtitleIndex(t, index), t.info.durationMs, query);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.poller);
    clearTimeout(this.settleTimer);
    this.watcher?.close();
    this.pending.length = 0;
    for (const t of this.titles.values()) t.abort.abort();
    while (this.work.size > 0) await Promise.all([...this.work]);
  }
}

/** Identity of a title's sidecar subtitle files (names, languages, sizes, times). */
function sidecarKey(scanned: ScannedTitle): string {
  if (scanned.subtitles.length === 0) return '';
  const h = createHash('sha256');
  for (const s of scanned.subtitles) {
    let st;
    try {
      st = statSync(s.file);
    } catch {
      continue;
    }
    h.update(`${s.file}\0${s.language}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}

export type { Source };
