import type { SqliteDatabase } from './database.js';

/** Conversation kinds as stored (the wire's ConversationKind numbers). */
export const CONVERSATION_KIND = { direct: 1, room: 2, everyone: 3 } as const;
export type ConversationKindNumber = (typeof CONVERSATION_KIND)[keyof typeof CONVERSATION_KIND];

/** A conversation: one MLS group, as the delivery service sees it. */
export interface ConversationRecord {
  id: Uint8Array;
  idHex: string;
  kind: ConversationKindNumber;
  title: string;
  /** The account that created it (and administers a room); "" for Everyone. */
  creator: string;
  /** The epoch the next commit must be for. */
  epoch: number;
  /** The latest GroupInfo (for joins by external commit); undefined before the first commit. */
  groupInfo: Uint8Array | undefined;
  createdAt: number;
  updatedAt: number;
  /** Direct conversations: the two accounts. */
  pair: [string, string] | undefined;
  /** Member accounts and whether each administers the conversation. */
  members: Map<string, { admin: boolean; joinedAt: number }>;
}

/** The delivery service's conversations and their member accounts (the MLS tree itself stays with the clients). */
export interface ConversationStore {
  get(id: Uint8Array): ConversationRecord | undefined;
  /** The direct conversation of two accounts, if one exists. */
  direct(a: string, b: string): ConversationRecord | undefined;
  everyone(): ConversationRecord | undefined;
  /** A new conversation; a direct one names its `peer` (one direct conversation per pair of accounts). */
  create(c: { id: Uint8Array; kind: ConversationKindNumber; title: string; creator: string; members: { name: string; admin: boolean }[]; now: number; peer?: string | undefined }): ConversationRecord;
  /**
   * Compare-and-set of the epoch: succeeds only when the conversation is still at `epoch`, then
   * moves it to epoch + 1 with the new GroupInfo and member changes, in one transaction.
   */
  advance(id: Uint8Array, epoch: number, groupInfo: Uint8Array, add: readonly string[], remove: readonly string[], now: number): boolean;
  rename(id: Uint8Array, title: string, now: number): void;
  /** Makes an account a member without an MLS change (v1 accounts in Everyone: they take v1 envelopes only). */
  join(id: Uint8Array, account: string, now: number): void;
  /** Conversation ids an account is a member of, oldest first. */
  conversationsOf(account: string): Uint8Array[];
  /** Accounts sharing at least one conversation with `account` (not counting Everyone), without it. */
  contactsOf(account: string): string[];
  /** Reads these conversations again: their members changed outside this store (a removed account's rows cascaded). */
  refresh(ids: readonly Uint8Array[]): void;
}

interface ConversationRow {
  id: Buffer;
  kind: number;
  title: string;
  creator: string;
  epoch: number;
  group_info: Buffer | null;
  direct_key: string | null;
  created_at: number;
  updated_at: number;
}

function directKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** Conversations kept in memory at most. */
const CACHE_ENTRIES = 10_000;

/** ConversationStore on the server's SQLite database, with recently used conversations cached. */
export class SqliteConversationStore implements ConversationStore {
  private readonly cache = new Map<string, ConversationRecord | null>();
  private version = -1;
  private checkedAt = 0;
  private readonly s;
  private readonly advanceTx;

  constructor(private readonly db: SqliteDatabase) {
    this.s = {
      version: db.prepare<[], number>('PRAGMA data_version').pluck(),
      get: db.prepare<[Buffer], ConversationRow>('SELECT * FROM conversations WHERE id = ?'),
      members: db.prepare<[Buffer], { account: string; admin: number; joined_at: number }>(
        'SELECT account, admin, joined_at FROM members WHERE conversation = ?',
      ),
      direct: db.prepare<[string], Buffer>('SELECT id FROM conversations WHERE direct_key = ?').pluck(),
      everyone: db.prepare<[], Buffer>('SELECT id FROM conversations WHERE kind = 3 ORDER BY created_at LIMIT 1').pluck(),
      insert: db.prepare(
        'INSERT INTO conversations (id, kind, title, creator, epoch, group_info, direct_key, created_at, updated_at) VALUES (?, ?, ?, ?, 0, NULL, ?, ?, ?)',
      ),
      addMember: db.prepare('INSERT OR IGNORE INTO members (conversation, account, admin, joined_at) VALUES (?, ?, ?, ?)'),
      removeMember: db.prepare('DELETE FROM members WHERE conversation = ? AND account = ?'),
      advance: db.prepare('UPDATE conversations SET epoch = epoch + 1, group_info = ?, updated_at = ? WHERE id = ? AND epoch = ?'),
      rename: db.prepare('UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?'),
      of: db.prepare<[string], Buffer>(
        'SELECT m.conversation FROM members m JOIN conversations c ON c.id = m.conversation WHERE m.account = ? ORDER BY c.created_at, c.id',
      ).pluck(),
      contacts: db.prepare<[string, string], string>(
        `SELECT DISTINCT o.account FROM members m JOIN members o ON o.conversation = m.conversation
           JOIN conversations c ON c.id = m.conversation
          WHERE m.account = ? AND o.account != ? AND c.kind != 3`,
      ).pluck(),
    };
    this.advanceTx = db.transaction(
      (id: Buffer, epoch: number, groupInfo: Uint8Array, add: readonly string[], remove: readonly string[], now: number): boolean => {
        if (this.s.advance.run(Buffer.from(groupInfo), now, id, epoch).changes === 0) return false;
        for (const a of add) this.s.addMember.run(id, a, 0, now);
        for (const r of remove) this.s.removeMember.run(id, r);
        return true;
      },
    );
  }

