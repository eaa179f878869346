/**
 * An exponentially weighted moving average whose samples carry weights (seconds of
 * downloading), so a long download counts for more than a short one.
 */
class WeightedAverage {
  private readonly alpha: number;
  private value = 0;
  private weight = 0;

  constructor(halfLifeSeconds: number) {
    this.alpha = Math.pow(0.5, 1 / halfLifeSeconds);
  }

  add(value: number, weight: number): void {
    const keep = Math.pow(this.alpha, weight);
    this.value = value * (1 - keep) + this.value * keep;
    this.weight += weight;
  }

  /** The average, corrected for starting at zero; undefined before the first sample. */
  get(): number | undefined {
    if (this.weight === 0) return undefined;
    return this.value / (1 - Math.pow(this.alpha, this.weight));
  }
}

/** Downloads shorter than this count as this long: a segment parsed from the same read as the one before took "no time". */
const MIN_SAMPLE_MS = 1;

/**
 * The throughput a client can count on, measured where the bytes arrive: two
 * averages of per-segment download rates, weighted by download time, with
 * half-lives of 3 s and 9 s of downloading (hls.js's defaults for on-demand video),
 * and the estimate is the lower of the two, so a drop shows at once through the
 * fast one while a lucky burst is held back by the slow one. A plain class the
 * client core feeds and tests drive directly; the server only sees its result.
 */
export class BandwidthEstimator {
  private fast: WeightedAverage;
  private slow: WeightedAverage;
  /** Set by restart(): what to report until the next sample. */
  private floor: number | undefined;

  constructor(private readonly fastHalfLife = 3, private readonly slowHalfLife = 9) {
    this.fast = new WeightedAverage(fastHalfLife);
    this.slow = new WeightedAverage(slowHalfLife);
  }

  /** Records a download of `bytes` that took `ms` (from when the server could send it to its last byte). */
  sample(bytes: number, ms: number): void {
    if (!(bytes > 0) || !(ms >= 0)) return;
    const duration = Math.max(ms, MIN_SAMPLE_MS);
    const kbps = (bytes * 8) / duration; // bits per ms = kbit/s
    this.fast.add(kbps, duration / 1000);
    this.slow.add(kbps, duration / 1000);
    this.floor = undefined;
  }

  /** Estimated throughput in kbit/s, or undefined before the first sample. */
  estimateKbps(): number | undefined {
    if (this.floor !== undefined) return this.floor;
    const f = this.fast.get();
    const s = this.slow.get();
    return f === undefined || s === undefined ? undefined : Math.min(f, s);
  }

  /**
   * Forgets the history and reports `kbps` until the next sample: for when a download
   * in progress proves the link slower than the averages say (what hls.js does when it
   * abandons a fragment), so the next segments are chosen for the link as it is now.
   */
  restart(kbps: number): void {
    this.fast = new WeightedAverage(this.fastHalfLife);
    this.slow = new WeightedAverage(this.slowHalfLife);
    this.floor = Math.max(0, kbps);
  }
}
