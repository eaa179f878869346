// Accounts as this device knows them (protocol v2): looked up on demand (Lookup), each account's
// identity pinned on first sight (the same TrustStore as v1's peers), and each device list checked
// against the pinned identity. The MLS authentication hook asks here whether a leaf's key is a
// device of its account; a device not seen before is announced (deviceAdded), as a new key would be.
import {
  constantTimeEqual, findDevice, parseBundle, parseDeviceList, toHex, type DeviceList, type PublicBundle,
} from '../../crypto/index.js';
import { LIMITS, type Account, type ClientFrameInit, type ServerFrame } from '../../protocol/index.js';
import { ClientError, errorMessage } from '../client-error.js';
import type { SavedState } from '../saved-state.js';
import type { ClientStorage } from '../storage.js';

const SEEN_KEY = 'v2:seen-devices';

/** An account as the directory holds it. */
export interface KnownAccount {
  name: string;
  bundle: PublicBundle;
  /** Its newest device list checked against the pinned identity; undefined for a v1-only account. */
  list: DeviceList | undefined;
  v1Only: boolean;
  /** The identity differs from the pinned one and the user has not accepted it: nothing of it is trusted. */
  blocked: boolean;
}

export interface DirectoryDeps {
  selfName: string;
  saved: SavedState;
  storage: ClientStorage;
  /** A request on the current connection (also while logging in). */
  request: (frame: ClientFrameInit) => Promise<ServerFrame>;
  /** A device we had not seen appeared in an account's list (not on first sight of the account). */
  deviceAdded: (e: { name: string; deviceId: string; label: string }) => void;
  /** The account's identity differs from the one we pinned. */
  keyChanged: (e: { name: string; previous: string; current: string }) => void;
}

/** The directory: look-ups, pins, device lists. */
export class Directory {
  private readonly accounts = new Map<string, KnownAccount>();
  private seen: Record<string, string[]> | undefined;

  constructor(private readonly deps: DirectoryDeps) {}

  private async seenDevices(): Promise<Record<string, string[]>> {
    if (this.seen) return this.seen;
    const raw = await this.deps.storage.get(SEEN_KEY);
    try {
      this.seen = raw ? (JSON.parse(raw) as Record<string, string[]>) : {};
    } catch (e) {
      throw new ClientError('STATE_DAMAGED', `the record of known devices is damaged: ${errorMessage(e)}`);
    }
    return this.seen;
  }

  /** The account, looked up when not known (UNKNOWN_PEER when the server knows no such name). */
  async get(name: string): Promise<KnownAccount> {
    const known = this.accounts.get(name);
    if (known) return known;
    const [found] = await this.lookup([name]);
    if (!found) throw new ClientError('UNKNOWN_PEER', `no user "${name}" is registered`);
    return found;
  }

  /** Looks accounts up (in frames of 100); returns those that exist. */
  async lookup(names: readonly string[]): Promise<KnownAccount[]> {
    const out: KnownAccount[] = [];
    for (let i = 0; i < names.length; i += LIMITS.maxNamesPerRequest) {
      const reply = await this.deps.request({ body: { case: 'lookup', value: { names: names.slice(i, i + LIMITS.maxNamesPerRequest) } } });
      if (reply.body.case !== 'directory') throw new ClientError('BAD_SERVER_FRAME', `the server answered a Lookup with ${reply.body.case}`);
      for (const a of reply.body.value.accounts) out.push(await this.learn(a));
    }
    return out;
  }

  /** Takes in what the server says of an account (a Lookup answer, an AccountChanged push). */
  async learn(a: Account): Promise<KnownAccount> {
    let bundle: PublicBundle;
    try {
      bundle = await parseBundle(a.bundle);
    } catch (e) {
      throw new ClientError('BAD_SERVER_FRAME', `the server sent a bad identity for "${a.name}": ${errorMessage(e)}`);
    }
    const trust = this.deps.saved.trust!;
    const sighting = trust.observe(a.name, { fingerprint: bundle.fingerprint, bytes: bundle.bytes });
    const blocked = sighting.status === 'changed';
    if (blocked) this.deps.keyChanged({ name: a.name, previous: sighting.previous!, current: toHex(bundle.fingerprint) });
    let list: DeviceList | undefined;
    if (!blocked && a.deviceList.byteLength > 0) {
      try {
        list = await parseDeviceList(a.deviceList, bundle, a.name);
      } catch (e) {
        throw new ClientError('BAD_SERVER_FRAME', `the device list of "${a.name}" does not verify: ${errorMessage(e)}`);
      }
      const before = this.accounts.get(a.name)?.list;
      if (before && list.version < before.version) list = before; // never go back to an older list
      await this.noteDevices(a.name, list);
    }
    const rec: KnownAccount = { name: a.name, bundle, list, v1Only: a.v1Only, blocked };
    this.accounts.set(a.name, rec);
    return rec;
  }

  /** Our own account's newest list (from the Welcome, or our own update). */
  async learnOwn(bundle: PublicBundle, list: DeviceList): Promise<void> {
    await this.noteDevices(this.deps.selfName, list);
    this.accounts.set(this.deps.selfName, { name: this.deps.selfName, bundle, list, v1Only: false, blocked: false });
  }

  private async noteDevices(name: string, list: DeviceList): Promise<void> {
    const seen = await this.seenDevices();
    const ids = list.devices.map((d) => toHex(d.id));
    const before = seen[name];
    if (before && ids.every((i) => before.includes(i)) && before.length === ids.length) return;
    if (before) {
      for (const d of list.devices) if (!before.includes(toHex(d.id))) this.deps.deviceAdded({ name, deviceId: toHex(d.id), label: d.label });
    }
    seen[name] = ids;
    await this.deps.storage.set(SEEN_KEY, JSON.stringify(seen));
  }

  /** Known without asking the server (undefined otherwise). */
  known(name: string): KnownAccount | undefined {
    return this.accounts.get(name);
  }

  /** Forget what we know of an account's devices (an AccountChanged is coming, or a leaf did not match). */
  forget(name: string): void {
    this.accounts.delete(name);
  }

  /**
   * The MLS authentication hook: is `key` the key of device `deviceId` of account `name`, in the
   * device list signed by the identity we pinned? Asks the server once more when the list we hold
   * does not name it (the account may have added a device since).
   */
  async authenticate(name: string, deviceId: Uint8Array, key: Uint8Array): Promise<boolean> {
    const check = (a: KnownAccount | undefined) => {
      if (!a || a.blocked || !a.list) return false;
      const d = findDevice(a.list, deviceId);
      return d !== undefined && constantTimeEqual(d.key, key);
    };
    if (check(this.accounts.get(name))) return true;
    // Not in the list we hold: the account may have added the device since (ours too: another of
    // our devices may have). A look-up that fails refuses the credential: unverified is not trusted.
    const [fresh] = await this.lookup([name]).catch(() => [undefined]);
    return check(fresh);
  }
}
