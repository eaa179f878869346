// HPKE base mode (RFC 9180 §5.1.1) for MLS cipher suite 1: DHKEM(X25519, HKDF-SHA256) (KEM
// 0x0020), HKDF-SHA256 (KDF 0x0001), AES-128-GCM (AEAD 0x0001), written from the RFC on the
// primitives of this directory. ts-mls's default HPKE (@hpke/core) runs every one of its dozen
// HKDF steps through WebCrypto HMAC (an import and a sign each); here they are synchronous, and
// only the X25519 and AES-GCM steps go to WebCrypto. Checked against RFC 9180 appendix A.1.1 and
// the MLS working group's vectors (crypto-basics, welcome, treekem, passive clients).
import type { Hpke, PrivateKey, PublicKey } from 'ts-mls';
import { CryptoError as LibraryCryptoError } from 'ts-mls/mlsError.js';
import { concat } from '../../bytes.js';
import { AES128_KEY_BYTES, GCM_NONCE_BYTES, aesGcmOpen, aesGcmSeal } from './aes128-gcm.js';
import { SHA256_BYTES, hkdfExpand, hkdfExtract } from './sha256-kdf.js';
import { X25519_BYTES, importX25519Private, importX25519Public, x25519, x25519Generate, x25519PublicOf } from './x25519.js';

const utf8 = new TextEncoder();
const EMPTY = new Uint8Array(0);
const HPKE_V1 = utf8.encode('HPKE-v1');
/** suite_id of the KEM: "KEM" || I2OSP(0x0020, 2) (RFC 9180 §4.1). */
const KEM_SUITE_ID = Uint8Array.of(0x4b, 0x45, 0x4d, 0x00, 0x20);
/** suite_id of the key schedule: "HPKE" || kem_id || kdf_id || aead_id (RFC 9180 §5.1). */
const HPKE_SUITE_ID = Uint8Array.of(0x48, 0x50, 0x4b, 0x45, 0x00, 0x20, 0x00, 0x01, 0x00, 0x01);
const MODE_BASE = 0x00;

/** LabeledExtract(salt, label, ikm) = Extract(salt, "HPKE-v1" || suite_id || label || ikm). */
function labeledExtract(suiteId: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return hkdfExtract(salt, concat(HPKE_V1, suiteId, utf8.encode(label), ikm));
}

/** LabeledExpand(prk, label, info, L) = Expand(prk, I2OSP(L, 2) || "HPKE-v1" || suite_id || label || info, L). */
function labeledExpand(suiteId: Uint8Array, prk: Uint8Array, label: string, info: Uint8Array, length: number): Uint8Array {
  return hkdfExpand(prk, concat(Uint8Array.of(length >>> 8, length & 0xff), HPKE_V1, suiteId, utf8.encode(label), info), length);
}

/** An X25519 private key as ts-mls holds it: its raw bytes, imported and its public key computed once. */
class X25519PrivateKey {
  private imported: Promise<CryptoKey> | undefined;
  private pub: Promise<Uint8Array> | undefined;
  constructor(
    readonly raw: Uint8Array,
    key?: CryptoKey,
    publicKey?: Uint8Array,
  ) {
    if (key !== undefined) this.imported = Promise.resolve(key);
    if (publicKey !== undefined) this.pub = Promise.resolve(publicKey);
  }
  key(): Promise<CryptoKey> {
    this.imported ??= importX25519Private(this.raw);
    return this.imported;
  }
  async publicKey(): Promise<Uint8Array> {
    this.pub ??= this.key().then(x25519PublicOf);
    return this.pub;
  }
}

/** An X25519 public key: raw bytes, imported once. */
class X25519PublicKey {
  private imported: Promise<CryptoKey> | undefined;
  constructor(readonly raw: Uint8Array) {}
  key(): Promise<CryptoKey> {
    this.imported ??= importX25519Public(this.raw);
    return this.imported;
  }
}

// ts-mls types its keys as CryptoKey but only ever hands them back to this object, so our own
// key classes stand in for them; these two casts are the only place that knows.
const asLibraryPrivate = (k: X25519PrivateKey): PrivateKey => k as unknown as PrivateKey;
const asLibraryPublic = (k: X25519PublicKey): PublicKey => k as unknown as PublicKey;
function ownPrivate(k: PrivateKey): X25519PrivateKey {
  if (!((k as object) instanceof X25519PrivateKey)) throw new LibraryCryptoError('not an X25519 private key of this provider');
  return k as unknown as X25519PrivateKey;
}
function ownPublic(k: PublicKey): X25519PublicKey {
  if (!((k as object) instanceof X25519PublicKey)) throw new LibraryCryptoError('not an X25519 public key of this provider');
  return k as unknown as X25519PublicKey;
}

/** DeriveKeyPair(ikm) for DHKEM(X25519) (RFC 9180 §7.1.3): sk = LabeledExpand(dkp_prk, "sk", "", 32). */
async function deriveKeyPair(ikm: Uint8Array): Promise<X25519PrivateKey> {
  const dkpPrk = labeledExtract(KEM_SUITE_ID, EMPTY, 'dkp_prk', ikm);
  return new X25519PrivateKey(labeledExpand(KEM_SUITE_ID, dkpPrk, 'sk', EMPTY, X25519_BYTES));
}

/** ExtractAndExpand(dh, kem_context) (RFC 9180 §4.1). */
function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const eaePrk = labeledExtract(KEM_SUITE_ID, EMPTY, 'eae_prk', dh);
  return labeledExpand(KEM_SUITE_ID, eaePrk, 'shared_secret', kemContext, SHA256_BYTES);
}

