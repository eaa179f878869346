import { spawn } from 'node:child_process';
import { mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { MediaError } from './media-error.js';
import { TEXT_SUBTITLE_CODECS, type EmbeddedSubtitle } from './probe.js';
import type { SubtitleAsset, ThumbnailAsset } from './title-cache.js';
import type { SidecarSubtitle } from './title-name.js';

/** Largest WebVTT file kept from one subtitle source (a feature film's subtitles are ~100 KB). */
export const MAX_SUBTITLE_BYTES = 4 * 1024 * 1024;
/** At most this many subtitle renditions per title. */
export const MAX_SUBTITLES = 16;
/** At most this many seek-bar thumbnails per title: a long film gets them further apart. */
export const MAX_THUMBNAILS = 300;
const THUMB_WIDTH = 160;
const THUMB_COLUMNS = 10;

/** Files of a title's assets inside its cache directory. */
export const ASSET_FILES = {
  poster: 'poster.jpg',
  thumbnails: 'thumbs.jpg',
  subtitle: (i: number) => join('subs', `${i}.vtt`),
} as const;

function run(ffmpeg: string, args: string[], signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ['-hide_banner', '-nostdin', '-loglevel', 'error', '-y', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => reject(new MediaError('TRANSCODE_FAILED', `cannot run ffmpeg: ${e.message}`)));
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (code === 0) resolve();
      else reject(new MediaError('TRANSCODE_FAILED', sig ? `stopped (${sig})` : err.trim().split('\n').pop() || `ffmpeg exited with ${code}`));
    });
  });
}

/**
 * The poster: one frame a tenth of the way in (at most a minute in), at most 360 lines high, as JPEG.
 * Made before the ladder, from a seek into the source, so the library shows it while transcoding.
 */
export async function makePoster(ffmpeg: string, source: string, durationMs: number, dir: string, signal?: AbortSignal): Promise<void> {
  const at = Math.min(60, (durationMs / 1000) * 0.1);
  const out = join(dir, ASSET_FILES.poster);
  const tmp = `${out}.tmp.jpg`;
  await run(ffmpeg, ['-ss', at.toFixed(3), '-i', source, '-frames:v', '1', '-vf', "scale=-2:'min(360,ih)'", '-q:v', '4', '-f', 'image2', tmp], signal);
  renameSync(tmp, out);
}

/** The sprite layout for a title: one thumbnail every `intervalS` seconds (a whole number of segments), THUMB_COLUMNS per row. */
export function thumbnailPlan(durationMs: number, sourceWidth: number, sourceHeight: number, segmentSeconds = 2): ThumbnailAsset {
  const seconds = durationMs / 1000;
  const intervalS = Math.max(1, Math.ceil(seconds / MAX_THUMBNAILS / segmentSeconds)) * segmentSeconds;
  const count = Math.max(1, Math.ceil(seconds / intervalS));
  const height = Math.max(2, Math.round((THUMB_WIDTH * sourceHeight) / sourceWidth / 2) * 2);
  return { intervalS, columns: Math.min(THUMB_COLUMNS, count), count, width: THUMB_WIDTH, height };
}

/**
 * The seek-bar sprite, made from the lowest rung once the ladder is done: its keyframes sit on every
 * segment boundary, so decoding keyframes only (`-skip_frame nokey`) gives a frame at each interval
 * for a small fraction of a decode. `select` keeps one per interval, `tile` lays them out in one JPEG.
 */
export async function makeThumbnails(ffmpeg: string, rungPlaylist: string, plan: ThumbnailAsset, dir: string, segmentSeconds: number, signal?: AbortSignal): Promise<void> {
  const rows = Math.ceil(plan.count / plan.columns);
  const every = Math.max(1, Math.round(plan.intervalS / segmentSeconds));
  const out = join(dir, ASSET_FILES.thumbnails);
  const tmp = `${out}.tmp.jpg`;
  await run(ffmpeg, [
    '-skip_frame', 'nokey', '-i', rungPlaylist,
    // Decoded frames are the segments' first frames: every `every`-th is one thumbnail interval on.
    '-vf', `select='not(mod(n\\,${every}))',scale=${plan.width}:${plan.height},tile=${plan.columns}x${rows}`,
    '-frames:v', '1', '-q:v', '5', '-f', 'image2', tmp,
  ], signal);
  renameSync(tmp, out);
}

