import { MediaError } from './media-error.js';

export interface PolicyContext {
  /** Segment about to be sent. */
  index: number;
  segmentCount: number;
  /** Available rung heights, ascending, and their bandwidths (bits/s), same order. */
  heights: number[];
  bandwidths: number[];
  /** The client's measured throughput and buffer, when it reported them. */
  throughputKbps?: number;
  bufferMs?: number;
  previousHeight?: number;
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

/**
 * Throughput- and buffer-based ABR: the highest rung whose bandwidth fits in 80% of the
 * measured throughput; it climbs at most one rung at a time and only with 4 s buffered,
 * and drops to the lowest rung when the buffer is nearly empty.
 */
export class AbrPolicy implements RenditionPolicy {
  readonly name = 'abr';
  choose(ctx: PolicyContext): number {
    const h = ctx.heights;
    if (ctx.throughputKbps === undefined) return ctx.previousHeight ?? h[0]!;
    if (ctx.bufferMs !== undefined && ctx.bufferMs < 1000 && ctx.index > 0) return h[0]!;
    const budget = ctx.throughputKbps * 1000 * 0.8;
    let fit = 0;
    ctx.bandwidths.forEach((bw, i) => {
      if (bw <= budget) fit = i;
    });
    const prev = ctx.previousHeight === undefined ? 0 : Math.max(0, h.indexOf(ctx.previousHeight));
    if (fit > prev) {
      const buffered = ctx.bufferMs === undefined || ctx.bufferMs >= 4000;
      fit = buffered ? prev + 1 : prev;
    }
    return h[fit]!;
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
