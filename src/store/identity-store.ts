import type { SqliteDatabase } from './database.js';

/** A name's registered public bundle, as the server keeps it. */
export interface IdentityRecord {
  name: string;
  bundle: Uint8Array;
  fingerprint: Uint8Array;
  createdAt: number;
  updatedAt: number;
  /** Set by an operator reset: the next key to prove itself takes the name. */
  reset: boolean;
}

/** The name ⇄ key registry's storage (SQLite now; PostgreSQL when the server scales out). */
export interface IdentityStore {
  get(name: string): IdentityRecord | undefined;
  list(): IdentityRecord[];
  /** Binds a new name, or rebinds an existing one (rotation, reset). */
  put(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): void;
  /** Operator reset for a lost key; returns false when the name is unknown. */
  markReset(name: string, now: number): boolean;
  remove(name: string): boolean;
}

interface Row {
  name: string;
  bundle: Buffer;
  fingerprint: Buffer;
  created_at: number;
  updated_at: number;
  reset: number;
}

function toRecord(r: Row): IdentityRecord {
  return {
    name: r.name,
    bundle: new Uint8Array(r.bundle),
    fingerprint: new Uint8Array(r.fingerprint),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    reset: r.reset !== 0,
  };
}

/**
 * IdentityStore on the server's SQLite database. Every routed message looks its recipient
 * up, so the table is kept in memory; SQLite's data_version tells when another process
 * (`sealcast admin`) changed the file, and the copy is read again.
 */
export class SqliteIdentityStore implements IdentityStore {
  private cache: { version: number; byName: Map<string, IdentityRecord>; sorted: IdentityRecord[] } | undefined;
  private checkedAt = 0;
  private readonly versionStmt;
  private readonly listStmt;
  private readonly putStmt;
  private readonly resetStmt;
  private readonly removeStmt;

  constructor(db: SqliteDatabase) {
    this.listStmt = db.prepare<[], Row>('SELECT * FROM identities ORDER BY name');
    this.putStmt = db.prepare(
      `INSERT INTO identities (name, bundle, fingerprint, created_at, updated_at, reset)
       VALUES (@name, @bundle, @fingerprint, @now, @now, 0)
       ON CONFLICT (name) DO UPDATE SET bundle = @bundle, fingerprint = @fingerprint, updated_at = @now, reset = 0`,
    );
    this.resetStmt = db.prepare('UPDATE identities SET reset = 1, updated_at = ? WHERE name = ?');
    this.removeStmt = db.prepare('DELETE FROM identities WHERE name = ?');
    this.versionStmt = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  private records() {
    // Looked at most once per 50 ms: an operator's change shows within that.
    const now = Date.now();
    if (this.cache && now - this.checkedAt < 50) return this.cache;
    this.checkedAt = now;
    const version = this.versionStmt.get()!;
    if (this.cache?.version !== version) {
      const sorted = this.listStmt.all().map(toRecord);
      this.cache = { version, byName: new Map(sorted.map((r) => [r.name, r])), sorted };
    }
    return this.cache;
  }

  get(name: string): IdentityRecord | undefined {
    return this.records().byName.get(name);
  }

  list(): IdentityRecord[] {
    return [...this.records().sorted];
  }

  // Writes from this connection do not change data_version: the copy is updated with them.
  put(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): void {
    this.putStmt.run({ name, bundle: Buffer.from(bundle), fingerprint: Buffer.from(fingerprint), now });
    const before = this.cache?.byName.get(name);
    this.keep(name, {
      name, bundle: Uint8Array.from(bundle), fingerprint: Uint8Array.from(fingerprint), createdAt: before?.createdAt ?? now, updatedAt: now, reset: false,
    });
  }

  markReset(name: string, now: number): boolean {
    const changed = this.resetStmt.run(now, name).changes > 0;
    const before = this.cache?.byName.get(name);
    if (changed && before) this.keep(name, { ...before, reset: true, updatedAt: now });
    return changed;
  }

  remove(name: string): boolean {
    const changed = this.removeStmt.run(name).changes > 0;
    if (changed) this.keep(name, undefined);
    return changed;
  }

  /** Puts this connection's own write into the in-memory copy (if one is held): `undefined` removes the name. */
  private keep(name: string, record: IdentityRecord | undefined): void {
    const cache = this.cache;
    if (!cache) return;
    if (record) cache.byName.set(name, record);
    else cache.byName.delete(name);
    replaceSorted(cache.sorted, name, record);
  }
}

/** Puts `record` in the name-sorted list in place of `name`'s (or removes it): a binary search, not a re-read. */
function replaceSorted(sorted: IdentityRecord[], name: string, record: IdentityRecord | undefined): void {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]!.name < name) lo = mid + 1;
    else hi = mid;
  }
  const found = sorted[lo]?.name === name;
  if (record) sorted.splice(lo, found ? 1 : 0, record);
  else if (found) sorted.splice(lo, 1);
}
