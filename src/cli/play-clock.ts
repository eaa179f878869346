/**
 * An estimate of where a player is, for players we cannot ask (ffplay and mpv
 * read a pipe; receive-only plays nothing): media runs at wall-clock speed from
 * the first segment, and waits at the end of what has arrived when the network
 * is late. It drives `/seek +10`, the buffer level reported to the server's ABR,
 * and the pace of receive-only streams.
 */
export class PlayClock {
  private anchorMedia = 0;
  private anchorWall = 0;
  /** Media time where received data ends; undefined before the first segment (or after a seek). */
  private end: number | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** A seek: nothing is buffered; the playhead waits at `ms` until data arrives. */
  reset(ms: number): void {
    this.end = undefined;
    this.anchorMedia = ms;
    this.anchorWall = this.now();
  }

  /** A segment arrived (segments of one timeline arrive in order). */
  received(startMs: number, durationMs: number): void {
    // First data, or the player ran dry: playback (re)starts at this segment, now.
    if (this.end === undefined || this.position() >= this.end) {
      this.anchorMedia = startMs;
      this.anchorWall = this.now();
    }
    this.end = startMs + durationMs;
  }

  /** The playhead (ms of media). */
  position(): number {
    if (this.end === undefined) return this.anchorMedia;
    return Math.min(this.anchorMedia + (this.now() - this.anchorWall), this.end);
  }

  /** Media received and not yet played (ms). */
  bufferedMs(): number {
    return this.end === undefined ? 0 : this.end - this.position();
  }

  /** Media time where received data ends (the playhead when nothing arrived yet). */
  receivedEnd(): number {
    return this.end ?? this.anchorMedia;
  }
}