/** Seek-bar thumbnails as WebVTT, each cue naming its tile of the sprite (`URL#xywh=x,y,w,h`). */
export function thumbnailsVtt(plan: ThumbnailAsset, durationMs: number, spriteUrl: string): string {
  const lines = ['WEBVTT', ''];
  for (let i = 0; i < plan.count; i++) {
    const start = i * plan.intervalS * 1000;
    if (start >= durationMs) break;
    const end = Math.min(durationMs, start + plan.intervalS * 1000);
    const x = (i % plan.columns) * plan.width;
    const y = Math.floor(i / plan.columns) * plan.height;
    lines.push(`${vttTime(start)} --> ${vttTime(end)}`, `${spriteUrl}#xywh=${x},${y},${plan.width},${plan.height}`, '');
  }
  return lines.join('\n');
}

/** "00:01:02.345" */
export function vttTime(ms: number): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = Math.floor((t % 60_000) / 1000);
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(t % 1000).padStart(3, '0')}`;
}

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/** "English" for en/eng, "Brazilian Portuguese" for pt-BR; undefined for unknown tags. */
export function languageName(tag: string): string | undefined {
  if (!tag || tag === 'und') return undefined;
  try {
    return languageNames.of(tag);
  } catch {
    return undefined;
  }
}

/** A subtitle source to convert: a sidecar file, or a stream inside the title's first source. */
export type SubtitleSource = { kind: 'sidecar'; sidecar: SidecarSubtitle } | { kind: 'embedded'; file: string; stream: EmbeddedSubtitle };

/** The subtitle sources of a title, sidecars first; embedded bitmap subtitles (PGS, DVD) are left out. */
export function subtitleSources(sidecars: readonly SidecarSubtitle[], source: string, embedded: readonly EmbeddedSubtitle[]): SubtitleSource[] {
  const out: SubtitleSource[] = sidecars.map((s) => ({ kind: 'sidecar', sidecar: s }));
  for (const stream of embedded) if (TEXT_SUBTITLE_CODECS.has(stream.codec)) out.push({ kind: 'embedded', file: source, stream });
  return out.slice(0, MAX_SUBTITLES);
}

/**
 * Converts every subtitle source into `subs/N.vtt` (WebVTT, UTF-8) in `dir`. A source that ffmpeg cannot
 * read, or that is larger than MAX_SUBTITLE_BYTES once converted, is left out and reported through
 * `onSkip`; the others go on.
 */
export async function makeSubtitles(
  ffmpeg: string,
  sources: readonly SubtitleSource[],
  dir: string,
  onSkip: (origin: string, why: string) => void,
  signal?: AbortSignal,
): Promise<SubtitleAsset[]> {
  rmSync(join(dir, 'subs'), { recursive: true, force: true });
  mkdirSync(join(dir, 'subs'), { recursive: true });
  const made: SubtitleAsset[] = [];
  const labels = new Map<string, number>();
  for (const src of sources) {
    const origin = src.kind === 'sidecar' ? basename(src.sidecar.file) : `embedded:${src.stream.index}`;
    const language = (src.kind === 'sidecar' ? src.sidecar.language : src.stream.language).toLowerCase().replace(/^und$/, '');
    const out = join(dir, ASSET_FILES.subtitle(made.length));
    const args = src.kind === 'sidecar'
      ? ['-i', src.sidecar.file, '-map', '0:s:0', '-c:s', 'webvtt', '-f', 'webvtt', out]
      : ['-i', src.file, '-map', `0:s:${src.stream.index}`, '-c:s', 'webvtt', '-f', 'webvtt', out];
    try {
      await run(ffmpeg, args, signal);
    } catch (e) {
      if (signal?.aborted) throw e;
      onSkip(origin, (e as Error).message);
      continue;
    }
    if (statSync(out).size > MAX_SUBTITLE_BYTES) {
      rmSync(out, { force: true });
      onSkip(origin, `larger than ${MAX_SUBTITLE_BYTES} bytes as WebVTT`);
      continue;
    }
    // Stream titles come from the file: no control characters, a bounded length.
    const named = src.kind === 'embedded' ? src.stream.title.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 64) : '';
    const base = named || languageName(language) || 'Subtitles';
    const seen = (labels.get(base) ?? 0) + 1;
    labels.set(base, seen);
    made.push({ language, label: seen > 1 ? `${base} ${seen}` : base, origin });
  }
  return made;
}