  private fresh(): void {
    const now = Date.now();
    if (now - this.checkedAt < 50) return;
    this.checkedAt = now;
    const v = this.s.version.get()!;
    if (v !== this.version) {
      this.version = v;
      this.cache.clear();
    }
  }

  private load(id: Uint8Array): ConversationRecord | undefined {
    const key = Buffer.from(id);
    const r = this.s.get.get(key);
    if (!r) return undefined;
    const members = new Map<string, { admin: boolean; joinedAt: number }>();
    for (const m of this.s.members.all(key)) members.set(m.account, { admin: m.admin !== 0, joinedAt: m.joined_at });
    return {
      id: new Uint8Array(r.id), idHex: hex(r.id), kind: r.kind as ConversationKindNumber, title: r.title, creator: r.creator,
      epoch: r.epoch, groupInfo: r.group_info ? new Uint8Array(r.group_info) : undefined, createdAt: r.created_at,
      updatedAt: r.updated_at, members, pair: r.direct_key ? (r.direct_key.split('\u0000') as [string, string]) : undefined,
    };
  }

  private reload(id: Uint8Array): ConversationRecord | undefined {
    const rec = this.load(id);
    const key = hex(id);
    this.cache.delete(key);
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, rec ?? null);
    return rec;
  }

  get(id: Uint8Array): ConversationRecord | undefined {
    this.fresh();
    const hit = this.cache.get(hex(id));
    if (hit !== undefined) return hit ?? undefined;
    return this.reload(id);
  }

  direct(a: string, b: string): ConversationRecord | undefined {
    const id = this.s.direct.get(directKey(a, b));
    return id ? this.get(new Uint8Array(id)) : undefined;
  }

  everyone(): ConversationRecord | undefined {
    const id = this.s.everyone.get();
    return id ? this.get(new Uint8Array(id)) : undefined;
  }

  create(c: { id: Uint8Array; kind: ConversationKindNumber; title: string; creator: string; members: { name: string; admin: boolean }[]; now: number; peer?: string | undefined }): ConversationRecord {
    const id = Buffer.from(c.id);
    const peer = c.kind === CONVERSATION_KIND.direct ? c.peer : undefined;
    this.db.transaction(() => {
      this.s.insert.run(id, c.kind, c.title, c.creator, peer ? directKey(c.creator, peer) : null, c.now, c.now);
      for (const m of c.members) this.s.addMember.run(id, m.name, m.admin ? 1 : 0, c.now);
    })();
    return this.reload(c.id)!;
  }

  advance(id: Uint8Array, epoch: number, groupInfo: Uint8Array, add: readonly string[], remove: readonly string[], now: number): boolean {
    const ok = this.advanceTx(Buffer.from(id), epoch, groupInfo, add, remove, now);
    this.reload(id);
    return ok;
  }

  rename(id: Uint8Array, title: string, now: number): void {
    this.s.rename.run(title, now, Buffer.from(id));
    this.reload(id);
  }

  join(id: Uint8Array, account: string, now: number): void {
    if (this.s.addMember.run(Buffer.from(id), account, 0, now).changes > 0) this.reload(id);
  }

  conversationsOf(account: string): Uint8Array[] {
    return this.s.of.all(account).map((b) => new Uint8Array(b));
  }

  contactsOf(account: string): string[] {
    return this.s.contacts.all(account, account);
  }

  refresh(ids: readonly Uint8Array[]): void {
    for (const id of ids) this.reload(id);
  }
}
