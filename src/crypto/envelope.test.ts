// Envelopes end to end, both suites: direct and to-all delivery, recipients only; tampering
// with each region; wrong sender; misaddressing; sender-signed corruption (the AEAD and key
// wraps hold even when the signature does); input checks at the API edge.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeBinding, encodeUnsigned, envelopeSignatureInput, parseEnvelope, type ParsedEnvelope } from './envelope-format.js';
import {
  generateIdentity, isCryptoError, openEnvelope, randomId, readEnvelopeHeader, sealEnvelope, SUITES, toHex,
  type CryptoErrorCode, type Identity, type OpenInput, type SuiteName,
} from './index.js';
import { signBytes } from './signing.js';

const text = (s: string) => new TextEncoder().encode(s);
const read = (b: Uint8Array) => new TextDecoder().decode(b);
const MARKER = 'zebra-marker-7f3a';

/** Identities per suite, generated once (RSA key generation is slow). */
const people = new Map<SuiteName, Promise<Record<'alice' | 'bob' | 'carol' | 'dave', Identity>>>();
function cast(suite: SuiteName) {
  if (!people.has(suite)) {
    people.set(suite, Promise.all([1, 2, 3, 4].map(() => generateIdentity(suite))).then(([alice, bob, carol, dave]) => ({ alice: alice!, bob: bob!, carol: carol!, dave: dave! })));
  }
  return people.get(suite)!;
}

async function seal(sender: Identity, to: { name: string; id: Identity }[], plaintext = 'hello', toAll = false, senderName = 'alice') {
  return sealEnvelope({
    sender, senderName, recipients: to.map((r) => ({ name: r.name, bundle: r.id.bundle })),
    id: randomId(), ts: Date.now(), toAll, plaintext: text(plaintext),
  });
}

