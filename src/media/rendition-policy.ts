import { MediaError } from './media-error.js';

export interface PolicyContext {
  /** Segment about to be sent. */
  index: number;
  segmentCount: number;
  /** Available rung heights, ascending, and their bandwidths (bits/s), same order. */
  heights: number[];
  bandwidths: number[];
  /** The client's throughput estimate (kbit/s), when it reported one. */
  throughputKbps?: number;
  /** Media the client has buffered (ms), as it last reported since the stream started or last jumped. */
  bufferMs?: number;
  /** Rung of the segment sent before (or the one to continue at, for a reopened stream). */
  previousHeight?: number;
  /** The first segment of the stream or after a seek: the player waits for it with nothing buffered. */
  starting?: boolean;
}

/** Picks the rung of each segment. Small objects behind one interface, swappable per stream. */
export interface RenditionPolicy {
  readonly name: string;
  choose(ctx: PolicyContext): number;
}

/** Always one rung: the exact height, or the nearest below it (the lowest if none is below). */
export class FixedPolicy implements RenditionPolicy {
  readonly name: string;
  constructor(private readonly height: number) {
    this.name = `fixed:${height}p`;
  }
  choose(ctx: PolicyContext): number {
    const below = ctx.heights.filter((h) => h <= this.height);
    return below.length ? below[below.length - 1]! : ctx.heights[0]!;
  }
}

/**
 * The original brief's schedule: segments [0, n/3) from the lowest rung, [n/3, 2n/3)
 * from the middle rung (heights[floor((k-1)/2)] of k rungs), the rest from the highest.
 * Boundaries use integer arithmetic: segment i is in third floor(3i / n).
 */
export class ThirdsPolicy implements RenditionPolicy {
  readonly name = 'thirds';
  choose(ctx: PolicyContext): number {
    const third = Math.min(2, Math.floor((3 * ctx.index) / Math.max(1, ctx.segmentCount)));
    const h = ctx.heights;
    return third === 0 ? h[0]! : third === 1 ? h[Math.floor((h.length - 1) / 2)]! : h[h.length - 1]!;
  }
}

/** Share of the measured throughput a rung's bandwidth may use: headroom for the estimate's error. */
const THROUGHPUT_SHARE = 0.8;
/** Buffered media (ms) needed before climbing a rung: the climb's first, bigger segment must not stall. */
const CLIMB_BUFFER_MS = 4000;
/** Below this much buffered media (ms), playback is about to stall: the lowest rung, at once. */
const PANIC_BUFFER_MS = 1000;

/**
 * Throughput- and buffer-based ABR on the client's own figures: the highest rung whose
 * bandwidth fits in 80% of the reported throughput. It drops straight to what fits; it
 * climbs one rung at a time, only with 4 s buffered, and never on the first segment of
 * a start or a seek (nothing is buffered then; it continues at the rung it had). With
 * less than 1 s buffered during playback it drops to the lowest rung. Without a
 * throughput figure it keeps the rung it has (the lowest at first).
 */
export class AbrPolicy implements RenditionPolicy {
  readonly name = 'abr';
  choose(ctx: PolicyContext): number {
    const h = ctx.heights;
    const current = ctx.previousHeight === undefined ? 0 : Math.max(0, h.indexOf(ctx.previousHeight));
    if (!ctx.starting && ctx.bufferMs !== undefined && ctx.bufferMs < PANIC_BUFFER_MS) return h[0]!;
    if (ctx.throughputKbps === undefined) return h[current]!;
    const budget = ctx.throughputKbps * 1000 * THROUGHPUT_SHARE;
    let fit = 0;
    ctx.bandwidths.forEach((bw, i) => {
      if (bw <= budget) fit = i;
    });
    if (fit <= current) return h[fit]!;
    const buffered = ctx.bufferMs === undefined || ctx.bufferMs >= CLIMB_BUFFER_MS;
    return h[!ctx.starting && buffered ? current + 1 : current]!;
  }
}

/** "abr" (default), "thirds", or "fixed:720p". */
export function createPolicy(spec: string): RenditionPolicy {
  const s = (spec || 'abr').trim().toLowerCase();
  if (s === 'abr') return new AbrPolicy();
  if (s === 'thirds') return new ThirdsPolicy();
  const m = /^fixed:(\d{3,4})p?$/.exec(s);
  if (m) return new FixedPolicy(Number(m[1]));
  throw new MediaError('BAD_POLICY', `unknown policy "${spec}": use abr, thirds or fixed:HEIGHTp`);
}
