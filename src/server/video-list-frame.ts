import type { TitleInfo } from '../media/index.js';
import type { WatchRecord } from '../store/index.js';
import type { HlsTokens } from './hls-token.js';
import { hlsPaths } from './hls-routes.js';

/**
 * Expiry of the tokens inside a video list, rounded up to a step of a quarter of their lifetime (at
 * most ten minutes): lists fetched close together carry the same URLs, so browsers reuse the posters
 * they already have instead of fetching them again on every refresh.
 */
export function listTokenExpiry(now: number, ttlMs: number): number {
  const step = Math.max(1000, Math.min(10 * 60_000, Math.floor(ttlMs / 4)));
  return Math.ceil((now + ttlMs) / step) * step;
}

/** What one user is shown of the library: admins also see files that are not videos, and why titles failed. */
export interface ListViewer {
  user: string;
  admin: boolean;
  watch: Map<string, WatchRecord>;
  tokens: HlsTokens;
  expiresAt: number;
}

/** The VideoTitle frames of a library listing for one viewer. */
export function videoTitles(titles: readonly TitleInfo[], v: ListViewer) {
  return titles.filter((t) => v.admin || !t.hidden).map((t) => {
    const token = v.tokens.issue(v.user, t.name, v.expiresAt);
    const w = v.watch.get(t.name);
    return {
      name: t.name,
      durationMs: Math.round(t.durationMs),
      renditions: t.renditions,
      state: t.state,
      progress: Math.round(t.progress),
      error: t.state === 'failed' ? (v.admin ? (t.hidden ? `not a video: ${t.detail ?? ''}` : t.detail) ?? '' : t.error ?? '') : '',
      addedAt: BigInt(t.addedAt),
      posterPath: t.poster ? hlsPaths.poster(t.name, token) : '',
      thumbnailsPath: t.thumbnails ? hlsPaths.thumbnails(t.name, token) : '',
      subtitles: t.subtitles.map((s, i) => ({ language: s.language, label: s.label, path: hlsPaths.subtitle(t.name, i, token) })),
      positionMs: w && !w.finished ? Math.min(w.positionMs, Math.round(t.durationMs)) : 0,
      watched: w?.finished ?? false,
      files: t.files,
    };
  });
}
