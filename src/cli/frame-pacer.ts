/** What to do with the decoded frames waiting to be shown, at one moment. */
export interface PaceStep {
  /** Frames to throw away unseen (we are behind). */
  drop: number;
  /** Show the next frame now. */
  draw: boolean;
  /** Ask again after this many ms; undefined: when the next frame arrives. */
  waitMs: number | undefined;
}

/**
 * Keeps video at its own pace: frame n is due at t0 + n / fps. When drawing falls
 * behind, frames whose successor is already due are dropped, so the picture stays
 * on time instead of drifting late. When the queue runs dry past a due time (the
 * network or decoder is late), the clock waits and restarts with the next frame:
 * there is nothing to drop then, only a pause.
 */
export class FramePacer {
  private t0: number | undefined;
  private next = 0;
  /** Frames skipped to keep up. */
  dropped = 0;

  constructor(private frameMs: number) {}

  /** Frames shown or dropped since the last reset: the playhead, in frames. */
  get frames(): number {
    return this.next;
  }

  setFrameRate(fps: number): void {
    this.frameMs = 1000 / fps;
  }

  get frameDurationMs(): number {
    return this.frameMs;
  }

  /** Starts over (a seek): frame 0 is due whenever the next one arrives. */
  reset(): void {
    this.t0 = undefined;
    this.next = 0;
  }

  private due(): number {
    return this.t0! + this.next * this.frameMs;
  }

  /** Decides, at time `now` with `queued` frames ready, what to show. */
  step(now: number, queued: number): PaceStep {
    if (queued === 0) {
      if (this.t0 !== undefined && now > this.due()) this.t0 = undefined; // underrun: pause until frames come
      return { drop: 0, draw: false, waitMs: undefined };
    }
    this.t0 ??= now - this.next * this.frameMs;
    const due = this.due();
    if (now < due) return { drop: 0, draw: false, waitMs: due - now };
    const late = Math.floor((now - due) / this.frameMs);
    const drop = Math.min(late, queued - 1);
    this.next += drop + 1;
    this.dropped += drop;
    return { drop, draw: true, waitMs: Math.max(0, this.due() - now) };
  }
}
