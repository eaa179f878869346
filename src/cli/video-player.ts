import type { ReceivedSegment, SealcastClient, VideoStream } from '../client/index.js';
import { externalPlayerSink } from './external-player.js';
import { PlayClock } from './play-clock.js';
import type { ResolvedPlayer } from './player-choice.js';
import { TerminalVideoSink } from './terminal-video-sink.js';
import type { VideoLayout } from './video-screen.js';
import { nullSink, streamSink, type StreamInfo, type VideoSink } from './video-sink.js';

/** Segments the server may send before the player has drained any. */
const INITIAL_CREDIT = 3;

export interface PlaybackOptions {
  policy: string;
  startMs: number;
  sink: VideoSink;
  /** Pretend the link is this slow (kbit/s), to watch the ABR policy react (the client core holds segments back). */
  throttleKbps?: number;
  onStart?: (info: StreamInfo) => void;
  /** A segment was handed to the sink. */
  onSegment?: (seg: ReceivedSegment) => void;
  /** The first segment after a seek arrived; `ms` is where it starts. */
  onSeeked?: (ms: number) => void;
  onError?: (message: string) => void;
  /** The sink went away by itself (player closed); the stream is being stopped. */
  onSinkClosed?: (why: string) => void;
}

export interface PlaybackResult {
  /** finished | stopped | error | lost (the connection dropped). */
  reason: string;
  error?: string;
  /** Heights of the segments played, in order. */
  heights: number[];
}

interface StreamEnd {
  reason: string;
  error?: string;
}

/**
 * One video being played from the server: segments go to a sink, each one
 * handed over earns the server one more segment of credit (with our throughput
 * and buffer, for its ABR), a seek drops what was in flight, stop ends it at once.
 * The server finishes sending a few segments before the picture ends; a seek in
 * that tail asks for a new stream from the target. Shared by `sealcast play` and
 * connect's /play.
 */
export class Playback {
  /** Set when the server's StreamStart arrived (it comes with the PLAY reply). */
  info: StreamInfo | undefined;
  readonly done: Promise<PlaybackResult>;
  private stream!: VideoStream;
  private end: StreamEnd | undefined;
  private readonly clock = new PlayClock();
  private readonly heights: number[] = [];
  private queue: Promise<void> = Promise.resolve();
  private generation = 0;
  /** A seek the server has not answered with a segment yet. */
  private seekTarget: number | undefined;
  /** The next segment played is the first after a seek (for onSeeked). */
  private announceSeek = false;
  private reopening: Promise<void> | undefined;
  private stopping = false;
  /** Why we stopped (user, or connection lost), which beats how the server ended. */
  private stopResult: StreamEnd | undefined;
  private wakers: (() => void)[] = [];
  /** Where the media received since the start or the last seek ends (ms), played or not. */
  private arrivedEnd: number | undefined;
  /** Rung of the latest segment received: a stream reopened after a seek continues there. */
  private lastHeight: number | undefined;

  private constructor(private readonly client: SealcastClient, readonly title: string, stream: VideoStream, private readonly o: PlaybackOptions) {
    this.attach(stream);
    void o.sink.closed.then((why) => {
      if (this.stopping) return;
      o.onSinkClosed?.(why);
      this.stop();
    });
    this.done = this.run();
  }

  /** Asks the server to play `title`; rejects (unknown title, not ready…) before anything is opened. */
  static async open(client: SealcastClient, title: string, o: PlaybackOptions): Promise<Playback> {
    const stream = await client.play(title, { policy: o.policy, startMs: o.startMs, initialCredit: INITIAL_CREDIT, ...throttle(o) });
    return new Playback(client, title, stream, o);
  }

  private attach(stream: VideoStream): void {
    this.stream = stream;
    this.end = undefined;
    stream.on('segment', (seg) => this.onSegment(stream, seg));
    stream.on('error', (e) => this.o.onError?.(e.message));
    stream.on('start', (info) => this.started(info));
    if (stream.info) this.started(stream.info);
    stream.on('end', (e) => {
      if (stream !== this.stream) return;
      // The last segment left the server just as we asked for a seek: ask again, anew.
      if (e.reason === 'finished' && this.seekTarget !== undefined && !this.stopping) return this.reopen(this.seekTarget);
      this.end = e;
      this.wake();
    });
  }

  private started(info: StreamInfo): void {
    if (this.info) return;
    this.info = info;
    this.clock.reset(info.startSegment * info.segmentMs);
    this.o.sink.start(info);
    this.o.onStart?.(info);
  }

  private wake(): void {
    const w = this.wakers;
    this.wakers = [];
    for (const f of w) f();
  }

  /** Resolves at the next change: stream end, seek, stop. */
  private changed(): Promise<'changed'> {
    return new Promise((r) => this.wakers.push(() => r('changed')));
  }

  private onSegment(stream: VideoStream, seg: ReceivedSegment): void {
    const generation = this.generation;
    // The stream drops chunks from before a seek, so any segment now answers it.
    if (stream === this.stream) {
      this.seekTarget = undefined;
      this.arrivedEnd = seg.startMs + seg.durationMs;
      this.lastHeight = seg.height;
    }
    this.queue = this.queue.then(async () => {
      if (this.stopping) return;
      // Received before a seek but not yet played: skip it, but give its credit back.
      if (generation !== this.generation) return stream.credit(1);
      if (this.announceSeek) {
        this.announceSeek = false;
        this.o.onSeeked?.(seg.startMs);
      }
      try {
        await this.o.sink.write(seg);
      } catch (e) {
        // A seek or stop closing the sink's pipe under this write is no failure.
        if (this.stopping || generation !== this.generation) return;
        this.o.onSinkClosed?.(e instanceof Error ? e.message : String(e));
        this.stop();
        return;
      }
      // A seek while the sink took it: the buffer figure would be of the old position.
      if (generation !== this.generation) return stream.credit(1);
      this.clock.received(seg.startMs, seg.durationMs);
      this.heights.push(seg.height);
      this.o.onSegment?.(seg);
      if (this.stopping) return;
      if (generation !== this.generation) return stream.credit(1); // onSegment seeked
      // Everything received and not yet played, also what waits behind this segment.
      const bufferMs = this.arrivedEnd === undefined ? 0 : Math.max(0, this.arrivedEnd - this.position());
      stream.credit(1, { bufferMs });
    });
  }

