import { guarded, stderrSink, type TimerErrorSink } from '../timer-guard.js';
import type { DeviceQueueStore, QueueKind, QueueMessageInput, QueuedItem } from '../../store/index.js';

/**
 * Told when a message is safe (stored for every device that has not acknowledged it), or that
 * writing it failed (the sender is told; it was not accepted).
 */
export type Settled =
  | { ok: true; /** Devices that acknowledged before it was written (never stored). */ ackedBy: AckReceipt[] }
  | { ok: false; error: Error };

/** One device's acknowledgement: `rejected` is empty when it opened the message, else its rejection code. */
export interface AckReceipt {
  /** The device, hex id. */
  device: string;
  rejected: string;
}

/** A message to store for some devices; the mailbox gives each copy its sequence number. */
export type MailboxInput = Omit<QueueMessageInput, 'deliveries'> & { devices: readonly Uint8Array[] };

interface Pending {
  input: QueueMessageInput;
  key: string;
  /** Devices (hex) that have not acknowledged yet, with their copy's seq. */
  waiting: Map<string, number>;
  ackedBy: AckReceipt[];
  onSettled: ((s: Settled) => void)[];
  /** The same message as queue items, one per device (for delivery before the write). */
  items: Map<string, QueuedItem>;
}

export interface DeviceMailboxOptions {
  /** How long a message waits for its acks before it is written (ms); 0 writes on the next turn. */
  delayMs: number;
  /** Messages, and payload bytes, waiting at most; more are written at once, so memory stays bounded. */
  maxPending: number;
  maxPendingBytes: number;
  /** A write failed (disk full, I/O error): its senders are told, this logs it. */
  onWriteError?: (e: Error) => void;
  /** A sender's callback (or a flush run from a timer or microtask) failed past the store: logged, never thrown. */
  onTimerError?: TimerErrorSink;
}

/** Sequence numbers reserved per round trip to the database. */
const SEQ_BLOCK = 10_000;

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/**
 * The per-device queues (DESIGN.md §8 Mailbox): every copy gets a sequence number at once
 * (strictly increasing, never reused: blocks are reserved durably), so it can be delivered and
 * acknowledged before it is written. Group commit with ack elision as in v1: after `delayMs`
 * every waiting message is written in one transaction without the copies already acknowledged (a
 * message every device acknowledged is never written), and only then is its sender told it was
 * accepted. A crash before the write loses nothing a sender was told is safe.
 *
 * Stored items always have smaller numbers than waiting ones (a write takes everything waiting),
 * so a device's queue reads as: the store's page, then what waits in memory.
 */
export class DeviceMailbox {
  private readonly queue = new Map<string, Pending>();
  /** Waiting copies per device, in seq order. */
  private readonly byDevice = new Map<string, { seq: number; p: Pending }[]>();
  private acks: number[] = [];
  private ackedSeqs = new Set<number>();
  private bytes: Map<string, number>;
  private senderBytes: Map<string, number>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private soon = false;
  private queuedBytes = 0;
  private nextSeq = 0;
  private seqLimit = 0;

  constructor(
    private readonly store: DeviceQueueStore,
    private readonly opts: DeviceMailboxOptions,
  ) {
    this.bytes = store.bytesByDevice();
    this.senderBytes = store.bytesBySender();
  }

  /** Messages and acks waiting to be written. */
  get queued(): number {
    return this.queue.size + this.acks.length;
  }

  private seq(): number {
    if (this.nextSeq >= this.seqLimit) {
      this.nextSeq = this.store.reserveSeqs(SEQ_BLOCK);
      this.seqLimit = this.nextSeq + SEQ_BLOCK;
    }
    return this.nextSeq++;
  }

