import { spawn } from 'node:child_process';
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { MediaError } from './media-error.js';

/** Length and size of the sample: short, and just tall enough for a three-rung ladder (240p, 360p, 480p). */
export const SAMPLE = { seconds: 10, width: 854, height: 480, frameRate: 24 } as const;

/**
 * Writes `sample.mp4` (a test pattern with a tone) into an empty library, so a fresh install has
 * something to play. Cheap on purpose: a short clip at the size the ladder needs, encoded with x264's
 * fastest preset at high quality (it is transcoded into the ladder afterwards like any video).
 * Written under a hidden name (scans skip dotfiles) and renamed when whole, so a server killed
 * mid-way leaves no broken title behind.
 */
export function generateSample(ffmpeg: string, videosDir: string, signal?: AbortSignal): Promise<string> {
  const out = join(videosDir, 'sample.mp4');
  const partial = join(videosDir, '.sample.partial.mp4');
  const { seconds, width, height, frameRate } = SAMPLE;
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg, [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${frameRate}`,
      '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '96k', '-shortest', '-f', 'mp4', partial,
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-2000)));
    const onAbort = () => child.kill('SIGKILL');
    signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => reject(new MediaError('TRANSCODE_FAILED', `cannot run ffmpeg to make the sample: ${e.message}`)));
    child.once('close', (code, sig) => {
      signal?.removeEventListener('abort', onAbort);
      if (code !== 0) {
        rmSync(partial, { force: true });
        return reject(new MediaError('TRANSCODE_FAILED', `making the sample failed: ${sig ? `stopped (${sig})` : err.trim().split('\n').pop() || `ffmpeg exited with ${code}`}`));
      }
      renameSync(partial, out);
      resolve(out);
    });
  });
}
