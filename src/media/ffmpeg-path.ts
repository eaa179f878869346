import { accessSync, constants, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * `cmd` when an executable of that name is on PATH. Looked up in the directories rather than by
 * running `cmd -version`: two process spawns at every server start cost a second on a busy machine.
 */
function onPath(cmd: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const file = join(dir, cmd);
    try {
      accessSync(file, constants.X_OK);
      if (statSync(file).isFile()) return cmd;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** ffmpeg: SEALCAST_FFMPEG, else a system ffmpeg on PATH, else the static build from @ffmpeg-installer. */
export function ffmpegPath(): string {
  return process.env.SEALCAST_FFMPEG || onPath('ffmpeg') || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}

/** ffprobe, found the same way (a static ffprobe that crashes is worked around in probe.ts). */
export function ffprobePath(): string {
  return process.env.SEALCAST_FFPROBE || onPath('ffprobe') || (require('@ffprobe-installer/ffprobe') as { path: string }).path;
}
