// AES-128-GCM (NIST SP 800-38D) for MLS cipher suite 1, through WebCrypto. It stays native even
// where a pure-JS AES would be faster for tiny inputs: JS AES (@noble/ciphers) uses T-tables,
// whose memory access pattern depends on the key (cache-timing leaks), while WebCrypto uses the
// CPU's AES instructions. Tag 16 bytes, nonce 12 bytes.

import { buf } from '../../bytes.js';

/** AES-128 key, GCM nonce and tag lengths in bytes. */
export const AES128_KEY_BYTES = 16;
export const GCM_NONCE_BYTES = 12;
export const GCM_TAG_BYTES = 16;


function params(nonce: Uint8Array, aad: Uint8Array): AesGcmParams {
  const p: AesGcmParams = { name: 'AES-GCM', iv: buf(nonce), tagLength: GCM_TAG_BYTES * 8 };
  if (aad.byteLength > 0) p.additionalData = buf(aad);
  return p;
}

async function importKey(key: Uint8Array, use: KeyUsage): Promise<CryptoKey> {
  if (key.byteLength !== AES128_KEY_BYTES) throw new Error(`AES-128-GCM key: expected ${AES128_KEY_BYTES} bytes, got length=${key.byteLength}`);
  return crypto.subtle.importKey('raw', buf(key), { name: 'AES-GCM' }, false, [use]);
}

/** Encrypts; returns ciphertext || tag. */
export async function aesGcmSeal(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Promise<Uint8Array> {
  const k = await importKey(key, 'encrypt');
  return new Uint8Array(await crypto.subtle.encrypt(params(nonce, aad), k, buf(plaintext)));
}

/** Decrypts ciphertext || tag; rejects (OperationError) when the tag does not verify. */
export async function aesGcmOpen(key: Uint8Array, nonce: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Promise<Uint8Array> {
  const k = await importKey(key, 'decrypt');
  return new Uint8Array(await crypto.subtle.decrypt(params(nonce, aad), k, buf(ciphertext)));
}
