import { ReplayWindow } from '../crypto/index.js';
import { ClientError, errorMessage } from './client-error.js';
import type { ClientStorage } from './storage.js';
import { TrustStore } from './trust-store.js';

const REPLAY_KEY = 'replay';
/** How long a change may wait before it is written (ms): a burst of changes is one write. */
export const SAVE_DELAY_MS = 200;

/**
 * What the client keeps between runs in its ClientStorage: the peer keys it trusts
 * (TrustStore) and the replay window. Loaded once, before the first login; damaged state
 * fails with STATE_DAMAGED rather than starting empty (which would re-trust every key and
 * reopen every replay). Changes are written in batches: SAVE_DELAY_MS after the first one,
 * or when a batch() (a Welcome's roster) ends, so 1,000 new peers are one write, not 1,000
 * fsyncs; and at close.
 * A failed background write is reported through `onError` (STORAGE_FAILED) and tried again
 * with the next change or at close; it never becomes an unhandled rejection.
 */
export class SavedState {
  trust: TrustStore | undefined;
  replay: ReplayWindow | undefined;
  private replayDirty = false;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** batch() calls running: writes wait for them. */
  private batches = 0;
  private writeWhenDone = false;

  constructor(private readonly storage: ClientStorage, private readonly onError: (failure: { code: string; message: string }) => void) {}

  /** Loads what is not loaded yet. */
  async load(): Promise<void> {
    if (!this.trust) {
      try {
        this.trust = await TrustStore.load(this.storage, () => this.schedule());
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', errorMessage(e));
      }
    }
    if (!this.replay) {
      const raw = await this.storage.get(REPLAY_KEY);
      try {
        this.replay = raw ? ReplayWindow.fromJSON(JSON.parse(raw)) : new ReplayWindow();
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', `the stored replay window is damaged: ${errorMessage(e)}`);
      }
    }
  }

  /** The replay window changed: write it soon. */
  replayChanged(): void {
    this.replayDirty = true;
    this.schedule();
  }

  /**
   * Runs `work` (say, learning a Welcome's whole roster) with writes held back, so that
   * everything it changes goes out in one write after it, however long it takes.
   */
  async batch<T>(work: () => Promise<T>): Promise<T> {
    this.batches++;
    try {
      return await work();
    } finally {
      this.batches--;
      if (this.batches === 0 && this.writeWhenDone) {
        this.writeWhenDone = false;
        this.schedule();
      }
    }
  }

  private schedule(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      if (this.batches > 0) {
        this.writeWhenDone = true;
        return;
      }
      this.flush().catch((e: unknown) => this.onError({ code: 'STORAGE_FAILED', message: errorMessage(e) }));
    }, SAVE_DELAY_MS);
  }

  /**
   * Writes what changed now. A failed write rejects with STORAGE_FAILED; what failed stays
   * marked to be written.
   */
  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    try {
      if (this.replay && this.replayDirty) {
        this.replayDirty = false;
        try {
          await this.storage.set(REPLAY_KEY, JSON.stringify(this.replay.toJSON()));
        } catch (e) {
          this.replayDirty = true;
          throw e;
        }
      }
      if (this.trust?.dirty) await this.trust.save();
    } catch (e) {
      throw new ClientError('STORAGE_FAILED', `the client state (peer keys, replay window) could not be saved: ${errorMessage(e)}`);
    }
  }
}
