// Known-answer vector for sealcast's own formats (test/vectors/sealcast-envelope-v1.json), so a
// client in another language can check its bundle, login, rotation and envelope code.
// Ephemeral X25519 keys, nonces, content keys, OAEP and PSS padding are random, so sealed
// envelopes (and RSA signatures) are checked by opening (verifying) them; every deterministic
// part (bundles and fingerprints from fixed keys, digits, login/rotation inputs, Ed25519
// signatures, bindings) must match exactly.
// Regenerate with SEALCAST_WRITE_VECTORS=1 (only when the format version changes; existing
// RSA keys in the file are reused).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buf, concat, fromHex, toHex } from './bytes.js';
import { encodeBinding, parseEnvelope } from './envelope-format.js';
import {
  fingerprintDigits, identityFromKeys, loginSignatureInput, openEnvelope, parseBundle, rotationSignatureInput, safetyNumber,
  sealEnvelope, shortFingerprint, signLogin, signRotation, verifyLogin, verifyRotation, type Identity, type PublicBundle, type SuiteName,
} from './index.js';

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

const ED25519_PKCS8 = fromHex('302e020100300506032b657004220420');
const X25519_PKCS8 = fromHex('302e020100300506032b656e04220420');

async function publicOf(priv: CryptoKey, usages: KeyUsage[]): Promise<CryptoKey> {
  const jwk = await crypto.subtle.exportKey('jwk', priv);
  const pub: JsonWebKey = jwk.kty === 'RSA' ? { kty: 'RSA', n: jwk.n!, e: jwk.e!, alg: jwk.alg! } : { kty: 'OKP', crv: jwk.crv!, x: jwk.x! };
  return crypto.subtle.importKey('jwk', pub, priv.algorithm as AlgorithmIdentifier, true, usages);
}

/** An HPKE-suite identity from a 32-byte Ed25519 seed and a 32-byte X25519 private key. */
async function fixedIdentity(signingSeed: string, encryptionSeed: string): Promise<Identity> {
  const sign = await crypto.subtle.importKey('pkcs8', buf(concat(ED25519_PKCS8, fromHex(signingSeed))), { name: 'Ed25519' }, true, ['sign']);
  const dec = await crypto.subtle.importKey('pkcs8', buf(concat(X25519_PKCS8, fromHex(encryptionSeed))), { name: 'X25519' }, true, ['deriveBits']);
  return identityFromKeys('hpke-x25519-aes128gcm', sign, await publicOf(sign, ['verify']), dec, await publicOf(dec, []));
}

/** An RSA-suite identity from PKCS#8 DER (hex) of its RSA-PSS and RSA-OAEP private keys. */
async function fixedRsaIdentity(pssPkcs8: string, oaepPkcs8: string): Promise<Identity> {
  const sign = await crypto.subtle.importKey('pkcs8', buf(fromHex(pssPkcs8)), { name: 'RSA-PSS', hash: 'SHA-256' }, true, ['sign']);
  const dec = await crypto.subtle.importKey('pkcs8', buf(fromHex(oaepPkcs8)), { name: 'RSA-OAEP', hash: 'SHA-256' }, true, ['decrypt']);
  return identityFromKeys('rsa-oaep-3072', sign, await publicOf(sign, ['verify']), dec, await publicOf(dec, ['encrypt']));
}

async function newRsaKeys(): Promise<{ rsaPssPkcs8: string; rsaOaepPkcs8: string }> {
  const gen = async (name: 'RSA-PSS' | 'RSA-OAEP', usages: KeyUsage[]) => {
    const kp = (await crypto.subtle.generateKey({ name, hash: 'SHA-256', modulusLength: 3072, publicExponent: new Uint8Array([1, 0, 1]) }, true, usages)) as CryptoKeyPair;
    return toHex(new Uint8Array(await crypto.subtle.exportKey('pkcs8', kp.privateKey)));
  };
  return { rsaPssPkcs8: await gen('RSA-PSS', ['sign', 'verify']), rsaOaepPkcs8: await gen('RSA-OAEP', ['encrypt', 'decrypt']) };
}

// ---- Part 1 (the original vector; its fields must never change for format v1) ----

const INPUT = {
  suite: 'hpke-x25519-aes128gcm',
  alice: { name: 'alice', ed25519Seed: '1f'.repeat(32), x25519Private: '2e'.repeat(32) },
  bob: { name: 'bob', ed25519Seed: '3d'.repeat(32), x25519Private: '4c'.repeat(32) },
  challenge: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
  serverCertFingerprint: 'a0'.repeat(32),
  messageId: '0123456789abcdef0123456789abcdef',
  ts: 1_764_000_000_000,
  plaintext: 'sealcast test vector v1',
};

// ---- Part 2 ("extra"): a third HPKE user, two RSA users, rotation, mixed-suite to-all envelopes ----

