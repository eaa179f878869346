import { readFileSync } from 'node:fs';

/** Descriptors kept back from connections: the database and its WAL, log, video files, ffmpeg pipes. */
const RESERVED_FDS = 128;

/** The process's soft limit on open files (Linux /proc; Node has raised it to the hard limit), or undefined. */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(read());
    if (!m) return undefined;
    return m[1] === 'unlimited' ? undefined : Number(m[1]);
  } catch {
    return undefined; // not Linux: the caller falls back to a fixed cap
  }
}

/**
 * The global connection cap when none is configured: below the descriptor limit, so that a flood of
 * connections makes the server refuse new ones (cheaply, at accept) instead of failing with EMFILE in
 * the database, the log or a video read. 4096 when the limit cannot be read.
 */
export function defaultMaxConnections(): number {
  return connectionCapFor(openFileLimit());
}

export function connectionCapFor(limit: number | undefined): number {
  if (limit === undefined) return 4096;
  return Math.max(16, Math.floor(limit * 0.9) - RESERVED_FDS);
}
