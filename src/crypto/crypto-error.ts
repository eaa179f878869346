/** Stable codes of the crypto layer; tests and the client switch on them. */
export type CryptoErrorCode =
  | 'BAD_BUNDLE' | 'BAD_SIGNATURE' | 'BAD_ENVELOPE' | 'NOT_A_RECIPIENT' | 'WRONG_SENDER'
  | 'REPLAY' | 'DECRYPT_FAILED' | 'UNSUPPORTED_SUITE' | 'BAD_INPUT' | 'BAD_PASSPHRASE' | 'BAD_IDENTITY';

/** The crypto layer's one error type. Messages never carry key material or plaintext. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
  constructor(readonly code: CryptoErrorCode, message: string) {
    super(message);
  }
}

/** Type guard, optionally for one code. */
export function isCryptoError(e: unknown, code?: CryptoErrorCode): e is CryptoError {
  return e instanceof CryptoError && (code === undefined || e.code === code);
}
