import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { isStoreError } from '../store-error.js';
import { PgDatabase } from './pg-database.js';
import { migratePg } from './pg-migrate.js';
import { PG_MIGRATIONS } from './pg-migrations.js';
import { createTestDatabase } from './pg-test-database.js';

const latest = PG_MIGRATIONS.at(-1)!.version;

test('pg migrations: nodes starting together migrate once, each version recorded once', async (t) => {
  const { open } = await createTestDatabase(t);
  // Without the advisory lock, concurrent CREATE TABLEs fail with duplicate-object errors.
  const dbs = await Promise.all([open(), open(), open(), open()]);
  const { rows } = await dbs[0]!.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
  assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((m) => m.version));
  const tables = await dbs[0]!.query<{ t: string }>("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
  assert.deepEqual(tables.rows.map((r) => r.t), ['accounts', 'conversations', 'devices', 'handshakes', 'key_packages', 'members', 'messages', 'queue', 'schema_migrations']);
  const again = await open();
  assert.equal((await again.query('SELECT 1 FROM schema_migrations')).rowCount, PG_MIGRATIONS.length, 'a restart applies nothing again');
});

test('pg migrations: a failing step is rolled back whole and reported; a newer schema is refused', async (t) => {
  const { url, open } = await createTestDatabase(t);
  const db = await open();
  // Ended in the test itself: the database is dropped (FORCE) after it, which would kill an idle connection.
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    const bad = [...PG_MIGRATIONS, { version: latest + 1, name: 'broken', sql: 'CREATE TABLE half_done (a int); SELECT 1 / 0;' }];
    await assert.rejects(migratePg(pool, bad), (e) => isStoreError(e, 'MIGRATION_FAILED') && e.message.includes('broken') && e.message.includes('division by zero'));
    assert.equal((await db.query("SELECT 1 FROM pg_tables WHERE tablename = 'half_done'")).rowCount, 0, 'its first statement was undone too');
    assert.equal((await db.query('SELECT 1 FROM schema_migrations')).rowCount, PG_MIGRATIONS.length);
    // The lock was let go despite the failure: the next start is not stuck behind it.
    assert.equal(await migratePg(pool), latest);
  } finally {
    await pool.end();
  }
  await db.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
  await assert.rejects(PgDatabase.open(url), (e) => isStoreError(e, 'SCHEMA_TOO_NEW') && e.message.includes('999'));
});

test('pg database: an unreachable server is OPEN_FAILED, without the password in the message', async () => {
  await assert.rejects(
    PgDatabase.open('postgres://postgres:s3cret@127.0.0.1:1/none'),
    (e) => isStoreError(e, 'OPEN_FAILED') && !e.message.includes('s3cret') && e.message.includes('127.0.0.1:1'),
  );
});
