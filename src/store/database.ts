import Database from 'better-sqlite3';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { adoptInstanceId } from './instance-id.js';
import { StoreError } from './store-error.js';

export type SqliteDatabase = Database.Database;

const SCHEMA_VERSION = 4;

/** Schema steps by version (exported for the migration tests, which build older databases). */
export const MIGRATIONS: Readonly<Record<number, string>> = {
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
  // Protocol v2: a name is an account with devices; queues are per device, ordered by a sequence
  // number the server hands out; key packages, conversations and their members. Every v1 identity
  // becomes an account with one v1 device (id: the first 16 bytes of its fingerprint), and what was
  // stored for the name moves to that device's queue with its sequence numbers kept.
  2: `
    ALTER TABLE identities RENAME TO accounts;
    ALTER TABLE accounts ADD COLUMN device_list BLOB;
    ALTER TABLE accounts ADD COLUMN device_list_version INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE accounts ADD COLUMN last_login_at INTEGER;
    ALTER TABLE accounts ADD COLUMN logins INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE accounts ADD COLUMN reset_fingerprint BLOB;
    ALTER TABLE accounts ADD COLUMN reset_code_hash BLOB;
    ALTER TABLE accounts ADD COLUMN reset_expires_at INTEGER;
    CREATE INDEX accounts_fingerprint ON accounts (fingerprint);
    CREATE TABLE devices (
      id         BLOB PRIMARY KEY,
      account    TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE ON UPDATE CASCADE,
      key        BLOB,
      v1         INTEGER NOT NULL DEFAULT 0,
      added_at   INTEGER NOT NULL
    );
    CREATE INDEX devices_account ON devices (account);
    INSERT INTO devices (id, account, key, v1, added_at)
      SELECT substr(fingerprint, 1, 16), name, NULL, 1, created_at FROM accounts;
    UPDATE accounts SET last_login_at = updated_at;

    ALTER TABLE messages ADD COLUMN sender_device BLOB;
    ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
    ALTER TABLE messages ADD COLUMN conversation BLOB;
    ALTER TABLE messages ADD COLUMN meta BLOB;
    CREATE TABLE queue (
      seq    INTEGER PRIMARY KEY,
      device BLOB NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
      mid    INTEGER NOT NULL REFERENCES messages (mid) ON DELETE CASCADE,
      msg_id BLOB NOT NULL,
      bytes  INTEGER NOT NULL
    );
    CREATE INDEX queue_device ON queue (device, seq);
    CREATE INDEX queue_device_id ON queue (device, msg_id);
    CREATE INDEX queue_mid ON queue (mid);
    INSERT INTO queue (seq, device, mid, msg_id, bytes)
      SELECT d.seq, substr(a.fingerprint, 1, 16), d.mid, m.id, d.bytes
        FROM deliveries d JOIN accounts a ON a.name = d.recipient JOIN messages m ON m.mid = d.mid;
    -- Numbers a client may have seen are never handed out again.
    CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
    INSERT INTO meta (key, value) SELECT 'seq_reserved', COALESCE(MAX(seq), 0) FROM deliveries;
    DROP TABLE deliveries;
    DELETE FROM messages WHERE NOT EXISTS (SELECT 1 FROM queue q WHERE q.mid = messages.mid);

    CREATE TABLE key_packages (
      kp          INTEGER PRIMARY KEY AUTOINCREMENT,
      device      BLOB NOT NULL REFERENCES devices (id) ON DELETE CASCADE,
      data        BLOB NOT NULL,
      last_resort INTEGER NOT NULL DEFAULT 0,
      uploaded_at INTEGER NOT NULL
    );
    CREATE INDEX key_packages_device ON key_packages (device, last_resort, kp);

    CREATE TABLE conversations (
      id         BLOB PRIMARY KEY,
      kind       INTEGER NOT NULL,
      title      TEXT NOT NULL DEFAULT '',
      creator    TEXT NOT NULL,
      epoch      INTEGER NOT NULL DEFAULT 0,
      group_info BLOB,
      direct_key TEXT UNIQUE,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE TABLE members (
      conversation BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
      account      TEXT NOT NULL REFERENCES accounts (name) ON DELETE CASCADE ON UPDATE CASCADE,
      admin        INTEGER NOT NULL DEFAULT 0,
      joined_at    INTEGER NOT NULL,
      PRIMARY KEY (conversation, account)
    );
    CREATE INDEX members_account ON members (account);
  `,
  // Resume points and watched marks (store/watch-store.ts).
  3: `
    CREATE TABLE watch_state (
      user        TEXT NOT NULL,
      title       TEXT NOT NULL,
      position_ms INTEGER NOT NULL,
      finished    INTEGER NOT NULL,
      updated_at  INTEGER NOT NULL,
      PRIMARY KEY (user, title)
    );
  `,
  // Which sealcast instance this registry belongs to (store/instance-id.ts): a database that is
  // replaced by an empty one must not pass for the registry the certificate and HLS secret go with.
  4: `
    CREATE TABLE instance (
      id         TEXT NOT NULL,
      created_at INTEGER NOT NULL
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
  if (fresh) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Created 0600 before SQLite opens it: SQLite would make it 0644, and its -wal and -shm copy the file's mode.
    closeSync(openSync(path, 'wx', 0o600));
  }
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
    // Deleted envelopes (and their headers: sender, recipient, ids) are overwritten with zeros, not left in free pages.
    db.pragma('secure_delete = ON');
    if (!fresh) {
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(String(check));
    }
    migrate(db);
    // A database that cannot be written would fail only later, in the middle of serving: find out now.
    try {
      probeWrite(db);
    } catch (w) {
      throw new StoreError('NOT_WRITABLE', `database ${path} cannot be written (${(w as Error).message}); sealcast will not start on it`, { cause: w });
    }
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

/**
 * One real write (a row rewritten with its own value): throws when the database cannot be written
 * (read-only file or medium, another process holding the write lock, a full disk). `busyMs` bounds
 * the wait for a lock; the connection's own busy timeout is put back after.
 */
export function probeWrite(db: SqliteDatabase, busyMs?: number): void {
  const before = db.pragma('busy_timeout', { simple: true }) as number;
  if (busyMs !== undefined) db.pragma(`busy_timeout = ${Math.floor(busyMs)}`);
  try {
    db.prepare("UPDATE meta SET value = value WHERE key = 'seq_reserved'").run();
  } finally {
    if (busyMs !== undefined) db.pragma(`busy_timeout = ${before}`);
  }
}

function migrate(db: SqliteDatabase): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new StoreError('SCHEMA_TOO_NEW', `database schema ${current} is newer than this sealcast (${SCHEMA_VERSION})`);
  }
  for (let v = current + 1; v <= SCHEMA_VERSION; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      // A registry from before instance ids is a real one: it adopts an id. A new database gets none
      // until the server binds it to its data directory (server/instance-binding.ts).
      if (v === 4 && current > 0) adoptInstanceId(db);
      db.pragma(`user_version = ${v}`);
    })();
  }
}
