import { MediaError } from './media-error.js';

/**
 * Checks a title name from a client before it is looked up: names are matched
 * against the scanned catalogue and never joined into a path, but anything that
 * looks like a path, hidden file or control sequence is refused outright.
 */
export function checkTitleName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new MediaError('BAD_TITLE', 'title is empty');
  if (name.length > 128) throw new MediaError('BAD_TITLE', 'title longer than 128 characters');
  if (/[\u0000-\u001f\u007f/\\]/.test(name)) throw new MediaError('BAD_TITLE', 'title contains a path separator or control character');
  if (name.startsWith('.') || name.includes('..')) throw new MediaError('BAD_TITLE', 'title looks like a path');
  return name;
}

/** Lowest and highest height a `_NNNp` file name may declare. */
export const MIN_DECLARED_HEIGHT = 100;
export const MAX_DECLARED_HEIGHT = 4320;

/** `_4k`-style aliases people use for rendition files. */
const HEIGHT_ALIASES: Record<string, number> = { '2k': 1440, '4k': 2160, '8k': 4320, uhd: 2160, fhd: 1080, hd: 720, sd: 480 };

const SEED = /^(.+)_(\d{3,4}p|2k|4k|8k|uhd|fhd|hd|sd)\.[A-Za-z0-9]{1,5}$/i;

/**
 * "clip_480p.mkv" → { title: "clip", height: 480 }, "film_4k.mp4" → 2160, any `_NNNp`
 * from 100 to 4320; other files → their name without extension.
 */
export function titleOfFile(file: string): { title: string; height?: number } {
  const m = SEED.exec(file);
  if (m) {
    const tag = m[2]!.toLowerCase();
    const height = HEIGHT_ALIASES[tag] ?? Number(tag.slice(0, -1));
    if (height >= MIN_DECLARED_HEIGHT && height <= MAX_DECLARED_HEIGHT) return { title: m[1]!, height };
  }
  const dot = file.lastIndexOf('.');
  return { title: dot > 0 ? file.slice(0, dot) : file };
}

/** Extensions of video files: a file with one is a title even when it turns out unreadable (it is shown as failed). */
const VIDEO_EXTENSIONS = new Set([
  'mp4', 'm4v', 'mkv', 'mov', 'webm', 'avi', 'ts', 'm2ts', 'mts', 'mpg', 'mpeg', 'wmv', 'flv', 'ogv', '3gp', 'vob', 'mxf', 'y4m',
]);

/** Extensions that are never titles: sidecars (subtitles, artwork, metadata) and half-copied files. */
const NEVER_MEDIA = new Set([
  'srt', 'vtt', 'ass', 'ssa', 'sub', 'idx', 'sup', 'jpg', 'jpeg', 'png', 'gif', 'webp', 'bmp', 'nfo', 'txt', 'md', 'json', 'xml', 'pdf',
  'part', 'crdownload', 'tmp', 'partial', 'lock',
]);

/** What a file in the library directory is, by its name alone. */
export type FileKind = 'video' | 'sidecar' | 'unknown';

/**
 * "video" (a known video extension), "sidecar" (subtitles, artwork, text, partial downloads: never a
 * title), or "unknown" (probed; a title only if ffmpeg finds a video stream in it).
 */
export function fileKind(file: string): FileKind {
  const dot = file.lastIndexOf('.');
  const ext = dot > 0 ? file.slice(dot + 1).toLowerCase() : '';
  if (VIDEO_EXTENSIONS.has(ext)) return 'video';
  if (NEVER_MEDIA.has(ext)) return 'sidecar';
  return 'unknown';
}

/** A subtitle file beside a video: `TITLE.srt`, `TITLE.LANG.vtt` (LANG a BCP 47-like tag such as en, pt-BR). */
export interface SidecarSubtitle {
  file: string;
  title: string;
  /** Language tag from the name, '' when the name has none. */
  language: string;
}

const SUBTITLE = /^(.+)\.(srt|vtt)$/i;
const LANGUAGE = /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$/;

/**
 * Matches a subtitle file to one of `titles`: `TITLE.srt` belongs to TITLE; `TITLE.LANG.srt` to TITLE
 * with that language. Matching against the titles that exist settles names with dots in them.
 */
export function sidecarSubtitle(file: string, titles: ReadonlySet<string>): SidecarSubtitle | undefined {
  const m = SUBTITLE.exec(file);
  if (!m) return undefined;
  const stem = m[1]!;
  if (titles.has(stem)) return { file, title: stem, language: '' };
  const dot = stem.lastIndexOf('.');
  if (dot <= 0) return undefined;
  const title = stem.slice(0, dot);
  const language = stem.slice(dot + 1);
  if (titles.has(title) && LANGUAGE.test(language)) return { file, title, language: language.toLowerCase() };
  return undefined;
}
