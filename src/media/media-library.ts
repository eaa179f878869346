import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPath, ffprobePath } from './ffmpeg-path.js';
import { planLadder, rungFor, type Rung } from './ladder.js';
import { MediaError } from './media-error.js';
import { masterPlaylist, rewriteMediaPlaylist, segmentDurations } from './playlists.js';
import { probe, type ProbeResult } from './probe.js';
import { checkTitleName, titleOfFile } from './title-name.js';
import { lockHolder, processAlive, tryTranscodeLock } from './transcode-lock.js';
import { SegmentCache } from './segment-cache.js';
import { rungDir, runTranscode } from './transcoder.js';

/** A title as clients see it. */
export interface TitleInfo {
  name: string;
  durationMs: number;
  segmentMs: number;
  segmentCount: number;
  renditions: { height: number; width: number; bandwidth: number }[];
  state: 'queued' | 'transcoding' | 'ready' | 'failed';
  progress: number;
  speed?: number;
  error?: string;
  /** Segments complete in every rung (playable while transcoding). */
  segmentsAvailable: number;
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
}

interface Source {
  file: string;
  declaredHeight?: number;
}

interface Title {
  info: TitleInfo;
  sources: Source[];
  rungs: Rung[];
  frameRate: number;
  dir: string;
}

const NOOP: MediaLogger = { info() {}, warn() {}, error() {} };

/**
 * The video library: every file in the directory is a title (files named
 * TITLE_240p.ext, TITLE_720p.ext… are one title with those rungs). Each title is
 * transcoded once into an aligned HLS ladder, cached by source size and mtime, and
 * playable while it is still being transcoded.
 */
export class MediaLibrary extends EventEmitter {
  private readonly titles = new Map<string, Title>();
  private readonly ffmpeg: string;
  private readonly ffprobe: string;
  private readonly log: MediaLogger;
  private readonly segmentSeconds: number;
  private readonly abort = new AbortController();
  private queue: Promise<void> = Promise.resolve();
  private poller: ReturnType<typeof setInterval> | undefined;
  private readonly segmentCache: SegmentCache;

  constructor(private readonly opts: MediaLibraryOptions) {
    super();
    this.ffmpeg = opts.ffmpegPath ?? ffmpegPath();
    this.ffprobe = opts.ffprobePath ?? ffprobePath();
    this.log = opts.logger ?? NOOP;
    this.segmentSeconds = opts.segmentSeconds ?? 2;
    this.segmentCache = new SegmentCache(opts.segmentCacheBytes ?? 128 * 1024 * 1024);
  }

  /** Scans the library (making the sample first if asked and empty) and queues ingest; returns before transcoding. */
  async start(): Promise<void> {
    mkdirSync(this.opts.videosDir, { recursive: true });
    mkdirSync(this.opts.cacheDir, { recursive: true });
    if (this.opts.generateSampleIfEmpty && this.mediaFiles().length === 0) await this.generateSample();
    await this.scan();
  }

  private mediaFiles(): string[] {
    return readdirSync(this.opts.videosDir).filter((f) => !f.startsWith('.') && statSync(join(this.opts.videosDir, f)).isFile()).sort();
  }

  /** A 30 s 720p test pattern with a tone, so a fresh install has something to play. */
  private generateSample(): Promise<void> {
    const out = join(this.opts.videosDir, 'sample.mp4');
    // Written under a hidden name (the scan skips dotfiles) and renamed when whole, so a server killed
    // mid-way leaves no broken title behind.
    const partial = join(this.opts.videosDir, '.sample.partial.mp4');
    this.log.info({ file: out }, 'library is empty: generating a sample video');
    return new Promise((resolve, reject) => {
      const child = spawn(this.ffmpeg, [
        '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
        '-t', '30', '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', partial,
      ], { stdio: 'ignore' });
      child.once('error', reject);
      child.once('close', (code) => {
        if (code !== 0) return reject(new MediaError('TRANSCODE_FAILED', `sample generation failed (${code})`));
        renameSync(partial, out);
        resolve();
      });
    });
  }

