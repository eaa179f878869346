// The private half of a key package, as the device keeps it until a Welcome names it:
//   "SCP1" || u32 length || MLSMessage(KeyPackage) || init_priv (32) || encryption_priv (32) || signature_seed (32)
// The public package travels with the private keys so that a Welcome can be joined from these bytes alone.
import type { KeyPackage, PrivateKeyPackage } from 'ts-mls';
import { decodeMessage } from './mls-message.js';
import { MlsError } from './mls-error.js';

/** Magic of key-package private bytes ("SCP1", version 1). */
export const KEY_PACKAGE_PRIVATE_MAGIC = Uint8Array.of(0x53, 0x43, 0x50, 0x31);
const X25519_BYTES = 32;
const SEED_BYTES = 32;

/**
 * The private bytes of a key package:
 *   "SCP1" || u32 length || MLSMessage(KeyPackage) || init_priv (32) || encryption_priv (32) || signature_seed (32)
 * The public package travels with the private keys so that a Welcome can be joined from these
 * bytes alone.
 */
export function encodeKeyPackagePrivate(publicBytes: Uint8Array, priv: PrivateKeyPackage): Uint8Array {
  const m = KEY_PACKAGE_PRIVATE_MAGIC.byteLength;
  const out = new Uint8Array(m + 4 + publicBytes.byteLength + X25519_BYTES * 2 + SEED_BYTES);
  out.set(KEY_PACKAGE_PRIVATE_MAGIC, 0);
  new DataView(out.buffer).setUint32(m, publicBytes.byteLength);
  let o = m + 4;
  for (const part of [publicBytes, priv.initPrivateKey, priv.hpkePrivateKey, priv.signaturePrivateKey]) {
    out.set(part, o);
    o += part.byteLength;
  }
  return out;
}

/** Reads encodeKeyPackagePrivate's bytes (BAD_INPUT when they are not exactly that). */
export function decodeKeyPackagePrivate(bytes: unknown): { keyPackage: KeyPackage; privatePackage: PrivateKeyPackage; publicBytes: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw new MlsError('BAD_INPUT', 'keyPackagePrivate: expected Uint8Array');
  const m = KEY_PACKAGE_PRIVATE_MAGIC.byteLength;
  if (bytes.byteLength < m + 4 || !KEY_PACKAGE_PRIVATE_MAGIC.every((b, i) => bytes[i] === b)) {
    throw new MlsError('BAD_INPUT', 'keyPackagePrivate: does not start with "SCP1"');
  }
  const publicLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(m);
  const expected = m + 4 + publicLength + X25519_BYTES * 2 + SEED_BYTES;
  if (bytes.byteLength !== expected) {
    throw new MlsError('BAD_INPUT', `keyPackagePrivate: expected length=${expected} for a ${publicLength}-byte package, got length=${bytes.byteLength}`);
  }
  let o = m + 4;
  const take = (n: number) => bytes.slice(o, (o += n));
  const publicBytes = take(publicLength);
  const message = decodeMessage(publicBytes, ['mls_key_package'], 'keyPackagePrivate');
  return {
    keyPackage: message.keyPackage,
    publicBytes,
    privatePackage: { initPrivateKey: take(X25519_BYTES), hpkePrivateKey: take(X25519_BYTES), signaturePrivateKey: take(SEED_BYTES) },
  };
}

