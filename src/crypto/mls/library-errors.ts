// Turns a ts-mls failure into an MlsError with a stable code. ts-mls throws classes
// (ValidationError, CryptoVerificationError, CodecError, UsageError, CryptoError, InternalError)
// with fixed English messages; the few distinctions our callers act on (replay, epoch, pending
// proposals, refused credential) are told apart here and nowhere else.
import type { AuthRecord } from './auth-hook.js';
import { MlsError, isMlsError, type MlsErrorCode } from './mls-error.js';

function classify(name: string, message: string): MlsErrorCode {
  switch (name) {
    case 'CryptoVerificationError':
      return /signature/i.test(message) ? 'BAD_SIGNATURE' : 'REJECTED';
    case 'CryptoError':
      return 'DECRYPT_FAILED';
    case 'CodecError':
      return 'BAD_MESSAGE';
    case 'ValidationError':
      if (/gen in the past/i.test(message)) return 'REPLAY';
      if (/too far in the future/i.test(message)) return 'TOO_FAR_AHEAD';
      if (/epoch too old|validate epoch|former epoch/i.test(message)) return 'WRONG_EPOCH';
      if (/no matching secret/i.test(message)) return 'NOT_A_RECIPIENT';
      return 'REJECTED';
    case 'UsageError':
      if (/unapplied proposals/i.test(message)) return 'PENDING_PROPOSALS';
      if (/removed from group/i.test(message)) return 'NOT_A_MEMBER';
      if (/no ratchet_tree extension|external_pub/i.test(message)) return 'BAD_MESSAGE';
      return 'REJECTED';
    default:
      return 'INTERNAL';
  }
}

/**
 * Rethrows `e` as an MlsError naming the operation (`what`). An MlsError passes unchanged; a
 * throw from the caller's own authentication hook passes unchanged too (it is the caller's
 * error); a failure while the hook refused someone becomes CREDENTIAL_REFUSED with `refused`.
 */
export function rethrow(e: unknown, what: string, record?: AuthRecord): never {
  if (record?.hookFailed) throw record.hookError;
  if (isMlsError(e)) throw e;
  if (record !== undefined && record.refused.length > 0) {
    throw new MlsError('CREDENTIAL_REFUSED', `${what}: the authentication check refused ${record.refused.length} credential(s)`, { cause: e, refused: record.refused });
  }
  if (record !== undefined && record.malformed.length > 0) {
    throw new MlsError('BAD_CREDENTIAL', `${what}: ${record.malformed[0]}`, { cause: e });
  }
  const name = e instanceof Error ? e.name : typeof e;
  const message = e instanceof Error ? e.message : String(e);
  throw new MlsError(classify(name, message), `${what}: ${message}`, { cause: e });
}

/** Runs a library step; any failure goes through rethrow. */
export async function guarded<T>(what: string, record: AuthRecord | undefined, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    rethrow(e, what, record);
  }
}
