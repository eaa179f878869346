import Database from 'better-sqlite3';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { StoreError } from './store-error.js';

export type SqliteDatabase = Database.Database;

const SCHEMA_VERSION = 2;

const MIGRATIONS: Record<number, string> = {
  1: `
    CREATE TABLE identities (
      name        TEXT PRIMARY KEY,
      bundle      BLOB NOT NULL,
      fingerprint BLOB NOT NULL,
      created_at  INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL,
      reset       INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE messages (
      mid        INTEGER PRIMARY KEY AUTOINCREMENT,
      sender     TEXT NOT NULL,
      id         BLOB NOT NULL,
      to_all     INTEGER NOT NULL,
      envelope   BLOB NOT NULL,
      stored_at  INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      UNIQUE (sender, id)
    );
    CREATE INDEX messages_expiry ON messages (expires_at);
    CREATE TABLE deliveries (
      seq       INTEGER PRIMARY KEY AUTOINCREMENT,
      mid       INTEGER NOT NULL REFERENCES messages (mid) ON DELETE CASCADE,
      recipient TEXT NOT NULL,
      bytes     INTEGER NOT NULL,
      UNIQUE (recipient, mid)
    );
    CREATE INDEX deliveries_recipient ON deliveries (recipient, seq);
    CREATE INDEX deliveries_mid ON deliveries (mid);
  `,
  // Resume points and watched marks (store/watch-store.ts).
  2: `
    CREATE TABLE watch_state (
      user        TEXT NOT NULL,
      title       TEXT NOT NULL,
      position_ms INTEGER NOT NULL,
      finished    INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL,
      PRIMARY KEY (user, title)
    );
  `,
};

/**
 * Opens (creating if needed) the server's SQLite database in WAL mode and brings
 * its schema up to date. A damaged file is reported as CORRUPT_DATABASE with the
 * path and never silently replaced: losing stored messages quietly is worse than not starting.
 */
export function openDatabase(path: string): SqliteDatabase {
  const fresh = !existsSync(path);
  if (fresh) mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let db: SqliteDatabase;
  try {
    db = new Database(path);
  } catch (e) {
    throw new StoreError('OPEN_FAILED', `cannot open database ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a committed transaction survives a process crash (kill -9);
    // only an OS crash or power loss can drop the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    if (!fresh) {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(String(check));
    }
    migrate(db);
  } catch (e) {
    db.close();
    if (e instanceof StoreError) throw e;
    throw new StoreError(
      'CORRUPT_DATABASE',
      `database ${path} is damaged (${(e as Error).message}). sealcast will not start on it, so that no stored ` +
        `message is lost silently: restore it from a backup, or move it away to start empty.`,
      { cause: e },
    );
  }
  return db;
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StoreError('SCHEMA_TOO_NEW', `database schema ${current} is newer than this sealcast (${SCHEMA_VERSION})`);
  }
  for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v}`);
    })();
  }
}
