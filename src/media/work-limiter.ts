/**
 * Runs at most `concurrency` tasks at once, the rest in arrival order: a library of a thousand
 * new files is probed a few ffprobe processes at a time, not a thousand at once.
 */
export class WorkLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly concurrency: number) {
    if (!(concurrency >= 1)) throw new Error('concurrency must be at least 1');
  }

  /** Tasks started or waiting now. */
  get size(): number {
    return this.running + this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
