import type { AsyncConversationStore, HandshakeLog } from '../async-stores.js';
import { CONVERSATION_KIND, type ConversationKindNumber, type ConversationRecord } from '../conversation-store.js';
import { buf } from './pg-bytes.js';
import type { PgDatabase, PgQueryable } from './pg-database.js';

interface ConversationRow {
  id: Buffer;
  kind: number;
  title: string;
  creator: string;
  epoch: number;
  group_info: Buffer | null;
  direct_a: string | null;
  direct_b: string | null;
  created_at: number;
  updated_at: number;
}

/** A pair of accounts in the order the unique key keeps it: one direct conversation per unordered pair. */
function ordered(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

const ADD_MEMBER = 'INSERT INTO members (conversation, account, admin, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING';

/**
 * ConversationStore on PostgreSQL. The epoch's compare-and-set is one UPDATE … WHERE epoch = $n:
 * a second commit for the same epoch on another node waits for the first's row lock, then finds
 * the epoch moved and changes nothing.
 */
export class PgConversationStore implements AsyncConversationStore, HandshakeLog {
  constructor(private readonly db: PgDatabase) {}

  private async load(q: PgQueryable, id: Buffer): Promise<ConversationRecord | undefined> {
    const c = await q.query<ConversationRow>('SELECT * FROM conversations WHERE id = $1', [id]);
    const r = c.rows[0];
    if (!r) return undefined;
    const m = await q.query<{ account: string; admin: boolean; joined_at: number }>(
      'SELECT account, admin, joined_at FROM members WHERE conversation = $1 ORDER BY joined_at, account',
      [id],
    );
    return {
      id: new Uint8Array(r.id), idHex: r.id.toString('hex'), kind: r.kind as ConversationKindNumber, title: r.title, creator: r.creator,
      epoch: r.epoch, groupInfo: r.group_info ? new Uint8Array(r.group_info) : undefined, createdAt: r.created_at, updatedAt: r.updated_at,
      members: new Map(m.rows.map((x) => [x.account, { admin: x.admin, joinedAt: x.joined_at }])),
      pair: r.direct_a !== null && r.direct_b !== null ? [r.direct_a, r.direct_b] : undefined,
    };
  }

  get(id: Uint8Array): Promise<ConversationRecord | undefined> {
    return this.load(this.db, buf(id));
  }

  async direct(a: string, b: string): Promise<ConversationRecord | undefined> {
    const r = await this.db.query<{ id: Buffer }>('SELECT id FROM conversations WHERE direct_a = $1 AND direct_b = $2', ordered(a, b));
    return r.rows[0] ? this.load(this.db, r.rows[0].id) : undefined;
  }

  async everyone(): Promise<ConversationRecord | undefined> {
    const r = await this.db.query<{ id: Buffer }>('SELECT id FROM conversations WHERE kind = $1 ORDER BY created_at, id LIMIT 1', [CONVERSATION_KIND.everyone]);
    return r.rows[0] ? this.load(this.db, r.rows[0].id) : undefined;
  }

  create(c: { id: Uint8Array; kind: ConversationKindNumber; title: string; creator: string; members: { name: string; admin: boolean }[]; now: number; peer?: string | undefined }): Promise<ConversationRecord> {
    const id = buf(c.id);
    const peer = c.kind === CONVERSATION_KIND.direct ? c.peer : undefined;
    return this.db.tx(async (q) => {
      await q.query(
        'INSERT INTO conversations (id, kind, title, creator, epoch, group_info, direct_a, direct_b, created_at, updated_at) VALUES ($1, $2, $3, $4, 0, NULL, $5, $6, $7, $7)',
        [id, c.kind, c.title, c.creator, ...(peer ? ordered(c.creator, peer) : [null, null]), c.now],
      );
      for (const m of c.members) await q.query(ADD_MEMBER, [id, m.name, m.admin, c.now]);
      return (await this.load(q, id))!;
    });
  }

  advance(id: Uint8Array, epoch: number, groupInfo: Uint8Array, add: readonly string[], remove: readonly string[], now: number, commit?: Uint8Array): Promise<boolean> {
    const key = buf(id);
    return this.db.tx(async (q) => {
      const r = await q.query('UPDATE conversations SET epoch = epoch + 1, group_info = $3, updated_at = $4 WHERE id = $1 AND epoch = $2', [key, epoch, buf(groupInfo), now]);
      if (r.rowCount === 0) return false;
      for (const a of add) await q.query(ADD_MEMBER, [key, a, false, now]);
      if (remove.length > 0) await q.query('DELETE FROM members WHERE conversation = $1 AND account = ANY($2::text[])', [key, remove]);
      if (commit) await q.query('INSERT INTO handshakes (conversation, epoch, message, stored_at) VALUES ($1, $2, $3, $4)', [key, epoch, buf(commit), now]);
      return true;
    });
  }

  async handshakes(id: Uint8Array, afterEpoch: number, max: number): Promise<{ epoch: number; message: Uint8Array; storedAt: number }[]> {
    const r = await this.db.query<{ epoch: number; message: Buffer; stored_at: number }>(
      'SELECT epoch, message, stored_at FROM handshakes WHERE conversation = $1 AND epoch > $2 ORDER BY epoch LIMIT $3',
      [buf(id), afterEpoch, max],
    );
    return r.rows.map((x) => ({ epoch: x.epoch, message: new Uint8Array(x.message), storedAt: x.stored_at }));
  }

  async rename(id: Uint8Array, title: string, now: number): Promise<void> {
    await this.db.query('UPDATE conversations SET title = $2, updated_at = $3 WHERE id = $1', [buf(id), title, now]);
  }

  async join(id: Uint8Array, account: string, now: number): Promise<void> {
    await this.db.query(ADD_MEMBER, [buf(id), account, false, now]);
  }

  async conversationsOf(account: string): Promise<Uint8Array[]> {
    const r = await this.db.query<{ id: Buffer }>(
      'SELECT m.conversation AS id FROM members m JOIN conversations c ON c.id = m.conversation WHERE m.account = $1 ORDER BY c.created_at, c.id',
      [account],
    );
    return r.rows.map((x) => new Uint8Array(x.id));
  }

  async contactsOf(account: string): Promise<string[]> {
    const r = await this.db.query<{ account: string }>(
      `SELECT DISTINCT o.account FROM members m JOIN members o ON o.conversation = m.conversation
         JOIN conversations c ON c.id = m.conversation
        WHERE m.account = $1 AND o.account <> $1 AND c.kind <> $2 ORDER BY o.account`,
      [account, CONVERSATION_KIND.everyone],
    );
    return r.rows.map((x) => x.account);
  }

  /** Nothing is cached here (every read goes to PostgreSQL), so there is nothing to reload. */
  async refresh(_ids: readonly Uint8Array[]): Promise<void> {}
}
