import { toHex, type Identity } from '../crypto/index.js';
import { ClientError, errorMessage } from './client-error.js';

/** An identity a key rotation replaced, and when. */
export interface RetiredIdentity {
  identity: Identity;
  /** When it was replaced (ms since the epoch). */
  retiredAt: number;
}

/**
 * Where a client keeps its retired identities across restarts: private keys, so kept as
 * carefully as the current identity (the CLI: a 0600 file beside it; browsers: IndexedDB,
 * as non-extractable keys). `save` replaces the whole list.
 */
export interface RetiredIdentityStore {
  load(): Promise<RetiredIdentity[]>;
  save(list: RetiredIdentity[]): Promise<void>;
}

/**
 * How long a retired identity is kept (ms): mail sealed to it may wait on the server for 30
 * days, and the replay window refuses anything older than 31 anyway.
 */
export const RETIRED_KEEP_MS = 31 * 24 * 3600 * 1000;
/** The most retired identities kept, newest first. */
export const MAX_RETIRED = 16;

const fingerprint = (i: Identity) => toHex(i.bundle.fingerprint);

/**
 * Our identities: the current one, which signs logins and messages, and the ones it
 * replaced, kept (on disk, through a RetiredIdentityStore) so that messages sealed to an
 * old key before a rotation still open, also after a restart.
 */
export class IdentityRing {
  private current_: Identity;
  private retired_: RetiredIdentity[];
  private loaded = false;

  constructor(current: Identity, retired: Identity[] = [], private readonly store?: RetiredIdentityStore) {
    this.current_ = current;
    this.retired_ = retired.map((identity) => ({ identity, retiredAt: Date.now() }));
  }

  get current(): Identity {
    return this.current_;
  }

  /** Every identity a delivery may be sealed to, the current one first. */
  all(): Identity[] {
    return [this.current_, ...this.retired_.map((r) => r.identity)];
  }

  /** Adds what the store keeps (once); a store that cannot be read is STATE_DAMAGED. */
  async load(now = Date.now()): Promise<void> {
    if (this.loaded || !this.store) return;
    let stored: RetiredIdentity[];
    try {
      stored = await this.store.load();
    } catch (e) {
      throw new ClientError('STATE_DAMAGED', `the retired identities cannot be read: ${errorMessage(e)}`);
    }
    this.retired_ = this.bounded([...this.retired_, ...stored], this.current_, now);
    this.loaded = true;
  }

  /**
   * Replaces the current identity with `next` once the server agreed. Call prepareRotation(next)
   * first: it makes the current identity durable as a retired one.
   */
  rotate(next: Identity, now = Date.now()): void {
    this.retired_ = this.bounded([{ identity: this.current_, retiredAt: now }, ...this.retired_], next, now);
    this.current_ = next;
  }

  /**
   * Before a rotation is sent: the store keeps the current identity as retired, so that no
   * crash between the server's agreement and our next write can lose the key that mail on
   * its way is sealed to. STORAGE_FAILED when it cannot (nothing was sent then).
   */
  async prepareRotation(next: Identity, now = Date.now()): Promise<void> {
    if (!this.store) return;
    try {
      await this.store.save(this.bounded([{ identity: this.current_, retiredAt: now }, ...this.retired_], next, now));
    } catch (e) {
      throw new ClientError('STORAGE_FAILED', `the current key could not be kept for messages still sealed to it, so it was not replaced: ${errorMessage(e)}`);
    }
  }

  /** Newest first, one per key, not `current`, none past RETIRED_KEEP_MS, at most MAX_RETIRED. */
  private bounded(list: RetiredIdentity[], current: Identity, now: number): RetiredIdentity[] {
    const seen = new Set([fingerprint(current)]);
    const out: RetiredIdentity[] = [];
    for (const r of [...list].sort((a, b) => b.retiredAt - a.retiredAt)) {
      const fp = fingerprint(r.identity);
      if (seen.has(fp) || r.retiredAt < now - RETIRED_KEEP_MS) continue;
      seen.add(fp);
      out.push(r);
      if (out.length === MAX_RETIRED) break;
    }
    return out;
  }
}
