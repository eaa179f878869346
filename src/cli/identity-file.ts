import { existsSync, readFileSync, statSync } from 'node:fs';
import { exportIdentity, generateIdentity, importIdentity, type Identity, type SuiteName } from '../crypto/index.js';
import { writeFileAtomic } from './atomic-file.js';

/** Reads the identity at `path`; a file others may read is refused, like ssh refuses a loose key. */
export async function loadIdentity(path: string): Promise<Identity> {
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) throw new Error(`identity file ${path} is readable by others (mode ${(statSync(path).mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  return importIdentity(readFileSync(path, 'utf8'));
}

/** Writes a new identity with owner-only permissions. */
export async function saveIdentity(path: string, id: Identity): Promise<void> {
  writeFileAtomic(path, (await exportIdentity(id)) + '\n', 0o600);
}

/** Loads the identity, creating it on first use; `created` tells the caller to say so. */
export async function loadOrCreateIdentity(path: string, suite?: SuiteName): Promise<{ identity: Identity; created: boolean }> {
  if (existsSync(path)) return { identity: await loadIdentity(path), created: false };
  const identity = await generateIdentity(suite);
  await saveIdentity(path, identity);
  return { identity, created: true };
}