const EXTRA_INPUT = {
  carol: { name: 'carol', ed25519Seed: '5b'.repeat(32), x25519Private: '6a'.repeat(32) },
  rotation: { name: 'alice', newBundle: 'carol' },
  envelopes: [
    { sender: 'alice', recipients: ['bob', 'carol', 'dave'], id: '11'.repeat(16), ts: 1_764_000_000_001, toAll: true, plaintext: 'hpke sender, mixed recipients' },
    { sender: 'erin', recipients: ['dave', 'bob'], id: '22'.repeat(16), ts: 1_764_000_000_002, toAll: true, plaintext: 'rsa sender, mixed recipients' },
  ],
};

interface RsaUser { name: string; rsaPssPkcs8: string; rsaOaepPkcs8: string }
interface VectorFile {
  description: string;
  input: typeof INPUT;
  expected: Record<string, string>;
  envelope: string;
  extra?: {
    input: typeof EXTRA_INPUT & { dave: RsaUser; erin: RsaUser };
    expected: Record<string, string>;
    /** Committed RSA bundles (their PSS self-signatures are randomized). */
    rsaBundles: Record<string, string>;
    /** erin's login proof for INPUT.challenge / serverCertFingerprint (RSA-PSS: verify only). */
    erinLoginSignature: string;
    envelopes: string[];
  };
}

