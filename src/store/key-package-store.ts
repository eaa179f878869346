import type { SqliteDatabase } from './database.js';

/** A key package as handed to a claimer. */
export interface ClaimedPackage {
  data: Uint8Array;
  lastResort: boolean;
}

/**
 * MLS key packages per device (protocol v2): uploaded in batches, each claimed once (atomically:
 * two claimers never get the same package), with one last-resort package per device handed out
 * when the others are gone and never deleted by a claim.
 */
export interface KeyPackageStore {
  /** Adds packages (and replaces the last-resort one when given); refuses to go past `maxPerDevice`. */
  upload(device: Uint8Array, packages: readonly Uint8Array[], lastResort: Uint8Array | undefined, now: number, maxPerDevice: number): { accepted: number };
  /** Takes one package of the device: the oldest ordinary one, else its last-resort one. */
  claim(device: Uint8Array): ClaimedPackage | undefined;
  /** Ordinary packages left for the device, and whether it has a last-resort one. */
  status(device: Uint8Array): { remaining: number; lastResort: boolean };
}

/** KeyPackageStore on the server's SQLite database. */
export class SqliteKeyPackageStore implements KeyPackageStore {
  private readonly s;
  private readonly uploadTx;
  private readonly claimTx;

  constructor(db: SqliteDatabase) {
    this.s = {
      count: db.prepare<[Buffer], number>('SELECT COUNT(*) FROM key_packages WHERE device = ? AND last_resort = 0').pluck(),
      hasLast: db.prepare<[Buffer], number>('SELECT 1 FROM key_packages WHERE device = ? AND last_resort = 1').pluck(),
      insert: db.prepare('INSERT INTO key_packages (device, data, last_resort, uploaded_at) VALUES (?, ?, ?, ?)'),
      deleteLast: db.prepare('DELETE FROM key_packages WHERE device = ? AND last_resort = 1'),
      oldest: db.prepare<[Buffer], { kp: number; data: Buffer }>(
        'SELECT kp, data FROM key_packages WHERE device = ? AND last_resort = 0 ORDER BY kp LIMIT 1',
      ),
      last: db.prepare<[Buffer], Buffer>('SELECT data FROM key_packages WHERE device = ? AND last_resort = 1').pluck(),
      delete: db.prepare('DELETE FROM key_packages WHERE kp = ?'),
    };
    this.uploadTx = db.transaction(
      (device: Buffer, packages: readonly Uint8Array[], lastResort: Uint8Array | undefined, now: number, max: number) => {
        const room = Math.max(0, max - this.s.count.get(device)!);
        const taken = packages.slice(0, room);
        for (const p of taken) this.s.insert.run(device, Buffer.from(p), 0, now);
        if (lastResort) {
          this.s.deleteLast.run(device);
          this.s.insert.run(device, Buffer.from(lastResort), 1, now);
        }
        return { accepted: taken.length };
      },
    );
    this.claimTx = db.transaction((device: Buffer): ClaimedPackage | undefined => {
      const row = this.s.oldest.get(device);
      if (row) {
        this.s.delete.run(row.kp);
        return { data: new Uint8Array(row.data), lastResort: false };
      }
      const last = this.s.last.get(device);
      return last ? { data: new Uint8Array(last), lastResort: true } : undefined;
    });
  }

  upload(device: Uint8Array, packages: readonly Uint8Array[], lastResort: Uint8Array | undefined, now: number, maxPerDevice: number): { accepted: number } {
    return this.uploadTx(Buffer.from(device), packages, lastResort, now, maxPerDevice);
  }

  claim(device: Uint8Array): ClaimedPackage | undefined {
    return this.claimTx(Buffer.from(device));
  }

  status(device: Uint8Array): { remaining: number; lastResort: boolean } {
    const d = Buffer.from(device);
    return { remaining: this.s.count.get(d)!, lastResort: this.s.hasLast.get(d) !== undefined };
  }
}
