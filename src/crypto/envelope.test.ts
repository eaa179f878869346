import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  exportIdentity, exportIdentityEncrypted, generateIdentity, importIdentity, importIdentityEncrypted,
  isCryptoError, openEnvelope, parseBundle, randomId, readEnvelopeHeader, ReplayWindow, safetyNumber,
  sealEnvelope, SUITES, fingerprintDigits, signLogin, verifyLogin, signRotation, verifyRotation, toHex,
  type Identity, type SuiteName,
} from './index.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);

async function people(suite: SuiteName) {
  const [alice, bob, carol, dave] = await Promise.all([1, 2, 3, 4].map(() => generateIdentity(suite)));
  return { alice: alice!, bob: bob!, carol: carol!, dave: dave! };
}

async function seal(sender: Identity, to: { name: string; id: Identity }[], plaintext = 'hello', toAll = false) {
  return sealEnvelope({
    sender, senderName: 'alice', recipients: to.map((r) => ({ name: r.name, bundle: r.id.bundle })),
    id: randomId(), ts: Date.now(), toAll, plaintext: text(plaintext),
  });
}

for (const suite of SUITES) {
  test(`${suite}: identity export/import, plain and passphrase-encrypted`, async () => {
    const id = await generateIdentity(suite);
    const again = await importIdentity(await exportIdentity(id));
    assert.equal(toHex(again.bundle.fingerprint), toHex(id.bundle.fingerprint));
    assert.deepEqual((await parseBundle(id.bundle.bytes)).bytes, id.bundle.bytes);
    const locked = await exportIdentityEncrypted(id, 'correct horse battery');
    assert.ok(!locked.includes(JSON.parse(await exportIdentity(id)).signingKey), 'no private key in clear');
    const unlocked = await importIdentityEncrypted(locked, 'correct horse battery', { extractable: false });
    assert.equal(unlocked.signingPrivateKey.extractable, false);
    assert.equal(toHex(unlocked.bundle.fingerprint), toHex(id.bundle.fingerprint));
    await assert.rejects(importIdentityEncrypted(locked, 'wrong passphrase!'), (e) => isCryptoError(e, 'BAD_PASSPHRASE'));
  });

  test(`${suite}: direct and to-all envelopes open for recipients only`, async () => {
    const { alice, bob, carol, dave } = await people(suite);
    const direct = await seal(alice, [{ name: 'bob', id: bob }], 'for bob');
    const opened = await openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: direct });
    assert.equal(read(opened.plaintext), 'for bob');
    await assert.rejects(
      openEnvelope({ recipient: carol, recipientName: 'carol', sender: alice.bundle, senderName: 'alice', bytes: direct }),
      (e) => isCryptoError(e, 'NOT_A_RECIPIENT'),
    );
    const all = await seal(alice, [{ name: 'bob', id: bob }, { name: 'carol', id: carol }, { name: 'dave', id: dave }], 'for all', true);
    for (const [name, id] of [['bob', bob], ['carol', carol], ['dave', dave]] as const) {
      const o = await openEnvelope({ recipient: id, recipientName: name, sender: alice.bundle, senderName: 'alice', bytes: all });
      assert.equal(read(o.plaintext), 'for all');
      assert.equal(o.toAll, true);
    }
    const header = readEnvelopeHeader(all);
    assert.deepEqual(header.recipients.map((r) => r.name), ['bob', 'carol', 'dave']);
    assert.equal(header.senderName, 'alice');
  });

  test(`${suite}: tampering anywhere, a wrong sender key or a misaddressed name is rejected`, async () => {
    const { alice, bob, carol } = await people(suite);
    const env = await seal(alice, [{ name: 'bob', id: bob }], 'tamper me');
    const open = (bytes: Uint8Array, over: Partial<Parameters<typeof openEnvelope>[0]> = {}) =>
      openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes, ...over });
    // One flipped byte in each region: header, wrapped key, body, signature.
    const regions = { header: 10, 'wrapped key': env.length - 200, body: env.length - 100, signature: env.length - 5 };
    for (const [region, at] of Object.entries(regions)) {
      const bad = Uint8Array.from(env);
      bad[at] ^= 0x01;
      await assert.rejects(open(bad), (e) => isCryptoError(e) && ['BAD_SIGNATURE', 'BAD_ENVELOPE'].includes(e.code), region);
    }
    await assert.rejects(open(env, { sender: carol.bundle }), (e) => isCryptoError(e, 'BAD_SIGNATURE'));
    await assert.rejects(open(env, { senderName: 'mallory' }), (e) => isCryptoError(e, 'WRONG_SENDER'));
    await assert.rejects(open(env, { recipientName: 'robert' }), (e) => isCryptoError(e, 'NOT_A_RECIPIENT'));
    await assert.rejects(open(env.subarray(0, env.length - 1)), (e) => isCryptoError(e, 'BAD_ENVELOPE'));
  });

  test(`${suite}: login and rotation signatures`, async () => {
    const { alice, bob } = await people(suite);
    const challenge = new Uint8Array(randomBytes(32));
    const cert = new Uint8Array(randomBytes(32));
    const sig = await signLogin(alice, challenge, cert, 'alice');
    assert.equal(await verifyLogin(alice.bundle, challenge, cert, 'alice', sig), true);
    assert.equal(await verifyLogin(alice.bundle, challenge, cert, 'alicf', sig), false, 'other name');
    assert.equal(await verifyLogin(alice.bundle, new Uint8Array(32), cert, 'alice', sig), false, 'other challenge');
    assert.equal(await verifyLogin(bob.bundle, challenge, cert, 'alice', sig), false, 'other key');
    const rot = await signRotation(alice, 'alice', bob.bundle);
    assert.equal(await verifyRotation(alice.bundle, 'alice', bob.bundle, rot), true);
    assert.equal(await verifyRotation(bob.bundle, 'alice', bob.bundle, rot), false);
  });
}