  /**
   * Queues a message; `onSettled` runs once it is safe. A duplicate of a held message (a resend)
   * is not stored again: `onSettled` runs when the first copy is safe, and `items` is empty.
   * Returns the new queue items per device, to deliver to the devices online now.
   */
  submit(input: MailboxInput, onSettled: (s: Settled) => void): { duplicate: boolean; items: { deviceHex: string; item: QueuedItem }[] } {
    const key = `${input.sender}\u0000${hex(input.id)}`;
    const queued = this.queue.get(key);
    if (queued) {
      queued.onSettled.push(onSettled);
      return { duplicate: true, items: [] };
    }
    if (this.ackedSeqs.size > 0) this.flush();
    if (this.store.has(input.sender, input.id)) {
      onSettled({ ok: true, ackedBy: [] });
      return { duplicate: true, items: [] };
    }
    const deliveries = input.devices.map((device) => ({ device, seq: this.seq() }));
    const { devices: _devices, ...rest } = input;
    const full: QueueMessageInput = { ...rest, deliveries };
    const p: Pending = { input: full, key, waiting: new Map(), ackedBy: [], onSettled: [onSettled], items: new Map() };
    const size = input.payload.byteLength;
    const items: { deviceHex: string; item: QueuedItem }[] = [];
    for (const d of deliveries) {
      const h = hex(d.device);
      const item: QueuedItem = {
        seq: d.seq, mid: 0, sender: input.sender, senderDevice: input.senderDevice, id: input.id, kind: input.kind,
        toAll: input.toAll, conversation: input.conversation, meta: input.meta, payload: input.payload, storedAt: input.now,
        expiresAt: input.now + input.ttlMs, bytes: size,
      };
      p.waiting.set(h, d.seq);
      p.items.set(h, item);
      items.push({ deviceHex: h, item });
      const list = this.byDevice.get(h);
      if (list) list.push({ seq: d.seq, p });
      else this.byDevice.set(h, [{ seq: d.seq, p }]);
      this.addBytes(h, input.sender, size);
    }
    this.queue.set(key, p);
    this.queuedBytes += size;
    if (this.queue.size >= this.opts.maxPending || this.queuedBytes >= this.opts.maxPendingBytes) this.flushSoon();
    else this.schedule();
    return { duplicate: false, items };
  }

  /**
   * A device acknowledged its copy `seq` (`rejected`: its rejection code, empty when it opened it);
   * returns the sender and id when the device held it.
   * `inSettle`: the message is still waiting to be written and its sender has not been told
   * Accepted yet; it learns of this ack through `ackedBy` when it is.
   */
  ack(device: Uint8Array, seq: number, rejected = ''): { sender: string; id: Uint8Array; kind: QueueKind; conversation: Uint8Array | undefined; inSettle: boolean } | undefined {
    const h = hex(device);
    const list = this.byDevice.get(h);
    const at = list?.findIndex((e) => e.seq === seq) ?? -1;
    if (list && at >= 0) {
      const { p } = list[at]!;
      list.splice(at, 1);
      if (list.length === 0) this.byDevice.delete(h);
      p.waiting.delete(h);
      p.items.delete(h);
      p.ackedBy.push({ device: h, rejected });
      this.addBytes(h, p.input.sender, -p.input.payload.byteLength);
      if (p.waiting.size === 0) this.settle(p, { ok: true, ackedBy: p.ackedBy });
      return { sender: p.input.sender, id: p.input.id, kind: p.input.kind, conversation: p.input.conversation, inSettle: true };
    }
    if (this.ackedSeqs.has(seq)) return undefined;
    const stored = this.store.findSeq(device, seq);
    if (!stored) return undefined;
    this.acks.push(seq);
    this.ackedSeqs.add(seq);
    this.addBytes(h, stored.sender, -stored.bytes);
    this.schedule();
    return { sender: stored.sender, id: stored.id, kind: stored.kind, conversation: stored.conversation, inSettle: false };
  }

  /**
   * The device's queue after `afterSeq`, oldest first, about `maxBytes` at most (at least one
   * item when there is one) and `maxItems`: the stored page, then the copies waiting in memory.
   * `more`: there is more after the page.
   */
  page(device: Uint8Array, afterSeq: number, maxBytes: number, maxItems: number): { items: QueuedItem[]; more: boolean } {
    const h = hex(device);
    const stored = this.bytes.has(h) ? this.storedPage(device, afterSeq, maxBytes, maxItems) : { items: [], more: false };
    if (stored.more) return stored;
    const items = stored.items;
    let bytes = items.reduce((n, i) => n + i.bytes, 0);
    const after = items.length > 0 ? items[items.length - 1]!.seq : afterSeq;
    const waiting = this.byDevice.get(h) ?? [];
    for (const e of waiting) {
      if (e.seq <= after || this.ackedSeqs.has(e.seq)) continue;
      const item = e.p.items.get(h);
      if (!item) continue;
      if (items.length >= maxItems || (items.length > 0 && bytes + item.bytes > maxBytes)) return { items, more: true };
      items.push(item);
      bytes += item.bytes;
    }
    return { items, more: false };
  }

  private storedPage(device: Uint8Array, afterSeq: number, maxBytes: number, maxItems: number): { items: QueuedItem[]; more: boolean } {
    // Acks not yet written are skipped: read past them (a page of only such rows reads on).
    let after = afterSeq;
    for (;;) {
      const { items, more } = this.store.page(device, after, maxBytes, maxItems);
      const live = items.filter((i) => !this.ackedSeqs.has(i.seq));
      if (live.length > 0 || !more) return { items: live, more };
      after = items[items.length - 1]!.seq;
    }
  }

