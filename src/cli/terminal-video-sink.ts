import type { ReceivedSegment } from '../client/index.js';
import { ffmpegPath, ffprobePath } from '../media/ffmpeg-path.js';
import { FrameDecoder, probeFrameRate } from './frame-decoder.js';
import { FramePacer } from './frame-pacer.js';
import { fitCells, HalfBlockCanvas, resize, type RgbImage } from './half-block.js';
import { formatTime } from './media-time.js';
import type { StreamInfo, VideoSink } from './video-sink.js';
import { VideoScreen, type VideoLayout } from './video-screen.js';

/** Decoded frames held before ffmpeg is paused (about a second of video). */
const MAX_QUEUED = 30;
/** Per-channel colour change below which a cell is not redrawn. */
const REDRAW_TOLERANCE = 4;

export interface TerminalVideoOptions {
  title: string;
  layout: VideoLayout;
  out?: NodeJS.WriteStream;
  /** Redraw the prompt inside the chat rows (connect). */
  onLayout?: () => void;
  /** Status row hint, e.g. "Ctrl-C stops". */
  hint?: string;
}

/**
 * `--player terminal`: the received MPEG-TS goes through an ffmpeg child that
 * decodes it to RGB frames; frames are shown at the video's frame rate as
 * half-block characters in 24-bit colour, scaled to the window (re-read on
 * resize), dropping frames when drawing falls behind. The picture has no sound.
 */
export class TerminalVideoSink implements VideoSink {
  readonly label = 'the terminal';
  readonly closed: Promise<string>;
  private closedBy: (why: string) => void = () => {};
  private readonly out: NodeJS.WriteStream;
  private readonly screen: VideoScreen;
  private readonly pacer = new FramePacer(1000 / 30);
  private decoder: FrameDecoder | undefined;
  private fps: number | undefined;
  private queue: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private canvas: HalfBlockCanvas | undefined;
  private decodeSize = { width: 320, height: 180 };
  private info: StreamInfo | undefined;
  /** Media time of the decoder's first frame (the first segment written since start or seek). */
  private baseMs = 0;
  private heights: { startMs: number; height: number }[] = [];
  private shut = false;
  /** Counts seeks: a write that waited across one is stale. */
  private epoch = 0;
  private drainWaiters: (() => void)[] = [];
  private lastStatus = '';
  /** ffmpeg and ffprobe, found once (the lookup runs them). */
  private tools: { ffmpeg: string; ffprobe: string } | undefined;

  constructor(private readonly o: TerminalVideoOptions) {
    this.out = o.out ?? process.stdout;
    this.closed = new Promise((r) => (this.closedBy = r));
    this.screen = new VideoScreen(this.out, o.layout, {
      ...(o.onLayout ? { onLayout: o.onLayout } : {}),
      onResize: () => {
        this.canvas = undefined;
        this.showStatus(true);
      },
    });
  }

  start(info: StreamInfo): void {
    this.info = info;
    this.baseMs = info.startSegment * info.segmentMs;
    // Decode once at a moderate size with the video's aspect; each frame is then
    // box-scaled to whatever the window is now, so resizing needs no new decoder.
    const top = [...info.renditions].sort((a, b) => b.height - a.height)[0];
    const w = top?.width || 16;
    const h = top?.height || 9;
    const area = this.screen.area;
    const fit = fitCells(w, h, area.cols, area.videoRows);
    const width = Math.min(w, Math.max(320, fit.cols));
    const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
    this.decodeSize = { width: even(width), height: even((width * h) / w) };
    if (!this.shut) this.screen.enter();
    this.showStatus(true);
  }

  async write(seg: ReceivedSegment): Promise<void> {
    if (this.shut) return;
    this.heights.push({ startMs: seg.startMs, height: seg.height });
    if (this.heights.length > 64) this.heights.shift();
    if (!this.decoder) {
      const epoch = this.epoch;
      this.baseMs = seg.startMs;
      this.tools ??= { ffmpeg: ffmpegPath(), ffprobe: ffprobePath() };
      this.fps ??= await probeFrameRate(this.tools.ffprobe, seg.data);
      if (this.shut || epoch !== this.epoch) return;
      this.pacer.setFrameRate(this.fps);
      this.startDecoder();
    }
    await this.decoder!.write(seg.data);
  }

