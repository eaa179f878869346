// sealcast's suite-1 provider for ts-mls, primitive by primitive: HPKE against RFC 9180 A.1.1,
// and Ed25519 verification, X25519, HKDF-SHA256 and AES-128-GCM against Wycheproof (every
// "invalid" case must be rejected), the key cache's staleness rule, and the digest's two paths.
// The MLS working group's vectors (../vectors/) then check the assembled provider end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { vectorsDir } from '../../../../test/support/vectors-dir.js';
import { concat, fromHex, toHex } from '../../bytes.js';
import { aesGcmOpen, aesGcmSeal } from './aes128-gcm.js';
import { ed25519Generate, ed25519PublicKey, ed25519Signature } from './ed25519-signature.js';
import { hpkeX25519Aes128 as hpke } from './hpke-base.js';
import { KeyCache } from './key-cache.js';
import { WEBCRYPTO_DIGEST_FROM_BYTES, hkdfExpand, hkdfExtract, sha256Hash } from './sha256-kdf.js';
import { suite1, suite1Provider } from './suite-impl.js';
import { importX25519Private, importX25519Public, x25519, x25519PublicOf } from './x25519.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

interface Case { tcId: number; result: 'valid' | 'invalid' | 'acceptable'; flags: string[]; comment: string; [k: string]: unknown }
interface Group { tests: Case[]; [k: string]: unknown }

function wycheproof(name: string): Group[] {
  return (JSON.parse(readFileSync(join(vectorsDir(), 'wycheproof', name), 'utf8')) as { testGroups: Group[] }).testGroups;
}

/** Runs every case; valid must pass, invalid must fail (a throw counts as failing); returns the tally. */
async function everyCase(groups: Group[], attempt: (g: Group, c: Case) => Promise<boolean>, skip?: (g: Group) => boolean) {
  const tally = { valid: 0, invalid: 0, acceptable: 0, skipped: 0 };
  for (const g of groups) {
    for (const c of g.tests) {
      if (skip?.(g) && c.result !== 'invalid') {
        tally.skipped++;
        continue;
      }
      let ok: boolean;
      try {
        ok = await attempt(g, c);
      } catch {
        ok = false; // a primitive that throws has rejected the input: exactly what "invalid" cases need
      }
      if (c.result === 'valid') assert.ok(ok, `tcId ${c.tcId} (valid) rejected: ${c.comment}`);
      if (c.result === 'invalid') assert.ok(!ok, `tcId ${c.tcId} (invalid) accepted: ${c.comment}`);
      tally[c.result]++;
    }
  }
  return tally;
}

const h = (c: Case, k: string) => fromHex(c[k] as string);

interface HpkeVector {
  info: string; ikmR: string; pkRm: string; skRm: string; enc: string;
  encryptions: { seq: number; aad: string; plaintext: string; ciphertext: string }[];
  exports: { exporter_context: string; length: number; value: string }[];
}

