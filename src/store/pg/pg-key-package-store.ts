import type { AsyncKeyPackageStore } from '../async-stores.js';
import type { ClaimedPackage } from '../key-package-store.js';
import { buf } from './pg-bytes.js';
import type { PgDatabase } from './pg-database.js';

/** KeyPackageStore on PostgreSQL: claims are one statement each, safe across nodes. */
export class PgKeyPackageStore implements AsyncKeyPackageStore {
  constructor(private readonly db: PgDatabase) {}

  upload(device: Uint8Array, packages: readonly Uint8Array[], lastResort: Uint8Array | undefined, now: number, maxPerDevice: number): Promise<{ accepted: number }> {
    const d = buf(device);
    return this.db.tx(async (q) => {
      // The device row's lock serializes uploads for it, so two nodes cannot both fill the last room.
      await q.query('SELECT 1 FROM devices WHERE id = $1 FOR UPDATE', [d]);
      const { rows } = await q.query<{ n: number }>('SELECT COUNT(*) AS n FROM key_packages WHERE device = $1 AND NOT last_resort', [d]);
      const taken = packages.slice(0, Math.max(0, maxPerDevice - rows[0]!.n));
      if (taken.length > 0) {
        await q.query(
          'INSERT INTO key_packages (device, data, last_resort, uploaded_at) SELECT $1, p, false, $3 FROM unnest($2::bytea[]) WITH ORDINALITY AS u(p, i) ORDER BY i',
          [d, taken.map(buf), now],
        );
      }
      if (lastResort) {
        await q.query('DELETE FROM key_packages WHERE device = $1 AND last_resort', [d]);
        await q.query('INSERT INTO key_packages (device, data, last_resort, uploaded_at) VALUES ($1, $2, true, $3)', [d, buf(lastResort), now]);
      }
      return { accepted: taken.length };
    });
  }

  async claim(device: Uint8Array): Promise<ClaimedPackage | undefined> {
    const d = buf(device);
    // Take-and-delete in one statement; a package another claimer is taking right now is skipped,
    // not waited for, so two claimers never get the same one.
    const r = await this.db.query<{ data: Buffer }>(
      `DELETE FROM key_packages WHERE kp = (
         SELECT kp FROM key_packages WHERE device = $1 AND NOT last_resort ORDER BY kp LIMIT 1 FOR UPDATE SKIP LOCKED
       ) RETURNING data`,
      [d],
    );
    if (r.rows[0]) return { data: new Uint8Array(r.rows[0].data), lastResort: false };
    // The last-resort package is handed out and kept.
    const last = await this.db.query<{ data: Buffer }>('SELECT data FROM key_packages WHERE device = $1 AND last_resort', [d]);
    return last.rows[0] ? { data: new Uint8Array(last.rows[0].data), lastResort: true } : undefined;
  }

  async status(device: Uint8Array): Promise<{ remaining: number; lastResort: boolean }> {
    const r = await this.db.query<{ remaining: number; last: boolean }>(
      `SELECT COUNT(*) FILTER (WHERE NOT last_resort) AS remaining, bool_or(last_resort) AS last FROM key_packages WHERE device = $1`,
      [buf(device)],
    );
    return { remaining: r.rows[0]!.remaining, lastResort: r.rows[0]!.last === true };
  }
}
