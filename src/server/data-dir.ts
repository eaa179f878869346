import { chmodSync, mkdirSync, statSync } from 'node:fs';

/**
 * Makes the data directory (database, TLS key, HLS secret, logs) private to the operator: created
 * 0700, and an existing one that others can read or enter is narrowed to 0700.
 */
export function prepareDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
}
