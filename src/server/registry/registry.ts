import {
  constantTimeEqual, findDevice, importDeviceKey, parseBundle, parseDeviceList, verifyDeviceLogin, verifyLogin,
  type DeviceList, type PublicBundle,
} from '../../crypto/verify.js';
import { canonicalName, PROTOCOL_VERSION, PROTOCOL_VERSION_2, type Login } from '../../protocol/index.js';
import { createHash } from 'node:crypto';
import { ServerError } from '../server-error.js';
import type { AccountRecord, AccountStore, DeviceRecord } from '../../store/index.js';
import { RegistrationLimiter } from './registration-limiter.js';


/** Who logged in: the account, the device, and what the login changed. */
export interface Authenticated {
  account: AccountRecord;
  device: DeviceRecord;
  /** The identity bundle the connection proved (v1: its only key). */
  bundle: PublicBundle;
  protocol: 1 | 2;
  /** This login created the account. */
  registered: boolean;
  /** v1: the name was rebound to this key after an operator reset. */
  keyChanged: boolean;
  /** v2: the login carried a newer device list; devices it dropped. */
  removedDevices: DeviceRecord[];
  /** v2: the login carried a newer device list (peers must hear of it). */
  deviceListChanged: boolean;
  /** v2: the account's first device list: its v1 device's stored mail moved to the new device. */
  firstDeviceList: boolean;
}

export interface RegistryOptions {
  registrationsPerMinute: number;
  registrationsPerAddressPerMinute: number;
}

/**
 * The registry (DESIGN.md §8): accounts, their identity keys and devices, the binding and reset
 * rules, and directory look-ups. The only place those rules live: handlers ask it, never the store.
 *
 * - The first key to prove itself for a name owns it; one identity key holds one account.
 * - v1 logins are the account's v1 device (the identity key itself); v2 logins are a device the
 *   account's signed device list names, proven by that device's key.
 * - A device list is replaced only by a newer version signed by the account's identity key.
 */
export class Registry {
  readonly registrations: RegistrationLimiter;

  constructor(
    private readonly accounts: AccountStore,
    opts: RegistryOptions,
  ) {
    this.registrations = new RegistrationLimiter(opts.registrationsPerMinute, opts.registrationsPerAddressPerMinute);
  }

  get(name: string): AccountRecord | undefined {
    const rec = this.accounts.get(name);
    return rec && !rec.reset ? rec : undefined;
  }

  /** Every device of an account that may receive (v1 device included), or none for an unknown name. */
  devicesOf(name: string): DeviceRecord[] {
    return this.get(name)?.devices ?? [];
  }

  /** True when the account has no v2 device: v2 senders seal v1 envelopes to its identity key. */
  isV1Only(account: AccountRecord): boolean {
    return account.deviceList === undefined;
  }

  /**
   * Checks a Login and applies what it implies (registration, a newer device list, a rebinding
   * after an operator reset). Throws ServerError with the wire error to answer.
   */
  async login(login: Login, ctx: { nonce: Uint8Array; certFingerprint: Uint8Array; address: string; now: number }): Promise<Authenticated> {
    const version = login.protocolVersion;
    if (version !== PROTOCOL_VERSION && version !== PROTOCOL_VERSION_2) {
      throw new ServerError('VERSION_UNSUPPORTED', `protocol version ${version} is not supported; this server speaks 1 and 2`);
    }
    let name: string;
    try {
      name = canonicalName(login.name);
    } catch (e) {
      throw new ServerError('NAME_INVALID', (e as Error).message);
    }
    let bundle: PublicBundle;
    try {
      bundle = await parseBundle(login.bundle);
    } catch {
      throw new ServerError('BAD_BUNDLE', 'public bundle is malformed or its self-signature does not verify');
    }
    return version === PROTOCOL_VERSION
      ? this.loginV1(name, bundle, login, ctx)
      : this.loginV2(name, bundle, login, ctx);
  }

