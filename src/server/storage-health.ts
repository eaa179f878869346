import { statfsSync } from 'node:fs';
import { probeWrite, type SqliteDatabase } from '../store/index.js';

/**
 * Whether the server can still store what it accepts: its database takes a write, and the disk of
 * the data directory has more free space than the watermark. /healthz reports the answer, so a load
 * balancer or an operator's check sees a full disk or a read-only database before users do.
 * Probed at most once per `cacheMs`: /healthz is public, and each probe is a real write.
 */
export class StorageHealth {
  private last: { at: number; problem: string | null } | undefined;
  private lastDisk: { at: number; problem: string | null } | undefined;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly dataDir: string,
    private readonly minFreeBytes: number,
    private readonly cacheMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** null when all is well; otherwise what is wrong, in words for the operator. */
  problem(): string | null {
    const at = this.now();
    if (this.last && at - this.last.at < this.cacheMs) return this.last.problem;
    const problem = this.diskLow() ?? this.writeProblem();
    this.last = { at, problem };
    return problem;
  }

  /**
   * The free-space half alone (no write probe): asked before every message is stored, so a disk
   * that fills up refuses new messages before SQLite fails mid-write. Read at most once per `cacheMs`.
   */
  diskLow(): string | null {
    const at = this.now();
    if (this.lastDisk && at - this.lastDisk.at < this.cacheMs) return this.lastDisk.problem;
    const problem = this.readDisk();
    this.lastDisk = { at, problem };
    return problem;
  }

  private readDisk(): string | null {
    let free: number;
    try {
      const s = statfsSync(this.dataDir);
      free = s.bavail * s.bsize;
    } catch (e) {
      return `cannot read the free space of ${this.dataDir}: ${(e as Error).message}`;
    }
    if (free < this.minFreeBytes) return `disk nearly full: ${free} bytes free for ${this.dataDir}, below the ${this.minFreeBytes} watermark`;
    return null;
  }

  private writeProblem(): string | null {
    if (!this.db.open) return 'database closed';
    try {
      // A short wait: this runs on the event loop, and a lock held for longer is itself the fault.
      probeWrite(this.db, 200);
      return null;
    } catch (e) {
      return `database cannot be written: ${(e as Error).message}`;
    }
  }
}
