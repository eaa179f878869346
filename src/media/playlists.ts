import type { Rung } from './ladder.js';

/** Segment durations (seconds) listed in an ffmpeg HLS playlist, in order. */
export function segmentDurations(playlist: string): number[] {
  const out: number[] = [];
  for (const m of playlist.matchAll(/^#EXTINF:([\d.]+)/gm)) out.push(Number(m[1]));
  return out;
}

/**
 * The master playlist: every rung with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION,
 * CODECS and FRAME-RATE; each URI carries `query` (the access token).
 */
export function masterPlaylist(rungs: readonly Rung[], frameRate: number, query: string): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const r of rungs) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},AVERAGE-BANDWIDTH=${Math.round(r.bandwidth * 0.8)},RESOLUTION=${r.width}x${r.height},CODECS="${r.codecs}",FRAME-RATE=${frameRate.toFixed(3)}`,
      `${r.height}/index.m3u8${query ? `?${query}` : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** ffmpeg's rung playlist with segment URIs renamed to the server's routes (`N.ts?query`). */
export function rewriteMediaPlaylist(ffmpegPlaylist: string, query: string, done: boolean): string {
  let text = ffmpegPlaylist.replace(/^seg_(\d+)\.ts$/gm, (_, n: string) => `${Number(n)}.ts${query ? `?${query}` : ''}`);
  if (done) text = text.replace('#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-PLAYLIST-TYPE:VOD');
  return text;
}
