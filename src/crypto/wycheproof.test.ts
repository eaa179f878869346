// Wycheproof vectors for every primitive sealcast calls, through WebCrypto with the same
// parameters (and, for signatures, the same verifySignature function) the code uses.
// Every `invalid` case must be rejected; every `valid` case must pass unless its group is
// skipped for a stated reason (never an invalid case); `acceptable` cases are counted.
// Counts per file are printed (as test diagnostics) and documented in docs/crypto-notes.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buf, concat, fromHex, toHex } from './bytes.js';
import { isCanonicalX25519, isLowOrderX25519 } from './key-checks.js';
import { verifySignature } from './signature.js';
import { RSA_OAEP, RSA_PSS } from './suites.js';

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

interface Case { tcId: number; result: 'valid' | 'invalid' | 'acceptable'; flags: string[]; comment: string; [k: string]: unknown }
interface Group { tests: Case[]; [k: string]: unknown }

function load(name: string): { numberOfTests: number; testGroups: Group[] } {
  return JSON.parse(readFileSync(join(vectorsDir(), 'wycheproof', name), 'utf8')) as { numberOfTests: number; testGroups: Group[] };
}

interface Tally {
  validPassed: number;
  invalidRejected: number;
  acceptableAccepted: number;
  acceptableRejected: number;
  /** Skipped valid/acceptable cases, by reason. */
  skipped: Record<string, number>;
  /** Flags of acceptable cases that were rejected (to explain them). */
  acceptableRejectedFlags: Record<string, number>;
  /** The acceptable cases that were rejected. */
  acceptableRejectedCases: Case[];
}

interface RunOptions {
  /** Checks a group's parameters are the ones sealcast uses. */
  group?: (g: Group) => void;
  /** A reason to skip the valid/acceptable cases of a group (invalid cases always run). */
  skip?: (g: Group) => string | undefined;
}

/** Runs `attempt` per case: it returns true (accepted) or false / throws (rejected). */
async function run(t: { diagnostic(m: string): void }, name: string, attempt: (g: Group, c: Case) => Promise<boolean>, opts: RunOptions = {}): Promise<Tally> {
  const file = load(name);
  const tally: Tally = { validPassed: 0, invalidRejected: 0, acceptableAccepted: 0, acceptableRejected: 0, skipped: {}, acceptableRejectedFlags: {}, acceptableRejectedCases: [] };
  let seen = 0;
  for (const g of file.testGroups) {
    opts.group?.(g);
    const reason = opts.skip?.(g);
    for (const c of g.tests) {
      seen++;
      if (reason !== undefined && c.result !== 'invalid') {
        tally.skipped[reason] = (tally.skipped[reason] ?? 0) + 1;
        continue;
      }
      let ok: boolean;
      try {
        ok = await attempt(g, c);
      } catch {
        ok = false;
      }
      if (c.result === 'valid') {
        assert.ok(ok, `${name} tcId ${c.tcId} (valid) was rejected: ${c.comment}`);
        tally.validPassed++;
      } else if (c.result === 'invalid') {
        assert.ok(!ok, `${name} tcId ${c.tcId} (invalid) was accepted: ${c.comment}`);
        tally.invalidRejected++;
      } else if (ok) {
        tally.acceptableAccepted++;
      } else {
        tally.acceptableRejected++;
        tally.acceptableRejectedCases.push(c);
        for (const f of c.flags) tally.acceptableRejectedFlags[f] = (tally.acceptableRejectedFlags[f] ?? 0) + 1;
      }
    }
  }
  assert.equal(seen, file.numberOfTests, `${name}: every case visited`);
  const skippedTotal = Object.values(tally.skipped).reduce((a, b) => a + b, 0);
  const line =
    `${name}: ${file.numberOfTests} cases; valid passed ${tally.validPassed}, invalid rejected ${tally.invalidRejected}, ` +
    `acceptable accepted ${tally.acceptableAccepted} / rejected ${tally.acceptableRejected}` +
    (tally.acceptableRejected ? ` (flags ${JSON.stringify(tally.acceptableRejectedFlags)})` : '') +
    `, skipped ${skippedTotal}` + (skippedTotal ? ` ${JSON.stringify(tally.skipped)}` : '');
  t.diagnostic(line);
  assert.ok(tally.validPassed > 0);
  return tally;
}

const hex = (c: Case, k: string) => fromHex(c[k] as string);

test('Wycheproof AES-GCM: decrypt and encrypt', async (t) => {
  await run(t, 'aes_gcm_test.json', async (g, c) => {
    const key = await crypto.subtle.importKey('raw', buf(hex(c, 'key')), 'AES-GCM', false, ['encrypt', 'decrypt']);
    const params = { name: 'AES-GCM', iv: buf(hex(c, 'iv')), additionalData: buf(hex(c, 'aad')), tagLength: g.tagSize as number };
    const sealed = concat(hex(c, 'ct'), hex(c, 'tag'));
    const opened = new Uint8Array(await crypto.subtle.decrypt(params, key, buf(sealed)));
    if (toHex(opened) !== c.msg) return false;
    const again = new Uint8Array(await crypto.subtle.encrypt(params, key, buf(hex(c, 'msg'))));
    return toHex(again) === toHex(sealed);
  }, {
    group: (g) => assert.equal(g.tagSize, 128),
    // Node's WebCrypto (OpenSSL) refuses IVs under 96 bits or over 1024 bits; sealcast only
    // ever uses 96-bit nonces. The zero-length-IV groups hold invalid cases, which still run.
    skip: (g) => ((g.ivSize as number) < 96 || (g.ivSize as number) > 1024 ? 'IV size outside 96-1024 bits (not supported by Node WebCrypto; sealcast uses 96)' : undefined),
  });
});

