import type { ReceivedSegment } from '../../src/client/index.js';
import { Waits, type StreamInfo, type VideoSink } from '../../src/cli/video-sink.js';

/** What a StallSink saw: every segment written, and every time the picture would have frozen. */
export interface SinkRecord {
  /** Segments in the order written, with the wall time (ms, performance.now) they reached the sink. */
  segments: { index: number; height: number; at: number; bytes: number; downloadMs: number }[];
  /** Segments that came after the playhead had run out of media (not counting the first after start or a seek). */
  stalls: { index: number; lateMs: number }[];
}

/**
 * A player stand-in: it plays media at `rate` times wall-clock speed with `lookAheadMs`
 * of media read ahead (it takes a segment only when its buffer has room, as a real
 * player's pipe does), and records a stall whenever a segment arrives after the
 * playhead reached the end of what it had. Only the wait for the first segment of a
 * start or a seek is no stall.
 */
export function stallSink(opts: { lookAheadMs?: number; rate?: number } = {}): VideoSink & { record: SinkRecord } {
  const lookAhead = opts.lookAheadMs ?? 4000;
  const rate = opts.rate ?? 1;
  const waits = new Waits();
  const record: SinkRecord = { segments: [], stalls: [] };
  let fresh = true;
  /** Media time where what was written ends. */
  let mediaEnd = 0;
  /** Wall time at which the playhead reaches mediaEnd. */
  let dryAt = 0;
  const buffered = () => Math.max(0, dryAt - performance.now()) * rate;
  return {
    label: 'stall recorder',
    record,
    start(info: StreamInfo) {
      mediaEnd = info.startSegment * info.segmentMs;
      dryAt = performance.now();
    },
    async write(seg: ReceivedSegment) {
      const now = performance.now();
      if (!fresh && now > dryAt) record.stalls.push({ index: seg.index, lateMs: Math.round(now - dryAt) });
      dryAt = (fresh || now > dryAt ? now : dryAt) + seg.durationMs / rate;
      fresh = false;
      mediaEnd = seg.startMs + seg.durationMs;
      record.segments.push({ index: seg.index, height: seg.height, at: now, bytes: seg.data.byteLength, downloadMs: seg.downloadMs });
      await waits.sleep((buffered() - lookAhead) / rate);
    },
    seeked(targetMs: number) {
      fresh = true;
      mediaEnd = targetMs;
      dryAt = performance.now();
      waits.release();
    },
    position: () => mediaEnd - buffered(),
    drain: () => waits.sleep(buffered() / rate),
    close() {
      waits.release();
      return Promise.resolve();
    },
    closed: new Promise<string>(() => {}),
  };
}
