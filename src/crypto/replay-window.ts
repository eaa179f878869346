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
  /**
   * Ids remembered in all; default 100,000. Past it the largest senders' windows are cut
   * to a common share (their oldest ids forgotten, their own floor raised): one sender's
   * flood cannot make another sender's messages look like replays.
   */
  maxEntries?: number;
  /**
   * Senders with a window of their own; default 10,000. Past it the least recently
   * active sender's window is folded into the floor for senders without one.
   */
  maxSenders?: number;
  /**
   * Ids a sender may have remembered with a timestamp still in the future (within the
   * skew); default 1,000. Such ids cannot be forgotten yet (see ReplayWindow), so without
   * this quota one sender's future-dated flood could fill the whole window.
   */
  maxAheadPerSender?: number;
}

const DAY = 24 * 3600 * 1000;
const DEFAULTS = { maxAgeMs: 31 * DAY, maxFutureSkewMs: 5 * 60 * 1000, maxEntries: 100_000, maxSenders: 10_000, maxAheadPerSender: 1_000 };
/** Expired entries are swept every this many insertions. */
const SWEEP_EVERY = 1024;
/** How many of the least recently active senders one eviction looks at. */
const EVICTION_CANDIDATES = 64;
const HEX_FP = /^[0-9a-f]{64}$/;
const HEX_ID = /^[0-9a-f]{32}$/;

/** One sender's remembered ids and its floor. */
interface SenderWindow {
  /** Message id (hex) → its timestamp. */
  seen: Map<string, number>;
  /**
   * Messages at or below this timestamp are refused: ids this old were forgotten. Only
   * ever raised to timestamps that were in the past when forgotten, so it is never later
   * than now, whatever timestamps senders choose.
   */
  floor: number;
  /** Timestamps of ids that were in the future when accepted (pruned as time passes). */
  ahead: number[];
}

function positiveInt(v: unknown, what: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) throw new CryptoError('BAD_INPUT', `${what}: expected a positive integer`);
  return v;
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new CryptoError('BAD_INPUT', `${what}: expected a number`);
  return v;
}

/**
 * Remembers which (sender fingerprint, message id) pairs were accepted, in one window per
 * sender. Bounded in ids (maxEntries) and senders (maxSenders); forgetting never reopens a
 * replay, because a window that forgets raises its own floor to what it forgot. Ids with
 * a timestamp still in the future (within the allowed skew) are never forgotten, so no
 * floor ever passes the present; each sender may hold maxAheadPerSender of them, so one
 * sender with a clock ahead (or a flood dated ahead) cannot fill the window for the others.
 * Persist with toJSON/fromJSON.
 */
export class ReplayWindow {
  /** Per sender (fingerprint hex), least recently active first. */
  private readonly senders = new Map<string, SenderWindow>();
  /** The floor for senders without a window (raised when a window is evicted). */
  private othersFloor = -1;
  private total = 0;
  private insertions = 0;
  private readonly maxAgeMs: number;
  private readonly maxFutureSkewMs: number;
  private readonly maxEntries: number;
  private readonly maxSenders: number;
  private readonly maxAheadPerSender: number;

  constructor(opts: ReplayWindowOptions = {}) {
    if (!opts || typeof opts !== 'object') throw new CryptoError('BAD_INPUT', 'opts: expected an object');
    this.maxAgeMs = positiveInt(opts.maxAgeMs, 'maxAgeMs', DEFAULTS.maxAgeMs);
    this.maxFutureSkewMs = positiveInt(opts.maxFutureSkewMs, 'maxFutureSkewMs', DEFAULTS.maxFutureSkewMs);
    this.maxEntries = positiveInt(opts.maxEntries, 'maxEntries', DEFAULTS.maxEntries);
    this.maxSenders = positiveInt(opts.maxSenders, 'maxSenders', DEFAULTS.maxSenders);
    this.maxAheadPerSender = positiveInt(opts.maxAheadPerSender, 'maxAheadPerSender', DEFAULTS.maxAheadPerSender);
  }

  /** Ids remembered in all. */
  get size(): number {
    return this.total;
  }

  /** Senders with a window of their own. */
  get senderCount(): number {
    return this.senders.size;
  }

  /** The floor that applies to `senderFp` now (for tests and diagnostics). */
  floorFor(senderFp: Uint8Array): number {
    return this.senders.get(toHex(expectBytes(senderFp, 32, 'senderFp')))?.floor ?? this.othersFloor;
  }

