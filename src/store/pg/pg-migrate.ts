import type pg from 'pg';
import { StoreError } from '../store-error.js';
import { PG_MIGRATIONS, type PgMigration } from './pg-migrations.js';

/**
 * The advisory lock key of schema changes ("sealcast" in a 32-bit number). Advisory locks belong to
 * one database, so test databases never wait for each other.
 */
const MIGRATION_LOCK = 0x5ea1ca57;

/**
 * Applies the migrations newer than the database's, each in its own transaction with its row in
 * schema_migrations. Nodes starting together serialize on an advisory lock: the first migrates, the
 * others then find nothing to do. Returns the schema version now in force.
 */
export async function migratePg(pool: pg.Pool, migrations: readonly PgMigration[] = PG_MIGRATIONS): Promise<number> {
  const latest = migrations.at(-1)?.version ?? 0;
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // Session-level lock: held across the transactions below, released even if one fails.
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version    INTEGER PRIMARY KEY,
           name       TEXT NOT NULL,
           applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await client.query<{ v: number }>('SELECT COALESCE(MAX(version), 0)::int AS v FROM schema_migrations');
      const current = rows[0]!.v;
      if (current > latest) {
        throw new StoreError('SCHEMA_TOO_NEW', `database schema ${current} is newer than this sealcast (${latest})`);
      }
      for (const m of migrations) {
        if (m.version <= current) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw new StoreError('MIGRATION_FAILED', `schema migration ${m.version} (${m.name}) failed: ${(e as Error).message}`, { cause: e });
        }
      }
      return latest;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } catch (e) {
    // A failed unlock or rollback leaves the session unusable: it is destroyed, which frees the lock.
    if (!(e instanceof StoreError)) broken = e as Error;
    throw e;
  } finally {
    client.release(broken);
  }
}
