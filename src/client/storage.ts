/** Where a client keeps its state (peer keys, replay window): a file for the CLI, IndexedDB in browsers. */
export interface ClientStorage {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** In-memory storage: for tests and throwaway sessions. */
export class MemoryStorage implements ClientStorage {
  private readonly map = new Map<string, string>();
  async get(key: string): Promise<string | undefined> {
    return this.map.get(key);
  }
  async set(key: string, value: string): Promise<void> {
    this.map.set(key, value);
  }
  async delete(key: string): Promise<void> {
    this.map.delete(key);
  }
}
