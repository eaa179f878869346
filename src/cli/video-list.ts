import { formatTime } from './media-time.js';
import { terminalSafe } from './sanitize.js';

/** A title as the server lists it (the fields the CLI shows). */
export interface ListedTitle {
  name: string;
  durationMs: number;
  state: string;
  progress: number;
  error: string;
  renditions: { height: number; width: number; bandwidth: number }[];
}

/** "ready", "transcoding 42%", "queued", "failed: reason". */
export function titleState(t: ListedTitle): string {
  if (t.state === 'transcoding') return `transcoding ${t.progress}%`;
  if (t.state === 'failed') return `failed: ${terminalSafe(t.error || 'unknown error')}`;
  return t.state;
}

/** One line of `sealcast videos` and connect's /videos: name, duration, state, rungs (height@Mbit/s). */
export function titleRow(t: ListedTitle): string {
  const rungs = t.renditions.map((r) => `${r.height}p@${(r.bandwidth / 1e6).toFixed(1)}M`).join(' ');
  return `${terminalSafe(t.name).padEnd(24)} ${formatTime(t.durationMs).padStart(6)}  ${titleState(t).padEnd(16)} ${rungs}`.trimEnd();
}
