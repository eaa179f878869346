import type { AppendResult, AsyncDeviceQueueStore, QueueAck, QueueAppend } from '../async-stores.js';
import type { HeldFor, QueueDelivery, QueueKind, QueuedItem } from '../device-queue-store.js';
import { buf, u8 } from './pg-bytes.js';
import type { PgDatabase, PgQueryable } from './pg-database.js';

interface ItemRow {
  seq: number;
  bytes: number;
  mid: number;
  sender: string;
  sender_device: Buffer | null;
  id: Buffer;
  kind: number;
  to_all: boolean;
  conversation: Buffer | null;
  meta: Buffer | null;
  envelope: Buffer;
  stored_at: number;
  expires_at: number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * Per-device queues on PostgreSQL. A batch is one transaction: every device it writes to is
 * locked first, in id order (so two batches never deadlock), and each copy takes the next number
 * of its device's counter under that lock: numbers follow commit order per device.
 */
export class PgDeviceQueueStore implements AsyncDeviceQueueStore {
  constructor(private readonly db: PgDatabase) {}

  async commit(batch: { stores: readonly QueueAppend[]; acks: readonly QueueAck[] }): Promise<AppendResult[]> {
    if (batch.stores.length === 0 && batch.acks.length === 0) return [];
    return this.db.tx(async (q) => {
      const wanted = [...new Map(batch.stores.flatMap((s) => s.devices).map((d) => [hex(d), buf(d)])).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([, b]) => b);
      const existing = new Set<string>();
      if (wanted.length > 0) {
        const r = await q.query<{ id: Buffer }>('SELECT id FROM devices WHERE id = ANY($1::bytea[]) ORDER BY id FOR UPDATE', [wanted]);
        for (const row of r.rows) existing.add(row.id.toString('hex'));
      }
      const results: AppendResult[] = [];
      for (const input of batch.stores) results.push(await this.append(q, input, existing));
      if (batch.acks.length > 0) await this.ack(q, batch.acks);
      return results;
    });
  }

  private async append(q: PgQueryable, input: QueueAppend, existing: Set<string>): Promise<AppendResult> {
    // A device removed meanwhile gets nothing; a message for no device is not stored at all.
    const devices = [...new Map(input.devices.filter((d) => existing.has(hex(d))).map((d) => [hex(d), buf(d)])).values()];
    if (devices.length === 0) return { duplicate: false, deliveries: [] };
    const payload = buf(input.payload);
    // The duplicate check is the UNIQUE (sender, id) constraint: a concurrent twin on another node
    // waits for this transaction, then inserts nothing.
    const m = await q.query<{ mid: number }>(
      `INSERT INTO messages (sender, id, sender_device, kind, to_all, conversation, meta, envelope, stored_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (sender, id) DO NOTHING RETURNING mid`,
      [
        input.sender, buf(input.id), input.senderDevice ? buf(input.senderDevice) : null, input.kind, input.toAll,
        input.conversation ? buf(input.conversation) : null, input.meta ? buf(input.meta) : null, payload, input.now, input.now + input.ttlMs,
      ],
    );
    if (m.rowCount === 0) return { duplicate: true, deliveries: [] };
    const mid = m.rows[0]!.mid;
    const seqs = await q.query<{ id: Buffer; seq: number }>(
      'UPDATE devices SET queue_seq = queue_seq + 1 WHERE id = ANY($1::bytea[]) RETURNING id, queue_seq AS seq',
      [devices],
    );
    await q.query(
      `INSERT INTO queue (device, seq, mid, msg_id, bytes)
       SELECT d, s, $3, $4, $5 FROM unnest($1::bytea[], $2::bigint[]) AS c(d, s)`,
      [seqs.rows.map((r) => r.id), seqs.rows.map((r) => r.seq), mid, buf(input.id), payload.byteLength],
    );
    const bySeq = new Map(seqs.rows.map((r) => [r.id.toString('hex'), r.seq]));
    const deliveries: QueueDelivery[] = devices.map((d) => ({ device: new Uint8Array(d), seq: bySeq.get(d.toString('hex'))! }));
    return { duplicate: false, deliveries };
  }

  private async ack(q: PgQueryable, acks: readonly QueueAck[]): Promise<void> {
    const gone = await q.query<{ mid: number }>(
      `DELETE FROM queue q USING unnest($1::bytea[], $2::bigint[]) AS a(device, seq)
        WHERE q.device = a.device AND q.seq = a.seq RETURNING q.mid`,
      [acks.map((a) => buf(a.device)), acks.map((a) => a.seq)],
    );
    if (gone.rowCount === 0) return;
    // A message goes with its last copy. (Two nodes acking its last two copies at once can each
    // still see the other's: expire() sweeps such orphans.)
    await q.query('DELETE FROM messages m WHERE m.mid = ANY($1::bigint[]) AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.mid = m.mid)', [
      [...new Set(gone.rows.map((r) => r.mid))],
    ]);
  }

