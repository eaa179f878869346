import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Absolute path of a command on PATH (or in /usr/sbin, where Debian puts nginx), or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin']) {
    if (!dir) continue;
    const r = spawnSync('test', ['-x', `${dir}/${cmd}`]);
    if (r.status === 0) return `${dir}/${cmd}`;
  }
  return undefined;
}

/** True when an npm package can be loaded from here (dev dependencies may be absent). */
export function hasPackage(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

/** How to get a missing tool, for the message printed when a comparison is skipped. */
export const INSTALL_HINT: Record<string, string> = {
  nginx: 'apt-get install nginx',
  wrk: 'apt-get install wrk',
  ffmpeg: 'apt-get install ffmpeg',
  'socket.io': 'npm install (socket.io is a dev dependency)',
  'socket.io-client': 'npm install (socket.io-client is a dev dependency)',
  autocannon: 'npm install (autocannon is a dev dependency)',
};

/** The message for a comparison skipped because `tool` is missing. */
export function missing(tool: string): string {
  return `${tool} is not installed (${INSTALL_HINT[tool] ?? 'install it'}); this comparison was skipped`;
}
