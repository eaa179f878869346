import { buf } from './bytes.js';
import type { SuiteName } from './suites.js';
import { PSS_SALT } from './suites.js';

/** Signature verification with a public key: Ed25519 or RSA-PSS-SHA256. Public-key only. */
export async function verifySignature(suite: SuiteName, key: CryptoKey, data: Uint8Array, sig: Uint8Array): Promise<boolean> {
  try {
    if (suite === 'rsa-oaep-3072') {
      return await crypto.subtle.verify({ name: 'RSA-PSS', saltLength: PSS_SALT }, key, buf(sig), buf(data));
    }
    if (sig.byteLength !== 64) return false;
    return await crypto.subtle.verify({ name: 'Ed25519' }, key, buf(sig), buf(data));
  } catch {
    return false;
  }
}
