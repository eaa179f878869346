// Known-answer vector for sealcast's own formats (test/vectors/sealcast-envelope-v1.json),
// so a client in another language can check its bundle, login and envelope code.
// ECDH ephemerals are random, so the envelope itself is checked by opening it; every
// deterministic part (bundle, fingerprint, login input and Ed25519 signature, binding) is exact.
// Regenerate with SEALCAST_WRITE_VECTORS=1 (only when the format version changes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buf, concat, fromHex, toHex } from './bytes.js';
import { encodeBinding, parseEnvelope } from './envelope-format.js';
import { fingerprintDigits, identityFromKeys, loginSignatureInput, openEnvelope, sealEnvelope, signLogin, type Identity } from './index.js';
import { vectorsDir } from '../../test/support/vectors-dir.js';

const ED25519_PKCS8 = fromHex('302e020100300506032b657004220420');
const X25519_PKCS8 = fromHex('302e020100300506032b656e04220420');

async function fixedIdentity(signingSeed: string, encryptionSeed: string): Promise<Identity> {
  const sign = await crypto.subtle.importKey('pkcs8', buf(concat(ED25519_PKCS8, fromHex(signingSeed))), { name: 'Ed25519' }, true, ['sign']);
  const dec = await crypto.subtle.importKey('pkcs8', buf(concat(X25519_PKCS8, fromHex(encryptionSeed))), { name: 'X25519' }, true, ['deriveBits']);
  const pubOf = async (k: CryptoKey, alg: string, usages: KeyUsage[]) => {
    const jwk = await crypto.subtle.exportKey('jwk', k);
    return crypto.subtle.importKey('jwk', { kty: 'OKP', crv: alg, x: jwk.x! }, { name: alg }, true, usages);
  };
  return identityFromKeys('hpke-x25519-aes128gcm', sign, await pubOf(sign, 'Ed25519', ['verify']), dec, await pubOf(dec, 'X25519', []));
}

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

test('sealcast-envelope-v1 known-answer vector', async () => {
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
  const path = join(vectorsDir(), 'sealcast-envelope-v1.json');
  if (process.env.SEALCAST_WRITE_VECTORS === '1' || !existsSync(path)) {
    const envelope = await sealEnvelope({
      sender: alice, senderName: 'alice', recipients: [{ name: 'bob', bundle: bob.bundle }],
      id: fromHex(INPUT.messageId), ts: INPUT.ts, toAll: false, plaintext: new TextEncoder().encode(INPUT.plaintext),
    });
    writeFileSync(path, JSON.stringify({ description: 'sealcast formats v1; see docs/PROTOCOL.md', input: INPUT, expected: computed, envelope: toHex(envelope) }, null, 2) + '\n');
  }
  const vector = JSON.parse(readFileSync(path, 'utf8')) as { input: typeof INPUT; expected: typeof computed; envelope: string };
  assert.deepEqual(vector.input, INPUT);
  assert.deepEqual(computed, vector.expected);
  const envelope = fromHex(vector.envelope);
  assert.equal(toHex(parseEnvelope(envelope).header.id), INPUT.messageId);
  const opened = await openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: envelope });
  assert.equal(new TextDecoder().decode(opened.plaintext), INPUT.plaintext);
  assert.equal(opened.ts, INPUT.ts);
});
