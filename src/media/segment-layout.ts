/**
 * How a title is cut into segments. The thirds policy plays the first third of the frames from
 * the lowest rung, the middle third from the middle rung and the rest from the highest; rungs can
 * only change at a segment boundary, so every title is cut into a multiple of three segments of
 * equal length, at most the target (2 s, as HLS players expect). The one-third and two-thirds
 * points are then segment boundaries, and each third holds a third of the frames (to the frame:
 * the boundary is the first frame at or after the exact point).
 */
export interface SegmentLayout {
  /** Segment length (s), whole microseconds, rounded down: ffmpeg's HLS muxer and keyframe expression read the same value. */
  seconds: number;
  /** Segments the title is cut into (a multiple of 3; 0 when the duration is unknown). */
  count: number;
}

export const TARGET_SEGMENT_SECONDS = 2;

export function segmentLayout(durationMs: number, targetSeconds = TARGET_SEGMENT_SECONDS): SegmentLayout {
  if (!(durationMs > 0)) return { seconds: targetSeconds, count: 0 };
  const perThird = Math.max(1, Math.ceil(durationMs / 1000 / (3 * targetSeconds)));
  const count = 3 * perThird;
  // Rounded down to the microsecond: the cut before the last one stays more than a frame before the end.
  const seconds = Math.floor((durationMs * 1000) / count) / 1e6;
  return { seconds, count };
}

/** The segment length as ffmpeg is given it (both in -hls_time and in -force_key_frames). */
export function ffmpegSeconds(seconds: number): string {
  return seconds.toFixed(6);
}
