// The MLS adapter's single error type, in the house style of ../crypto-error.ts: callers (the
// client core) switch on `code`, never on the message, so codes are public API and stay stable.

/** Every code an MlsError can carry; a runtime list so duck-typed checks can validate codes. */
export const MLS_ERROR_CODES = [
  'BAD_INPUT', // an API argument has the wrong type, length or range (a caller bug)
  'BAD_MESSAGE', // bytes are not a well-formed MLSMessage of the wire format the operation needs
  'BAD_CREDENTIAL', // a credential is not a sealcast basic credential ("SCM1" layout)
  'CREDENTIAL_REFUSED', // the caller's authentication check refused a credential the operation met
  'WRONG_GROUP', // the message belongs to another group
  'WRONG_EPOCH', // the message is for an epoch this state cannot process (ahead, or too old)
  'NOT_A_MEMBER', // this device has been removed from the group (or never was in its tree)
  'NOT_A_RECIPIENT', // a Welcome holds no secrets for this key package
  'UNKNOWN_MEMBER', // a removal names a leaf or (name, device) that is not in the group
  'BAD_SIGNATURE', // a signature (message, leaf, key package, GroupInfo) does not verify
  'DECRYPT_FAILED', // an AEAD or HPKE ciphertext did not open
  'REPLAY', // the message's key was already used (a duplicate) or is older than the kept window
  'TOO_FAR_AHEAD', // the message is more generations ahead than the forward ratchet allows
  'PENDING_PROPOSALS', // proposals received must be committed before this device may send
  'REJECTED', // the message breaks an RFC 9420 validity rule or this adapter's proposal policy
  'BAD_STATE', // encoded state bytes are damaged, truncated or of an unknown version
  'INTERNAL', // the MLS library failed in a way none of the above describes (see `cause`)
] as const;

/** Stable codes of the MLS adapter. */
export type MlsErrorCode = (typeof MLS_ERROR_CODES)[number];

/** An identity the caller's authentication check refused (structured, kept out of the message). */
export interface RefusedCredential {
  name: string;
  deviceId: Uint8Array;
}

/**
 * The MLS adapter's one error type, so the client needs a single `catch` shape. Messages are
 * for people and never carry key material, plaintext, names or secrets; the identities a
 * CREDENTIAL_REFUSED error is about travel in `refused`, and the library's own error in `cause`.
 */
export class MlsError extends Error {
  override readonly name = 'MlsError';
  /** Stable machine-readable reason; see MlsErrorCode. */
  readonly code: MlsErrorCode;
  /** For CREDENTIAL_REFUSED: whose credential the check refused (empty otherwise). */
  readonly refused: readonly RefusedCredential[];

  constructor(code: MlsErrorCode, message: string, options: { cause?: unknown; refused?: readonly RefusedCredential[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.refused = options.refused ?? [];
  }

  /** Static form of isMlsError, for callers that prefer `MlsError.is(e, 'WRONG_EPOCH')`. */
  static is(e: unknown, code?: MlsErrorCode): e is MlsError {
    return isMlsError(e, code);
  }
}

/**
 * Type guard, optionally for one code. Besides `instanceof` it accepts an Error named
 * "MlsError" with a known code, so it still works when a bundler duplicates this module.
 */
export function isMlsError(e: unknown, code?: MlsErrorCode): e is MlsError {
  const looksRight =
    e instanceof MlsError ||
    (e instanceof Error &&
      e.name === 'MlsError' &&
      (MLS_ERROR_CODES as readonly string[]).includes((e as { code?: unknown }).code as string));
  return looksRight && (code === undefined || (e as MlsError).code === code);
}
