// Public bundle: a user's signing and encryption public keys, self-signed, in one canonical
// byte string (layout in docs/crypto-notes.md §Bundle). Its fingerprint, SHA-256 of the body,
// names the key pair. Public keys only: server-reachable (the server parses every bundle).
import { buf, concat, constantTimeEqual, copyBytes, Reader, sha256, utf8Bytes, Writer } from './bytes.js';
import { CryptoError } from './crypto-error.js';
import { isCanonicalEd25519, isCanonicalX25519, isLowOrderX25519 } from './key-checks.js';
import { verifySignature } from './signature.js';
import { RSA_BITS, RSA_EXPONENT, RSA_OAEP, RSA_PSS, suiteFromId, suiteId, suiteParams, type SuiteName } from './suites.js';

/** Largest bundle accepted (an RSA bundle is about 1.2 KB; PROTOCOL.md's limit is 4,096). */
export const MAX_BUNDLE_BYTES = 4096;
/** First four bytes of every bundle: "SCB1". */
export const BUNDLE_MAGIC = utf8Bytes('SCB1');
/** Domain separation of the self-signature, so it can never be mistaken for another signed object. */
export const BUNDLE_LABEL = utf8Bytes('sealcast-bundle-v1\0');

/** Parsed, self-signature-verified public bundle. */
export interface PublicBundle {
  suite: SuiteName;
  /** Canonical encoding, as sent on the wire. */
  bytes: Uint8Array;
  /** SHA-256 over the canonical bundle body (stable: excludes the self-signature). */
  fingerprint: Uint8Array;
  /** Ed25519 or RSA-PSS public key. */
  signingKey: CryptoKey;
  /** X25519 or RSA-OAEP public key. */
  encryptionKey: CryptoKey;
}

/** The body of a bundle: magic, suite, signing key, encryption key (what the fingerprint covers). */
export function encodeBundleBody(suite: SuiteName, signingKey: Uint8Array, encryptionKey: Uint8Array): Uint8Array {
  return new Writer().bytes(BUNDLE_MAGIC).u8(suiteId(suite)).vec16(signingKey).vec16(encryptionKey).finish();
}

/** What the self-signature signs: "sealcast-bundle-v1\0" || body. */
export function bundleSignatureInput(body: Uint8Array): Uint8Array {
  return concat(BUNDLE_LABEL, body);
}

/** Appends the u16-length-prefixed self-signature to a body. */
export function encodeBundle(body: Uint8Array, selfSignature: Uint8Array): Uint8Array {
  return new Writer().bytes(body).vec16(selfSignature).finish();
}

/** Public key bytes as they go in a bundle: raw 32 bytes for Ed25519/X25519, SPKI DER for RSA. */
export async function exportPublicKey(suite: SuiteName, key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey(suite === 'rsa-oaep-3072' ? 'spki' : 'raw', key));
}

function isExponent65537(e: Uint8Array): boolean {
  // WebCrypto may report the exponent with leading zero bytes.
  let i = 0;
  while (i < e.length - RSA_EXPONENT.length && e[i] === 0) i++;
  const t = e.subarray(i);
  return t.length === RSA_EXPONENT.length && t.every((b, k) => b === RSA_EXPONENT[k]);
}

async function importRsa(raw: Uint8Array, use: 'sign' | 'encrypt'): Promise<CryptoKey> {
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('spki', buf(raw), use === 'sign' ? RSA_PSS : RSA_OAEP, true, [use === 'sign' ? 'verify' : 'encrypt']);
  } catch {
    throw new CryptoError('BAD_BUNDLE', `RSA ${use === 'sign' ? 'signing' : 'encryption'} key does not import`);
  }
  const alg = key.algorithm as RsaHashedKeyAlgorithm;
  if (alg.modulusLength !== RSA_BITS || !isExponent65537(alg.publicExponent)) {
    throw new CryptoError('BAD_BUNDLE', `RSA keys must be ${RSA_BITS}-bit with exponent 65537, got ${alg.modulusLength}-bit`);
  }
  return key;
}

