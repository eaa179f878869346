import { createHash } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Rung } from './ladder.js';
import type { ProbeResult } from './probe.js';

/** A source file of a title, with the height its name declares (`TITLE_720p.mp4`). */
export interface Source {
  file: string;
  declaredHeight?: number;
}

/** A subtitle rendition made at ingest: `subs/N.vtt` in the title's cache directory. */
export interface SubtitleAsset {
  /** Language tag ('' when unknown). */
  language: string;
  /** What players show: "English", "English (forced)", "Track 2". */
  label: string;
  /** Where it came from: a sidecar file name, or "embedded:N". */
  origin: string;
}

/** The seek-bar thumbnail sprite: `thumbs.jpg`, tiles of `width`×`height`, one every `intervalS` seconds. */
export interface ThumbnailAsset {
  intervalS: number;
  columns: number;
  count: number;
  width: number;
  height: number;
}

/** Posters, thumbnails and subtitles of a title, as far as they were made. */
export interface TitleAssets {
  poster: boolean;
  thumbnails?: ThumbnailAsset;
  subtitles: SubtitleAsset[];
}

/**
 * `manifest.json` of a finished title: enough to serve it after a restart without probing its
 * sources again (a restart with a large library is then a few stat calls per title).
 */
export interface Manifest {
  complete: true;
  title: string;
  sources: Source[];
  rungs: Rung[];
  seconds?: number;
  /** Absent in caches written by older versions: the sources are probed then. */
  probe?: ProbeResult;
  frameRate?: number;
  assets?: TitleAssets;
  /** Identity of the sidecar subtitle files the subtitles were made from ('' when none). */
  subtitleKey?: string;
}

/** Identity of a title's sources: paths, sizes, modification times, declared heights, segment length. */
export function cacheKey(sources: readonly Source[], segmentSeconds: number): string {
  const h = createHash('sha256');
  for (const s of sources) {
    const st = statSync(s.file);
    h.update(`${s.file}\0${st.size}\0${st.mtimeMs}\0${s.declaredHeight ?? 0}\n`);
  }
  // The layout's name: caches cut by an older rule are transcoded again.
  h.update(`segment=thirds-of-${segmentSeconds}`);
  return h.digest('hex').slice(0, 16);
}

/** The cache directory of a title version: a filesystem-safe form of its name and its key. */
export function titleCacheDir(cacheDir: string, name: string, key: string): string {
  return join(cacheDir, `${name.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 40)}-${key}`);
}

/** The manifest of a finished transcode in `dir`, or undefined (absent, partial, damaged). */
export function readManifest(dir: string): Manifest | undefined {
  try {
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Partial<Manifest>;
    return m.complete === true && Array.isArray(m.rungs) && m.rungs.length > 0 ? (m as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the manifest whole (temporary file, then rename): a reader never sees half of it. */
export function writeManifest(dir: string, m: Manifest): void {
  const file = join(dir, 'manifest.json');
  writeFileSync(`${file}.tmp`, JSON.stringify(m));
  renameSync(`${file}.tmp`, file);
}
