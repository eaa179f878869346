// SHA-256, HMAC-SHA256 and HKDF-SHA256 (RFC 6234, RFC 2104, RFC 5869) for MLS cipher suite 1,
// from @noble/hashes, synchronously. MLS hashes and derives thousands of tiny values (tree
// hashes, the secret tree, labels); WebCrypto has no synchronous API and each call costs far more
// than the hashing: measured in Node 20, HMAC-SHA256 through subtle (import + sign) 4,762/s, with
// @noble/hashes 79,060/s; SHA-256 of 100 bytes 28,328/s against 225,146/s. SHA-2 and HMAC have
// no secret-dependent table look-ups, so the pure-JS code is no timing-leak regression.
// Large inputs (a whole ratchet tree, a GroupInfo) go to WebCrypto, which is faster there.
import { expand, extract } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type { Hash, Kdf } from 'ts-mls';
import { buf, constantTimeEqual } from '../../bytes.js';

/**
 * From this many bytes on, a digest goes to WebCrypto. Measured CPU per digest in Node 20 here:
 * 4 KiB noble 48 µs / WebCrypto 68 µs; 8 KiB 109 / 57 µs; 64 KiB 722 / 115 µs.
 */
export const WEBCRYPTO_DIGEST_FROM_BYTES = 6 * 1024;

/** Length of a SHA-256 output, and the KDF's Nh. */
export const SHA256_BYTES = 32;


/** ts-mls's Hash for suite 1: digest, MAC and MAC check. */
export const sha256Hash: Hash = {
  async digest(data: Uint8Array): Promise<Uint8Array> {
    if (data.byteLength >= WEBCRYPTO_DIGEST_FROM_BYTES) {
      return new Uint8Array(await crypto.subtle.digest('SHA-256', buf(data)));
    }
    return sha256(data);
  },
  async mac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
    return hmac(sha256, key, data);
  },
  async verifyMac(key: Uint8Array, mac: Uint8Array, data: Uint8Array): Promise<boolean> {
    return constantTimeEqual(mac, hmac(sha256, key, data));
  },
};

/** Synchronous HKDF-Extract (RFC 5869 §2.2); an empty salt is HashLen zero bytes, as the RFC says. */
export function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return extract(sha256, ikm, salt);
}

/** Synchronous HKDF-Expand (RFC 5869 §2.3). */
export function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  return expand(sha256, prk, info, length);
}

/** ts-mls's Kdf for suite 1 (HKDF-SHA256). */
export const hkdfSha256: Kdf = {
  async extract(salt: Uint8Array, ikm: Uint8Array): Promise<Uint8Array> {
    return hkdfExtract(salt, ikm);
  },
  async expand(prk: Uint8Array, info: Uint8Array, len: number): Promise<Uint8Array> {
    return hkdfExpand(prk, info, len);
  },
  size: SHA256_BYTES,
};
