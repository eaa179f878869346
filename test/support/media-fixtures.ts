import { execFileSync } from 'node:child_process';
import { ffmpegPath, ffprobePath } from '../../src/media/ffmpeg-path.js';

/** Makes a test clip with ffmpeg's lavfi sources (test pattern, optional tone); 30 frames/s unless `rate` says (fewer frames transcode faster). */
export function makeClip(file: string, opts: { width: number; height: number; seconds: number; audio?: boolean; rate?: number }): void {
  const args = ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=${opts.width}x${opts.height}:rate=${opts.rate ?? 30}`];
  if (opts.audio !== false) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(opts.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p');
  if (opts.audio !== false) args.push('-c:a', 'aac', '-shortest');
  args.push(file);
  execFileSync(ffmpegPath(), args);
}

/** A clip whose top half is pure red and bottom half pure blue: easy to recognise once drawn. */
export function makeBandsClip(file: string, opts: { width: number; height: number; seconds: number }): void {
  const { width: w, height: h } = opts;
  execFileSync(ffmpegPath(), [
    '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', `color=c=red:size=${w}x${h}:rate=25`,
    '-vf', `drawbox=x=0:y=${h / 2}:w=${w}:h=${h / 2}:color=blue:t=fill`,
    '-t', String(opts.seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', file,
  ]);
}

/** Presentation times (s) of the keyframes of a file's first video stream. */
export function keyframeTimes(file: string): number[] {
  const out = execFileSync(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-skip_frame', 'nokey', '-show_entries', 'frame=pts_time', '-of', 'csv=p=0', file], { encoding: 'utf8' });
  return out.split('\n').filter(Boolean).map(Number);
}

/** Height of every decoded video frame, in order. */
export function frameHeights(file: string): number[] {
  const out = execFileSync(ffprobePath(), ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'frame=height', '-of', 'csv=p=0', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  // Lines are "HEIGHT" (some builds add a trailing separator or side-data lines): keep the numbers.
  return out.split('\n').map((l) => parseInt(l, 10)).filter((n) => Number.isFinite(n));
}

/** Errors ffmpeg reports while decoding a whole file ('' when clean). */
export function decodeErrors(file: string): string {
  try {
    return execFileSync(ffmpegPath(), ['-v', 'error', '-i', file, '-f', 'null', '-'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return String((e as { stderr?: string }).stderr ?? e);
  }
}

export function durationSeconds(file: string): number {
  return Number(execFileSync(ffprobePath(), ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', file], { encoding: 'utf8' }).trim());
}