  private async loginV1(
    name: string, bundle: PublicBundle, login: Login, ctx: { nonce: Uint8Array; certFingerprint: Uint8Array; address: string; now: number },
  ): Promise<Authenticated> {
    if (login.deviceList.byteLength > 0 || login.deviceKey.byteLength > 0) {
      throw new ServerError('BAD_FRAME', 'a v1 login carries no device list or device key');
    }
    const proven = await verifyLogin(bundle, ctx.nonce, ctx.certFingerprint, name, login.signature).catch(() => false);
    if (!proven) throw new ServerError('BAD_PROOF', 'login signature does not verify for this key, name and connection');
    const record = this.accounts.get(name);
    if (!record) {
      this.admit(bundle, ctx.address);
      const account = this.accounts.create({ name, bundle: bundle.bytes, fingerprint: bundle.fingerprint, now: ctx.now });
      return this.result(account, v1Device(account), bundle, 1, { registered: true });
    }
    if (record.reset) {
      this.checkReset(record, bundle, login.enrollmentCode, ctx.now);
      this.checkKeyFree(bundle, name);
      const account = this.accounts.rebind(name, bundle.bytes, bundle.fingerprint, ctx.now);
      return this.result(account, v1Device(account), bundle, 1, { keyChanged: true });
    }
    if (!constantTimeEqual(record.fingerprint, bundle.fingerprint)) throw new ServerError('NAME_TAKEN', `the name "${name}" belongs to another key`);
    let account = record;
    let device = account.devices.find((d) => d.v1);
    if (!device) {
      // An account made by a v2 device, now used by a v1 client holding the same identity key.
      device = this.accounts.addV1Device(name, ctx.now);
      account = this.accounts.get(name)!;
    }
    this.accounts.touchLogin(name, ctx.now);
    return this.result(account, device, bundle, 1, {});
  }

  private async loginV2(
    name: string, bundle: PublicBundle, login: Login, ctx: { nonce: Uint8Array; certFingerprint: Uint8Array; address: string; now: number },
  ): Promise<Authenticated> {
    if (login.deviceKey.byteLength !== 32) throw new ServerError('BAD_FRAME', 'a v2 login names its device key (32 bytes)');
    let list: DeviceList | undefined;
    if (login.deviceList.byteLength > 0) {
      try {
        list = await parseDeviceList(login.deviceList, bundle, name);
      } catch (e) {
        throw new ServerError('BAD_DEVICE_LIST', (e as Error).message);
      }
    }
    const record = this.accounts.get(name);
    if (record && !record.reset && !constantTimeEqual(record.fingerprint, bundle.fingerprint)) {
      throw new ServerError('NAME_TAKEN', `the name "${name}" belongs to another key`);
    }
    if (record?.reset) this.checkReset(record, bundle, login.enrollmentCode, ctx.now);
    // The newest list wins: the one the login carries when newer, else the one held.
    const held = record && !record.reset && record.deviceList ? await parseDeviceList(record.deviceList, bundle, name).catch(() => undefined) : undefined;
    const effective = list && (!held || list.version > held.version) ? list : held;
    if (!effective) throw new ServerError('BAD_DEVICE_LIST', 'a v2 login needs the account\'s signed device list');
    const entry = effective.devices.find((d) => constantTimeEqual(d.key, login.deviceKey));
    if (!entry) {
      throw new ServerError('UNKNOWN_DEVICE', held && list && list.version <= held.version
        ? `this device is not in the account's device list (the server holds version ${held.version}; the login carried ${list.version})`
        : 'this device is not in the account\'s device list');
    }
    const proven = await verifyDeviceLogin(await importDeviceKey(entry.key), ctx.nonce, ctx.certFingerprint, name, entry.id, login.signature).catch(() => false);
    if (!proven) throw new ServerError('BAD_PROOF', 'login signature does not verify for this device, name and connection');

    const stored = { bytes: effective.bytes, version: effective.version, devices: effective.devices };
    if (!record || record.reset) {
      if (!record) this.admit(bundle, ctx.address);
      else this.checkKeyFree(bundle, name);
      if (record) this.accounts.remove(name);
      const account = this.accounts.create({ name, bundle: bundle.bytes, fingerprint: bundle.fingerprint, now: ctx.now, deviceList: stored });
      return this.result(account, account.devices.find((d) => d.idHex === hex(entry.id))!, bundle, 2, {
        registered: !record, keyChanged: !!record, deviceListChanged: true,
      });
    }
    let removedDevices: DeviceRecord[] = [];
    const changed = effective !== held;
    const firstDeviceList = changed && !record.deviceList;
    if (changed) removedDevices = this.accounts.setDeviceList(name, stored, ctx.now);
    this.accounts.touchLogin(name, ctx.now);
    const account = this.accounts.get(name)!;
    return this.result(account, account.devices.find((d) => d.idHex === hex(entry.id))!, bundle, 2, {
      removedDevices, deviceListChanged: changed, firstDeviceList,
    });
  }

