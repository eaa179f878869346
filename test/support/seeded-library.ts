// Test-only: a library whose titles are already transcoded, for tests whose subject is not the
// transcode (playing, seeking, the web player…). Each clip and its HLS ladder are made once, by the
// real MediaLibrary and real ffmpeg, in a shared directory keyed by the clip spec and by the media
// code and ffmpeg binary (a change to either makes them again); then copied into the test's library
// and cache exactly as the server would have left them, so the server lists them ready at once.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath } from '../../src/media/ffmpeg-path.js';
import { scanLibrary } from '../../src/media/library-scan.js';
import { MediaLibrary } from '../../src/media/media-library.js';
import { cacheKey, readManifest, titleCacheDir, writeManifest } from '../../src/media/title-cache.js';
import { makeBandsClip, makeClip } from './media-fixtures.js';
import { processAlive } from '../../src/media/transcode-lock.js';

export type ClipSpec =
  | { width: number; height: number; seconds: number; audio?: boolean; rate?: number; bands?: false }
  | { width: number; height: number; seconds: number; bands: true };

export interface SeedTitle {
  /** File name in the library ('movie.mp4'): the title's name comes from it. */
  file: string;
  clip: ClipSpec;
  /** Sidecar files beside it ('movie.en.srt': its text): made into the cached subtitles too. */
  sidecars?: Record<string, string>;
}

// Per user: a shared machine's other users cannot write (or plant) our fixtures.
const SHARED = join(tmpdir(), `sealcast-test-fixtures-${process.getuid?.() ?? 0}`);
/** The server's segment length (MediaLibrary's default). */
const SEGMENT_SECONDS = 2;

let codeHash: string | undefined;
/** The compiled media code (ladder, transcoder, assets, layout…) and the ffmpeg build: what a cached ladder depends on. */
function mediaCodeHash(): string {
  if (codeHash) return codeHash;
  const h = createHash('sha256');
  const dir = fileURLToPath(new URL('../../src/media/', import.meta.url));
  for (const f of readdirSync(dir).sort()) if (f.endsWith('.js') && !f.endsWith('.test.js')) h.update(f).update(readFileSync(join(dir, f)));
  // ffmpeg may be a bare name found on PATH: its version banner names the build.
  h.update(execFileSync(ffmpegPath(), ['-hide_banner', '-version'], { encoding: 'utf8' }));
  return (codeHash = h.digest('hex').slice(0, 12));
}

function entryDir(t: SeedTitle): string {
  const spec = createHash('sha256').update(JSON.stringify([t.file, t.clip, t.sidecars ?? {}, SEGMENT_SECONDS])).digest('hex').slice(0, 16);
  return join(SHARED, `${mediaCodeHash()}-${spec}`);
}

