import type { ServerFrame } from '../protocol/index.js';
import { Emitter } from './event-emitter.js';

export interface ReceivedSegment {
  index: number;
  height: number;
  startMs: number;
  durationMs: number;
  data: Uint8Array;
  /** Time from the segment's first chunk to its last (ms): the client's throughput sample. */
  receiveMs: number;
}

export interface VideoStreamEvents extends Record<string, unknown> {
  start: { durationMs: number; segmentMs: number; segmentCount: number; startSegment: number; renditions: { height: number; width: number; bandwidth: number }[] };
  segment: ReceivedSegment;
  end: { reason: string; error?: string };
  error: { code: string; message: string };
}

type Chunk = Extract<ServerFrame['body'], { case: 'segmentChunk' }>['value'];

/**
 * One video stream on the client: reassembles chunks into MPEG-TS segments, drops
 * chunks from before the latest seek, and lets the player grant credit as it drains.
 */
export class VideoStream extends Emitter<VideoStreamEvents> {
  private parts: Uint8Array[] = [];
  private partsIndex = -1;
  private firstChunkAt = 0;
  private generation = 0;
  ended = false;
  /** The StreamStart: it comes with play()'s reply, before a caller can attach a 'start' listener. */
  info: VideoStreamEvents['start'] | undefined;

  constructor(readonly streamId: number, private readonly post: (body: { case: 'credit' | 'seek' | 'stop'; value: Record<string, number> }) => void) {
    super();
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
      this.emit('end', { reason: b.value.reason, ...(b.value.error ? { error: b.value.error } : {}) });
    }
  }

  private onChunk(c: Chunk): void {
    if (c.seekGeneration < this.generation) return; // from before a seek
    if (c.index !== this.partsIndex || c.offset === 0) {
      this.parts = [];
      this.partsIndex = c.index;
      this.firstChunkAt = Date.now();
    }
    this.parts.push(c.data);
    if (!c.lastChunk) return;
    const size = this.parts.reduce((n, p) => n + p.byteLength, 0);
    if (size !== c.total) {
      this.emit('error', { code: 'BAD_SEGMENT', message: `segment ${c.index} arrived with ${size} of ${c.total} bytes` });
      return;
    }
    const data = new Uint8Array(size);
    let o = 0;
    for (const p of this.parts) {
      data.set(p, o);
      o += p.byteLength;
    }
    this.parts = [];
    this.emit('segment', { index: c.index, height: c.height, startMs: c.startMs, durationMs: c.durationMs, data, receiveMs: Math.max(1, Date.now() - this.firstChunkAt) });
  }

  /** The player drained `segments`; reports its throughput and buffer so the server's ABR can choose. */
  credit(segments: number, report: { throughputKbps?: number; bufferMs?: number } = {}): void {
    if (this.ended) return;
    this.post({ case: 'credit', value: { streamId: this.streamId, segments, throughputKbps: Math.round(report.throughputKbps ?? 0), bufferMs: Math.round(report.bufferMs ?? 0) } });
  }

  seek(positionMs: number): void {
    this.generation++;
    this.parts = [];
    this.post({ case: 'seek', value: { streamId: this.streamId, positionMs: Math.max(0, Math.round(positionMs)) } });
  }

  stop(): void {
    if (!this.ended) this.post({ case: 'stop', value: { streamId: this.streamId } });
  }
}
