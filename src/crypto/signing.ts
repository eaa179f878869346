// Signing with a private key (client side only; the server never reaches this file).
import { buf } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import { PSS_SALT, type SuiteName } from './suites.js';

/** Signs with the identity's signing key: Ed25519, or RSA-PSS-SHA256 with a 32-byte salt. */
export async function signBytes(suite: SuiteName, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  const alg = suite === 'rsa-oaep-3072' ? { name: 'RSA-PSS', saltLength: PSS_SALT } : { name: 'Ed25519' };
  try {
    return new Uint8Array(await crypto.subtle.sign(alg, key, buf(data)));
  } catch {
    throw new CryptoError('BAD_INPUT', `signing key is not a usable ${alg.name} private key`);
  }
}
