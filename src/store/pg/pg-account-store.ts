import { v1DeviceId, type AccountRecord, type DeviceRecord, type NewAccount } from '../account-store.js';
import type { AsyncAccountStore } from '../async-stores.js';
import { buf, u8 } from './pg-bytes.js';
import type { PgDatabase, PgQueryable } from './pg-database.js';

interface AccountRow {
  name: string;
  bundle: Buffer;
  fingerprint: Buffer;
  created_at: number;
  updated_at: number;
  reset: boolean;
  device_list: Buffer | null;
  device_list_version: number;
  last_login_at: number;
  logins: number;
  reset_fingerprint: Buffer | null;
  reset_code_hash: Buffer | null;
  reset_expires_at: number | null;
}

interface DeviceRow {
  id: Buffer;
  account: string;
  key: Buffer | null;
  v1: boolean;
  added_at: number;
}

type DeviceList = { bytes: Uint8Array; version: number; devices: { id: Uint8Array; key: Uint8Array; addedAt: number }[] };


function toDevice(r: DeviceRow): DeviceRecord {
  const id = new Uint8Array(r.id);
  return { id, idHex: r.id.toString('hex'), account: r.account, key: u8(r.key), v1: r.v1, addedAt: r.added_at };
}

function toAccount(r: AccountRow, devices: DeviceRecord[]): AccountRecord {
  return {
    name: r.name, bundle: new Uint8Array(r.bundle), fingerprint: new Uint8Array(r.fingerprint), createdAt: r.created_at,
    updatedAt: r.updated_at, reset: r.reset, resetFingerprint: u8(r.reset_fingerprint), resetCodeHash: u8(r.reset_code_hash),
    resetExpiresAt: r.reset_expires_at ?? undefined, deviceList: u8(r.device_list), deviceListVersion: r.device_list_version,
    lastLoginAt: r.last_login_at, logins: r.logins, devices,
  };
}

const INSERT_DEVICE = 'INSERT INTO devices (id, account, key, v1, added_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING';

/**
 * AccountStore on PostgreSQL. No cache yet: with several nodes a cached record goes stale when
 * another node changes it, and invalidation over the bus is a later step.
 */
export class PgAccountStore implements AsyncAccountStore {
  constructor(private readonly db: PgDatabase) {}

  private async load(q: PgQueryable, name: string): Promise<AccountRecord | undefined> {
    const a = await q.query<AccountRow>('SELECT * FROM accounts WHERE name = $1', [name]);
    if (a.rowCount === 0) return undefined;
    const d = await q.query<DeviceRow>('SELECT * FROM devices WHERE account = $1 ORDER BY added_at, id', [name]);
    return toAccount(a.rows[0]!, d.rows.map(toDevice));
  }

  private async mustLoad(q: PgQueryable, name: string): Promise<AccountRecord> {
    const rec = await this.load(q, name);
    if (!rec) throw new Error(`no account ${name}`);
    return rec;
  }

  get(name: string): Promise<AccountRecord | undefined> {
    return this.load(this.db, name);
  }

  async namesWithFingerprint(fingerprint: Uint8Array): Promise<string[]> {
    const r = await this.db.query<{ name: string }>('SELECT name FROM accounts WHERE fingerprint = $1 ORDER BY name', [buf(fingerprint)]);
    return r.rows.map((x) => x.name);
  }

  async device(id: Uint8Array): Promise<DeviceRecord | undefined> {
    const r = await this.db.query<DeviceRow>('SELECT * FROM devices WHERE id = $1', [buf(id)]);
    return r.rows[0] ? toDevice(r.rows[0]) : undefined;
  }

  create(a: NewAccount): Promise<AccountRecord> {
    return this.db.tx(async (q) => {
      await q.query(
        `INSERT INTO accounts (name, bundle, fingerprint, created_at, updated_at, reset, device_list, device_list_version, last_login_at, logins)
         VALUES ($1, $2, $3, $4, $4, false, $5, $6, $4, 1)`,
        [a.name, buf(a.bundle), buf(a.fingerprint), a.now, a.deviceList ? buf(a.deviceList.bytes) : null, a.deviceList?.version ?? 0],
      );
      if (a.deviceList) {
        for (const d of a.deviceList.devices) await q.query(INSERT_DEVICE, [buf(d.id), a.name, buf(d.key), false, d.addedAt]);
      } else {
        await q.query(INSERT_DEVICE, [buf(v1DeviceId(a.fingerprint)), a.name, null, true, a.now]);
      }
      return this.mustLoad(q, a.name);
    });
  }

  async rotate(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): Promise<AccountRecord> {
    await this.db.query('UPDATE accounts SET bundle = $2, fingerprint = $3, updated_at = $4 WHERE name = $1', [name, buf(bundle), buf(fingerprint), now]);
    return this.mustLoad(this.db, name);
  }

