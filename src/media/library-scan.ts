import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Source } from './title-cache.js';
import { checkTitleName, fileKind, sidecarSubtitle, titleOfFile, type FileKind, type SidecarSubtitle } from './title-name.js';

/** A title as the directory shows it: its sources (rung files or one file) and sidecar subtitles. */
export interface ScannedTitle {
  name: string;
  sources: Source[];
  /** What the first source's name says it is ('unknown' files are titles only if they hold video). */
  kind: Exclude<FileKind, 'sidecar'>;
  subtitles: SidecarSubtitle[];
  /** Earliest creation (or modification) time among the sources: "date added". */
  addedAt: number;
}

export interface ScanResult {
  titles: Map<string, ScannedTitle>;
  /** Files changed in the last `settleMs`: still being written, looked at again later. */
  unsettled: string[];
  /** Files whose names cannot be titles (too long, control characters…). */
  badNames: string[];
}

/**
 * Reads the library directory (one level; dotfiles are ignored): files named TITLE_240p.ext,
 * TITLE_720p.ext… are one title with those rungs; TITLE.srt / TITLE.LANG.vtt are its subtitles;
 * artwork, text and partial downloads are never titles. A file modified within `settleMs` is
 * left for a later scan, so a video being copied in is not probed half-written.
 */
export function scanLibrary(videosDir: string, opts: { only?: readonly string[]; settleMs: number; now: number }): ScanResult {
  const files: { name: string; mtimeMs: number; birthtimeMs: number }[] = [];
  const unsettled: string[] = [];
  for (const name of readdirSync(videosDir).sort()) {
    if (name.startsWith('.')) continue;
    let st;
    try {
      st = statSync(join(videosDir, name));
    } catch {
      continue; // removed between readdir and stat
    }
    if (!st.isFile()) continue;
    if (opts.now - st.mtimeMs < opts.settleMs) {
      unsettled.push(name);
      continue;
    }
    files.push({ name, mtimeMs: st.mtimeMs, birthtimeMs: st.birthtimeMs });
  }
  const groups = new Map<string, { sources: (Source & { kind: FileKind })[]; addedAt: number }>();
  const badNames: string[] = [];
  const sidecars: string[] = [];
  for (const f of files) {
    const kind = fileKind(f.name);
    if (kind === 'sidecar') {
      sidecars.push(f.name);
      continue;
    }
    const { title, height } = titleOfFile(f.name);
    if (opts.only && !opts.only.includes(title)) continue;
    try {
      checkTitleName(title);
    } catch {
      badNames.push(f.name);
      continue;
    }
    const g = groups.get(title) ?? { sources: [], addedAt: Infinity };
    g.sources.push({ file: join(videosDir, f.name), kind, ...(height ? { declaredHeight: height } : {}) });
    g.addedAt = Math.min(g.addedAt, f.birthtimeMs > 0 ? f.birthtimeMs : f.mtimeMs);
    groups.set(title, g);
  }
  const titles = new Map<string, ScannedTitle>();
  for (const [name, g] of groups) {
    // A plain file and rung files under one name: the rung files win, as the user spelled them out.
    const seeds = g.sources.filter((s) => s.declaredHeight).sort((a, b) => a.declaredHeight! - b.declaredHeight!);
    const chosen = seeds.length > 0 ? seeds : [g.sources[0]!];
    titles.set(name, {
      name,
      sources: chosen.map(({ file, declaredHeight }) => ({ file, ...(declaredHeight ? { declaredHeight } : {}) })),
      kind: chosen[0]!.kind === 'video' ? 'video' : 'unknown',
      subtitles: [],
      addedAt: g.addedAt,
    });
  }
  const names = new Set(titles.keys());
  for (const file of sidecars) {
    const sub = sidecarSubtitle(file, names);
    if (sub) titles.get(sub.title)!.subtitles.push({ ...sub, file: join(videosDir, file) });
  }
  return { titles, unsettled, badNames };
}