async function importCurve(raw: Uint8Array, use: 'sign' | 'encrypt'): Promise<CryptoKey> {
  const alg = use === 'sign' ? 'Ed25519' : 'X25519';
  if (raw.byteLength !== 32) throw new CryptoError('BAD_BUNDLE', `expected a 32-byte ${alg} key, got length=${raw.byteLength}`);
  if (use === 'sign' ? !isCanonicalEd25519(raw) : !isCanonicalX25519(raw)) {
    throw new CryptoError('BAD_BUNDLE', `${alg} key is not canonically encoded`);
  }
  if (use === 'encrypt' && isLowOrderX25519(raw)) throw new CryptoError('BAD_BUNDLE', 'X25519 key has small order');
  try {
    return await crypto.subtle.importKey('raw', buf(raw), { name: alg }, true, use === 'sign' ? ['verify'] : []);
  } catch {
    throw new CryptoError('BAD_BUNDLE', `${alg} key does not import`);
  }
}

/** Imports one public key from a bundle and checks it re-exports to the same bytes (one encoding per key). */
async function importPublic(suite: SuiteName, raw: Uint8Array, use: 'sign' | 'encrypt'): Promise<CryptoKey> {
  const key = suite === 'rsa-oaep-3072' ? await importRsa(raw, use) : await importCurve(raw, use);
  let again: Uint8Array;
  try {
    again = await exportPublicKey(suite, key);
  } catch {
    throw new CryptoError('BAD_BUNDLE', 'public key does not re-export');
  }
  if (!constantTimeEqual(again, raw)) throw new CryptoError('BAD_BUNDLE', 'public key is not canonically encoded');
  return key;
}

/**
 * Parses a bundle from the wire and verifies it: size, magic, suite, exact key lengths,
 * canonical key encodings, RSA size and exponent, no small-order X25519 key, distinct
 * signing and encryption keys, no trailing bytes, and the self-signature. Malformed input is
 * BAD_BUNDLE, an unknown suite byte UNSUPPORTED_SUITE; nothing else is ever thrown.
 */
export async function parseBundle(bytes: Uint8Array): Promise<PublicBundle> {
  if (!(bytes instanceof Uint8Array)) throw new CryptoError('BAD_BUNDLE', 'bundle: expected Uint8Array');
  if (bytes.byteLength > MAX_BUNDLE_BYTES) {
    throw new CryptoError('BAD_BUNDLE', `bundle larger than ${MAX_BUNDLE_BYTES} bytes, got length=${bytes.byteLength}`);
  }
  const r = new Reader(bytes, 'BAD_BUNDLE');
  const magic = r.bytes(4, 'magic');
  if (!magic.every((b, i) => b === BUNDLE_MAGIC[i])) throw new CryptoError('BAD_BUNDLE', 'not a sealcast bundle (magic)');
  const suite = suiteFromId(r.u8('suite'));
  const signingRaw = r.vec16('signing key');
  const encryptionRaw = r.vec16('encryption key');
  const bodyEnd = r.offset;
  const selfSig = r.vec16('self-signature');
  r.end('bundle');
  const sigBytes = suiteParams(suite).signatureBytes;
  if (selfSig.byteLength !== sigBytes) {
    throw new CryptoError('BAD_BUNDLE', `expected a ${sigBytes}-byte self-signature, got length=${selfSig.byteLength}`);
  }
  if (constantTimeEqual(signingRaw, encryptionRaw)) throw new CryptoError('BAD_BUNDLE', 'signing and encryption keys must differ');
  const body = copyBytes(bytes.subarray(0, bodyEnd));
  const signingKey = await importPublic(suite, signingRaw, 'sign');
  const encryptionKey = await importPublic(suite, encryptionRaw, 'encrypt');
  if (!(await verifySignature(suite, signingKey, bundleSignatureInput(body), selfSig))) {
    throw new CryptoError('BAD_BUNDLE', 'bundle self-signature does not verify');
  }
  return { suite, bytes: copyBytes(bytes), fingerprint: await sha256(body), signingKey, encryptionKey };
}

/** Checks that a value looks like a PublicBundle from parseBundle (API edge of seal/verify calls). */
export function expectBundle(b: unknown, what = 'bundle'): PublicBundle {
  const x = b as Partial<PublicBundle> | null;
  if (
    !x || typeof x !== 'object' || !(x.bytes instanceof Uint8Array) || !(x.fingerprint instanceof Uint8Array) ||
    x.fingerprint.byteLength !== 32 || typeof x.suite !== 'string' || typeof x.signingKey !== 'object' ||
    typeof x.encryptionKey !== 'object' || x.signingKey === null || x.encryptionKey === null
  ) {
    throw new CryptoError('BAD_INPUT', `${what}: expected a PublicBundle from parseBundle`);
  }
  return x as PublicBundle;
}
