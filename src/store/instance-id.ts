import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';

/**
 * The instance id ties a registry (the database) to the rest of its data directory (certificate,
 * HLS secret): a database deleted or truncated to zero comes back without one, and the server then
 * refuses to start instead of letting every name be claimed again.
 */
export function readInstanceId(db: Database.Database): string | null {
  const row = db.prepare('SELECT id FROM instance LIMIT 1').get() as { id: string } | undefined;
  return row?.id ?? null;
}

/** Gives the database a new instance id and returns it; refuses if it already has one. */
export function createInstanceId(db: Database.Database, now = Date.now()): string {
  if (readInstanceId(db) !== null) throw new Error('the database already has an instance id');
  const id = randomBytes(16).toString('hex');
  db.prepare('INSERT INTO instance (id, created_at) VALUES (?, ?)').run(id, now);
  return id;
}

/** Migration step for a database from before instance ids (it holds a real registry). */
export function adoptInstanceId(db: Database.Database): void {
  createInstanceId(db);
}
