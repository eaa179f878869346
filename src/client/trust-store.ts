import { fromBase64, toBase64, toHex } from '../crypto/index.js';
import type { ClientStorage } from './storage.js';

/** What a client remembers of one peer's key. */
export interface PeerTrust {
  /** The fingerprint trusted for this peer (hex): first seen, or accepted by the user. */
  fingerprint: string;
  /**
   * The trusted bundle itself (base64), so messages the peer sealed with this key
   * still open after the server starts announcing a different, unaccepted key.
   */
  bundle?: string;
  /** When the trusted key was first seen or accepted (ms). */
  firstSeen: number;
  /** The user compared safety numbers out of band. */
  verified: boolean;
  /** A different fingerprint (hex) seen since and not yet accepted: sending to this peer is refused. */
  pending?: string;
}

/** The result of one sighting of a peer's key. */
export type TrustStatus = 'new' | 'same' | 'changed';

/** The part of a public bundle the trust store needs (a PublicBundle fits). */
export interface KeySighting {
  fingerprint: Uint8Array;
  bytes?: Uint8Array;
}

const KEY = 'peers';

/**
 * Trust on first use of peer keys, like SSH's known_hosts and Signal's safety
 * numbers. The first key seen for a name is remembered. A later different key is
 * never adopted silently: the OLD key stays the trusted one and the peer is marked
 * changed (blocked for sending) until the user accepts the new key with `accept`.
 * State survives restarts through ClientStorage (key "peers").
 */
export class TrustStore {
  private saving: Promise<void> = Promise.resolve();

  private constructor(private readonly storage: ClientStorage, private readonly peers: Map<string, PeerTrust>) {}

  /**
   * Loads the store. A damaged record fails loudly rather than starting empty:
   * starting empty would silently re-trust whatever keys the server hands out next.
   */
  static async load(storage: ClientStorage): Promise<TrustStore> {
    const raw = await storage.get(KEY);
    const map = new Map<string, PeerTrust>();
    if (raw !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new Error('the stored peer keys are damaged (not JSON); refusing to start with an empty trust store');
      }
      if (!parsed || typeof parsed !== 'object') throw new Error('the stored peer keys are damaged');
      for (const [name, t] of Object.entries(parsed as Record<string, PeerTrust>)) {
        if (t && typeof t.fingerprint === 'string' && /^[0-9a-f]{64}$/.test(t.fingerprint)) {
          map.set(name, {
            fingerprint: t.fingerprint,
            bundle: typeof t.bundle === 'string' ? t.bundle : undefined,
            firstSeen: typeof t.firstSeen === 'number' ? t.firstSeen : 0,
            verified: t.verified === true,
            pending: typeof t.pending === 'string' ? t.pending : undefined,
          });
        }
      }
    }
    return new TrustStore(storage, map);
  }

  /**
   * Records a sighting of `name` with a key: `new` (first sight, now trusted),
   * `same` (the trusted key), or `changed` (another key: the peer is blocked until
   * `accept`; `previous` is the trusted fingerprint, hex).
   */
  observe(name: string, key: KeySighting | Uint8Array, now = Date.now()): { status: TrustStatus; previous?: string } {
    const sighting: KeySighting = key instanceof Uint8Array ? { fingerprint: key } : key;
    const fp = toHex(sighting.fingerprint);
    const t = this.peers.get(name);
    if (!t) {
      this.peers.set(name, { fingerprint: fp, bundle: sighting.bytes ? toBase64(sighting.bytes) : undefined, firstSeen: now, verified: false });
      void this.save();
      return { status: 'new' };
    }
    if (t.fingerprint === fp) {
      let dirty = false;
      if (t.pending !== undefined) {
        // The trusted key is back (e.g. an operator reset was undone): nothing to accept any more.
        delete t.pending;
        dirty = true;
      }
      if (!t.bundle && sighting.bytes) {
        t.bundle = toBase64(sighting.bytes);
        dirty = true;
      }
      if (dirty) void this.save();
      return { status: 'same' };
    }
    if (t.pending !== fp) {
      t.pending = fp;
      void this.save();
    }
    return { status: 'changed', previous: t.fingerprint };
  }

  /** The record for `name`, if the peer was ever seen. */
  get(name: string): PeerTrust | undefined {
    return this.peers.get(name);
  }

  /** Every remembered peer. */
  names(): string[] {
    return [...this.peers.keys()];
  }

  /** The trusted fingerprint (hex) of `name`, if any. */
  trustedFingerprint(name: string): string | undefined {
    return this.peers.get(name)?.fingerprint;
  }

  /** The trusted bundle's bytes, when remembered. */
  trustedBundle(name: string): Uint8Array | undefined {
    const b = this.peers.get(name)?.bundle;
    return b ? fromBase64(b) : undefined;
  }

  /** True while a changed key waits for the user's acceptance. */
  isBlocked(name: string): boolean {
    return this.peers.get(name)?.pending !== undefined;
  }

  /**
   * The user accepts the new key: it becomes the trusted one (not verified until
   * safety numbers are compared again). `bundle` is the new key's bytes, if at hand.
   */
  accept(name: string, bundle?: Uint8Array, now = Date.now()): boolean {
    const t = this.peers.get(name);
    if (!t?.pending) return false;
    t.fingerprint = t.pending;
    t.bundle = bundle ? toBase64(bundle) : undefined;
    t.firstSeen = now;
    delete t.pending;
    t.verified = false;
    void this.save();
    return true;
  }

  /** Marks the trusted key as compared out of band; refused while a change is pending. */
  markVerified(name: string, verified = true): boolean {
    const t = this.peers.get(name);
    if (!t || t.pending !== undefined) return false;
    t.verified = verified;
    void this.save();
    return true;
  }

  /** Writes the store; writes are serialised so the last state always wins. */
  save(): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(this.peers));
    this.saving = this.saving.catch(() => undefined).then(() => this.storage.set(KEY, snapshot));
    return this.saving;
  }
}
