// Moving an identity between devices (browser ↔ browser, browser ↔ CLI): the passphrase-encrypted
// identity of crypto/identity-export.ts, plus the name it is used under, so the other side can sign
// in as the same user without being told the name again.
import { exportIdentityEncrypted, importIdentityEncrypted, isCryptoError, type Identity } from '../crypto/index.js';
import { MIN_PASSPHRASE_LENGTH } from '../crypto/identity-export.js';
import { canonicalName } from '../protocol/index.js';
import { ClientError } from './client-error.js';

/** Shortest passphrase accepted for a new transfer file (a floor, not a strength meter). */
export { MIN_PASSPHRASE_LENGTH };

/** Larger than any identity file (an RSA one is about 6 KB): refuse anything bigger before parsing. */
export const MAX_IDENTITY_FILE_BYTES = 64 * 1024;

/**
 * The identity as a transfer file: exportIdentityEncrypted's JSON with a `name` field added. The
 * name is a hint, outside the encryption: altering it changes nothing but the name offered, and the
 * server refuses a name bound to another key anyway. The identity must be extractable.
 */
export async function sealIdentityFile(identity: Identity, passphrase: string, name?: string): Promise<string> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new ClientError('WEAK_PASSPHRASE', `the passphrase needs at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  let text: string;
  try {
    text = await exportIdentityEncrypted(identity, passphrase);
  } catch (e) {
    if (isCryptoError(e, 'BAD_INPUT')) throw new ClientError('NOT_EXPORTABLE', `this identity cannot be exported: ${e.message}`);
    throw e;
  }
  return name === undefined ? text : withIdentityFileName(text, name);
}

/** The transfer file offering another name (the name sits outside the encryption). */
export function withIdentityFileName(text: string, name: string): string {
  const json = JSON.parse(text) as Record<string, unknown>;
  json.name = canonicalName(name);
  return JSON.stringify(json, null, 2);
}

/** The name a transfer file offers, when it carries a valid one; no passphrase needed. */
export function identityFileName(text: string): string | undefined {
  try {
    const v = JSON.parse(text) as { name?: unknown };
    return typeof v?.name === 'string' ? canonicalName(v.name) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Decrypts a transfer file (or a bare exportIdentityEncrypted file). Errors are ClientErrors:
 * BAD_PASSPHRASE (wrong passphrase, or the file was altered: AES-GCM cannot tell which),
 * BAD_IDENTITY (not an encrypted sealcast identity, or damaged), TOO_LARGE.
 */
export async function openIdentityFile(
  text: string, passphrase: string, opts?: { extractable?: boolean },
): Promise<{ identity: Identity; name?: string }> {
  if (text.length > MAX_IDENTITY_FILE_BYTES) {
    throw new ClientError('TOO_LARGE', `an identity file is at most ${MAX_IDENTITY_FILE_BYTES / 1024} KB; this one is ${Math.ceil(text.length / 1024)} KB`);
  }
  let plainIdentity = false;
  try {
    plainIdentity = (JSON.parse(text) as { sealcastIdentity?: unknown })?.sealcastIdentity === 1;
  } catch {
    throw new ClientError('BAD_IDENTITY', 'this is not a sealcast identity file (not JSON)');
  }
  if (plainIdentity) {
    throw new ClientError('BAD_IDENTITY', 'this is an unencrypted identity file; make an encrypted one with "sealcast identity export"');
  }
  try {
    const identity = await importIdentityEncrypted(text, passphrase, opts);
    const name = identityFileName(text);
    return name === undefined ? { identity } : { identity, name };
  } catch (e) {
    if (isCryptoError(e, 'BAD_PASSPHRASE')) throw new ClientError('BAD_PASSPHRASE', 'wrong passphrase (or the file was altered)');
    if (isCryptoError(e)) throw new ClientError('BAD_IDENTITY', `the identity file is damaged or not a sealcast identity: ${e.message}`);
    throw e;
  }
}