  rebind(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): Promise<AccountRecord> {
    return this.db.tx(async (q) => {
      await q.query(
        `UPDATE accounts SET bundle = $2, fingerprint = $3, updated_at = $4, reset = false, device_list = NULL,
           device_list_version = 0, reset_fingerprint = NULL, reset_code_hash = NULL, reset_expires_at = NULL WHERE name = $1`,
        [name, buf(bundle), buf(fingerprint), now],
      );
      await q.query('DELETE FROM devices WHERE account = $1', [name]);
      await q.query(INSERT_DEVICE, [buf(v1DeviceId(fingerprint)), name, null, true, now]);
      return this.mustLoad(q, name);
    });
  }

  setDeviceList(name: string, list: DeviceList, now: number): Promise<DeviceRecord[]> {
    return this.db.tx(async (q) => {
      // The account row's lock orders two nodes changing the same list: each sees the other's result.
      await q.query('SELECT 1 FROM accounts WHERE name = $1 FOR UPDATE', [name]);
      const before = (await this.load(q, name))?.devices ?? [];
      const keep = new Set(list.devices.map((d) => Buffer.from(d.id).toString('hex')));
      const removed = before.filter((d) => !d.v1 && !keep.has(d.idHex));
      const v1 = before.find((d) => d.v1);
      const firstList = before.every((d) => d.v1);
      await q.query('UPDATE accounts SET device_list = $2, device_list_version = $3, updated_at = $4 WHERE name = $1', [name, buf(list.bytes), list.version, now]);
      for (const d of removed) await q.query('DELETE FROM devices WHERE id = $1', [buf(d.id)]);
      for (const d of list.devices) await q.query(INSERT_DEVICE, [buf(d.id), name, buf(d.key), false, d.addedAt]);
      const first = list.devices[0];
      if (firstList && v1 && first) {
        // What waits for the v1 device moves to the first v2 device, numbers and counter with it.
        await q.query(
          'UPDATE devices SET queue_seq = GREATEST(queue_seq, (SELECT queue_seq FROM devices WHERE id = $2)) WHERE id = $1',
          [buf(first.id), buf(v1.id)],
        );
        await q.query('UPDATE queue SET device = $1 WHERE device = $2', [buf(first.id), buf(v1.id)]);
      }
      return removed;
    });
  }

  async addV1Device(name: string, now: number): Promise<DeviceRecord> {
    const rec = await this.mustLoad(this.db, name);
    await this.db.query(INSERT_DEVICE, [buf(v1DeviceId(rec.fingerprint)), name, null, true, now]);
    return (await this.mustLoad(this.db, name)).devices.find((d) => d.v1)!;
  }

  async touchLogin(name: string, now: number): Promise<void> {
    await this.db.query('UPDATE accounts SET last_login_at = $2, logins = logins + 1 WHERE name = $1', [name, now]);
  }

  markReset(name: string, now: number, next: { fingerprint?: Uint8Array; codeHash?: Uint8Array; expiresAt?: number } = {}): Promise<boolean> {
    return this.db.tx(async (q) => {
      const r = await q.query(
        'UPDATE accounts SET reset = true, updated_at = $2, reset_fingerprint = $3, reset_code_hash = $4, reset_expires_at = $5 WHERE name = $1',
        [name, now, next.fingerprint ? buf(next.fingerprint) : null, next.codeHash ? buf(next.codeHash) : null, next.expiresAt ?? null],
      );
      // The old key is revoked: its devices go, with what was stored for them (sealed to that key).
      if (r.rowCount === 0) return false;
      await q.query('DELETE FROM devices WHERE account = $1', [name]);
      return true;
    });
  }

  async remove(name: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM accounts WHERE name = $1', [name])).rowCount ?? 0) > 0;
  }

  async list(): Promise<AccountRecord[]> {
    const a = await this.db.query<AccountRow>('SELECT * FROM accounts ORDER BY name');
    const d = await this.db.query<DeviceRow>('SELECT * FROM devices ORDER BY added_at, id');
    const by = new Map<string, DeviceRecord[]>();
    for (const r of d.rows) {
      const list = by.get(r.account) ?? [];
      list.push(toDevice(r));
      by.set(r.account, list);
    }
    return a.rows.map((r) => toAccount(r, by.get(r.name) ?? []));
  }

  async count(): Promise<number> {
    return (await this.db.query<{ n: number }>('SELECT COUNT(*) AS n FROM accounts')).rows[0]!.n;
  }

  async unusedBefore(before: number, afterName: string, limit: number): Promise<string[]> {
    // Candidates only, a page at a time in name order: the server decides and removes each (as on SQLite).
    const r = await this.db.query<{ name: string }>(
      'SELECT name FROM accounts WHERE logins <= 1 AND NOT reset AND last_login_at < $1 AND name > $2 ORDER BY name LIMIT $3',
      [before, afterName, limit],
    );
    return r.rows.map((x) => x.name);
  }
}
