// Signature verification with public keys only (Ed25519, or RSA-PSS-SHA256 with a 32-byte
// salt). Server-reachable: bundles, login proofs and rotations are checked through here.
import { buf } from './bytes.js';
import { PSS_SALT, suiteParams, type SuiteName } from './suites.js';

/**
 * True when `sig` is a valid signature of `data` under `key` for the suite. Never throws:
 * a wrong length, a wrong key type or a WebCrypto refusal all mean "does not verify".
 */
export async function verifySignature(suite: SuiteName, key: CryptoKey, data: Uint8Array, sig: unknown): Promise<boolean> {
  if (!(sig instanceof Uint8Array) || sig.byteLength !== suiteParams(suite).signatureBytes) return false;
  try {
    const alg = suite === 'rsa-oaep-3072' ? { name: 'RSA-PSS', saltLength: PSS_SALT } : { name: 'Ed25519' };
    if (key.algorithm.name !== alg.name || key.type !== 'public') return false;
    return await crypto.subtle.verify(alg, key, buf(sig), buf(data));
  } catch {
    return false;
  }
}
