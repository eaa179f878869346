import pg from 'pg';
import { StoreError } from '../store-error.js';
import { isUnavailable, unavailable } from './pg-errors.js';
import { migratePg } from './pg-migrate.js';
import { redactUrl } from '../url-redaction.js';

/** What a query runs on: the pool, or one client inside a transaction. */
export interface PgQueryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

// BIGINT (int8) columns hold ms timestamps, sequence numbers and counts, all below 2^53: as numbers,
// not pg's default strings, so records read the same as from SQLite.
const INT8_OID = 20;
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PgDatabaseOptions {
  /** Connections at most (pg's default is 10). */
  max?: number;
  /** How long a query waits for a connection when the server does not answer (pg's default: forever). */
  connectTimeoutMs?: number;
  /** An idle connection failed (the server restarted, the network dropped): the pool drops it; this reports it. */
  onIdleError?: (e: Error) => void;
}

/**
 * The pool adapter of the PostgreSQL store: plain queries on the pool, transactions on one
 * client. `synchronous_commit` stays on (the server default), so a commit that returned is on disk:
 * store-before-acknowledge holds as with SQLite.
 */
export class PgDatabase implements PgQueryable {
  private constructor(readonly pool: pg.Pool) {}

  /** Connects and brings the schema up to date (concurrent starters wait for each other). */
  static async open(url: string, opts: PgDatabaseOptions = {}): Promise<PgDatabase> {
    const pool = new pg.Pool({ connectionString: url, max: opts.max ?? 10, connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000, types });
    pool.on('error', opts.onIdleError ?? ((e) => process.emitWarning(`PostgreSQL idle connection failed: ${e.message}`)));
    try {
      await migratePg(pool);
    } catch (e) {
      await pool.end();
      if (e instanceof StoreError) throw e;
      throw new StoreError('OPEN_FAILED', `cannot open PostgreSQL database ${redactUrl(url)}: ${(e as Error).message}`, { cause: e });
    }
    return new PgDatabase(pool);
  }

  /** A query on a pooled connection; an unreachable server rejects with StoreError UNAVAILABLE. */
  async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(text, values);
    } catch (e) {
      throw isUnavailable(e) ? unavailable(e) : e;
    }
  }

  /**
   * Runs `fn` in one transaction: committed when it returns, rolled back when it throws. If the
   * server cannot be reached (before or during it) it rejects with UNAVAILABLE: a COMMIT whose
   * answer was lost may or may not have happened, which is why callers acknowledge nothing then
   * and senders retry with the same id (the unique key makes the retry harmless).
   */
  async tx<T>(fn: (q: PgQueryable) => Promise<T>): Promise<T> {
    try {
      return await this.transaction(fn);
    } catch (e) {
      throw isUnavailable(e) ? unavailable(e) : e;
    }
  }

  private async transaction<T>(fn: (q: PgQueryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    // A connection dropped while checked out is reported here, not as an uncaught 'error' event.
    const onError = (e: Error) => {
      broken = e;
    };
    client.on('error', onError);
    try {
      await client.query('BEGIN');
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (r) {
        // The connection itself failed: it must not go back to the pool.
        broken = r as Error;
      }
      throw e;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
