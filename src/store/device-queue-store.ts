import type { SqliteDatabase } from './database.js';

/** What a queued item carries (protocol v2's QueueItem bodies; v1 deliveries are kind 1). */
export const QUEUE_KIND = { envelope: 1, mls: 2, welcome: 3, notice: 4 } as const;
export type QueueKind = (typeof QUEUE_KIND)[keyof typeof QUEUE_KIND];

/** A message for one or more devices, stored once, with a sequence number per device. */
export interface QueueMessageInput {
  /** Sending account ("" for the server's own notices). */
  sender: string;
  senderDevice: Uint8Array | undefined;
  /** The sender's 16-byte id (a server notice gets a random one). */
  id: Uint8Array;
  kind: QueueKind;
  toAll: boolean;
  conversation: Uint8Array | undefined;
  /** Kind-specific fields the server set (epoch, commit flag, notice), opaque to the store. */
  meta: Uint8Array | undefined;
  payload: Uint8Array;
  now: number;
  ttlMs: number;
  deliveries: readonly QueueDelivery[];
}

/** One device's copy of a message: its place in that device's queue. */
export interface QueueDelivery {
  device: Uint8Array;
  seq: number;
}

/** An item of a device's queue, as delivered. */
export interface QueuedItem {
  seq: number;
  mid: number;
  sender: string;
  senderDevice: Uint8Array | undefined;
  id: Uint8Array;
  kind: QueueKind;
  toAll: boolean;
  conversation: Uint8Array | undefined;
  meta: Uint8Array | undefined;
  payload: Uint8Array;
  storedAt: number;
  expiresAt: number;
  /** Bytes charged to the device's queue for this item. */
  bytes: number;
}

/** A sender's message the server still holds for one device. */
export interface HeldFor {
  id: Uint8Array;
  account: string;
  device: Uint8Array;
  storedAt: number;
  expiresAt: number;
}

/** Writes made together in one transaction (one commit for many messages). */
export interface QueueBatch {
  stores: readonly QueueMessageInput[];
  /** Sequence numbers of stored items their devices acknowledged. */
  acks: readonly number[];
}

/**
 * Per-device queues (protocol v2's mailbox): ciphertext only, each message stored once and
 * referenced by one row per device, removed when the device acknowledges it or it expires.
 * Sequence numbers come from the caller (reserveSeqs), so items can be delivered before they
 * are written and still keep their number.
 */
export interface DeviceQueueStore {
  commit(batch: QueueBatch): void;
  /**
   * The device's items after `afterSeq`, oldest first: at most `maxItems`, and at most `maxBytes`
   * (but at least one). `more`: the queue goes on after the page.
   */
  page(device: Uint8Array, afterSeq: number, maxBytes: number, maxItems: number): { items: QueuedItem[]; more: boolean };
  /** The device's oldest stored item with this sender id (v1 acks name the id only). */
  findById(device: Uint8Array, id: Uint8Array): { seq: number; sender: string; bytes: number } | undefined;
  /** The sender and byte count of a stored item, if the device still holds it. */
  findSeq(device: Uint8Array, seq: number): { sender: string; id: Uint8Array; bytes: number; kind: QueueKind; conversation: Uint8Array | undefined } | undefined;
  /** Whether the device holds an item with this id from another sender. */
  holdsIdFromOther(device: Uint8Array, id: Uint8Array, sender: string): boolean;
  /** Whether (sender, id) is stored. */
  has(sender: string, id: Uint8Array): boolean;
  /** Stored bytes per device (hex id) with anything stored. */
  bytesByDevice(): Map<string, number>;
  /** Stored bytes per sender, charged for every device copy. */
  bytesBySender(): Map<string, number>;
  heldFrom(sender: string): HeldFor[];
  /** Deletes expired messages; returns how many. */
  expire(now: number): number;
  counts(): { messages: number; deliveries: number };
  /**
   * Reserves `n` more sequence numbers, durably: numbers handed out are never handed out again,
   * even after a crash. Returns the first one of the block.
   */
  reserveSeqs(n: number): number;
}

interface ItemRow {
  seq: number;
  bytes: number;
  mid: number;
  sender: string;
  sender_device: Buffer | null;
  id: Buffer;
  kind: number;
  to_all: number;
  conversation: Buffer | null;
  meta: Buffer | null;
  envelope: Buffer;
  stored_at: number;
  expires_at: number;
}

function bytesOrUndefined(b: Buffer | null): Uint8Array | undefined {
  return b ? new Uint8Array(b) : undefined;
}

/** DeviceQueueStore on the server's SQLite database. */
export class SqliteDeviceQueueStore implements DeviceQueueStore {
  private readonly s;
  private readonly commitTx;
  /**
   * Messages held per sender, kept beside the table: most senders have nothing stored (their
   * recipients were online and acknowledged before the write), and for them the duplicate check
   * needs no query.
   */
  private heldBySender = new Map<string, number>();
  private countsUnknown = false;