function rejectsWith(code: CryptoErrorCode, what?: string) {
  return (e: unknown) => {
    assert.ok(isCryptoError(e), `${what ?? ''}: expected CryptoError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `${what ?? ''}: ${e.message}`);
    assert.ok(!e.message.includes(MARKER), 'error messages never carry plaintext');
    return true;
  };
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let k = 0; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  throw new Error('needle not found');
}

/** Re-encodes a parsed envelope (possibly altered) and signs it as `sender`: a sender-side forgery. */
async function resign(sender: Identity, p: ParsedEnvelope): Promise<Uint8Array> {
  const unsigned = encodeUnsigned(p.header, p.entries, p.nonce, p.body);
  const sig = await signBytes(sender.suite, sender.signingPrivateKey, envelopeSignatureInput(unsigned));
  const out = new Uint8Array(unsigned.length + 2 + sig.length);
  out.set(unsigned);
  out[unsigned.length] = sig.length >> 8;
  out[unsigned.length + 1] = sig.length & 0xff;
  out.set(sig, unsigned.length + 2);
  return out;
}

for (const suite of SUITES) {
  test(`${suite}: direct and to-all envelopes open for their recipients only`, async () => {
    const { alice, bob, carol, dave } = await cast(suite);
    const direct = await seal(alice, [{ name: 'bob', id: bob }], 'for bob');
    const opened = await openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: direct });
    assert.equal(read(opened.plaintext), 'for bob');
    assert.equal(opened.toAll, false);
    await assert.rejects(
      openEnvelope({ recipient: carol, recipientName: 'carol', sender: alice.bundle, senderName: 'alice', bytes: direct }),
      rejectsWith('NOT_A_RECIPIENT'),
    );
    const id = randomId();
    const ts = Date.now();
    const all = await sealEnvelope({
      sender: alice, senderName: 'alice', id, ts, toAll: true, plaintext: text('for all'),
      recipients: [{ name: 'bob', bundle: bob.bundle }, { name: 'carol', bundle: carol.bundle }, { name: 'dave', bundle: dave.bundle }],
    });
    for (const [name, who] of [['bob', bob], ['carol', carol], ['dave', dave]] as const) {
      const o = await openEnvelope({ recipient: who, recipientName: name, sender: alice.bundle, senderName: 'alice', bytes: all });
      assert.equal(read(o.plaintext), 'for all');
      assert.equal(o.toAll, true);
      assert.equal(o.ts, ts);
      assert.equal(toHex(o.id), toHex(id));
    }
    // alice is not among the recipients of her own message.
    await assert.rejects(
      openEnvelope({ recipient: alice, recipientName: 'alice', sender: alice.bundle, senderName: 'alice', bytes: all }),
      rejectsWith('NOT_A_RECIPIENT'),
    );
    const header = readEnvelopeHeader(all);
    assert.equal(header.suite, suite);
    assert.deepEqual(header.recipients.map((r) => r.name), ['bob', 'carol', 'dave']);
    assert.deepEqual(header.recipients.map((r) => toHex(r.fingerprint)), [bob, carol, dave].map((p) => toHex(p.bundle.fingerprint)));
    assert.equal(header.senderName, 'alice');
    assert.equal(toHex(header.senderFingerprint), toHex(alice.bundle.fingerprint));
    assert.equal(header.toAll, true);
    assert.equal(header.ts, ts);
  });

  test(`${suite}: a flipped byte in each region is rejected with the right code`, async () => {
    const { alice, bob } = await cast(suite);
    const env = await seal(alice, [{ name: 'bob', id: bob }], MARKER);
    const p = parseEnvelope(env);
    const open = (bytes: Uint8Array) => openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes });
    const wrapAt = indexOf(env, p.entries[0]!.wrappedKey);
    const bodyAt = indexOf(env, p.body);
    const regions: [string, number, CryptoErrorCode][] = [
      ['header: id', 6, 'BAD_SIGNATURE'],
      ['header: timestamp', 6 + 16 + 7, 'BAD_SIGNATURE'],
      ['header: sender fingerprint', 6 + 16 + 8 + 1 + 5 + 3, 'BAD_SIGNATURE'],
      ['header: recipient fingerprint', wrapAt - 4 - 10, 'BAD_SIGNATURE'],
      ['wrapped key', wrapAt + 5, 'BAD_SIGNATURE'],
      ['nonce', bodyAt - 4 - 3, 'BAD_SIGNATURE'],
      ['body', bodyAt + 2, 'BAD_SIGNATURE'],
      ['body tag', bodyAt + p.body.length - 1, 'BAD_SIGNATURE'],
      ['signature', env.length - 5, 'BAD_SIGNATURE'],
      ['magic', 0, 'BAD_ENVELOPE'],
      ['suite byte', 4, 'BAD_ENVELOPE'],
      ['flags', 5, 'BAD_ENVELOPE'],
      ['wrapped key length', wrapAt - 1, 'BAD_ENVELOPE'],
      ['body length', bodyAt - 1, 'BAD_ENVELOPE'],
      ['signature length', env.length - p.signature.length - 1, 'BAD_ENVELOPE'],
    ];
    for (const [region, at, code] of regions) {
      const bad = Uint8Array.from(env);
      bad[at]! ^= region === 'suite byte' ? 0x07 : region === 'flags' ? 0x02 : 0x01;
      await assert.rejects(open(bad), rejectsWith(code, region));
    }
    await assert.rejects(open(env.subarray(0, env.length - 1)), rejectsWith('BAD_ENVELOPE', 'truncated'));
    await assert.rejects(open(Uint8Array.of(...env, 0)), rejectsWith('BAD_ENVELOPE', 'trailing byte'));
    assert.equal(read((await open(env)).plaintext), MARKER, 'the untouched envelope still opens');
  });

  test(`${suite}: wrong sender key, wrong sender name and misaddressing are rejected`, async () => {
    const { alice, bob, carol } = await cast(suite);
    const env = await seal(alice, [{ name: 'bob', id: bob }], MARKER);
    const base: OpenInput = { recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: env };
    await assert.rejects(openEnvelope({ ...base, sender: carol.bundle }), rejectsWith('BAD_SIGNATURE', 'another sender key'));
    await assert.rejects(openEnvelope({ ...base, senderName: 'mallory' }), rejectsWith('WRONG_SENDER', 'another sender name'));
    await assert.rejects(openEnvelope({ ...base, recipientName: 'robert' }), rejectsWith('NOT_A_RECIPIENT', 'another recipient name'));
    await assert.rejects(openEnvelope({ ...base, recipient: carol }), rejectsWith('NOT_A_RECIPIENT', 'bob\'s name, carol\'s key'));
    // carol signs an envelope that claims to be from alice: her own signature verifies, the naming does not.
    const claimed = await sealEnvelope({
      sender: carol, senderName: 'alice', recipients: [{ name: 'bob', bundle: bob.bundle }], id: randomId(), ts: Date.now(), toAll: false, plaintext: text(MARKER),
    });
    await assert.rejects(openEnvelope({ ...base, bytes: claimed }), rejectsWith('BAD_SIGNATURE', 'carol posing as alice, checked with alice\'s key'));
    // Delivered as from carol (the server routes under the authenticated name): signature ok, naming wrong.
    await assert.rejects(openEnvelope({ ...base, sender: carol.bundle, senderName: 'carol', bytes: claimed }), rejectsWith('WRONG_SENDER', 'from carol, names alice'));
  });

  test(`${suite}: corruption signed by the sender still fails to decrypt (AAD and wraps bind the header)`, async () => {
    const { alice, bob, carol } = await cast(suite);
    const env = await seal(alice, [{ name: 'bob', id: bob }, { name: 'carol', id: carol }], MARKER, true);
    const open = (bytes: Uint8Array) => openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes });
    const variants: [string, (p: ParsedEnvelope) => void][] = [
      ['body', (p) => void (p.body[0]! ^= 1)],
      ['nonce', (p) => void (p.nonce[0]! ^= 1)],
      ['wrapped key', (p) => void (p.entries[0]!.wrappedKey[40]! ^= 1)],
      ['timestamp (binding)', (p) => void (p.header.ts += 1)],
      ['id (binding)', (p) => void (p.header.id[0]! ^= 1)],
      ['to-all flag (binding)', (p) => void (p.header.toAll = false)],
      ['recipient list (binding)', (p) => {
        p.entries.pop();
        p.header.recipients.pop();
      }],
      ['swapped wrapped keys', (p) => {
        const [a, b] = [p.entries[0]!.wrappedKey, p.entries[1]!.wrappedKey];
        p.entries[0]!.wrappedKey = b;
        p.entries[1]!.wrappedKey = a;
      }],
    ];
    for (const [what, change] of variants) {
      const p = parseEnvelope(env);
      change(p);
      await assert.rejects(open(await resign(alice, p)), rejectsWith('DECRYPT_FAILED', what));
    }
    assert.equal(read((await open(await resign(alice, parseEnvelope(env)))).plaintext), MARKER, 're-signing alone changes nothing');
  });

  test(`${suite}: limits and argument checks at the API edge`, async () => {
    const { alice, bob } = await cast(suite);
    const input = {
      sender: alice, senderName: 'alice', recipients: [{ name: 'bob', bundle: bob.bundle }], id: randomId(), ts: 1, toAll: false, plaintext: new Uint8Array(0),
    };
    await assert.rejects(sealEnvelope({ ...input, id: new Uint8Array(15) }), (e) => isCryptoError(e, 'BAD_INPUT') && e.message.includes('expected Uint8Array of length 16, got length=15'));
    await assert.rejects(sealEnvelope({ ...input, plaintext: new Uint8Array(64 * 1024 + 1) }), rejectsWith('BAD_INPUT', 'plaintext over 64 KiB'));
    await assert.rejects(sealEnvelope({ ...input, recipients: [] }), rejectsWith('BAD_INPUT', 'no recipients'));
    await assert.rejects(sealEnvelope({ ...input, recipients: Array.from({ length: 1025 }, (_, i) => ({ name: `u${i}`, bundle: bob.bundle })) }), rejectsWith('BAD_INPUT', '1025 recipients'));
    await assert.rejects(sealEnvelope({ ...input, recipients: [input.recipients[0]!, input.recipients[0]!] }), rejectsWith('BAD_INPUT', 'duplicate recipient'));
    await assert.rejects(sealEnvelope({ ...input, senderName: '' }), rejectsWith('BAD_INPUT', 'empty name'));
    await assert.rejects(sealEnvelope({ ...input, senderName: 'x'.repeat(256) }), rejectsWith('BAD_INPUT', 'long name'));
    await assert.rejects(sealEnvelope({ ...input, senderName: 'a\uD800' }), rejectsWith('BAD_INPUT', 'lone surrogate'));
    await assert.rejects(sealEnvelope({ ...input, ts: -1 }), rejectsWith('BAD_INPUT', 'negative ts'));
    await assert.rejects(sealEnvelope({ ...input, ts: 1.5 }), rejectsWith('BAD_INPUT', 'fractional ts'));
    await assert.rejects(sealEnvelope({ ...input, toAll: 1 as unknown as boolean }), rejectsWith('BAD_INPUT', 'toAll not boolean'));
    await assert.rejects(openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: 'x' as unknown as Uint8Array }), rejectsWith('BAD_INPUT'));
    // Boundaries that must work: empty and exactly-64-KiB plaintexts, a 255-byte name, a Buffer as input.
    for (const plaintext of [new Uint8Array(0), new Uint8Array(64 * 1024).fill(7)]) {
      const env = await sealEnvelope({ ...input, plaintext, senderName: 'é'.repeat(127) });
      const o = await openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'é'.repeat(127), bytes: env });
      assert.equal(o.plaintext.length, plaintext.length);
    }
    const env = await seal(alice, [{ name: 'bob', id: bob }], 'via Buffer');
    const asBuffer = Buffer.concat([Buffer.alloc(3), Buffer.from(env)]).subarray(3);
    assert.equal(read((await openEnvelope({ recipient: bob, recipientName: 'bob', sender: alice.bundle, senderName: 'alice', bytes: asBuffer })).plaintext), 'via Buffer');
  });
}

test('mixed suites: an RSA sender writes to an HPKE recipient and the other way round', async () => {
  const rsa = (await cast('rsa-oaep-3072')).alice;
  const ec = (await cast('hpke-x25519-aes128gcm')).bob;
  const ec2 = (await cast('hpke-x25519-aes128gcm')).carol;
  const rsa2 = (await cast('rsa-oaep-3072')).bob;
  const a = await seal(rsa, [{ name: 'bob', id: ec }, { name: 'dave', id: rsa2 }], 'rsa to both', true);
  assert.equal(read((await openEnvelope({ recipient: ec, recipientName: 'bob', sender: rsa.bundle, senderName: 'alice', bytes: a })).plaintext), 'rsa to both');
  assert.equal(read((await openEnvelope({ recipient: rsa2, recipientName: 'dave', sender: rsa.bundle, senderName: 'alice', bytes: a })).plaintext), 'rsa to both');
  const b = await seal(ec2, [{ name: 'dave', id: rsa2 }], 'hpke to rsa');
  assert.equal(read((await openEnvelope({ recipient: rsa2, recipientName: 'dave', sender: ec2.bundle, senderName: 'alice', bytes: b })).plaintext), 'hpke to rsa');
  // The sender's suite differs from the envelope's: cannot be the sender's signature.
  await assert.rejects(openEnvelope({ recipient: rsa2, recipientName: 'dave', sender: rsa.bundle, senderName: 'alice', bytes: b }), rejectsWith('BAD_SIGNATURE'));
});

test('non-extractable identities (the browser case) seal and open', async () => {
  for (const suite of SUITES) {
    const me = await generateIdentity(suite, { extractable: false });
    assert.equal(me.signingPrivateKey.extractable, false);
    assert.equal(me.decryptionPrivateKey.extractable, false);
    const { alice } = await cast(suite);
    const env = await seal(alice, [{ name: 'me', id: me }], 'kept inside WebCrypto');
    assert.equal(read((await openEnvelope({ recipient: me, recipientName: 'me', sender: alice.bundle, senderName: 'alice', bytes: env })).plaintext), 'kept inside WebCrypto');
    const back = await seal(me, [{ name: 'alice', id: alice }], 'reply', false, 'me');
    assert.equal(read((await openEnvelope({ recipient: alice, recipientName: 'alice', sender: me.bundle, senderName: 'me', bytes: back })).plaintext), 'reply');
  }
});

test('the binding encodes every recipient line and nothing of the wrapped keys', async () => {
  const { alice, bob, carol } = await cast('hpke-x25519-aes128gcm');
  const env = await seal(alice, [{ name: 'bob', id: bob }, { name: 'carol', id: carol }]);
  const p = parseEnvelope(env);
  const binding = encodeBinding(p.header, p.entries.map((e) => e.suite));
  // header prefix up to the first recipient line is shared; the binding is shorter by the wrapped keys.
  const wrapped = p.entries.reduce((n, e) => n + 2 + e.wrappedKey.length, 0);
  assert.equal(binding.length, p.signed.length - wrapped - 12 - 4 - p.body.length);
  assert.equal(toHex(binding.subarray(0, 40)), toHex(env.subarray(0, 40)));
});
