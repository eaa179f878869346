import { existsSync, readFileSync, statSync } from 'node:fs';
import { exportIdentity, generateIdentity, importIdentity, type Identity, type SuiteName } from '../client/index.js';
import { writeFileAtomic } from './atomic-file.js';
import { CliError } from './cli-error.js';

/** Reads the identity at `path`; a file others may read is refused, like ssh refuses a loose key. */
export async function loadIdentity(path: string): Promise<Identity> {
  const mode = statSync(path).mode;
  if ((mode & 0o077) !== 0) {
    throw new CliError(`identity file ${path} is readable by others (mode ${(mode & 0o777).toString(8)}); run: chmod 600 ${path}`);
  }
  try {
    return await importIdentity(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CliError(`${path} is not a usable sealcast identity: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Writes an identity with owner-only permissions (directory 0700, file 0600), atomically. */
export async function saveIdentity(path: string, id: Identity): Promise<void> {
  writeFileAtomic(path, (await exportIdentity(id)) + '\n', 0o600);
}

/** Where a key rotation in progress keeps the new identity until the server confirmed it. */
export function pendingRotationPath(path: string): string {
  return `${path}.new`;
}

/** Loads the identity, creating it on first use; `created` tells the caller to say so. */
export async function loadOrCreateIdentity(path: string, suite?: SuiteName): Promise<{ identity: Identity; created: boolean }> {
  if (existsSync(path)) return { identity: await loadIdentity(path), created: false };
  const identity = await generateIdentity(suite);
  await saveIdentity(path, identity);
  return { identity, created: true };
}
