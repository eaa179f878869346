import { execFile } from 'node:child_process';
import { MediaError } from './media-error.js';

/** What ingest needs to know of a source file. */
export interface ProbeResult {
  durationMs: number;
  width: number;
  height: number;
  hasAudio: boolean;
  frameRate: number;
}

/** Runs ffprobe on a file; a file with no video stream or that ffprobe cannot read is PROBE_FAILED. */
export function probe(ffprobe: string, file: string): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    execFile(ffprobe, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], { maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) return reject(new MediaError('PROBE_FAILED', `not a readable media file: ${firstLine(stderr) || err.message}`));
      try {
        const info = JSON.parse(stdout) as {
          streams?: { codec_type?: string; width?: number; height?: number; r_frame_rate?: string; duration?: string }[];
          format?: { duration?: string };
        };
        const video = info.streams?.find((s) => s.codec_type === 'video' && (s.width ?? 0) > 0);
        if (!video) return reject(new MediaError('PROBE_FAILED', 'no video stream'));
        const duration = Number(info.format?.duration ?? video.duration);
        if (!(duration > 0)) return reject(new MediaError('PROBE_FAILED', 'unknown duration'));
        const [num, den] = (video.r_frame_rate ?? '30/1').split('/').map(Number);
        resolve({
          durationMs: Math.round(duration * 1000),
          width: video.width!,
          height: video.height!,
          hasAudio: !!info.streams?.some((s) => s.codec_type === 'audio'),
          frameRate: num && den ? num / den : 30,
        });
      } catch {
        reject(new MediaError('PROBE_FAILED', 'ffprobe output not understood'));
      }
    });
  });
}

function firstLine(s: string): string {
  return s.split('\n').find((l) => l.trim())?.trim() ?? '';
}