  /** Accepts (and remembers) a message, or throws REPLAY saying why. */
  check(senderFp: Uint8Array, id: Uint8Array, ts: number, now: number = Date.now()): void {
    const fp = toHex(expectBytes(senderFp, 32, 'senderFp'));
    const key = toHex(expectBytes(id, 16, 'id'));
    finite(ts, 'ts');
    finite(now, 'now');
    let w = this.senders.get(fp);
    if (w?.seen.has(key)) throw new CryptoError('REPLAY', 'message id already seen from this sender');
    if (ts > now + this.maxFutureSkewMs) throw new CryptoError('REPLAY', 'message timestamp is too far in the future');
    if (ts < now - this.maxAgeMs) throw new CryptoError('REPLAY', 'message is older than the replay window');
    if (ts <= (w ? w.floor : this.othersFloor)) throw new CryptoError('REPLAY', 'message is older than the remembered window for this sender');
    if (ts > now && w && w.ahead.length >= this.maxAheadPerSender) {
      w.ahead = w.ahead.filter((t) => t > now);
      if (w.ahead.length >= this.maxAheadPerSender) {
        throw new CryptoError('REPLAY', `this sender has ${w.ahead.length} messages dated in the future; its clock is ahead, try again later`);
      }
    }
    if (!this.makeRoom(now)) {
      throw new CryptoError('REPLAY', 'the replay window is full of messages dated in the future; try again in a few minutes');
    }
    if (!w) {
      if (!this.makeSenderRoom(now)) {
        throw new CryptoError('REPLAY', 'the replay window holds too many senders with messages dated in the future; try again in a few minutes');
      }
      w = { seen: new Map(), floor: this.othersFloor, ahead: [] };
    }
    w.seen.set(key, ts);
    if (ts > now) w.ahead.push(ts);
    this.total++;
    // Most recently active last: eviction takes from the front.
    this.senders.delete(fp);
    this.senders.set(fp, w);
    if (++this.insertions % SWEEP_EVERY === 0) this.sweep(now);
  }

  /** True when the message was already accepted (for duplicate suppression without throwing). */
  has(senderFp: Uint8Array, id: Uint8Array): boolean {
    return !!this.senders.get(toHex(expectBytes(senderFp, 32, 'senderFp')))?.seen.has(toHex(expectBytes(id, 16, 'id')));
  }

  /** Entries older than the age window can go: the age check refuses them anyway. */
  private sweep(now: number): void {
    const cutoff = now - this.maxAgeMs;
    for (const [fp, w] of this.senders) {
      for (const [k, ts] of w.seen) {
        if (ts < cutoff) {
          w.seen.delete(k);
          this.total--;
        }
      }
      if (w.seen.size === 0 && w.floor < cutoff) this.senders.delete(fp);
    }
  }

  /**
   * Makes room for one more id: at maxEntries, the windows above a common share are cut
   * to it (max-min fairness), so the senders that hold the most lose their oldest ids
   * first and small windows are left alone. False when no room could be made.
   */
  private makeRoom(now: number): boolean {
    if (this.total < this.maxEntries) return true;
    const target = Math.floor(this.maxEntries * 0.9);
    const sizes = [...this.senders.values()].map((w) => w.seen.size).sort((a, b) => a - b);
    let remaining = target;
    let share = Infinity;
    for (let i = 0; i < sizes.length; i++) {
      const fair = Math.floor(remaining / (sizes.length - i));
      if (sizes[i]! > fair) {
        share = fair;
        break;
      }
      remaining -= sizes[i]!;
    }
    for (const w of this.senders.values()) if (w.seen.size > share) this.forgetOldest(w, w.seen.size - share, now);
    return this.total < this.maxEntries;
  }

  /** Forgets up to `count` of a window's oldest ids that are not in the future, raising its floor. */
  private forgetOldest(w: SenderWindow, count: number, now: number): void {
    const past = [...w.seen.entries()].filter(([, ts]) => ts <= now).sort((a, b) => a[1] - b[1]);
    for (const [k, ts] of past.slice(0, count)) {
      w.seen.delete(k);
      this.total--;
      w.floor = Math.max(w.floor, ts);
    }
  }

