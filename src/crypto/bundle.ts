// Public bundle: a user's signing and encryption public keys, self-signed, in one
// canonical byte string. Its fingerprint (SHA-256 of the body) names the key pair.
import { buf, concat, Reader, sha256, utf8Bytes, Writer } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import { verifySignature } from './signature.js';
import { RSA_BITS, RSA_OAEP, RSA_PSS, suiteFromId, suiteId, type SuiteName } from './suites.js';

export const MAX_BUNDLE_BYTES = 4096;
const MAGIC = utf8Bytes('SCB1');
const BUNDLE_LABEL = utf8Bytes('sealcast-bundle-v1\0');

/** Parsed, self-signature-verified public bundle. */
export interface PublicBundle {
  suite: SuiteName;
  /** Canonical encoding, as sent on the wire. */
  bytes: Uint8Array;
  /** SHA-256 over the bundle body (stable: excludes the self-signature). */
  fingerprint: Uint8Array;
  signingKey: CryptoKey;
  encryptionKey: CryptoKey;
}

/** The body of a bundle: magic, suite, signing key, encryption key (what the fingerprint covers). */
export function encodeBundleBody(suite: SuiteName, signingKey: Uint8Array, encryptionKey: Uint8Array): Uint8Array {
  return new Writer().bytes(MAGIC).u8(suiteId(suite)).vec16(signingKey).vec16(encryptionKey).finish();
}

/** What the self-signature signs. */
export function bundleSignatureInput(body: Uint8Array): Uint8Array {
  return concat(BUNDLE_LABEL, body);
}

/** Appends the self-signature to a body. */
export function encodeBundle(body: Uint8Array, selfSignature: Uint8Array): Uint8Array {
  return new Writer().bytes(body).vec16(selfSignature).finish();
}

/** Raw public key bytes as they go in a bundle: raw for Ed25519/X25519, SPKI DER for RSA. */
export async function exportPublicKey(suite: SuiteName, key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey(suite === 'rsa-oaep-3072' ? 'spki' : 'raw', key));
}

async function importPublic(suite: SuiteName, raw: Uint8Array, use: 'sign' | 'encrypt'): Promise<CryptoKey> {
  try {
    if (suite === 'rsa-oaep-3072') {
      const key = await crypto.subtle.importKey('spki', buf(raw), use === 'sign' ? RSA_PSS : RSA_OAEP, true, [use === 'sign' ? 'verify' : 'encrypt']);
      const alg = key.algorithm as RsaHashedKeyAlgorithm;
      const e = alg.publicExponent;
      if (alg.modulusLength !== RSA_BITS || e.length !== 3 || e[0] !== 1 || e[1] !== 0 || e[2] !== 1) {
        throw new CryptoError('BAD_BUNDLE', 'RSA keys must be 3072-bit with exponent 65537');
      }
      return key;
    }
    if (raw.byteLength !== 32) throw new CryptoError('BAD_BUNDLE', `expected a 32-byte key, got ${raw.byteLength}`);
    return use === 'sign'
      ? await crypto.subtle.importKey('raw', buf(raw), { name: 'Ed25519' }, true, ['verify'])
      : await crypto.subtle.importKey('raw', buf(raw), { name: 'X25519' }, true, []);
  } catch (e) {
    if (e instanceof CryptoError) throw e;
    throw new CryptoError('BAD_BUNDLE', 'public key does not import');
  }
}

/**
 * Parses a bundle from the wire: bounds, suite, keys (RSA size and exponent), no
 * trailing bytes, and the self-signature. Anything else is BAD_BUNDLE or UNSUPPORTED_SUITE.
 */
export async function parseBundle(bytes: Uint8Array): Promise<PublicBundle> {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('BAD_BUNDLE', 'bundle must be bytes');
  if (bytes.byteLength > MAX_BUNDLE_BYTES) throw new CryptoError('BAD_BUNDLE', `bundle larger than ${MAX_BUNDLE_BYTES} bytes`);
  const r = new Reader(bytes, 'BAD_BUNDLE');
  const magic = r.bytes(4, 'magic');
  if (!magic.every((b, i) => b === MAGIC[i])) throw new CryptoError('BAD_BUNDLE', 'not a sealcast bundle');
  const suite = suiteFromId(r.u8('suite'));
  const signingRaw = r.vec16('signing key');
  const encryptionRaw = r.vec16('encryption key');
  const bodyEnd = r.offset;
  const selfSig = r.vec16('self-signature');
  r.end('bundle');
  const body = bytes.subarray(0, bodyEnd);
  const signingKey = await importPublic(suite, signingRaw, 'sign');
  const encryptionKey = await importPublic(suite, encryptionRaw, 'encrypt');
  if (!(await verifySignature(suite, signingKey, bundleSignatureInput(body), selfSig))) {
    throw new CryptoError('BAD_BUNDLE', 'bundle self-signature does not verify');
  }
  return { suite, bytes: bytes.slice(), fingerprint: await sha256(body), signingKey, encryptionKey };
}