test('HPKE (RFC 9180 A.1.1): DeriveKeyPair, open of the sequence-0 encryption, exports, and seal/open', async () => {
  const file = JSON.parse(readFileSync(join(vectorsDir(), 'hpke', 'rfc9180-a1-x25519-sha256-aes128gcm.json'), 'utf8')) as { vectors: HpkeVector[] };
  const v = file.vectors[0]!;
  const pair = await hpke.deriveKeyPair(fromHex(v.ikmR));
  assert.equal(toHex(await hpke.exportPublicKey(pair.publicKey)), v.pkRm, 'pkR from ikmR');
  assert.equal(toHex(await hpke.exportPrivateKey(pair.privateKey)), v.skRm, 'skR from ikmR');
  const skR = await hpke.importPrivateKey(fromHex(v.skRm));
  const first = v.encryptions.find((e) => e.seq === 0)!;
  const opened = await hpke.open(skR, fromHex(v.enc), fromHex(first.ciphertext), fromHex(v.info), fromHex(first.aad));
  assert.equal(toHex(opened), first.plaintext, 'open (single shot, sequence 0)');
  for (const x of v.exports) {
    const got = await hpke.importSecret(skR, fromHex(x.exporter_context), fromHex(v.enc), x.length, fromHex(v.info));
    assert.equal(toHex(got), x.value, `export ${x.exporter_context}`);
  }
  // Our seal, opened by our open; a flipped ciphertext bit and a wrong key are refused.
  const pkR = await hpke.importPublicKey(fromHex(v.pkRm));
  const sealed = await hpke.seal(pkR, utf8('round trip'), utf8('info'), utf8('aad'));
  assert.equal(new TextDecoder().decode(await hpke.open(skR, sealed.enc, sealed.ct, utf8('info'), utf8('aad'))), 'round trip');
  const bad = sealed.ct.slice();
  bad[0]! ^= 1;
  await assert.rejects(hpke.open(skR, sealed.enc, bad, utf8('info'), utf8('aad')), (e: unknown) => e instanceof Error && e.name === 'CryptoError');
  const other = await hpke.generateKeyPair();
  await assert.rejects(hpke.open(other.privateKey, sealed.enc, sealed.ct, utf8('info'), utf8('aad')), (e: unknown) => e instanceof Error && e.name === 'CryptoError');
  const exported = await hpke.exportSecret(pkR, utf8('ctx'), 32, utf8('info'));
  assert.equal(toHex(await hpke.importSecret(skR, utf8('ctx'), exported.enc, 32, utf8('info'))), toHex(exported.secret));
  // A generated pair's public key is X25519(sk, 9).
  const gen = await hpke.generateKeyPair();
  const raw = await hpke.exportPrivateKey(gen.privateKey);
  assert.equal(toHex(await x25519PublicOf(await importX25519Private(raw))), toHex(await hpke.exportPublicKey(gen.publicKey)));
});

test('Wycheproof Ed25519 through the provider: every invalid signature is refused', async (t) => {
  const groups = wycheproof('ed25519_test.json');
  const tally = await everyCase(groups, async (g, c) => ed25519Signature.verify(fromHex((g.publicKey as { pk: string }).pk), h(c, 'msg'), h(c, 'sig')));
  t.diagnostic(`ed25519: valid ${tally.valid}, invalid refused ${tally.invalid}, acceptable ${tally.acceptable}`);
  assert.ok(tally.valid > 0 && tally.invalid > 0);
  // Sign: deterministic (RFC 8032), verified by the provider, and the public key is the seed's.
  const { seed, publicKey } = await ed25519Generate();
  assert.deepEqual(await ed25519PublicKey(seed), publicKey);
  const msg = utf8('message');
  const s1 = await ed25519Signature.sign(seed, msg);
  assert.deepEqual(await ed25519Signature.sign(seed, msg), s1);
  assert.ok(await ed25519Signature.verify(publicKey, msg, s1));
  assert.equal(await ed25519Signature.verify(publicKey.subarray(0, 31), msg, s1), false, 'a short key verifies nothing');
  assert.equal(await ed25519Signature.verify(publicKey, msg, s1.subarray(0, 63)), false, 'a short signature verifies nothing');
});

test('Wycheproof X25519 through the provider: all-zero shared secrets are refused', async (t) => {
  let zeroRefused = 0;
  const tally = await everyCase(wycheproof('x25519_test.json'), async (_g, c) => {
    const run = async () => toHex(await x25519(await importX25519Private(h(c, 'private')), await importX25519Public(h(c, 'public')))) === c.shared;
    if (/^(00)+$/.test(c.shared as string)) {
      // RFC 9180 §7.1.4: DHKEM must refuse a small-order peer; every such case must fail here.
      await assert.rejects(run(), `tcId ${c.tcId}: an all-zero shared secret was accepted`);
      zeroRefused++;
      return false;
    }
    return run();
  });
  t.diagnostic(`x25519: valid ${tally.valid}, invalid refused ${tally.invalid}, acceptable ${tally.acceptable} (all-zero results refused: ${zeroRefused})`);
  assert.ok(zeroRefused > 0);
  assert.ok(tally.valid > 0);
});

