import { guarded, stderrSink, type TimerErrorSink } from './timer-guard.js';
import { encodeServerFrame, type RosterUpdate_Event } from '../protocol/index.js';
import type { PeerInfoInit } from './peer-info.js';

export interface RosterChange {
  event: RosterUpdate_Event;
  peer: PeerInfoInit;
}

/** Whoever gets roster changes: a logged-in connection. */
export interface RosterRecipient {
  sendEncoded(bytes: Uint8Array, mode?: 'spread'): boolean;
}

// One frame stays far below the clients' 2 MiB frame limit even with RSA bundles (about 1 KiB each).
const MAX_CHANGES_PER_FRAME = 500;

/**
 * How long changes are collected before they go out. Sending every change to every client
 * costs N frames per login, N² for N logins; batching makes it N frames per window. The window
 * grows with the clients online (1 ms per 10 of them: 20 ms up to 200 clients, 1 s from 10,000),
 * so a login storm costs at most about 10,000 roster frames a second while a small server still
 * feels instant.
 */
export function rosterBatchDelayMs(online: number, minMs: number): number {
  return Math.min(1000, Math.max(minMs, Math.ceil(online / 10)));
}

/**
 * Collects roster changes (joined, left, key changed) and sends them, in order, as one
 * RosterUpdates frame encoded once for every client online at send time, the changed
 * clients included (a client ignores news about itself).
 */
export class RosterBroadcast {
  private pending: RosterChange[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly recipients: () => Iterable<RosterRecipient>,
    private readonly delayMs: () => number,
    private readonly onTimerError: TimerErrorSink = stderrSink,
  ) {}

  add(change: RosterChange): void {
    this.pending.push(change);
    this.timer ??= setTimeout(guarded(this.onTimerError, () => this.flush()), this.delayMs());
  }

  /** Sends what is pending now: before a message is routed, so news of its sender comes first. */
  flush(): void {
    this.cancelTimer();
    if (this.pending.length === 0) return;
    const changes = this.pending;
    this.pending = [];
    const frames: Uint8Array[] = [];
    for (let i = 0; i < changes.length; i += MAX_CHANGES_PER_FRAME) {
      const updates = changes.slice(i, i + MAX_CHANGES_PER_FRAME);
      frames.push(encodeServerFrame({ body: { case: 'rosterUpdates', value: { updates } } }));
    }
    for (const recipient of this.recipients()) {
      for (const frame of frames) if (!recipient.sendEncoded(frame, 'spread')) break;
    }
  }

  /** Shutdown: nothing more goes out. */
  stop(): void {
    this.cancelTimer();
    this.pending = [];
  }

  private cancelTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.pending.length;
  }
}
