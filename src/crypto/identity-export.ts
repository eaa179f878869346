// Passphrase-protected identity export, to move an identity between browsers and the CLI or
// keep a backup: PBKDF2-HMAC-SHA256 (600,000 iterations) derives an AES-256-GCM key that
// encrypts exportIdentity's JSON. Private-key side: never server-reachable.
import { buf, concat, fromBase64, toBase64, utf8Bytes, Writer } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import { exportIdentity, importIdentity, type Identity } from './identity.js';

/** OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256. */
export const PBKDF2_ITERATIONS = 600_000;
/** Shortest passphrase accepted when exporting (a floor, not a strength meter). */
export const MIN_PASSPHRASE_LENGTH = 8;
const MIN_ITERATIONS = 100_000;
const MAX_ITERATIONS = 10_000_000;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const AAD_LABEL = utf8Bytes('sealcast-encrypted-identity-v1\0');

/** Version 1 of the encrypted identity (JSON). */
interface EncryptedIdentityJson {
  sealcastEncryptedIdentity: 1;
  kdf: 'PBKDF2-SHA256';
  iterations: number;
  cipher: 'AES-256-GCM';
  salt: string;
  iv: string;
  ciphertext: string;
}

/** The AEAD associated data: the KDF parameters, so they cannot be altered without detection. */
function aad(iterations: number, salt: Uint8Array): Uint8Array {
  return concat(AAD_LABEL, new Writer().u32(iterations).bytes(salt).finish());
}

/** NFC-normalised UTF-8, so the same passphrase typed on any platform derives the same key. */
async function deriveKey(passphrase: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', buf(utf8Bytes(passphrase.normalize('NFC'))), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(salt), iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * exportIdentity's JSON encrypted under a passphrase, as JSON text: safe to store where others
 * may read it, as strong as the passphrase. The identity must be extractable.
 */
export async function exportIdentityEncrypted(id: Identity, passphrase: string): Promise<string> {
  if (typeof passphrase !== 'string' || passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new CryptoError('BAD_INPUT', `passphrase: expected a string of at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  const plain = utf8Bytes(await exportIdentity(id));
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const key = await deriveKey(passphrase, salt, PBKDF2_ITERATIONS);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad(PBKDF2_ITERATIONS, salt)) }, key, buf(plain));
  plain.fill(0);
  const out: EncryptedIdentityJson = {
    sealcastEncryptedIdentity: 1,
    kdf: 'PBKDF2-SHA256',
    iterations: PBKDF2_ITERATIONS,
    cipher: 'AES-256-GCM',
    salt: toBase64(salt),
    iv: toBase64(iv),
    ciphertext: toBase64(new Uint8Array(ct)),
  };
  return JSON.stringify(out, null, 2);
}

/**
 * Decrypts and imports an identity from exportIdentityEncrypted. A wrong passphrase (or an
 * altered file: AES-GCM cannot tell them apart) is BAD_PASSPHRASE; a malformed file BAD_IDENTITY.
 */
export async function importIdentityEncrypted(text: string, passphrase: string, opts?: { extractable?: boolean }): Promise<Identity> {
  if (typeof text !== 'string') throw new CryptoError('BAD_INPUT', 'text: expected string');
  if (typeof passphrase !== 'string') throw new CryptoError('BAD_INPUT', 'passphrase: expected string');
  let v: Partial<EncryptedIdentityJson>;
  try {
    v = JSON.parse(text) as Partial<EncryptedIdentityJson>;
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'encrypted identity is not valid JSON');
  }
  if (!v || typeof v !== 'object' || v.sealcastEncryptedIdentity !== 1 || v.kdf !== 'PBKDF2-SHA256' || v.cipher !== 'AES-256-GCM') {
    throw new CryptoError('BAD_IDENTITY', 'not a sealcast encrypted identity (version 1)');
  }
  const iterations = v.iterations;
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
    throw new CryptoError('BAD_IDENTITY', `encrypted identity iteration count out of range ${MIN_ITERATIONS}-${MAX_ITERATIONS}`);
  }
  let salt: Uint8Array;
  let iv: Uint8Array;
  let ct: Uint8Array;
  try {
    salt = fromBase64(v.salt as string);
    iv = fromBase64(v.iv as string);
    ct = fromBase64(v.ciphertext as string);
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'encrypted identity has malformed base64 fields');
  }
  if (salt.byteLength !== SALT_BYTES || iv.byteLength !== IV_BYTES || ct.byteLength < 16) {
    throw new CryptoError('BAD_IDENTITY', 'encrypted identity has wrong salt, iv or ciphertext lengths');
  }
  const key = await deriveKey(passphrase, salt, iterations);
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(aad(iterations, salt)) }, key, buf(ct)));
  } catch {
    throw new CryptoError('BAD_PASSPHRASE', 'wrong passphrase, or the encrypted identity was altered');
  }
  let json: string;
  try {
    json = new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw new CryptoError('BAD_IDENTITY', 'decrypted identity is not UTF-8');
  } finally {
    plain.fill(0);
  }
  return importIdentity(json, opts);
}
