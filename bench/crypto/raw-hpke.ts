// RFC 9180 HPKE base mode, DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM, written
// straight on node:crypto's synchronous primitives: the ceiling sealcast's WebCrypto path is
// compared with. Checked against the RFC's A.1.1 vector before it is timed.
import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, diffieHellman, randomBytes, type KeyObject } from 'node:crypto';

const VERSION = Buffer.from('HPKE-v1');
const KEM_ID = Buffer.from([0x4b, 0x45, 0x4d, 0x00, 0x20]); // "KEM" || 0x0020
const HPKE_ID = Buffer.from([0x48, 0x50, 0x4b, 0x45, 0x00, 0x20, 0x00, 0x01, 0x00, 0x01]); // "HPKE" || kem || kdf || aead

function labeledExtract(suite: Buffer, salt: Buffer, label: string, ikm: Buffer): Buffer {
  return createHmac('sha256', salt).update(Buffer.concat([VERSION, suite, Buffer.from(label), ikm])).digest();
}

function labeledExpand(suite: Buffer, prk: Buffer, label: string, info: Buffer, length: number): Buffer {
  const len = Buffer.from([length >> 8, length & 0xff]);
  // length <= 32: one HMAC block of HKDF-Expand.
  return createHmac('sha256', prk).update(Buffer.concat([len, VERSION, suite, Buffer.from(label), info, Buffer.from([1])])).digest().subarray(0, length);
}

/** PKCS#8 headers of an X25519 and an Ed25519 private key; the 32-byte seed follows. */
const PKCS8_PREFIX = {
  x25519: Buffer.from('302e020100300506032b656e04220420', 'hex'),
  ed25519: Buffer.from('302e020100300506032b657004220420', 'hex'),
} as const;

/**
 * A key pair from 32 random bytes, imported rather than generated: on Node 20 a JWK export of a key
 * made by generateKeyPair(Sync) can deadlock the process for good, when the garbage collector
 * finalizes the key's generation job during the export (both take the key's mutex; seen as a hung
 * `npm run bench -- crypto` with the main thread in ~KeyGenJob under ExportJWKEdKey).
 */
export function okpKeyPair(kind: 'x25519' | 'ed25519'): { privateKey: KeyObject; publicKey: KeyObject } {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[kind], randomBytes(32)]), format: 'der', type: 'pkcs8' });
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

function rawPublic(key: KeyObject): Buffer {
  return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
}

function keySchedule(sharedSecret: Buffer, info: Buffer): { key: Buffer; nonce: Buffer } {
  const empty = Buffer.alloc(0);
  const pskIdHash = labeledExtract(HPKE_ID, empty, 'psk_id_hash', empty);
  const infoHash = labeledExtract(HPKE_ID, empty, 'info_hash', info);
  const context = Buffer.concat([Buffer.from([0]), pskIdHash, infoHash]);
  const secret = labeledExtract(HPKE_ID, sharedSecret, 'secret', empty);
  const key = labeledExpand(HPKE_ID, secret, 'key', context, 16);
  const nonce = labeledExpand(HPKE_ID, secret, 'base_nonce', context, 12);
  labeledExpand(HPKE_ID, secret, 'exp', context, 32); // the exporter secret, as every HPKE setup derives it
  return { key, nonce };
}

function encapShared(dh: Buffer, enc: Buffer, pkR: Buffer): Buffer {
  const prk = labeledExtract(KEM_ID, Buffer.alloc(0), 'eae_prk', dh);
  return labeledExpand(KEM_ID, prk, 'shared_secret', Buffer.concat([enc, pkR]), 32);
}

function gcm(key: Buffer, nonce: Buffer, aad: Buffer, pt: Buffer): Buffer {
  const c = createCipheriv(key.byteLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
  c.setAAD(aad);
  return Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
}

function gcmOpen(key: Buffer, nonce: Buffer, aad: Buffer, ct: Buffer): Buffer {
  const d = createDecipheriv(key.byteLength === 16 ? 'aes-128-gcm' : 'aes-256-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.byteLength - 16));
  return Buffer.concat([d.update(ct.subarray(0, ct.byteLength - 16)), d.final()]);
}

/** Single-shot base-mode seal; an ephemeral key is made unless one is given (for the vector). */
export function rawHpkeSeal(pkR: KeyObject, info: Buffer, aad: Buffer, pt: Buffer, ephemeral?: KeyObject): Buffer {
  const skE = ephemeral ?? okpKeyPair('x25519').privateKey;
  const enc = rawPublic(skE);
  const dh = diffieHellman({ privateKey: skE, publicKey: pkR });
  const { key, nonce } = keySchedule(encapShared(dh, enc, rawPublic(pkR)), info);
  return Buffer.concat([enc, gcm(key, nonce, aad, pt)]);
}

/** Single-shot base-mode open of enc || ciphertext. */
export function rawHpkeOpen(skR: KeyObject, pkRBytes: Buffer, info: Buffer, aad: Buffer, wrapped: Buffer): Buffer {
  const enc = wrapped.subarray(0, 32);
  const pkE = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: enc.toString('base64url') }, format: 'jwk' });
  const dh = diffieHellman({ privateKey: skR, publicKey: pkE });
  const { key, nonce } = keySchedule(encapShared(dh, enc, pkRBytes), info);
  return gcmOpen(key, nonce, aad, wrapped.subarray(32));
}

export { gcm as rawGcmSeal, gcmOpen as rawGcmOpen, rawPublic };

function x25519Private(skHex: string, pkHex: string): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'X25519', d: Buffer.from(skHex, 'hex').toString('base64url'), x: Buffer.from(pkHex, 'hex').toString('base64url') },
    format: 'jwk',
  });
}

/** Throws unless this implementation reproduces RFC 9180 A.1.1 (first encryption). */
export function checkAgainstRfcVector(v: { info: string; skEm: string; pkEm: string; skRm: string; pkRm: string; enc: string; encryptions: { aad: string; plaintext: string; ciphertext: string }[] }): void {
  const skE = x25519Private(v.skEm, v.pkEm);
  const skR = x25519Private(v.skRm, v.pkRm);
  const pkR = createPublicKey(skR);
  const e = v.encryptions[0]!;
  const out = rawHpkeSeal(pkR, Buffer.from(v.info, 'hex'), Buffer.from(e.aad, 'hex'), Buffer.from(e.plaintext, 'hex'), skE);
  if (out.subarray(0, 32).toString('hex') !== v.enc || out.subarray(32).toString('hex') !== e.ciphertext) {
    throw new Error('raw HPKE baseline does not reproduce the RFC 9180 A.1.1 vector');
  }
  const back = rawHpkeOpen(skR, Buffer.from(v.pkRm, 'hex'), Buffer.from(v.info, 'hex'), Buffer.from(e.aad, 'hex'), out);
  if (back.toString('hex') !== e.plaintext) throw new Error('raw HPKE baseline does not open its own output');
}