  /** Makes room for one more sender: folds the least recently active windows with nothing in the future into othersFloor. */
  private makeSenderRoom(now: number): boolean {
    if (this.senders.size < this.maxSenders) return true;
    let looked = 0;
    for (const [fp, w] of this.senders) {
      if (++looked > EVICTION_CANDIDATES) break;
      let newest = w.floor;
      for (const ts of w.seen.values()) newest = Math.max(newest, ts);
      if (newest > now) continue;
      this.othersFloor = Math.max(this.othersFloor, newest);
      this.total -= w.seen.size;
      this.senders.delete(fp);
      return true;
    }
    return false;
  }

  /** Plain JSON for persistence (version 2): settings, floors and every sender's [id, ts] pairs. */
  toJSON(): unknown {
    return {
      v: 2, maxAgeMs: this.maxAgeMs, maxFutureSkewMs: this.maxFutureSkewMs, maxEntries: this.maxEntries, maxSenders: this.maxSenders,
      maxAheadPerSender: this.maxAheadPerSender,
      othersFloor: this.othersFloor,
      senders: [...this.senders].map(([fp, w]) => [fp, w.floor, [...w.seen]]),
    };
  }

  /**
   * Restores a window from toJSON output (version 2, or version 1 with its one window for
   * all senders, split per sender). A malformed value throws BAD_INPUT rather than silently
   * starting empty, which would let every remembered message be replayed.
   */
  static fromJSON(v: unknown, now: number = Date.now()): ReplayWindow {
    const o = v as Record<string, unknown> | null;
    if (!o || typeof o !== 'object' || (o.v !== 1 && o.v !== 2)) throw new CryptoError('BAD_INPUT', 'replay window: expected toJSON output (version 1 or 2)');
    const w = new ReplayWindow({
      maxAgeMs: o.maxAgeMs as number | undefined, maxFutureSkewMs: o.maxFutureSkewMs as number | undefined,
      maxEntries: o.maxEntries as number | undefined, maxSenders: o.maxSenders as number | undefined,
      maxAheadPerSender: o.maxAheadPerSender as number | undefined,
    });
    if (o.v === 1) w.restoreVersion1(o, now);
    else w.restoreVersion2(o);
    for (const window of w.senders.values()) for (const ts of window.seen.values()) if (ts > now) window.ahead.push(ts);
    return w;
  }

  private restoreVersion2(o: Record<string, unknown>): void {
    this.othersFloor = finite(o.othersFloor, 'replay window: othersFloor');
    if (!Array.isArray(o.senders)) throw new CryptoError('BAD_INPUT', 'replay window: senders must be a list');
    for (const s of o.senders as unknown[]) {
      if (!Array.isArray(s) || s.length !== 3 || typeof s[0] !== 'string' || !HEX_FP.test(s[0]) || !Array.isArray(s[2]) || this.senders.has(s[0])) {
        throw new CryptoError('BAD_INPUT', 'replay window: bad sender');
      }
      const window: SenderWindow = { seen: new Map(), floor: finite(s[1], 'replay window: floor'), ahead: [] };
      for (const e of s[2] as unknown[]) {
        if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !HEX_ID.test(e[0]) || typeof e[1] !== 'number' || !Number.isFinite(e[1])) {
          throw new CryptoError('BAD_INPUT', 'replay window: bad entry');
        }
        window.seen.set(e[0], e[1]);
      }
      this.senders.set(s[0], window);
      this.total += window.seen.size;
    }
  }

  /**
   * Version 1 kept one window and one floor for all senders, and that floor followed
   * sender-chosen timestamps up to the skew into the future. Each sender gets its ids
   * back with that floor, capped at `now` so that it stops refusing today's messages.
   */
  private restoreVersion1(o: Record<string, unknown>, now: number): void {
    if (!Array.isArray(o.seen)) throw new CryptoError('BAD_INPUT', 'replay window: expected toJSON output (version 1)');
    const floor = Math.min(o.floor === undefined ? -1 : finite(o.floor, 'replay window: bad floor'), now);
    this.othersFloor = floor;
    for (const e of o.seen as unknown[]) {
      if (!Array.isArray(e) || e.length !== 2 || typeof e[0] !== 'string' || !/^[0-9a-f]{96}$/.test(e[0]) || typeof e[1] !== 'number' || !Number.isFinite(e[1])) {
        throw new CryptoError('BAD_INPUT', 'replay window: bad entry');
      }
      const fp = e[0].slice(0, 64);
      let window = this.senders.get(fp);
      if (!window) this.senders.set(fp, (window = { seen: new Map(), floor, ahead: [] }));
      if (!window.seen.has(e[0].slice(64))) this.total++;
      window.seen.set(e[0].slice(64), e[1]);
    }
  }
}
