import { existsSync, readFileSync } from 'node:fs';
import type { ClientStorage } from '../client/index.js';
import { writeFileAtomic } from './atomic-file.js';

/** ClientStorage in one JSON file beside the identity (IDENTITY.state.json), written atomically. */
export class FileStorage implements ClientStorage {
  private data: Record<string, string>;

  constructor(private readonly path: string) {
    this.data = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>) : {};
  }

  async get(key: string): Promise<string | undefined> {
    return this.data[key];
  }

  async set(key: string, value: string): Promise<void> {
    this.data[key] = value;
    writeFileAtomic(this.path, JSON.stringify(this.data));
  }

  async delete(key: string): Promise<void> {
    delete this.data[key];
    writeFileAtomic(this.path, JSON.stringify(this.data));
  }
}
