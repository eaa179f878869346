import { watch, type FSWatcher } from 'node:fs';

export interface LibraryWatcherOptions {
  dir: string;
  /** Runs a rescan; its failures are the caller's to report. */
  rescan: () => void;
  /** Changes within this window are taken together (a copy writes a file in many steps). */
  debounceMs?: number;
  /** The longest a rescan waits while events keep coming (a file copied slowly must not hide the others). */
  maxWaitMs?: number;
  /** A full rescan at least this often, for filesystems that send no events (network shares). */
  intervalMs?: number;
  onWatchError?: (e: Error) => void;
}

/**
 * Notices new, changed and removed files in the library directory while the server runs:
 * inotify (fs.watch) for prompt changes, debounced, plus a periodic rescan as a safety net
 * where the filesystem reports nothing.
 */
export class LibraryWatcher {
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** When the first event of the burst the pending rescan waits on came. */
  private burstStart = 0;
  private readonly interval: ReturnType<typeof setInterval>;

  constructor(private readonly o: LibraryWatcherOptions) {
    try {
      this.watcher = watch(o.dir, { persistent: false }, () => this.soon());
      this.watcher.on('error', (e) => {
        o.onWatchError?.(e);
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch (e) {
      o.onWatchError?.(e as Error);
    }
    this.interval = setInterval(() => o.rescan(), o.intervalMs ?? 30_000);
    this.interval.unref();
  }

  /** Whether file events arrive (false: only the periodic rescan notices changes). */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  /**
   * A rescan after the debounce window, restarted by every event in it but never pushed back more
   * than `maxWaitMs` after the burst's first event: a download growing for an hour sends events all
   * along, and without the cap no other new file would be noticed before the 30 s safety rescan.
   */
  soon(delayMs = this.o.debounceMs ?? 250): void {
    const now = Date.now();
    if (this.timer === undefined) this.burstStart = now;
    const at = Math.min(now + delayMs, this.burstStart + Math.max(delayMs, this.o.maxWaitMs ?? 1000));
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.o.rescan();
    }, Math.max(0, at - now));
    this.timer.unref();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    clearInterval(this.interval);
    this.watcher?.close();
    this.watcher = undefined;
  }
}
