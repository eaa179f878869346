import type { SqliteDatabase } from './database.js';

/** A message held for one recipient until that recipient acknowledges it. */
export interface StoredDelivery {
  seq: number;
  sender: string;
  id: Uint8Array;
  toAll: boolean;
  envelope: Uint8Array;
  storedAt: number;
  expiresAt: number;
}

/** What a sender may see of its own messages the server still holds. */
export interface PendingEntry {
  id: Uint8Array;
  to: string;
  storedAt: number;
  expiresAt: number;
}

export interface StoreMessageInput {
  sender: string;
  id: Uint8Array;
  toAll: boolean;
  envelope: Uint8Array;
  recipients: readonly string[];
  now: number;
  ttlMs: number;
}

/** One recipient's stored copy of a message, as found for an ack. */
export interface DeliveryRef {
  seq: number;
  mid: number;
  sender: string;
  bytes: number;
}

/** Writes made together in one transaction (one commit for many messages). */
export interface MailboxBatch {
  stores: readonly StoreMessageInput[];
  /** Stored copies that their recipients acknowledged. */
  acks: readonly DeliveryRef[];
}

/**
 * Ciphertext-only store-and-forward. A message is written once and referenced by
 * one delivery row per recipient; it disappears when the last recipient acks or it expires.
 */
export interface MailboxStore {
  /** Stores a message for its recipients; `duplicate` when (sender, id) is already held. */
  store(input: StoreMessageInput): { duplicate: boolean };
  /** Deliveries waiting for `recipient`, oldest first, after `afterSeq`. */
  forRecipient(recipient: string, afterSeq: number, limit: number): StoredDelivery[];
  /** Removes recipient's copy of message `id`; returns its sender when one was removed. */
  ack(recipient: string, id: Uint8Array): { sender: string } | undefined;
  /** Whether (sender, id) is held. */
  has(sender: string, id: Uint8Array): boolean;
  /** Recipient's stored copy of message `id`, if any. */
  findDelivery(recipient: string, id: Uint8Array): DeliveryRef | undefined;
  /** Stores and deletes in one transaction; stores of (sender, id) already held are skipped. */
  commit(batch: MailboxBatch): void;
  /** Stored bytes per recipient with anything stored. */
  bytesByRecipient(): Map<string, number>;
  pendingFrom(sender: string): PendingEntry[];
  bytesFor(recipient: string): number;
  /** Deletes expired messages; returns how many. */
  expire(now: number): number;
  counts(): { messages: number; deliveries: number };
}

interface DeliveryRow {
  seq: number;
  sender: string;
  id: Buffer;
  to_all: number;
  envelope: Buffer;
  stored_at: number;
  expires_at: number;
}

/** MailboxStore on the server's SQLite database. */
export class SqliteMailboxStore implements MailboxStore {
  private readonly findMessage;
  private readonly insertMessage;
  private readonly insertDelivery;
  private readonly selectForRecipient;
  private readonly findDeliveryStmt;
  private readonly deleteDelivery;
  private readonly deleteOrphan;
  private readonly selectPending;
  private readonly sumBytes;
  private readonly deleteExpired;
  private readonly countMessages;
  private readonly countDeliveries;
  private readonly sumBytesByRecipient;
  private readonly storeTx;
  private readonly ackTx;
  private readonly commitTx;
  private readonly countBySender;
  /**
   * Messages held per sender, kept beside the table: most senders have nothing stored (their
   * recipients were online and acknowledged before the write), and for them the duplicate
   * check needs no query. It was the largest single cost left per message in bench relay.
   */
  private heldBySender = new Map<string, number>();
  /** The counts could not be read: every check asks the table. */
  private countsUnknown = false;

