// Replay protection on the recipient: each (sender key, message id) is accepted once,
// and only within an age window (stored messages may legitimately be weeks old).
import { toHex } from './bytes.js';
import { CryptoError } from './crypto-error.js';

export interface ReplayWindowOptions {
  /** Oldest acceptable message; default 31 days (the mailbox keeps 30). */
  maxAgeMs?: number;
  /** Allowed clock skew into the future; default 5 minutes. */
  maxFutureSkewMs?: number;
  /** Ids remembered before the oldest are forgotten (and their age becomes the floor). */
  maxEntries?: number;
}

export class ReplayWindow {
  private readonly seen = new Map<string, number>();
  private floor = 0;
  private readonly maxAgeMs: number;
  private readonly maxFutureSkewMs: number;
  private readonly maxEntries: number;

  constructor(opts: ReplayWindowOptions = {}) {
    this.maxAgeMs = opts.maxAgeMs ?? 31 * 24 * 3600 * 1000;
    this.maxFutureSkewMs = opts.maxFutureSkewMs ?? 5 * 60 * 1000;
    this.maxEntries = opts.maxEntries ?? 100_000;
  }

  /** Accepts (and remembers) a message, or throws REPLAY saying why. */
  check(senderFp: Uint8Array, id: Uint8Array, ts: number, now = Date.now()): void {
    if (ts > now + this.maxFutureSkewMs) throw new CryptoError('REPLAY', 'message timestamp is in the future');
    if (ts < now - this.maxAgeMs) throw new CryptoError('REPLAY', 'message is older than the replay window');
    if (ts <= this.floor) throw new CryptoError('REPLAY', 'message is older than the remembered window');
    const key = toHex(senderFp) + toHex(id);
    if (this.seen.has(key)) throw new CryptoError('REPLAY', 'message id already seen from this sender');
    this.seen.set(key, ts);
    this.prune(now);
  }

  /** True when the message was already accepted (for duplicate suppression without throwing). */
  has(senderFp: Uint8Array, id: Uint8Array): boolean {
    return this.seen.has(toHex(senderFp) + toHex(id));
  }

  private prune(now: number): void {
    const cutoff = now - this.maxAgeMs;
    if (this.seen.size <= this.maxEntries) {
      if (this.seen.size % 1024 === 0) for (const [k, ts] of this.seen) if (ts < cutoff) this.seen.delete(k);
      return;
    }
    const sorted = [...this.seen.entries()].sort((a, b) => a[1] - b[1]);
    const drop = sorted.slice(0, sorted.length - Math.floor(this.maxEntries * 0.9));
    for (const [k, ts] of drop) {
      this.seen.delete(k);
      this.floor = Math.max(this.floor, ts);
    }
  }

  toJSON(): unknown {
    return { v: 1, maxAgeMs: this.maxAgeMs, maxFutureSkewMs: this.maxFutureSkewMs, maxEntries: this.maxEntries, floor: this.floor, seen: [...this.seen] };
  }

  static fromJSON(v: unknown): ReplayWindow {
    const o = v as { v?: number; maxAgeMs?: number; maxFutureSkewMs?: number; maxEntries?: number; floor?: number; seen?: [string, number][] };
    if (!o || o.v !== 1 || !Array.isArray(o.seen)) return new ReplayWindow();
    const w = new ReplayWindow({ maxAgeMs: o.maxAgeMs, maxFutureSkewMs: o.maxFutureSkewMs, maxEntries: o.maxEntries });
    w.floor = typeof o.floor === 'number' ? o.floor : 0;
    for (const [k, ts] of o.seen) if (typeof k === 'string' && typeof ts === 'number') w.seen.set(k, ts);
    return w;
  }
}
