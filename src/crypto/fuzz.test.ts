// Fuzz: random and mutated inputs to the parsers (and to openEnvelope) raise only CryptoError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateIdentity, isCryptoError, openEnvelope, parseBundle, randomId, readEnvelopeHeader, sealEnvelope, type Identity } from './index.js';

/** Deterministic xorshift32 so a failure is reproducible from its iteration number. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return (n: number) => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x % n;
  };
}

function mutate(base: Uint8Array, r: (n: number) => number): Uint8Array {
  let out = Uint8Array.from(base);
  const ops = 1 + r(4);
  for (let k = 0; k < ops; k++) {
    switch (r(6)) {
      case 0: out[r(out.length)]! ^= 1 << r(8); break; // bit flip
      case 1: out[r(out.length)] = r(256); break; // byte set
      case 2: out = out.subarray(0, r(out.length + 1)); break; // truncate
      case 3: { // length-field stress: 0x00 / 0xff runs
        const at = r(out.length);
        out.fill(r(2) ? 0xff : 0x00, at, at + 1 + r(4));
        break;
      }
      case 4: out = Uint8Array.of(...out, ...Array.from({ length: 1 + r(8) }, () => r(256))); break; // append
      default: { // splice a chunk from elsewhere
        const a = r(out.length);
        const b = r(out.length);
        out.copyWithin(a, b, b + 1 + r(16));
      }
    }
    if (out.length === 0) break;
  }
  return out;
}

async function people(): Promise<Identity[]> {
  return Promise.all([generateIdentity(), generateIdentity(), generateIdentity('rsa-oaep-3072')]);
}

test('fuzz: 5,000 random and mutated envelopes and bundles raise only CryptoError', async () => {
  const [a, b, c] = await people();
  const envs = await Promise.all([
    sealEnvelope({ sender: a!, senderName: 'alice', recipients: [{ name: 'bob', bundle: b!.bundle }], id: randomId(), ts: 1, toAll: false, plaintext: new Uint8Array(40) }),
    sealEnvelope({ sender: c!, senderName: 'carol', recipients: [{ name: 'bob', bundle: b!.bundle }, { name: 'alice', bundle: a!.bundle }], id: randomId(), ts: 2, toAll: true, plaintext: new Uint8Array(3) }),
  ]);
  const bundles = [a!.bundle.bytes, c!.bundle.bytes];
  const r = rng(0x5eed);
  let headerErrors = 0;
  let bundleErrors = 0;
  for (let i = 0; i < 5000; i++) {
    let input: Uint8Array;
    if (i % 4 === 0) input = Uint8Array.from({ length: r(600) }, () => r(256));
    else if (i % 4 === 1) input = mutate(bundles[r(2)]!, r);
    else input = mutate(envs[r(2)]!, r);
    try {
      readEnvelopeHeader(input);
    } catch (e) {
      assert.ok(isCryptoError(e, 'BAD_ENVELOPE'), `iteration ${i}: readEnvelopeHeader threw ${String(e)}`);
      headerErrors++;
    }
    try {
      await parseBundle(input);
    } catch (e) {
      assert.ok(isCryptoError(e, 'BAD_BUNDLE') || isCryptoError(e, 'UNSUPPORTED_SUITE'), `iteration ${i}: parseBundle threw ${String(e)}`);
      bundleErrors++;
    }
  }
  assert.ok(headerErrors > 4000 && bundleErrors > 4000, `${headerErrors} / ${bundleErrors} rejected`);
});

test('fuzz: 500 mutated envelopes given to openEnvelope raise only CryptoError and never open', async () => {
  const [a, b] = await people();
  const env = await sealEnvelope({ sender: a!, senderName: 'alice', recipients: [{ name: 'bob', bundle: b!.bundle }], id: randomId(), ts: 1, toAll: false, plaintext: new Uint8Array(8) });
  const r = rng(0xc0ffee);
  for (let i = 0; i < 500; i++) {
    const input = mutate(env, r);
    if (input.length === env.length && input.every((x, k) => x === env[k])) continue;
    await assert.rejects(
      openEnvelope({ recipient: b!, recipientName: 'bob', sender: a!.bundle, senderName: 'alice', bytes: input }),
      (e) => isCryptoError(e) && ['BAD_ENVELOPE', 'BAD_SIGNATURE'].includes(e.code),
      `iteration ${i}`,
    );
  }
});