  constructor(db: SqliteDatabase) {
    this.findMessage = db.prepare<[string, Buffer], { mid: number }>('SELECT mid FROM messages WHERE sender = ? AND id = ?');
    this.insertMessage = db.prepare(
      'INSERT INTO messages (sender, id, to_all, envelope, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.insertDelivery = db.prepare('INSERT OR IGNORE INTO deliveries (mid, recipient, bytes) VALUES (?, ?, ?)');
    this.selectForRecipient = db.prepare<[string, number, number], DeliveryRow>(
      `SELECT d.seq, m.sender, m.id, m.to_all, m.envelope, m.stored_at, m.expires_at
         FROM deliveries d JOIN messages m ON m.mid = d.mid
        WHERE d.recipient = ? AND d.seq > ? ORDER BY d.seq LIMIT ?`,
    );
    this.findDeliveryStmt = db.prepare<[string, Buffer], DeliveryRef>(
      `SELECT d.seq, d.mid, m.sender, d.bytes FROM deliveries d JOIN messages m ON m.mid = d.mid
        WHERE d.recipient = ? AND m.id = ? ORDER BY d.seq LIMIT 1`,
    );
    this.deleteDelivery = db.prepare('DELETE FROM deliveries WHERE seq = ?');
    this.deleteOrphan = db.prepare(
      'DELETE FROM messages WHERE mid = ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE mid = ?)',
    );
    this.selectPending = db.prepare<[string], { id: Buffer; recipient: string; stored_at: number; expires_at: number }>(
      `SELECT m.id, d.recipient, m.stored_at, m.expires_at FROM messages m JOIN deliveries d ON d.mid = m.mid
        WHERE m.sender = ? ORDER BY d.seq`,
    );
    this.sumBytes = db.prepare<[string], { total: number | null }>('SELECT SUM(bytes) AS total FROM deliveries WHERE recipient = ?');
    this.deleteExpired = db.prepare('DELETE FROM messages WHERE expires_at <= ?');
    this.countMessages = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM messages');
    this.countDeliveries = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM deliveries');
    this.sumBytesByRecipient = db.prepare<[], { recipient: string; total: number }>(
      'SELECT recipient, SUM(bytes) AS total FROM deliveries GROUP BY recipient',
    );

    this.countBySender = db.prepare<[], { sender: string; n: number }>('SELECT sender, COUNT(*) AS n FROM messages GROUP BY sender');
    this.recountSenders();

    const insert = (input: StoreMessageInput): boolean => {
      const id = Buffer.from(input.id);
      if (this.has(input.sender, id)) return false;
      const envelope = Buffer.from(input.envelope);
      const mid = this.insertMessage.run(
        input.sender, id, input.toAll ? 1 : 0, envelope, input.now, input.now + input.ttlMs,
      ).lastInsertRowid;
      for (const r of input.recipients) this.insertDelivery.run(mid, r, envelope.byteLength);
      this.countHeld(input.sender, 1);
      return true;
    };
    const remove = (d: DeliveryRef): void => {
      this.deleteDelivery.run(d.seq);
      if (this.deleteOrphan.run(d.mid, d.mid).changes > 0) this.countHeld(d.sender, -1);
    };
    // A transaction that fails is rolled back, and the counts with it (they are read again).
    const guarded = <A extends unknown[], R>(fn: (...args: A) => R) => {
      const tx = db.transaction(fn);
      return (...args: A): R => {
        try {
          return tx(...args);
        } catch (e) {
          this.recountSenders();
          throw e;
        }
      };
    };
    this.storeTx = guarded((input: StoreMessageInput): { duplicate: boolean } => ({ duplicate: !insert(input) }));
    this.commitTx = guarded((batch: MailboxBatch): void => {
      for (const input of batch.stores) insert(input);
      for (const d of batch.acks) remove(d);
    });
    this.ackTx = guarded((recipient: string, id: Uint8Array): { sender: string } | undefined => {
      const row = this.findDeliveryStmt.get(recipient, Buffer.from(id));
      if (!row) return undefined;
      remove(row);
      return { sender: row.sender };
    });
  }

  private recountSenders(): void {
    try {
      this.heldBySender = new Map(this.countBySender.all().map((r) => [r.sender, r.n]));
    } catch {
      this.heldBySender = new Map();
      this.countsUnknown = true;
      return;
    }
    this.countsUnknown = false;
  }

  private countHeld(sender: string, delta: number): void {
    const n = (this.heldBySender.get(sender) ?? 0) + delta;
    if (n > 0) this.heldBySender.set(sender, n);
    else this.heldBySender.delete(sender);
  }

  store(input: StoreMessageInput): { duplicate: boolean } {
    return this.storeTx(input);
  }

  forRecipient(recipient: string, afterSeq: number, limit: number): StoredDelivery[] {
    return this.selectForRecipient.all(recipient, afterSeq, limit).map((r) => ({
      seq: r.seq,
      sender: r.sender,
      id: new Uint8Array(r.id),
      toAll: r.to_all !== 0,
      envelope: new Uint8Array(r.envelope),
      storedAt: r.stored_at,
      expiresAt: r.expires_at,
    }));
  }

  ack(recipient: string, id: Uint8Array): { sender: string } | undefined {
    return this.ackTx(recipient, id);
  }

  has(sender: string, id: Uint8Array): boolean {
    if (!this.countsUnknown && !this.heldBySender.has(sender)) return false;
    return this.findMessage.get(sender, Buffer.from(id)) !== undefined;
  }

  findDelivery(recipient: string, id: Uint8Array): DeliveryRef | undefined {
    return this.findDeliveryStmt.get(recipient, Buffer.from(id));
  }

  commit(batch: MailboxBatch): void {
    if (batch.stores.length > 0 || batch.acks.length > 0) this.commitTx(batch);
  }

  bytesByRecipient(): Map<string, number> {
    return new Map(this.sumBytesByRecipient.all().map((r) => [r.recipient, r.total]));
  }

  pendingFrom(sender: string): PendingEntry[] {
    return this.selectPending.all(sender).map((r) => ({
      id: new Uint8Array(r.id),
      to: r.recipient,
      storedAt: r.stored_at,
      expiresAt: r.expires_at,
    }));
  }

  bytesFor(recipient: string): number {
    return this.sumBytes.get(recipient)?.total ?? 0;
  }

  expire(now: number): number {
    const n = this.deleteExpired.run(now).changes;
    if (n > 0) this.recountSenders();
    return n;
  }

  counts(): { messages: number; deliveries: number } {
    return { messages: this.countMessages.get()!.n, deliveries: this.countDeliveries.get()!.n };
  }
}