test('sealcast-envelope-v1 known-answer vector', async () => {
  const path = join(vectorsDir(), 'sealcast-envelope-v1.json');
  const write = process.env.SEALCAST_WRITE_VECTORS === '1';
  const existing = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as VectorFile) : undefined;
  assert.ok(existing || write, `${path} is missing (generate it with SEALCAST_WRITE_VECTORS=1)`);

  // Part 1.
  const alice = await fixedIdentity(INPUT.alice.ed25519Seed, INPUT.alice.x25519Private);
  const bob = await fixedIdentity(INPUT.bob.ed25519Seed, INPUT.bob.x25519Private);
  const challenge = fromHex(INPUT.challenge);
  const certFp = fromHex(INPUT.serverCertFingerprint);
  const binding = encodeBinding(
    {
      suite: 'hpke-x25519-aes128gcm', id: fromHex(INPUT.messageId), ts: INPUT.ts, toAll: false,
      senderName: 'alice', senderFingerprint: alice.bundle.fingerprint,
      recipients: [{ name: 'bob', fingerprint: bob.bundle.fingerprint }],
    },
    ['hpke-x25519-aes128gcm'],
  );
  const computed = {
    aliceBundle: toHex(alice.bundle.bytes),
    aliceFingerprint: toHex(alice.bundle.fingerprint),
    aliceFingerprintDigits: fingerprintDigits(alice.bundle.fingerprint),
    bobBundle: toHex(bob.bundle.bytes),
    bobFingerprint: toHex(bob.bundle.fingerprint),
    loginSignatureInput: toHex(loginSignatureInput(challenge, certFp, 'alice')),
    loginSignature: toHex(await signLogin(alice, challenge, certFp, 'alice')),
    binding: toHex(binding),
  };

  // Part 2 identities.
  const carol = await fixedIdentity(EXTRA_INPUT.carol.ed25519Seed, EXTRA_INPUT.carol.x25519Private);
  const daveKeys = existing?.extra?.input.dave ?? { name: 'dave', ...(await newRsaKeys()) };
  const erinKeys = existing?.extra?.input.erin ?? { name: 'erin', ...(await newRsaKeys()) };
  const dave = await fixedRsaIdentity(daveKeys.rsaPssPkcs8, daveKeys.rsaOaepPkcs8);
  const erin = await fixedRsaIdentity(erinKeys.rsaPssPkcs8, erinKeys.rsaOaepPkcs8);
  const ids: Record<string, Identity> = { alice, bob, carol, dave, erin };
  const bodyHex = (b: PublicBundle) => toHex(b.bytes.subarray(0, b.bytes.length - 2 - (b.suite === 'rsa-oaep-3072' ? 384 : 64)));
  const extraInput = { ...EXTRA_INPUT, dave: daveKeys, erin: erinKeys };
  const bindingOf = (e: (typeof EXTRA_INPUT.envelopes)[number]) => encodeBinding(
    {
      suite: ids[e.sender]!.suite, id: fromHex(e.id), ts: e.ts, toAll: e.toAll, senderName: e.sender,
      senderFingerprint: ids[e.sender]!.bundle.fingerprint,
      recipients: e.recipients.map((n) => ({ name: n, fingerprint: ids[n]!.bundle.fingerprint })),
    },
    e.recipients.map((n) => ids[n]!.suite as SuiteName),
  );
  const extraComputed: Record<string, string> = {
    carolBundle: toHex(carol.bundle.bytes),
    carolFingerprint: toHex(carol.bundle.fingerprint),
    aliceShortFingerprint: shortFingerprint(alice.bundle.fingerprint),
    safetyNumberAliceBob: safetyNumber({ name: 'alice', fingerprint: alice.bundle.fingerprint }, { name: 'bob', fingerprint: bob.bundle.fingerprint }),
    rotationSignatureInput: toHex(rotationSignatureInput('alice', carol.bundle)),
    rotationSignature: toHex(await signRotation(alice, 'alice', carol.bundle)),
    daveBundleBody: bodyHex(dave.bundle),
    daveFingerprint: toHex(dave.bundle.fingerprint),
    erinBundleBody: bodyHex(erin.bundle),
    erinFingerprint: toHex(erin.bundle.fingerprint),
    erinFingerprintDigits: fingerprintDigits(erin.bundle.fingerprint),
    erinLoginSignatureInput: toHex(loginSignatureInput(challenge, certFp, 'erin')),
  };
  EXTRA_INPUT.envelopes.forEach((e, i) => (extraComputed[`envelope${i + 1}Binding`] = toHex(bindingOf(e))));

  if (write) {
    const seal = (sender: Identity, senderName: string, recipients: string[], id: string, ts: number, toAll: boolean, plaintext: string) =>
      sealEnvelope({ sender, senderName, recipients: recipients.map((n) => ({ name: n, bundle: ids[n]!.bundle })), id: fromHex(id), ts, toAll, plaintext: new TextEncoder().encode(plaintext) });
    const out: VectorFile = {
      description: 'sealcast formats v1 (bundle, login proof, rotation, envelope); layouts in docs/crypto-notes.md',
      input: INPUT,
      expected: computed,
      // Part 1's envelope is kept when present: it is random, and other implementations may pin it.
      envelope: existing?.envelope ?? toHex(await seal(alice, 'alice', ['bob'], INPUT.messageId, INPUT.ts, false, INPUT.plaintext)),
      extra: {
        input: extraInput,
        expected: extraComputed,
        rsaBundles: { dave: toHex(dave.bundle.bytes), erin: toHex(erin.bundle.bytes) },
        erinLoginSignature: toHex(await signLogin(erin, challenge, certFp, 'erin')),
        envelopes: await Promise.all(EXTRA_INPUT.envelopes.map((e) => seal(ids[e.sender]!, e.sender, e.recipients, e.id, e.ts, e.toAll, e.plaintext).then(toHex))),
      },
    };
    writeFileSync(path, JSON.stringify(out, null, 2) + '\n');
  }
  const vector = JSON.parse(readFileSync(path, 'utf8')) as VectorFile;

  // Part 1 checks.
  assert.deepEqual(vector.input, INPUT);
  assert.deepEqual(computed, vector.expected);
  const envelope = fromHex(vector.envelope);
  assert.equal(toHex(parseEnvelope(envelope).header.id), INPUT.messageId);
  assert.equal(await verifyLogin(alice.bundle, challenge, certFp, 'alice', fromHex(vector.expected.loginSignature!)), true);
  const opened = await openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: envelope });
  assert.equal(new TextDecoder().decode(opened.plaintext), INPUT.plaintext);
  assert.equal(opened.ts, INPUT.ts);
  assert.equal(toHex(opened.id), INPUT.messageId);
  assert.equal(opened.toAll, false);

  // Part 2 checks.
  const extra = vector.extra;
  assert.ok(extra, 'the vector has its "extra" part');
  assert.deepEqual(extra.input, extraInput);
  assert.deepEqual(extraComputed, extra.expected);
  assert.equal(await verifyRotation(alice.bundle, 'alice', carol.bundle, fromHex(extra.expected.rotationSignature!)), true);
  // Committed RSA bundles: valid, and their body/fingerprint are the ones the fixed keys give.
  const senders: Record<string, PublicBundle> = { alice: alice.bundle, bob: bob.bundle, carol: carol.bundle };
  for (const [name, hex] of Object.entries(extra.rsaBundles)) {
    const parsed = await parseBundle(fromHex(hex));
    assert.equal(toHex(parsed.fingerprint), extra.expected[`${name}Fingerprint`], `${name} fingerprint`);
    assert.ok(hex.startsWith(extra.expected[`${name}BundleBody`]!), `${name} body`);
    senders[name] = parsed;
  }
  assert.equal(await verifyLogin(senders.erin!, challenge, certFp, 'erin', fromHex(extra.erinLoginSignature)), true, 'erin login (RSA-PSS)');
  assert.equal(extra.envelopes.length, EXTRA_INPUT.envelopes.length);
  for (const [i, e] of EXTRA_INPUT.envelopes.entries()) {
    const bytes = fromHex(extra.envelopes[i]!);
    const p = parseEnvelope(bytes);
    assert.equal(toHex(encodeBinding(p.header, p.entries.map((x) => x.suite))), extra.expected[`envelope${i + 1}Binding`], `envelope ${i + 1} binding`);
    for (const r of e.recipients) {
      const o = await openEnvelope({ recipient: ids[r]!, recipientName: r, sender: senders[e.sender]!, senderName: e.sender, bytes });
      assert.equal(new TextDecoder().decode(o.plaintext), e.plaintext, `envelope ${i + 1} for ${r}`);
      assert.deepEqual([toHex(o.id), o.ts, o.toAll], [e.id, e.ts, e.toAll]);
    }
  }
});
