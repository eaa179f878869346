import type { DeliveryRef, MailboxStore, PendingEntry, StoreMessageInput, StoredDelivery } from '../store/index.js';

/**
 * Told when a message is safe (stored for every recipient that has not acknowledged it), or
 * that writing it failed (the sender is told; it was not accepted).
 */
export type Settled =
  | { ok: true; /** Recipients that acknowledged before it was written (never stored). */ ackedBy: AckReceipt[] }
  | { ok: false; error: Error };

/** One recipient's acknowledgement: `rejected` is empty when it opened the message, else its rejection code. */
export interface AckReceipt {
  by: string;
  rejected: string;
}

interface Pending {
  input: StoreMessageInput;
  key: string;
  /** The id in hex: the key of `byId`. */
  hex: string;
  /** Recipients that have not acknowledged yet. */
  waiting: Set<string>;
  ackedBy: AckReceipt[];
  onSettled: ((s: Settled) => void)[];
}

function idHex(id: Uint8Array): string {
  return Buffer.from(id).toString('hex');
}

function idKey(sender: string, hex: string): string {
  return `${sender}\u0000${hex}`;
}

export interface WriteBehindOptions {
  /** How long a message waits for its acks before it is written (ms); 0 writes on the next turn. */
  delayMs: number;
  /** Messages, and envelope bytes, waiting at most; more are written at once, so memory stays bounded. */
  maxPending: number;
  maxPendingBytes: number;
  /** A write failed (disk full, I/O error): its senders are told, this logs it. */
  onWriteError?: (e: Error) => void;
}

/**
 * Group commit with ack elision in front of the mailbox. A message is delivered to online
 * recipients at once and queued here; after `delayMs` every queued message is written in one
 * transaction, without the copies of recipients that acknowledged meanwhile (a message
 * everyone acknowledged is never written at all). Only then is the sender told Accepted, so
 * Accepted still means "held by the server or already in every recipient's hands": a crash
 * before the write loses nothing the sender was told is safe, and the sender resends it.
 * Acks of stored copies are looked up at once and deleted in the next transaction.
 *
 * Reads that must see every message (backlog, pending, counts, expiry) flush first.
 */
export class WriteBehindMailbox {
  private readonly queue = new Map<string, Pending>();
  /** Queued messages by id alone, as acks carry no sender. */
  private readonly byId = new Map<string, Pending[]>();
  private acks: DeliveryRef[] = [];
  /** Messages (sender, id) with a queued ack. */
  private ackedKeys = new Set<string>();
  private bytes: Map<string, number>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private soon = false;
  private queuedBytes = 0;

  constructor(
    private readonly store: MailboxStore,
    private readonly opts: WriteBehindOptions,
  ) {
    this.bytes = store.bytesByRecipient();
  }

  /** Messages and acks waiting to be written. */
  get queued(): number {
    return this.queue.size + this.acks.length;
  }

  /**
   * Queues a message; `onSettled` runs once it is safe. A duplicate of a held message
   * (a resend) is not stored again: `onSettled` runs when the first copy is safe.
   */
  submit(input: StoreMessageInput, onSettled: (s: Settled) => void): { duplicate: boolean } {
    const hex = idHex(input.id);
    const key = idKey(input.sender, hex);
    const queued = this.queue.get(key);
    if (queued) {
      queued.onSettled.push(onSettled);
      return { duplicate: true };
    }
    // Its stored copy acknowledged but not yet deleted: delete first, so the id reads as free
    // (as it would have without the delay) instead of as a duplicate.
    if (this.ackedKeys.has(key)) this.flush();
    if (this.store.has(input.sender, input.id)) {
      onSettled({ ok: true, ackedBy: [] });
      return { duplicate: true };
    }
    const p: Pending = { input, key, hex, waiting: new Set(input.recipients), ackedBy: [], onSettled: [onSettled] };
    this.queue.set(key, p);
    const same = this.byId.get(hex);
    if (same) same.push(p);
    else this.byId.set(hex, [p]);
    for (const r of input.recipients) this.addBytes(r, input.envelope.byteLength);
    this.queuedBytes += input.envelope.byteLength;
    // Full: write as soon as the caller's turn ends (it still has to deliver this message).
    if (this.queue.size >= this.opts.maxPending || this.queuedBytes >= this.opts.maxPendingBytes) this.flushSoon();
    else this.schedule();
    return { duplicate: false };
  }

