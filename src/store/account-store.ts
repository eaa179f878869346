import type { SqliteDatabase } from './database.js';

/** A device of an account, as the server keeps it. */
export interface DeviceRecord {
  /** 16 bytes. A v1 device's id is the first 16 bytes of the identity fingerprint. */
  id: Uint8Array;
  /** The id in hex: the key of per-device maps. */
  idHex: string;
  account: string;
  /** Ed25519 public key; undefined for the v1 device (it logs in with the identity key itself). */
  key: Uint8Array | undefined;
  v1: boolean;
  addedAt: number;
}

/** An account: a name bound to an identity key, with its devices. */
export interface AccountRecord {
  name: string;
  /** The identity's public bundle (v1: the only key). */
  bundle: Uint8Array;
  fingerprint: Uint8Array;
  createdAt: number;
  updatedAt: number;
  /**
   * Set by an operator reset: the old key is revoked, and the name waits for the key the operator
   * named (`resetFingerprint`) or for whoever holds the one-time enrollment code (`resetCodeHash`).
   */
  reset: boolean;
  resetFingerprint: Uint8Array | undefined;
  /** SHA-256 of the enrollment code. */
  resetCodeHash: Uint8Array | undefined;
  /** When the enrollment code stops working (ms). */
  resetExpiresAt: number | undefined;
  /** The newest signed device list (v2); undefined for a v1-only account. */
  deviceList: Uint8Array | undefined;
  deviceListVersion: number;
  /** Last login (ms); the registration counts as one. */
  lastLoginAt: number;
  /** Logins since registration (the registration is the first). */
  logins: number;
  devices: DeviceRecord[];
}

/** A new account, as a first login creates it. */
export interface NewAccount {
  name: string;
  bundle: Uint8Array;
  fingerprint: Uint8Array;
  now: number;
  /** v2: the signed device list and the devices it names; v1: undefined (one v1 device is made). */
  deviceList?: { bytes: Uint8Array; version: number; devices: { id: Uint8Array; key: Uint8Array; addedAt: number }[] };
}

/**
 * The registry's storage: accounts, their identity keys and devices (SQLite now; PostgreSQL when
 * the server scales out). Reads are point look-ups by name, fingerprint or device id, so a login
 * costs the same whatever the number of accounts.
 */
export interface AccountStore {
  get(name: string): AccountRecord | undefined;
  /** Accounts bound to this identity fingerprint (one, for accounts made since v2). */
  namesWithFingerprint(fingerprint: Uint8Array): string[];
  device(id: Uint8Array): DeviceRecord | undefined;
  create(account: NewAccount): AccountRecord;
  /** v1 key rotation: the account's identity changes, its devices and queues stay (old mail opens with the retired key). */
  rotate(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): AccountRecord;
  /** Operator reset's rebinding: a new identity for the name (its devices and their queues go). */
  rebind(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): AccountRecord;
  /**
   * Stores a newer device list: devices it no longer names are deleted (with their queues and key
   * packages), new ones added. Returns the devices removed. The caller checked signature and version.
   * An account's first list (a v1 identity moving to v2) also moves what is stored for its v1 device
   * to its first v2 device, so nothing kept for the identity is lost.
   */
  setDeviceList(name: string, list: { bytes: Uint8Array; version: number; devices: { id: Uint8Array; key: Uint8Array; addedAt: number }[] }, now: number): DeviceRecord[];
  /** Adds the v1 device of an account (a v1 client logging in to an account made by v2). */
  addV1Device(name: string, now: number): DeviceRecord;
  touchLogin(name: string, now: number): void;
  /**
   * Operator reset: revokes the account's key and devices (their queues and key packages go with
   * them) and says who may take the name next: the key with `fingerprint`, or whoever presents the
   * code whose SHA-256 is `codeHash` before `expiresAt`.
   */
  markReset(name: string, now: number, next?: { fingerprint?: Uint8Array; codeHash?: Uint8Array; expiresAt?: number }): boolean;
  remove(name: string): boolean;
  /** Every account, by name (operator listing only: never on a client's path). */
  list(): AccountRecord[];
  count(): number;
  /**
   * Names of accounts that never logged in again after registering and registered before `before`,
   * in name order after `afterName` ('' from the start), at most `limit`; names held by an operator
   * reset are not among them. Only a query: the server's sweep decides which are really unused and
   * removes them (server/unused-names.ts).
   */
  unusedBefore(before: number, afterName: string, limit: number): string[];
}

interface AccountRow {
  name: string;
  bundle: Buffer;
  fingerprint: Buffer;
  created_at: number;
  updated_at: number;
  reset: number;
  device_list: Buffer | null;
  device_list_version: number;
  last_login_at: number | null;
  logins: number;
  reset_fingerprint: Buffer | null;
  reset_code_hash: Buffer | null;
  reset_expires_at: number | null;
}

interface DeviceRow {
  id: Buffer;
  account: string;
  key: Buffer | null;
  v1: number;
  added_at: number;
}

