import { createWriteStream } from 'node:fs';
import type { Writable } from 'node:stream';
import type { ReceivedSegment, VideoStreamEvents } from '../client/index.js';
import { PlayClock } from './play-clock.js';

/** What the server said about a stream when it started. */
export type StreamInfo = VideoStreamEvents['start'];

/**
 * Where received MPEG-TS segments go: a player, the terminal renderer, a file, or
 * nowhere. `write` resolves when the sink can take more, and that is when the
 * playback grants the server another segment of credit: a slow sink slows the
 * stream, nothing piles up in memory.
 */
export interface VideoSink {
  /** For messages: "ffplay", "the terminal", a file name. */
  readonly label: string;
  /** The stream started (duration, renditions); called before the first write. */
  start(info: StreamInfo): void;
  write(segment: ReceivedSegment): Promise<void>;
  /** The stream jumped to `targetMs`: buffered media from before is worthless. Writes may follow a drain. */
  seeked?(targetMs: number): void;
  /** Where playback is (ms of media), when the sink knows better than a wall-clock estimate. */
  position?(): number;
  /**
   * No more data for now: resolves once what was written has played out (or a
   * seek or close cut it short). Safe to call again.
   */
  drain(): Promise<void>;
  /** Closes for good: kills children, restores the terminal (at once), flushes files. Idempotent. */
  close(): Promise<void>;
  /** Resolves (with a reason) when the sink went away by itself, e.g. the user closed the player. */
  readonly closed: Promise<string>;
}

/** Sleeps that a seek or close can cut short. */
export class Waits {
  private readonly pending = new Set<() => void>();

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.pending.add(done);
    });
  }

  /** Ends every sleep now. */
  release(): void {
    for (const done of [...this.pending]) done();
  }
}

/** Writes with backpressure; resolves on drain, or when the stream is gone (its 'close'). */
export function writeTo(w: Writable, data: Uint8Array): Promise<void> {
  if (w.destroyed || w.writableEnded) return Promise.reject(new Error('the output is closed'));
  return new Promise((resolve, reject) => {
    if (w.write(data)) return resolve();
    const done = (err?: Error) => {
      w.off('drain', onDrain);
      w.off('close', onClose);
      w.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the output closed'));
    w.once('drain', onDrain);
    w.once('close', onClose);
    w.once('error', done);
  });
}

/** A file or standard output (`--out`). */
export function streamSink(target: string): VideoSink {
  const toStdout = target === '-';
  const out: Writable = toStdout ? process.stdout : createWriteStream(target);
  let closedBy: (why: string) => void = () => {};
  const closed = new Promise<string>((r) => (closedBy = r));
  out.on('error', (e) => closedBy(`cannot write ${toStdout ? 'standard output' : target}: ${e.message}`));
  let ended: Promise<void> | undefined;
  return {
    label: toStdout ? 'standard output' : target,
    start() {},
    write: (seg) => writeTo(out, seg.data),
    drain: () => Promise.resolve(),
    close() {
      if (toStdout || out.destroyed) return Promise.resolve();
      return (ended ??= new Promise<void>((r) => out.end(r)));
    },
    closed,
  };
}

/**
 * Nowhere (`--player none`, or no player in a pipe). Paced, it takes segments at
 * the video's speed with a few seconds of look-ahead, like a player would, so
 * seek and stop mean the same as with a picture; unpaced, as fast as they come.
 */
export function nullSink(opts: { paced: boolean; label?: string; lookAheadMs?: number }): VideoSink {
  const clock = new PlayClock();
  const lookAhead = opts.lookAheadMs ?? 4000;
  const waits = new Waits();
  return {
    label: opts.label ?? 'nowhere (--player none)',
    start(info) {
      clock.reset(info.startSegment * info.segmentMs);
    },
    async write(seg) {
      clock.received(seg.startMs, seg.durationMs);
      if (opts.paced) await waits.sleep(clock.bufferedMs() - lookAhead);
    },
    seeked(targetMs) {
      clock.reset(targetMs);
      waits.release();
    },
    position: () => clock.position(),
    // Paced: over when the last segment would have finished playing.
    drain: () => (opts.paced ? waits.sleep(clock.bufferedMs()) : Promise.resolve()),
    close() {
      waits.release();
      return Promise.resolve();
    },
    closed: new Promise<string>(() => {}),
  };
}