function mtimeOr(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** Makes the clip and its ladder with the real library, into `entry` (renamed into place whole). */
async function build(t: SeedTitle, entry: string): Promise<void> {
  const work = `${entry}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(join(work, 'videos'), { recursive: true });
  const file = join(work, 'videos', t.file);
  if (t.clip.bands) makeBandsClip(file, t.clip);
  else makeClip(file, t.clip);
  for (const [name, text] of Object.entries(t.sidecars ?? {})) writeFileSync(join(work, 'videos', name), text);
  const lib = new MediaLibrary({ videosDir: join(work, 'videos'), cacheDir: join(work, 'media'), segmentSeconds: SEGMENT_SECONDS });
  const done = new Promise<void>((resolve, reject) => {
    lib.once('ready', () => resolve());
    lib.once('failed', (f: { error: string }) => reject(new Error(`seeding ${t.file}: ${f.error}`)));
  });
  await lib.start();
  await done;
  await lib.close();
  renameSync(work, entry);
}

/** Entries unused for a week (older media code, other worktrees' clips) are removed, so the directory does not grow for ever. */
function prune(): void {
  const old = Date.now() - 7 * 24 * 3600_000;
  for (const name of readdirSync(SHARED)) {
    if (name.includes('.')) continue; // locks and builds in progress
    const dir = join(SHARED, name);
    if (statSync(dir).mtimeMs < old) rmSync(dir, { recursive: true, force: true });
  }
}

/** The shared entry for `t`, made by whichever test process gets there first (the others wait for it). */
async function ensure(t: SeedTitle): Promise<string> {
  const entry = entryDir(t);
  const lock = `${entry}.lock`;
  mkdirSync(SHARED, { recursive: true });
  for (;;) {
    if (existsSync(entry)) {
      const now = new Date();
      utimesSync(entry, now, now); // in use: kept by prune()
      return entry;
    }
    try {
      mkdirSync(lock); // atomic: one builder at a time
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(lock, 'pid'), 'utf8'));
      } catch { /* being created */ }
      // Its builder died (or died before writing its pid): take over.
      const dead = Number.isFinite(holder) ? !processAlive(holder) : Date.now() - mtimeOr(lock) > 10_000;
      if (dead) rmSync(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
      continue;
    }
    try {
      writeFileSync(join(lock, 'pid'), String(process.pid));
      if (!existsSync(entry)) {
        await build(t, entry);
        prune();
      }
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/**
 * Puts `titles` into `videosDir`, transcoded, with their caches in `dataDir`/media as a server
 * would have written them (manifest naming the new paths, keys computed for the new files).
 */
export async function seedLibrary(videosDir: string, dataDir: string, titles: SeedTitle[]): Promise<void> {
  mkdirSync(videosDir, { recursive: true });
  const cacheDir = join(dataDir, 'media');
  mkdirSync(cacheDir, { recursive: true });
  for (const [i, t] of titles.entries()) {
    const entry = await ensure(t);
    const src = join(entry, 'videos', t.file);
    const dest = join(videosDir, t.file);
    copyFileSync(src, dest);
    // The manifest lists their subtitles already (made from the same text).
    const sidecars = Object.keys(t.sidecars ?? {});
    for (const name of sidecars) writeFileSync(join(videosDir, name), t.sidecars![name]!);
    // Written a minute ago (a server would wait for a just-written file to settle), one second apart
    // in the order of `titles`: "date added" follows that order.
    const past = new Date(Date.now() - 60_000 + i * 1000);
    for (const name of [t.file, ...sidecars]) utimesSync(join(videosDir, name), past, past);
    const [cached] = readdirSync(join(entry, 'media')).filter((d) => readManifest(join(entry, 'media', d)));
    if (!cached) throw new Error(`seeding ${t.file}: the shared entry has no finished title`);
    const manifest = readManifest(join(entry, 'media', cached))!;
    // The scan the server will do, so name, declared height and key are the server's own.
    const scanned = [...scanLibrary(videosDir, { settleMs: 0, now: Date.now() }).titles.values()].find((s) => s.sources.some((x) => x.file === dest));
    if (!scanned) throw new Error(`seeding ${t.file}: the library scan does not see it`);
    const dir = titleCacheDir(cacheDir, scanned.name, cacheKey(scanned.sources, SEGMENT_SECONDS));
    cpSync(join(entry, 'media', cached), dir, { recursive: true });
    writeManifest(dir, { ...manifest, sources: scanned.sources, subtitleKey: sidecarKey(scanned.subtitles) });
  }
}

/**
 * The server's identity of a title's sidecars (media-library.ts): recorded so it does not convert
 * them again at start. Should the two drift apart, the server just converts them again.
 */
function sidecarKey(subtitles: readonly { file: string; language: string }[]): string {
  if (subtitles.length === 0) return '';
  const h = createHash('sha256');
  for (const s of subtitles) {
    const st = statSync(s.file);
    h.update(`${s.file}\0${s.language}\0${st.size}\0${st.mtimeMs}\n`);
  }
  return h.digest('hex').slice(0, 16);
}