const X25519_PKCS8_PREFIX = fromHex('302e020100300506032b656e04220420');

test('Wycheproof X25519: shared secrets (WebCrypto deriveBits, as @hpke/core calls it)', async (t) => {
  const tally = await run(t, 'x25519_test.json', async (_g, c) => {
    const priv = await crypto.subtle.importKey('pkcs8', buf(concat(X25519_PKCS8_PREFIX, hex(c, 'private'))), { name: 'X25519' }, false, ['deriveBits']);
    const pub = await crypto.subtle.importKey('raw', buf(hex(c, 'public')), { name: 'X25519' }, false, []);
    const shared = new Uint8Array(await crypto.subtle.deriveBits({ name: 'X25519', public: pub }, priv, 256));
    return toHex(shared) === c.shared;
  });
  // WebCrypto refuses an all-zero shared secret (RFC 7748 §6.1 check): those, and only
  // those, are the acceptable cases it rejects.
  for (const c of tally.acceptableRejectedCases) {
    assert.ok(c.flags.includes('ZeroSharedSecret') && /^(00)+$/.test(c.shared as string), `tcId ${c.tcId} rejected: ${c.comment}`);
  }
});

test('X25519 small-order check in bundles agrees with Wycheproof zero shared secrets', () => {
  let canonical = 0;
  let lowOrder = 0;
  for (const g of load('x25519_test.json').testGroups) {
    for (const c of g.tests) {
      const pub = hex(c, 'public');
      if (!isCanonicalX25519(pub)) continue; // parseBundle refuses these outright
      canonical++;
      const zero = /^(00)+$/.test(c.shared as string);
      assert.equal(isLowOrderX25519(pub), zero, `tcId ${c.tcId}: small-order check vs zero shared secret`);
      if (zero) lowOrder++;
    }
  }
  assert.ok(canonical > 400 && lowOrder > 0, `canonical ${canonical}, low order ${lowOrder}`);
});

test('Wycheproof Ed25519: signature verification (verifySignature)', async (t) => {
  await run(t, 'ed25519_test.json', async (g, c) => {
    const pk = fromHex((g.publicKey as { pk: string }).pk);
    const key = await crypto.subtle.importKey('raw', buf(pk), { name: 'Ed25519' }, false, ['verify']);
    return verifySignature('hpke-x25519-aes128gcm', key, hex(c, 'msg'), hex(c, 'sig'));
  });
});

test('Wycheproof HKDF-SHA256 (the KDF under HPKE)', async (t) => {
  await run(t, 'hkdf_sha256_test.json', async (_g, c) => {
    const key = await crypto.subtle.importKey('raw', buf(hex(c, 'ikm')), 'HKDF', false, ['deriveBits']);
    const out = await crypto.subtle.deriveBits(
      { name: 'HKDF', hash: 'SHA-256', salt: buf(hex(c, 'salt')), info: buf(hex(c, 'info')) },
      key,
      (c.size as number) * 8,
    );
    return toHex(new Uint8Array(out)) === c.okm;
  });
});

test('Wycheproof RSA-OAEP-3072-SHA256 (MGF1-SHA256): decryption with labels', async (t) => {
  await run(t, 'rsa_oaep_3072_sha256_mgf1sha256_test.json', async (g, c) => {
    const key = await crypto.subtle.importKey('pkcs8', buf(fromHex(g.privateKeyPkcs8 as string)), RSA_OAEP, false, ['decrypt']);
    const pt = await crypto.subtle.decrypt({ name: 'RSA-OAEP', label: buf(hex(c, 'label')) }, key, buf(hex(c, 'ct')));
    return toHex(new Uint8Array(pt)) === c.msg;
  }, {
    group: (g) => assert.deepEqual([g.keySize, g.sha, g.mgf, g.mgfSha], [3072, 'SHA-256', 'MGF1', 'SHA-256']),
  });
});

test('Wycheproof RSA-PSS-3072-SHA256, salt 32: verification (verifySignature)', async (t) => {
  await run(t, 'rsa_pss_3072_sha256_mgf1_32_test.json', async (g, c) => {
    const key = await crypto.subtle.importKey('spki', buf(fromHex(g.publicKeyDer as string)), RSA_PSS, false, ['verify']);
    return verifySignature('rsa-oaep-3072', key, hex(c, 'msg'), hex(c, 'sig'));
  }, {
    group: (g) => assert.deepEqual([g.keySize, g.sha, g.mgf, g.mgfSha, g.sLen], [3072, 'SHA-256', 'MGF1', 'SHA-256', 32]),
  });
});
