// The two cipher suites and their fixed parameters. A suite is chosen per identity when it
// is created and decides the signature scheme, the key types in the bundle, the body cipher
// of envelopes that identity sends, and how content keys are wrapped for that identity.
import { CryptoError } from './crypto-error.js';

/** The two suites; the name is what users pass to `keygen --suite`. */
export type SuiteName = 'hpke-x25519-aes128gcm' | 'rsa-oaep-3072';

/** Every supported suite, in wire-id order (for CLI help and validation). */
export const SUITES: readonly SuiteName[] = Object.freeze(['hpke-x25519-aes128gcm', 'rsa-oaep-3072'] as const);

/** HPKE with X25519 and Ed25519: small keys, fast, the primitives of MLS cipher suite 1. */
export const DEFAULT_SUITE: SuiteName = 'hpke-x25519-aes128gcm';

/** Per-suite constants that parsing and sealing check lengths against. */
export interface SuiteParams {
  /** The suite's byte on the wire (bundles and envelopes). */
  id: number;
  /** Exact signature length: Ed25519 64, RSA-PSS-3072 384. */
  signatureBytes: number;
  /** Content key length of envelopes sent by this suite: AES-128-GCM 16, AES-256-GCM 32. */
  contentKeyBytes: number;
}

const PARAMS: Record<SuiteName, SuiteParams> = {
  'hpke-x25519-aes128gcm': { id: 1, signatureBytes: 64, contentKeyBytes: 16 },
  'rsa-oaep-3072': { id: 2, signatureBytes: 384, contentKeyBytes: 32 },
};

/** The fixed parameters of a suite. */
export function suiteParams(s: SuiteName): SuiteParams {
  return PARAMS[s];
}

/** The suite's byte on the wire. */
export function suiteId(s: SuiteName): number {
  return PARAMS[s].id;
}

/** The suite for a wire byte, or UNSUPPORTED_SUITE: a newer peer's suite must not parse as ours. */
export function suiteFromId(id: number): SuiteName {
  const s = SUITES.find((x) => PARAMS[x].id === id);
  if (!s) throw new CryptoError('UNSUPPORTED_SUITE', `unknown suite id ${id}`);
  return s;
}

/** Checks a suite name from an API call or a file. */
export function checkSuite(s: unknown): SuiteName {
  if (typeof s !== 'string' || !SUITES.includes(s as SuiteName)) {
    throw new CryptoError('UNSUPPORTED_SUITE', `unknown suite ${typeof s === 'string' ? JSON.stringify(s.slice(0, 40)) : typeof s}`);
  }
  return s as SuiteName;
}

/** RSA keys are 3072-bit (NIST's 128-bit security level, matching X25519). */
export const RSA_BITS = 3072;
/** The only RSA public exponent accepted, big-endian as WebCrypto reports it. */
export const RSA_EXPONENT = new Uint8Array([1, 0, 1]);
/** WebCrypto algorithm of RSA signing keys. */
export const RSA_PSS = { name: 'RSA-PSS', hash: 'SHA-256' } as const;
/** WebCrypto algorithm of RSA encryption keys (MGF1 uses the same hash). */
export const RSA_OAEP = { name: 'RSA-OAEP', hash: 'SHA-256' } as const;
/** RSA-PSS salt length: the hash length, as RFC 8017 recommends. */
export const PSS_SALT = 32;
/** Bytes of an X25519 / Ed25519 public key and of an HPKE `enc`. */
export const CURVE25519_KEY_BYTES = 32;
/** AES-GCM tag length. */
export const GCM_TAG_BYTES = 16;
/** AES-GCM nonce length (the only one every WebCrypto implementation supports). */
export const GCM_NONCE_BYTES = 12;
