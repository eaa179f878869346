import { spawn, type ChildProcess } from 'node:child_process';
import { writeTo } from './video-sink.js';

/**
 * An ffmpeg child turning MPEG-TS into raw RGB24 frames of a fixed size: bytes in
 * on stdin, width × height × 3-byte frames out on stdout, at a constant frame
 * rate (`-r`) so that frame n is at n / fps. Rendition switches mid-stream are
 * scaled to the same size by ffmpeg. `pause()` stops reading its output: ffmpeg
 * then blocks, stops reading its input, and our writes wait, which is the
 * backpressure the playback turns into credit.
 */
export class FrameDecoder {
  private readonly child: ChildProcess;
  private readonly frameBytes: number;
  private frame: Uint8Array;
  private filled = 0;
  private stderr = '';
  /** Resolves when ffmpeg exited, with its last error line when it failed. */
  readonly exited: Promise<string | undefined>;

  constructor(ffmpeg: string, readonly width: number, readonly height: number, fps: number, onFrame: (rgb: Uint8Array) => void) {
    this.frameBytes = width * height * 3;
    this.frame = new Uint8Array(this.frameBytes);
    this.child = spawn(ffmpeg, [
      '-hide_banner', '-loglevel', 'error', '-f', 'mpegts', '-i', 'pipe:0',
      '-map', '0:v:0', '-an', '-sn', '-dn', '-r', String(fps), '-s', `${width}x${height}`,
      '-pix_fmt', 'rgb24', '-f', 'rawvideo', 'pipe:1',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdin!.on('error', () => undefined); // EPIPE after a kill: the exit tells
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-2000);
    });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      let at = 0;
      while (at < chunk.length) {
        const n = Math.min(this.frameBytes - this.filled, chunk.length - at);
        this.frame.set(chunk.subarray(at, at + n), this.filled);
        this.filled += n;
        at += n;
        if (this.filled === this.frameBytes) {
          onFrame(this.frame);
          this.frame = new Uint8Array(this.frameBytes);
          this.filled = 0;
        }
      }
    });
    this.exited = new Promise((resolve) => {
      this.child.once('error', (e) => resolve(`cannot run ffmpeg: ${e.message}`));
      this.child.once('close', (code, signal) => {
        const last = this.stderr.trim().split('\n').pop();
        resolve(code === 0 || signal ? undefined : last || `ffmpeg exited with status ${code}`);
      });
    });
  }

  write(data: Uint8Array): Promise<void> {
    return writeTo(this.child.stdin!, data).catch(() => undefined);
  }

  /** No more input: ffmpeg flushes its last frames and exits. */
  end(): void {
    if (!this.child.stdin!.writableEnded) this.child.stdin!.end();
  }

  pause(): void {
    this.child.stdout!.pause();
  }

  resume(): void {
    this.child.stdout!.resume();
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * The frame rate of a segment's video (ffprobe on its bytes), so the renderer
 * shows frames at the video's own pace; 30 when it cannot tell.
 */
export function probeFrameRate(ffprobe: string, segment: Uint8Array): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate,r_frame_rate', '-of', 'json', '-i', 'pipe:0'], {
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stdin!.on('error', () => undefined); // ffprobe may stop reading once it knows
    child.once('error', () => resolve(30));
    child.once('close', () => {
      try {
        const s = (JSON.parse(out) as { streams?: { avg_frame_rate?: string; r_frame_rate?: string }[] }).streams?.[0];
        for (const rate of [s?.avg_frame_rate, s?.r_frame_rate]) {
          const [num, den] = (rate ?? '').split('/').map(Number);
          if (num && den && num / den > 0 && num / den <= 240) return resolve(num / den);
        }
      } catch {
        // fall through to the default
      }
      resolve(30);
    });
    child.stdin!.end(segment);
  });
}
