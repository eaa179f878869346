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

/** Standard rungs; a source gets every one at or below its own height. */
export const LADDER_HEIGHTS = [240, 360, 480, 720, 1080, 1440, 2160] as const;

const VIDEO_BITRATE: Record<number, number> = {
  240: 400_000, 360: 800_000, 480: 1_400_000, 720: 2_800_000, 1080: 5_000_000, 1440: 9_000_000, 2160: 16_000_000,
};

/**
 * H.264 levels (Annex A table A-1): the most macroblocks per second and per frame each allows.
 * Main-profile rungs start at 3.1, the level players have assumed for 720p and below.
 */
const LEVELS: { level: string; id: number; mbps: number; frameMbs: number }[] = [
  { level: '3.1', id: 31, mbps: 108_000, frameMbs: 3_600 },
  { level: '3.2', id: 32, mbps: 216_000, frameMbs: 5_120 },
  { level: '4.0', id: 40, mbps: 245_760, frameMbs: 8_192 },
  { level: '4.2', id: 42, mbps: 522_240, frameMbs: 8_704 },
  { level: '5.0', id: 50, mbps: 589_824, frameMbs: 22_080 },
  { level: '5.1', id: 51, mbps: 983_040, frameMbs: 36_864 },
  { level: '5.2', id: 52, mbps: 2_073_600, frameMbs: 36_864 },
  { level: '6.0', id: 60, mbps: 4_177_920, frameMbs: 139_264 },
  { level: '6.2', id: 62, mbps: 16_711_680, frameMbs: 139_264 },
];

/** The lowest level that holds a picture of this size at this frame rate. */
export function h264Level(width: number, height: number, frameRate: number): { level: string; id: number } {
  const frameMbs = Math.ceil(width / 16) * Math.ceil(height / 16);
  const mbps = frameMbs * Math.max(1, frameRate);
  const fit = LEVELS.find((l) => l.frameMbs >= frameMbs && l.mbps >= mbps) ?? LEVELS[LEVELS.length - 1]!;
  return { level: fit.level, id: fit.id };
}

function even(n: number): number {
  return Math.max(2, Math.floor(n / 2) * 2);
}

/** A rung at `height` for a source of the given size (and frame rate, which sets the H.264 level). */
export function rungFor(height: number, sourceWidth: number, sourceHeight: number, hasAudio: boolean, frameRate = 30): Rung {
  const width = even((sourceWidth * height) / sourceHeight);
  const videoBitrate = VIDEO_BITRATE[height] ?? Math.round((width * height * 30 * 0.07) / 1000) * 1000;
  const audioBitrate = hasAudio ? (height <= 360 ? 96_000 : 128_000) : 0;
  const high = height > 720;
  const { level, id } = h264Level(width, height, frameRate);
  return {
    height, width, videoBitrate, audioBitrate,
    bandwidth: Math.round((videoBitrate * 1.25 + audioBitrate) * 1.05),
    profile: high ? 'high' : 'main',
    level,
    codecs: `${high ? 'avc1.6400' : 'avc1.4d40'}${id.toString(16).padStart(2, '0')}` + (hasAudio ? ',mp4a.40.2' : ''),
  };
}

/**
 * The ladder for a source: every standard height at or below the source's; a source
 * smaller than 240 lines gets one rung at its own (even) height.
 */
export function planLadder(sourceWidth: number, sourceHeight: number, hasAudio: boolean, frameRate = 30): Rung[] {
  const heights = LADDER_HEIGHTS.filter((h) => h <= sourceHeight);
  if (heights.length === 0) return [rungFor(even(sourceHeight), sourceWidth, sourceHeight, hasAudio, frameRate)];
  return heights.map((h) => rungFor(h, sourceWidth, sourceHeight, hasAudio, frameRate));
}
