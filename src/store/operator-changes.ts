import type { SqliteDatabase } from './database.js';

/**
 * A counter `sealcast admin` raises after each change it makes to accounts (remove, reset-name),
 * so a running server can tell an operator's change from any other write by another connection
 * (PRAGMA data_version also moves for every WAL checkpoint the checkpoint worker makes).
 */
export function noteOperatorChange(db: SqliteDatabase): void {
  db.prepare("INSERT INTO meta (key, value) VALUES ('operator_changes', 1) ON CONFLICT (key) DO UPDATE SET value = value + 1").run();
}

/** Reads the counter (0 before any operator change); one point query. */
export function operatorChanges(db: SqliteDatabase): () => number {
  const read = db.prepare<[], number>("SELECT value FROM meta WHERE key = 'operator_changes'").pluck();
  return () => read.get() ?? 0;
}
