import { errorMessage, isClientError } from './client-error.js';

/**
 * Runs async work one task at a time, in the order it was added. The client core puts
 * everything it learns from server pushes here (the Welcome roster, roster updates,
 * deliveries), so a message is never opened before the roster that preceded it on the
 * wire was learned. The queue owns its tasks' failures: each one is reported through
 * `onError` and the next task still runs, so callers may add work without awaiting it.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(private readonly onError: (failure: { code: string; message: string }) => void) {}

  /** Adds a task; the promise settles when it ran, and never rejects (failures go to onError). */
  run(task: () => Promise<void>): Promise<void> {
    const next = this.tail.then(task).catch((e: unknown) => {
      this.onError({ code: isClientError(e) ? e.code : 'INTERNAL', message: errorMessage(e) });
    });
    this.tail = next;
    return next;
  }

  /**
   * Adds a task whose result (or failure) belongs to the caller: it runs in turn like any other,
   * and its promise resolves with what the task returns or rejects with what it throws.
   */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    let settle!: { resolve: (v: T) => void; reject: (e: unknown) => void };
    const result = new Promise<T>((resolve, reject) => (settle = { resolve, reject }));
    this.tail = this.tail.then(async () => {
      try {
        settle.resolve(await task());
      } catch (e) {
        settle.reject(e);
      }
    });
    return result;
  }

  /** Resolves when the work queued so far is done, or after `capMs`, whichever is first. */
  async settle(capMs: number): Promise<void> {
    let cap: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([this.tail, new Promise<void>((r) => (cap = setTimeout(r, capMs)))]);
    clearTimeout(cap);
  }
}
