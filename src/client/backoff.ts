/** Reconnect delays: exponential growth with full jitter, capped. */
export interface BackoffOptions {
  /** Delay ceiling of the first retry (ms); default 250. */
  baseMs?: number;
  /** Largest delay (ms); default 10,000. */
  maxMs?: number;
}

/**
 * The delay before reconnect attempt `attempt` (1-based): uniformly random in
 * [0, min(max, base·2^(attempt-1))] ("full jitter"), so that the clients of a
 * restarted server spread out instead of arriving together.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const base = opts.baseMs ?? 250;
  const max = opts.maxMs ?? 10_000;
  const ceiling = Math.min(max, base * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.floor(random() * ceiling);
}
