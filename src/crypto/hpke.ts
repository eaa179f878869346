// RFC 9180 HPKE, base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM,
// through @hpke/core on native WebCrypto. Used to wrap each recipient's content key.
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from '@hpke/core';

let suite: CipherSuite | undefined;

/** The one HPKE suite sealcast uses (the primitives of MLS cipher suite 1). */
export function hpkeSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
  return suite;
}

/** Single-shot seal: returns enc(32) ‖ ciphertext. */
export async function hpkeSeal(recipientPublicKey: CryptoKey, info: Uint8Array, aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array> {
  const { ct: ciphertext, enc } = await hpkeSuite().seal({ recipientPublicKey, info }, pt, aad);
  const out = new Uint8Array(enc.byteLength + ciphertext.byteLength);
  out.set(new Uint8Array(enc), 0);
  out.set(new Uint8Array(ciphertext), enc.byteLength);
  return out;
}

/** Single-shot open of enc(32) ‖ ciphertext; throws on any failure. */
export async function hpkeOpen(recipientKey: CryptoKey, info: Uint8Array, aad: Uint8Array, wrapped: Uint8Array): Promise<Uint8Array> {
  if (wrapped.byteLength < 32 + 16) throw new Error('wrapped key too short');
  const enc = wrapped.slice(0, 32);
  const ct = wrapped.slice(32);
  return new Uint8Array(await hpkeSuite().open({ recipientKey, enc: enc.buffer as ArrayBuffer, info }, ct, aad));
}
