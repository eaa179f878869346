import type { BenchOutput } from './result.js';

/** What the runner hands a benchmark. */
export interface BenchContext {
  quick: boolean;
  /** A temporary directory, removed after the benchmark. */
  tmp: string;
  /** Progress line on stderr. */
  log(message: string): void;
}

/** A benchmark: a name for the command line, the goal it is judged by, and its run. */
export interface Benchmark {
  name: string;
  title: string;
  goal: string;
  run(ctx: BenchContext): Promise<BenchOutput>;
}

/** An integer setting from the environment (SEALCAST_BENCH_*), else the default for the mode. */
export function setting(name: string, full: number, quick: number, ctx: { quick: boolean }): number {
  const raw = process.env[`SEALCAST_BENCH_${name}`];
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`SEALCAST_BENCH_${name} must be a positive number, got "${raw}"`);
    return n;
  }
  return ctx.quick ? quick : full;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
