import type { ServerFrame } from '../protocol/index.js';
import type { BandwidthEstimator } from './bandwidth-estimator.js';
import { Emitter } from './event-emitter.js';

export interface ReceivedSegment {
  index: number;
  height: number;
  startMs: number;
  durationMs: number;
  data: Uint8Array;
  /**
   * The segment's download time (ms): from when the server could send it (the credit
   * that allowed it, or the previous segment's last byte if that came later) to its
   * last byte. Its size over this time is the throughput sample.
   */
  downloadMs: number;
}

export interface VideoStreamEvents extends Record<string, unknown> {
  start: { durationMs: number; segmentMs: number; segmentCount: number; startSegment: number; renditions: { height: number; width: number; bandwidth: number }[] };
  segment: ReceivedSegment;
  end: { reason: string; error?: string };
  error: { code: string; message: string };
}

export interface VideoStreamOptions {
  /** Segments the PLAY allowed before any Credit (the server counts at least one). */
  initialCredit: number;
  /** The connection's throughput estimate, shared by its streams (they share the link). */
  estimator: BandwidthEstimator;
  /** Pretend the link runs at this rate (kbit/s): a segment is handed over no sooner than it would have arrived. */
  throttleKbps?: number;
  /** Milliseconds from a monotonic clock (tests pass a fake one). */
  now?: () => number;
}

/** What a stream's post() sends: a Credit, Seek or Stop body. */
export type VideoStreamPost = (body: { case: 'credit' | 'seek' | 'stop'; value: Record<string, number> }) => void;

type Chunk = Extract<ServerFrame['body'], { case: 'segmentChunk' }>['value'];

/** Credits kept apart by time; beyond this the oldest two merge (a segment then counts from the older grant). */
export const MAX_GRANT_ENTRIES = 64;
/** A segment larger than this is refused (the ladder's largest is a few MB). */
export const MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
/** A download in progress is judged late only after this long: shorter waits are timer noise. */
const LATE_AFTER_MS = 250;
const U32_MAX = 0xffff_ffff;

/** The segment whose chunks are arriving. */
interface Incoming {
  index: number;
  generation: number;
  total: number;
  bytes: number;
  /** The chunks, unless the segment is from before a seek (counted, not kept). */
  parts: Uint8Array[] | undefined;
  lastChunkAt: number;
}

/**
 * One video stream on the client: reassembles chunks into MPEG-TS segments, drops
 * chunks from before the latest seek, lets the player grant credit as it drains, and
 * measures the link. Credits are used by the server in order, so the oldest grant not
 * yet used is the moment the server could start the next segment; a segment's
 * download runs from then (or from the previous segment's last byte, when the link
 * was still busy) to its own last byte. Every Credit carries the estimate.
 */
export class VideoStream extends Emitter<VideoStreamEvents> {
  private incoming: Incoming | undefined;
  private generation = 0;
  /** Credits granted and not yet used, oldest first: when, and how many segments. */
  private readonly grants: { at: number; count: number }[] = [];
  /** When the link last finished a segment of this stream (or the stream was asked for). */
  private lastEnd: number;
  /** The server's chunk size, once a segment came in more than one chunk. */
  private chunkBytes: number | undefined;
  /** Deliveries held back by throttleKbps, in order. */
  private held: Promise<void> = Promise.resolve();
  private holding = 0;
  private readonly now: () => number;
  ended = false;
  /** The StreamStart: it comes with play()'s reply, before a caller can attach a 'start' listener. */
  info: VideoStreamEvents['start'] | undefined;

  constructor(readonly streamId: number, private readonly post: VideoStreamPost, private readonly o: VideoStreamOptions) {
    super();
    this.now = o.now ?? (() => globalThis.performance.now());
    this.lastEnd = this.now();
    this.grant(Math.max(1, o.initialCredit), this.lastEnd);
  }

  /** Credit entries kept (bounded by MAX_GRANT_ENTRIES). */
  get grantEntries(): number {
    return this.grants.length;
  }

  /** @internal Frames for this stream, routed by the client. */
  onFrame(frame: ServerFrame): void {
    const b = frame.body;
    if (b.case === 'streamStart') {
      this.info = { durationMs: b.value.durationMs, segmentMs: b.value.segmentMs, segmentCount: b.value.segmentCount, startSegment: b.value.startSegment, renditions: b.value.renditions };
      this.emit('start', this.info);
    } else if (b.case === 'segmentChunk') {
      this.onChunk(b.value);
    } else if (b.case === 'streamEnd') {
      this.ended = true;
      const end = { reason: b.value.reason, ...(b.value.error ? { error: b.value.error } : {}) };
      this.deliver(this.now(), () => this.emit('end', end));
    }
  }

