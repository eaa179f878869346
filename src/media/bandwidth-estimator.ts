/**
 * Throughput estimate from segment downloads: a fast and a slow exponentially
 * weighted average (half-lives in seconds of media), taking the lower, so one lucky
 * burst cannot push the player to a rung it cannot sustain (the hls.js approach).
 */
export class BandwidthEstimator {
  private fast = 0;
  private slow = 0;
  private fastWeight = 0;
  private slowWeight = 0;

  constructor(private readonly fastHalfLife = 3, private readonly slowHalfLife = 9) {}

  /** Records `bytes` received in `ms`, weighted by `weightSeconds` of media (default 1). */
  sample(bytes: number, ms: number, weightSeconds = 1): void {
    if (!(ms > 0) || !(bytes >= 0)) return;
    const kbps = (bytes * 8) / ms;
    const a = Math.pow(0.5, weightSeconds / this.fastHalfLife);
    const b = Math.pow(0.5, weightSeconds / this.slowHalfLife);
    this.fast = kbps * (1 - a) + this.fast * a;
    this.fastWeight = (1 - a) + this.fastWeight * a;
    this.slow = kbps * (1 - b) + this.slow * b;
    this.slowWeight = (1 - b) + this.slowWeight * b;
  }

  /** Estimated throughput in kbit/s, or undefined before the first sample. */
  estimateKbps(): number | undefined {
    if (this.fastWeight === 0) return undefined;
    return Math.min(this.fast / this.fastWeight, this.slow / this.slowWeight);
  }
}
