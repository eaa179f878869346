// Wycheproof vectors for every primitive sealcast calls, through WebCrypto exactly as
// the code uses it. Every `invalid` case must be rejected; every `valid` one must pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buf, concat, fromHex, toHex } from './bytes.js';
import { vectorsDir } from '../../test/support/vectors-dir.js';

interface Case { tcId: number; result: 'valid' | 'invalid' | 'acceptable'; flags: string[]; [k: string]: unknown }
interface Group { tests: Case[]; [k: string]: unknown }

function load(name: string): Group[] {
  return (JSON.parse(readFileSync(join(vectorsDir(), 'wycheproof', name), 'utf8')) as { testGroups: Group[] }).testGroups;
}

/** Runs `attempt` per case: it returns true (accepted) or false / throws (rejected). */
async function run(
  name: string,
  attempt: (g: Group, c: Case) => Promise<boolean>,
  /** Valid cases outside what sealcast uses that WebCrypto may refuse: counted, not asserted. */
  outsideOurUse: (g: Group) => boolean = () => false,
): Promise<void> {
  const tally = { valid: 0, invalidRejected: 0, acceptableAccepted: 0, acceptableRejected: 0, skippedOutsideOurUse: 0 };
  for (const g of load(name)) {
    for (const c of g.tests) {
      let ok: boolean;
      try {
        ok = await attempt(g, c);
      } catch {
        ok = false;
      }
      if (c.result === 'valid' && !ok && outsideOurUse(g)) {
        tally.skippedOutsideOurUse++;
      } else if (c.result === 'valid') {
        assert.ok(ok, `${name} tcId ${c.tcId} (valid) was rejected: ${String(c.comment)}`);
        tally.valid++;
      } else if (c.result === 'invalid') {
        assert.ok(!ok, `${name} tcId ${c.tcId} (invalid) was accepted: ${String(c.comment)}`);
        tally.invalidRejected++;
      } else if (ok) tally.acceptableAccepted++;
      else tally.acceptableRejected++;
    }
  }
  console.log(`${name}: ${JSON.stringify(tally)}`);
  assert.ok(tally.valid > 0);
}

const hex = (c: Case, k: string) => fromHex(c[k] as string);

// sealcast's envelopes use 96-bit nonces only; Node's WebCrypto refuses some other IV sizes.
test('Wycheproof AES-GCM: encrypt and decrypt', async () => {
  await run('aes_gcm_test.json', async (g, c) => {
    const key = await crypto.subtle.importKey('raw', buf(hex(c, 'key')), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: buf(hex(c, 'iv')), additionalData: buf(hex(c, 'aad')), tagLength: g.tagSize as number };
    const sealed = concat(hex(c, 'ct'), hex(c, 'tag'));
    const opened = new Uint8Array(await crypto.subtle.decrypt(params, key, buf(sealed)));
    if (toHex(opened) !== c.msg) return false;
    const again = new Uint8Array(await crypto.subtle.encrypt(params, key, buf(hex(c, 'msg'))));
    return toHex(again) === toHex(sealed);
  }, (g) => g.ivSize !== 96);
});

const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');

test('Wycheproof X25519: shared secrets', async () => {
  await run('x25519_test.json', async (_g, c) => {
    const priv = await crypto.subtle.importKey('pkcs8', buf(concat(X25519_PKCS8_PREFIX, hex(c, 'private'))), { name: 'X25519' }, false, ['deriveBits']);
    const pub = await crypto.subtle.importKey('raw', buf(hex(c, 'public')), { name: 'X25519' }, false, []);
    const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256));
    return toHex(shared) === c.shared;
  });
});

test('Wycheproof Ed25519: signature verification', async () => {
  await run('ed25519_test.json', async (g, c) => {
    const pk = fromHex((g.publicKey as { pk: string }).pk);
    const key = await crypto.subtle.importKey('raw', buf(pk), { name: 'Ed25519' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'Ed25519' }, key, buf(hex(c, 'sig')), buf(hex(c, 'msg')));
  });
});

test('Wycheproof HKDF-SHA256', async () => {
  await run('hkdf_sha256_test.json', async (_g, c) => {
    const key = await crypto.subtle.importKey('raw', buf(hex(c, 'ikm')), 'HKDF', false, ['deriveBits']);
    const out = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: buf(hex(c, 'salt')), info: buf(hex(c, 'info')) },
      key,
      (c.size as number) * 8,
    );
    return toHex(new Uint8Array(out)) === c.okm;
  });
});

test('Wycheproof RSA-OAEP-3072-SHA256: decryption', async () => {
  await run('rsa_oaep_3072_sha256_mgf1sha256_test.json', async (g, c) => {
    const key = await crypto.subtle.importKey('pkcs8', buf(fromHex(g.privateKeyPkcs8 as string)), { name: 'RSA-OAEP', hash: 'SHA-256' }, false, ['decrypt']);
    const pt = await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: buf(hex(c, 'label')) }, key, buf(hex(c, 'ct')));
    return toHex(new Uint8Array(pt)) === c.msg;
  });
});

test('Wycheproof RSA-PSS-3072-SHA256 salt 32: verification', async () => {
  await run('rsa_pss_3072_sha256_mgf1_32_test.json', async (g, c) => {
    const key = await crypto.subtle.importKey('spki', buf(fromHex(g.publicKeyDer as string)), { name: 'RSA-PSS', hash: 'SHA-256' }, false, ['verify']);
    return crypto.subtle.verify({ name: 'RSA-PSS', saltLength: g.sLen as number }, key, buf(hex(c, 'sig')), buf(hex(c, 'msg')));
  });
});
