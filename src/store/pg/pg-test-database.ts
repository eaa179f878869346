import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgDatabase } from './pg-database.js';

/** Where tests find PostgreSQL (a server they may create and drop databases on). */
export function testPgUrl(): string {
  return process.env.SEALCAST_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** The URL of another database on the same server. */
function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh database of its own for one test file (`sealcast_test_<random>`), dropped after it.
 * No PostgreSQL answering is a failure, not a skip: .ci/run starts one.
 */
export async function createTestDatabase(t: { after: (fn: () => Promise<void>) => void }): Promise<{ url: string; open: () => Promise<PgDatabase> }> {
  const admin = testPgUrl();
  const name = `sealcast_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = withDatabase(admin, name);
  const opened: PgDatabase[] = [];
  t.after(async () => {
    for (const db of opened) await db.close();
    const c = new pg.Client({ connectionString: admin });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  });
  return {
    url,
    open: async () => {
      const db = await PgDatabase.open(url, { max: 4 });
      opened.push(db);
      return db;
    },
  };
}