function toDevice(r: DeviceRow): DeviceRecord {
  const id = new Uint8Array(r.id);
  return {
    id, idHex: Buffer.from(id).toString('hex'), account: r.account, key: r.key ? new Uint8Array(r.key) : undefined,
    v1: r.v1 !== 0, addedAt: r.added_at,
  };
}

/** The id of an identity's v1 device: the first 16 bytes of its fingerprint. */
export function v1DeviceId(fingerprint: Uint8Array): Uint8Array {
  return Uint8Array.from(fingerprint.subarray(0, 16));
}

/** Account records kept in memory at most (a cache in front of point look-ups, not the registry). */
const CACHE_ENTRIES = 20_000;

/**
 * AccountStore on the server's SQLite database. Recently used accounts are cached; SQLite's
 * data_version tells when another process (`sealcast admin`) changed the file, and the cache is
 * dropped. Writes from this connection update the cache themselves.
 */
export class SqliteAccountStore implements AccountStore {
  private readonly cache = new Map<string, AccountRecord | null>();
  private version = -1;
  private checkedAt = 0;
  private readonly s;

  constructor(private readonly db: SqliteDatabase) {
    this.s = {
      version: db.prepare<[], number>('PRAGMA data_version').pluck(),
      get: db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?'),
      devices: db.prepare<[string], DeviceRow>('SELECT * FROM devices WHERE account = ? ORDER BY added_at, id'),
      device: db.prepare<[Buffer], DeviceRow>('SELECT * FROM devices WHERE id = ?'),
      byFingerprint: db.prepare<[Buffer], string>('SELECT name FROM accounts WHERE fingerprint = ? ORDER BY name').pluck(),
      insert: db.prepare(
        `INSERT INTO accounts (name, bundle, fingerprint, created_at, updated_at, reset, device_list, device_list_version, last_login_at, logins)
         VALUES (@name, @bundle, @fingerprint, @now, @now, 0, @deviceList, @version, @now, 1)`,
      ),
      insertDevice: db.prepare('INSERT OR IGNORE INTO devices (id, account, key, v1, added_at) VALUES (?, ?, ?, ?, ?)'),
      deleteDevice: db.prepare('DELETE FROM devices WHERE id = ?'),
      deleteDevicesOf: db.prepare('DELETE FROM devices WHERE account = ?'),
      moveQueue: db.prepare('UPDATE queue SET device = ? WHERE device = ?'),
      rebind: db.prepare(
        // The new key's first login is its registration: the unused-name clock starts again from it.
        `UPDATE accounts SET bundle = @bundle, fingerprint = @fingerprint, updated_at = @now, reset = 0,
           device_list = NULL, device_list_version = 0, reset_fingerprint = NULL, reset_code_hash = NULL,
           reset_expires_at = NULL, last_login_at = @now, logins = 1 WHERE name = @name`,
      ),
      rotate: db.prepare('UPDATE accounts SET bundle = @bundle, fingerprint = @fingerprint, updated_at = @now WHERE name = @name'),
      setList: db.prepare('UPDATE accounts SET device_list = ?, device_list_version = ?, updated_at = ? WHERE name = ?'),
      touch: db.prepare('UPDATE accounts SET last_login_at = ?, logins = logins + 1 WHERE name = ?'),
      reset: db.prepare(
        'UPDATE accounts SET reset = 1, updated_at = ?, reset_fingerprint = ?, reset_code_hash = ?, reset_expires_at = ? WHERE name = ?',
      ),
      remove: db.prepare('DELETE FROM accounts WHERE name = ?'),
      list: db.prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name'),
      count: db.prepare<[], number>('SELECT COUNT(*) FROM accounts').pluck(),
      unused: db.prepare<[number, string, number], string>(
        'SELECT name FROM accounts WHERE logins <= 1 AND reset = 0 AND last_login_at < ? AND name > ? ORDER BY name LIMIT ?',
      ).pluck(),
    };
  }

  private fresh(): void {
    // Looked at most once per 50 ms: an operator's change shows within that.
    const now = Date.now();
    if (now - this.checkedAt < 50) return;
    this.checkedAt = now;
    const v = this.s.version.get()!;
    if (v !== this.version) {
      this.version = v;
      this.cache.clear();
    }
  }

  private load(name: string): AccountRecord | undefined {
    const r = this.s.get.get(name);
    if (!r) return undefined;
    return {
      name: r.name,
      bundle: new Uint8Array(r.bundle),
      fingerprint: new Uint8Array(r.fingerprint),
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      reset: r.reset !== 0,
      resetFingerprint: r.reset_fingerprint ? new Uint8Array(r.reset_fingerprint) : undefined,
      resetCodeHash: r.reset_code_hash ? new Uint8Array(r.reset_code_hash) : undefined,
      resetExpiresAt: r.reset_expires_at ?? undefined,
      deviceList: r.device_list ? new Uint8Array(r.device_list) : undefined,
      deviceListVersion: r.device_list_version,
      lastLoginAt: r.last_login_at ?? r.updated_at,
      logins: r.logins,
      devices: this.s.devices.all(name).map(toDevice),
    };
  }

  private remember(name: string, rec: AccountRecord | undefined): void {
    this.cache.delete(name);
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(name, rec ?? null);
  }

