import { toHex } from '../crypto/index.js';
import type { ClientStorage } from './storage.js';

/** What a client remembers of one peer's key. */
export interface PeerTrust {
  /** The fingerprint trusted for this peer (hex): first seen, or accepted by the user. */
  fingerprint: string;
  firstSeen: number;
  /** The user compared safety numbers out of band. */
  verified: boolean;
  /** A different fingerprint seen since, not yet accepted: sending to this peer is blocked. */
  pending?: string;
}

export type TrustStatus = 'new' | 'same' | 'changed';

const KEY = 'peers';

/**
 * Trust on first use of peer keys, like SSH's known_hosts and Signal's safety
 * numbers: the first key seen for a name is remembered; a later different key is
 * never adopted silently: the peer is blocked until the user accepts the change.
 */
export class TrustStore {
  private constructor(private readonly storage: ClientStorage, private readonly peers: Map<string, PeerTrust>) {}

  static async load(storage: ClientStorage): Promise<TrustStore> {
    const raw = await storage.get(KEY);
    const map = new Map<string, PeerTrust>();
    if (raw) {
      try {
        for (const [name, t] of Object.entries(JSON.parse(raw) as Record<string, PeerTrust>)) {
          if (t && typeof t.fingerprint === 'string') map.set(name, t);
        }
      } catch {
        // A damaged state file must not silently trust everything: start empty but keep the file for inspection.
        await storage.set(`${KEY}.damaged-${Date.now()}`, raw);
      }
    }
    return new TrustStore(storage, map);
  }

  /** Records a sighting of `name` with `fingerprint`; says whether it is new, the same, or changed. */
  observe(name: string, fingerprint: Uint8Array, now = Date.now()): { status: TrustStatus; previous?: string } {
    const fp = toHex(fingerprint);
    const t = this.peers.get(name);
    if (!t) {
      this.peers.set(name, { fingerprint: fp, firstSeen: now, verified: false });
      void this.save();
      return { status: 'new' };
    }
    if (t.fingerprint === fp) {
      if (t.pending) {
        // The old key is back: the change did not stick.
        delete t.pending;
        void this.save();
      }
      return { status: 'same' };
    }
    if (t.pending !== fp) {
      t.pending = fp;
      void this.save();
    }
    return { status: 'changed', previous: t.fingerprint };
  }

  get(name: string): PeerTrust | undefined {
    return this.peers.get(name);
  }

  /** True while a changed key waits for the user's acceptance. */
  isBlocked(name: string): boolean {
    return this.peers.get(name)?.pending !== undefined;
  }

  /** The user accepts the new key: it becomes the trusted one (not verified until compared again). */
  accept(name: string): boolean {
    const t = this.peers.get(name);
    if (!t?.pending) return false;
    t.fingerprint = t.pending;
    delete t.pending;
    t.verified = false;
    void this.save();
    return true;
  }

  markVerified(name: string, verified = true): boolean {
    const t = this.peers.get(name);
    if (!t || t.pending) return false;
    t.verified = verified;
    void this.save();
    return true;
  }

  private saving: Promise<void> = Promise.resolve();

  /** Writes the store; writes are serialised so the last state always wins. */
  save(): Promise<void> {
    this.saving = this.saving.then(() => this.storage.set(KEY, JSON.stringify(Object.fromEntries(this.peers))));
    return this.saving;
  }
}
