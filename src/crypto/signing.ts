import { buf } from './bytes.js';
import type { SuiteName } from './suites.js';
import { PSS_SALT } from './suites.js';

/** Signs with a private key: Ed25519 or RSA-PSS-SHA256 (salt 32). */
export async function signBytes(suite: SuiteName, key: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  const alg = suite === 'rsa-oaep-3072' ? { name: 'RSA-PSS', saltLength: PSS_SALT } : { name: 'Ed25519' };
  return new Uint8Array(await crypto.subtle.sign(alg, key, buf(data)));
}
