import { type ClientStorage, type Identity, parseBundle, type RetiredIdentity, type RetiredIdentityStore, type SuiteName } from '../client/index.js';
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

/** Where the identity is kept; a rotation in progress keeps the new one under PENDING until the server agreed. */
const IDENTITY = 'identity';
const PENDING = 'identity:pending';
const RETIRED = 'identity:retired';

async function toIdentity(s: StoredIdentity): Promise<Identity> {
  return { suite: s.suite, bundle: await parseBundle(s.bundle), signingPrivateKey: s.signingPrivateKey, decryptionPrivateKey: s.decryptionPrivateKey };
}

async function readIdentity(idb: IdbStore, key: string): Promise<BrowserIdentity | undefined> {
  const s = await idb.get<StoredIdentity>(key);
  if (!s) return undefined;
  const identity = await toIdentity(s);
  return s.exportFile ? { name: s.name, identity, exportFile: s.exportFile } : { name: s.name, identity };
}

function stored(b: BrowserIdentity): StoredIdentity {
  const id = b.identity;
  return {
    name: b.name, suite: id.suite, bundle: id.bundle.bytes, signingPrivateKey: id.signingPrivateKey, decryptionPrivateKey: id.decryptionPrivateKey,
    ...(b.exportFile ? { exportFile: b.exportFile } : {}),
  };
}

/** The browser's identity: kept in IndexedDB as non-extractable WebCrypto keys, never sent. */
export function loadBrowserIdentity(idb: IdbStore): Promise<BrowserIdentity | undefined> {
  return readIdentity(idb, IDENTITY);
}

/** Stores the identity (its private keys must be non-extractable: see docs/SECURITY.md). */
export async function saveBrowserIdentity(idb: IdbStore, b: BrowserIdentity): Promise<void> {
  await idb.put(IDENTITY, stored(b));
}

/**
 * A key rotation in progress: the new identity is kept before the server is asked, so that a
 * page closed at the wrong moment cannot leave the server bound to a key that exists nowhere.
 */
export const pendingRotation = {
  load: (idb: IdbStore) => readIdentity(idb, PENDING),
  save: (idb: IdbStore, b: BrowserIdentity) => idb.put(PENDING, stored(b)),
  clear: (idb: IdbStore) => idb.delete(PENDING),
};

/** The identities a rotation retired, as non-extractable keys in IndexedDB (RetiredIdentityStore). */
export class IdbRetiredIdentities implements RetiredIdentityStore {
  constructor(private readonly idb: IdbStore) {}

  async load(): Promise<RetiredIdentity[]> {
    const list = (await this.idb.get<{ retiredAt: number; identity: StoredIdentity }[]>(RETIRED)) ?? [];
    return Promise.all(list.map(async (r) => ({ identity: await toIdentity(r.identity), retiredAt: r.retiredAt })));
  }

  async save(list: RetiredIdentity[]): Promise<void> {
    await this.idb.put(RETIRED, list.map((r) => ({ retiredAt: r.retiredAt, identity: stored({ name: '', identity: r.identity }) })));
  }
}

/** Removes the identity and everything kept for it (peer keys, replay window, chat history, retired keys). */
export async function forgetBrowserIdentity(idb: IdbStore): Promise<void> {
  await idb.deletePrefix('state:');
  await idb.deletePrefix('chat:');
  await idb.delete(RETIRED);
  await idb.delete(PENDING);
  await idb.delete(IDENTITY);
}
