import { existsSync, readFileSync } from 'node:fs';
import type { ClientStorage } from '../client/index.js';
import { writeFileAtomic } from './atomic-file.js';
import { CliError } from './cli-error.js';

function readState(path: string): Record<string, string> {
  if (!existsSync(path)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    // Starting empty would silently re-trust every peer key: stop and let the user look.
    throw new CliError(`the client state file ${path} is damaged; move it aside to start over (peer keys will be trusted anew)`);
  }
  return parsed as Record<string, string>;
}

/**
 * ClientStorage in one JSON file beside the identity (IDENTITY.state.json: the
 * peer keys and the replay window), written atomically. Each write re-reads the
 * file and replaces only its own key, so two processes of one identity (a
 * `listen` and a `send`) do not undo each other's other keys.
 */
export class FileStorage implements ClientStorage {
  private data: Record<string, string>;

  constructor(private readonly path: string) {
    this.data = readState(path);
  }

  async get(key: string): Promise<string | undefined> {
    const v = this.data[key];
    return typeof v === 'string' ? v : undefined;
  }

  async set(key: string, value: string): Promise<void> {
    this.data = { ...readState(this.path), [key]: value };
    writeFileAtomic(this.path, JSON.stringify(this.data));
  }

  async delete(key: string): Promise<void> {
    const next = readState(this.path);
    delete next[key];
    this.data = next;
    writeFileAtomic(this.path, JSON.stringify(this.data));
  }
}
