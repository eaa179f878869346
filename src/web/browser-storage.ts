import type { ClientStorage } from '../client/index.js';
import { parseBundle, type Identity, type SuiteName } from '../crypto/index.js';
import { IdbStore } from './idb.js';

/** ClientStorage (peer keys, replay window) in IndexedDB. */
export class IdbClientStorage implements ClientStorage {
  constructor(private readonly idb: IdbStore) {}
  get(key: string): Promise<string | undefined> {
    return this.idb.get<string>(`state:${key}`);
  }
  set(key: string, value: string): Promise<void> {
    return this.idb.put(`state:${key}`, value);
  }
  delete(key: string): Promise<void> {
    return this.idb.delete(`state:${key}`);
  }
}

interface StoredIdentity {
  name: string;
  suite: SuiteName;
  bundle: Uint8Array;
  /** Non-extractable CryptoKeys: IndexedDB keeps them by structured clone; script can use, never read, them. */
  signingPrivateKey: CryptoKey;
  decryptionPrivateKey: CryptoKey;
}

/** The browser's identity: kept in IndexedDB as non-extractable WebCrypto keys, never sent. */
export async function loadBrowserIdentity(idb: IdbStore): Promise<{ name: string; identity: Identity } | undefined> {
  const s = await idb.get<StoredIdentity>('identity');
  if (!s) return undefined;
  const bundle = await parseBundle(s.bundle);
  return { name: s.name, identity: { suite: s.suite, bundle, signingPrivateKey: s.signingPrivateKey, decryptionPrivateKey: s.decryptionPrivateKey } };
}

export async function saveBrowserIdentity(idb: IdbStore, name: string, id: Identity): Promise<void> {
  const s: StoredIdentity = { name, suite: id.suite, bundle: id.bundle.bytes, signingPrivateKey: id.signingPrivateKey, decryptionPrivateKey: id.decryptionPrivateKey };
  await idb.put('identity', s);
}