  async page(device: Uint8Array, afterSeq: number, maxBytes: number, maxItems: number): Promise<{ items: QueuedItem[]; more: boolean }> {
    // One row more than asked tells whether the queue goes on.
    const r = await this.db.query<ItemRow>(
      `SELECT q.seq, q.bytes, m.mid, m.sender, m.sender_device, m.id, m.kind, m.to_all, m.conversation, m.meta, m.envelope,
              m.stored_at, m.expires_at
         FROM queue q JOIN messages m ON m.mid = q.mid
        WHERE q.device = $1 AND q.seq > $2 ORDER BY q.seq LIMIT $3`,
      [buf(device), afterSeq, maxItems + 1],
    );
    const items: QueuedItem[] = [];
    let bytes = 0;
    for (const row of r.rows) {
      if (items.length >= maxItems || (items.length > 0 && bytes + row.bytes > maxBytes)) return { items, more: true };
      bytes += row.bytes;
      items.push({
        seq: row.seq, mid: row.mid, sender: row.sender, senderDevice: u8(row.sender_device), id: new Uint8Array(row.id),
        kind: row.kind as QueueKind, toAll: row.to_all, conversation: u8(row.conversation), meta: u8(row.meta),
        payload: new Uint8Array(row.envelope), storedAt: row.stored_at, expiresAt: row.expires_at, bytes: row.bytes,
      });
    }
    return { items, more: false };
  }

  async findById(device: Uint8Array, id: Uint8Array): Promise<{ seq: number; sender: string; bytes: number } | undefined> {
    const r = await this.db.query<{ seq: number; sender: string; bytes: number }>(
      `SELECT q.seq, m.sender, q.bytes FROM queue q JOIN messages m ON m.mid = q.mid
        WHERE q.device = $1 AND q.msg_id = $2 ORDER BY q.seq LIMIT 1`,
      [buf(device), buf(id)],
    );
    return r.rows[0];
  }

  async findSeq(device: Uint8Array, seq: number): Promise<{ sender: string; id: Uint8Array; bytes: number; kind: QueueKind; conversation: Uint8Array | undefined } | undefined> {
    const r = await this.db.query<{ sender: string; id: Buffer; bytes: number; kind: number; conversation: Buffer | null }>(
      'SELECT m.sender, m.id, q.bytes, m.kind, m.conversation FROM queue q JOIN messages m ON m.mid = q.mid WHERE q.device = $1 AND q.seq = $2',
      [buf(device), seq],
    );
    const row = r.rows[0];
    return row ? { sender: row.sender, id: new Uint8Array(row.id), bytes: row.bytes, kind: row.kind as QueueKind, conversation: u8(row.conversation) } : undefined;
  }

  async holdsIdFromOther(device: Uint8Array, id: Uint8Array, sender: string): Promise<boolean> {
    const r = await this.db.query(
      'SELECT 1 FROM queue q JOIN messages m ON m.mid = q.mid WHERE q.device = $1 AND q.msg_id = $2 AND m.sender <> $3 LIMIT 1',
      [buf(device), buf(id), sender],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async has(sender: string, id: Uint8Array): Promise<boolean> {
    return ((await this.db.query('SELECT 1 FROM messages WHERE sender = $1 AND id = $2', [sender, buf(id)])).rowCount ?? 0) > 0;
  }

  async bytesByDevice(): Promise<Map<string, number>> {
    const r = await this.db.query<{ device: Buffer; total: number }>('SELECT device, SUM(bytes) AS total FROM queue GROUP BY device');
    return new Map(r.rows.map((x) => [x.device.toString('hex'), x.total]));
  }

  async bytesBySender(): Promise<Map<string, number>> {
    const r = await this.db.query<{ sender: string; total: number }>(
      'SELECT m.sender, SUM(q.bytes) AS total FROM queue q JOIN messages m ON m.mid = q.mid GROUP BY m.sender',
    );
    return new Map(r.rows.map((x) => [x.sender, x.total]));
  }

  async heldFrom(sender: string): Promise<HeldFor[]> {
    // Numbers are per device now: messages in the order they were stored, copies by device.
    const r = await this.db.query<{ id: Buffer; account: string; device: Buffer; stored_at: number; expires_at: number }>(
      `SELECT m.id, d.account, q.device, m.stored_at, m.expires_at
         FROM messages m JOIN queue q ON q.mid = m.mid JOIN devices d ON d.id = q.device
        WHERE m.sender = $1 ORDER BY m.mid, q.device`,
      [sender],
    );
    return r.rows.map((x) => ({ id: new Uint8Array(x.id), account: x.account, device: new Uint8Array(x.device), storedAt: x.stored_at, expiresAt: x.expires_at }));
  }

  expire(now: number): Promise<number> {
    return this.db.tx(async (q) => {
      const expired = (await q.query('DELETE FROM messages WHERE expires_at <= $1', [now])).rowCount ?? 0;
      // Messages whose copies all went (acks racing on two nodes, devices removed) go too.
      const orphans = (await q.query('DELETE FROM messages m WHERE NOT EXISTS (SELECT 1 FROM queue q WHERE q.mid = m.mid)')).rowCount ?? 0;
      return expired + orphans;
    });
  }

  async counts(): Promise<{ messages: number; deliveries: number }> {
    const r = await this.db.query<{ messages: number; deliveries: number }>(
      'SELECT (SELECT COUNT(*) FROM messages) AS messages, (SELECT COUNT(*) FROM queue) AS deliveries',
    );
    return r.rows[0]!;
  }
}
