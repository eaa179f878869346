import { Worker } from 'node:worker_threads';
import type { SqliteDatabase } from './database.js';

/** What SQLite reported for one checkpoint: WAL frames, and how many of them are in the database file. */
export interface CheckpointReport {
  log: number;
  checkpointed: number;
}

export interface WalCheckpointerOptions {
  intervalMs?: number;
  onCheckpoint?: (r: CheckpointReport) => void;
  /** The worker failed: SQLite's own checkpoints (on the server's thread) are back on. */
  onFallback?: (reason: string) => void;
}

/** SQLite's default: checkpoint once the WAL holds this many pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/**
 * Moves WAL checkpoints off the event loop. By default SQLite checkpoints inside whichever
 * commit pushes the WAL past 1,000 pages, and a checkpoint fsyncs the WAL and the database:
 * 15-20 ms on this machine's disk, during which no client was served (bench relay showed a
 * one-message commit taking 20 ms every few hundred commits). Here the server's connection never
 * checkpoints; a worker thread with its own connection does it every `intervalMs`. Durability is
 * unchanged: commits are as safe as before, only the copy into the database file moves. If the
 * worker fails, the server's connection checkpoints again as SQLite does by default.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private stopped = false;
  private readonly exited: Promise<void>;

  constructor(
    private readonly db: SqliteDatabase,
    path: string,
    private readonly opts: WalCheckpointerOptions = {},
  ) {
    db.pragma('wal_autocheckpoint = 0');
    // A WAL that grew under a burst is cut back once it has been copied, not kept at its peak.
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    this.worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), {
      workerData: { path, intervalMs: opts.intervalMs ?? 500 },
    });
    this.worker.unref();
    this.worker.on('message', (m: { type: string; message?: string } & CheckpointReport) => {
      if (m.type === 'checkpointed') this.opts.onCheckpoint?.({ log: m.log, checkpointed: m.checkpointed });
      else if (m.type === 'error') this.fallBack(m.message ?? 'checkpoint failed');
    });
    this.worker.on('error', (e: unknown) => this.fallBack(e instanceof Error ? e.message : 'checkpoint worker failed'));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    void this.exited.then(() => this.fallBack('checkpoint worker exited'));
  }

  /** Stops the worker; the server's connection then checkpoints (and on close, empties the WAL) itself. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.worker.postMessage({ type: 'stop' });
      this.restoreAutocheckpoint();
    }
    // Unreferenced so it never holds a process open, but a caller waiting here is waiting on it.
    this.worker.ref();
    await this.exited;
  }

  private fallBack(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.restoreAutocheckpoint();
    this.opts.onFallback?.(reason);
    void this.worker.terminate();
  }

  private restoreAutocheckpoint(): void {
    if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }
}
