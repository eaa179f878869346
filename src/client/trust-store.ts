import { fromBase64, toBase64, toHex } from '../crypto/index.js';
import { canonicalName, isValidName, LIMITS } from '../protocol/index.js';
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
/** The longest base64 text a bundle of LIMITS.maxBundleBytes takes. */
const MAX_BUNDLE_BASE64 = Math.ceil(LIMITS.maxBundleBytes / 3) * 4;

/**
 * Trust on first use of peer keys, like SSH's known_hosts and Signal's safety
 * numbers. The first key seen for a name is remembered. A later different key is
 * never adopted silently: the OLD key stays the trusted one and the peer is marked
 * changed (blocked for sending) until the user accepts the new key with `accept`.
 * State survives restarts through ClientStorage (key "peers"), written by whoever owns
 * the store (SavedState batches the writes): a roster of 1,000 new names is one write,
 * not 1,000.
 */
export class TrustStore {
  private saving: Promise<void> = Promise.resolve();
  private dirty_ = false;

  private constructor(
    private readonly storage: ClientStorage,
    private readonly peers: Map<string, PeerTrust>,
    private readonly onChange: () => void,
  ) {}

  /** True when there are changes not yet handed to save(). */
  get dirty(): boolean {
    return this.dirty_;
  }

  private changed(): void {
    this.dirty_ = true;
    this.onChange();
  }

  /**
   * Loads the store. Damage fails loudly rather than being skipped or starting empty:
   * a dropped record would make the next key the server announces for that peer look
   * like a first sighting and be trusted silently. `onChange` is told of every change
   * so that the owner can write the store (batched); the store never writes by itself.
   */
  static async load(storage: ClientStorage, onChange: () => void = () => undefined): Promise<TrustStore> {
    const raw = await storage.get(KEY);
    const map = new Map<string, PeerTrust>();
    if (raw !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(raw);
      } catch {
        throw new Error('the stored peer keys are damaged (not JSON); refusing to start with an empty trust store');
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('the stored peer keys are damaged (not an object of peers)');
      let n = 0;
      for (const [name, t] of Object.entries(parsed as Record<string, unknown>)) {
        n++;
        map.set(name, parseRecord(name, t, n));
      }
    }
    return new TrustStore(storage, map, onChange);
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
      this.changed();
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
      if (dirty) this.changed();
      return { status: 'same' };
    }
    if (t.pending !== fp) {
      t.pending = fp;
      this.changed();
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
    this.changed();
    return true;
  }

  /** Marks the trusted key as compared out of band; refused while a change is pending. */
  markVerified(name: string, verified = true): boolean {
    const t = this.peers.get(name);
    if (!t || t.pending !== undefined) return false;
    t.verified = verified;
    this.changed();
    return true;
  }

  /**
   * Writes the store as it is now; writes are serialised so the last state always wins.
   * A failed write rejects and leaves the store dirty, so the next save tries again.
   */
  save(): Promise<void> {
    const snapshot = JSON.stringify(Object.fromEntries(this.peers));
    this.dirty_ = false;
    const write = this.saving.catch(() => undefined).then(() => this.storage.set(KEY, snapshot));
    this.saving = write;
    return write.catch((e: unknown) => {
      this.dirty_ = true;
      throw e;
    });
  }
}

const HEX_FINGERPRINT = /^[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** One stored record, checked field by field; anything off throws, naming the record. */
function parseRecord(name: string, t: unknown, n: number): PeerTrust {
  const which = isValidName(name) ? `the record of "${name}"` : `record ${n} (its name is not a valid peer name)`;
  const damaged = (what: string) => new Error(`the stored peer keys are damaged: ${which} ${what}; refusing to start, since a key announced for this peer next would be trusted as new`);
  if (!isValidName(name) || canonicalName(name) !== name) throw damaged('is stored under an invalid name');
  if (!t || typeof t !== 'object' || Array.isArray(t)) throw damaged('is not an object');
  const r = t as Record<string, unknown>;
  if (typeof r.fingerprint !== 'string' || !HEX_FINGERPRINT.test(r.fingerprint)) throw damaged('has no valid fingerprint (64 hex digits)');
  if (r.bundle !== undefined && (typeof r.bundle !== 'string' || !BASE64.test(r.bundle) || r.bundle.length > MAX_BUNDLE_BASE64)) {
    throw damaged('has a damaged bundle');
  }
  if (typeof r.firstSeen !== 'number' || !Number.isFinite(r.firstSeen)) throw damaged('has no valid firstSeen time');
  if (typeof r.verified !== 'boolean') throw damaged('has no valid verified flag');
  if (r.pending !== undefined && (typeof r.pending !== 'string' || !HEX_FINGERPRINT.test(r.pending))) throw damaged('has a damaged pending fingerprint');
  return {
    fingerprint: r.fingerprint,
    ...(r.bundle !== undefined ? { bundle: r.bundle as string } : {}),
    firstSeen: r.firstSeen,
    verified: r.verified,
    ...(r.pending !== undefined ? { pending: r.pending as string } : {}),
  };
}
