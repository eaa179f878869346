import { formatTime } from './media-time.js';
import { terminalSafe } from './sanitize.js';

/** One report from the library's ingest (the shape `createVideoFactory` and `sealcast ingest` hand over). */
export interface IngestProgress {
  name: string;
  percent: number;
  /** Transcode speed as a multiple of real time (ffmpeg's `speed=`). */
  speed?: number;
  /** The title is done: ready, or failed with `error`. */
  done?: boolean;
  error?: string;
}

/** Where progress goes: standard error, or anything with `write` (tests). */
export interface ProgressOutput {
  isTTY?: boolean;
  write(text: string): unknown;
}

/** Without a terminal: a line at least every this often, besides each quarter. */
const PLAIN_EVERY_MS = 10_000;
const BAR_WIDTH = 30;

interface TitleProgress {
  startedAt: number;
  lastLineAt: number;
  quarter: number;
}

/** "ETA 1:05" from the time spent so far and the share done; '' until there is enough to go on. */
export function eta(elapsedMs: number, percent: number): string {
  if (percent < 1 || percent >= 100 || elapsedMs < 1000) return '';
  return `ETA ${formatTime(Math.ceil(((elapsedMs * (100 - percent)) / percent) / 1000) * 1000)}`;
}

/**
 * Prints ingest progress for `sealcast serve` and `sealcast ingest` alike. On a
 * terminal: one bar per title, redrawn in place (percent, speed, ETA), replaced
 * by a result line when the title is done. Otherwise (logs, pipes): plain lines,
 * one per quarter and at least every 10 s, so a log shows it is alive without
 * flooding. A title that is done without ever transcoding was already in the cache.
 */
export function ingestProgressPrinter(out: ProgressOutput = process.stderr, now: () => number = Date.now): (p: IngestProgress) => void {
  const titles = new Map<string, TitleProgress>();
  const tty = !!out.isTTY;
  let barShown = false;
  return (p) => {
    const name = terminalSafe(p.name);
    const t = titles.get(p.name);
    if (p.done) {
      if (barShown) out.write('\r\x1b[K');
      barShown = false;
      titles.delete(p.name);
      if (p.error) out.write(`video "${name}" failed: ${terminalSafe(p.error)}\n`);
      else if (!t) out.write(`video "${name}" up to date\n`);
      else out.write(`video "${name}" ready (transcoded in ${formatTime(now() - t.startedAt)})\n`);
      return;
    }
    const at = now();
    const state = t ?? { startedAt: at, lastLineAt: 0, quarter: -1 };
    titles.set(p.name, state);
    const percent = Math.max(0, Math.min(100, p.percent));
    const details = [`${percent.toFixed(0).padStart(3)}%`, p.speed ? `${p.speed.toFixed(1)}x` : '', eta(at - state.startedAt, percent)].filter(Boolean).join('  ');
    if (tty) {
      const filled = Math.round((percent / 100) * BAR_WIDTH);
      out.write(`\r\x1b[Ktranscoding ${name} [${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${details}`);
      barShown = true;
      return;
    }
    const quarter = Math.floor(percent / 25);
    if (quarter > state.quarter || at - state.lastLineAt >= PLAIN_EVERY_MS) {
      state.quarter = Math.max(state.quarter, quarter);
      state.lastLineAt = at;
      out.write(`transcoding ${name}: ${details.trim()}\n`);
    }
  };
}
