import type { MediaLibrary, MediaLogger, TitleInfo } from './media-library.js';
import { isMediaError } from './media-error.js';
import type { RenditionPolicy } from './rendition-policy.js';

export type StreamEvent =
  | { type: 'start'; streamId: number; title: string; durationMs: number; segmentMs: number; segmentCount: number; renditions: TitleInfo['renditions']; startSegment: number }
  | { type: 'chunk'; streamId: number; index: number; height: number; startMs: number; durationMs: number; offset: number; total: number; data: Uint8Array; lastChunk: boolean; seekGeneration: number }
  | { type: 'end'; streamId: number; reason: 'finished' | 'stopped' | 'error'; error?: string };

export interface StreamSessionOptions {
  library: MediaLibrary;
  title: TitleInfo;
  streamId: number;
  policy: RenditionPolicy;
  startMs: number;
  initialCredit: number;
  /** Rung to continue at (the client's last, for a stream reopened after a seek): the nearest at or below it. */
  startHeight?: number;
  /** Bytes per chunk: other frames on the same socket interleave between chunks. */
  chunkBytes?: number;
  send: (ev: StreamEvent) => void;
  /** False while the transport's queue is high: the session waits instead of buffering. */
  canSend?: () => boolean;
  logger?: MediaLogger;
}

/**
 * One client's stream of one title over a message transport, with credit-based flow
 * control: a segment is sent only against a credit the client granted as its buffer
 * drained, so a slow client never makes the server hold more than one chunk for it.
 */
export class StreamSession {
  private credits: number;
  private next: number;
  private seekGeneration = 0;
  private stopped = false;
  private previousHeight: number | undefined;
  /** The next segment is the first of the stream or of a seek. */
  private starting = true;
  /** The client's last reports; absent from a Credit = unchanged (a buffer figure is forgotten at a seek). */
  private throughputKbps: number | undefined;
  private bufferMs: number | undefined;
  private wake: (() => void) | undefined;
  private readonly abort = new AbortController();
  private readonly chunkBytes: number;

  constructor(private readonly o: StreamSessionOptions) {
    this.credits = Math.max(0, o.initialCredit);
    this.next = Math.max(0, Math.floor(o.startMs / o.title.segmentMs));
    this.chunkBytes = o.chunkBytes ?? 256 * 1024;
    const heights = o.title.renditions.map((r) => r.height);
    if (o.startHeight && heights.length) {
      const below = heights.filter((h) => h <= o.startHeight!);
      this.previousHeight = below.length ? Math.max(...below) : Math.min(...heights);
    }
  }

  start(): void {
    void this.run().catch((e: unknown) => {
      this.o.logger?.error({ err: String(e), title: this.o.title.name }, 'stream failed');
      this.o.send({ type: 'end', streamId: this.o.streamId, reason: 'error', error: 'stream failed' });
    });
  }

  /**
   * The client drained `segments` from its buffer; it may report its throughput
   * estimate (kbit/s) and buffer level (ms). A report left out keeps the last one.
   */
  credit(segments: number, report: { throughputKbps?: number | undefined; bufferMs?: number | undefined } = {}): void {
    this.credits += Math.max(0, segments);
    if (report.throughputKbps !== undefined) this.throughputKbps = report.throughputKbps;
    if (report.bufferMs !== undefined) this.bufferMs = report.bufferMs;
    this.wake?.();
  }

  /**
   * Jumps to the segment holding `positionMs`; chunks already sent carry the old generation.
   * The client dropped its buffer: its last buffer figure no longer holds, and the next
   * segment starts playback again (at the rung the stream had).
   */
  seek(positionMs: number): void {
    const t = this.o.title;
    this.next = Math.min(Math.max(0, Math.floor(positionMs / t.segmentMs)), Math.max(0, t.segmentCount - 1));
    this.seekGeneration++;
    this.bufferMs = undefined;
    this.starting = true;
    this.wake?.();
  }

  /** Ends the stream: no chunk is sent after this call. */
  stop(): void {
    this.stopped = true;
    this.abort.abort();
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wake = undefined;
        resolve();
      }, ms);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    const { library, title, streamId, policy, send } = this.o;
    send({
      type: 'start', streamId, title: title.name, durationMs: title.durationMs, segmentMs: Math.round(title.segmentMs),
      segmentCount: title.segmentCount, renditions: title.renditions, startSegment: this.next,
    });
    const heights = title.renditions.map((r) => r.height);
    const bandwidths = title.renditions.map((r) => r.bandwidth);
    while (!this.stopped) {
      if (this.credits <= 0) {
        await this.sleep(1000);
        continue;
      }
      const index = this.next;
      const generation = this.seekGeneration;
      const count = Math.max(title.segmentCount, title.segmentsAvailable);
      if (title.state === 'ready' && index >= count) break;
      const height = policy.choose({
        index, segmentCount: count, heights, bandwidths, previousHeight: this.previousHeight, starting: this.starting,
        ...(this.throughputKbps !== undefined ? { throughputKbps: this.throughputKbps } : {}),
        ...(this.bufferMs !== undefined ? { bufferMs: this.bufferMs } : {}),
      });
      try {
        await library.waitForSegment(title.name, height, index, this.abort.signal);
      } catch (e) {
        if (this.stopped) break;
        if (isMediaError(e, 'NOT_READY')) break; // past the last segment
        throw e;
      }
      const data = await library.readSegment(title.name, height, index);
      this.credits--;
      const durationMs = library.segmentDurationMs(title.name, index);
      let interrupted = false;
      for (let offset = 0; offset < data.byteLength; offset += this.chunkBytes) {
        while (this.o.canSend && !this.o.canSend() && !this.stopped) await this.sleep(10);
        if (this.stopped || generation !== this.seekGeneration) {
          interrupted = true;
          break;
        }
        const end = Math.min(data.byteLength, offset + this.chunkBytes);
        send({
          type: 'chunk', streamId, index, height, startMs: Math.round(index * title.segmentMs), durationMs, offset, total: data.byteLength,
          data: data.subarray(offset, end), lastChunk: end === data.byteLength, seekGeneration: generation,
        });
        // Let chat frames and other clients go between chunks.
        await new Promise((r) => setImmediate(r));
      }
      if (interrupted) {
        if (!this.stopped) this.credits++; // a seek abandoned this segment: its credit is not spent
        continue;
      }
      this.previousHeight = height;
      if (generation === this.seekGeneration) {
        this.next = index + 1;
        this.starting = false;
      }
    }
    send({ type: 'end', streamId, reason: this.stopped ? 'stopped' : 'finished' });
  }
}
