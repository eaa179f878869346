import { ReplayWindow } from '../crypto/index.js';
import { ClientError, errorMessage } from './client-error.js';
import type { ClientStorage } from './storage.js';
import { TrustStore } from './trust-store.js';

const REPLAY_KEY = 'replay';
/** How long a change to the replay window may wait before it is written (ms). */
const SAVE_DELAY_MS = 200;

/**
 * What the client keeps between runs in its ClientStorage: the peer keys it trusts
 * (TrustStore) and the replay window. Loaded once, before the first login; damaged state
 * fails with STATE_DAMAGED rather than starting empty (which would re-trust every key and
 * reopen every replay). Replay-window writes are deferred and batched; a failed background
 * write is reported through `onError`, never lost silently.
 */
export class SavedState {
  trust: TrustStore | undefined;
  replay: ReplayWindow | undefined;
  private saveTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly storage: ClientStorage, private readonly onError: (failure: { code: string; message: string }) => void) {}

  /** Loads what is not loaded yet. */
  async load(): Promise<void> {
    if (!this.trust) {
      try {
        this.trust = await TrustStore.load(this.storage);
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', errorMessage(e));
      }
    }
    if (!this.replay) {
      const raw = await this.storage.get(REPLAY_KEY);
      try {
        this.replay = raw ? ReplayWindow.fromJSON(JSON.parse(raw)) : new ReplayWindow();
      } catch {
        throw new ClientError('STATE_DAMAGED', 'the stored replay window is damaged (not JSON)');
      }
    }
  }

  /** The replay window changed: write it soon (one write for a burst of messages). */
  replayChanged(): void {
    if (this.saveTimer) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.flush().catch((e: unknown) => this.onError({ code: 'STORAGE_FAILED', message: errorMessage(e) }));
    }, SAVE_DELAY_MS);
  }

  /** Writes the replay window and the peer keys now. */
  async flush(): Promise<void> {
    if (this.saveTimer) {
      clearTimeout(this.saveTimer);
      this.saveTimer = undefined;
    }
    if (this.replay) await this.storage.set(REPLAY_KEY, JSON.stringify(this.replay.toJSON()));
    if (this.trust) await this.trust.save();
  }
}
