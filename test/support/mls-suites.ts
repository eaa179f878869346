// Test-only: the cipher-suite implementations the MLS vector tests run. Suite 1 (the one sealcast
// uses) runs on sealcast's own provider (src/crypto/mls/provider), so the vectors prove it gives
// the same bytes as the reference implementations; suites 2, 5 and 7 (NIST curves) run on ts-mls's
// default provider with the dependencies installed here. The others need packages sealcast does
// not install, and are counted as skipped with that reason.
import { defaultCryptoProvider, getCiphersuiteImpl, type CiphersuiteImpl } from 'ts-mls';
import { getCiphersuiteFromId, type CiphersuiteId } from 'ts-mls/crypto/ciphersuite.js';
import assert from 'node:assert/strict';
import { suite1 } from '../../src/crypto/mls/provider/suite-impl.js';
import { readMlsVectors } from './mls-vectors.js';

/** Suites not run, and why. */
export const SKIPPED_SUITES: Readonly<Record<number, string>> = {
  3: 'ChaCha20-Poly1305 needs @hpke/chacha20poly1305 (not a sealcast dependency)',
  4: 'X448 needs @hpke/dhkem-x448 (not a sealcast dependency)',
  6: 'X448/ChaCha20 need @hpke/dhkem-x448 and @hpke/chacha20poly1305 (not sealcast dependencies)',
};

const cache = new Map<number, Promise<CiphersuiteImpl>>();

/** The implementation to run suite `id` on, or undefined when it is skipped (see SKIPPED_SUITES). */
export function suiteImpl(id: number): Promise<CiphersuiteImpl> | undefined {
  if (id in SKIPPED_SUITES) return undefined;
  if (id === 1) return Promise.resolve(suite1);
  if (!cache.has(id)) cache.set(id, getCiphersuiteImpl(getCiphersuiteFromId(id as CiphersuiteId), defaultCryptoProvider));
  return cache.get(id)!;
}

/** Counts what a vector file actually ran (per suite) and what it skipped (per reason). */
export class VectorTally {
  readonly ran = new Map<number, number>();
  readonly ms = new Map<number, number>();
  readonly skipped = new Map<string, number>();
  run(suite: number, ms = 0): void {
    this.ran.set(suite, (this.ran.get(suite) ?? 0) + 1);
    this.ms.set(suite, (this.ms.get(suite) ?? 0) + ms);
  }
  skip(reason: string): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + 1);
  }
  get total(): number {
    let n = 0;
    for (const v of this.ran.values()) n += v;
    return n;
  }
  /** One line for test diagnostics. */
  summary(file: string): string {
    const ran = [...this.ran].sort((a, b) => a[0] - b[0]).map(([s, n]) => `suite ${s}: ${n} in ${Math.round(this.ms.get(s) ?? 0)} ms`).join(', ');
    const skipped = [...this.skipped].map(([r, n]) => `${n} skipped (${r})`).join('; ');
    return `${file}: ${this.total} cases run${ran ? ` (${ran})` : ''}${skipped ? `; ${skipped}` : ''}`;
  }
}

/** A vector case that names its cipher suite. */
export type Suited = { cipher_suite: number };

/**
 * Why the signature-heavy files (whole trees, TreeKEM, passive clients) run suite 1 only: the NIST
 * suites' signatures are pure JS in ts-mls's default provider (@noble/curves). Measured here, all
 * four suites took 255 s for tree-validation + treekem (P-521 alone 154 s) against 11 s for suite 1.
 */
export const SLOW_SUITES_REASON = 'NIST-curve suites run only in the light files (pure-JS P-256/384/521 signatures: minutes per tree file)';

/**
 * Runs `check` on every case of `file` whose suite is available (all available suites, or suite 1
 * only for the heavy files), then asserts that every suite-1 case ran and that at least `min`
 * cases ran in all; the tally goes to the test's diagnostics.
 */
export async function eachCase<T extends Suited>(
  t: { diagnostic(s: string): void },
  file: Parameters<typeof readMlsVectors>[0],
  min: number,
  check: (c: T, cs: CiphersuiteImpl, i: number) => Promise<void>,
  suites: 'all' | 'suite-1' = 'all',
): Promise<void> {
  const cases = readMlsVectors<T>(file);
  const tally = new VectorTally();
  for (const [i, c] of cases.entries()) {
    const impl = suiteImpl(c.cipher_suite);
    if (impl === undefined) {
      tally.skip(SKIPPED_SUITES[c.cipher_suite]!);
      continue;
    }
    if (suites === 'suite-1' && c.cipher_suite !== 1) {
      tally.skip(SLOW_SUITES_REASON);
      continue;
    }
    const started = performance.now();
    await check(c, await impl, i);
    tally.run(c.cipher_suite, performance.now() - started);
  }
  t.diagnostic(tally.summary(file));
  const suite1Cases = cases.filter((c) => c.cipher_suite === 1).length;
  assert.ok(suite1Cases > 0, `${file}: no suite-1 cases`);
  assert.equal(tally.ran.get(1), suite1Cases, `${file}: every suite-1 case must run`);
  assert.ok(tally.total >= min, `${file}: ${tally.total} cases ran, at least ${min} expected`);
}
