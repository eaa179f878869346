import { CryptoError } from './crypto-error.js';

/** The two envelope suites; chosen per identity when it is created. */
export type SuiteName = 'hpke-x25519-aes128gcm' | 'rsa-oaep-3072';
export const SUITES: readonly SuiteName[] = ['hpke-x25519-aes128gcm', 'rsa-oaep-3072'];
/** HPKE with X25519: the primitives of MLS cipher suite 1. */
export const DEFAULT_SUITE: SuiteName = 'hpke-x25519-aes128gcm';

const IDS: Record<SuiteName, number> = { 'hpke-x25519-aes128gcm': 1, 'rsa-oaep-3072': 2 };

/** The suite's byte on the wire. */
export function suiteId(s: SuiteName): number {
  return IDS[s];
}

/** The suite for a wire byte, or UNSUPPORTED_SUITE. */
export function suiteFromId(id: number): SuiteName {
  const s = SUITES.find((x) => IDS[x] === id);
  if (!s) throw new CryptoError('UNSUPPORTED_SUITE', `unknown suite ${id}`);
  return s;
}

export function checkSuite(s: unknown): SuiteName {
  if (!SUITES.includes(s as SuiteName)) throw new CryptoError('UNSUPPORTED_SUITE', `unknown suite ${String(s)}`);
  return s as SuiteName;
}

/** WebCrypto parameters per suite. RSA keys are 3072-bit with exponent 65537; PSS uses a 32-byte salt. */
export const RSA_BITS = 3072;
export const RSA_PSS = { name: 'RSA-PSS', hash: 'SHA-256' } as const;
export const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
export const PSS_SALT = 32;
