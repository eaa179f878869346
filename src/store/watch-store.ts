import type { SqliteDatabase } from './database.js';

/** Where one user is in one title. */
export interface WatchRecord {
  title: string;
  /** Resume point (ms of media). */
  positionMs: number;
  /** Watched to the end. */
  finished: boolean;
  updatedAt: number;
}

/** Resume points and watched marks per user (SQLite now; the same interface for PostgreSQL later). */
export interface WatchStore {
  /** Every title this user has a record for, by title name. */
  list(user: string): Map<string, WatchRecord>;
  get(user: string, title: string): WatchRecord | undefined;
  /** Records a position; keeps at most `maxTitlesPerUser` titles per user (the least recently watched go). */
  save(user: string, title: string, positionMs: number, finished: boolean, now: number): void;
}

interface Row {
  title: string;
  position_ms: number;
  finished: number;
  updated_at: number;
}

function toRecord(r: Row): WatchRecord {
  return { title: r.title, positionMs: r.position_ms, finished: r.finished !== 0, updatedAt: r.updated_at };
}

/** Titles a user keeps state for before the oldest are forgotten. */
export const MAX_WATCHED_TITLES_PER_USER = 2000;

/** WatchStore on the server's database (table watch_state, migration 2). */
export class SqliteWatchStore implements WatchStore {
  private readonly listStmt;
  private readonly getStmt;
  private readonly putStmt;
  private readonly countStmt;
  private readonly pruneStmt;

  constructor(db: SqliteDatabase, private readonly maxTitlesPerUser = MAX_WATCHED_TITLES_PER_USER) {
    this.listStmt = db.prepare<[string], Row>('SELECT title, position_ms, finished, updated_at FROM watch_state WHERE user = ?');
    this.getStmt = db.prepare<[string, string], Row>('SELECT title, position_ms, finished, updated_at FROM watch_state WHERE user = ? AND title = ?');
    this.putStmt = db.prepare(
      'INSERT INTO watch_state (user, title, position_ms, finished, updated_at) VALUES (?, ?, ?, ?, ?) ' +
        'ON CONFLICT (user, title) DO UPDATE SET position_ms = excluded.position_ms, finished = excluded.finished, updated_at = excluded.updated_at',
    );
    this.countStmt = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM watch_state WHERE user = ?');
    this.pruneStmt = db.prepare(
      'DELETE FROM watch_state WHERE user = ? AND title IN (SELECT title FROM watch_state WHERE user = ? ORDER BY updated_at ASC, title ASC LIMIT ?)',
    );
  }

  list(user: string): Map<string, WatchRecord> {
    return new Map(this.listStmt.all(user).map((r) => [r.title, toRecord(r)]));
  }

  get(user: string, title: string): WatchRecord | undefined {
    const r = this.getStmt.get(user, title);
    return r ? toRecord(r) : undefined;
  }

  save(user: string, title: string, positionMs: number, finished: boolean, now: number): void {
    this.putStmt.run(user, title, Math.max(0, Math.round(positionMs)), finished ? 1 : 0, now);
    const over = this.countStmt.get(user)!.n - this.maxTitlesPerUser;
    if (over > 0) this.pruneStmt.run(user, user, over);
  }
}