  /** Rebuilds the catalogue from the directory and queues new or changed titles. */
  async scan(): Promise<void> {
    const groups = new Map<string, Source[]>();
    for (const file of this.mediaFiles()) {
      const { title, height } = titleOfFile(file);
      if (this.opts.titles && !this.opts.titles.includes(title)) continue;
      try {
        checkTitleName(title);
      } catch {
        this.log.warn({ file }, 'skipping a file whose name cannot be a title');
        continue;
      }
      const list = groups.get(title) ?? [];
      list.push({ file: join(this.opts.videosDir, file), ...(height ? { declaredHeight: height } : {}) });
      groups.set(title, list);
    }
    for (const [name, sources] of groups) {
      // A plain file and seed-layout files under one name: the seed layout wins, as the user spelled it out.
      const seeds = sources.filter((s) => s.declaredHeight);
      const chosen = seeds.length > 0 ? seeds.sort((a, b) => a.declaredHeight! - b.declaredHeight!) : [sources[0]!];
      if (this.titles.has(name)) continue;
      const title: Title = {
        info: { name, durationMs: 0, segmentMs: this.segmentSeconds * 1000, segmentCount: 0, renditions: [], state: 'queued', progress: 0, segmentsAvailable: 0 },
        sources: chosen,
        rungs: [],
        frameRate: 30,
        dir: '',
      };
      this.titles.set(name, title);
      this.queue = this.queue.then(() => this.ingest(title));
    }
    this.emit('changed');
    this.poller ??= setInterval(() => this.pollProgress(), 300);
    this.poller.unref();
  }

  private cacheKey(sources: Source[]): string {
    const h = createHash('sha256');
    for (const s of sources) {
      const st = statSync(s.file);
      h.update(`${s.file}\0${st.size}\0${st.mtimeMs}\0${s.declaredHeight ?? 0}\n`);
    }
    h.update(`segment=${this.segmentSeconds}`);
    return h.digest('hex').slice(0, 16);
  }

  private async ingest(t: Title): Promise<void> {
    if (this.abort.signal.aborted) return;
    const name = t.info.name;
    try {
      const probes: ProbeResult[] = [];
      for (const s of t.sources) probes.push(await probe(this.ffprobe, s.file));
      const main = probes[0]!;
      t.frameRate = Math.min(60, main.frameRate);
      t.rungs = t.sources[0]!.declaredHeight
        ? t.sources.map((s, i) => rungFor(s.declaredHeight!, probes[i]!.width, probes[i]!.height, probes[i]!.hasAudio))
        : planLadder(main.width, main.height, main.hasAudio);
      t.info.durationMs = main.durationMs;
      t.info.segmentCount = Math.ceil(main.durationMs / t.info.segmentMs);
      t.info.renditions = t.rungs.map((r) => ({ height: r.height, width: r.width, bandwidth: r.bandwidth }));
      t.dir = join(this.opts.cacheDir, `${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${this.cacheKey(t.sources)}`);
      const manifest = join(t.dir, 'manifest.json');
      if (complete(manifest)) {
        this.finish(t);
        this.log.info({ title: name }, 'ready (cached)');
        return;
      }
      const lock = await this.lockTitle(t, manifest);
      if (!lock) return; // another process finished it (or we are closing)
      try {
        await this.transcode(t, probes, manifest);
      } finally {
        lock.release();
      }
    } catch (e) {
      t.info.state = 'failed';
      t.info.error = e instanceof Error ? e.message : String(e);
      this.log.warn({ title: name, file: t.sources.map((s) => s.file).join(', '), error: t.info.error }, 'title skipped');
      this.emit('failed', { name, error: t.info.error });
      this.emit('changed');
    }
  }

  /**
   * Takes the title's transcode lock. While another live process (a server, or `sealcast ingest`)
   * holds it, follows that process's output as it grows (playable meanwhile) and, if it finishes,
   * uses its result: undefined then. If it died half-way, takes over.
   */
  private async lockTitle(t: Title, manifest: string): Promise<{ release(): void } | undefined> {
    mkdirSync(this.opts.cacheDir, { recursive: true });
    const file = `${t.dir}.lock`;
    for (;;) {
      const attempt = tryTranscodeLock(file);
      if (attempt.acquired) return attempt;
      this.log.info({ title: t.info.name, pid: attempt.holder }, 'another process is transcoding this title; following it');
      t.info.state = 'transcoding';
      this.emit('changed');
      while (processAlive(attempt.holder) && lockHolder(file) === attempt.holder) {
        if (this.abort.signal.aborted) return undefined;
        await new Promise((r) => setTimeout(r, 300));
        const percent = Math.min(99, Math.round((100 * t.info.segmentsAvailable) / Math.max(1, t.info.segmentCount)));
        if (percent !== t.info.progress) this.emit('progress', { name: t.info.name, percent: (t.info.progress = percent) });
      }
      if (complete(manifest)) {
        this.finish(t);
        return undefined;
      }
    }
  }

