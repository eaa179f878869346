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
  addedAt?: bigint;
  positionMs?: number;
  watched?: boolean;
}

/** "ready", "transcoding 42%", "queued", "failed: reason". */
export function titleState(t: ListedTitle): string {
  if (t.state === 'transcoding') return `transcoding ${t.progress}%`;
  if (t.state === 'failed') return `failed: ${terminalSafe(t.error || 'unknown error')}`;
  return t.state;
}

/** "watched", "at 1:05", or '' for a title this user has not started. */
export function watchState(t: ListedTitle): string {
  if (t.watched) return 'watched';
  if (t.positionMs) return `at ${formatTime(t.positionMs)}`;
  return '';
}

/** One line of `sealcast videos` and connect's /videos: name, duration, state, rungs (height@Mbit/s), where you are. */
export function titleRow(t: ListedTitle): string {
  const rungs = t.renditions.map((r) => `${r.height}p@${(r.bandwidth / 1e6).toFixed(1)}M`).join(' ');
  const watch = watchState(t);
  return `${terminalSafe(t.name).padEnd(24)} ${formatTime(t.durationMs).padStart(6)}  ${titleState(t).padEnd(16)} ${rungs}${watch ? `  (${watch})` : ''}`.trimEnd();
}