  /** Where playback is, in ms of media (the sink's own idea when it has one). */
  position(): number {
    return this.o.sink.position?.() ?? this.clock.position();
  }

  /** Jumps to `ms` (clamped to the video); what is in flight is dropped. Returns the target. */
  seek(ms: number): number {
    const duration = this.info?.durationMs ?? Infinity;
    const target = Math.round(Math.min(Math.max(0, ms), Math.max(0, duration - 1)));
    if (this.stopping) return target;
    this.generation++;
    this.seekTarget = target;
    this.arrivedEnd = undefined;
    this.announceSeek = true;
    this.clock.reset(target);
    this.o.sink.seeked?.(target);
    // The server already sent the whole stream: it forgot it, so ask for a new one from the target.
    if (this.end?.reason === 'finished') this.reopen(target);
    else if (!this.reopening) this.stream.seek(target);
    this.wake();
    return target;
  }

  private reopen(target: number): void {
    if (this.reopening) return; // it will seek to the latest target once open
    this.end = undefined;
    this.reopening = (async () => {
      try {
        const stream = await this.client.play(this.title, {
          policy: this.o.policy, startMs: target, initialCredit: INITIAL_CREDIT, ...throttle(this.o),
          // A new stream, the same viewer: go on at the rung it had, not from the lowest.
          ...(this.lastHeight ? { startHeight: this.lastHeight } : {}),
        });
        if (this.stopping) return stream.stop();
        this.attach(stream);
        if (this.seekTarget !== undefined && this.seekTarget !== target) stream.seek(this.seekTarget);
      } catch (e) {
        this.o.onError?.(`cannot seek: ${e instanceof Error ? e.message : String(e)}`);
        this.end = { reason: 'error', error: 'the seek failed' };
      } finally {
        this.reopening = undefined;
        this.wake();
      }
    })();
  }

  /** Ends playback now: our side at once (player closed, terminal restored); the server within a segment. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopResult ??= { reason: 'stopped' };
    void this.o.sink.close();
    if (!this.end && !this.reopening) this.stream.stop();
    this.wake();
  }

  /** The connection dropped: the server forgot the stream, no StreamEnd will come. */
  abandon(why: string): void {
    // Everything was received already: what is buffered can still play out.
    if (this.stopping || (this.end?.reason === 'finished' && !this.reopening)) return;
    this.stopResult = { reason: 'lost', error: why };
    this.stop();
  }

  private async run(): Promise<PlaybackResult> {
    let last: StreamEnd = { reason: 'stopped' };
    for (;;) {
      if (this.stopping) break;
      if (!this.end || this.reopening) {
        await this.changed();
        continue;
      }
      // The server sent all of this stream; play out what we have.
      last = this.end;
      await this.queue;
      if (this.stopping || last.reason !== 'finished') break;
      if (this.end !== last) continue; // a seek reopened the stream meanwhile
      const generation = this.generation;
      const outcome = await Promise.race([this.o.sink.drain().then(() => 'drained' as const), this.changed()]);
      if (this.stopping) break;
      if (generation !== this.generation) continue; // a seek in the tail: a new stream is coming
      if (outcome === 'drained') break;
    }
    last = this.stopResult ?? this.end ?? last;
    await this.o.sink.close();
    return { reason: last.reason, ...(last.error ? { error: last.error } : {}), heights: [...this.heights] };
  }
}

function throttle(o: PlaybackOptions): { throttleKbps?: number } {
  return o.throttleKbps ? { throttleKbps: o.throttleKbps } : {};
}

/** "finished: 6 segments (240p×2 360p×2 480p×2)" */
export function describePlayback(r: PlaybackResult): string {
  const tally = new Map<number, number>();
  for (const h of r.heights) tally.set(h, (tally.get(h) ?? 0) + 1);
  const rungs = [...tally].map(([h, n]) => `${h}p\u00d7${n}`).join(' ');
  return `${r.reason}: ${r.heights.length} segments${rungs ? ` (${rungs})` : ''}${r.error ? `: ${r.error}` : ''}`;
}

/** Opens the sink for a resolved player, or for `--out` (a file, or - for standard output). */
export function openSink(
  player: ResolvedPlayer,
  opts: { out?: string; title: string; layout: VideoLayout; paced: boolean; onLayout?: () => void; hint?: string; playerArgs?: readonly string[] },
): VideoSink {
  if (opts.out) return streamSink(opts.out);
  switch (player) {
    case 'ffplay':
    case 'mpv':
      return externalPlayerSink(player, opts.playerArgs ?? []);
    case 'terminal':
      return new TerminalVideoSink({
        title: opts.title,
        layout: opts.layout,
        ...(opts.onLayout ? { onLayout: opts.onLayout } : {}),
        ...(opts.hint ? { hint: opts.hint } : {}),
      });
    case 'none':
      return nullSink({ paced: opts.paced, ...(opts.paced ? { label: 'nowhere (receive only)' } : {}) });
  }
}