  private async transcode(t: Title, probes: ProbeResult[], manifest: string): Promise<void> {
    const name = t.info.name;
    rmSync(t.dir, { recursive: true, force: true });
    mkdirSync(t.dir, { recursive: true });
    t.info.state = 'transcoding';
    this.emit('changed');
    const started = Date.now();
    await runTranscode(this.ffmpeg, {
      inputs: t.sources.map((s, i) => ({ file: s.file, hasAudio: probes[i]!.hasAudio })),
      rungs: t.rungs.map((rung, i) => ({ rung, input: t.sources[0]!.declaredHeight ? i : 0 })),
      outDir: t.dir,
      durationMs: t.info.durationMs,
      frameRate: t.frameRate,
      segmentSeconds: this.segmentSeconds,
      signal: this.abort.signal,
      onProgress: (percent, speed) => {
        t.info.progress = percent;
        t.info.speed = speed;
        this.emit('progress', { name, percent, speed });
      },
    });
    writeFileSync(manifest, JSON.stringify({ complete: true, title: name, sources: t.sources, rungs: t.rungs, seconds: (Date.now() - started) / 1000 }));
    this.finish(t);
    this.log.info({ title: name, seconds: (Date.now() - started) / 1000 }, 'transcoded');
  }

  private finish(t: Title): void {
    t.info.state = 'ready';
    t.info.progress = 100;
    this.refreshSegments(t);
    t.info.segmentCount = t.info.segmentsAvailable;
    this.emit('ready', t.info.name);
    this.emit('changed');
  }

  private rungPlaylist(t: Title, height: number): string {
    try {
      return readFileSync(join(rungDir(t.dir, height), 'index.m3u8'), 'utf8');
    } catch {
      return '';
    }
  }

  private refreshSegments(t: Title): void {
    if (t.rungs.length === 0 || !t.dir) return;
    const counts = t.rungs.map((r) => segmentDurations(this.rungPlaylist(t, r.height)).length);
    const available = Math.min(...counts);
    if (available !== t.info.segmentsAvailable) {
      t.info.segmentsAvailable = available;
      this.emit('segments', t.info.name);
    }
  }

  private pollProgress(): void {
    for (const t of this.titles.values()) if (t.info.state === 'transcoding') this.refreshSegments(t);
  }

  list(): TitleInfo[] {
    return [...this.titles.values()].map((t) => ({ ...t.info, renditions: [...t.info.renditions] }));
  }

  get(name: string): TitleInfo | undefined {
    return this.titles.get(name)?.info;
  }

  /** Validates a client-supplied title name and finds it in the catalogue. */
  resolveTitle(name: string): TitleInfo {
    checkTitleName(name);
    const t = this.titles.get(name);
    if (!t) throw new MediaError('UNKNOWN_TITLE', `no video called "${name}"`);
    return t.info;
  }

  private title(name: string): Title {
    this.resolveTitle(name);
    return this.titles.get(name)!;
  }

  /** Absolute path of a segment of a catalogued title and rung. */
  segmentFile(name: string, height: number, index: number): string {
    const t = this.title(name);
    if (!t.rungs.some((r) => r.height === height)) throw new MediaError('UNKNOWN_TITLE', `no ${height}p rendition of "${name}"`);
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
    const d = segmentDurations(this.rungPlaylist(t, t.rungs[0]!.height))[index];
    return d !== undefined ? Math.round(d * 1000) : t.info.segmentMs;
  }

  /** Resolves once segment `index` is complete in every rung (works while transcoding). */
  waitForSegment(name: string, _height: number, index: number, signal?: AbortSignal): Promise<void> {
    const t = this.title(name);
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
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
    return masterPlaylist(t.rungs, t.frameRate, query);
  }

  mediaPlaylist(name: string, height: number, query: string): string {
    const t = this.title(name);
    if (!t.rungs.some((r) => r.height === height)) throw new MediaError('UNKNOWN_TITLE', `no ${height}p rendition`);
    return rewriteMediaPlaylist(this.rungPlaylist(t, height), query, t.info.state === 'ready');
  }

  async close(): Promise<void> {
    this.abort.abort();
    if (this.poller) clearInterval(this.poller);
    await this.queue.catch(() => undefined);
  }
}

/** Whether a title directory's manifest says its transcode finished. */
function complete(manifest: string): boolean {
  try {
    return existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { complete?: boolean }).complete === true;
  } catch {
    return false;
  }
}
