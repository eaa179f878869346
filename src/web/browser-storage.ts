import { type ClientStorage, type Identity, parseBundle, type SuiteName } from '../client/index.js';
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
  /**
   * The passphrase-encrypted transfer file (client/identity-transfer.ts), when the identity was
   * created with an export passphrase or imported from a file; absent: the keys cannot leave.
   */
  exportFile?: string;
}

/** The identity this browser signs in with. */
export interface BrowserIdentity {
  name: string;
  identity: Identity;
  exportFile?: string;
}

/** The browser's identity: kept in IndexedDB as non-extractable WebCrypto keys, never sent. */
export async function loadBrowserIdentity(idb: IdbStore): Promise<BrowserIdentity | undefined> {
  const s = await idb.get<StoredIdentity>('identity');
  if (!s) return undefined;
  const bundle = await parseBundle(s.bundle);
  const identity: Identity = { suite: s.suite, bundle, signingPrivateKey: s.signingPrivateKey, decryptionPrivateKey: s.decryptionPrivateKey };
  return s.exportFile ? { name: s.name, identity, exportFile: s.exportFile } : { name: s.name, identity };
}

/** Stores the identity (its private keys must be non-extractable: see docs/SECURITY.md). */
export async function saveBrowserIdentity(idb: IdbStore, b: BrowserIdentity): Promise<void> {
  const id = b.identity;
  const s: StoredIdentity = {
    name: b.name, suite: id.suite, bundle: id.bundle.bytes, signingPrivateKey: id.signingPrivateKey, decryptionPrivateKey: id.decryptionPrivateKey,
    ...(b.exportFile ? { exportFile: b.exportFile } : {}),
  };
  await idb.put('identity', s);
}

/** Removes the identity and everything kept for it (peer keys, replay window, chat history). */
export async function forgetBrowserIdentity(idb: IdbStore): Promise<void> {
  await idb.deletePrefix('state:');
  await idb.deletePrefix('chat:');
  await idb.delete('identity');
}
