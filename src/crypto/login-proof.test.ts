// Login proofs and rotation signatures: what the server verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity, isCryptoError, loginSignatureInput, SUITES, signLogin, signRotation, toHex, verifyLogin, verifyRotation } from './index.js';

const rand = (n: number) => crypto.getRandomValues(new Uint8Array(n));

for (const suite of SUITES) {
  test(`${suite}: login proof binds challenge, certificate, name and key`, async () => {
    const [alice, bob] = await Promise.all([generateIdentity(suite), generateIdentity(suite)]);
    const challenge = rand(32);
    const cert = rand(32);
    const sig = await signLogin(alice, challenge, cert, 'alice');
    assert.equal(await verifyLogin(alice.bundle, challenge, cert, 'alice', sig), true);
    assert.equal(await verifyLogin(alice.bundle, challenge, cert, 'alicf', sig), false, 'other name');
    assert.equal(await verifyLogin(alice.bundle, rand(32), cert, 'alice', sig), false, 'other challenge');
    assert.equal(await verifyLogin(alice.bundle, challenge, rand(32), 'alice', sig), false, 'other certificate');
    assert.equal(await verifyLogin(bob.bundle, challenge, cert, 'alice', sig), false, 'other key');
    assert.equal(await verifyLogin(alice.bundle, challenge, cert, 'alice', sig.subarray(1)), false, 'truncated signature');
    assert.equal(await verifyLogin(alice.bundle, challenge, cert, 'alice', 'sig' as unknown as Uint8Array), false, 'not bytes');
    await assert.rejects(verifyLogin(alice.bundle, rand(31), cert, 'alice', sig), (e) => isCryptoError(e, 'BAD_INPUT') && e.message.includes('expected Uint8Array of length 32, got length=31'));
    // Rotation: the old key vouches for the new bundle under a name.
    const rot = await signRotation(alice, 'alice', bob.bundle);
    assert.equal(await verifyRotation(alice.bundle, 'alice', bob.bundle, rot), true);
    assert.equal(await verifyRotation(bob.bundle, 'alice', bob.bundle, rot), false, 'signed by the new key');
    assert.equal(await verifyRotation(alice.bundle, 'bob', bob.bundle, rot), false, 'other name');
    assert.equal(await verifyRotation(alice.bundle, 'alice', alice.bundle, rot), false, 'other new bundle');
    // A login proof is never a rotation signature and the other way round (domain separation).
    assert.equal(await verifyRotation(alice.bundle, 'alice', bob.bundle, sig), false);
  });
}

test('login signature input layout', () => {
  const input = loginSignatureInput(new Uint8Array(32).fill(1), new Uint8Array(32).fill(2), 'bob');
  assert.equal(toHex(input), toHex(new TextEncoder().encode('sealcast-login-v1\0')) + '01'.repeat(32) + '02'.repeat(32) + '03' + '626f62');
  assert.throws(() => loginSignatureInput(new Uint8Array(32), new Uint8Array(32), ''), (e) => isCryptoError(e, 'BAD_INPUT'));
});