test('Wycheproof HKDF-SHA256 through the provider (extract + expand)', async (t) => {
  const tally = await everyCase(wycheproof('hkdf_sha256_test.json'), async (_g, c) => {
    const prk = hkdfExtract(h(c, 'salt'), h(c, 'ikm'));
    return toHex(hkdfExpand(prk, h(c, 'info'), c.size as number)) === c.okm;
  });
  t.diagnostic(`hkdf: valid ${tally.valid}, invalid refused ${tally.invalid}`);
  assert.ok(tally.valid > 0);
});

test('Wycheproof AES-128-GCM (96-bit nonces) through the provider', async (t) => {
  const tally = await everyCase(wycheproof('aes_gcm_test.json'), async (_g, c) => {
    const sealed = concat(h(c, 'ct'), h(c, 'tag'));
    const opened = await aesGcmOpen(h(c, 'key'), h(c, 'iv'), h(c, 'aad'), sealed);
    return toHex(opened) === c.msg && toHex(await aesGcmSeal(h(c, 'key'), h(c, 'iv'), h(c, 'aad'), h(c, 'msg'))) === toHex(sealed);
  }, (g) => g.keySize !== 128 || g.ivSize !== 96 || g.tagSize !== 128);
  t.diagnostic(`aes-128-gcm: valid ${tally.valid}, invalid refused ${tally.invalid}, other sizes skipped ${tally.skipped}`);
  assert.ok(tally.valid > 0 && tally.invalid > 0);
});

test('the digest gives the same bytes on both sides of the WebCrypto threshold', async () => {
  for (const n of [0, 1, 64, WEBCRYPTO_DIGEST_FROM_BYTES - 1, WEBCRYPTO_DIGEST_FROM_BYTES, WEBCRYPTO_DIGEST_FROM_BYTES + 1, 200_000]) {
    const data = crypto.getRandomValues(new Uint8Array(Math.min(n, 65536)));
    const big = n > 65536 ? concat(data, data, data, data.subarray(0, n - 3 * data.length)) : data;
    assert.equal(toHex(await sha256Hash.digest(big)), toHex(sha256(big)), `${n} bytes`);
  }
  const key = utf8('k');
  const mac = await sha256Hash.mac(key, utf8('data'));
  assert.ok(await sha256Hash.verifyMac(key, mac, utf8('data')));
  mac[0]! ^= 1;
  assert.equal(await sha256Hash.verifyMac(key, mac, utf8('data')), false);
});

test('the key cache rebuilds an entry whose bytes changed and does not keep failures', async () => {
  let made = 0;
  const cache = new KeyCache<string>(async (b) => {
    made++;
    if (b[0] === 0xff) throw new Error('refused');
    return toHex(b);
  });
  const k = Uint8Array.of(1, 2, 3);
  assert.equal(await cache.get(k), '010203');
  assert.equal(await cache.get(k), '010203');
  assert.equal(made, 1, 'the second call hits');
  k[0] = 9; // zeroed or reused in place: the stale value must not be served
  assert.equal(await cache.get(k), '090203');
  assert.equal(made, 2);
  const bad = Uint8Array.of(0xff);
  await assert.rejects(cache.get(bad), /refused/);
  await assert.rejects(cache.get(bad), /refused/);
  assert.equal(made, 4, 'a failure is retried, not remembered');
});

test('the provider serves suite 1 only', async () => {
  assert.equal(await suite1Provider.getCiphersuiteImpl({ name: 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' } as never), suite1);
  await assert.rejects(suite1Provider.getCiphersuiteImpl({ name: 'MLS_128_DHKEMP256_AES128GCM_SHA256_P256' } as never), /implements MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519 only/);
  assert.equal(suite1.rng.randomBytes(100_000).byteLength, 100_000, 'more than one getRandomValues call');
});