  get(name: string): AccountRecord | undefined {
    this.fresh();
    const hit = this.cache.get(name);
    if (hit !== undefined) {
      // Most recently used goes last: the oldest entry is the one dropped when full.
      this.cache.delete(name);
      this.cache.set(name, hit);
      return hit ?? undefined;
    }
    const rec = this.load(name);
    this.remember(name, rec);
    return rec;
  }

  namesWithFingerprint(fingerprint: Uint8Array): string[] {
    return this.s.byFingerprint.all(Buffer.from(fingerprint));
  }

  device(id: Uint8Array): DeviceRecord | undefined {
    const r = this.s.device.get(Buffer.from(id));
    return r ? toDevice(r) : undefined;
  }

  create(a: NewAccount): AccountRecord {
    this.db.transaction(() => {
      this.s.insert.run({
        name: a.name, bundle: Buffer.from(a.bundle), fingerprint: Buffer.from(a.fingerprint), now: a.now,
        deviceList: a.deviceList ? Buffer.from(a.deviceList.bytes) : null, version: a.deviceList?.version ?? 0,
      });
      if (a.deviceList) {
        for (const d of a.deviceList.devices) this.s.insertDevice.run(Buffer.from(d.id), a.name, Buffer.from(d.key), 0, d.addedAt);
      } else {
        this.s.insertDevice.run(Buffer.from(v1DeviceId(a.fingerprint)), a.name, null, 1, a.now);
      }
    })();
    return this.reload(a.name)!;
  }

  rebind(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): AccountRecord {
    this.db.transaction(() => {
      this.s.rebind.run({ name, bundle: Buffer.from(bundle), fingerprint: Buffer.from(fingerprint), now });
      this.s.deleteDevicesOf.run(name);
      this.s.insertDevice.run(Buffer.from(v1DeviceId(fingerprint)), name, null, 1, now);
    })();
    return this.reload(name)!;
  }

  rotate(name: string, bundle: Uint8Array, fingerprint: Uint8Array, now: number): AccountRecord {
    this.s.rotate.run({ name, bundle: Buffer.from(bundle), fingerprint: Buffer.from(fingerprint), now });
    return this.reload(name)!;
  }

  setDeviceList(
    name: string, list: { bytes: Uint8Array; version: number; devices: { id: Uint8Array; key: Uint8Array; addedAt: number }[] }, now: number,
  ): DeviceRecord[] {
    const before = this.get(name)?.devices ?? [];
    const keep = new Set(list.devices.map((d) => Buffer.from(d.id).toString('hex')));
    const removed = before.filter((d) => !d.v1 && !keep.has(d.idHex));
    const v1 = before.find((d) => d.v1);
    const firstList = before.every((d) => d.v1);
    this.db.transaction(() => {
      this.s.setList.run(Buffer.from(list.bytes), list.version, now, name);
      for (const d of removed) this.s.deleteDevice.run(Buffer.from(d.id));
      for (const d of list.devices) this.s.insertDevice.run(Buffer.from(d.id), name, Buffer.from(d.key), 0, d.addedAt);
      if (firstList && v1 && list.devices[0]) this.s.moveQueue.run(Buffer.from(list.devices[0].id), Buffer.from(v1.id));
    })();
    this.reload(name);
    return removed;
  }

  addV1Device(name: string, now: number): DeviceRecord {
    const rec = this.get(name);
    if (!rec) throw new Error(`no account ${name}`);
    const id = v1DeviceId(rec.fingerprint);
    this.s.insertDevice.run(Buffer.from(id), name, null, 1, now);
    return this.reload(name)!.devices.find((d) => d.v1)!;
  }

  touchLogin(name: string, now: number): void {
    this.s.touch.run(now, name);
    const rec = this.cache.get(name);
    if (rec) {
      rec.lastLoginAt = now;
      rec.logins++;
    }
  }

  markReset(name: string, now: number, next: { fingerprint?: Uint8Array; codeHash?: Uint8Array; expiresAt?: number } = {}): boolean {
    const changed = this.db.transaction(() => {
      const n = this.s.reset.run(
        now, next.fingerprint ? Buffer.from(next.fingerprint) : null, next.codeHash ? Buffer.from(next.codeHash) : null,
        next.expiresAt ?? null, name,
      ).changes;
      // The old key is revoked: its devices go, with what was stored for them (sealed to that key).
      if (n > 0) this.s.deleteDevicesOf.run(name);
      return n > 0;
    })();
    if (changed) this.reload(name);
    return changed;
  }

  remove(name: string): boolean {
    const changed = this.s.remove.run(name).changes > 0;
    this.remember(name, undefined);
    return changed;
  }

  list(): AccountRecord[] {
    return this.s.list.all().map((r) => this.load(r.name)!);
  }

  count(): number {
    return this.s.count.get()!;
  }

  unusedBefore(before: number, afterName: string, limit: number): string[] {
    return this.s.unused.all(before, afterName, limit);
  }

  private reload(name: string): AccountRecord | undefined {
    const rec = this.load(name);
    this.remember(name, rec);
    return rec;
  }
}