test('an RSA sender can write to an HPKE recipient and back', async () => {
  const rsa = await generateIdentity('rsa-oaep-3072');
  const ec = await generateIdentity('hpke-x25519-aes128gcm');
  const env = await seal(rsa, [{ name: 'bob', id: ec }], 'mixed');
  const o = await openEnvelope({ recipient: ec, recipientName: 'bob', sender: rsa.bundle, senderName: 'alice', bytes: env });
  assert.equal(read(o.plaintext), 'mixed');
});

test('replay window: same id twice, too old and too far in the future are refused', () => {
  const w = new ReplayWindow({ maxAgeMs: 1000, maxFutureSkewMs: 100 });
  const fp = new Uint8Array(32).fill(1);
  const id = new Uint8Array(16).fill(2);
  w.check(fp, id, 5000, 5000);
  assert.throws(() => w.check(fp, id, 5000, 5001), (e) => isCryptoError(e, 'REPLAY'));
  w.check(new Uint8Array(32).fill(9), id, 5000, 5001);
  assert.throws(() => w.check(fp, new Uint8Array(16), 3000, 5000), (e) => isCryptoError(e, 'REPLAY'));
  assert.throws(() => w.check(fp, new Uint8Array(16), 5200, 5000), (e) => isCryptoError(e, 'REPLAY'));
  const restored = ReplayWindow.fromJSON(JSON.parse(JSON.stringify(w.toJSON())));
  assert.throws(() => restored.check(fp, id, 5000, 5002), (e) => isCryptoError(e, 'REPLAY'), 'survives persistence');
});

test('fingerprints and safety numbers read the same on both sides', async () => {
  const a = await generateIdentity();
  const b = await generateIdentity();
  assert.match(fingerprintDigits(a.bundle.fingerprint), /^(\d{5} ){5}\d{5}$/);
  const ab = safetyNumber({ name: 'alice', fingerprint: a.bundle.fingerprint }, { name: 'bob', fingerprint: b.bundle.fingerprint });
  const ba = safetyNumber({ name: 'bob', fingerprint: b.bundle.fingerprint }, { name: 'alice', fingerprint: a.bundle.fingerprint });
  assert.equal(ab, ba);
  assert.match(ab, /^(\d{5} ){11}\d{5}$/);
});

test('fuzz: 5,000 random and mutated envelopes and bundles raise only CryptoError', async () => {
  const a = await generateIdentity();
  const b = await generateIdentity();
  const env = await seal(a, [{ name: 'bob', id: b }]);
  for (let i = 0; i < 5000; i++) {
    let input: Uint8Array;
    if (i % 3 === 0) input = new Uint8Array(randomBytes(i % 400));
    else {
      input = Uint8Array.from(i % 3 === 1 ? env : a.bundle.bytes);
      input[(i * 7919) % input.length] ^= 1 + (i % 255);
      if (i % 5 === 0) input = input.subarray(0, i % input.length);
    }
    try {
      readEnvelopeHeader(input);
    } catch (e) {
      assert.ok(isCryptoError(e), `readEnvelopeHeader threw ${String(e)}`);
    }
    await parseBundle(input).catch((e: unknown) => assert.ok(isCryptoError(e), `parseBundle threw ${String(e)}`));
  }
});
