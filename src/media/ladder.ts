/** One rung of the ladder. */
export interface Rung {
  height: number;
  width: number;
  /** Video bitrate (bits/s). */
  videoBitrate: number;
  audioBitrate: number;
  /** Total bandwidth announced in HLS (bits/s), with muxing overhead. */
  bandwidth: number;
  /** RFC 6381 codec string of the encode profile/level. */
  codecs: string;
  profile: 'main' | 'high';
  level: string;
}

export const LADDER_HEIGHTS = [240, 360, 480, 720, 1080] as const;

const VIDEO_BITRATE: Record<number, number> = { 240: 400_000, 360: 800_000, 480: 1_400_000, 720: 2_800_000, 1080: 5_000_000 };

function even(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}

/** A rung at `height` for a source of the given size. */
export function rungFor(height: number, sourceWidth: number, sourceHeight: number, hasAudio: boolean): Rung {
  const width = even((sourceWidth * height) / sourceHeight);
  const videoBitrate = VIDEO_BITRATE[height] ?? Math.round((width * height * 30 * 0.07) / 1000) * 1000;
  const audioBitrate = hasAudio ? (height <= 360 ? 96_000 : 128_000) : 0;
  const high = height > 720;
  return {
    height, width, videoBitrate, audioBitrate,
    bandwidth: Math.round((videoBitrate * 1.25 + audioBitrate) * 1.05),
    profile: high ? 'high' : 'main',
    level: high ? '4.0' : '3.1',
    codecs: (high ? 'avc1.640028' : 'avc1.4d401f') + (hasAudio ? ',mp4a.40.2' : ''),
  };
}

/**
 * The ladder for a source: every standard height at or below the source's; a source
 * smaller than 240 lines gets one rung at its own (even) height.
 */
export function planLadder(sourceWidth: number, sourceHeight: number, hasAudio: boolean): Rung[] {
  const heights = LADDER_HEIGHTS.filter((h) => h <= sourceHeight);
  if (heights.length === 0) return [rungFor(even(sourceHeight), sourceWidth, sourceHeight, hasAudio)];
  return heights.map((h) => rungFor(h, sourceWidth, sourceHeight, hasAudio));
}
