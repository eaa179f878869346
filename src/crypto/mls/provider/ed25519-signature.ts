// Ed25519 (RFC 8032) signatures for MLS cipher suite 1 through WebCrypto, with the imported
// CryptoKeys kept per key array (./key-cache.ts): the device signs every message with one key
// and verifies each member's messages with that member's key. A private key travels as its
// 32-byte RFC 8032 seed, the form the MLS test vectors and ts-mls's own code use.
import type { Signature } from 'ts-mls';
import { buf } from '../../bytes.js';
import { KeyCache } from './key-cache.js';

/** Bytes of an Ed25519 seed (private key), public key and signature. */
export const ED25519_SEED_BYTES = 32;
export const ED25519_PUBLIC_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** PKCS#8 PrivateKeyInfo prefix for an Ed25519 seed (RFC 8410 §7): SEQ{ v0, id-Ed25519, OCTET STRING{ OCTET STRING(32) } }. */
const PKCS8_ED25519_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20);

function pkcs8(seed: Uint8Array): ArrayBuffer {
  const out = new Uint8Array(PKCS8_ED25519_PREFIX.byteLength + ED25519_SEED_BYTES);
  out.set(PKCS8_ED25519_PREFIX);
  out.set(seed, PKCS8_ED25519_PREFIX.byteLength);
  return out.buffer as ArrayBuffer;
}


const signingKeys = new KeyCache<CryptoKey>(async (seed) => {
  if (seed.byteLength !== ED25519_SEED_BYTES) {
    throw new Error(`Ed25519 private key: expected ${ED25519_SEED_BYTES} bytes, got length=${seed.byteLength}`);
  }
  return crypto.subtle.importKey('pkcs8', pkcs8(seed), { name: 'Ed25519' }, false, ['sign']);
});

// An unimportable public key (wrong length, not a point) verifies nothing: null, never a throw.
const verifyingKeys = new KeyCache<CryptoKey | null>(async (pub) => {
  if (pub.byteLength !== ED25519_PUBLIC_BYTES) return null;
  try {
    return await crypto.subtle.importKey('raw', buf(pub), { name: 'Ed25519' }, false, ['verify']);
  } catch (e) {
    if (e instanceof Error && (e.name === 'DataError' || e.name === 'OperationError')) return null;
    throw e;
  }
});

/** The public key of an Ed25519 seed, computed by WebCrypto (import, then export as JWK). */
export async function ed25519PublicKey(seed: Uint8Array): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('pkcs8', pkcs8(seed), { name: 'Ed25519' }, true, ['sign']);
  const jwk = await crypto.subtle.exportKey('jwk', key);
  return fromBase64Url(jwk.x ?? '');
}

/** A fresh Ed25519 key pair from the platform's generator: its seed and public key. */
export async function ed25519Generate(): Promise<{ seed: Uint8Array; publicKey: Uint8Array }> {
  const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  // The seed is the last 32 bytes of the PrivateKeyInfo; the prefix is checked, not assumed.
  const prefix = der.subarray(0, PKCS8_ED25519_PREFIX.byteLength);
  if (der.byteLength !== PKCS8_ED25519_PREFIX.byteLength + ED25519_SEED_BYTES || !prefix.every((b, i) => b === PKCS8_ED25519_PREFIX[i])) {
    throw new Error('WebCrypto exported an Ed25519 private key in an unexpected PKCS#8 layout');
  }
  return { seed: der.slice(PKCS8_ED25519_PREFIX.byteLength), publicKey };
}

function fromBase64Url(s: string): Uint8Array {
  const b64 = s.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (s.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** ts-mls's Signature for suite 1. */
export const ed25519Signature: Signature = {
  async sign(signKey: Uint8Array, message: Uint8Array): Promise<Uint8Array> {
    const key = await signingKeys.get(signKey);
    return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, key, buf(message)));
  },
  async verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    if (signature.byteLength !== ED25519_SIGNATURE_BYTES) return false;
    const key = await verifyingKeys.get(publicKey);
    if (key === null) return false;
    return crypto.subtle.verify({ name: 'Ed25519' }, key, buf(signature), buf(message));
  },
  async keygen(): Promise<{ publicKey: Uint8Array; signKey: Uint8Array }> {
    const { seed, publicKey } = await ed25519Generate();
    return { publicKey, signKey: seed };
  },
};
