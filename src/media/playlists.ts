import type { Rung } from './ladder.js';

/** Segment durations (seconds) listed in an ffmpeg HLS playlist, in order. */
export function segmentDurations(playlist: string): number[] {
  const out: number[] = [];
  for (const m of playlist.matchAll(/^#EXTINF:([\d.]+)/gm)) out.push(Number(m[1]));
  return out;
}

/** A subtitle rendition as the master playlist names it. */
export interface SubtitleRendition {
  language: string;
  label: string;
}

/** A quoted-string attribute value: HLS forbids double quotes and line breaks inside. */
function quoted(s: string): string {
  return `"${s.replace(/["\r\n]/g, "'")}"`;
}

/**
 * The master playlist: every rung with BANDWIDTH, AVERAGE-BANDWIDTH, RESOLUTION,
 * CODECS and FRAME-RATE, and the subtitle renditions as one SUBTITLES group
 * (`subs/N.m3u8`); each URI carries `query` (the access token).
 */
export function masterPlaylist(rungs: readonly Rung[], frameRate: number, query: string, subtitles: readonly SubtitleRendition[] = []): string {
  const q = query ? `?${query}` : '';
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  subtitles.forEach((s, i) => {
    lines.push(
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME=${quoted(s.label)}${s.language ? `,LANGUAGE=${quoted(s.language)}` : ''}` +
        `,DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subs/${i}.m3u8${q}"`,
    );
  });
  for (const r of rungs) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${r.bandwidth},AVERAGE-BANDWIDTH=${Math.round(r.bandwidth * 0.8)},RESOLUTION=${r.width}x${r.height},CODECS="${r.codecs}",FRAME-RATE=${frameRate.toFixed(3)}${subtitles.length ? ',SUBTITLES="subs"' : ''}`,
      `${r.height}/index.m3u8${q}`,
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

/** A subtitle rendition's media playlist: the whole WebVTT file is its one segment (`N.vtt`). */
export function subtitlePlaylist(index: number, durationMs: number, query: string): string {
  const seconds = Math.max(0.001, durationMs / 1000);
  return [
    '#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${Math.ceil(seconds)}`, '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${seconds.toFixed(3)},`, `${index}.vtt${query ? `?${query}` : ''}`, '#EXT-X-ENDLIST', '',
  ].join('\n');
}

/**
 * Where media time 0 is in the segments' MPEG-TS clock (90 kHz): ffmpeg's MPEG-TS muxer starts
 * at 1.4 s (its default mux delay and preload of 0.7 s each), within a frame or two.
 */
export const SEGMENT_START_PTS = 126_000;

/**
 * WebVTT with the HLS `X-TIMESTAMP-MAP` header that ties its cue times (media time, from 0) to
 * the segments' MPEG-TS clock, so HLS players line the cues up with the picture.
 */
export function withTimestampMap(vtt: string): string {
  const text = vtt.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(/^X-TIMESTAMP-MAP=.*\n/m, '');
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const rest = nl < 0 ? '\n' : text.slice(nl);
  return `${first}\nX-TIMESTAMP-MAP=MPEGTS:${SEGMENT_START_PTS},LOCAL:00:00:00.000${rest}`;
}