  /**
   * Recipient's acknowledgement of message `id` (`rejected`: its rejection code, empty when it
   * opened it); returns its sender when the recipient held a copy. `inSettle`: the message is
   * still queued, its sender has not been told Accepted yet, and learns of this ack through
   * `ackedBy` when it is.
   */
  ack(recipient: string, id: Uint8Array, rejected = ''): { sender: string; inSettle: boolean } | undefined {
    const hex = idHex(id);
    const p = this.byId.get(hex)?.find((q) => q.waiting.has(recipient));
    if (p) {
      p.waiting.delete(recipient);
      p.ackedBy.push({ by: recipient, rejected });
      this.addBytes(recipient, -p.input.envelope.byteLength);
      // Acknowledged by everyone before it was written: nothing left to store.
      if (p.waiting.size === 0) this.settle(p, { ok: true, ackedBy: p.ackedBy });
      return { sender: p.input.sender, inSettle: true };
    }
    const stored = this.store.findDelivery(recipient, id);
    if (!stored || this.acks.some((a) => a.seq === stored.seq)) return undefined;
    this.acks.push(stored);
    this.ackedKeys.add(idKey(stored.sender, hex));
    this.addBytes(recipient, -stored.bytes);
    this.schedule();
    return { sender: stored.sender, inSettle: false };
  }

  /** Bytes held for `recipient`, queued or stored. */
  bytesFor(recipient: string): number {
    return this.bytes.get(recipient) ?? 0;
  }

  forRecipient(recipient: string, afterSeq: number, limit: number): StoredDelivery[] {
    this.flush();
    return this.store.forRecipient(recipient, afterSeq, limit);
  }

  pendingFrom(sender: string): PendingEntry[] {
    this.flush();
    return this.store.pendingFrom(sender);
  }

  counts(): { messages: number; deliveries: number } {
    this.flush();
    return this.store.counts();
  }

  expire(now: number): number {
    this.flush();
    const n = this.store.expire(now);
    if (n > 0) this.bytes = this.store.bytesByRecipient();
    return n;
  }

  /** Writes everything queued in one transaction, then tells the senders. Never throws. */
  flush(): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.queue.size === 0 && this.acks.length === 0) return;
    const batch = [...this.queue.values()];
    const stores = batch.map((p) => ({ ...p.input, recipients: p.input.recipients.filter((r) => p.waiting.has(r)) }));
    const acks = this.acks;
    this.acks = [];
    this.ackedKeys.clear();
    let error: Error | undefined;
    try {
      this.store.commit({ stores, acks });
    } catch (e) {
      error = e instanceof Error ? e : new Error(String(e));
      this.opts.onWriteError?.(error);
      // What is on disk is what counts now: an ack not deleted is redelivered and deduplicated.
      try {
        this.bytes = this.store.bytesByRecipient();
      } catch {
        // the database is unreadable too; the counters stay as they were
      }
    }
    for (const p of batch) this.settle(p, error ? { ok: false, error } : { ok: true, ackedBy: p.ackedBy });
  }

  private settle(p: Pending, result: Settled): void {
    this.queue.delete(p.key);
    this.queuedBytes -= p.input.envelope.byteLength;
    const same = this.byId.get(p.hex);
    if (same && same.length > 1) same.splice(same.indexOf(p), 1);
    else this.byId.delete(p.hex);
    for (const cb of p.onSettled) cb(result);
  }

  private flushSoon(): void {
    if (this.soon) return;
    this.soon = true;
    queueMicrotask(() => {
      this.soon = false;
      this.flush();
    });
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.opts.delayMs);
  }

  private addBytes(recipient: string, delta: number): void {
    const v = (this.bytes.get(recipient) ?? 0) + delta;
    if (v > 0) this.bytes.set(recipient, v);
    else this.bytes.delete(recipient);
  }
}
