// The crypto layer's single error type. Callers (client, server, CLI) switch on `code`,
// never on the message, so codes are part of the public API and must stay stable.

/** Every code a CryptoError can carry; a runtime list so duck-typed checks can validate codes. */
export const CRYPTO_ERROR_CODES = [
  'BAD_BUNDLE', // a public bundle is malformed, has a bad key, or its self-signature fails
  'BAD_SIGNATURE', // an envelope signature does not verify with the claimed sender's key
  'BAD_ENVELOPE', // an envelope is malformed (bounds, lengths, magic, trailing bytes)
  'NOT_A_RECIPIENT', // the envelope does not list this recipient's name and key
  'WRONG_SENDER', // the envelope is validly signed but names another sender name/key
  'REPLAY', // the replay window refused a message (seen before, too old, too far in the future)
  'DECRYPT_FAILED', // key unwrap or body decryption failed (after the signature verified)
  'UNSUPPORTED_SUITE', // a suite name or suite byte this version does not know
  'BAD_INPUT', // an API argument has the wrong type, length or range (a caller bug)
  'BAD_PASSPHRASE', // a passphrase-encrypted identity did not decrypt
  'BAD_IDENTITY', // an exported identity is malformed or its keys do not match its bundle
  'BAD_DEVICE_LIST', // a device list is malformed, names another account/identity, or its signature fails
] as const;

/** Stable codes of the crypto layer; tests and the client switch on them. */
export type CryptoErrorCode = (typeof CRYPTO_ERROR_CODES)[number];

/**
 * The crypto layer's one error type, so callers need a single `catch` shape.
 * Messages are for people and never carry key material, plaintext or secrets.
 */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  /** Stable machine-readable reason; see CryptoErrorCode. */
  readonly code: CryptoErrorCode;

  constructor(code: CryptoErrorCode, message: string) {
    super(message);
    this.code = code;
  }

  /** Static form of isCryptoError, for callers that prefer `CryptoError.is(e, 'REPLAY')`. */
  static is(e: unknown, code?: CryptoErrorCode): e is CryptoError {
    return isCryptoError(e, code);
  }
}

/**
 * Type guard, optionally for one code. Besides `instanceof` it accepts an Error named
 * "CryptoError" with a known code, so it still works when a bundler duplicates this module.
 */
export function isCryptoError(e: unknown, code?: CryptoErrorCode): e is CryptoError {
  const looksRight =
    e instanceof CryptoError ||
    (e instanceof Error &&
      e.name === 'CryptoError' &&
      (CRYPTO_ERROR_CODES as readonly string[]).includes((e as { code?: unknown }).code as string));
  return looksRight && (code === undefined || (e as CryptoError).code === code);
}
