// X25519 (RFC 7748) through WebCrypto, for the DHKEM of ./hpke-base.ts. Private keys travel as
// their 32 raw bytes (the MLS encoding, RFC 9420 §5.1.1); public keys as 32 raw bytes.

import { buf } from '../../bytes.js';

/** Bytes of an X25519 private or public key, and of a shared secret. */
export const X25519_BYTES = 32;

/** PKCS#8 PrivateKeyInfo prefix for an X25519 private key (RFC 8410 §7). */
const PKCS8_X25519_PREFIX = Uint8Array.of(0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20);

/** The u-coordinate 9 (RFC 7748 §4.1): X25519(k, 9) is k's public key. */
const BASE_POINT = (() => {
  const u = new Uint8Array(X25519_BYTES);
  u[0] = 9;
  return u;
})();

let basePointKey: Promise<CryptoKey> | undefined;


/** Imports a raw private key for deriveBits. */
export async function importX25519Private(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.byteLength !== X25519_BYTES) throw new Error(`X25519 private key: expected ${X25519_BYTES} bytes, got length=${raw.byteLength}`);
  const der = new Uint8Array(PKCS8_X25519_PREFIX.byteLength + X25519_BYTES);
  der.set(PKCS8_X25519_PREFIX);
  der.set(raw, PKCS8_X25519_PREFIX.byteLength);
  return crypto.subtle.importKey('pkcs8', der.buffer as ArrayBuffer, { name: 'X25519' }, false, ['deriveBits']);
}

/** Imports a raw public key; WebCrypto refuses keys of the wrong length. */
export async function importX25519Public(raw: Uint8Array): Promise<CryptoKey> {
  if (raw.byteLength !== X25519_BYTES) throw new Error(`X25519 public key: expected ${X25519_BYTES} bytes, got length=${raw.byteLength}`);
  return crypto.subtle.importKey('raw', buf(raw), { name: 'X25519' }, true, []);
}

/**
 * X25519(k, peer) as 32 bytes. An all-zero result (peer is a small-order point) is refused, as
 * RFC 9180 §7.1.4 requires of DHKEM; WebCrypto implementations differ on whether they check.
 */
export async function x25519(privateKey: CryptoKey, peer: CryptoKey): Promise<Uint8Array> {
  const out = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: peer }, privateKey, X25519_BYTES * 8));
  let acc = 0;
  for (const b of out) acc |= b;
  if (acc === 0) throw new Error('X25519 produced the all-zero shared secret (small-order public key)');
  return out;
}

/** The public key of a private key: X25519(k, 9). */
export async function x25519PublicOf(privateKey: CryptoKey): Promise<Uint8Array> {
  basePointKey ??= importX25519Public(BASE_POINT);
  return x25519(privateKey, await basePointKey);
}

/** A fresh key pair from the platform's generator: raw private, raw public, and the usable key. */
export async function x25519Generate(): Promise<{ raw: Uint8Array; publicKey: Uint8Array; key: CryptoKey }> {
  const pair = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  const prefix = der.subarray(0, PKCS8_X25519_PREFIX.byteLength);
  if (der.byteLength !== PKCS8_X25519_PREFIX.byteLength + X25519_BYTES || !prefix.every((b, i) => b === PKCS8_X25519_PREFIX[i])) {
    throw new Error('WebCrypto exported an X25519 private key in an unexpected PKCS#8 layout');
  }
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  return { raw: der.slice(PKCS8_X25519_PREFIX.byteLength), publicKey, key: pair.privateKey };
}
