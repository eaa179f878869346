// RFC 9180 appendix A.1.1 (base mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM)
// through the exact @hpke/core suite sealcast uses (hpkeSuite()), plus independent WebCrypto
// checks of the key schedule outputs. Vector: test/vectors/hpke/ (provenance in its README).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buf, concat, fromHex, toHex, utf8Bytes } from './bytes.js';
import { hpkeOpen, hpkeSeal, hpkeSuite } from './hpke.js';

/** test/vectors, found by walking up from this file to the directory holding package.json. */
function vectorsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root (package.json) not found');
    dir = up;
  }
  return join(dir, 'test', 'vectors');
}

interface Vector {
  mode: number; kem_id: number; kdf_id: number; aead_id: number;
  info: string; ikmE: string; pkEm: string; skEm: string; ikmR: string; pkRm: string; skRm: string; enc: string;
  shared_secret: string; key_schedule_context: string; secret: string; key: string; base_nonce: string; exporter_secret: string;
  encryptions: { seq: number; aad: string; nonce: string; plaintext: string; ciphertext: string }[];
  exports: { exporter_context: string; length: number; value: string }[];
}

const file = JSON.parse(readFileSync(join(vectorsDir(), 'hpke', 'rfc9180-a1-x25519-sha256-aes128gcm.json'), 'utf8')) as { vectors: Vector[] };
const hex = (b: ArrayBuffer | Uint8Array) => toHex(b instanceof Uint8Array ? b : new Uint8Array(b));
const EMPTY = new Uint8Array(0);

/** base_nonce XOR I2OSP(seq, Nn): how RFC 9180 §5.2 derives the nonce of message `seq`. */
function nonceFor(baseNonce: Uint8Array, seq: number): Uint8Array {
  const n = Uint8Array.from(baseNonce);
  for (let i = 0, s = seq; s > 0; i++, s = Math.floor(s / 256)) n[n.length - 1 - i]! ^= s & 0xff;
  return n;
}

