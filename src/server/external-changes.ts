import { operatorChanges, type SqliteDatabase } from '../store/index.js';
import { CLOSE_CODES } from '../protocol/index.js';
import type { ServerContext } from './context.js';

/**
 * `sealcast admin` changes the database from another process (remove, reset-name) and raises the
 * operator-change counter (store/operator-changes.ts). The registry's and conversations' caches
 * notice by PRAGMA data_version themselves; this does the same for what else the server keeps in
 * memory: the mailbox's byte counts (a removed account's queues no longer count against the quotas
 * of those who wrote to it) and the sessions of accounts that are gone. Run by a timer; cheap when
 * nothing changed (one point query).
 */
export class ExternalChanges {
  private readonly version;
  private seen: number;
  /** Sessions are looked at one check after a change: the registry's cache may hold the old record for 50 ms more. */
  private sessionsDue = false;

  constructor(
    db: SqliteDatabase,
    private readonly ctx: Pick<ServerContext, 'mailbox' | 'registry' | 'router' | 'log'>,
  ) {
    this.version = operatorChanges(db);
    this.seen = this.version();
  }

  /** Looks once; returns true when another process had changed the database. */
  check(): boolean {
    if (this.sessionsDue) {
      this.sessionsDue = false;
      this.closeRemoved();
    }
    const v = this.version();
    if (v === this.seen) return false;
    this.seen = v;
    this.ctx.mailbox.recount();
    this.sessionsDue = true;
    return true;
  }

  private closeRemoved(): void {
    for (const name of [...this.ctx.router.onlineAccounts()]) {
      if (this.ctx.registry.get(name)) continue;
      for (const conn of this.ctx.router.receiversOf(name)) conn.close(CLOSE_CODES.DEVICE_REMOVED, 'this account was removed or reset by the operator');
      this.ctx.log.info({ user: name }, 'sessions of a removed account closed');
    }
  }
}