  private onChunk(c: Chunk): void {
    const now = this.now();
    let s = this.incoming;
    if (!s || c.offset === 0 || c.index !== s.index || c.seekGeneration !== s.generation) {
      // A segment the server cut short (a seek) used no credit; the link was busy with it until its last chunk.
      if (s) this.lastEnd = s.lastChunkAt;
      if (c.total > MAX_SEGMENT_BYTES) return this.refuse(`segment ${c.index} would be ${c.total} bytes (at most ${MAX_SEGMENT_BYTES})`);
      s = this.incoming = {
        index: c.index, generation: c.seekGeneration, total: c.total, bytes: 0, lastChunkAt: now,
        parts: c.seekGeneration < this.generation ? undefined : [],
      };
    }
    if (c.offset !== s.bytes || c.total !== s.total) return this.refuse(`segment ${c.index}: chunk at ${c.offset} of ${c.total} after ${s.bytes} of ${s.total} bytes`);
    s.bytes += c.data.byteLength;
    s.lastChunkAt = now;
    s.parts?.push(c.data);
    if (!c.lastChunk) {
      this.chunkBytes = Math.max(this.chunkBytes ?? 0, c.data.byteLength);
      return;
    }
    this.incoming = undefined;
    if (s.bytes !== s.total) return this.refuse(`segment ${c.index} arrived with ${s.bytes} of ${s.total} bytes`);
    const start = this.useGrant();
    const end = this.o.throttleKbps ? Math.max(now, start + (s.bytes * 8) / this.o.throttleKbps) : now;
    this.o.estimator.sample(s.bytes, end - start);
    this.lastEnd = end;
    if (!s.parts) {
      // From before a seek: the server spent a credit on it, the player never sees it.
      if (!this.ended) this.post({ case: 'credit', value: { streamId: this.streamId, segments: 1 } });
      this.grant(1, now);
      return;
    }
    const data = new Uint8Array(s.bytes);
    let o = 0;
    for (const p of s.parts) {
      data.set(p, o);
      o += p.byteLength;
    }
    const seg: ReceivedSegment = { index: c.index, height: c.height, startMs: c.startMs, durationMs: c.durationMs, data, downloadMs: end - start };
    this.deliver(end, () => this.emit('segment', seg));
  }

  private refuse(message: string): void {
    this.incoming = undefined;
    this.emit('error', { code: 'BAD_SEGMENT', message });
  }

  private grant(segments: number, at: number): void {
    if (segments <= 0) return;
    this.grants.push({ at, count: segments });
    if (this.grants.length > MAX_GRANT_ENTRIES) {
      const [a, b] = this.grants.splice(0, 2) as [{ at: number; count: number }, { at: number; count: number }];
      this.grants.unshift({ at: a.at, count: a.count + b.count });
    }
  }

  /** A segment completed: it used the oldest credit. Returns when its download could start. */
  private useGrant(): number {
    const head = this.grants[0];
    const start = Math.max(head?.at ?? this.lastEnd, this.lastEnd);
    if (head && --head.count === 0) this.grants.shift();
    return start;
  }

  /**
   * A download that is taking longer than the estimate allows proves the link slower
   * now: nothing beyond the next chunk can have arrived in the time since it could
   * start, so that is an upper bound on the rate, and the estimate drops to it.
   */
  private checkLate(now: number): void {
    if (this.o.throttleKbps || this.chunkBytes === undefined || this.grants.length === 0) return;
    const elapsed = now - Math.max(this.grants[0]!.at, this.lastEnd);
    if (elapsed < LATE_AFTER_MS) return;
    const s = this.incoming;
    const received = s ? s.bytes : 0;
    const next = s ? Math.min(this.chunkBytes, s.total - s.bytes) : this.chunkBytes;
    const bound = ((received + next) * 8) / elapsed;
    const estimate = this.o.estimator.estimateKbps();
    if (estimate === undefined || bound < estimate) this.o.estimator.restart(bound);
  }

  /** Hands over at `at` (now, unless the throttle holds it), after everything held before it. */
  private deliver(at: number, fn: () => void): void {
    if (this.holding === 0 && at <= this.now()) return fn();
    this.holding++;
    this.held = this.held
      .then(() => new Promise<void>((r) => setTimeout(r, Math.max(0, at - this.now()))))
      .then(() => {
        this.holding--;
        fn();
      });
  }

  /**
   * The player drained `segments` and has `bufferMs` of media left to play (when it
   * knows): both go to the server with the throughput estimate, for its ABR. A report
   * the player does not have is left out, never sent as zero.
   */
  credit(segments: number, report: { bufferMs?: number } = {}): void {
    if (this.ended) return;
    const now = this.now();
    this.checkLate(now);
    this.grant(segments, now);
    const estimate = this.o.estimator.estimateKbps();
    this.post({
      case: 'credit',
      value: {
        streamId: this.streamId,
        segments,
        ...(estimate !== undefined ? { throughputKbps: u32(estimate) } : {}),
        ...(report.bufferMs !== undefined ? { bufferMs: u32(report.bufferMs) } : {}),
      },
    });
  }

  seek(positionMs: number): void {
    this.generation++;
    if (this.incoming) this.incoming.parts = undefined;
    this.post({ case: 'seek', value: { streamId: this.streamId, positionMs: u32(positionMs) } });
  }

  stop(): void {
    if (!this.ended) this.post({ case: 'stop', value: { streamId: this.streamId } });
  }
}

function u32(n: number): number {
  return Math.min(U32_MAX, Math.max(0, Math.round(n)));
}
