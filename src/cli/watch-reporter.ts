import type { SealcastClient } from '../client/index.js';

/** How often the position is sent while playing. */
export const REPORT_EVERY_MS = 10_000;

/**
 * Keeps the server told where this user is in a title (the resume point of `sealcast play` and
 * the web app): every 10 s while it plays, and once at the end, as finished or as where it stopped.
 */
export class WatchReporter {
  private timer: ReturnType<typeof setInterval> | undefined;
  private last = -1;

  constructor(private readonly client: SealcastClient, private readonly title: string, private readonly position: () => number) {}

  start(everyMs = REPORT_EVERY_MS): void {
    this.timer = setInterval(() => this.report(), everyMs);
    this.timer.unref();
  }

  private report(): void {
    const at = Math.round(this.position());
    if (at === this.last) return; // paused or stalled: nothing new to say
    this.last = at;
    this.client.saveWatchProgress(this.title, at);
  }

  /** Playback is over: watched to the end, or stopped where it is now. */
  finish(finished: boolean): void {
    clearInterval(this.timer);
    this.client.saveWatchProgress(this.title, Math.round(this.position()), finished);
  }
}