  constructor(private readonly db: SqliteDatabase) {
    this.s = {
      findMessage: db.prepare<[string, Buffer], number>('SELECT mid FROM messages WHERE sender = ? AND id = ?').pluck(),
      insertMessage: db.prepare(
        `INSERT INTO messages (sender, id, to_all, envelope, stored_at, expires_at, sender_device, kind, conversation, meta)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertItem: db.prepare('INSERT OR IGNORE INTO queue (seq, device, mid, msg_id, bytes) SELECT ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM devices WHERE id = ?)'),
      page: db.prepare<[Buffer, number, number], ItemRow>(
        `SELECT q.seq, q.bytes, m.mid, m.sender, m.sender_device, m.id, m.kind, m.to_all, m.conversation, m.meta, m.envelope,
                m.stored_at, m.expires_at
           FROM queue q JOIN messages m ON m.mid = q.mid
          WHERE q.device = ? AND q.seq > ? ORDER BY q.seq LIMIT ?`,
      ),
      findById: db.prepare<[Buffer, Buffer], { seq: number; sender: string; bytes: number }>(
        `SELECT q.seq, m.sender, q.bytes FROM queue q JOIN messages m ON m.mid = q.mid
          WHERE q.device = ? AND q.msg_id = ? ORDER BY q.seq LIMIT 1`,
      ),
      findSeq: db.prepare<[number, Buffer], { sender: string; id: Buffer; bytes: number; kind: number; conversation: Buffer | null }>(
        'SELECT m.sender, m.id, q.bytes, m.kind, m.conversation FROM queue q JOIN messages m ON m.mid = q.mid WHERE q.seq = ? AND q.device = ?',
      ),
      holdsOther: db.prepare<[Buffer, Buffer, string], number>(
        `SELECT 1 FROM queue q JOIN messages m ON m.mid = q.mid WHERE q.device = ? AND q.msg_id = ? AND m.sender != ? LIMIT 1`,
      ).pluck(),
      midOf: db.prepare<[number], { mid: number; sender: string }>('SELECT q.mid, m.sender FROM queue q JOIN messages m ON m.mid = q.mid WHERE q.seq = ?'),
      deleteItem: db.prepare('DELETE FROM queue WHERE seq = ?'),
      deleteOrphan: db.prepare('DELETE FROM messages WHERE mid = ? AND NOT EXISTS (SELECT 1 FROM queue WHERE mid = ?)'),
      heldFrom: db.prepare<[string], { id: Buffer; account: string; device: Buffer; stored_at: number; expires_at: number }>(
        `SELECT m.id, d.account, q.device, m.stored_at, m.expires_at
           FROM messages m JOIN queue q ON q.mid = m.mid JOIN devices d ON d.id = q.device
          WHERE m.sender = ? ORDER BY q.seq`,
      ),
      deleteExpired: db.prepare('DELETE FROM messages WHERE expires_at <= ?'),
      deleteOrphans: db.prepare('DELETE FROM messages WHERE NOT EXISTS (SELECT 1 FROM queue WHERE queue.mid = messages.mid)'),
      countMessages: db.prepare<[], number>('SELECT COUNT(*) FROM messages').pluck(),
      countItems: db.prepare<[], number>('SELECT COUNT(*) FROM queue').pluck(),
      bytesByDevice: db.prepare<[], { device: Buffer; total: number }>('SELECT device, SUM(bytes) AS total FROM queue GROUP BY device'),
      bytesBySender: db.prepare<[], { sender: string; total: number }>(
        'SELECT m.sender, SUM(q.bytes) AS total FROM queue q JOIN messages m ON m.mid = q.mid GROUP BY m.sender',
      ),
      countBySender: db.prepare<[], { sender: string; n: number }>('SELECT sender, COUNT(*) AS n FROM messages GROUP BY sender'),
      reserved: db.prepare<[], number>("SELECT value FROM meta WHERE key = 'seq_reserved'").pluck(),
      reserve: db.prepare("UPDATE meta SET value = value + ? WHERE key = 'seq_reserved'"),
    };
    this.recountSenders();

    const insert = (input: QueueMessageInput): void => {
      const id = Buffer.from(input.id);
      if (this.has(input.sender, id)) return;
      const payload = Buffer.from(input.payload);
      const mid = this.s.insertMessage.run(
        input.sender, id, input.toAll ? 1 : 0, payload, input.now, input.now + input.ttlMs,
        input.senderDevice ? Buffer.from(input.senderDevice) : null, input.kind,
        input.conversation ? Buffer.from(input.conversation) : null, input.meta ? Buffer.from(input.meta) : null,
      ).lastInsertRowid as number;
      let rows = 0;
      for (const d of input.deliveries) {
        const device = Buffer.from(d.device);
        // A device removed meanwhile gets nothing (its rows would only wait for the cascade).
        rows += this.s.insertItem.run(d.seq, device, mid, id, payload.byteLength, device).changes;
      }
      if (rows === 0) this.s.deleteOrphan.run(mid, mid);
      else this.countHeld(input.sender, 1);
    };
    const remove = (seq: number): void => {
      const row = this.s.midOf.get(seq);
      if (!row) return;
      this.s.deleteItem.run(seq);
      if (this.s.deleteOrphan.run(row.mid, row.mid).changes > 0) this.countHeld(row.sender, -1);
    };
    // A transaction that fails is rolled back, and the counts with it (they are read again).
    const tx = db.transaction((batch: QueueBatch): void => {
      for (const input of batch.stores) insert(input);
      for (const seq of batch.acks) remove(seq);
    });
    this.commitTx = (batch: QueueBatch): void => {
      try {
        tx(batch);
      } catch (e) {
        this.recountSenders();
        throw e;
      }
    };
  }

  private recountSenders(): void {
    try {
      this.heldBySender = new Map(this.s.countBySender.all().map((r) => [r.sender, r.n]));
      this.countsUnknown = false;
    } catch {
      this.heldBySender = new Map();
      this.countsUnknown = true;
    }
  }

  private countHeld(sender: string, delta: number): void {
    const n = (this.heldBySender.get(sender) ?? 0) + delta;
    if (n > 0) this.heldBySender.set(sender, n);
    else this.heldBySender.delete(sender);
  }

  commit(batch: QueueBatch): void {
    if (batch.stores.length > 0 || batch.acks.length > 0) this.commitTx(batch);
  }

  page(device: Uint8Array, afterSeq: number, maxBytes: number, maxItems: number): { items: QueuedItem[]; more: boolean } {
    const out: QueuedItem[] = [];
    let bytes = 0;
    // One row more than asked tells whether the queue goes on.
    for (const r of this.s.page.iterate(Buffer.from(device), afterSeq, maxItems + 1)) {
      if (out.length >= maxItems || (out.length > 0 && bytes + r.bytes > maxBytes)) return { items: out, more: true };
      bytes += r.bytes;
      out.push({
        seq: r.seq, mid: r.mid, sender: r.sender, senderDevice: bytesOrUndefined(r.sender_device), id: new Uint8Array(r.id),
        kind: r.kind as QueueKind, toAll: r.to_all !== 0, conversation: bytesOrUndefined(r.conversation), meta: bytesOrUndefined(r.meta),
        payload: new Uint8Array(r.envelope), storedAt: r.stored_at, expiresAt: r.expires_at, bytes: r.bytes,
      });
    }
    return { items: out, more: false };
  }

  findById(device: Uint8Array, id: Uint8Array): { seq: number; sender: string; bytes: number } | undefined {
    return this.s.findById.get(Buffer.from(device), Buffer.from(id));
  }

  findSeq(device: Uint8Array, seq: number): { sender: string; id: Uint8Array; bytes: number; kind: QueueKind; conversation: Uint8Array | undefined } | undefined {
    const r = this.s.findSeq.get(seq, Buffer.from(device));
    return r
      ? { sender: r.sender, id: new Uint8Array(r.id), bytes: r.bytes, kind: r.kind as QueueKind, conversation: bytesOrUndefined(r.conversation) }
      : undefined;
  }

  holdsIdFromOther(device: Uint8Array, id: Uint8Array, sender: string): boolean {
    return this.s.holdsOther.get(Buffer.from(device), Buffer.from(id), sender) !== undefined;
  }

  has(sender: string, id: Uint8Array): boolean {
    if (!this.countsUnknown && !this.heldBySender.has(sender)) return false;
    return this.s.findMessage.get(sender, Buffer.from(id)) !== undefined;
  }

  bytesByDevice(): Map<string, number> {
    return new Map(this.s.bytesByDevice.all().map((r) => [r.device.toString('hex'), r.total]));
  }

  bytesBySender(): Map<string, number> {
    return new Map(this.s.bytesBySender.all().map((r) => [r.sender, r.total]));
  }

  heldFrom(sender: string): HeldFor[] {
    return this.s.heldFrom.all(sender).map((r) => ({
      id: new Uint8Array(r.id), account: r.account, device: new Uint8Array(r.device), storedAt: r.stored_at, expiresAt: r.expires_at,
    }));
  }

  expire(now: number): number {
    const n = this.db.transaction(() => {
      const expired = this.s.deleteExpired.run(now).changes;
      // Rows of removed devices went with them (cascade): their messages go too.
      return expired + this.s.deleteOrphans.run().changes;
    })();
    if (n > 0) this.recountSenders();
    return n;
  }

  counts(): { messages: number; deliveries: number } {
    return { messages: this.s.countMessages.get()!, deliveries: this.s.countItems.get()! };
  }

  reserveSeqs(n: number): number {
    return this.db.transaction(() => {
      const first = this.s.reserved.get()! + 1;
      this.s.reserve.run(n);
      return first;
    })();
  }
}
