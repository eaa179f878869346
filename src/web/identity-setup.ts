// How a browser gets its identity: made here (exportable or not), or brought in a transfer file.
// Either way the keys used day to day are non-extractable; see docs/SECURITY.md "Browser identities".
import {
  DEFAULT_SUITE, exportIdentity, generateIdentity, importIdentity, openIdentityFile, sealIdentityFile, withIdentityFileName, type SuiteName,
} from '../client/index.js';
import type { BrowserIdentity } from './browser-storage.js';

/**
 * A new identity for `name`. With a passphrase the keys are made extractable just long enough to
 * seal the transfer file and re-import them non-extractable; the extractable copies are dropped.
 * Without one they are non-extractable from birth and can never leave this browser. A key
 * rotation makes its new identity the same way, in the suite of the old one.
 */
export async function createBrowserIdentity(name: string, passphrase?: string, suite: SuiteName = DEFAULT_SUITE): Promise<BrowserIdentity> {
  if (!passphrase) return { name, identity: await generateIdentity(suite, { extractable: false }) };
  const temporary = await generateIdentity(suite, { extractable: true });
  const exportFile = await sealIdentityFile(temporary, passphrase, name);
  const identity = await importIdentity(await exportIdentity(temporary), { extractable: false });
  return { name, identity, exportFile };
}

/** An identity from a transfer file, imported non-extractable; the file is kept for later exports. */
export async function importBrowserIdentity(text: string, passphrase: string, name: string): Promise<BrowserIdentity> {
  const { identity } = await openIdentityFile(text, passphrase, { extractable: false });
  return { name, identity, exportFile: withIdentityFileName(text, name) };
}

/** Checks the passphrase against the stored transfer file (so a download is one the user can open). */
export async function checkExportPassphrase(exportFile: string, passphrase: string): Promise<void> {
  await openIdentityFile(exportFile, passphrase, { extractable: false });
}
