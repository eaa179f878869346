/** Minimal promise wrapper over one IndexedDB object store (key → structured-clone value). */
export class IdbStore {
  private constructor(private readonly db: IDBDatabase, private readonly store: string) {}

  static open(dbName: string, store = 'kv'): Promise<IdbStore> {
    return new Promise((resolve, reject) => {
      const req = indexedDB.open(dbName, 1);
      req.onupgradeneeded = () => req.result.createObjectStore(store);
      req.onsuccess = () => resolve(new IdbStore(req.result, store));
      req.onerror = () => reject(req.error ?? new Error('IndexedDB unavailable'));
    });
  }

  private run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      const tx = this.db.transaction(this.store, mode);
      const req = op(tx.objectStore(this.store));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB transaction failed'));
    });
  }

  get<T>(key: string): Promise<T | undefined> {
    return this.run('readonly', (s) => s.get(key) as IDBRequest<T | undefined>);
  }

  put(key: string, value: unknown): Promise<void> {
    return this.run('readwrite', (s) => s.put(value, key)).then(() => undefined);
  }

  delete(key: string): Promise<void> {
    return this.run('readwrite', (s) => s.delete(key)).then(() => undefined);
  }

  /** Every key that starts with `prefix`, in key order. */
  async keys(prefix: string): Promise<string[]> {
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    return (await this.run('readonly', (s) => s.getAllKeys(range))) as string[];
  }

  /** Deletes every key that starts with `prefix`, in one transaction. */
  deletePrefix(prefix: string): Promise<void> {
    return this.run('readwrite', (s) => s.delete(IDBKeyRange.bound(prefix, `${prefix}\uffff`))).then(() => undefined);
  }
}
