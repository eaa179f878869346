// What a v2 device keeps between runs (protocol v2): its own key, the label it goes by, and the
// private halves of the key packages it uploaded (a Welcome names one of them). Kept in the
// client's storage under "v2:" keys; damaged state fails loudly (STATE_DAMAGED), never starts anew,
// since a new device key would be a new device.
import { deviceKeyFromSeed, fromBase64, generateDeviceKey, toBase64, toHex, type DeviceKey } from '../../crypto/index.js';
import { ClientError, errorMessage } from '../client-error.js';
import type { ClientStorage } from '../storage.js';

const DEVICE_KEY = 'v2:device';
const KP_INDEX = 'v2:kps';
const kpKey = (refHex: string) => `v2:kp:${refHex}`;

/** Key package privates kept at most (the server holds 200 a device, and one last-resort). */
export const MAX_KEY_PACKAGE_PRIVATES = 400;

interface KpIndex {
  refs: string[];
  lastResort: string | undefined;
}

/** The device's persistent part: its key, and its key packages' private halves by ref. */
export class DeviceStore {
  private constructor(
    private readonly storage: ClientStorage,
    readonly key: DeviceKey,
    private label_: string,
    private index: KpIndex,
  ) {}

  /** Loads the device (making it on first use, with `label`). */
  static async load(storage: ClientStorage, label: string): Promise<DeviceStore> {
    const raw = await storage.get(DEVICE_KEY);
    let key: DeviceKey;
    let stored = label;
    if (raw === undefined) {
      key = await generateDeviceKey();
      await storage.set(DEVICE_KEY, JSON.stringify({ seed: toBase64(key.seed), label }));
    } else {
      try {
        const parsed = JSON.parse(raw) as { seed?: unknown; label?: unknown };
        if (typeof parsed.seed !== 'string' || typeof parsed.label !== 'string') throw new Error('fields missing');
        key = await deviceKeyFromSeed(fromBase64(parsed.seed));
        stored = parsed.label;
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', `the stored device key is damaged (${errorMessage(e)}); refusing to start as a new device`);
      }
    }
    const rawIndex = await storage.get(KP_INDEX);
    let index: KpIndex = { refs: [], lastResort: undefined };
    if (rawIndex !== undefined) {
      try {
        const p = JSON.parse(rawIndex) as Partial<KpIndex>;
        if (!Array.isArray(p.refs) || !p.refs.every((r) => typeof r === 'string' && /^[0-9a-f]{64}$/.test(r))) throw new Error('bad refs');
        index = { refs: p.refs, lastResort: typeof p.lastResort === 'string' ? p.lastResort : undefined };
      } catch (e) {
        throw new ClientError('STATE_DAMAGED', `the stored key package index is damaged (${errorMessage(e)})`);
      }
    }
    return new DeviceStore(storage, key, stored, index);
  }

  get label(): string {
    return this.label_;
  }

  async setLabel(label: string): Promise<void> {
    this.label_ = label;
    await this.storage.set(DEVICE_KEY, JSON.stringify({ seed: toBase64(this.key.seed), label }));
  }

  /** Keeps key package privates (before their public halves are uploaded). */
  async addKeyPackages(packages: readonly { ref: Uint8Array; privateBytes: Uint8Array; lastResort: boolean }[]): Promise<void> {
    for (const p of packages) await this.storage.set(kpKey(toHex(p.ref)), toBase64(p.privateBytes));
    const refs = [...this.index.refs, ...packages.filter((p) => !p.lastResort).map((p) => toHex(p.ref))];
    const last = packages.find((p) => p.lastResort);
    const previousLast = this.index.lastResort;
    // The oldest go first when there are too many: the server hands out the oldest first too.
    const dropped = refs.length > MAX_KEY_PACKAGE_PRIVATES ? refs.splice(0, refs.length - MAX_KEY_PACKAGE_PRIVATES) : [];
    this.index = { refs, lastResort: last ? toHex(last.ref) : previousLast };
    await this.storage.set(KP_INDEX, JSON.stringify(this.index));
    for (const r of dropped) await this.storage.delete(kpKey(r));
    if (last && previousLast && previousLast !== this.index.lastResort) await this.storage.delete(kpKey(previousLast));
  }

  /** Every kept private, the last-resort one last (a Welcome is tried against each). */
  async keyPackagePrivates(): Promise<{ refHex: string; privateBytes: Uint8Array; lastResort: boolean }[]> {
    const out: { refHex: string; privateBytes: Uint8Array; lastResort: boolean }[] = [];
    const refs = [...this.index.refs, ...(this.index.lastResort ? [this.index.lastResort] : [])];
    for (const r of refs) {
      const raw = await this.storage.get(kpKey(r));
      if (raw !== undefined) out.push({ refHex: r, privateBytes: fromBase64(raw), lastResort: r === this.index.lastResort });
    }
    return out;
  }

  /** A key package was used to join: its private half goes (a last-resort one stays). */
  async consumeKeyPackage(refHex: string): Promise<void> {
    if (refHex === this.index.lastResort) return;
    this.index = { ...this.index, refs: this.index.refs.filter((r) => r !== refHex) };
    await this.storage.set(KP_INDEX, JSON.stringify(this.index));
    await this.storage.delete(kpKey(refHex));
  }

  get hasLastResort(): boolean {
    return this.index.lastResort !== undefined;
  }
}
