// Replay protection on the recipient: each (sender key, message id) is accepted once, and
// only within an age window (stored messages may legitimately be weeks old). Call check()
// after openEnvelope succeeded, so only authenticated ids are remembered.
import { expectBytes, toHex } from './bytes.js';
import { CryptoError } from './crypto-error.js';

/** Tunables of a ReplayWindow. */
export interface ReplayWindowOptions {
  /** Oldest acceptable message; default 31 days (the server's mailbox keeps 30). */
  maxAgeMs?: number;
  /** Allowed clock skew into the future; default 5 minutes. */
  maxFutureSkewMs?: number;
  /** Ids remembered; beyond it the oldest are forgotten and their timestamp becomes the floor. Default 100,000. */
  maxEntries?: number;
}

const DAY = 24 * 3600 * 1000;
const DEFAULTS = { maxAgeMs: 31 * DAY, maxFutureSkewMs: 5 * 60 * 1000, maxEntries: 100_000 };
/** Expired entries are swept every this many insertions. */
const SWEEP_EVERY = 1024;

function positiveInt(v: unknown, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new CryptoError('BAD_INPUT', `${what}: expected a positive integer`);
  return v;
}

/**
 * Remembers which (sender fingerprint, message id) pairs were accepted. Bounded: past
 * maxEntries it forgets the oldest and refuses anything at or below the newest forgotten
 * timestamp (the floor), so forgetting never reopens a replay. Persist with toJSON/fromJSON.
 */
export class ReplayWindow {
  private readonly seen = new Map<string, number>();
  private floor = -1;
  private insertions = 0;
  private readonly maxAgeMs: number;
  private readonly maxFutureSkewMs: number;
  private readonly maxEntries: number;

  constructor(opts: ReplayWindowOptions = {}) {
    if (!opts || typeof opts !== 'object') throw new CryptoError('BAD_INPUT', 'opts: expected an object');
    this.maxAgeMs = positiveInt(opts.maxAgeMs, 'maxAgeMs', DEFAULTS.maxAgeMs);
    this.maxFutureSkewMs = positiveInt(opts.maxFutureSkewMs, 'maxFutureSkewMs', DEFAULTS.maxFutureSkewMs);
    this.maxEntries = positiveInt(opts.maxEntries, 'maxEntries', DEFAULTS.maxEntries);
  }

  private static key(senderFp: Uint8Array, id: Uint8Array): string {
    return toHex(expectBytes(senderFp, 32, 'senderFp')) + toHex(expectBytes(id, 16, 'id'));
  }

  /** Accepts (and remembers) a message, or throws REPLAY saying why. */
  check(senderFp: Uint8Array, id: Uint8Array, ts: number, now: number = Date.now()): void {
    const key = ReplayWindow.key(senderFp, id);
    if (typeof ts !== 'number' || !Number.isFinite(ts)) throw new CryptoError('BAD_INPUT', 'ts: expected a number');
    if (typeof now !== 'number' || !Number.isFinite(now)) throw new CryptoError('BAD_INPUT', 'now: expected a number');
    if (this.seen.has(key)) throw new CryptoError('REPLAY', 'message id already seen from this sender');
    if (ts > now + this.maxFutureSkewMs) throw new CryptoError('REPLAY', 'message timestamp is too far in the future');
    if (ts < now - this.maxAgeMs) throw new CryptoError('REPLAY', 'message is older than the replay window');
    if (ts <= this.floor) throw new CryptoError('REPLAY', 'message is older than the remembered window');
    this.seen.set(key, ts);
    this.prune(now);
  }

  /** True when the message was already accepted (for duplicate suppression without throwing). */
  has(senderFp: Uint8Array, id: Uint8Array): boolean {
    return this.seen.has(ReplayWindow.key(senderFp, id));
  }

  private prune(now: number): void {
    if (++this.insertions % SWEEP_EVERY === 0) {
      // Entries older than the age window can go: the age check refuses them anyway.
      const cutoff = now - this.maxAgeMs;
      for (const [k, ts] of this.seen) if (ts < cutoff) this.seen.delete(k);
    }
    if (this.seen.size <= this.maxEntries) return;
    const sorted = [...this.seen.entries()].sort((a, b) => a[1] - b[1]);
    const drop = sorted.slice(0, sorted.length - Math.floor(this.maxEntries * 0.9));
    for (const [k, ts] of drop) {
      this.seen.delete(k);
      this.floor = Math.max(this.floor, ts);
    }
  }

  /** Plain JSON for persistence (version 1): settings, floor and the remembered [key, ts] pairs. */
  toJSON(): unknown {
    return {
      v: 1, maxAgeMs: this.maxAgeMs, maxFutureSkewMs: this.maxFutureSkewMs, maxEntries: this.maxEntries,
      floor: this.floor, seen: [...this.seen],
    };
  }

  /**
   * Restores a window from toJSON output. A malformed value throws BAD_INPUT rather than
   * silently starting empty, which would let every remembered message be replayed.
   */
  static fromJSON(v: unknown): ReplayWindow {
    const o = v as { v?: unknown; maxAgeMs?: number; maxFutureSkewMs?: number; maxEntries?: number; floor?: unknown; seen?: unknown };
    if (!o || typeof o !== 'object' || o.v !== 1 || !Array.isArray(o.seen)) {
      throw new CryptoError('BAD_INPUT', 'replay window: expected toJSON output (version 1)');
    }
    const w = new ReplayWindow({ maxAgeMs: o.maxAgeMs, maxFutureSkewMs: o.maxFutureSkewMs, maxEntries: o.maxEntries });
    if (o.floor !== undefined) {
      if (typeof o.floor !== 'number' || !Number.isFinite(o.floor)) throw new CryptoError('BAD_INPUT', 'replay window: bad floor');
      w.floor = o.floor;
    }
    for (const e of o.seen) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !/^[0-9a-f]{96}$/.test(e[0]) || typeof e[1] !== 'number') {
        throw new CryptoError('BAD_INPUT', 'replay window: bad entry');
      }
      w.seen.set(e[0], e[1]);
    }
    return w;
  }
}
