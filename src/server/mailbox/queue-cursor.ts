import type { QueuedItem } from '../../store/index.js';
import type { ClientConnection } from '../client-connection.js';
import type { DeviceMailbox } from './device-mailbox.js';
import type { QueueFrames } from './queue-frames.js';

/** An item out on this session and not acknowledged yet. */
export interface InFlight {
  seq: number;
  bytes: number;
  /** The sender's id in hex (v1 acks name it). */
  idHex: string;
}

export interface QueueWindow {
  /** Bytes of items out and not acknowledged, at most (one item always goes, however large). */
  bytes: number;
  /** Items out and not acknowledged, at most. */
  items: number;
}

/** What an acknowledgement removed: the caller tells senders their message was delivered. */
export interface AckedItem {
  seq: number;
  sender: string;
  id: Uint8Array;
  kind: number;
  conversation: Uint8Array | undefined;
  /** The message was not written yet: its sender learns of this ack with Accepted (Settled.ackedBy). */
  inSettle: boolean;
  /** The device's rejection code; empty when it opened the item. */
  rejected: string;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * A device's queue as one receiving session delivers it: in order, in windows bounded by bytes and
 * items, each item acknowledged by its sequence number. The session is sent at most one window of
 * unacknowledged items; acknowledgements open the window and the next page follows, so a backlog
 * of any size reaches a device that keeps acknowledging, and memory per session stays bounded.
 * Acks name only what this session was sent (a stale or forged number acknowledges nothing).
 *
 * New items go out at once when the session has caught up and the window has room; otherwise
 * they wait in the mailbox and are read in order as the window opens.
 */
export class QueueCursor {
  private sentUpTo = 0;
  private readonly inFlight: InFlight[] = [];
  private inFlightBytes = 0;
  /** Items may wait in the mailbox beyond sentUpTo: read before sending anything new. */
  private behind = true;

  constructor(
    private readonly conn: ClientConnection,
    private readonly mailbox: DeviceMailbox,
    private readonly frames: QueueFrames,
    private readonly window: QueueWindow,
  ) {}

  private get session() {
    return this.conn.session!;
  }

  /** Items out and not acknowledged, for tests and metrics. */
  get outstanding(): { items: number; bytes: number } {
    return { items: this.inFlight.length, bytes: this.inFlightBytes };
  }

  /** Starts delivery: the first window of what is stored. */
  start(): void {
    this.pull();
  }

  /** A new item of this device's queue; true when it went out now. */
  offer(item: QueuedItem): boolean {
    if (this.conn.closed || item.seq <= this.sentUpTo) return false;
    if (this.behind || !this.hasRoom(item.bytes)) {
      this.behind = true;
      return false;
    }
    return this.send([item]);
  }

  /** Cumulative acknowledgement (v2): everything sent with seq <= upTo; `rejected` names those rejected for good. */
  ackUpTo(upTo: number, rejected: ReadonlyMap<number, string> = new Map()): AckedItem[] {
    let n = 0;
    while (n < this.inFlight.length && this.inFlight[n]!.seq <= upTo) n++;
    return this.settle(this.inFlight.splice(0, n), (seq) => rejected.get(seq) ?? '');
  }

  /** v1 acknowledgement by the sender's id: the oldest item out with that id. */
  ackId(id: Uint8Array, rejected = ''): AckedItem[] {
    const h = hex(id);
    const at = this.inFlight.findIndex((e) => e.idHex === h);
    if (at < 0) return [];
    return this.settle(this.inFlight.splice(at, 1), () => rejected);
  }

  private settle(done: InFlight[], codeOf: (seq: number) => string): AckedItem[] {
    const acked: AckedItem[] = [];
    for (const e of done) {
      this.inFlightBytes -= e.bytes;
      const rejected = codeOf(e.seq);
      const r = this.mailbox.ack(this.session.device.id, e.seq, rejected);
      if (r) acked.push({ seq: e.seq, sender: r.sender, id: r.id, kind: r.kind, conversation: r.conversation, inSettle: r.inSettle, rejected });
    }
    if (done.length > 0) this.pull();
    return acked;
  }

  private hasRoom(bytes: number): boolean {
    if (this.inFlight.length === 0) return true;
    return this.inFlight.length < this.window.items && this.inFlightBytes + bytes <= this.window.bytes;
  }

  /** Reads and sends what waits, while the window has room. */
  private pull(): void {
    while (this.behind && !this.conn.closed) {
      const roomItems = this.window.items - this.inFlight.length;
      const roomBytes = this.window.bytes - this.inFlightBytes;
      if (roomItems <= 0 || (this.inFlight.length > 0 && roomBytes <= 0)) return;
      const { items, more } = this.mailbox.page(this.session.device.id, this.sentUpTo, Math.max(1, roomBytes), roomItems);
      // A page's first item may overrun the room when nothing is out (an item larger than the window).
      const fits = items.filter((it, i) => i === 0 ? this.hasRoom(it.bytes) : true);
      if (fits.length > 0 && !this.send(fits)) return;
      if (!more && fits.length === items.length) {
        this.behind = false;
        return;
      }
      if (fits.length === 0) return;
    }
  }

  private send(items: QueuedItem[]): boolean {
    const s = this.session;
    let ok = true;
    if (s.protocol === 1) {
      for (const it of items) {
        const frame = this.frames.v1Deliver(it);
        // Only envelopes reach a v1 device; anything else is acknowledged for it at once.
        if (frame) ok = this.conn.sendEncoded(frame, 'turn');
        if (!ok) break;
        this.track(it, frame !== undefined);
      }
    } else {
      ok = this.conn.sendEncoded(this.frames.v2Items(items, s.account), 'turn');
      if (ok) for (const it of items) this.track(it, true);
    }
    return ok;
  }

  private track(it: QueuedItem, sent: boolean): void {
    this.sentUpTo = it.seq;
    if (!sent) {
      this.mailbox.ack(this.session.device.id, it.seq);
      return;
    }
    this.inFlight.push({ seq: it.seq, bytes: it.bytes, idHex: hex(it.id) });
    this.inFlightBytes += it.bytes;
  }
}