/** Encap(pkR) with a fresh ephemeral key: (shared_secret, enc). */
async function encap(pkR: X25519PublicKey): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
  const eph = await x25519Generate();
  const dh = await x25519(eph.key, await pkR.key());
  return { sharedSecret: extractAndExpand(dh, concat(eph.publicKey, pkR.raw)), enc: eph.publicKey };
}

/** Decap(enc, skR). */
async function decap(enc: Uint8Array, skR: X25519PrivateKey): Promise<Uint8Array> {
  if (enc.byteLength !== X25519_BYTES) throw new LibraryCryptoError(`HPKE enc: expected ${X25519_BYTES} bytes, got length=${enc.byteLength}`);
  const dh = await x25519(await skR.key(), await importX25519Public(enc));
  return extractAndExpand(dh, concat(enc, await skR.publicKey()));
}

/** KeySchedule(mode_base, shared_secret, info, "", "") (RFC 9180 §5.1): key, base_nonce, exporter_secret. */
function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): { key: Uint8Array; baseNonce: Uint8Array; exporterSecret: Uint8Array } {
  const pskIdHash = labeledExtract(HPKE_SUITE_ID, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(HPKE_SUITE_ID, EMPTY, 'info_hash', info);
  const context = concat(Uint8Array.of(MODE_BASE), pskIdHash, infoHash);
  const secret = labeledExtract(HPKE_SUITE_ID, sharedSecret, 'secret', EMPTY);
  return {
    key: labeledExpand(HPKE_SUITE_ID, secret, 'key', context, AES128_KEY_BYTES),
    baseNonce: labeledExpand(HPKE_SUITE_ID, secret, 'base_nonce', context, GCM_NONCE_BYTES),
    exporterSecret: labeledExpand(HPKE_SUITE_ID, secret, 'exp', context, SHA256_BYTES),
  };
}

/** Runs a WebCrypto step and reports any failure as the library's CryptoError (what ts-mls expects). */
async function asLibraryError<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof LibraryCryptoError) throw e;
    throw new LibraryCryptoError(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** ts-mls's Hpke for suite 1. Single-shot seal/open use sequence number 0, so the nonce is base_nonce. */
export const hpkeX25519Aes128: Hpke = {
  async seal(publicKey, plaintext, info, aad) {
    const { sharedSecret, enc } = await encap(ownPublic(publicKey));
    const { key, baseNonce } = keySchedule(sharedSecret, info);
    return { ct: await aesGcmSeal(key, baseNonce, aad ?? EMPTY, plaintext), enc };
  },
  async open(privateKey, kemOutput, ciphertext, info, aad) {
    return asLibraryError('HPKE open', async () => {
      const { key, baseNonce } = keySchedule(await decap(kemOutput, ownPrivate(privateKey)), info);
      return aesGcmOpen(key, baseNonce, aad ?? EMPTY, ciphertext);
    });
  },
  async exportSecret(publicKey, exporterContext, length, info) {
    const { sharedSecret, enc } = await encap(ownPublic(publicKey));
    const { exporterSecret } = keySchedule(sharedSecret, info);
    return { enc, secret: labeledExpand(HPKE_SUITE_ID, exporterSecret, 'sec', exporterContext, length) };
  },
  async importSecret(privateKey, exporterContext, kemOutput, length, info) {
    return asLibraryError('HPKE export', async () => {
      const { exporterSecret } = keySchedule(await decap(kemOutput, ownPrivate(privateKey)), info);
      return labeledExpand(HPKE_SUITE_ID, exporterSecret, 'sec', exporterContext, length);
    });
  },
  async importPrivateKey(k) {
    if (k.byteLength !== X25519_BYTES) throw new LibraryCryptoError(`X25519 private key: expected ${X25519_BYTES} bytes, got length=${k.byteLength}`);
    return asLibraryPrivate(new X25519PrivateKey(k.slice()));
  },
  async importPublicKey(k) {
    if (k.byteLength !== X25519_BYTES) throw new LibraryCryptoError(`X25519 public key: expected ${X25519_BYTES} bytes, got length=${k.byteLength}`);
    return asLibraryPublic(new X25519PublicKey(k.slice()));
  },
  async exportPublicKey(k) {
    return ownPublic(k).raw.slice();
  },
  async exportPrivateKey(k) {
    return ownPrivate(k).raw.slice();
  },
  async encryptAead(key, nonce, aad, plaintext) {
    return aesGcmSeal(key, nonce, aad ?? EMPTY, plaintext);
  },
  async decryptAead(key, nonce, aad, ciphertext) {
    return asLibraryError('AEAD open', () => aesGcmOpen(key, nonce, aad ?? EMPTY, ciphertext));
  },
  async deriveKeyPair(ikm) {
    const sk = await deriveKeyPair(ikm);
    return { privateKey: asLibraryPrivate(sk), publicKey: asLibraryPublic(new X25519PublicKey(await sk.publicKey())) };
  },
  async generateKeyPair() {
    const pair = await x25519Generate();
    const sk = new X25519PrivateKey(pair.raw, pair.key, pair.publicKey);
    return { privateKey: asLibraryPrivate(sk), publicKey: asLibraryPublic(new X25519PublicKey(pair.publicKey)) };
  },
  keyLength: AES128_KEY_BYTES,
  nonceLength: GCM_NONCE_BYTES,
};