  /**
   * A newer device list from a logged-in v2 device (add, rename, remove). Returns the parsed list
   * and the devices it removed; refuses a list not newer than the one held, or one that drops the
   * device sending it (a device removes itself by logging out for good, not by a list).
   */
  async updateDeviceList(name: string, bytes: Uint8Array, from: DeviceRecord, now: number): Promise<{ list: DeviceList; removed: DeviceRecord[]; account: AccountRecord }> {
    const account = this.get(name);
    if (!account) throw new ServerError('UNKNOWN_PEER', 'no such account');
    const bundle = await parseBundle(account.bundle);
    let list: DeviceList;
    try {
      list = await parseDeviceList(bytes, bundle, name);
    } catch (e) {
      throw new ServerError('BAD_DEVICE_LIST', (e as Error).message);
    }
    if (list.version <= account.deviceListVersion) {
      throw new ServerError('STALE_DEVICE_LIST', `device list version ${list.version} is not newer than the server's ${account.deviceListVersion}`);
    }
    if (!findDevice(list, from.id)) throw new ServerError('BAD_DEVICE_LIST', 'the new device list must still name the device that sends it');
    const removed = this.accounts.setDeviceList(name, { bytes: list.bytes, version: list.version, devices: list.devices }, now);
    return { list, removed, account: this.accounts.get(name)! };
  }

  /** v1 key rotation (already verified by the caller): the account's identity changes, its v1 device stays. */
  rotateV1(name: string, bundle: PublicBundle, _device: DeviceRecord): void {
    this.checkKeyFree(bundle, name);
    this.accounts.rotate(name, bundle.bytes, bundle.fingerprint, Date.now());
  }

  /** Deletes an account with its devices, their queues, key packages and memberships (the store cascades). */
  remove(name: string): boolean {
    return this.accounts.remove(name);
  }

  /** Names registered before `before` that never logged in again (candidates only: see server/unused-names.ts). */
  unusedBefore(before: number, afterName: string, limit: number): string[] {
    return this.accounts.unusedBefore(before, afterName, limit);
  }

  /** Directory look-up: the accounts of these names (canonical), and the names that are unknown. */
  lookup(names: readonly string[]): { found: AccountRecord[]; unknown: string[] } {
    const found: AccountRecord[] = [];
    const unknown: string[] = [];
    for (const raw of names) {
      const name = raw.toLowerCase();
      const rec = this.get(name);
      if (rec) found.push(rec);
      else unknown.push(name);
    }
    return { found, unknown };
  }

  /**
   * After an operator reset only the key the operator named, or whoever holds the one-time enrollment
   * code, takes the name; the old key is revoked (a thief holding it gets nothing).
   */
  private checkReset(record: AccountRecord, bundle: PublicBundle, code: string, now: number): void {
    if (record.resetFingerprint && constantTimeEqual(record.resetFingerprint, bundle.fingerprint)) return;
    if (record.resetCodeHash && code !== '' && (record.resetExpiresAt ?? 0) > now) {
      const hash = new Uint8Array(createHash('sha256').update(normalizeCode(code)).digest());
      if (constantTimeEqual(hash, record.resetCodeHash)) return;
    }
    throw new ServerError('NAME_RESET_PENDING', `the name "${record.name}" was reset by its operator and waits for the key (or enrollment code) the operator gave`);
  }

  /** A registration from this address with this key: rate-limited, and one key holds one account. */
  private admit(bundle: PublicBundle, address: string): void {
    this.checkKeyFree(bundle, undefined);
    if (!this.registrations.take(address)) {
      throw new ServerError('RATE_LIMITED', 'too many new registrations from this address; try again in a minute');
    }
  }

  private checkKeyFree(bundle: PublicBundle, except: string | undefined): void {
    const holders = this.accounts.namesWithFingerprint(bundle.fingerprint).filter((n) => n !== except);
    if (holders.length > 0) throw new ServerError('KEY_IN_USE', 'this identity key already holds another account; log in under that name');
  }

  private result(
    account: AccountRecord, device: DeviceRecord, bundle: PublicBundle, protocol: 1 | 2,
    flags: { registered?: boolean; keyChanged?: boolean; removedDevices?: DeviceRecord[]; deviceListChanged?: boolean; firstDeviceList?: boolean },
  ): Authenticated {
    return {
      account, device, bundle, protocol, registered: flags.registered ?? false, keyChanged: flags.keyChanged ?? false,
      removedDevices: flags.removedDevices ?? [], deviceListChanged: flags.deviceListChanged ?? false,
      firstDeviceList: flags.firstDeviceList ?? false,
    };
  }
}

/** Enrollment codes are shown in groups ("ABCD-EFGH-JK") and compared without dashes, in upper case. */
export function normalizeCode(code: string): string {
  return code.replace(/-/g, '').toUpperCase();
}

function v1Device(account: AccountRecord): DeviceRecord {
  return account.devices.find((d) => d.v1)!;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
