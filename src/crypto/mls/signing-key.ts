// A device's MLS signing key (Ed25519, the signature scheme of cipher suite 1). It signs the
// device's leaf, key packages and every message it sends; the account's identity key certifies
// its public half (the client checks that through the authentication hook). Persisted as
//
//   "SCK1" (4 bytes) || seed (32, RFC 8032 private key) || public key (32)   = 68 bytes
//
// and the public key is recomputed on import, so a damaged file fails loudly instead of
// producing signatures nobody can verify.
import { MlsError } from './mls-error.js';
import { ED25519_PUBLIC_BYTES, ED25519_SEED_BYTES, ed25519Generate, ed25519PublicKey } from './provider/ed25519-signature.js';

/** Magic of an exported signing key ("SCK1", version 1). */
export const SIGNING_KEY_MAGIC = Uint8Array.of(0x53, 0x43, 0x4b, 0x31);

/** Length of an exported signing key. */
export const SIGNING_KEY_EXPORT_BYTES = SIGNING_KEY_MAGIC.byteLength + ED25519_SEED_BYTES + ED25519_PUBLIC_BYTES;

/** An Ed25519 key pair as plain bytes: the seed (secret) and the public key. */
export interface MlsSigningKey {
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** A fresh signing key from the platform's generator. */
export async function generateSigningKey(): Promise<MlsSigningKey> {
  const { seed, publicKey } = await ed25519Generate();
  return Object.freeze({ privateKey: seed, publicKey });
}

/** Checks a signing key argument (shape and lengths, not that the halves match: see importSigningKey). */
export function expectSigningKey(value: unknown, what = 'signingKey'): MlsSigningKey {
  const k = value as Partial<MlsSigningKey> | null;
  if (k === null || typeof k !== 'object' || !(k.privateKey instanceof Uint8Array) || !(k.publicKey instanceof Uint8Array)) {
    throw new MlsError('BAD_INPUT', `${what}: expected { privateKey, publicKey } of Uint8Array`);
  }
  if (k.privateKey.byteLength !== ED25519_SEED_BYTES || k.publicKey.byteLength !== ED25519_PUBLIC_BYTES) {
    throw new MlsError('BAD_INPUT', `${what}: expected a ${ED25519_SEED_BYTES}-byte privateKey and a ${ED25519_PUBLIC_BYTES}-byte publicKey, got lengths ${k.privateKey.byteLength} and ${k.publicKey.byteLength}`);
  }
  return k as MlsSigningKey;
}

/** The persistent form of a signing key (secret: store it as the client stores its identity). */
export function exportSigningKey(key: MlsSigningKey): Uint8Array {
  expectSigningKey(key);
  const out = new Uint8Array(SIGNING_KEY_EXPORT_BYTES);
  out.set(SIGNING_KEY_MAGIC, 0);
  out.set(key.privateKey, SIGNING_KEY_MAGIC.byteLength);
  out.set(key.publicKey, SIGNING_KEY_MAGIC.byteLength + ED25519_SEED_BYTES);
  return out;
}

/** Reads exportSigningKey's bytes; BAD_STATE when they are not exactly that (or the halves do not match). */
export async function importSigningKey(bytes: Uint8Array): Promise<MlsSigningKey> {
  if (!(bytes instanceof Uint8Array)) throw new MlsError('BAD_INPUT', 'signing key: expected Uint8Array');
  if (bytes.byteLength !== SIGNING_KEY_EXPORT_BYTES) {
    throw new MlsError('BAD_STATE', `signing key: expected ${SIGNING_KEY_EXPORT_BYTES} bytes, got length=${bytes.byteLength}`);
  }
  if (!SIGNING_KEY_MAGIC.every((b, i) => bytes[i] === b)) throw new MlsError('BAD_STATE', 'signing key: does not start with "SCK1"');
  const privateKey = bytes.slice(SIGNING_KEY_MAGIC.byteLength, SIGNING_KEY_MAGIC.byteLength + ED25519_SEED_BYTES);
  const publicKey = bytes.slice(SIGNING_KEY_MAGIC.byteLength + ED25519_SEED_BYTES);
  const derived = await ed25519PublicKey(privateKey);
  if (!derived.every((b, i) => publicKey[i] === b)) throw new MlsError('BAD_STATE', 'signing key: the public key does not match the private key (damaged)');
  return Object.freeze({ privateKey, publicKey });
}