  /** The device's oldest held copy with this sender id (v1 acks carry the id only). */
  findById(device: Uint8Array, id: Uint8Array): number | undefined {
    const h = hex(device);
    const hx = hex(id);
    const waiting = this.byDevice.get(h)?.find((e) => hex(e.p.input.id) === hx);
    const stored = this.bytes.has(h) ? this.store.findById(device, id) : undefined;
    if (stored && !this.ackedSeqs.has(stored.seq)) return stored.seq;
    return waiting?.seq;
  }

  /** Whether the device holds a message with this id from another sender (ids are the sender's to choose). */
  holdsIdFromOther(device: Uint8Array, id: Uint8Array, sender: string): boolean {
    const h = hex(device);
    const hx = hex(id);
    if (this.byDevice.get(h)?.some((e) => e.p.input.sender !== sender && hex(e.p.input.id) === hx)) return true;
    return this.bytes.has(h) && this.store.holdsIdFromOther(device, id, sender);
  }

  /** Bytes held for a device (hex id), waiting or stored. */
  bytesFor(deviceHex: string): number {
    return this.bytes.get(deviceHex) ?? 0;
  }

  /** Bytes a sender makes the server hold, for every device copy. */
  bytesFrom(sender: string): number {
    return this.senderBytes.get(sender) ?? 0;
  }

  /** Bytes held in all. */
  totalBytes(): number {
    let n = 0;
    for (const v of this.bytes.values()) n += v;
    return n;
  }

  heldFrom(sender: string) {
    this.flush();
    return this.store.heldFrom(sender);
  }

  counts(): { messages: number; deliveries: number } {
    this.flush();
    return this.store.counts();
  }

  expire(now: number): number {
    this.flush();
    const n = this.store.expire(now);
    if (n > 0) this.recount();
    return n;
  }

  /** A device was removed (its stored copies went with it): forget what waits for it too. */
  forgetDevice(device: Uint8Array): void {
    const h = hex(device);
    for (const { seq } of [...(this.byDevice.get(h) ?? [])]) this.ack(device, seq);
    this.flush();
    this.recount();
  }

  /** Writes everything waiting in one transaction, then tells the senders. Never throws. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.size === 0 && this.acks.length === 0) return;
    const batch = [...this.queue.values()];
    const stores = batch.map((p) => ({
      ...p.input,
      deliveries: p.input.deliveries.filter((d) => p.waiting.has(hex(d.device))),
    })).filter((s) => s.deliveries.length > 0);
    const acks = this.acks;
    this.acks = [];
    this.ackedSeqs = new Set();
    let error: Error | undefined;
    try {
      this.store.commit({ stores, acks });
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
      this.opts.onWriteError?.(error);
    }
    // Written (or, after a failure, dropped: their senders are told and send again).
    this.byDevice.clear();
    for (const p of batch) this.settle(p, error ? { ok: false, error } : { ok: true, ackedBy: p.ackedBy });
    if (error) {
      // What is on disk is what counts now: an ack not deleted is redelivered and deduplicated.
      try {
        this.recount();
      } catch (again) {
        this.opts.onWriteError?.(again instanceof Error ? again : new Error(String(again)));
      }
    }
  }

  private settle(p: Pending, result: Settled): void {
    if (!this.queue.delete(p.key)) return;
    this.queuedBytes -= p.input.payload.byteLength;
    // One sender's failing callback must not keep the others from hearing how their message went.
    for (const cb of p.onSettled) guarded(this.opts.onTimerError ?? stderrSink, () => cb(result))();
  }

  /** Reads the byte counts again (after rows moved between devices outside the mailbox). */
  recount(): void {
    this.bytes = this.store.bytesByDevice();
    this.senderBytes = this.store.bytesBySender();
  }

  private flushSoon(): void {
    if (this.soon) return;
    this.soon = true;
    queueMicrotask(guarded(this.opts.onTimerError ?? stderrSink, () => {
      this.soon = false;
      this.flush();
    }));
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(guarded(this.opts.onTimerError ?? stderrSink, () => this.flush()), this.opts.delayMs);
  }

  private addBytes(deviceHex: string, sender: string, delta: number): void {
    const v = (this.bytes.get(deviceHex) ?? 0) + delta;
    if (v > 0) this.bytes.set(deviceHex, v);
    else this.bytes.delete(deviceHex);
    const s = (this.senderBytes.get(sender) ?? 0) + delta;
    if (s > 0) this.senderBytes.set(sender, s);
    else this.senderBytes.delete(sender);
  }
}
