// RFC 9180 HPKE, base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM, through
// @hpke/core, whose X25519 KEM calls the platform's native WebCrypto X25519 (no JS curve code).
// Used to wrap each HPKE recipient's content key. Private-key side: never server-reachable.
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';
import { buf, concat } from './bytes.js';
import { CURVE25519_KEY_BYTES } from './suites.js';

let suite: CipherSuite | undefined;

/** The one HPKE suite sealcast uses (KEM 0x0020, KDF 0x0001, AEAD 0x0001: MLS cipher suite 1's primitives). */
export function hpkeSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  return suite;
}

/** Single-shot base-mode seal (RFC 9180 §6.1) to a native X25519 public key; returns enc(32) || ciphertext. */
export async function hpkeSeal(recipientPublicKey: CryptoKey, info: Uint8Array, aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array> {
  const { ct, enc } = await hpkeSuite().seal({ recipientPublicKey, info: buf(info) }, buf(pt), buf(aad));
  return concat(new Uint8Array(enc), new Uint8Array(ct));
}

/**
 * Single-shot base-mode open of enc(32) || ciphertext. The recipient's public key is passed
 * with the private key so the library need not re-derive it (which needs an extractable key).
 * Throws (any error) when the wrap does not open.
 */
export async function hpkeOpen(recipientKey: CryptoKeyPair, info: Uint8Array, aad: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array> {
  if (wrapped.byteLength < CURVE25519_KEY_BYTES + 16) throw new Error('wrapped key too short');
  const enc = buf(wrapped.subarray(0, CURVE25519_KEY_BYTES));
  const ct = buf(wrapped.subarray(CURVE25519_KEY_BYTES));
  return new Uint8Array(await hpkeSuite().open({ recipientKey, enc, info: buf(info) }, ct, buf(aad)));
}
