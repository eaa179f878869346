import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Rung } from './ladder.js';
import { MediaError } from './media-error.js';
import { ffmpegSeconds } from './segment-layout.js';

export interface TranscodeInput {
  file: string;
  hasAudio: boolean;
}

export interface TranscodeJob {
  inputs: TranscodeInput[];
  /** Each rung and the input it is encoded from (several rungs share one decoded input through `split`). */
  rungs: { rung: Rung; input: number }[];
  outDir: string;
  durationMs: number;
  frameRate: number;
  /** This title's segment length (segment-layout.ts): keyframes and cuts at its every multiple. */
  segmentSeconds: number;
  onProgress?: (percent: number, speed: number | undefined) => void;
  signal?: AbortSignal;
}

/** Directory of one rung's segments and playlist. */
export function rungDir(outDir: string, height: number): string {
  return join(outDir, String(height));
}

/**
 * The ffmpeg arguments for a ladder: every input decoded once and `split` across its
 * rungs; H.264 with keyframes forced on every segment boundary (same expression on
 * every rung, scene-cut keyframes off) so any rung switch lands on a keyframe; one
 * HLS output of MPEG-TS segments per rung, so segments of different rungs concatenate.
 */
export function ladderArgs(job: TranscodeJob): string[] {
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', '-progress', 'pipe:1', '-nostats'];
  for (const input of job.inputs) args.push('-i', input.file);
  const filters: string[] = [];
  job.inputs.forEach((_, k) => {
    const mine = job.rungs.map((r, i) => ({ ...r, i })).filter((r) => r.input === k);
    if (mine.length === 0) return;
    const labels = mine.map((r) => `[s${r.i}]`).join('');
    filters.push(`[${k}:v]split=${mine.length}${labels}`);
    for (const r of mine) filters.push(`[s${r.i}]scale=${r.rung.width}:${r.rung.height},format=yuv420p[o${r.i}]`);
  });
  args.push('-filter_complex', filters.join(';'));
  // Keyframes come only from the forced ones (a segment of fractional length may run a frame over the GOP).
  const gop = Math.max(1, Math.ceil(job.frameRate * job.segmentSeconds) + 1);
  const seconds = ffmpegSeconds(job.segmentSeconds);
  job.rungs.forEach(({ rung, input }, i) => {
    const dir = rungDir(job.outDir, rung.height);
    args.push('-map', `[o${i}]`);
    if (job.inputs[input]!.hasAudio) args.push('-map', `${input}:a:0`);
    args.push(
      '-c:v', 'libx264', '-preset', 'veryfast', '-profile:v', rung.profile, '-level', rung.level,
      '-b:v', String(rung.videoBitrate), '-maxrate', String(Math.round(rung.videoBitrate * 1.07)), '-bufsize', String(rung.videoBitrate * 2),
      '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
      '-force_key_frames', `expr:gte(t,n_forced*${seconds})`,
    );
    if (job.inputs[input]!.hasAudio) args.push('-c:a', 'aac', '-b:a', String(rung.audioBitrate), '-ac', '2', '-ar', '48000');
    args.push(
      '-f', 'hls', '-hls_time', seconds, '-hls_playlist_type', 'event', '-hls_list_size', '0',
      '-hls_segment_type', 'mpegts', '-hls_flags', 'independent_segments',
      '-hls_segment_filename', join(dir, 'seg_%05d.ts'), join(dir, 'index.m3u8'),
    );
  });
  return args;
}

/** Runs one ladder transcode; resolves when ffmpeg exits cleanly, rejects with TRANSCODE_FAILED otherwise. */
export function runTranscode(ffmpeg: string, job: TranscodeJob): Promise<void> {
  for (const { rung } of job.rungs) mkdirSync(rungDir(job.outDir, rung.height), { recursive: true });
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, ladderArgs(job), { stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = () => child.kill('SIGKILL');
    job.signal?.addEventListener('abort', onAbort, { once: true });
    let errText = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      errText = (errText + d).slice(-4000);
    });
    let partial = '';
    let speed: number | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        const [key, value] = line.split('=');
        if (key === 'speed') speed = parseFloat(value ?? '') || undefined;
        // ffmpeg names the microsecond field out_time_ms in older builds and out_time_us in newer ones.
        if ((key === 'out_time_us' || key === 'out_time_ms') && value && /^\d+$/.test(value)) {
          const percent = Math.min(100, (Number(value) / 1000 / job.durationMs) * 100);
          job.onProgress?.(percent, speed);
        }
      }
    });
    child.once('error', (e) => reject(new MediaError('TRANSCODE_FAILED', `cannot run ffmpeg: ${e.message}`)));
    child.once('close', (code, signal) => {
      job.signal?.removeEventListener('abort', onAbort);
      if (code === 0) {
        job.onProgress?.(100, speed);
        resolve();
      } else {
        const reason = signal ? `stopped (${signal})` : errText.trim().split('\n').pop() || `ffmpeg exited with ${code}`;
        reject(new MediaError('TRANSCODE_FAILED', reason));
      }
    });
  });
}
