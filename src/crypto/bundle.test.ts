// Bundles: canonical encoding, self-signature, and every key or layout rule parseBundle enforces.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buf, concat, fromHex } from './bytes.js';
import { bundleSignatureInput, encodeBundle, encodeBundleBody, MAX_BUNDLE_BYTES } from './bundle.js';
import { generateIdentity, isCryptoError, parseBundle, toHex, type CryptoErrorCode } from './index.js';

const is = (code: CryptoErrorCode, what: string) => (e: unknown) => {
  assert.ok(isCryptoError(e), `${what}: ${String(e)}`);
  assert.equal(e.code, code, `${what}: ${e.message}`);
  return true;
};

async function ed25519(): Promise<{ priv: CryptoKey; raw: Uint8Array }> {
  const kp = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { priv: kp.privateKey, raw: new Uint8Array(await crypto.subtle.exportKey('raw', kp.publicKey)) };
}

/** A correctly self-signed HPKE-suite bundle around arbitrary encryption-key bytes. */
async function signedHpkeBundle(encKey: Uint8Array, signer?: { priv: CryptoKey; raw: Uint8Array }): Promise<Uint8Array> {
  const s = signer ?? (await ed25519());
  const body = encodeBundleBody('hpke-x25519-aes128gcm', s.raw, encKey);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, s.priv, buf(bundleSignatureInput(body))));
  return encodeBundle(body, sig);
}

async function rsaSpki(name: 'RSA-PSS' | 'RSA-OAEP', bits: number, exponent: number[]): Promise<{ priv: CryptoKey; spki: Uint8Array }> {
  const usages: KeyUsage[] = name === 'RSA-PSS' ? ['sign', 'verify'] : ['encrypt', 'decrypt'];
  const kp = (await crypto.subtle.generateKey({ name, hash: 'SHA-256', modulusLength: bits, publicExponent: new Uint8Array(exponent) }, true, usages)) as CryptoKeyPair;
  return { priv: kp.privateKey, spki: new Uint8Array(await crypto.subtle.exportKey('spki', kp.publicKey)) };
}

async function signedRsaBundle(sign: { priv: CryptoKey; spki: Uint8Array }, enc: Uint8Array): Promise<Uint8Array> {
  const body = encodeBundleBody('rsa-oaep-3072', sign.spki, enc);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'RSA-PSS', saltLength: 32 }, sign.priv, buf(bundleSignatureInput(body))));
  return encodeBundle(body, sig);
}

test('HPKE bundle layout: SCB1, suite 1, 32-byte keys, 64-byte signature; fingerprint = SHA-256(body)', async () => {
  const id = await generateIdentity();
  const b = id.bundle.bytes;
  assert.equal(b.length, 4 + 1 + 2 + 32 + 2 + 32 + 2 + 64);
  assert.equal(toHex(b.subarray(0, 7)), '5343423101' + '0020');
  const body = b.subarray(0, 73);
  assert.equal(toHex(id.bundle.fingerprint), toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', buf(body)))));
  // Fingerprint is stable across re-signing: a second valid self-signature gives the same fingerprint.
  assert.equal(toHex((await parseBundle(b)).fingerprint), toHex(id.bundle.fingerprint));
});

test('parseBundle refuses malformed bundles with BAD_BUNDLE / UNSUPPORTED_SUITE', async () => {
  const id = await generateIdentity();
  const b = id.bundle.bytes;
  const flip = (at: number) => {
    const x = Uint8Array.from(b);
    x[at]! ^= 1;
    return x;
  };
  await assert.rejects(parseBundle(concat(b, Uint8Array.of(0))), is('BAD_BUNDLE', 'trailing byte'));
  await assert.rejects(parseBundle(b.subarray(0, b.length - 1)), is('BAD_BUNDLE', 'truncated'));
  await assert.rejects(parseBundle(new Uint8Array(MAX_BUNDLE_BYTES + 1)), is('BAD_BUNDLE', 'too large'));
  await assert.rejects(parseBundle(flip(0)), is('BAD_BUNDLE', 'magic'));
  const suite9 = Uint8Array.from(b);
  suite9[4] = 9;
  await assert.rejects(parseBundle(suite9), is('UNSUPPORTED_SUITE', 'suite 9'));
  await assert.rejects(parseBundle(flip(10)), is('BAD_BUNDLE', 'signing key bit'));
  await assert.rejects(parseBundle(flip(50)), is('BAD_BUNDLE', 'encryption key bit'));
  await assert.rejects(parseBundle(flip(b.length - 1)), is('BAD_BUNDLE', 'signature bit'));
  await assert.rejects(parseBundle(flip(6)), is('BAD_BUNDLE', 'signing key length'));
  await assert.rejects(parseBundle('x' as unknown as Uint8Array), is('BAD_BUNDLE', 'not bytes'));
  // Suite 2 (RSA) bytes around curve keys: wrong key type for the suite.
  const asRsa = Uint8Array.from(b);
  asRsa[4] = 2;
  await assert.rejects(parseBundle(asRsa), is('BAD_BUNDLE', 'curve keys under the RSA suite'));
});

test('parseBundle refuses small-order, non-canonical and duplicated curve keys even when self-signed', async () => {
  const signer = await ed25519();
  const good = new Uint8Array(await crypto.subtle.exportKey('raw', ((await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair).publicKey));
  assert.ok(await parseBundle(await signedHpkeBundle(good, signer)));
  for (const [what, key] of [
    ['zero', new Uint8Array(32)],
    ['one', fromHex('01'.padEnd(64, '0'))],
    ['order 8', fromHex('e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800')],
    ['order 8 (2)', fromHex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157')],
    ['p - 1', fromHex('ec' + 'ff'.repeat(30) + '7f')],
    ['p (non-canonical 0)', fromHex('ed' + 'ff'.repeat(30) + '7f')],
    ['high bit set', Uint8Array.from(good, (x, i) => (i === 31 ? x | 0x80 : x))],
    ['31 bytes', good.subarray(1)],
    ['same as signing key', signer.raw],
  ] as const) {
    await assert.rejects(parseBundle(await signedHpkeBundle(key, signer)), is('BAD_BUNDLE', what));
  }
});

test('parseBundle refuses RSA keys that are not 3072-bit with exponent 65537', async () => {
  const sign = await rsaSpki('RSA-PSS', 3072, [1, 0, 1]);
  const enc = await rsaSpki('RSA-OAEP', 3072, [1, 0, 1]);
  const ok = await parseBundle(await signedRsaBundle(sign, enc.spki));
  assert.equal(ok.suite, 'rsa-oaep-3072');
  const small = await rsaSpki('RSA-OAEP', 2048, [1, 0, 1]);
  await assert.rejects(parseBundle(await signedRsaBundle(sign, small.spki)), is('BAD_BUNDLE', '2048-bit encryption key'));
  const e3 = await rsaSpki('RSA-OAEP', 3072, [3]);
  await assert.rejects(parseBundle(await signedRsaBundle(sign, e3.spki)), is('BAD_BUNDLE', 'exponent 3'));
  await assert.rejects(parseBundle(await signedRsaBundle(sign, sign.spki)), is('BAD_BUNDLE', 'one key for both uses'));
  // A non-canonical DER (long-form length) of the same key is refused: one encoding per key.
  const spki = enc.spki;
  assert.equal(spki[1], 0x82);
  const longForm = concat(Uint8Array.of(0x30, 0x83, 0x00), spki.subarray(2));
  await assert.rejects(parseBundle(await signedRsaBundle(sign, longForm)), is('BAD_BUNDLE', 'non-canonical DER'));
});
