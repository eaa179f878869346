// Identities: generation, plain and passphrase-encrypted export/import, and the checks that
// an imported file's keys belong to its bundle.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  exportIdentity, exportIdentityEncrypted, generateIdentity, identityFromKeys, importIdentity, importIdentityEncrypted,
  isCryptoError, parseBundle, SUITES, toHex, type CryptoErrorCode,
} from './index.js';

const is = (code: CryptoErrorCode) => (e: unknown) => isCryptoError(e, code);

for (const suite of SUITES) {
  test(`${suite}: generate, export/import plain and encrypted, wrong passphrase`, async () => {
    const id = await generateIdentity(suite);
    assert.equal(id.suite, suite);
    assert.equal(id.bundle.suite, suite);
    const reparsed = await parseBundle(id.bundle.bytes);
    assert.deepEqual(reparsed.bytes, id.bundle.bytes);
    assert.deepEqual(reparsed.fingerprint, id.bundle.fingerprint);

    const plain = await exportIdentity(id);
    const json = JSON.parse(plain) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json).sort(), ['bundle', 'decryptionKey', 'sealcastIdentity', 'signingKey', 'suite']);
    assert.equal(json.sealcastIdentity, 1);
    assert.equal(json.suite, suite);
    const again = await importIdentity(plain);
    assert.equal(toHex(again.bundle.fingerprint), toHex(id.bundle.fingerprint));
    assert.deepEqual(again.bundle.bytes, id.bundle.bytes);
    const locked = (await importIdentity(plain, { extractable: false }));
    assert.equal(locked.signingPrivateKey.extractable, false);
    await assert.rejects(exportIdentity(locked), is('BAD_INPUT'), 'a non-extractable identity cannot be exported');

    const sealed = await exportIdentityEncrypted(id, 'correct horse battery');
    assert.ok(!sealed.includes(json.signingKey as string) && !sealed.includes(json.decryptionKey as string), 'no private key in clear');
    const s = JSON.parse(sealed) as Record<string, unknown>;
    assert.equal(s.kdf, 'PBKDF2-SHA256');
    assert.equal(s.iterations, 600_000);
    assert.equal(s.cipher, 'AES-256-GCM');
    const unlocked = await importIdentityEncrypted(sealed, 'correct horse battery', { extractable: false });
    assert.equal(unlocked.signingPrivateKey.extractable, false);
    assert.equal(unlocked.decryptionPrivateKey.extractable, false);
    assert.equal(toHex(unlocked.bundle.fingerprint), toHex(id.bundle.fingerprint));
    await assert.rejects(importIdentityEncrypted(sealed, 'wrong passphrase!'), is('BAD_PASSPHRASE'));
    // The KDF parameters are authenticated: lowering the iteration count is detected, not obeyed.
    await assert.rejects(importIdentityEncrypted(JSON.stringify({ ...s, iterations: 100_000 }), 'correct horse battery'), is('BAD_PASSPHRASE'));
    await assert.rejects(importIdentityEncrypted(JSON.stringify({ ...s, iterations: 1000 }), 'correct horse battery'), is('BAD_IDENTITY'));
    await assert.rejects(importIdentityEncrypted('{', 'x'), is('BAD_IDENTITY'));
    await assert.rejects(exportIdentityEncrypted(id, 'short'), is('BAD_INPUT'));
  });
}

test('imported identities must have keys that match their bundle', async () => {
  const a = JSON.parse(await exportIdentity(await generateIdentity())) as Record<string, unknown>;
  const b = JSON.parse(await exportIdentity(await generateIdentity())) as Record<string, unknown>;
  await assert.rejects(importIdentity(JSON.stringify({ ...a, signingKey: b.signingKey })), is('BAD_IDENTITY'), 'foreign signing key');
  await assert.rejects(importIdentity(JSON.stringify({ ...a, decryptionKey: b.decryptionKey })), is('BAD_IDENTITY'), 'foreign decryption key');
  await assert.rejects(importIdentity(JSON.stringify({ ...a, bundle: 'AAAA' })), is('BAD_IDENTITY'), 'bad bundle');
  await assert.rejects(importIdentity(JSON.stringify({ ...a, suite: 'rsa-oaep-3072' })), (e) => isCryptoError(e), 'suite mismatch');
  await assert.rejects(importIdentity(JSON.stringify({ ...a, suite: 'rot13' })), is('UNSUPPORTED_SUITE'));
  await assert.rejects(importIdentity(JSON.stringify({ ...a, sealcastIdentity: 2 })), is('BAD_IDENTITY'));
  await assert.rejects(importIdentity('not json'), is('BAD_IDENTITY'));
  await assert.rejects(importIdentity(JSON.stringify({ ...a, signingKey: 'not base64!' })), is('BAD_IDENTITY'));
  await assert.rejects(generateIdentity('rsa-oaep-1024' as never), is('UNSUPPORTED_SUITE'));
});

test('identityFromKeys refuses key pairs that do not belong together', async () => {
  const s1 = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const s2 = (await crypto.subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const e1 = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const e2 = (await crypto.subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as CryptoKeyPair;
  const ok = await identityFromKeys('hpke-x25519-aes128gcm', s1.privateKey, s1.publicKey, e1.privateKey, e1.publicKey);
  assert.equal(ok.bundle.suite, 'hpke-x25519-aes128gcm');
  await assert.rejects(identityFromKeys('hpke-x25519-aes128gcm', s2.privateKey, s1.publicKey, e1.privateKey, e1.publicKey), is('BAD_INPUT'));
  await assert.rejects(identityFromKeys('hpke-x25519-aes128gcm', s1.privateKey, s1.publicKey, e2.privateKey, e1.publicKey), is('BAD_INPUT'));
  await assert.rejects(identityFromKeys('rsa-oaep-3072', s1.privateKey, s1.publicKey, e1.privateKey, e1.publicKey), is('BAD_INPUT'));
});
