import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function onPath(cmd: string): string | undefined {
  const r = spawnSync(cmd, ['-version'], { stdio: 'ignore' });
  return r.status === 0 ? cmd : undefined;
}

/** ffmpeg: SEALCAST_FFMPEG, else a system ffmpeg on PATH, else the static build from @ffmpeg-installer. */
export function ffmpegPath(): string {
  return process.env.SEALCAST_FFMPEG || onPath('ffmpeg') || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

/** ffprobe, found the same way. */
export function ffprobePath(): string {
  return process.env.SEALCAST_FFPROBE || onPath('ffprobe') || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}