for (const v of file.vectors) {
  test('RFC 9180 A.1.1: suite ids and native X25519 keys', async () => {
    assert.deepEqual([v.mode, v.kem_id, v.kdf_id, v.aead_id], [0, 0x20, 1, 1]);
    const suite = hpkeSuite();
    assert.deepEqual([suite.kem.id, suite.kdf.id, suite.aead.id], [0x20, 1, 1], 'hpkeSuite() is the vector suite');
    // Keys derived from ikm (RFC 9180 §7.1.3) and imported from raw sk are native WebCrypto X25519 keys.
    const derivedR = await suite.kem.deriveKeyPair(buf(fromHex(v.ikmR)));
    const derivedE = await suite.kem.deriveKeyPair(buf(fromHex(v.ikmE)));
    for (const k of [derivedR.privateKey, derivedR.publicKey, derivedE.privateKey]) {
      assert.ok(k instanceof CryptoKey, 'a platform CryptoKey, not a JS curve implementation');
      assert.equal(k.algorithm.name, 'X25519');
    }
    assert.equal(hex(await suite.kem.serializePublicKey(derivedR.publicKey)), v.pkRm, 'pkRm from ikmR');
    assert.equal(hex(await suite.kem.serializePrivateKey(derivedR.privateKey)), v.skRm, 'skRm from ikmR');
    assert.equal(hex(await suite.kem.serializePublicKey(derivedE.publicKey)), v.pkEm, 'pkEm from ikmE');
    assert.equal(hex(await suite.kem.serializePrivateKey(derivedE.privateKey)), v.skEm, 'skEm from ikmE');
    const skR = await suite.kem.importKey('raw', buf(fromHex(v.skRm)), false);
    assert.ok(skR instanceof CryptoKey);
    assert.equal(skR.algorithm.name, 'X25519');
    // Cross-check the library against WebCrypto directly: X25519(skEm, pkRm) = X25519(skRm, pkEm).
    const skE = await suite.kem.importKey('raw', buf(fromHex(v.skEm)), false);
    const pkR = await suite.kem.deserializePublicKey(buf(fromHex(v.pkRm)));
    const pkE = await suite.kem.deserializePublicKey(buf(fromHex(v.pkEm)));
    const dh1 = await crypto.subtle.deriveBits({ name: 'X25519', public: pkR }, skE as CryptoKey, 256);
    const dh2 = await crypto.subtle.deriveBits({ name: 'X25519', public: pkE }, skR as CryptoKey, 256);
    assert.equal(hex(dh1), hex(dh2));
  });

  test('RFC 9180 A.1.1: enc, shared secret and key schedule', async () => {
    const suite = hpkeSuite();
    const skR = await suite.kem.importKey('raw', buf(fromHex(v.skRm)), false);
    const pkR = await suite.kem.deserializePublicKey(buf(fromHex(v.pkRm)));
    // Encap with the vector's ephemeral key (the library's test hook `ekm`: ikm to derive it from).
    const { enc, sharedSecret } = await suite.kem.encap({ recipientPublicKey: pkR, ekm: buf(fromHex(v.ikmE)) });
    assert.equal(hex(enc), v.enc, 'enc');
    assert.equal(hex(sharedSecret), v.shared_secret, 'shared_secret (encap)');
    const decapped = await suite.kem.decap({ recipientKey: skR, enc });
    assert.equal(hex(decapped), v.shared_secret, 'shared_secret (decap)');
    // Key schedule (RFC 9180 §5.1), computed with the suite's own labeled HKDF.
    const kdf = suite.kdf;
    const pskIdHash = new Uint8Array(await kdf.labeledExtract(EMPTY, utf8Bytes('psk_id_hash'), EMPTY));
    const infoHash = new Uint8Array(await kdf.labeledExtract(EMPTY, utf8Bytes('info_hash'), fromHex(v.info)));
    const ksc = concat(Uint8Array.of(v.mode), pskIdHash, infoHash);
    assert.equal(toHex(ksc), v.key_schedule_context, 'key_schedule_context');
    const secret = await kdf.labeledExtract(buf(fromHex(v.shared_secret)), utf8Bytes('secret'), EMPTY);
    assert.equal(hex(secret), v.secret, 'secret');
    assert.equal(hex(await kdf.labeledExpand(secret, utf8Bytes('key'), ksc, 16)), v.key, 'key');
    assert.equal(hex(await kdf.labeledExpand(secret, utf8Bytes('base_nonce'), ksc, 12)), v.base_nonce, 'base_nonce');
    assert.equal(hex(await kdf.labeledExpand(secret, utf8Bytes('exp'), ksc, 32)), v.exporter_secret, 'exporter_secret');
  });

  test('RFC 9180 A.1.1: every encryption (seq 0, 1, 2, 4, 255, 256) and export', async () => {
    const suite = hpkeSuite();
    const recipient = await suite.kem.deriveKeyPair(buf(fromHex(v.ikmR)));
    const info = buf(fromHex(v.info));
    const sender = await suite.createSenderContext({ recipientPublicKey: recipient.publicKey, info, ekm: buf(fromHex(v.ikmE)) });
    assert.equal(hex(sender.enc), v.enc, 'enc');
    const receiver = await suite.createRecipientContext({ recipientKey: recipient, enc: sender.enc, info });
    const aesKey = await crypto.subtle.importKey('raw', buf(fromHex(v.key)), 'AES-GCM', false, ['encrypt']);
    let seq = 0;
    for (const e of v.encryptions) {
      // Independently: the vector's key with nonce = base_nonce XOR seq gives the vector's ciphertext.
      const nonce = nonceFor(fromHex(v.base_nonce), e.seq);
      assert.equal(toHex(nonce), e.nonce, `nonce seq ${e.seq}`);
      const direct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(nonce), additionalData: buf(fromHex(e.aad)) }, aesKey, buf(fromHex(e.plaintext)));
      assert.equal(hex(direct), e.ciphertext, `WebCrypto AES-128-GCM seq ${e.seq}`);
      // Contexts count their own messages: seal/open filler messages up to this sequence number.
      for (; seq < e.seq; seq++) await receiver.open(await sender.seal(new Uint8Array(1)));
      assert.equal(hex(await sender.seal(buf(fromHex(e.plaintext)), buf(fromHex(e.aad)))), e.ciphertext, `sealed seq ${e.seq}`);
      assert.equal(hex(await receiver.open(buf(fromHex(e.ciphertext)), buf(fromHex(e.aad)))), e.plaintext, `opened seq ${e.seq}`);
      seq++;
    }
    assert.equal(v.encryptions.length, 6);
    assert.equal(v.exports.length, 3);
    for (const x of v.exports) {
      assert.equal(hex(await sender.export(buf(fromHex(x.exporter_context)), x.length)), x.value, 'sender export');
      assert.equal(hex(await receiver.export(buf(fromHex(x.exporter_context)), x.length)), x.value, 'receiver export');
    }
  });

  test('RFC 9180 A.1.1: the seq-0 ciphertext opens single-shot with a raw-imported skRm', async () => {
    const suite = hpkeSuite();
    const skR = await suite.kem.importKey('raw', buf(fromHex(v.skRm)), false);
    const pkR = await suite.kem.deserializePublicKey(buf(fromHex(v.pkRm)));
    const e0 = v.encryptions[0]!;
    const wrapped = concat(fromHex(v.enc), fromHex(e0.ciphertext));
    const pt = await hpkeOpen({ privateKey: skR as CryptoKey, publicKey: pkR as CryptoKey }, fromHex(v.info), fromHex(e0.aad), wrapped);
    assert.equal(toHex(pt), e0.plaintext);
    // And sealcast's wrappers round-trip; a wrong aad or info does not open.
    const sealed = await hpkeSeal(pkR as CryptoKey, fromHex(v.info), Uint8Array.of(9), Uint8Array.of(1, 2, 3));
    const pair = { privateKey: skR as CryptoKey, publicKey: pkR as CryptoKey };
    assert.deepEqual(await hpkeOpen(pair, fromHex(v.info), Uint8Array.of(9), sealed), Uint8Array.of(1, 2, 3));
    await assert.rejects(hpkeOpen(pair, fromHex(v.info), Uint8Array.of(8), sealed));
    await assert.rejects(hpkeOpen(pair, EMPTY, Uint8Array.of(9), sealed));
  });
}
