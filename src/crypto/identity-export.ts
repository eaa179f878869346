// Passphrase-protected identity export, to move an identity between browsers and the CLI.
import { buf, fromBase64, toBase64, utf8Bytes } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import { exportIdentity, importIdentity, type Identity } from './identity.js';

/** OWASP's 2023 figure for PBKDF2-HMAC-SHA256. */
const ITERATIONS = 600_000;

interface Sealed {
  sealcastEncryptedIdentity: 1;
  kdf: 'PBKDF2-SHA256';
  iterations: number;
  salt: string;
  iv: string;
  ciphertext: string;
}

async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', buf(utf8Bytes(passphrase)), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/** exportIdentity's JSON encrypted with AES-256-GCM under a PBKDF2-derived key. */
export async function exportIdentityEncrypted(id: Identity, passphrase: string): Promise<string> {
  if (typeof passphrase !== 'string' || passphrase.length < 8) throw new CryptoError('BAD_INPUT', 'passphrase must have at least 8 characters');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const key = await deriveKey(passphrase, salt, ITERATIONS);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv) }, key, buf(utf8Bytes(await exportIdentity(id))));
  const sealed: Sealed = {
    sealcastEncryptedIdentity: 1, kdf: 'PBKDF2-SHA256', iterations: ITERATIONS,
    salt: toBase64(salt), iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(ct)),
  };
  return JSON.stringify(sealed, null, 2);
}

export async function importIdentityEncrypted(text: string, passphrase: string, opts: { extractable?: boolean } = {}): Promise<Identity> {
  let sealed: Sealed;
  try {
    sealed = JSON.parse(text) as Sealed;
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'encrypted identity is not valid JSON');
  }
  if (!sealed || sealed.sealcastEncryptedIdentity !== 1 || sealed.kdf !== 'PBKDF2-SHA256') {
    throw new CryptoError('BAD_IDENTITY', 'not a sealcast encrypted identity (version 1)');
  }
  if (!Number.isInteger(sealed.iterations) || sealed.iterations < 100_000 || sealed.iterations > 10_000_000) {
    throw new CryptoError('BAD_IDENTITY', 'encrypted identity has an unreasonable iteration count');
  }
  const key = await deriveKey(passphrase, fromBase64(sealed.salt), sealed.iterations);
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(fromBase64(sealed.iv)) }, key, buf(fromBase64(sealed.ciphertext)));
  } catch {
    throw new CryptoError('BAD_PASSPHRASE', 'wrong passphrase, or the file was altered');
  }
  return importIdentity(new TextDecoder().decode(plain), opts);
}
