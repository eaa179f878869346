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

const SEED = /^(.+)_(240|360|480|720|1080)p\.[A-Za-z0-9]{1,5}$/;

/** "clip_480p.mkv" → { title: "clip", height: 480 }; other files → their name without extension. */
export function titleOfFile(file: string): { title: string; height?: number } {
  const m = SEED.exec(file);
  if (m) return { title: m[1]!, height: Number(m[2]) };
  const dot = file.lastIndexOf('.');
  return { title: dot > 0 ? file.slice(0, dot) : file };
}