  private startDecoder(): void {
    const { width, height } = this.decodeSize;
    const decoder = new FrameDecoder(this.tools!.ffmpeg, width, height, this.fps!, (rgb) => {
      if (decoder !== this.decoder) return; // a frame from before a seek
      this.queue.push(rgb);
      if (this.queue.length >= MAX_QUEUED) decoder.pause();
      if (!this.timer) this.tick();
    });
    this.decoder = decoder;
    void decoder.exited.then((error) => {
      if (decoder !== this.decoder) return;
      if (error && !this.shut) this.closedBy(`the video decoder failed: ${error}`);
      this.checkDrained();
    });
  }

  private tick(): void {
    this.timer = undefined;
    if (this.shut) return;
    const step = this.pacer.step(Date.now(), this.queue.length);
    if (step.drop) this.queue.splice(0, step.drop);
    if (step.draw) this.draw(this.queue.shift()!);
    if (this.queue.length < MAX_QUEUED / 2) this.decoder?.resume();
    if (step.waitMs !== undefined) this.timer = setTimeout(() => this.tick(), step.waitMs);
    else this.checkDrained();
  }

  private draw(rgb: Uint8Array): void {
    const area = this.screen.area;
    const { width, height } = this.decodeSize;
    const fit = fitCells(width, height, area.cols, area.videoRows);
    if (fit.cols === 0) return;
    const left = 1 + Math.floor((area.cols - fit.cols) / 2);
    const top = area.videoTop + Math.floor((area.videoRows - fit.rows) / 2);
    let clear = '';
    if (!this.canvas || this.canvas.cols !== fit.cols || this.canvas.rows !== fit.rows || this.canvas.left !== left || this.canvas.top !== top) {
      this.canvas = new HalfBlockCanvas(fit.cols, fit.rows, top, left, REDRAW_TOLERANCE);
      for (let r = area.videoTop; r < area.videoTop + area.videoRows; r++) clear += `\x1b[${r};1H\x1b[2K`;
    }
    const image: RgbImage = resize({ width, height, data: rgb }, fit.cols, fit.rows * 2);
    this.screen.draw(clear + this.canvas.paint(image));
    this.showStatus(false);
  }

  private showStatus(force: boolean): void {
    if (!this.info) return;
    const pos = this.position();
    const height = [...this.heights].reverse().find((h) => h.startMs <= pos)?.height ?? this.heights.at(-1)?.height;
    const parts = [`\u25b6 ${this.o.title}`, `${formatTime(pos)} / ${formatTime(this.info.durationMs)}`];
    if (height) parts.push(`${height}p`);
    if (this.pacer.dropped) parts.push(`${this.pacer.dropped} frames dropped`);
    if (this.o.hint) parts.push(this.o.hint);
    const text = ' ' + parts.join('  \u00b7  ');
    if (!force && text === this.lastStatus) return;
    this.lastStatus = text;
    this.screen.status(text);
  }

  position(): number {
    return this.baseMs + this.pacer.frames * this.pacer.frameDurationMs;
  }

  seeked(targetMs: number): void {
    this.epoch++;
    this.decoder?.kill();
    this.decoder = undefined;
    this.queue = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pacer.reset();
    this.baseMs = targetMs;
    this.showStatus(true);
    this.checkDrained();
  }

  private checkDrained(): void {
    if (this.queue.length > 0 && !this.shut) return;
    const waiting = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiting) w();
  }

  async drain(): Promise<void> {
    const decoder = this.decoder;
    if (!decoder || this.shut) return;
    decoder.end();
    await decoder.exited;
    // Show what is still queued, at its pace (a seek or close empties the queue).
    if (this.queue.length > 0 && !this.shut) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  close(): Promise<void> {
    this.shut = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.decoder?.kill();
    this.queue = [];
    this.screen.leave();
    this.checkDrained();
    return Promise.resolve();
  }
}
