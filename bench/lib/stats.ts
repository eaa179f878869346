/**
 * Small statistics helpers shared by every benchmark. Percentiles use the
 * nearest-rank method on a sorted copy, so a p99 of 200 samples is a real sample.
 */

/** Median of a list of numbers (NaN for an empty list). */
export function median(values: readonly number[]): number {
  const finite = values.filter((v) => !Number.isNaN(v));
  if (finite.length === 0) return NaN;
  const s = [...finite].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (p in 0..100) of an already sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** Latency summary in milliseconds: count and p50/p99/p99.9/max. */
export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** Summarises latency samples (ms). Samples are sorted in place. */
export function summarizeLatencies(samples: Float64Array | number[]): LatencySummary {
  const sorted = samples instanceof Float64Array ? samples.sort() : Float64Array.from(samples).sort();
  return {
    count: sorted.length,
    p50: round(percentileSorted(sorted, 50), 3),
    p99: round(percentileSorted(sorted, 99), 3),
    p999: round(percentileSorted(sorted, 99.9), 3),
    max: round(sorted.length ? sorted[sorted.length - 1]! : NaN, 3),
  };
}

/** A growable list of float samples without per-sample allocation. */
export class SampleList {
  private data = new Float64Array(4096);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = v;
  }

  /** A copy of the samples, trimmed to length. */
  values(): Float64Array {
    return this.data.slice(0, this.length);
  }

  clear(): void {
    this.length = 0;
  }
}

/** Rounds to `digits` decimals (NaN and Infinity pass through). */
export function round(v: number, digits = 2): number {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** a / b rounded to 3 decimals, NaN when either side is missing or b is 0. */
export function ratio(a: number | undefined, b: number | undefined): number {
  if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return round(a / b, 3);
}

/** Median of each numeric field across rounds (fields missing in a round are skipped). */
export function medianOfRounds<T extends Record<string, number>>(rounds: readonly T[]): T {
  const out: Record<string, number> = {};
  const keys = new Set(rounds.flatMap((r) => Object.keys(r)));
  for (const k of keys) out[k] = round(median(rounds.map((r) => r[k]).filter((v): v is number => typeof v === 'number')), 3);
  return out as T;
}
